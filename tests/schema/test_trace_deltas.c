/* Tests for format version 2's deltas (schema/event_codec.c and the trace
 * writer and reader): seq, time and page arrays come back exactly, whatever
 * their order and size, across chunk boundaries; hostile deltas and counts
 * are refused with a one-line message; a version-1 trace still reads as it
 * did. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "event_codec.h"
#include "test_files.h"

#define N_PAGES 9

/* A MapCpuHostAperture entry whose pages are the given values. */
typedef struct map_call {
	DXGKARG_MAPCPUHOSTAPERTURE args;
	UINT32 slots[N_PAGES];
	UINT64 pages[N_PAGES];
	ddirr_frame_MapCpuHostAperture frame;
	ddirr_event ev;
} map_call;

static void map_call_init(map_call *m, uint64_t seq, uint64_t time_ns, const UINT32 *slots, const UINT64 *pages)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->slots, slots, sizeof(m->slots));
	memcpy(m->pages, pages, sizeof(m->pages));
	m->args.NumberOfPages = N_PAGES;
	m->args.pCpuHostAperturePages = m->slots;
	m->args.pMemorySegmentPages = m->pages;
	m->frame.pArgs = &m->args;
	m->ev = (ddirr_event){.seq = seq, .time_ns = time_ns, .thread = 1, .ddi = DDIRR_DDI_MapCpuHostAperture,
			      .phase = DDIRR_PHASE_ENTRY, .frame = &m->frame};
}

/* Packs pb and unpacks it again, as a reader would see it. */
static Ddirr__Event *through_the_wire(const Ddirr__Event *pb)
{
	size_t len = protobuf_c_message_get_packed_size(&pb->base);
	uint8_t *buf = malloc(len ? len : 1);
	Ddirr__Event *back;

	assert_non_null(buf);
	assert_int_equal(protobuf_c_message_pack(&pb->base, buf), len);
	back = ddirr__event__unpack(NULL, len, buf);
	assert_non_null(back);
	free(buf);
	return back;
}

static void assert_pages(const ddirr_event *ev, const map_call *m)
{
	const ddirr_frame_MapCpuHostAperture *f = ev->frame;

	assert_non_null(f);
	assert_int_equal(f->pArgs->NumberOfPages, N_PAGES);
	assert_memory_equal(f->pArgs->pCpuHostAperturePages, m->slots, sizeof(m->slots));
	assert_memory_equal(f->pArgs->pMemorySegmentPages, m->pages, sizeof(m->pages));
}

/* ------------------------------------------------------------------ */
/* Arrays                                                              */

static void deltas__steps_go_in_the_delta_form_and_come_back(void **state)
{
	static const UINT32 slots[N_PAGES] = {100, 98, 105, 101, 300, 7, 8, 2, 1};
	static const UINT64 pages[N_PAGES] = {7, 8, 9, 3, 2, 1, 40, 41, 0}; /* negative steps too; 6 runs */
	ddirr_arena s = DDIRR_ARENA_INIT, a = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT, *back;
	map_call m;
	ddirr_event out;
	size_t i;

	(void)state;
	map_call_init(&m, 5, 6, slots, pages);
	assert_int_equal(ddirr_event_to_pb(&pb, &m.ev, &s), 0);
	/* the plain and runs fields stay empty; the deltas are the steps */
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages, 0);
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages, 0);
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_runs, 0);
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_runs, 0);
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_delta, N_PAGES);
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_delta, N_PAGES);
	assert_int_equal(pb.mapcpuhostaperture->pargs->pcpuhostaperturepages_delta[0], 100);
	for (i = 1; i < N_PAGES; i++) {
		assert_true(pb.mapcpuhostaperture->pargs->pcpuhostaperturepages_delta[i] ==
			    (int64_t)slots[i] - (int64_t)slots[i - 1]);
		assert_true(pb.mapcpuhostaperture->pargs->pmemorysegmentpages_delta[i] ==
			    (int64_t)pages[i] - (int64_t)pages[i - 1]);
	}
	back = through_the_wire(&pb);
	assert_int_equal(ddirr_event_from_pb(&out, back, &a, "t"), 0);
	assert_pages(&out, &m);
	ddirr__event__free_unpacked(back, NULL);
	ddirr_arena_release(&s);
	ddirr_arena_release(&a);
}

/* Encodes m's entry, checks that its slots and pages went in the runs form
 * as the pairs want_slots / want_pages (NULL: in the delta form), and that
 * they come back. */
static void check_runs(map_call *m, const int64_t *want_slots, size_t n_slots, const int64_t *want_pages,
		       size_t n_pages)
{
	ddirr_arena s = DDIRR_ARENA_INIT, a = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT, *back;
	const Ddirr__DXGKARGMAPCPUHOSTAPERTURE *w;
	ddirr_event out;

	assert_int_equal(ddirr_event_to_pb(&pb, &m->ev, &s), 0);
	w = pb.mapcpuhostaperture->pargs;
	assert_int_equal(w->n_pcpuhostaperturepages, 0);
	assert_int_equal(w->n_pmemorysegmentpages, 0);
	assert_int_equal(w->n_pcpuhostaperturepages_runs, want_slots ? n_slots : 0);
	assert_int_equal(w->n_pcpuhostaperturepages_delta, want_slots ? 0 : N_PAGES);
	assert_int_equal(w->n_pmemorysegmentpages_runs, want_pages ? n_pages : 0);
	assert_int_equal(w->n_pmemorysegmentpages_delta, want_pages ? 0 : N_PAGES);
	if (want_slots)
		assert_memory_equal(w->pcpuhostaperturepages_runs, want_slots, n_slots * sizeof(int64_t));
	if (want_pages)
		assert_memory_equal(w->pmemorysegmentpages_runs, want_pages, n_pages * sizeof(int64_t));
	back = through_the_wire(&pb);
	if (ddirr_event_from_pb(&out, back, &a, "t"))
		fail_msg("%s", ddirr_error_last());
	assert_pages(&out, m);
	ddirr__event__free_unpacked(back, NULL);
	ddirr_arena_release(&s);
	ddirr_arena_release(&a);
}

