/* The ddirr side of the benchmarks: one recorder, opened through the public
 * API (include/ddirr/recorder.h) with its default options, and a wrapped copy
 * of the benchmark driver's table. */
#ifndef DDIRR_BENCH_DDIRR_H
#define DDIRR_BENCH_DDIRR_H

#include <ddirr/wddm.h>

struct bench_ddirr;

/* Opens the process's recorder writing to `trace`, wraps a copy of `drv` and
 * sets *wrapped to the recording wrapper of DxgkDdiMapCpuHostAperture
 * (`drv` itself is left as it is, for the direct calls). Recording is on.
 * Returns 0, or -1 with a message on stderr. */
int bench_ddirr_open(struct bench_ddirr **out, PDXGKDDI_MAPCPUHOSTAPERTURE *wrapped,
                     const DRIVER_INITIALIZATION_DATA *drv, const char *trace);

void bench_ddirr_set_recording(struct bench_ddirr *b, int on);

/* Records issued and not yet taken by the drain thread (nor dropped). */
unsigned long long bench_ddirr_pending(struct bench_ddirr *b);

/* Waits until every record issued so far is written. */
void bench_ddirr_flush(struct bench_ddirr *b);

/* Prints the recorder's counters as one key=value line on stdout, and
 * returns the number of records issued but not recorded (dropped or still
 * pending): 0 once every record is written. */
unsigned long long bench_ddirr_print_stats(struct bench_ddirr *b);

/* Closes the recorder (writes the trailer) and frees b; NULL is a no-op.
 * Returns 0, or -1 with a message on stderr. */
int bench_ddirr_close(struct bench_ddirr *b);

#endif /* DDIRR_BENCH_DDIRR_H */
