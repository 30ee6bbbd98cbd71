/* Tests for the recorder's copy of a frame (ddirr_frame_copy_call_bounded,
 * schema/frame_copy.c): the code generated from the description and the
 * copy plans write exactly the bytes of the generic walk, which the drain
 * rebuilds (tests/schema/test_frame_copy.c checks the walk itself), for
 * every call, both phases, every union variant and both privacy flags;
 * before the plans exist (generated code and the walk) and after. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/event.h"
#include "frame_copy.h"
#include "frame_fill.h"

static void *aligned_buffer(size_t size)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 8, size ? size : 8), 0);
	return p;
}

static void check_call(uint32_t id, uint32_t phase, const void *frame, unsigned flags)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	size_t size = ddirr_frame_copy_size(d->frame, frame, phase, flags), i;
	char *want = aligned_buffer(size), *got = aligned_buffer(size);

	memset(want, 0x5A, size);
	assert_int_equal(ddirr_frame_copy(want, d->frame, frame, phase, flags), size);
	/* Room for the whole copy: the walk's bytes, and its size. */
	memset(got, 0xA5, size);
	assert_int_equal(ddirr_frame_copy_call_bounded(got, size, id, phase, frame, flags), size);
	if (memcmp(got, want, size)) {
		for (i = 0; i < size && got[i] == want[i]; i++)
			;
		fail_msg("%s phase %u flags %u: byte %zu of %zu differs from the walk's", d->name, phase, flags, i,
			 size);
	}
	/* 8 bytes short: the same size reported, nothing written past the room. */
	memset(got, 0xA5, size);
	assert_int_equal(ddirr_frame_copy_call_bounded(got, size - 8, id, phase, frame, flags), size);
	for (i = size - 8; i < size; i++)
		if ((unsigned char)got[i] != 0xA5)
			fail_msg("%s phase %u: the copy wrote byte %zu past its room", d->name, phase, i);
	free(want);
	free(got);
}

static void check_ddi(uint32_t id, const fill_opts *o)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	uint32_t phase;

	for (phase = DDIRR_PHASE_ENTRY; phase <= DDIRR_PHASE_EXIT; phase++) {
		void *frame = frame_fill(id, o, &a);

		check_call(id, phase, frame, 0);
		check_call(id, phase, frame, DDIRR_FRAME_COPY_NO_OPAQUE);
		ddirr_arena_reset(&a);
	}
	ddirr_arena_release(&a);
}

static void every_ddi_in_every_mode(void)
{
	fill_opts zero = {.mode = FILL_ZERO};
	fill_opts max = {.mode = FILL_MAX, .len = 3, .blob_len = 5};
	fill_opts rnd = {.mode = FILL_RANDOM, .len = 7, .blob_len = 33};
	fill_opts big = {.mode = FILL_RANDOM, .len = 65536, .blob_len = 3};

	frame_fill_every_ddi(&zero, 32, check_ddi);
	frame_fill_every_ddi(&max, 32, check_ddi);
	frame_fill_every_ddi(&rnd, 32, check_ddi);
	frame_fill_every_ddi(&big, 2, check_ddi);
}

/* Runs first: no plan is built yet, so hard structs go through the walk. */
static void recorder_copy__generated_copy_writes_the_walks_bytes_without_plans(void **state)
{
	(void)state;
	every_ddi_in_every_mode();
}

static void recorder_copy__generated_copy_and_plans_write_the_walks_bytes(void **state)
{
	(void)state;
	ddirr_frame_plans_build();
	ddirr_frame_plans_build(); /* idempotent */
	every_ddi_in_every_mode();
}

/* The recorder's own case: a 65,536-page map is copied whole, both arrays,
 * into room of exactly its size, and the drain's rebuild gets it back. */
