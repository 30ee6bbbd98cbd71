/* Tests for schema/frame_copy.c: every DDI's frame survives
 * frame -> flat copy -> (moved) -> rebuilt frame, in both phases, with
 * extreme values; and a damaged copy is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/event.h"
#include "frame_copy.h"
#include "frame_fill.h"

static void *aligned_buffer(size_t size)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 8, size ? size : 8), 0);
	return p;
}

/* The bounded copy writes every byte the plain copy writes, the same
 * bytes, when it has exactly that room; with 8 bytes less it reports the
 * same size and writes nothing past its room. */
static void check_bounded(const ddirr_ddi_desc *d, const void *frame, uint32_t phase, const char *copy, size_t size)
{
	char *b = aligned_buffer(size);
	size_t i;

	memset(b, 0xA5, size);
	assert_int_equal(ddirr_frame_copy_bounded(b, size, d->frame, frame, phase, 0), size);
	if (memcmp(b, copy, size))
		fail_msg("%s phase %u: the bounded copy differs from the copy", d->name, phase);
	memset(b, 0xA5, size);
	assert_int_equal(ddirr_frame_copy_bounded(b, size - 8, d->frame, frame, phase, 0), size);
	for (i = size - 8; i < size; i++)
		if ((unsigned char)b[i] != 0xA5)
			fail_msg("%s phase %u: the bounded copy wrote byte %zu past its room", d->name, phase, i);
	free(b);
}

/* The copy that lists its pointer slots writes the copy's bytes, and
 * adding the buffer's address to the listed slots gives, byte for byte,
 * what the description-driven rebuild gives in the same place. A list with
 * too little room reports its whole length and writes nothing past it. */
static void check_relocs(uint32_t id, const void *frame, uint32_t phase, const char *copy, size_t size)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	char *b = aligned_buffer(size), *rebuilt = aligned_buffer(size);
	uint32_t *at = malloc((size / 8 + 1) * sizeof(*at)), sentinel = 0xA5A5A5A5u;
	ddirr_frame_relocs rel = {at, size / 8, 0}, none = {&sentinel, 0, 0};
	size_t i;

	assert_non_null(at);
	memset(b, 0xA5, size);
	assert_int_equal(ddirr_frame_copy_call_relocs(b, size, id, phase, frame, 0, &rel), size);
	if (memcmp(b, copy, size))
		fail_msg("%s phase %u: the listing copy differs from the copy", d->name, phase);
	assert_true(rel.n <= rel.cap);
	for (i = 0; i < rel.n; i++)
		if (at[i] % 8 || at[i] > size - 8)
			fail_msg("%s phase %u: slot %u outside the copy", d->name, phase, at[i]);
	if (ddirr_frame_rebuild(b, size, d->frame, phase))
		fail_msg("%s phase %u: %s", d->name, phase, ddirr_error_last());
	memcpy(rebuilt, b, size);
	memcpy(b, copy, size);
	ddirr_frame_relocate(b, at, rel.n);
	if (memcmp(b, rebuilt, size))
		fail_msg("%s phase %u: relocating %zu slots differs from the rebuild", d->name, phase, rel.n);
	assert_int_equal(ddirr_frame_copy_call_relocs(b, size, id, phase, frame, 0, &none), size);
	assert_int_equal(none.n, rel.n);
	assert_int_equal(sentinel, 0xA5A5A5A5u);
	free(at);
	free(b);
	free(rebuilt);
}

/* Rebuilds the copy in place (buf), by the walk or by the generated code,
 * and returns the result with the error message, if any, in msg. */
static int rebuild_one(char *buf, const char *copy, size_t size, uint32_t id, uint32_t phase, int generated,
		       char *msg, size_t msg_size)
{
	int rc;

	memcpy(buf, copy, size);
	rc = generated ? ddirr_frame_rebuild_call(buf, size, id, phase)
		       : ddirr_frame_rebuild(buf, size, ddirr_desc_ddi(id)->frame, phase);
	snprintf(msg, msg_size, "%s", rc ? ddirr_error_last() : "");
	return rc;
}

/* The generated rebuild gives what the walk gives, in the same buffer: the
 * same bytes from the copy, and from a copy with any one word damaged (an
 * offset past the end, a misaligned one, one whose block runs past the end,
 * a huge count) the same verdict with the same message. Also with the
 * copy's last word cut off. */
