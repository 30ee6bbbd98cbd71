#include "bench_pool.h"

#include <stdlib.h>
#include <string.h>

#define SEGMENT_PAGES (1u << 18) /* 1 GiB of 4 KiB pages */
#define APERTURE_SLOTS (1u << 16)

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int bench_pool_init(struct bench_pool *p, size_t pages, size_t min_sets, size_t min_bytes, uint64_t seed)
{
	uint64_t rng = seed ? seed : 0x9e3779b97f4a7c15u;
	size_t n = min_bytes / (pages * 12) + 1;

	memset(p, 0, sizeof(*p));
	if (pages == 0)
		return -1;
	if (n < min_sets)
		n = min_sets;
	p->n = n;
	p->pages = pages;
	p->args = calloc(n, sizeof(*p->args));
	p->slots = malloc(n * pages * sizeof(*p->slots));
	p->segpages = malloc(n * pages * sizeof(*p->segpages));
	if (!p->args || !p->slots || !p->segpages) {
		bench_pool_free(p);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		DXGKARG_MAPCPUHOSTAPERTURE *a = &p->args[i];
		UINT32 *slots = p->slots + i * pages;
		UINT64 *seg = p->segpages + i * pages;
		UINT32 base = (UINT32)(xorshift64(&rng) % APERTURE_SLOTS);
		size_t run = 0;
		UINT64 page = 0;

		a->hAllocation = (HANDLE)(uintptr_t)(0xb0000 + (xorshift64(&rng) & 0xffff) * 16);
		a->SegmentId = 1 + (WORD)(xorshift64(&rng) % 3);
		a->PhysicalAdapterIndex = 0;
		a->NumberOfPages = pages;
		a->pCpuHostAperturePages = slots;
		a->pMemorySegmentPages = seg;
		for (size_t k = 0; k < pages; k++) {
			slots[k] = (base + (UINT32)k) % APERTURE_SLOTS;
			if (run == 0) {
				run = 1 + xorshift64(&rng) % 32;
				page = xorshift64(&rng) % SEGMENT_PAGES;
			}
			seg[k] = page++ % SEGMENT_PAGES;
			run--;
		}
	}
	return 0;
}

void bench_pool_free(struct bench_pool *p)
{
	free(p->args);
	free(p->slots);
	free(p->segpages);
	memset(p, 0, sizeof(*p));
}

size_t bench_pool_call_bytes(const struct bench_pool *p)
{
	/* hAdapter, hAllocation, SegmentId, PhysicalAdapterIndex, NumberOfPages */
	return 8 + 8 + 2 + 2 + 8 + p->pages * (sizeof(UINT32) + sizeof(UINT64));
}
