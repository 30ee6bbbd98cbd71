/* Test and benchmark support: a small stand-in for dxgkrnl and a correct
 * driver that makes long, valid call sequences from the aperture model's
 * VidMm decisions (with its chaos flags), and hands each record to a sink.
 * The capture host of a later issue plays the same part against real
 * drivers; this one decides the driver's answers itself. */
#ifndef DDIRR_TEST_VIDMM_HOST_H
#define DDIRR_TEST_VIDMM_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "ddirr/event.h"
#include "ddirr/model.h"

/* Receives every record, in order; returns 0 to go on. */
typedef int (*host_sink_fn)(void *ctx, const ddirr_event *ev);

typedef struct host_options {
	uint64_t seed;
	unsigned chaos;      /* enum ddirr_chaos */
	uint64_t calls;      /* how many calls to make after setup */
	size_t max_live;     /* allocations alive at once (bounds the state) */
} host_options;

/* Runs the sequence. The host keeps its own model (`decider`) to make its
 * decisions, applies every record to it, and also passes every record to
 * sink. Returns 0, or the first non-zero sink result, or a negative error. */
int host_run(const host_options *o, host_sink_fn sink, void *ctx);

#endif
