/* Argument sets for the MapCpuHostAperture benchmarks.
 *
 * Every call of a benchmark passes a different, precomputed
 * DXGKARG_MAPCPUHOSTAPERTURE, so that neither side sees the same bytes again
 * within a compressor window: the pool holds at least `min_bytes` of page
 * arrays. The pages look like VidMm's: the aperture slots are one contiguous
 * run from a random base, and the segment pages are runs of 1 to 32
 * contiguous pages at random places in a 1 GiB segment (4 KiB pages). */
#ifndef DDIRR_BENCH_POOL_H
#define DDIRR_BENCH_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <ddirr/wddm.h>

struct bench_pool {
	size_t n;                        /* argument sets */
	size_t pages;                    /* pages per set (NumberOfPages) */
	DXGKARG_MAPCPUHOSTAPERTURE *args; /* n sets; their arrays point into the two below */
	UINT32 *slots;
	UINT64 *segpages;
};

/* Builds a pool of sets of `pages` pages each: at least `min_sets` sets and at
 * least `min_bytes` bytes of page arrays (12 bytes a page). Deterministic for
 * a given seed. Returns 0, or -1 when out of memory. */
int bench_pool_init(struct bench_pool *p, size_t pages, size_t min_sets, size_t min_bytes, uint64_t seed);
void bench_pool_free(struct bench_pool *p);

/* Bytes of arguments one call carries: the fixed fields and both arrays. */
size_t bench_pool_call_bytes(const struct bench_pool *p);

#endif /* DDIRR_BENCH_POOL_H */
