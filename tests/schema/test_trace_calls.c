/* Tests for format version 5's call records (phase CALL: a call's entry and
 * exit as one record; schema/event_codec.c, the trace writer and reader):
 * what ddirr_trace_writer_append_call writes reads back as the two records
 * two appends would give, for every DDI, across any chunking; pairs that
 * cannot be one record are refused with nothing written; hostile call
 * records are refused with a one-line message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "ddirr.pb-c.h"
#include "frame_fill.h"
#include "test_files.h"

static char path[512];

static void assert_same_record(const ddirr_event *got, const ddirr_event *want, const char *what)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(want->ddi);
	char where[512];

	if (!got)
		fail_msg("%s %s: missing", d->name, what);
	if (got->seq != want->seq || got->thread != want->thread || got->time_ns != want->time_ns ||
	    got->parent_seq != want->parent_seq || got->ddi != want->ddi || got->phase != want->phase)
		fail_msg("%s %s: seq %llu thread %u time %llu parent %llu ddi %u phase %u, want %llu %u %llu %llu %u %u",
			 d->name, what, (unsigned long long)got->seq, got->thread, (unsigned long long)got->time_ns,
			 (unsigned long long)got->parent_seq, got->ddi, got->phase, (unsigned long long)want->seq,
			 want->thread, (unsigned long long)want->time_ns, (unsigned long long)want->parent_seq, want->ddi,
			 want->phase);
	assert_non_null(got->frame);
	if (struct_compare(d->frame, want->frame, got->frame, want->phase, where, sizeof(where)))
		fail_msg("%s %s: %s", d->name, what, where);
}

static size_t merged_ddis, separate_ddis, merged_map;

/* One call of DDI id: written with append_call (or, when it refuses, with
 * two appends), read back as its entry and its exit. */
static void check_call(uint32_t id, const fill_opts *o)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	fill_opts xo = *o;
	ddirr_event in = {.seq = 9, .parent_seq = 4, .time_ns = UINT64_MAX - 1000, .thread = 3, .ddi = id,
			  .phase = DDIRR_PHASE_ENTRY};
	ddirr_event out;
	ddirr_trace_writer *w;
	const ddirr_event *ev;
	ddirr_trace *t;
	size_t records, calls;
	int rc;

	xo.seed = o->seed * 31 + 7;
	in.frame = frame_fill(id, o, &a);
	out = in;
	out.phase = DDIRR_PHASE_EXIT;
	out.time_ns = UINT64_MAX; /* the largest exit time there is */
	out.frame = frame_fill(id, &xo, &a);
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);
	rc = ddirr_trace_writer_append_call(w, &in, &out);
	if (rc == 1) {
		separate_ddis++;
		if (ddirr_trace_writer_append(w, &in) || ddirr_trace_writer_append(w, &out))
			fail_msg("%s: %s", ddirr_desc_ddi(id)->name, ddirr_error_last());
	} else if (rc == 0) {
		merged_ddis++;
		merged_map += id == DDIRR_DDI_MapCpuHostAperture;
	} else {
		fail_msg("%s: append_call: %s", ddirr_desc_ddi(id)->name, ddirr_error_last());
	}
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);

	calls = test_call_records(path, &records);
	assert_int_equal(calls, rc == 0);
	assert_int_equal(records, rc == 0 ? 1 : 2);

	if (ddirr_trace_open(&t, path))
		fail_msg("%s", ddirr_error_last());
	assert_int_equal(ddirr_trace_next(t, &ev), 1);
	assert_same_record(ev, &in, "entry");
	assert_int_equal(ddirr_trace_next(t, &ev), 1);
	assert_same_record(ev, &out, "exit");
	assert_int_equal(ddirr_trace_next(t, &ev), 0);
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	assert_int_equal(ddirr_trace_get_verdict(t)->n_problems, 0);
	assert_int_equal(ddirr_trace_get_stats(t)->records, 2);
	assert_int_equal(ddirr_trace_get_stats(t)->entries, 1);
	ddirr_trace_free(t);
	ddirr_arena_release(&a);
}

static void calls__every_ddi_reads_back_as_its_entry_and_exit(void **state)
{
	fill_opts o = {.mode = FILL_RANDOM, .len = 5, .blob_len = 9, .seed = 77};

	(void)state;
	merged_ddis = separate_ddis = merged_map = 0;
	frame_fill_every_ddi(&o, 2, check_call);
	o.mode = FILL_MAX;
	frame_fill_every_ddi(&o, 1, check_call);
	/* Both kinds are there: DDIs whose exit returns only a status go as
	   one record, those with out-args in their structs as two. */
	print_message("calls as one record: %zu, as two: %zu\n", merged_ddis, separate_ddis);
	assert_int_equal(merged_map, 3);
	assert_true(merged_ddis > 3);
	assert_true(separate_ddis > 0);
	unlink(path);
}