static void check_rebuild_call(uint32_t id, uint32_t phase, const char *copy, size_t size)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const uint64_t damage[] = {size, 3, size - 8, (uint64_t)1 << 40, UINT64_MAX};
	size_t words = size <= 4096 ? size / 8 : 0, w, k;
	char *buf = aligned_buffer(size), *bent = aligned_buffer(size), *walked = aligned_buffer(size);
	char msg_walk[512], msg_gen[512];

	for (w = 0; w <= words; w++) {
		for (k = 0; k < (w < words ? sizeof(damage) / sizeof(damage[0]) : 1); k++) {
			int rc_walk, rc_gen;

			memcpy(bent, copy, size);
			if (w < words)
				memcpy(bent + 8 * w, &damage[k], 8);
			rc_walk = rebuild_one(buf, bent, size, id, phase, 0, msg_walk, sizeof(msg_walk));
			memcpy(walked, buf, size);
			rc_gen = rebuild_one(buf, bent, size, id, phase, 1, msg_gen, sizeof(msg_gen));
			if (rc_walk != rc_gen || strcmp(msg_walk, msg_gen))
				fail_msg("%s phase %u, word %zu damaged (%zu): the walk gives %d (%s), the generated "
					 "rebuild %d (%s)",
					 d->name, phase, w, k, rc_walk, msg_walk, rc_gen, msg_gen);
			if (!rc_walk && memcmp(buf, walked, size))
				fail_msg("%s phase %u, word %zu damaged (%zu): the rebuilt bytes differ", d->name, phase,
					 w, k);
		}
	}
	rebuild_one(buf, copy, size - 8, id, phase, 0, msg_walk, sizeof(msg_walk));
	rebuild_one(buf, copy, size - 8, id, phase, 1, msg_gen, sizeof(msg_gen));
	if (strcmp(msg_walk, msg_gen))
		fail_msg("%s phase %u cut short: the walk says \"%s\", the generated rebuild \"%s\"", d->name, phase,
			 msg_walk, msg_gen);
	free(buf);
	free(bent);
	free(walked);
}

/* Copies, moves the bytes elsewhere (so nothing may point into the first
 * buffer), rebuilds and compares. */
static void check_ddi(uint32_t id, const fill_opts *o)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	ddirr_arena a = DDIRR_ARENA_INIT;
	uint32_t phase;

	for (phase = DDIRR_PHASE_ENTRY; phase <= DDIRR_PHASE_EXIT; phase++) {
		void *frame = frame_fill(id, o, &a);
		size_t size = ddirr_frame_copy_size(d->frame, frame, phase, 0);
		char *first = aligned_buffer(size), *second = aligned_buffer(size);
		char where[512];

		assert_int_equal(size % 8, 0);
		assert_true(size >= d->frame->size);
		memset(first, 0, size);
		assert_int_equal(ddirr_frame_copy(first, d->frame, frame, phase, 0), size);
		check_bounded(d, frame, phase, first, size);
		check_relocs(id, frame, phase, first, size);
		check_rebuild_call(id, phase, first, size);
		memcpy(second, first, size);
		memset(first, 0xA5, size);
		if (ddirr_frame_rebuild(second, size, d->frame, phase))
			fail_msg("%s phase %u mode %d variant %u: %s", d->name, phase, o->mode, o->variant,
				 ddirr_error_last());
		if (struct_compare(d->frame, frame, second, phase, where, sizeof(where)))
			fail_msg("%s phase %u mode %d len %zu variant %u: %s", d->name, phase, o->mode, o->len,
				 o->variant, where);
		free(first);
		free(second);
		ddirr_arena_reset(&a);
	}
	ddirr_arena_release(&a);
}

static void for_every_ddi(const fill_opts *base, unsigned variants)
{
	frame_fill_every_ddi(base, variants, check_ddi);
}

static void frame_copy__every_ddi_round_trips_with_zero_values(void **state)
{
	fill_opts o = {.mode = FILL_ZERO};

	(void)state;
	for_every_ddi(&o, 32);
}

static void frame_copy__every_ddi_round_trips_with_maximum_values(void **state)
{
	fill_opts o = {.mode = FILL_MAX, .len = 3, .blob_len = 5};

	(void)state;
	for_every_ddi(&o, 32);
}

