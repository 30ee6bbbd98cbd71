/* ddirr-bench-replay: replaying a trace on the model against decoding it
 * (issue 5's target: replay costs at most 2x decode).
 *
 *   ddirr-bench-replay [--events N] [--rounds R] [--trace PATH]
 *
 * It writes a trace of about N records (default 1,000,000) made by the
 * VidMm stand-in (tests/support/vidmm_host.c) under every chaos flag, then
 * times, in alternating rounds, a decode-only pass (ddirr_trace_next over
 * the whole file) and a whole replay on the model target
 * (ddirr_replay_run: decode, reorder, remap, model apply and respond,
 * compare). CPU time of this process; the median of the rounds. The host
 * stops mid-call at the record limit, so the replay's verdict is
 * "truncated" at the last whole call; any other verdict but pass is an
 * error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "ddirr/trace.h"
#include "vidmm_host.h"

typedef struct sink_ctx {
	ddirr_trace_writer *w;
	uint64_t n, limit;
} sink_ctx;

static int sink(void *vctx, const ddirr_event *ev)
{
	sink_ctx *c = vctx;

	if (c->n++ >= c->limit)
		return 1;
	return ddirr_trace_writer_append(c->w, ev);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "ddirr-bench-replay: %s: %s\n", what, ddirr_error_last());
	exit(2);
}

static double decode_pass(const char *path, uint64_t *records)
{
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	double t0 = cpu_now();

	*records = 0;
	if (ddirr_trace_open(&t, path))
		die(path);
	while (ddirr_trace_next(t, &ev) == 1)
		(*records)++;
	ddirr_trace_free(t);
	return cpu_now() - t0;
}

static double replay_pass(const char *path, uint64_t *calls)
{
	ddirr_replay_options o = DDIRR_REPLAY_OPTIONS_INIT;
	ddirr_replay_result *r = NULL;
	double t0 = cpu_now();

	o.trace = path;
	o.target = "model";
	if (ddirr_replay_run(&r, &o))
		die("replay");
	if (r->verdict != DDIRR_REPLAY_PASS && r->verdict != DDIRR_REPLAY_TRUNCATED) {
		ddirr_replay_write_text(stderr, r);
		exit(1);
	}
	*calls = r->calls;
	ddirr_replay_result_free(r);
	return cpu_now() - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *path = "bench_replay.ddirr";
	uint64_t events = 1000000, records = 0, calls = 0;
	host_options ho = {.seed = 5, .chaos = DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE | DDIRR_CHAOS_PRESSURE |
					       DDIRR_CHAOS_VA_ROTATE,
			   .calls = UINT64_MAX, .max_live = 512};
	sink_ctx sc = {0};
	double dec[64], rep[64];
	int rounds = 5, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--events") && i + 1 < argc)
			events = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			path = argv[++i];
		else {
			fprintf(stderr, "usage: ddirr-bench-replay [--events N] [--rounds R] [--trace PATH]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64)
		rounds = 5;
	sc.limit = events;
	if (ddirr_trace_writer_open(&sc.w, path, NULL, NULL))
		die(path);
	if (host_run(&ho, sink, &sc) < 0 || ddirr_trace_writer_close(sc.w))
		die("writing the trace");
	ddirr_trace_writer_free(sc.w);
	for (i = 0; i < rounds; i++) {
		dec[i] = decode_pass(path, &records);
		rep[i] = replay_pass(path, &calls);
	}
	qsort(dec, (size_t)rounds, sizeof(dec[0]), by_value);
	qsort(rep, (size_t)rounds, sizeof(rep[0]), by_value);
	printf("records %llu, calls replayed %llu, rounds %d (median CPU time)\n", (unsigned long long)records,
	       (unsigned long long)calls, rounds);
	printf("decode only   %8.3f s  %6.0f ns/record\n", dec[rounds / 2], dec[rounds / 2] * 1e9 / (double)records);
	printf("replay model  %8.3f s  %6.0f ns/record\n", rep[rounds / 2], rep[rounds / 2] * 1e9 / (double)records);
	printf("replay / decode = %.2fx (target <= 2x)\n", rep[rounds / 2] / dec[rounds / 2]);
	return 0;
}
