/* fixture_host: a stand-in for dxgkrnl that loads the fixture driver and
 * issues every slice call, for the preload test (test_preload.sh).
 *
 *   fixture_host run DRIVER.so ROUNDS COUNTS_OUT
 *       loads the driver, starts the adapter, issues ROUNDS rounds of every
 *       DDI (random arguments from the description) and of every callback,
 *       and writes the calls per id to COUNTS_OUT ("id count" lines).
 *   fixture_host check TRACE COUNTS
 *       reads TRACE back and checks it has exactly an entry and an exit per
 *       counted call, entry seqs 1..N each once, and every callback the
 *       driver made from inside a DDI carrying that DDI's seq. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "fixture.h"
#include "frame_fill.h"

static uint64_t counts[DDIRR_DDI_MAX_PLUS_ONE];

static void count_callback(uint32_t id, void *frame, void *ctx)
{
	(void)frame;
	(void)ctx;
	if (ddirr_ddi_kind(id) == DDIRR_KIND_CB)
		counts[id]++;
}

static int run(const char *driver, int rounds, const char *out)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	FILE *f;
	uint32_t id;
	int r;

	if (fixture_host_load(driver, NULL) || fixture_host_start())
		return 1;
	counts[DDIRR_DDI_AddDevice] = counts[DDIRR_DDI_StartDevice] = 1;
	fixture_host_set_check(count_callback, NULL);
	for (r = 0; r < rounds; r++) {
		for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
			fill_opts o = {.mode = FILL_RANDOM, .len = 4, .blob_len = 8, .variant = (unsigned)r,
				       .seed = (uint64_t)r * 100 + id};
			void *frame;

			if (id == DDIRR_DDI_AddDevice || id == DDIRR_DDI_StartDevice || id == DDIRR_DDI_StopDevice ||
			    id == DDIRR_DDI_RemoveDevice)
				continue;
			frame = frame_fill(id, &o, &a);
			fixture_host_call(id, frame);
			if (ddirr_ddi_kind(id) == DDIRR_KIND_DDI)
				counts[id]++; /* callbacks count where they arrive */
			ddirr_arena_reset(&a);
		}
	}
	{
		ddirr_frame_StopDevice stop = {FIXTURE_DRIVER_CONTEXT, 0};
		ddirr_frame_RemoveDevice rm = {FIXTURE_DRIVER_CONTEXT, 0};

		fixture_host_call(DDIRR_DDI_StopDevice, &stop);
		fixture_host_call(DDIRR_DDI_RemoveDevice, &rm);
		counts[DDIRR_DDI_StopDevice] = counts[DDIRR_DDI_RemoveDevice] = 1;
	}
	ddirr_arena_release(&a);
	if (!(f = fopen(out, "w")))
		return 1;
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++)
		fprintf(f, "%u %llu\n", id, (unsigned long long)counts[id]);
	return fclose(f) ? 1 : 0;
}

static int fail(const char *what)
{
	fprintf(stderr, "fixture_host check: %s\n", what);
	return 1;
}

static int check(const char *trace, const char *counts_path)
{
	uint64_t want[DDIRR_DDI_MAX_PLUS_ONE] = {0}, entries[DDIRR_DDI_MAX_PLUS_ONE] = {0},
		 exits[DDIRR_DDI_MAX_PLUS_ONE] = {0};
	uint64_t total = 0, n_entries = 0, max_seq = 0, parents_ok = 0, cbs = 0;
	unsigned char *seen;
	uint32_t *ddi_of;
	const ddirr_event *ev;
	const ddirr_trace_verdict *v;
	ddirr_trace *t = NULL;
	unsigned id;
	unsigned long long n;
	FILE *f = fopen(counts_path, "r");
	int rc;

	if (!f)
		return fail("cannot read the counts");
	while (fscanf(f, "%u %llu", &id, &n) == 2)
		if (id < DDIRR_DDI_MAX_PLUS_ONE)
			total += want[id] = n;
	fclose(f);
	if (ddirr_trace_open(&t, trace))
		return fail(ddirr_error_last());
	seen = calloc(total + 1, 1);
	ddi_of = calloc(total + 1, sizeof(*ddi_of));
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		if (ev->seq == 0 || ev->seq > total || ev->ddi >= DDIRR_DDI_MAX_PLUS_ONE)
			return fail("a seq or DDI out of range");
		if (ev->phase == DDIRR_PHASE_EXIT) {
			exits[ev->ddi]++;
			continue;
		}
		if (seen[ev->seq]++)
			return fail("an entry seq appears twice");
		ddi_of[ev->seq] = ev->ddi;
		entries[ev->ddi]++;
		n_entries++;
		if (ev->seq > max_seq)
			max_seq = ev->seq;
		if (ev->parent_seq) {
			/* made by the driver inside CreateContext or CreateProcess,
			   whose entry comes first on the same thread */
			uint32_t parent = ev->parent_seq <= total ? ddi_of[ev->parent_seq] : 0;

			cbs++;
			parents_ok += (parent == DDIRR_DDI_CreateContext && (ev->ddi == DDIRR_DDI_CreateContextAllocation ||
									      ev->ddi == DDIRR_DDI_MapContextAllocation)) ||
				      (parent == DDIRR_DDI_CreateProcess && ev->ddi == DDIRR_DDI_ReserveGpuVirtualAddressRange);
		}
	}
	if (rc < 0)
		return fail(ddirr_error_last());
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++)
		if (entries[id] != want[id] || exits[id] != want[id]) {
			fprintf(stderr, "fixture_host check: %s: %llu calls, %llu entries, %llu exits\n", ddirr_ddi_name(id),
				(unsigned long long)want[id], (unsigned long long)entries[id],
				(unsigned long long)exits[id]);
			return 1;
		}
	if (n_entries != total || max_seq != total)
		return fail("entry seqs are not 1..N");
	if (parents_ok != cbs || cbs != 2 * want[DDIRR_DDI_CreateContext] + want[DDIRR_DDI_CreateProcess])
		return fail("a callback made inside a DDI does not carry its seq");
	v = ddirr_trace_get_verdict(t);
	if (!v || v->kind != DDIRR_VERDICT_COMPLETE)
		return fail("the verdict is not complete");
	printf("fixture_host check: %llu calls, %llu callbacks with their parent, complete\n",
	       (unsigned long long)total, (unsigned long long)cbs);
	free(seen);
	free(ddi_of);
	ddirr_trace_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "run"))
		return run(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "check"))
		return check(argv[2], argv[3]);
	fprintf(stderr, "usage: fixture_host run DRIVER.so ROUNDS COUNTS_OUT | check TRACE COUNTS\n");
	return 2;
}