static void recorder_copy__map_of_65536_pages_is_copied_whole(void **state)
{
	static UINT32 slots[65536];
	static UINT64 pages[65536];
	DXGKARG_MAPCPUHOSTAPERTURE args = {.hAllocation = (HANDLE)0x1234, .SegmentId = 1, .NumberOfPages = 65536,
					   .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.hAdapter = (HANDLE)0x10, .pArgs = &args, .ReturnValue = 7};
	const ddirr_ddi_desc *d = ddirr_desc_ddi(DDIRR_DDI_MapCpuHostAperture);
	const ddirr_frame_MapCpuHostAperture *back;
	size_t size, i;
	char *buf;

	(void)state;
	ddirr_frame_plans_build();
	for (i = 0; i < 65536; i++) {
		slots[i] = (UINT32)(i * 2654435761u);
		pages[i] = (UINT64)i << 33 | i;
	}
	size = ddirr_frame_copy_size(d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	assert_true(size >= 65536 * (4 + 8));
	buf = aligned_buffer(size);
	assert_int_equal(ddirr_frame_copy_call_bounded(buf, size, DDIRR_DDI_MapCpuHostAperture, DDIRR_PHASE_ENTRY,
						       &frame, 0),
			 size);
	assert_int_equal(ddirr_frame_rebuild(buf, size, d->frame, DDIRR_PHASE_ENTRY), 0);
	back = (const ddirr_frame_MapCpuHostAperture *)buf;
	assert_ptr_equal(back->hAdapter, frame.hAdapter);
	assert_int_equal(back->ReturnValue, 0); /* an out-field: not on entry */
	assert_int_equal(back->pArgs->NumberOfPages, 65536);
	assert_memory_equal(back->pArgs->pCpuHostAperturePages, slots, sizeof(slots));
	assert_memory_equal(back->pArgs->pMemorySegmentPages, pages, sizeof(pages));
	free(buf);
}

/* The exit of a call whose arguments are all inputs is its frame with only
 * the return value. */
static void recorder_copy__exit_of_an_input_only_call_is_the_return_value(void **state)
{
	DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = 0};
	ddirr_frame_MapCpuHostAperture frame = {.hAdapter = (HANDLE)0x10, .pArgs = &args, .ReturnValue = -5};
	ddirr_frame_MapCpuHostAperture want;
	char buf[sizeof(want) + 8] __attribute__((aligned(8)));

	(void)state;
	memset(&want, 0, sizeof(want));
	want.ReturnValue = -5;
	assert_int_equal(ddirr_frame_copy_call_bounded(buf, sizeof(buf), DDIRR_DDI_MapCpuHostAperture,
						       DDIRR_PHASE_EXIT, &frame, 0),
			 (sizeof(want) + 7) & ~(size_t)7);
	assert_memory_equal(buf, &want, sizeof(want));
}

static void recorder_copy__unknown_call_copies_nothing(void **state)
{
	char buf[64] __attribute__((aligned(8)));
	uint64_t frame[8] = {0};

	(void)state;
	assert_int_equal(ddirr_frame_copy_call_bounded(buf, sizeof(buf), 0, DDIRR_PHASE_ENTRY, frame, 0), 0);
	assert_int_equal(ddirr_frame_copy_call_bounded(buf, sizeof(buf), DDIRR_DDI_MAX_PLUS_ONE, DDIRR_PHASE_ENTRY,
						       frame, 0),
			 0);
	assert_int_equal(ddirr_frame_copy_call_bounded(buf, sizeof(buf), DDIRR_DDI_MapCpuHostAperture, 3, frame, 0),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recorder_copy__generated_copy_writes_the_walks_bytes_without_plans),
		cmocka_unit_test(recorder_copy__generated_copy_and_plans_write_the_walks_bytes),
		cmocka_unit_test(recorder_copy__map_of_65536_pages_is_copied_whole),
		cmocka_unit_test(recorder_copy__exit_of_an_input_only_call_is_the_return_value),
		cmocka_unit_test(recorder_copy__unknown_call_copies_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