/* Format 4: an array that takes fewer numbers as runs of +1 steps (pairs:
 * the step to a run's first element, then how many follow it) goes so; at
 * N_PAGES = 9 elements, 4 runs (8 numbers) do and 5 runs (10) do not. */
static void deltas__runs_go_in_the_runs_form_when_shorter_and_come_back(void **state)
{
	static const UINT32 slots[N_PAGES] = {100, 101, 102, 103, 104, 105, 106, 107, 108};
	static const UINT64 four[N_PAGES] = {7, 8, 9, 3, 4, 5, 6, 40, 0}; /* down a run, up, down to 0 */
	static const int64_t slot_runs[] = {100, 8};
	static const int64_t four_runs[] = {7, 2, -6, 3, 34, 0, -40, 0};
	static const UINT64 five[N_PAGES] = {7, 8, 9, 3, 4, 5, 40, 20, 0};
	static const UINT32 top[N_PAGES] = {UINT32_MAX - 8, UINT32_MAX - 7, UINT32_MAX - 6, UINT32_MAX - 5,
					    UINT32_MAX - 4, UINT32_MAX - 3, UINT32_MAX - 2, UINT32_MAX - 1,
					    UINT32_MAX};
	static const int64_t top_runs[] = {(int64_t)UINT32_MAX - 8, 8};
	/* values with the top bit set: the checked path counts the runs */
	static const UINT64 high[N_PAGES] = {(1ull << 63) - 2, (1ull << 63) - 1, 1ull << 63, (1ull << 63) + 1,
					     (1ull << 63) + 2, 7, 8, 9, 1ull << 62};
	static const int64_t high_runs[] = {INT64_MAX - 1, 4, INT64_MIN + 5, 2, (1ll << 62) - 9, 0};
	static const UINT64 high_from_1[N_PAGES] = {1, 2, 3, 4, 5, 1ull << 62, 1ull << 63, (1ull << 63) + 1,
						    (1ull << 63) + 2};
	static const int64_t high_from_1_runs[] = {1, 4, (1ll << 62) - 5, 0, 1ll << 62, 2};
	map_call m;

	(void)state;
	map_call_init(&m, 5, 6, slots, four);
	check_runs(&m, slot_runs, 2, four_runs, 8);
	map_call_init(&m, 5, 6, slots, five);
	check_runs(&m, slot_runs, 2, NULL, 0);
	map_call_init(&m, 5, 6, top, four);
	check_runs(&m, top_runs, 2, four_runs, 8);
	map_call_init(&m, 5, 6, slots, high);
	check_runs(&m, slot_runs, 2, high_runs, 6);
	map_call_init(&m, 5, 6, slots, high_from_1);
	check_runs(&m, slot_runs, 2, high_from_1_runs, 6);
}

static void deltas__extreme_values_come_back_in_either_form(void **state)
{
	/* Slots: 32-bit extremes, steps of +-(2^32 - 1), all in the delta form.
	   Pages: steps of 2^64 - 1 do not fit an int64, so the plain form. */
	static const UINT32 slots[N_PAGES] = {UINT32_MAX, 0, UINT32_MAX, 1, 0, 0, UINT32_MAX - 1, 5, UINT32_MAX};
	static const UINT64 pages[N_PAGES] = {0, UINT64_MAX, 0, 1, UINT64_MAX, UINT64_MAX - 1, 1ull << 63, 0, 42};
	/* Pages whose steps are just within an int64 stay in the delta form. */
	static const UINT64 near[N_PAGES] = {(uint64_t)INT64_MAX, 0, (uint64_t)INT64_MAX, UINT64_MAX - 1,
					     (uint64_t)INT64_MAX - 1, /* a step of -2^63 */
					     UINT64_MAX - 2, UINT64_MAX, UINT64_MAX, 1ull << 63};
	ddirr_arena s = DDIRR_ARENA_INIT, a = DDIRR_ARENA_INIT;
	map_call m;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		Ddirr__Event pb = DDIRR__EVENT__INIT, *back;
		ddirr_event out;

		map_call_init(&m, UINT64_MAX, 0, slots, k ? near : pages);
		ddirr_arena_reset(&s);
		assert_int_equal(ddirr_event_to_pb(&pb, &m.ev, &s), 0);
		assert_int_equal(pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_delta, N_PAGES);
		assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages, k ? 0 : N_PAGES);
		assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_delta, k ? N_PAGES : 0);
		back = through_the_wire(&pb);
		if (ddirr_event_from_pb(&out, back, &a, "t"))
			fail_msg("%s", ddirr_error_last());
		assert_pages(&out, &m);
		assert_true(out.seq == UINT64_MAX);
		ddirr__event__free_unpacked(back, NULL);
	}
	ddirr_arena_release(&s);
	ddirr_arena_release(&a);
}

