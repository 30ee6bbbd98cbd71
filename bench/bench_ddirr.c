#include "bench_ddirr.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <ddirr/error.h>
#include <ddirr/recorder.h>

struct bench_ddirr {
	ddirr_recorder *rec;
	DRIVER_INITIALIZATION_DATA table; /* the wrapped copy; the wrappers live as long as the process */
};

int bench_ddirr_open(struct bench_ddirr **out, PDXGKDDI_MAPCPUHOSTAPERTURE *wrapped,
                     const DRIVER_INITIALIZATION_DATA *drv, const char *trace)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	struct bench_ddirr *b = calloc(1, sizeof(*b));
	int err;

	*out = NULL;
	if (!b) {
		fprintf(stderr, "bench: out of memory\n");
		return -1;
	}
	o.output = trace;
	o.command_line = "ddirr-bench-recorder";
	err = ddirr_recorder_open(&b->rec, &o);
	if (err < 0) {
		fprintf(stderr, "bench: ddirr_recorder_open: %s\n", ddirr_error_last());
		free(b);
		return -1;
	}
	b->table = *drv;
	err = ddirr_recorder_wrap(b->rec, &b->table);
	if (err < 0) {
		fprintf(stderr, "bench: ddirr_recorder_wrap: %s\n", ddirr_error_last());
		ddirr_recorder_close(b->rec);
		free(b);
		return -1;
	}
	*wrapped = b->table.DxgkDdiMapCpuHostAperture;
	*out = b;
	return 0;
}

void bench_ddirr_set_recording(struct bench_ddirr *b, int on)
{
	ddirr_recorder_set_enabled(b->rec, on);
}

unsigned long long bench_ddirr_pending(struct bench_ddirr *b)
{
	ddirr_recorder_stats s;

	ddirr_recorder_get_stats(b->rec, &s);
	return (unsigned long long)s.pending;
}

void bench_ddirr_flush(struct bench_ddirr *b)
{
	if (ddirr_recorder_sync(b->rec) < 0)
		fprintf(stderr, "bench: ddirr_recorder_sync: %s\n", ddirr_error_last());
}

unsigned long long bench_ddirr_print_stats(struct bench_ddirr *b)
{
	ddirr_recorder_stats s;

	ddirr_recorder_get_stats(b->rec, &s);
	printf("ddirr.issued=%" PRIu64 " ddirr.recorded=%" PRIu64 " ddirr.dropped=%" PRIu64 " ddirr.pending=%" PRIu64
	       " ddirr.stopped=%d\n",
	       s.issued, s.recorded, s.dropped, s.pending, s.stopped);
	return (unsigned long long)(s.issued - s.recorded);
}

int bench_ddirr_close(struct bench_ddirr *b)
{
	int err;

	if (!b)
		return 0;
	err = ddirr_recorder_close(b->rec);
	free(b);
	if (err < 0) {
		fprintf(stderr, "bench: ddirr_recorder_close: %s\n", ddirr_error_last());
		return -1;
	}
	return 0;
}