/* A MapCpuHostAperture call, entry and exit, with `pages` pages. */
typedef struct map_call {
	DXGKARG_MAPCPUHOSTAPERTURE args;
	UINT32 slots[4];
	UINT64 pages[4];
	ddirr_frame_MapCpuHostAperture in_frame, out_frame;
	ddirr_event in, out;
} map_call;

static void map_call_init(map_call *m, uint64_t seq)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 4; i++) {
		m->slots[i] = (UINT32)(seq * 10 + i);
		m->pages[i] = seq * 1000 + i * (seq % 3);
	}
	m->args.hAllocation = (HANDLE)(uintptr_t)(0x100 + seq);
	m->args.SegmentId = 1;
	m->args.NumberOfPages = 1 + seq % 4;
	m->args.pCpuHostAperturePages = m->slots;
	m->args.pMemorySegmentPages = m->pages;
	m->in_frame.hAdapter = (HANDLE)(uintptr_t)0xada;
	m->in_frame.pArgs = &m->args;
	m->out_frame.ReturnValue = seq % 7 == 0 ? (NTSTATUS)0xC0000017 : 0;
	m->in = (ddirr_event){.seq = seq, .time_ns = 5000 + seq * 100, .thread = 1 + (uint32_t)(seq % 2),
			      .ddi = DDIRR_DDI_MapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &m->in_frame};
	m->out = m->in;
	m->out.phase = DDIRR_PHASE_EXIT;
	m->out.time_ns += seq % 5 == 0 ? 0 : 40 + seq;
	m->out.frame = &m->out_frame;
}

enum { N_CALLS = 60 };

/* Calls 1..N_CALLS, every third one as two appends; reads them back in
 * order, whatever the chunking. */
static void calls__survive_every_chunking_beside_single_records(void **state)
{
	static const uint32_t chunk_records[] = {1, 2, 3, 7, 0};
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(chunk_records) / sizeof(chunk_records[0]) + 1; i++) {
		ddirr_trace_writer *w;
		const ddirr_event *ev;
		ddirr_trace *t;
		uint64_t seq;
		size_t records;

		opts.chunk_records = i < sizeof(chunk_records) / sizeof(chunk_records[0]) ? chunk_records[i] : 0;
		opts.chunk_bytes = i < sizeof(chunk_records) / sizeof(chunk_records[0]) ? 0 : 90; /* cut by size */
		assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, &opts), 0);
		for (seq = 1; seq <= N_CALLS; seq++) {
			map_call m;

			map_call_init(&m, seq);
			if (seq % 3 == 0) {
				assert_int_equal(ddirr_trace_writer_append(w, &m.in), 0);
				assert_int_equal(ddirr_trace_writer_append(w, &m.out), 0);
			} else if (ddirr_trace_writer_append_call(w, &m.in, &m.out)) {
				fail_msg("seq %llu: %s", (unsigned long long)seq, ddirr_error_last());
			}
		}
		assert_int_equal(ddirr_trace_writer_close(w), 0);
		ddirr_trace_writer_free(w);
		assert_int_equal(test_call_records(path, &records), N_CALLS - N_CALLS / 3);
		assert_int_equal(records, N_CALLS + N_CALLS / 3);

		if (ddirr_trace_open(&t, path))
			fail_msg("%s", ddirr_error_last());
		for (seq = 1; seq <= N_CALLS; seq++) {
			map_call m;

			map_call_init(&m, seq);
			assert_int_equal(ddirr_trace_next(t, &ev), 1);
			assert_same_record(ev, &m.in, "entry");
			assert_int_equal(ddirr_trace_next(t, &ev), 1);
			assert_same_record(ev, &m.out, "exit");
		}
		assert_int_equal(ddirr_trace_next(t, &ev), 0);
		if (ddirr_trace_get_verdict(t)->n_problems)
			fail_msg("%s", ddirr_trace_get_verdict(t)->problems[0].message);
		assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
		assert_int_equal(ddirr_trace_get_stats(t)->records, 2 * N_CALLS);
		assert_int_equal(ddirr_trace_get_stats(t)->entries, N_CALLS);
		ddirr_trace_free(t);
	}
	unlink(path);
}