/* One step just outside an int64, up (+2^63) or down (-(2^63 + 1)), at
 * any place among steps that fit, sends the whole array to the plain form;
 * a step of exactly -2^63 does not. */
static void deltas__one_step_past_an_int64_anywhere_means_the_plain_form(void **state)
{
	static const UINT32 slots[N_PAGES] = {0};
	ddirr_arena s = DDIRR_ARENA_INIT;
	size_t at;
	int kind;

	(void)state;
	for (kind = 0; kind < 3; kind++) {
		for (at = 1; at < N_PAGES; at++) {
			Ddirr__Event pb = DDIRR__EVENT__INIT;
			UINT64 pages[N_PAGES];
			map_call m;
			size_t i;

			for (i = 0; i < N_PAGES; i++)
				pages[i] = 1000 + i;
			/* pages[at - 1] -> pages[at] is the step under test: +2^63,
			   -(2^63 + 1), or -2^63 (from 2^64 - 2, reached in steps
			   that fit: element 0's step is from 0) */
			if (kind == 0) {
				pages[at - 1] = 0;
				pages[at] = 1ull << 63;
			} else if (kind == 1) {
				pages[at - 1] = (1ull << 63) + 1;
				pages[at] = 0;
			} else {
				if (at < 2)
					continue;
				pages[at - 2] = (uint64_t)INT64_MAX;
				pages[at - 1] = UINT64_MAX - 1;
				pages[at] = UINT64_MAX - 1 - (1ull << 63);
			}
			if (at + 1 < N_PAGES)
				pages[at + 1] = pages[at] + 1;
			map_call_init(&m, 1, 0, slots, pages);
			ddirr_arena_reset(&s);
			assert_int_equal(ddirr_event_to_pb(&pb, &m.ev, &s), 0);
			if (kind == 2) {
				/* the step fits: deltas, or runs when fewer */
				assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages, 0);
				assert_true(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_delta == N_PAGES ||
					    pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_runs > 0);
			} else {
				assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages, N_PAGES);
				assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_delta, 0);
				assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_runs, 0);
			}
		}
	}
	/* 2^64 - 1 to 0 is no step of +1 that a run could take (as runs the
	   array would be 2 pairs; the step does not fit: the plain form) */
	{
		static const UINT64 wrap[N_PAGES] = {(uint64_t)INT64_MAX, UINT64_MAX - 1, UINT64_MAX, 0, 1, 2, 3, 4, 5};
		Ddirr__Event pb = DDIRR__EVENT__INIT;
		map_call m;

		map_call_init(&m, 1, 0, slots, wrap);
		ddirr_arena_reset(&s);
		assert_int_equal(ddirr_event_to_pb(&pb, &m.ev, &s), 0);
		assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages, N_PAGES);
		assert_int_equal(pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_runs, 0);
	}
	ddirr_arena_release(&s);
}

enum { FORGE_DELTA = 0, FORGE_RUNS = 2, FORGE_SLOTS = 1 };

/* Encodes a one-page map, then replaces its segment pages (its slots with
 * FORGE_SLOTS) by the n numbers `deltas`, in the delta form or, with
 * FORGE_RUNS, in the runs form, and decodes: returns the decoder's result. */
static int decode_forged(const int64_t *deltas, size_t n, uint64_t count, int how)
{
	static const UINT32 slots[N_PAGES] = {0};
	static const UINT64 pages[N_PAGES] = {0};
	ddirr_arena s = DDIRR_ARENA_INIT, a = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT, *back;
	ddirr_event out;
	map_call m;
	int rc;

	map_call_init(&m, 3, 4, slots, pages);
	m.args.NumberOfPages = (UINT)count;
	assert_int_equal(ddirr_event_to_pb(&pb, &m.ev, &s), 0);
	if (how & FORGE_SLOTS) {
		pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_delta = 0;
		if (how & FORGE_RUNS) {
			pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_runs = n;
			pb.mapcpuhostaperture->pargs->pcpuhostaperturepages_runs = (int64_t *)deltas;
		} else {
			pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_delta = n;
			pb.mapcpuhostaperture->pargs->pcpuhostaperturepages_delta = (int64_t *)deltas;
		}
	} else {
		pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_delta = 0;
		if (how & FORGE_RUNS) {
			pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_runs = n;
			pb.mapcpuhostaperture->pargs->pmemorysegmentpages_runs = (int64_t *)deltas;
		} else {
			pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_delta = n;
			pb.mapcpuhostaperture->pargs->pmemorysegmentpages_delta = (int64_t *)deltas;
		}
	}
	back = through_the_wire(&pb);
	rc = ddirr_event_from_pb(&out, back, &a, "forged.ddirr");
	ddirr__event__free_unpacked(back, NULL);
	ddirr_arena_release(&s);
	ddirr_arena_release(&a);
	return rc;
}

static void expect_message(const char *what)
{
	const char *msg = ddirr_error_last();

	if (!strstr(msg, what))
		fail_msg("\"%s\" lacks \"%s\"", msg, what);
	assert_null(strchr(msg, '\n'));
	assert_non_null(strstr(msg, "forged.ddirr: seq 3: DXGKARG_MAPCPUHOSTAPERTURE."));
}