static void frame_copy__every_ddi_round_trips_with_random_values(void **state)
{
	fill_opts o = {.mode = FILL_RANDOM, .len = 7, .blob_len = 33};

	(void)state;
	for_every_ddi(&o, 32);
}

static void frame_copy__every_ddi_round_trips_with_65536_element_arrays(void **state)
{
	fill_opts o = {.mode = FILL_RANDOM, .len = 65536, .blob_len = 3};

	(void)state;
	for_every_ddi(&o, 2);
}

/* A 64K-page map is copied whole, and its size is what the pages need. */
static void frame_copy__map_of_65536_pages_is_copied_whole(void **state)
{
	static UINT32 slots[65536];
	static UINT64 pages[65536];
	DXGKARG_MAPCPUHOSTAPERTURE args = {.hAllocation = (HANDLE)0x1234, .SegmentId = 1, .NumberOfPages = 65536,
					   .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.hAdapter = (HANDLE)0x10, .pArgs = &args};
	const ddirr_ddi_desc *d = ddirr_desc_ddi(DDIRR_DDI_MapCpuHostAperture);
	size_t size, i;
	char *buf;
	const ddirr_frame_MapCpuHostAperture *back;

	(void)state;
	for (i = 0; i < 65536; i++) {
		slots[i] = (UINT32)(65535 - i);
		pages[i] = 0x100000000ull + i * 3;
	}
	size = ddirr_frame_copy_size(d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	assert_true(size >= sizeof(slots) + sizeof(pages) + sizeof(args) + sizeof(frame));
	assert_true(size <= sizeof(slots) + sizeof(pages) + sizeof(args) + sizeof(frame) + 32);
	buf = aligned_buffer(size);
	ddirr_frame_copy(buf, d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	assert_int_equal(ddirr_frame_rebuild(buf, size, d->frame, DDIRR_PHASE_ENTRY), 0);
	back = (const void *)buf;
	assert_int_equal(back->pArgs->NumberOfPages, 65536);
	assert_memory_equal(back->pArgs->pCpuHostAperturePages, slots, sizeof(slots));
	assert_memory_equal(back->pArgs->pMemorySegmentPages, pages, sizeof(pages));
	free(buf);
}

/* The metadata privacy tier keeps the size of private driver data and not
 * its bytes, and the copy is smaller by those bytes. */
static void frame_copy__no_opaque_keeps_size_but_not_bytes(void **state)
{
	char priv[100];
	DXGKARG_CREATECONTEXT cc = {.PrivateDriverDataSize = sizeof(priv), .pPrivateDriverData = priv};
	ddirr_frame_CreateContext frame = {.hDevice = (HANDLE)0x77, .pCreateContext = &cc};
	const ddirr_ddi_desc *d = ddirr_desc_ddi(DDIRR_DDI_CreateContext);
	size_t full, meta;
	char *buf;
	const ddirr_frame_CreateContext *back;

	(void)state;
	memset(priv, 0x5A, sizeof(priv));
	full = ddirr_frame_copy_size(d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	meta = ddirr_frame_copy_size(d->frame, &frame, DDIRR_PHASE_ENTRY, DDIRR_FRAME_COPY_NO_OPAQUE);
	assert_int_equal(full - meta, 104);
	buf = aligned_buffer(meta);
	ddirr_frame_copy(buf, d->frame, &frame, DDIRR_PHASE_ENTRY, DDIRR_FRAME_COPY_NO_OPAQUE);
	assert_int_equal(ddirr_frame_rebuild(buf, meta, d->frame, DDIRR_PHASE_ENTRY), 0);
	back = (const void *)buf;
	assert_int_equal(back->pCreateContext->PrivateDriverDataSize, sizeof(priv));
	assert_null(back->pCreateContext->pPrivateDriverData);
	free(buf);
}

/* Fields of the other phase are not copied: they read 0. */
static void frame_copy__exit_copy_holds_out_fields_only(void **state)
{
	DXGKARG_CREATECONTEXT cc = {.hContext = (HANDLE)0xD1, .NodeOrdinal = 5};
	ddirr_frame_CreateContext frame = {.hDevice = (HANDLE)0x77, .pCreateContext = &cc, .ReturnValue = -5};
	const ddirr_ddi_desc *d = ddirr_desc_ddi(DDIRR_DDI_CreateContext);
	size_t size = ddirr_frame_copy_size(d->frame, &frame, DDIRR_PHASE_EXIT, 0);
	char *buf = aligned_buffer(size);
	const ddirr_frame_CreateContext *back = (const void *)buf;

	(void)state;
	ddirr_frame_copy(buf, d->frame, &frame, DDIRR_PHASE_EXIT, 0);
	assert_int_equal(ddirr_frame_rebuild(buf, size, d->frame, DDIRR_PHASE_EXIT), 0);
	assert_null(back->hDevice);
	assert_int_equal(back->ReturnValue, -5);
	assert_ptr_equal(back->pCreateContext->hContext, (HANDLE)0xD1);
	assert_int_equal(back->pCreateContext->NodeOrdinal, 0);
	free(buf);
}

/* A damaged copy (an offset past the end, or a buffer cut short) is
 * refused with the field named, never followed. */
static void frame_copy__offset_outside_the_buffer_is_corrupt(void **state)
{
	UINT32 slots[4] = {1, 2, 3, 4};
	UINT64 pages[4] = {5, 6, 7, 8};
	DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = 4, .pCpuHostAperturePages = slots,
					   .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.pArgs = &args};
	const ddirr_ddi_desc *d = ddirr_desc_ddi(DDIRR_DDI_MapCpuHostAperture);
	size_t size = ddirr_frame_copy_size(d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	char *buf = aligned_buffer(size);

	(void)state;
	ddirr_frame_copy(buf, d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	assert_int_equal(ddirr_frame_rebuild(buf, size - 8, d->frame, DDIRR_PHASE_ENTRY), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "pMemorySegmentPages"));
	ddirr_frame_copy(buf, d->frame, &frame, DDIRR_PHASE_ENTRY, 0);
	((uintptr_t *)buf)[1] = (uintptr_t)1 << 40; /* pArgs */
	assert_int_equal(ddirr_frame_rebuild(buf, size, d->frame, DDIRR_PHASE_ENTRY), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "pArgs"));
	free(buf);
}

/* The list holds exactly the non-NULL pointers: here the args and both
 * page arrays of a map, and no slot for a NULL one. */
static void frame_copy__relocs_list_each_stored_pointer_once(void **state)
{
	UINT32 slots[2] = {1, 2};
	UINT64 pages[2] = {5, 6};
	DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = 2, .pCpuHostAperturePages = slots,
					   .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.pArgs = &args};
	uint32_t at[8];
	ddirr_frame_relocs rel = {at, 8, 0};
	char *buf = aligned_buffer(4096);
	size_t size;

	(void)state;
	size = ddirr_frame_copy_call_relocs(buf, 4096, DDIRR_DDI_MapCpuHostAperture, DDIRR_PHASE_ENTRY, &frame, 0, &rel);
	assert_int_equal(rel.n, 3);
	assert_int_equal(at[0], offsetof(ddirr_frame_MapCpuHostAperture, pArgs));
	args.pMemorySegmentPages = NULL;
	assert_true(ddirr_frame_copy_call_relocs(buf, 4096, DDIRR_DDI_MapCpuHostAperture, DDIRR_PHASE_ENTRY, &frame, 0,
						 &rel) < size);
	assert_int_equal(rel.n, 2);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_copy__every_ddi_round_trips_with_zero_values),
		cmocka_unit_test(frame_copy__every_ddi_round_trips_with_maximum_values),
		cmocka_unit_test(frame_copy__every_ddi_round_trips_with_random_values),
		cmocka_unit_test(frame_copy__every_ddi_round_trips_with_65536_element_arrays),
		cmocka_unit_test(frame_copy__map_of_65536_pages_is_copied_whole),
		cmocka_unit_test(frame_copy__no_opaque_keeps_size_but_not_bytes),
		cmocka_unit_test(frame_copy__exit_copy_holds_out_fields_only),
		cmocka_unit_test(frame_copy__offset_outside_the_buffer_is_corrupt),
		cmocka_unit_test(frame_copy__relocs_list_each_stored_pointer_once),
	};

	/* The listing copy runs the generated code with its plans, as the
	   replayer's reorder does. */
	ddirr_frame_plans_build();

	return cmocka_run_group_tests(tests, NULL, NULL);
}