/* What cannot be one record is refused, and nothing is written. */
static void calls__pairs_that_are_not_one_call_append_nothing(void **state)
{
	ddirr_opaque_digest dg = {0};
	ddirr_trace_writer *w;
	const ddirr_event *ev;
	ddirr_trace *t;
	map_call m;

	(void)state;
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);
	map_call_init(&m, 1);
	m.out.seq = 2;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	map_call_init(&m, 1);
	m.out.thread = 9;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	map_call_init(&m, 1);
	m.out.parent_seq = 1;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	map_call_init(&m, 1);
	m.out.time_ns = m.in.time_ns - 1;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	map_call_init(&m, 1);
	m.out.ddi = DDIRR_DDI_UnmapCpuHostAperture;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	map_call_init(&m, 1);
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.out, &m.in), 1); /* exit first */
	map_call_init(&m, 1);
	m.in.digests = &dg;
	m.in.n_digests = 1;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	map_call_init(&m, 1);
	m.out.frame = NULL;
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), 1);
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, NULL), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	assert_int_equal(ddirr_trace_writer_append_call(w, &m.in, &m.out), DDIRR_EINVAL); /* closed */
	ddirr_trace_writer_free(w);

	if (ddirr_trace_open(&t, path))
		fail_msg("%s", ddirr_error_last());
	assert_int_equal(ddirr_trace_next(t, &ev), 0);
	assert_int_equal(ddirr_trace_get_stats(t)->records, 0);
	ddirr_trace_free(t);
	unlink(path);
}

/* A trace whose one data frame holds the records e[0, n), crafted. */
static void put_crafted(Ddirr__Event *e, size_t n)
{
	Ddirr__Event *ev[4];
	Ddirr__EventBatch b = DDIRR__EVENT_BATCH__INIT;
	ddirr_trace_writer *w;
	uint8_t content[512];
	size_t clen, i;

	assert_true(n <= 4);
	for (i = 0; i < n; i++)
		ev[i] = &e[i];
	b.events = ev;
	b.n_events = n;
	/* a header and nothing else, as a crash right after open leaves */
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);
	ddirr_trace_writer_free(w);
	clen = protobuf_c_message_get_packed_size(&b.base);
	assert_true(clen <= sizeof(content));
	protobuf_c_message_pack(&b.base, content);
	test_append_data_frame(path, content, clen);
}

static void expect_damage(const char *want)
{
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	ddirr_trace *t;

	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(ddirr_trace_next(t, &ev), 0);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->n_problems, 1);
	assert_int_equal(v->problems[0].code, DDIRR_ECORRUPT);
	if (!strstr(v->problems[0].message, want))
		fail_msg("%s\nwant: %s", v->problems[0].message, want);
	assert_null(strchr(v->problems[0].message, '\n'));
	assert_int_equal(ddirr_trace_get_stats(t)->damaged_chunks, 1);
	ddirr_trace_free(t);
}

static void calls__hostile_call_records_damage_their_chunk(void **state)
{
	Ddirr__Event e[2] = {DDIRR__EVENT__INIT, DDIRR__EVENT__INIT};

	(void)state;
	/* an exit after the end of time */
	e[0].seq = 1;
	e[0].ddi = DDIRR__DDI_ID__DDI_MapCpuHostAperture;
	e[0].phase = DDIRR__PHASE__ENTRY;
	e[1] = e[0];
	e[1].seq = 2;
	e[1].phase = DDIRR__PHASE__CALL;
	e[1].time_ns = UINT64_MAX - 4;
	e[1].exit_time_delta_ns = 5;
	put_crafted(e, 2);
	expect_damage("data frame 0: EventBatch: record 1 (seq 2): exit time 18446744073709551611 + 5 ns is past 2^64 - 1");
	/* an exit time where there is no exit */
	e[1].time_ns = 7;
	e[1].phase = DDIRR__PHASE__EXIT;
	put_crafted(e, 2);
	expect_damage("data frame 0: EventBatch: record 1 (seq 2): an exit time on a record of phase 2");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calls__every_ddi_reads_back_as_its_entry_and_exit),
		cmocka_unit_test(calls__survive_every_chunking_beside_single_records),
		cmocka_unit_test(calls__pairs_that_are_not_one_call_append_nothing),
		cmocka_unit_test(calls__hostile_call_records_damage_their_chunk),
	};

	test_temp_path(path, sizeof(path), "test_trace_calls");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