static void deltas__hostile_array_deltas_are_corrupt(void **state)
{
	static const int64_t past_top[3] = {INT64_MAX, INT64_MAX, 2};
	static const int64_t below_zero[2] = {5, -6};
	static const int64_t min_first[1] = {INT64_MIN};
	static const int64_t top_exact[3] = {INT64_MAX, INT64_MAX, 1}; /* 2^64 - 1: fine */
	static const int64_t slot_too_big[2] = {(int64_t)UINT32_MAX, 1};
	static const int64_t fine[3] = {1, 1, 1};

	(void)state;
	assert_int_equal(decode_forged(past_top, 3, 3, 0), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: a delta carries an element past 0 or 2^64 - 1");
	assert_int_equal(decode_forged(below_zero, 2, 2, 0), DDIRR_ECORRUPT);
	expect_message("past 0 or 2^64 - 1");
	assert_int_equal(decode_forged(min_first, 1, 1, 0), DDIRR_ECORRUPT);
	expect_message("past 0 or 2^64 - 1");
	assert_int_equal(decode_forged(top_exact, 3, 3, 0), 0);
	/* A 32-bit slot that a delta carries past 2^32 - 1 */
	assert_int_equal(decode_forged(slot_too_big, 2, 2, 1), DDIRR_ECORRUPT);
	expect_message("pCpuHostAperturePages: element value does not fit the field");
	/* As many deltas as the count field says, no more, no fewer */
	assert_int_equal(decode_forged(fine, 3, 3, 0), 0);
	assert_int_equal(decode_forged(fine, 3, 2, 0), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: array length disagrees with its count field");
	assert_int_equal(decode_forged(fine, 2, 3, 0), DDIRR_ECORRUPT);
	expect_message("array length disagrees with its count field");
}

static void deltas__hostile_runs_are_corrupt(void **state)
{
	static const int64_t odd[3] = {5, 1, 7};
	static const int64_t negative[2] = {5, -1};
	static const int64_t endless[2] = {0, INT64_MAX};
	static const int64_t many[4] = {0, (1 << 24) - 1, 1, 0}; /* 2^24 + 1 elements */
	static const int64_t past_top[6] = {INT64_MAX, 0, INT64_MAX, 0, 1, 1}; /* 2^64 - 1, then one more */
	static const int64_t top_exact[4] = {INT64_MAX, 0, INT64_MAX, 1};     /* ... 2^64 - 2, 2^64 - 1: fine */
	static const int64_t below_zero[4] = {5, 2, -8, 0};
	static const int64_t slot_too_big[2] = {(int64_t)UINT32_MAX - 1, 2}; /* ..., 2^32 */
	static const int64_t slot_top[2] = {(int64_t)UINT32_MAX - 1, 1};     /* ..., 2^32 - 1: fine */
	static const int64_t fine[4] = {3, 2, 10, 0};                        /* 3, 4, 5, 15 */

	(void)state;
	assert_int_equal(decode_forged(odd, 3, 2, FORGE_RUNS), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: the runs form has an odd count of numbers");
	assert_int_equal(decode_forged(negative, 2, 1, FORGE_RUNS), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: a run has a negative length");
	assert_int_equal(decode_forged(endless, 2, 1, FORGE_RUNS), DDIRR_ELIMIT);
	expect_message("pMemorySegmentPages: 9223372036854775808 elements exceed the limit of 16777216");
	assert_int_equal(decode_forged(many, 4, 1, FORGE_RUNS), DDIRR_ELIMIT);
	expect_message("16777217 elements exceed the limit of 16777216");
	assert_int_equal(decode_forged(past_top, 6, 4, FORGE_RUNS), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: a run carries an element past 2^64 - 1");
	assert_int_equal(decode_forged(top_exact, 4, 3, FORGE_RUNS), 0);
	assert_int_equal(decode_forged(below_zero, 4, 4, FORGE_RUNS), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: a delta carries an element past 0 or 2^64 - 1");
	assert_int_equal(decode_forged(slot_too_big, 2, 3, FORGE_RUNS | FORGE_SLOTS), DDIRR_ECORRUPT);
	expect_message("pCpuHostAperturePages: element value does not fit the field");
	assert_int_equal(decode_forged(slot_top, 2, 2, FORGE_RUNS | FORGE_SLOTS), 0);
	/* The elements the runs stand for must be what the count field says */
	assert_int_equal(decode_forged(fine, 4, 4, FORGE_RUNS), 0);
	assert_int_equal(decode_forged(fine, 4, 3, FORGE_RUNS), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: array length disagrees with its count field");
	assert_int_equal(decode_forged(fine, 4, 5, FORGE_RUNS), DDIRR_ECORRUPT);
	expect_message("array length disagrees with its count field");
}

static void deltas__array_in_two_forms_is_corrupt(void **state)
{
	static const UINT32 slots[N_PAGES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const UINT64 pages[N_PAGES] = {1, 9, 3, 4, 1, 6, 9, 8, 9}; /* no runs: the delta form */
	static const int64_t runs[2] = {1, 8};
	ddirr_arena s = DDIRR_ARENA_INIT, a = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT, *back;
	ddirr_event out;
	map_call m;

	(void)state;
	map_call_init(&m, 3, 4, slots, pages);
	assert_int_equal(ddirr_event_to_pb(&pb, &m.ev, &s), 0);
	pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages = N_PAGES;
	pb.mapcpuhostaperture->pargs->pmemorysegmentpages = m.pages;
	back = through_the_wire(&pb);
	assert_int_equal(ddirr_event_from_pb(&out, back, &a, "forged.ddirr"), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: the array is in both the plain and the delta form");
	ddirr__event__free_unpacked(back, NULL);
	/* the slots, 1..9, went as runs */
	assert_int_equal(pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_runs, 2);
	pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages = 0;
	pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages = N_PAGES;
	pb.mapcpuhostaperture->pargs->pcpuhostaperturepages = m.slots;
	back = through_the_wire(&pb);
	assert_int_equal(ddirr_event_from_pb(&out, back, &a, "forged.ddirr"), DDIRR_ECORRUPT);
	expect_message("pCpuHostAperturePages: the array is in both the plain and the runs form");
	ddirr__event__free_unpacked(back, NULL);
	pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages = 0;
	pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages_runs = 2;
	pb.mapcpuhostaperture->pargs->pmemorysegmentpages_runs = (int64_t *)runs;
	back = through_the_wire(&pb);
	assert_int_equal(ddirr_event_from_pb(&out, back, &a, "forged.ddirr"), DDIRR_ECORRUPT);
	expect_message("pMemorySegmentPages: the array is in both the delta and the runs form");
	ddirr__event__free_unpacked(back, NULL);
	ddirr_arena_release(&s);
	ddirr_arena_release(&a);
}

/* MapApertureSegment's MDL pages [MdlOffset, MdlOffset + n): a run and a
 * step down, in the delta form; the decoded MDL holds them where the driver
 * will look. */
static void deltas__mdl_pages_go_in_the_delta_form(void **state)
{
	static const PFN_NUMBER pfns[6] = {77, 78, 500, 501, 502, 100};
	ddirr_arena s = DDIRR_ARENA_INIT, a = DDIRR_ARENA_INIT;
	MDL *mdl = calloc(1, sizeof(MDL) + sizeof(pfns));
	DXGKARG_BUILDPAGINGBUFFER args;
	ddirr_frame_BuildPagingBuffer frame = {.pBuildPagingBuffer = &args};
	ddirr_event ev = {.seq = 1, .time_ns = 2, .ddi = DDIRR_DDI_BuildPagingBuffer, .phase = DDIRR_PHASE_ENTRY,
			  .frame = &frame};
	Ddirr__Event pb = DDIRR__EVENT__INIT, *back;
	const Ddirr__DXGKBUILDPAGINGBUFFERMAPAPERTURESEGMENT *wire;
	const ddirr_frame_BuildPagingBuffer *got;
	ddirr_event out;

	(void)state;
	assert_non_null(mdl);
	memcpy(MmGetMdlPfnArray(mdl), pfns, sizeof(pfns));
	memset(&args, 0, sizeof(args));
	args.Operation = DXGK_OPERATION_MAP_APERTURE_SEGMENT;
	args.MapApertureSegment.NumberOfPages = 4;
	args.MapApertureSegment.MdlOffset = 2;
	args.MapApertureSegment.pMdl = mdl;
	assert_int_equal(ddirr_event_to_pb(&pb, &ev, &s), 0);
	wire = pb.buildpagingbuffer->pbuildpagingbuffer->mapaperturesegment;
	assert_non_null(wire);
	assert_int_equal(wire->n_pmdl, 0);
	assert_int_equal(wire->n_pmdl_delta, 4);
	assert_true(wire->pmdl_delta[0] == 500 && wire->pmdl_delta[1] == 1 && wire->pmdl_delta[3] == -402);
	back = through_the_wire(&pb);
	if (ddirr_event_from_pb(&out, back, &a, "t"))
		fail_msg("%s", ddirr_error_last());
	got = out.frame;
	assert_int_equal(got->pBuildPagingBuffer->MapApertureSegment.MdlOffset, 2);
	assert_memory_equal(MmGetMdlPfnArray(got->pBuildPagingBuffer->MapApertureSegment.pMdl) + 2, pfns + 2,
			    4 * sizeof(PFN_NUMBER));
	ddirr__event__free_unpacked(back, NULL);
	/* Six pages in two runs: the runs form, four numbers */
	args.MapApertureSegment.NumberOfPages = 6;
	args.MapApertureSegment.MdlOffset = 0;
	memcpy(MmGetMdlPfnArray(mdl), (const PFN_NUMBER[6]){300, 301, 302, 303, 304, 7}, sizeof(pfns));
	ddirr_arena_reset(&s);
	pb = (Ddirr__Event)DDIRR__EVENT__INIT;
	assert_int_equal(ddirr_event_to_pb(&pb, &ev, &s), 0);
	wire = pb.buildpagingbuffer->pbuildpagingbuffer->mapaperturesegment;
	assert_true(wire->n_pmdl == 0 && wire->n_pmdl_delta == 0 && wire->n_pmdl_runs == 4);
	assert_true(wire->pmdl_runs[0] == 300 && wire->pmdl_runs[1] == 4 && wire->pmdl_runs[2] == -297 &&
		    wire->pmdl_runs[3] == 0);
	back = through_the_wire(&pb);
	if (ddirr_event_from_pb(&out, back, &a, "t"))
		fail_msg("%s", ddirr_error_last());
	got = out.frame;
	assert_memory_equal(MmGetMdlPfnArray(got->pBuildPagingBuffer->MapApertureSegment.pMdl),
			    MmGetMdlPfnArray(mdl), 6 * sizeof(PFN_NUMBER));
	ddirr__event__free_unpacked(back, NULL);
	free(mdl);
	ddirr_arena_release(&s);
	ddirr_arena_release(&a);
}

/* ------------------------------------------------------------------ */
/* seq and time                                                        */

static void deltas__envelope_takes_the_absolute_form_where_a_delta_cannot(void **state)
{
	ddirr_delta_base base = {0, 0};
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	ddirr_event ev = {.seq = 10, .time_ns = 1000};

	(void)state;
	/* the first record of a chunk: absolute, so generic tools can count */
	assert_int_equal(ddirr_event_pb_set_deltas(&pb, &ev, &base), 0);
	assert_true(pb.seq == 10 && pb.time_ns == 1000 && !pb.seq_delta && !pb.time_delta_ns);
	ev.seq = 8;
	ev.time_ns = 1001;
	assert_int_equal(ddirr_event_pb_set_deltas(&pb, &ev, &base), 0);
	assert_true(!pb.seq && !pb.time_ns && pb.seq_delta == -2 && pb.time_delta_ns == 1);
	/* a step of 2^64 - 1 does not fit: absolute */
	ev.seq = UINT64_MAX;
	assert_int_equal(ddirr_event_pb_set_deltas(&pb, &ev, &base), 0);
	assert_true(pb.seq == UINT64_MAX && !pb.seq_delta);
	assert_true(base.seq == UINT64_MAX);
	/* 0 after 2^64 - 1: neither form (0 is absent on the wire) */
	ev.seq = 0;
	assert_int_equal(ddirr_event_pb_set_deltas(&pb, &ev, &base), 1);
	assert_true(base.seq == UINT64_MAX && base.time_ns == 1001);
	/* but from a new chunk it goes */
	base = (ddirr_delta_base){0, 0};
	assert_int_equal(ddirr_event_pb_set_deltas(&pb, &ev, &base), 0);
	assert_true(!pb.seq && !pb.seq_delta && pb.time_ns == 1001);
}

static void deltas__hostile_envelope_deltas_are_corrupt(void **state)
{
	Ddirr__Event e[3] = {DDIRR__EVENT__INIT, DDIRR__EVENT__INIT, DDIRR__EVENT__INIT};
	Ddirr__Event *ev[3] = {&e[0], &e[1], &e[2]};
	Ddirr__EventBatch b = DDIRR__EVENT_BATCH__INIT;

	(void)state;
	b.events = ev;
	b.n_events = 3;
	e[0].seq = 5;
	e[1].seq_delta = INT64_MAX;
	e[2].seq_delta = INT64_MAX; /* past 2^64 - 1 */
	assert_int_equal(ddirr_batch_resolve_deltas(&b, "x.ddirr"), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "x.ddirr: record 2: seq delta 9223372036854775807 from seq "));
	assert_non_null(strstr(ddirr_error_last(), "leaves 0..2^64-1"));

	e[0] = e[1] = e[2] = (Ddirr__Event)DDIRR__EVENT__INIT;
	e[0].time_ns = 3;
	e[1].time_delta_ns = -4; /* below 0 */
	assert_int_equal(ddirr_batch_resolve_deltas(&b, "x.ddirr"), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "x.ddirr: record 1 (seq 0): time delta -4 from 3 ns leaves 0..2^64-1"));

	e[0] = e[1] = e[2] = (Ddirr__Event)DDIRR__EVENT__INIT;
	e[1].seq = 9;
	e[1].seq_delta = 1; /* both forms */
	assert_int_equal(ddirr_batch_resolve_deltas(&b, "x.ddirr"), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "beside an absolute seq"));
	assert_null(strchr(ddirr_error_last(), '\n'));

	/* and a good one resolves in place */
	e[0] = e[1] = e[2] = (Ddirr__Event)DDIRR__EVENT__INIT;
	e[0].seq = 7;
	e[0].time_ns = 100;
	e[1].seq_delta = -6;
	e[1].time_delta_ns = 0;
	e[2].seq_delta = 2;
	e[2].time_delta_ns = 5;
	assert_int_equal(ddirr_batch_resolve_deltas(&b, "x.ddirr"), 0);
	assert_true(e[0].seq == 7 && e[1].seq == 1 && e[2].seq == 3);
	assert_true(e[0].time_ns == 100 && e[1].time_ns == 100 && e[2].time_ns == 105);
	assert_true(!e[1].seq_delta && !e[2].time_delta_ns);
}

/* ------------------------------------------------------------------ */
/* Whole traces                                                        */

#define N_RECORDS 40

/* Record k of a stream that jumps about: out of seq order, time going back,
 * the extremes, and page runs going down as well as up. */
static void hostile_stream(map_call *m, size_t k)
{
	static const uint64_t seqs[] = {1, 2, 3, UINT64_MAX, 0, 4, 2, UINT64_MAX - 1, 1ull << 63, 1, 0, 0, 17};
	static const uint64_t times[] = {1000, 999, UINT64_MAX, 0, 0, UINT64_MAX, 5, 1ull << 63, 3, 1000000};
	UINT32 slots[N_PAGES];
	UINT64 pages[N_PAGES];
	size_t i;

	for (i = 0; i < N_PAGES; i++) {
		slots[i] = k % 3 == 0 ? (UINT32)(k * 1000 + i) : (UINT32)(UINT32_MAX - i * k);
		pages[i] = k % 4 == 1 ? UINT64_MAX - i : k % 4 == 2 ? (i % 2 ? UINT64_MAX : 0) : k * 77 + i / 3;
	}
	map_call_init(m, seqs[k % (sizeof(seqs) / sizeof(seqs[0]))], times[k % (sizeof(times) / sizeof(times[0]))],
		      slots, pages);
	m->ev.phase = k % 5 == 3 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY;
	if (m->ev.phase == DDIRR_PHASE_EXIT)
		m->ev.frame = NULL;
}

/* Opens a trace at path and appends the whole stream; the writer stays open. */
static ddirr_trace_writer *append_stream(const char *path, const ddirr_trace_writer_options *opts)
{
	ddirr_trace_writer *w;
	size_t k;

	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, opts), 0);
	for (k = 0; k < N_RECORDS; k++) {
		map_call m;

		hostile_stream(&m, k);
		if (ddirr_trace_writer_append(w, &m.ev))
			fail_msg("append %zu: %s", k, ddirr_error_last());
	}
	return w;
}

static void write_stream(const char *path, const ddirr_trace_writer_options *opts)
{
	ddirr_trace_writer *w = append_stream(path, opts);

	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
}

static size_t read_stream(const char *path)
{
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	ddirr_trace *t;
	size_t k = 0;
	int rc;

	if (ddirr_trace_open(&t, path))
		fail_msg("%s", ddirr_error_last());
	assert_int_equal(ddirr_trace_get_info(t)->format_version, DDIRR_FORMAT_VERSION);
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		map_call m;

		assert_true(k < N_RECORDS);
		hostile_stream(&m, k);
		if (ev->seq != m.ev.seq || ev->time_ns != m.ev.time_ns)
			fail_msg("record %zu: seq %llu time %llu, want %llu %llu", k, (unsigned long long)ev->seq,
				 (unsigned long long)ev->time_ns, (unsigned long long)m.ev.seq,
				 (unsigned long long)m.ev.time_ns);
		assert_int_equal(ev->phase, m.ev.phase);
		assert_int_equal(ev->ddi, DDIRR_DDI_MapCpuHostAperture); /* from the args member, or ddi without one */
		if (m.ev.frame)
			assert_pages(ev, &m);
		k++;
	}
	assert_int_equal(rc, 0);
	v = ddirr_trace_get_verdict(t);
	if (v->n_problems)
		fail_msg("%s", v->problems[0].message);
	assert_true(v->clean_close);
	ddirr_trace_free(t);
	return k;
}

static void deltas__any_order_and_extremes_survive_every_chunking(void **state)
{
	static const uint32_t records[] = {0, 1, 2, 3, 7, N_RECORDS - 1};
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	char path[512];
	size_t i;

	(void)state;
	test_temp_path(path, sizeof(path), "test_trace_deltas");
	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		opts.chunk_records = records[i];
		write_stream(path, &opts);
		assert_int_equal(read_stream(path), N_RECORDS);
	}
	/* chunks cut by size, in the middle of runs */
	opts.chunk_records = 0;
	opts.chunk_bytes = 300;
	write_stream(path, &opts);
	assert_int_equal(read_stream(path), N_RECORDS);
	unlink(path);
}

/* Format 3 writes no `ddi` in a record with args: a reader's census of a
 * trace without its trailer (what a crash leaves) takes the DDI from the
 * args member, and counts every record under it. */
static void format3__census_without_trailer_counts_calls_under_their_ddi(void **state)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_writer *w;
	const ddirr_trace_stats *st;
	const ddirr_event *ev;
	ddirr_trace *t;
	char path[512];
	uint64_t entries = 0, exits = 0;
	size_t k;

	(void)state;
	for (k = 0; k < N_RECORDS; k++) {
		map_call m;

		hostile_stream(&m, k);
		*(m.ev.phase == DDIRR_PHASE_ENTRY ? &entries : &exits) += 1;
	}
	assert_true(entries && exits);
	test_temp_path(path, sizeof(path), "test_trace_deltas");
	w = append_stream(path, &opts);
	assert_int_equal(ddirr_trace_writer_flush(w), 0); /* the chunk, and no trailer yet */
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	while (ddirr_trace_next(t, &ev) == 1)
		;
	st = ddirr_trace_get_stats(t);
	assert_false(st->counts_from_trailer);
	assert_int_equal(st->n_ddi_counts, 1);
	assert_int_equal(st->ddi_counts[0].ddi, DDIRR_DDI_MapCpuHostAperture);
	assert_int_equal(st->ddi_counts[0].entries, entries);
	assert_int_equal(st->ddi_counts[0].exits, exits);
	ddirr_trace_free(t);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
	unlink(path);
}

static void deltas__zero_after_a_huge_value_starts_a_new_chunk(void **state)
{
	ddirr_trace_writer *w;
	ddirr_trace *t;
	const ddirr_event *ev;
	const ddirr_trace_chunk *chunks;
	ddirr_event in[3] = {{.seq = 1, .time_ns = 1, .ddi = 1, .phase = DDIRR_PHASE_ENTRY},
			     {.seq = UINT64_MAX, .time_ns = 2, .ddi = 1, .phase = DDIRR_PHASE_ENTRY},
			     {.seq = 0, .time_ns = 3, .ddi = 1, .phase = DDIRR_PHASE_EXIT}};
	char path[512];
	size_t n, k;

	(void)state;
	test_temp_path(path, sizeof(path), "test_trace_deltas");
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);
	for (k = 0; k < 3; k++)
		assert_int_equal(ddirr_trace_writer_append(w, &in[k]), 0);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	for (k = 0; ddirr_trace_next(t, &ev) == 1; k++) {
		assert_true(k < 3);
		assert_true(ev->seq == in[k].seq && ev->time_ns == in[k].time_ns);
	}
	assert_int_equal(k, 3);
	chunks = ddirr_trace_get_chunks(t, &n);
	assert_int_equal(n, 2);
	assert_int_equal(chunks[0].records, 2);
	assert_int_equal(chunks[1].records, 1);
	ddirr_trace_free(t);
	unlink(path);
}

