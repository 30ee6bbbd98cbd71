/* ddirr-bench-model: the cost of applying a trace to the aperture model,
 * measured against decoding the same trace (issue 3's target: applying costs
 * at most as much as decoding, so the model never dominates replay).
 *
 *   ddirr-bench-model [--events N] [--rounds R] [--trace PATH]
 *
 * It writes a trace of about N records (default 1,000,000) made by the
 * VidMm stand-in under every chaos flag, then times, in alternating rounds,
 * a decode-only pass (ddirr_trace_next over the whole file) and a pass that
 * decodes and applies every record to a fresh model. CPU time of this
 * process; the median of the rounds is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddirr/error.h"
#include "ddirr/model.h"
#include "ddirr/trace.h"
#include "vidmm_host.h"

typedef struct writer_ctx {
	ddirr_trace_writer *w;
	uint64_t records, limit;
} writer_ctx;

static int write_record(void *ctx, const ddirr_event *ev)
{
	writer_ctx *c = ctx;

	if (c->records >= c->limit)
		return 1; /* enough: stop the host */
	c->records++;
	return ddirr_trace_writer_append(c->w, ev);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One pass over the trace; with a model, every record is applied too.
 * Returns the CPU seconds, and the records and violations seen. */
static double pass(const char *path, int apply, uint64_t *records, uint64_t *violations)
{
	ddirr_trace *t = NULL;
	ddirr_model *m = NULL;
	const ddirr_event *ev;
	double start = cpu_seconds();
	int rc;

	*records = 0;
	if (ddirr_trace_open(&t, path) || (apply && ddirr_model_new(&m, NULL))) {
		fprintf(stderr, "ddirr-bench-model: %s\n", ddirr_error_last());
		exit(2);
	}
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		(*records)++;
		if (apply && ddirr_model_apply(m, ev) < 0)
			break;
	}
	*violations = m ? ddirr_model_violations(m) : 0;
	ddirr_model_free(m);
	ddirr_trace_free(t);
	return cpu_seconds() - start;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *path = "bench-model.ddirr";
	uint64_t events = 1000000, records = 0, violations = 0;
	int rounds = 5, i;
	host_options ho = {.seed = 2026, .chaos = DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE | DDIRR_CHAOS_PRESSURE |
						 DDIRR_CHAOS_VA_ROTATE,
			   .max_live = 256};
	writer_ctx wc = {0};
	double *dec, *app;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--events") && i + 1 < argc)
			events = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			path = argv[++i];
		else {
			fprintf(stderr, "usage: ddirr-bench-model [--events N] [--rounds R] [--trace PATH]\n");
			return 2;
		}
	}
	if (rounds < 1 || events < 100) {
		fprintf(stderr, "ddirr-bench-model: --rounds must be >= 1 and --events >= 100\n");
		return 2;
	}
	if (ddirr_trace_writer_open(&wc.w, path, NULL, NULL)) {
		fprintf(stderr, "ddirr-bench-model: %s\n", ddirr_error_last());
		return 2;
	}
	wc.limit = events;
	ho.calls = events; /* more than enough; the sink stops the host */
	if (host_run(&ho, write_record, &wc) < 0 || ddirr_trace_writer_close(wc.w)) {
		fprintf(stderr, "ddirr-bench-model: %s\n", ddirr_error_last());
		ddirr_trace_writer_free(wc.w);
		return 2;
	}
	ddirr_trace_writer_free(wc.w);
	dec = calloc((size_t)rounds, sizeof(*dec));
	app = calloc((size_t)rounds, sizeof(*app));
	if (!dec || !app)
		return 2;
	/* Alternate the order of the two passes each round, so that a noisy
	   neighbour or a warm cache favours neither. */
	for (i = 0; i < rounds; i++) {
		if (i % 2) {
			app[i] = pass(path, 1, &records, &violations);
			dec[i] = pass(path, 0, &records, &violations);
		} else {
			dec[i] = pass(path, 0, &records, &violations);
			app[i] = pass(path, 1, &records, &violations);
		}
	}
	pass(path, 1, &records, &violations);
	qsort(dec, (size_t)rounds, sizeof(*dec), cmp_double);
	qsort(app, (size_t)rounds, sizeof(*app), cmp_double);
	{
		double d = dec[rounds / 2], a = app[rounds / 2], apply_only = a - d;

		printf("records                 %llu (violations found: %llu)\n", (unsigned long long)records,
		       (unsigned long long)violations);
		printf("decode only             %.3f s  %.0f records/s\n", d, (double)records / d);
		printf("decode + apply          %.3f s  %.0f records/s\n", a, (double)records / a);
		printf("apply alone             %.3f s  %.0f records/s\n", apply_only,
		       apply_only > 0 ? (double)records / apply_only : 0.0);
		printf("apply / decode          %.2f  (target <= 1.00: %s)\n", apply_only / d,
		       apply_only <= d ? "met" : "MISSED");
	}
	free(dec);
	free(app);
	return violations ? 1 : 0;
}
