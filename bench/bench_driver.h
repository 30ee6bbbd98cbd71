/* The driver the benchmarks call: a DRIVER_INITIALIZATION_DATA whose
 * DxgkDdiMapCpuHostAperture does the least a driver could (it reads the page
 * count and returns success). It lives in its own translation unit so that
 * the direct-call baseline is a real indirect call, like the wrapped one. */
#ifndef DDIRR_BENCH_DRIVER_H
#define DDIRR_BENCH_DRIVER_H

#include <ddirr/wddm.h>

/* Fills `d` with the benchmark driver's table (zeroed, then MapCpuHostAperture
 * and UnmapCpuHostAperture set). */
void bench_driver_table(DRIVER_INITIALIZATION_DATA *d);

/* Pages the driver has been asked to map since the start (keeps the calls
 * observable, so none can be optimised away). */
unsigned long long bench_driver_pages(void);

#endif /* DDIRR_BENCH_DRIVER_H */