/* A version-2 trace whose only chunk has a seq delta that wraps: the
 * reader reports the chunk damaged in one line and goes on. */
static void deltas__wrapping_delta_in_a_trace_damages_its_chunk(void **state)
{
	Ddirr__Event e[2] = {DDIRR__EVENT__INIT, DDIRR__EVENT__INIT};
	Ddirr__Event *ev[2] = {&e[0], &e[1]};
	Ddirr__EventBatch b = DDIRR__EVENT_BATCH__INIT;
	ddirr_trace_writer *w;
	const ddirr_trace_verdict *v;
	const ddirr_event *rec;
	ddirr_trace *t;
	uint8_t content[256];
	size_t clen;
	char path[512];

	(void)state;
	test_temp_path(path, sizeof(path), "test_trace_deltas");
	/* a header and nothing else, as a crash right after open leaves */
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);
	ddirr_trace_writer_free(w);
	b.events = ev;
	b.n_events = 2;
	e[0].seq = 2;
	e[0].phase = e[1].phase = DDIRR__PHASE__ENTRY;
	e[0].ddi = e[1].ddi = 1;
	e[1].seq_delta = -3;
	clen = protobuf_c_message_pack(&b.base, content);
	assert_true(clen < sizeof(content));
	test_append_data_frame(path, content, clen);

	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(ddirr_trace_next(t, &rec), 0);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->n_problems, 1);
	assert_int_equal(v->problems[0].code, DDIRR_ECORRUPT);
	if (!strstr(v->problems[0].message, "data frame 0: EventBatch: record 1: seq delta -3 from seq 2 leaves 0..2^64-1"))
		fail_msg("%s", v->problems[0].message);
	assert_null(strchr(v->problems[0].message, '\n'));
	assert_int_equal(ddirr_trace_get_stats(t)->damaged_chunks, 1);
	ddirr_trace_free(t);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Version 1                                                           */

/* tests/schema/data/v1-boot.ddirr is traces/bug-r4-boot.ddirr as format 1
 * wrote it; v1-boot.dump is `ddirr dump --full` of it by the version-1
 * reader. */
static void deltas__version_1_trace_reads_the_same_events(void **state)
{
	char *text = NULL;
	size_t text_len = 0, want_len;
	uint8_t *want;
	const ddirr_event *ev;
	ddirr_trace *t;
	FILE *out;
	int rc;

	(void)state;
	if (ddirr_trace_open(&t, DDIRR_TEST_DATA "/v1-boot.ddirr"))
		fail_msg("%s", ddirr_error_last());
	assert_int_equal(ddirr_trace_get_info(t)->format_version, 1);
	out = open_memstream(&text, &text_len);
	assert_non_null(out);
	while ((rc = ddirr_trace_next(t, &ev)) == 1)
		assert_int_equal(ddirr_dump_event(out, ev, DDIRR_DUMP_FULL_ARRAYS), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	assert_int_equal(ddirr_trace_get_verdict(t)->n_problems, 0);
	fclose(out);
	want = test_slurp(DDIRR_TEST_DATA "/v1-boot.dump", &want_len);
	assert_int_equal(text_len, want_len);
	assert_memory_equal(text, want, want_len);
	free(want);
	free(text);
	ddirr_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deltas__steps_go_in_the_delta_form_and_come_back),
		cmocka_unit_test(deltas__runs_go_in_the_runs_form_when_shorter_and_come_back),
		cmocka_unit_test(deltas__extreme_values_come_back_in_either_form),
		cmocka_unit_test(deltas__one_step_past_an_int64_anywhere_means_the_plain_form),
		cmocka_unit_test(deltas__hostile_array_deltas_are_corrupt),
		cmocka_unit_test(deltas__hostile_runs_are_corrupt),
		cmocka_unit_test(deltas__array_in_two_forms_is_corrupt),
		cmocka_unit_test(deltas__mdl_pages_go_in_the_delta_form),
		cmocka_unit_test(deltas__envelope_takes_the_absolute_form_where_a_delta_cannot),
		cmocka_unit_test(deltas__hostile_envelope_deltas_are_corrupt),
		cmocka_unit_test(deltas__any_order_and_extremes_survive_every_chunking),
		cmocka_unit_test(format3__census_without_trailer_counts_calls_under_their_ddi),
		cmocka_unit_test(deltas__zero_after_a_huge_value_starts_a_new_chunk),
		cmocka_unit_test(deltas__wrapping_delta_in_a_trace_damages_its_chunk),
		cmocka_unit_test(deltas__version_1_trace_reads_the_same_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
