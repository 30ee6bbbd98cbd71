/* Tests for model/: every invariant of ddirr/invariants.def, each with a
 * minimal sequence that breaks it (the report names the violating call, the
 * objects and the earlier call that set up the conflict) and the closest
 * valid sequence, which reports nothing.
 *
 * The standard adapter of model_calls.h: segment 1 is 256 MiB of VRAM in
 * 64 KB pages (4096 pages) with a 256-slot host aperture, segment 2 is
 * 64 MiB in 4 KB pages with 1024 slots, segment 3 is a 512 MiB aperture
 * segment (131072 GART pages), segment 4 is CPU-visible VRAM without a host
 * aperture. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "desc.h"
#include "model_calls.h"

#define MAP DDIRR_DDI_MapCpuHostAperture
#define UNMAP DDIRR_DDI_UnmapCpuHostAperture
#define PAGING DDIRR_DDI_BuildPagingBuffer
#define CREATE_ALLOCATION DDIRR_DDI_CreateAllocation
#define MAP_CONTEXT DDIRR_DDI_MapContextAllocation
#define RESERVE DDIRR_DDI_ReserveGpuVirtualAddressRange
#define ALLOC_NS DDIRR_NS_ALLOCATION_KMD

#define MIB (1ull << 20)
#define RESERVED_VA 0x100000000ull /* the process's 2 MiB reservation */
#define FREE_VA 0x200000000ull

/* The violating call is `seq` (a `ddi`), and the earlier call it names. */
static void assert_call(const ddirr_violation *v, uint64_t seq, uint32_t ddi, uint64_t earlier_seq,
			uint32_t earlier_ddi)
{
	assert_int_equal(v->seq, seq);
	assert_int_equal(v->ddi, ddi);
	assert_int_equal(v->earlier_seq, earlier_seq);
	assert_int_equal(v->earlier_ddi, earlier_ddi);
}

/* Allocation 0x10 of 1 MiB placed at segment 1 pages 32..47. Returns the
 * seq of the Fill that placed it. */
static uint64_t resident_allocation(calls *c)
{
	calls_adapter(c);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	return calls_fill(c, 0x10, 1, 32u << 16, MIB);
}

/* Process 0x600 (dxgkrnl 0x500) whose CreateProcess reserves 2 MiB at
 * RESERVED_VA, device 0x710 (dxgkrnl 0x700) and context 0x810 (dxgkrnl
 * 0x800). Returns the seq of the reservation. */
static uint64_t process_device_context(calls *c)
{
	uint64_t reserve;

	calls_adapter(c);
	reserve = calls_create_process(c, 0x500, 0x600, RESERVED_VA, 2 * MIB) + 1;
	calls_create_device(c, 0x700, 0x710, 0x600);
	calls_create_context(c, 0x710, 0x700, 0x800, 0x810, 0, 0, 0, 0);
	return reserve;
}

/* process_device_context() plus context allocation 0x900 of 64 KB (driver
 * handle 0xC01), made inside a second context 0x811 (dxgkrnl 0x801).
 * Returns the seq of the reservation; *made gets the seq of the
 * CreateContextAllocation. */
static uint64_t context_allocation(calls *c, uint64_t *made)
{
	uint64_t reserve = process_device_context(c);

	*made = calls_create_context(c, 0x710, 0x700, 0x801, 0x811, 0xC01, 0x900, 64u << 10, 0) + 1;
	calls_expect_none(c);
	return reserve;
}

static int setup(void **state)
{
	calls *c = malloc(sizeof(*c));

	if (!c)
		return -1;
	calls_init(c, 0, 1);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	calls_fini(*state);
	free(*state);
	return 0;
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static uint64_t map_context(calls *c, uint64_t offset, uint64_t pages, uint64_t result)
{
	return calls_map_context_allocation(c, c->dxgk_adapter, 0x900, 0, 0, 0, offset, pages, result);
}

/* ------------------------------------------------------------------ */
/* The invariant table itself                                          */

static void model__every_invariant_has_a_name_reference_and_text(void **state)
{
	static const struct {
		int id;
		const char *name;
	} def[] = {
#define DDIRR_INVARIANT(id, name, ref, text) {id, #name},
#include "ddirr/invariants.def"
#undef DDIRR_INVARIANT
	};
	size_t i, n = sizeof(def) / sizeof(def[0]);

	(void)state;
	/* Dense: IDs 1..n in order, and the enum ends right after them. */
	assert_int_equal(DDIRR_INV_MAX_PLUS_ONE, n + 1);
	for (i = 0; i < n; i++) {
		int id = def[i].id;

		assert_int_equal(id, (int)i + 1);
		assert_string_equal(ddirr_invariant_name(id), def[i].name);
		assert_int_equal(ddirr_invariant_lookup(def[i].name), id);
		assert_non_null(ddirr_invariant_reference(id));
		assert_true(strlen(ddirr_invariant_reference(id)) > 0);
		assert_non_null(ddirr_invariant_text(id));
		assert_true(strlen(ddirr_invariant_text(id)) > 10);
	}
	assert_null(ddirr_invariant_name(0));
	assert_null(ddirr_invariant_name((int)n + 1));
	assert_null(ddirr_invariant_reference((int)n + 1));
	assert_null(ddirr_invariant_text(-1));
	assert_int_equal(ddirr_invariant_lookup("NO_SUCH_INVARIANT"), DDIRR_INV_NONE);
}

/* ------------------------------------------------------------------ */
/* 1 APERTURE_DOUBLE_MAP                                               */

static void model__map_of_an_already_mapped_slot_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t first, second;

	resident_allocation(c);
	first = calls_map_range(c, 0x10, 1, 17, 32, 1);
	second = calls_map_range(c, 0x10, 1, 17, 33, 1);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_DOUBLE_MAP,
			     "slot 17 is already mapped to allocation 0x10 (segment 1 page 32)");
	assert_call(v, second, MAP, first, MAP);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 17);
	assert_int_equal(v->page, 33);
	assert_int_equal(v->handle, 0x10);
}

static void model__map_of_the_next_free_slot_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 17, 32, 1);
	calls_map_range(c, 0x10, 1, 18, 33, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 2 APERTURE_UNMAP_UNMAPPED                                           */

static void model__unmap_of_a_never_mapped_slot_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 4, 32, 1);
	seq = calls_unmap_range(c, 1, 5, 1);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_UNMAP_UNMAPPED, "slot 5 of segment 1 is not mapped");
	assert_call(v, seq, UNMAP, 0, 0);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 5);
	assert_int_equal(v->size, 1);
}

static void model__unmap_of_a_mapped_slot_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 4, 32, 1);
	calls_unmap_range(c, 1, 4, 1);
	calls_expect_none(c);
}

/* A second unmap of a whole 16-slot range on the 64 KB segment is an unmap
 * of unmapped slots, not a page-unit mixup: none of its slots is mapped. */
static void model__second_unmap_of_a_16_slot_range_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 0, 32, 16);
	calls_unmap_range(c, 1, 0, 16);
	calls_expect_none(c);
	seq = calls_unmap_range(c, 1, 0, 16);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_UNMAP_UNMAPPED,
			     "slot 0 of segment 1 is not mapped (and more slots of this call)");
	assert_call(v, seq, UNMAP, 0, 0);
	assert_int_equal(v->size, 16);
}

/* ------------------------------------------------------------------ */
/* 3 APERTURE_STALE_AFTER_MOVE                                         */

static void model__relocation_with_a_slot_mapped_is_stale(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t map, move;

	resident_allocation(c);
	map = calls_map_range(c, 0x10, 1, 5, 40, 1);
	move = calls_transfer(c, 0x10, 1, 32u << 16, 1, 64u << 16, MIB);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_STALE_AFTER_MOVE,
			     "allocation 0x10 is moved while 1 aperture slot(s) still map it: slot 5 -> segment 1 "
			     "page 40");
	assert_call(v, move, PAGING, map, MAP);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->handle_ns, ALLOC_NS);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 5);
	assert_int_equal(v->page, 40);
}

static void model__relocation_after_unmap_is_valid(void **state)
{
	calls *c = *state;
	uint32_t segment;
	uint64_t first, pages;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 5, 40, 1);
	calls_unmap_range(c, 1, 5, 1);
	calls_transfer(c, 0x10, 1, 32u << 16, 1, 64u << 16, MIB);
	calls_expect_none(c);
	assert_int_equal(ddirr_model_allocation_residency(c->m, 0x10, &segment, &first, &pages), 1);
	assert_int_equal(segment, 1);
	assert_int_equal(first, 64);
	assert_int_equal(pages, 16);
}

/* ------------------------------------------------------------------ */
/* 4 APERTURE_SLOT_OUT_OF_RANGE                                        */

static void model__map_of_a_slot_past_the_aperture_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	seq = calls_map_range(c, 0x10, 1, 256, 32, 1);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_SLOT_OUT_OF_RANGE,
			     "slot 256 is past the end of segment 1's host aperture (256 slots)");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 256);
}

static void model__map_of_the_last_aperture_slot_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 255, 32, 1);
	calls_unmap_range(c, 1, 255, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 5 SEGMENT_PAGE_OUT_OF_RANGE                                         */

static void model__map_of_a_page_past_the_segment_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	seq = calls_map_range(c, 0, 1, 0, 4096, 1); /* an implicit allocation */
	v = calls_expect_one(c, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE,
			     "segment page 4096 is past the end of segment 1 (4096 pages)");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 0);
	assert_int_equal(v->page, 4096);
}

static void model__map_of_the_last_segment_page_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_map_range(c, 0, 1, 0, 4095, 1);
	calls_expect_none(c);
}

/* The same rule for a paging operation's destination range. */
static void model__fill_running_past_the_segment_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	calls_create_allocation(c, 0x20, 128u << 10, 4096, 2);
	seq = calls_fill(c, 0x20, 2, 64 * MIB - (64u << 10), 128u << 10);
	v = calls_expect_one(c, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE,
			     "fill destination 0x3ff0000..0x4010000 runs past the end of segment 2");
	assert_call(v, seq, PAGING, 0, 0);
	assert_int_equal(v->segment, 2);
	assert_int_equal(v->page, (64 * MIB - (64u << 10)) / 4096);
}

/* The same rule for where SetRootPageTable puts a root page table. */
static void model__root_page_table_past_its_segment_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	DXGKARG_SETROOTPAGETABLE r = {.hContext = (HANDLE)(uintptr_t)0x810, .NumEntries = 512};
	ddirr_frame_SetRootPageTable f = {.hAdapter = (HANDLE)(uintptr_t)0xA000, .pSetPageTable = &r};
	uint64_t seq;

	process_device_context(c);
	r.Address.SegmentId = 2;
	r.Address.SegmentOffset = 64 * MIB - 4096;
	calls_apply(c, DDIRR_DDI_SetRootPageTable, &f, &f);
	calls_expect_none(c);
	r.Address.SegmentOffset = 64 * MIB;
	seq = calls_apply(c, DDIRR_DDI_SetRootPageTable, &f, &f);
	v = calls_expect_one(c, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE,
			     "root page table at segment 2 offset 0x4000000 lies outside the segment");
	assert_call(v, seq, DDIRR_DDI_SetRootPageTable, 0, 0);
	assert_int_equal(v->segment, 2);
	assert_int_equal(v->page, 64 * MIB / 4096);
}

/* ------------------------------------------------------------------ */
/* 6 MAP_NOT_RESIDENT                                                  */

static void model__map_of_an_evicted_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t evict, seq;

	resident_allocation(c);
	evict = calls_discard(c, 0x10);
	seq = calls_map_range(c, 0x10, 1, 0, 32, 1);
	v = calls_expect_one(c, DDIRR_INV_MAP_NOT_RESIDENT,
			     "allocation 0x10 is not resident (evicted by the call named)");
	assert_call(v, seq, MAP, evict, PAGING);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->segment, 1);
}

static void model__map_of_an_allocation_filled_again_after_eviction_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_discard(c, 0x10);
	calls_fill(c, 0x10, 1, 32u << 16, MIB);
	calls_map_range(c, 0x10, 1, 0, 32, 1);
	calls_expect_none(c);
}

/* The same rule for a leaf PTE written for the allocation. */
static void model__pte_for_an_evicted_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t evict, seq;

	resident_allocation(c);
	evict = calls_transfer(c, 0x10, 1, 32u << 16, 0, 0, MIB);
	seq = calls_update_page_table(c, 0x10, 0, 0, 1, 32u << 16, 1);
	v = calls_expect_one(c, DDIRR_INV_MAP_NOT_RESIDENT, "PTE 0 maps allocation 0x10, which is not resident");
	assert_call(v, seq, PAGING, evict, PAGING);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->page, 32);
}

/* ------------------------------------------------------------------ */
/* 7 WRONG_SEGMENT                                                     */

/* Allocation 0x20 of 64 KB at segment 2 (4 KB pages) pages 256..271. */
static uint64_t resident_in_segment_2(calls *c)
{
	calls_adapter(c);
	calls_create_allocation(c, 0x20, 64u << 10, 4096, 2);
	return calls_fill(c, 0x20, 2, 1 * MIB, 64u << 10);
}

static void model__map_through_another_segment_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t fill, seq;

	fill = resident_in_segment_2(c);
	seq = calls_map_range(c, 0x20, 1, 0, 256, 1);
	v = calls_expect_one(c, DDIRR_INV_WRONG_SEGMENT, "allocation 0x20 lives in segment 2 since seq");
	assert_call(v, seq, MAP, fill, PAGING);
	assert_int_equal(v->handle, 0x20);
	assert_int_equal(v->segment, 1);
	assert_non_null(strstr(v->message, "not in segment 1"));
}

static void model__map_through_the_allocations_segment_is_valid(void **state)
{
	calls *c = *state;

	resident_in_segment_2(c);
	calls_map_range(c, 0x20, 2, 0, 256, 16);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 8 PAGE_UNIT_MIXUP                                                   */

static void model__map_counting_4k_pages_on_a_64k_segment_is_a_unit_mixup(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	seq = calls_map_range(c, 0x10, 1, 0, 32, 256); /* 1 MiB in 4 KB pages */
	v = calls_expect_one(c, DDIRR_INV_PAGE_UNIT_MIXUP,
			     "NumberOfPages 256 for an allocation of 16 64 KB pages: a count of 4 KB pages");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->size, 256);
}

static void model__map_counting_64k_pages_on_a_64k_segment_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 0, 32, 16);
	calls_expect_none(c);
}

static void model__unmap_counting_4k_pages_on_a_64k_segment_is_a_unit_mixup(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 0, 32, 16);
	seq = calls_unmap_range(c, 1, 0, 256);
	v = calls_expect_one(c, DDIRR_INV_PAGE_UNIT_MIXUP,
			     "240 of 256 slots are not mapped: a count of 4 KB pages on a 64 KB-page segment");
	assert_call(v, seq, UNMAP, 0, 0);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 16);
}

static void model__context_map_count_16_times_too_large_is_a_unit_mixup(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq;

	context_allocation(c, &made);
	seq = map_context(c, 0, 256, FREE_VA);
	v = calls_expect_one(c, DDIRR_INV_PAGE_UNIT_MIXUP,
			     "OffsetInPages 0 + SizeInPages 256 run past the allocation's 16 4 KB pages, by up to 16 times");
	assert_call(v, seq, MAP_CONTEXT, 0, 0);
	assert_int_equal(v->handle, 0x900);
	assert_int_equal(v->handle_ns, DDIRR_NS_CONTEXT_ALLOCATION_DXGK);
	assert_int_equal(v->size, 256 * 4096);
}

/* ------------------------------------------------------------------ */
/* 9 VA_OVERLAP                                                        */

static void model__context_map_inside_a_reservation_is_an_overlap(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, reserve, seq;

	reserve = context_allocation(c, &made);
	seq = map_context(c, 0, 16, RESERVED_VA + 0x10000);
	v = calls_expect_one(c, DDIRR_INV_VA_OVERLAP,
			     "VA 0x100010000..0x100020000 overlaps the reservation 0x100000000..0x100200000 made "
			     "at seq");
	assert_call(v, seq, MAP_CONTEXT, reserve, RESERVE);
	assert_int_equal(v->va, RESERVED_VA + 0x10000);
	assert_int_equal(v->size, 0x10000);
	assert_int_equal(v->handle, 0x900);
}

static void model__context_map_right_after_a_reservation_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made;
	ddirr_model_counts n;

	context_allocation(c, &made);
	map_context(c, 0, 16, RESERVED_VA + 2 * MIB);
	calls_expect_none(c);
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.va_ranges, 2);
}

/* Two mappings of the same context allocation that overlap. */
static void model__context_map_over_an_earlier_mapping_is_an_overlap(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, first, seq;

	context_allocation(c, &made);
	first = map_context(c, 0, 16, FREE_VA);
	seq = map_context(c, 0, 16, FREE_VA + 0x8000);
	v = calls_expect_one(c, DDIRR_INV_VA_OVERLAP, "overlaps the mapping 0x200000000..0x200010000");
	assert_call(v, seq, MAP_CONTEXT, first, MAP_CONTEXT);
	assert_int_equal(v->va, FREE_VA + 0x8000);
}

/* ------------------------------------------------------------------ */
/* 10 VA_MISALIGNED                                                    */

static void model__context_map_at_an_unaligned_base_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq;

	context_allocation(c, &made);
	seq = calls_map_context_allocation(c, c->dxgk_adapter, 0x900, FREE_VA + 0x800, 0, 0, 0, 16, FREE_VA + 0x800);
	v = calls_expect_one(c, DDIRR_INV_VA_MISALIGNED, "BaseAddress 0x200000800 is not a multiple of 0x1000");
	assert_call(v, seq, MAP_CONTEXT, 0, 0);
	assert_int_equal(v->va, FREE_VA + 0x800);
}

static void model__context_map_at_a_page_aligned_base_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made;

	context_allocation(c, &made);
	calls_map_context_allocation(c, c->dxgk_adapter, 0x900, FREE_VA + 0x1000, 0, 0, 0, 16, FREE_VA + 0x1000);
	calls_expect_none(c);
}

/* A reservation must cover whole leaf page tables (2 MiB here). */
static void model__reservation_of_half_a_leaf_table_is_misaligned(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t create;

	calls_adapter(c);
	create = calls_create_process(c, 0x500, 0x600, RESERVED_VA, 1 * MIB);
	v = calls_expect_one(c, DDIRR_INV_VA_MISALIGNED,
			     "SizeInBytes 0x100000 is not a whole number of leaf page tables (0x200000 bytes each)");
	assert_call(v, create + 1, RESERVE, 0, 0);
	assert_int_equal(v->handle, 0x500);
	assert_int_equal(v->handle_ns, DDIRR_NS_PROCESS_DXGK);
	assert_int_equal(v->size, MIB);
}

/* ------------------------------------------------------------------ */
/* 11 VA_OUT_OF_RANGE                                                  */

static void model__context_map_returned_past_the_maximum_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq, max = FREE_VA + MIB;

	context_allocation(c, &made);
	seq = calls_map_context_allocation(c, c->dxgk_adapter, 0x900, 0, FREE_VA, max, 0, 16, max - 0x8000);
	v = calls_expect_one(c, DDIRR_INV_VA_OUT_OF_RANGE,
			     "returned VA 0x2000f8000..0x200108000 outside the request (base 0x0, min 0x200000000, "
			     "max 0x200100000)");
	assert_call(v, seq, MAP_CONTEXT, 0, 0);
	assert_int_equal(v->va, max - 0x8000);
	assert_int_equal(v->size, 0x10000);
	assert_int_equal(v->handle, 0x900);
}

static void model__context_map_ending_at_the_maximum_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made, max = FREE_VA + MIB;

	context_allocation(c, &made);
	calls_map_context_allocation(c, c->dxgk_adapter, 0x900, 0, FREE_VA, max, 0, 16, max - 0x10000);
	calls_expect_none(c);
}

/* Root PTE 0 stays invalid: no reservation inside the first leaf table. */
static void model__reservation_in_the_first_leaf_table_is_out_of_range(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t create;

	calls_adapter(c);
	create = calls_create_process(c, 0x500, 0x600, 0, 2 * MIB);
	v = calls_expect_one(c, DDIRR_INV_VA_OUT_OF_RANGE, "below the first leaf page table");
	assert_call(v, create + 1, RESERVE, 0, 0);
	assert_int_equal(v->va, 0);
}

static void model__reservation_at_the_second_leaf_table_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_create_process(c, 0x500, 0x600, 2 * MIB, 2 * MIB);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 12 USE_AFTER_DESTROY                                                */

static void model__map_of_a_destroyed_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t destroy, seq;

	resident_allocation(c);
	destroy = calls_destroy_allocation(c, 0x10);
	seq = calls_map_range(c, 0x10, 1, 0, 32, 1);
	v = calls_expect_one(c, DDIRR_INV_USE_AFTER_DESTROY,
			     "allocation 0x10 [alloc.kmd] was destroyed at seq");
	assert_call(v, seq, MAP, destroy, DDIRR_DDI_DestroyAllocation);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->handle_ns, ALLOC_NS);
}

static void model__map_of_a_recreated_handle_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_destroy_allocation(c, 0x10);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	calls_fill(c, 0x10, 1, 32u << 16, MIB);
	calls_map_range(c, 0x10, 1, 0, 32, 1);
	calls_expect_none(c);
}

static void model__destroy_context_allocation_twice_is_use_after_destroy(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, first, second;

	context_allocation(c, &made);
	first = calls_destroy_context_allocation(c, 0x900);
	calls_expect_none(c);
	second = calls_destroy_context_allocation(c, 0x900);
	v = calls_expect_one(c, DDIRR_INV_USE_AFTER_DESTROY, "context allocation 0x900 [ctxalloc.dxgk] was destroyed");
	assert_call(v, second, DDIRR_DDI_DestroyContextAllocation, first, DDIRR_DDI_DestroyContextAllocation);
	assert_int_equal(v->handle_ns, DDIRR_NS_CONTEXT_ALLOCATION_DXGK);
}

/* The graveyard is bounded (4096 handles per namespace by default): a
 * handle destroyed longer ago than that is only an unknown handle. */
static void model__use_after_destroy_is_forgotten_past_the_graveyard(void **state)
{
	calls *c = *state;
	uint64_t h;

	calls_adapter(c);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	calls_destroy_allocation(c, 0x10);
	for (h = 0x100000; h < 0x100000 + 4096; h++) {
		calls_create_allocation(c, h, 65536, 65536, 1);
		calls_destroy_allocation(c, h);
	}
	calls_expect_none(c);
	calls_map_range(c, 0x10, 1, 0, 32, 1);
	calls_expect(c, DDIRR_INV_UNKNOWN_HANDLE, "allocation 0x10 [alloc.kmd] was never created");
	calls_map_range(c, h - 1, 1, 1, 33, 1);
	calls_expect(c, DDIRR_INV_USE_AFTER_DESTROY, NULL);
}

/* ------------------------------------------------------------------ */
/* 13 HANDLE_NAMESPACE_MIXUP                                           */

static void model__map_with_a_dxgkrnl_context_allocation_handle_is_a_mixup(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq;

	context_allocation(c, &made);
	seq = calls_map_range(c, 0x900, 1, 0, 0, 1);
	v = calls_expect_one(c, DDIRR_INV_HANDLE_NAMESPACE_MIXUP,
			     "allocation 0x900 is expected as a alloc.kmd handle but is a live ctxalloc.dxgk handle");
	assert_call(v, seq, MAP, made, DDIRR_DDI_CreateContextAllocation);
	assert_int_equal(v->handle, 0x900);
	assert_int_equal(v->handle_ns, ALLOC_NS);
}

static void model__map_with_the_driver_handle_of_a_context_allocation_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made;

	context_allocation(c, &made);
	calls_fill(c, 0xC01, 1, 0, 64u << 10);
	calls_map_range(c, 0xC01, 1, 0, 0, 1);
	calls_expect_none(c);
}

/* The callback adapter handle passed to a DDI. */
static void model__ddi_given_the_dxgkrnl_adapter_handle_is_a_mixup(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq, kmd;

	calls_adapter(c);
	kmd = c->adapter;
	c->adapter = c->dxgk_adapter;
	seq = calls_create_allocation(c, 0x10, MIB, 65536, 1);
	c->adapter = kmd;
	v = calls_expect_one(c, DDIRR_INV_HANDLE_NAMESPACE_MIXUP,
			     "hAdapter 0xd000 is the adapter.dxgk adapter handle where the adapter.kmd one (0xa000)");
	assert_call(v, seq, CREATE_ALLOCATION, 2, DDIRR_DDI_StartDevice);
	assert_int_equal(v->handle, 0xD000);
	assert_int_equal(v->handle_ns, DDIRR_NS_ADAPTER_KMD);
}

/* ------------------------------------------------------------------ */
/* 14 MAPPED_AT_DESTROY                                                */

static void model__destroy_of_a_mapped_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t map, seq;

	resident_allocation(c);
	map = calls_map_range(c, 0x10, 1, 7, 40, 1);
	seq = calls_destroy_allocation(c, 0x10);
	v = calls_expect_one(c, DDIRR_INV_MAPPED_AT_DESTROY,
			     "allocation 0x10 is destroyed while 1 aperture slot(s) still map it: slot 7 -> "
			     "segment 1 page 40");
	assert_call(v, seq, DDIRR_DDI_DestroyAllocation, map, MAP);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 7);
	assert_int_equal(v->page, 40);
}

static void model__destroy_after_unmap_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 7, 40, 1);
	calls_unmap_range(c, 1, 7, 1);
	calls_destroy_allocation(c, 0x10);
	calls_expect_none(c);
}

/* The same rule for a context allocation whose driver handle is mapped. */
static void model__destroy_of_a_mapped_context_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, map, seq;

	context_allocation(c, &made);
	calls_fill(c, 0xC01, 1, 0, 64u << 10);
	map = calls_map_range(c, 0xC01, 1, 3, 0, 1);
	seq = calls_destroy_context_allocation(c, 0x900);
	v = calls_expect_one(c, DDIRR_INV_MAPPED_AT_DESTROY, "allocation 0xc01 is destroyed while 1 aperture slot(s)");
	assert_call(v, seq, DDIRR_DDI_DestroyContextAllocation, map, MAP);
	assert_int_equal(v->slot, 3);
}

/* ------------------------------------------------------------------ */
/* 15 UNKNOWN_HANDLE                                                   */

static void model__map_of_a_never_created_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	seq = calls_map_range(c, 0x77, 1, 0, 0, 1);
	v = calls_expect_one(c, DDIRR_INV_UNKNOWN_HANDLE, "allocation 0x77 [alloc.kmd] was never created");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->handle, 0x77);
	assert_int_equal(v->handle_ns, ALLOC_NS);
}

static void model__map_of_a_created_and_placed_allocation_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_create_allocation(c, 0x77, 65536, 65536, 1);
	calls_fill(c, 0x77, 1, 0, 65536);
	calls_map_range(c, 0x77, 1, 0, 0, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 16 SEGMENT_NOT_HOST_APERTURE                                        */

static void model__map_through_a_segment_without_host_aperture_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	seq = calls_map_range(c, 0, 4, 0, 0, 1);
	v = calls_expect_one(c, DDIRR_INV_SEGMENT_NOT_HOST_APERTURE,
			     "segment 4 does not support the CPU host aperture");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->segment, 4);
	calls_map_range(c, 0, 3, 0, 0, 1);
	calls_expect(c, DDIRR_INV_SEGMENT_NOT_HOST_APERTURE, "segment 3 is an aperture segment");
	calls_unmap_range(c, 5, 0, 1);
	calls_expect(c, DDIRR_INV_SEGMENT_NOT_HOST_APERTURE, "SegmentId 5 is not one of the 4 segments");
}

static void model__map_through_a_host_aperture_segment_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_map_range(c, 0, 2, 0, 0, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 17 APERTURE_DUPLICATE_IN_CALL                                       */

static void model__map_naming_a_slot_twice_in_one_call_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint32_t slots[2] = {3, 3};
	uint64_t pages[2] = {32, 33}, seq;

	resident_allocation(c);
	seq = calls_map(c, 0x10, 1, 2, slots, pages, 0);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_DUPLICATE_IN_CALL, "entries 0 and 1 name the same slot 3");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->slot, 3);
	assert_int_equal(v->page, 33);
}

static void model__map_naming_a_page_twice_in_one_call_is_reported(void **state)
{
	calls *c = *state;
	uint32_t slots[2] = {3, 4};
	uint64_t pages[2] = {32, 32};

	resident_allocation(c);
	calls_map(c, 0x10, 1, 2, slots, pages, 0);
	calls_expect(c, DDIRR_INV_APERTURE_DUPLICATE_IN_CALL, "entries 0 and 1 name the same page 32");
}

/* Slots that increase do not hide a page named again further on. */
static void model__map_naming_a_page_again_after_a_run_is_reported(void **state)
{
	calls *c = *state;
	uint32_t slots[4] = {1, 2, 3, 4};
	uint64_t pages[4] = {32, 33, 34, 32};

	resident_allocation(c);
	calls_map(c, 0x10, 1, 4, slots, pages, 0);
	calls_expect(c, DDIRR_INV_APERTURE_DUPLICATE_IN_CALL, "entries 0 and 3 name the same page 32");
}

static void model__map_of_distinct_slots_and_pages_in_one_call_is_valid(void **state)
{
	calls *c = *state;
	uint32_t slots[2] = {4, 3};
	uint64_t pages[2] = {33, 32};

	resident_allocation(c);
	calls_map(c, 0x10, 1, 2, slots, pages, 0);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 18 APERTURE_ALIAS                                                   */

static void model__map_of_a_page_reachable_through_another_slot_is_an_alias(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t first, seq;

	resident_allocation(c);
	first = calls_map_range(c, 0x10, 1, 1, 40, 1);
	seq = calls_map_range(c, 0x10, 1, 2, 40, 1);
	v = calls_expect_one(c, DDIRR_INV_APERTURE_ALIAS,
			     "segment page 40 is already reachable through slot 1 since seq");
	assert_call(v, seq, MAP, first, MAP);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 2);
	assert_int_equal(v->page, 40);
}

static void model__map_of_a_page_after_its_other_slot_is_unmapped_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 1, 40, 1);
	calls_unmap_range(c, 1, 1, 1);
	calls_map_range(c, 0x10, 1, 2, 40, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 19 MAP_OUTSIDE_ALLOCATION                                           */

static void model__map_of_a_page_past_the_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t fill, seq;

	fill = resident_allocation(c);
	seq = calls_map_range(c, 0x10, 1, 0, 48, 1);
	v = calls_expect_one(c, DDIRR_INV_MAP_OUTSIDE_ALLOCATION,
			     "segment page 48 is outside allocation 0x10's pages 32..47 placed at seq");
	assert_call(v, seq, MAP, fill, PAGING);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 0);
	assert_int_equal(v->page, 48);
}

static void model__map_of_the_allocations_last_page_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 0, 47, 1);
	calls_expect_none(c);
}

/* Mapping 17 pages of a 16-page allocation is an off-by-one that runs past
 * it, not a 4 KB count: that would be 256. */
static void model__map_of_one_page_more_than_the_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t fill, seq;

	fill = resident_allocation(c);
	seq = calls_map_range(c, 0x10, 1, 0, 32, 17);
	v = calls_expect_one(c, DDIRR_INV_MAP_OUTSIDE_ALLOCATION, "segment page 48 is outside allocation 0x10's");
	assert_call(v, seq, MAP, fill, PAGING);
	assert_int_equal(v->slot, 16);
}

/* ------------------------------------------------------------------ */
/* 20 EMPTY_MAP                                                        */

static void model__map_of_zero_pages_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	seq = calls_map_range(c, 0x10, 1, 0, 32, 0);
	v = calls_expect_one(c, DDIRR_INV_EMPTY_MAP, "maps zero pages");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->handle, 0x10);
	seq = calls_unmap_range(c, 1, 0, 0);
	v = calls_expect_one(c, DDIRR_INV_EMPTY_MAP, "unmaps zero pages");
	assert_call(v, seq, UNMAP, 0, 0);
}

static void model__map_of_one_page_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 0, 32, 1);
	calls_unmap_range(c, 1, 0, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 21 PHYSICAL_ADAPTER_OUT_OF_RANGE                                    */

static uint64_t map_on_adapter(calls *c, uint16_t adapter_index)
{
	UINT32 slot = 0;
	UINT64 page = 32;
	DXGKARG_MAPCPUHOSTAPERTURE a = {.hAllocation = (HANDLE)(uintptr_t)0x10, .SegmentId = 1,
					.PhysicalAdapterIndex = adapter_index, .NumberOfPages = 1,
					.pCpuHostAperturePages = &slot, .pMemorySegmentPages = &page};

	return calls_map_args(c, &a, 0);
}

static void model__map_on_a_physical_adapter_past_the_link_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	resident_allocation(c);
	seq = map_on_adapter(c, 1);
	v = calls_expect_one(c, DDIRR_INV_PHYSICAL_ADAPTER_OUT_OF_RANGE,
			     "PhysicalAdapterIndex 1, but the adapter has 1 physical adapter(s)");
	assert_call(v, seq, MAP, 0, 0);
	assert_int_equal(v->segment, 1);
}

static void model__map_on_the_second_adapter_of_a_queried_link_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_query_segments(c, 1);
	map_on_adapter(c, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 22 DDI_UNEXPECTED_FAILURE                                           */

static DXGKARG_BUILDPAGINGBUFFER fill_op(uint64_t handle, uint32_t segment, uint64_t address, uint64_t size)
{
	DXGKARG_BUILDPAGINGBUFFER b;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_FILL;
	b.Fill.hAllocation = (HANDLE)(uintptr_t)handle;
	b.Fill.FillSize = size;
	b.Fill.Destination.SegmentId = segment;
	b.Fill.Destination.SegmentAddress.QuadPart = (LONGLONG)address;
	return b;
}

static void model__paging_operation_failing_with_another_error_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	DXGKARG_BUILDPAGINGBUFFER b = fill_op(0x10, 1, 32u << 16, MIB);
	uint32_t segment;
	uint64_t seq, first, pages;

	calls_adapter(c);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	seq = calls_paging(c, &b, STATUS_NO_MEMORY);
	v = calls_expect_one(c, DDIRR_INV_DDI_UNEXPECTED_FAILURE,
			     "operation 1 failed with 0xc0000017; only INSUFFICIENT_DMA_BUFFER");
	assert_call(v, seq, PAGING, 0, 0);
	assert_int_equal(v->phase, DDIRR_PHASE_EXIT);
	assert_int_equal(ddirr_model_allocation_residency(c->m, 0x10, &segment, &first, &pages), 0);
	/* A Fill may not answer ALLOCATION_BUSY either: only transfers and discards. */
	calls_paging(c, &b, STATUS_GRAPHICS_ALLOCATION_BUSY);
	calls_expect(c, DDIRR_INV_DDI_UNEXPECTED_FAILURE, "0x10E/0xB");
}

static void model__paging_operation_asking_for_a_new_dma_buffer_is_valid(void **state)
{
	calls *c = *state;
	DXGKARG_BUILDPAGINGBUFFER b = fill_op(0x10, 1, 32u << 16, MIB);
	uint32_t segment;
	uint64_t first, pages;

	calls_adapter(c);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	calls_paging(c, &b, STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER);
	assert_int_equal(ddirr_model_allocation_residency(c->m, 0x10, &segment, &first, &pages), 0);
	calls_paging(c, &b, STATUS_SUCCESS);
	calls_expect_none(c);
	assert_int_equal(ddirr_model_allocation_residency(c->m, 0x10, &segment, &first, &pages), 1);
	assert_int_equal(first, 32);
}

/* A failed unmap is reported and leaves the slot mapped. */
static void model__failed_unmap_is_reported_and_leaves_the_slot_mapped(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	UINT32 slot = 6;
	DXGKARG_UNMAPCPUHOSTAPERTURE a = {.NumberOfPages = 1, .pCpuHostAperturePages = &slot, .SegmentId = 1};
	uint64_t seq;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 6, 32, 1);
	seq = calls_unmap_args(c, &a, STATUS_UNSUCCESSFUL);
	v = calls_expect_one(c, DDIRR_INV_DDI_UNEXPECTED_FAILURE,
			     "failed with 0xc0000001; dxgkrnl requires success (bug check 0x10E/0x2E)");
	assert_call(v, seq, UNMAP, 0, 0);
	assert_int_equal(ddirr_model_aperture_lookup(c->m, 1, 6, NULL, NULL), 1);
	calls_unmap_args(c, &a, STATUS_SUCCESS);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 23 VA_PROTECTION_INVALID                                            */

static uint64_t map_context_zero(calls *c, uint64_t ca_dxgk)
{
	DXGKARGCB_MAPCONTEXTALLOCATION a = {.hAllocation = (HANDLE)(uintptr_t)ca_dxgk, .SizeInPages = 16};

	a.Protection.Zero = 1;
	return calls_map_context_allocation_args(c, &a, FREE_VA);
}

static void model__zero_mapping_carrying_an_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq;

	context_allocation(c, &made);
	seq = map_context_zero(c, 0x900);
	v = calls_expect_one(c, DDIRR_INV_VA_PROTECTION_INVALID,
			     "a Zero mapping carries allocation 0x900; it must be NULL");
	assert_call(v, seq, MAP_CONTEXT, 0, 0);
	assert_int_equal(v->handle, 0x900);
	assert_int_equal(v->handle_ns, DDIRR_NS_CONTEXT_ALLOCATION_DXGK);
}

static void model__zero_mapping_without_an_allocation_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made;

	context_allocation(c, &made);
	map_context_zero(c, 0);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 24 RESERVE_OUTSIDE_CREATE_PROCESS                                   */

static void model__reservation_after_create_process_returned_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	calls_create_process(c, 0x500, 0x600, 0, 0);
	seq = calls_reserve(c, 0x500, 2 * MIB, 2u << 20, 0, RESERVED_VA);
	v = calls_expect_one(c, DDIRR_INV_RESERVE_OUTSIDE_CREATE_PROCESS,
			     "called outside any DDI, not from inside DxgkDdiCreateProcess");
	assert_call(v, seq, RESERVE, 0, 0);
	assert_int_equal(v->handle, 0x500);
	assert_int_equal(v->handle_ns, DDIRR_NS_PROCESS_DXGK);
}

static void model__reservation_inside_create_process_is_valid(void **state)
{
	calls *c = *state;
	ddirr_model_counts n;

	calls_adapter(c);
	calls_create_process(c, 0x500, 0x600, RESERVED_VA, 2 * MIB);
	calls_expect_none(c);
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.va_ranges, 1);
}

/* ------------------------------------------------------------------ */
/* 25 CONTEXT_MAP_PAST_ALLOCATION                                      */

static void model__context_map_one_page_past_the_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq;

	context_allocation(c, &made);
	seq = map_context(c, 8, 9, FREE_VA);
	v = calls_expect_one(c, DDIRR_INV_CONTEXT_MAP_PAST_ALLOCATION,
			     "OffsetInPages 8 + SizeInPages 9 run past the allocation's 16 4 KB pages");
	assert_call(v, seq, MAP_CONTEXT, 0, 0);
	assert_int_equal(v->handle, 0x900);
	assert_int_equal(v->size, 9 * 4096);
}

static void model__context_map_of_the_allocations_second_half_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made;

	context_allocation(c, &made);
	map_context(c, 8, 8, FREE_VA);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 26 LEAK_AT_DESTROY                                                  */

static void model__destroy_of_a_device_with_a_live_context_is_a_leak(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	process_device_context(c);
	seq = calls_destroy_device(c, 0x710);
	v = calls_expect_one(c, DDIRR_INV_LEAK_AT_DESTROY, "device 0x710 is destroyed with 1 contexts still alive");
	assert_call(v, seq, DDIRR_DDI_DestroyDevice, 0, 0);
	assert_int_equal(v->handle, 0x710);
	assert_int_equal(v->handle_ns, DDIRR_NS_DEVICE_KMD);
}

static void model__destroy_of_a_context_with_a_live_context_allocation_is_a_leak(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t made, seq;

	context_allocation(c, &made);
	seq = calls_destroy_context(c, 0x811, 0);
	v = calls_expect_one(c, DDIRR_INV_LEAK_AT_DESTROY,
			     "context 0x811 is destroyed with 1 context allocations still alive");
	assert_call(v, seq, DDIRR_DDI_DestroyContext, 0, 0);
	assert_int_equal(v->handle_ns, DDIRR_NS_CONTEXT_KMD);
}

static void model__destroy_of_a_process_with_a_live_device_is_a_leak(void **state)
{
	calls *c = *state;
	uint64_t seq;

	calls_adapter(c);
	calls_create_process(c, 0x500, 0x600, 0, 0);
	calls_create_device(c, 0x700, 0x710, 0x600);
	seq = calls_destroy_process(c, 0x600);
	assert_int_equal(calls_expect_one(c, DDIRR_INV_LEAK_AT_DESTROY,
					  "process 0x600 is destroyed with 1 devices still alive")->seq,
			 seq);
}

static void model__destroy_of_children_before_parents_is_valid(void **state)
{
	calls *c = *state;
	uint64_t made;
	ddirr_model_counts n;

	context_allocation(c, &made);
	calls_destroy_context(c, 0x811, 0x900);
	calls_destroy_context(c, 0x810, 0);
	calls_destroy_device(c, 0x710);
	calls_destroy_process(c, 0x600);
	calls_expect_none(c);
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.devices + n.contexts + n.context_allocations + n.processes, 0);
}

/* ------------------------------------------------------------------ */
/* 27 MAPPED_AT_STOP                                                   */

static void model__stop_with_a_slot_mapped_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t map, seq;

	resident_allocation(c);
	map = calls_map_range(c, 0x10, 1, 9, 44, 1);
	seq = calls_stop_device(c);
	v = calls_expect_one(c, DDIRR_INV_MAPPED_AT_STOP,
			     "the adapter stops with 1 aperture slot(s) mapped, for one slot 9 of segment 1 "
			     "(allocation 0x10)");
	assert_call(v, seq, DDIRR_DDI_StopDevice, map, MAP);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->slot, 9);
	assert_int_equal(v->page, 44);
	assert_int_equal(v->handle, 0x10);
}

static void model__stop_after_every_slot_is_unmapped_is_valid(void **state)
{
	calls *c = *state;

	resident_allocation(c);
	calls_map_range(c, 0x10, 1, 9, 44, 1);
	calls_unmap_range(c, 1, 9, 1);
	calls_stop_device(c);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 28 GART_DOUBLE_MAP                                                  */

static void model__aperture_segment_map_over_mapped_pages_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t first, seq;

	calls_adapter(c);
	first = calls_map_gart(c, 3, 100, 4, 1);
	seq = calls_map_gart(c, 3, 102, 4, 1);
	v = calls_expect_one(c, DDIRR_INV_GART_DOUBLE_MAP,
			     "aperture-segment page 102 of segment 3 is already mapped since seq");
	assert_call(v, seq, PAGING, first, PAGING);
	assert_int_equal(v->segment, 3);
	assert_int_equal(v->page, 102);
	assert_int_equal(v->size, 4);
}

static void model__aperture_segment_map_next_to_mapped_pages_is_valid(void **state)
{
	calls *c = *state;
	ddirr_model_counts n;

	calls_adapter(c);
	calls_map_gart(c, 3, 100, 4, 1);
	calls_map_gart(c, 3, 104, 4, 1);
	calls_expect_none(c);
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.gart_pages, 8);
}

/* ------------------------------------------------------------------ */
/* 29 GART_UNMAP_UNMAPPED                                              */

static void model__aperture_segment_unmap_past_the_mapped_pages_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	calls_map_gart(c, 3, 100, 4, 1);
	seq = calls_map_gart(c, 3, 102, 4, 0);
	v = calls_expect_one(c, DDIRR_INV_GART_UNMAP_UNMAPPED, "aperture-segment page 104 of segment 3 is not mapped");
	assert_call(v, seq, PAGING, 0, 0);
	assert_int_equal(v->segment, 3);
	assert_int_equal(v->page, 104);
}

static void model__aperture_segment_unmap_of_the_mapped_pages_is_valid(void **state)
{
	calls *c = *state;
	ddirr_model_counts n;

	calls_adapter(c);
	calls_map_gart(c, 3, 100, 4, 1);
	calls_map_gart(c, 3, 100, 4, 0);
	calls_expect_none(c);
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.gart_pages, 0);
}

/* ------------------------------------------------------------------ */
/* 30 GART_OUT_OF_RANGE                                                */

static void model__aperture_segment_map_past_its_end_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	seq = calls_map_gart(c, 3, 131071, 2, 1);
	v = calls_expect_one(c, DDIRR_INV_GART_OUT_OF_RANGE,
			     "aperture-segment pages 131071..131073 run past segment 3");
	assert_call(v, seq, PAGING, 0, 0);
	assert_int_equal(v->segment, 3);
	assert_int_equal(v->page, 131071);
	assert_int_equal(v->size, 2);
}

static void model__aperture_segment_map_of_its_last_page_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_map_gart(c, 3, 131071, 1, 1);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 31 ALLOCATION_MISALIGNED_FOR_SEGMENT                                */

static void model__allocation_for_a_64k_segment_with_4k_alignment_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	calls_adapter(c);
	seq = calls_create_allocation(c, 0x30, 64u << 10, 4096, 0x3);
	v = calls_expect_one(c, DDIRR_INV_ALLOCATION_MISALIGNED_FOR_SEGMENT,
			     "allocation 0x30 may go in 64 KB-page segment 1 but reports alignment 0x1000");
	assert_call(v, seq, CREATE_ALLOCATION, 0, 0);
	assert_int_equal(v->phase, DDIRR_PHASE_EXIT);
	assert_int_equal(v->handle, 0x30);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->size, 4096);
}

static void model__allocation_for_a_4k_segment_only_with_4k_alignment_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_create_allocation(c, 0x30, 64u << 10, 4096, 0x2);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 32 HANDLE_REUSED_WHILE_LIVE                                         */

static void model__create_returning_a_live_allocation_handle_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t first, second;
	ddirr_model_counts n;

	calls_adapter(c);
	first = calls_create_allocation(c, 0x10, MIB, 65536, 1);
	second = calls_create_allocation(c, 0x10, 2 * MIB, 65536, 1);
	v = calls_expect_one(c, DDIRR_INV_HANDLE_REUSED_WHILE_LIVE,
			     "returned allocation 0x10 [alloc.kmd], which is still live since seq");
	assert_call(v, second, CREATE_ALLOCATION, first, CREATE_ALLOCATION);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->handle_ns, ALLOC_NS);
	/* The newer allocation is the one the handle names now. */
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.allocations, 1);
	calls_fill(c, 0x10, 1, 0, 2 * MIB);
	calls_map_range(c, 0x10, 1, 0, 31, 1);
	calls_expect_none(c);
}

static void model__create_returning_a_destroyed_handle_is_valid(void **state)
{
	calls *c = *state;

	calls_adapter(c);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	calls_destroy_allocation(c, 0x10);
	calls_create_allocation(c, 0x10, MIB, 65536, 1);
	calls_destroy_allocation(c, 0x10);
	calls_expect_none(c);
}

/* A device handle reused while live: the newer device replaces the older,
 * which must not linger as a device of its process. */
static void model__create_returning_a_live_device_handle_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t first, second;

	calls_adapter(c);
	calls_create_process(c, 0x500, 0x600, 0, 0);
	first = calls_create_device(c, 0x700, 0x710, 0x600);
	second = calls_create_device(c, 0x701, 0x710, 0x600);
	v = calls_expect_one(c, DDIRR_INV_HANDLE_REUSED_WHILE_LIVE, "returned device 0x710 [device.kmd]");
	assert_call(v, second, DDIRR_DDI_CreateDevice, first, DDIRR_DDI_CreateDevice);
	calls_destroy_device(c, 0x710);
	calls_destroy_process(c, 0x600);
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 33 CONTEXT_ALLOCATION_FLAGS_INVALID                                 */

#define SHARED_ACROSS_CONTEXTS 1u

static void model__shared_context_allocation_naming_a_context_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	process_device_context(c);
	seq = calls_create_context_allocation(c, SHARED_ACROSS_CONTEXTS, 0x700, 0x800, 0xC02, 0x902, 64u << 10);
	v = calls_expect_one(c, DDIRR_INV_CONTEXT_ALLOCATION_FLAGS_INVALID,
			     "SharedAcrossContexts is set but hContext is 0x800, not NULL");
	assert_call(v, seq, DDIRR_DDI_CreateContextAllocation, 0, 0);
	assert_int_equal(v->handle, 0x800);
	assert_int_equal(v->handle_ns, DDIRR_NS_CONTEXT_DXGK);
}

static void model__context_allocation_for_the_system_device_naming_a_context_is_reported(void **state)
{
	calls *c = *state;

	process_device_context(c);
	calls_create_context_allocation(c, 0, 0, 0x800, 0xC02, 0x902, 64u << 10);
	calls_expect(c, DDIRR_INV_CONTEXT_ALLOCATION_FLAGS_INVALID,
		     "a GPU-context allocation for the system device (hDevice NULL)");
}

/* Device-context allocations exist only for non-system devices (6). */
static void model__shared_context_allocation_for_the_system_device_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t seq;

	process_device_context(c);
	seq = calls_create_context_allocation(c, SHARED_ACROSS_CONTEXTS, 0, 0, 0xC02, 0x902, 64u << 10);
	v = calls_expect_one(c, DDIRR_INV_CONTEXT_ALLOCATION_FLAGS_INVALID,
			     "a device-context allocation (SharedAcrossContexts) for the system device (hDevice NULL)");
	assert_call(v, seq, DDIRR_DDI_CreateContextAllocation, 0, 0);
}

static void model__shared_context_allocation_of_a_device_is_valid(void **state)
{
	calls *c = *state;

	process_device_context(c);
	calls_create_context_allocation(c, SHARED_ACROSS_CONTEXTS, 0x700, 0, 0xC02, 0x902, 64u << 10);
	calls_create_context_allocation(c, 0, 0, 0, 0xC03, 0x903, 64u << 10); /* a system allocation */
	calls_expect_none(c);
}

/* ------------------------------------------------------------------ */
/* 34 PTE_OUTSIDE_ALLOCATION                                           */

static void model__pte_pointing_past_the_allocation_is_reported(void **state)
{
	calls *c = *state;
	const ddirr_violation *v;
	uint64_t fill, seq;

	fill = resident_allocation(c);
	seq = calls_update_page_table(c, 0x10, 0, 0, 1, 48u << 16, 1);
	v = calls_expect_one(c, DDIRR_INV_PTE_OUTSIDE_ALLOCATION,
			     "PTE 0 points at segment 1 0x300000, outside allocation 0x10 (segment 1 pages 32..47");
	assert_call(v, seq, PAGING, fill, PAGING);
	assert_int_equal(v->handle, 0x10);
	assert_int_equal(v->segment, 1);
	assert_int_equal(v->page, 48);
}

static void model__pte_pointing_at_the_allocations_last_4k_page_is_valid(void **state)
{
	calls *c = *state;
	ddirr_model_counts n;

	resident_allocation(c);
	calls_update_page_table(c, 0x10, 0, 0, 1, (48u << 16) - 4096, 1);
	calls_expect_none(c);
	ddirr_model_get_counts(c->m, &n);
	assert_int_equal(n.page_table_entries, 1);
}

/* ------------------------------------------------------------------ */

/* Every invariant, its trigger and its near miss. A row per invariant
 * keeps the coverage checkable: model__every_invariant_is_tested. */
#define INVARIANT_TESTS(X) \
	X(APERTURE_DOUBLE_MAP, \
	  model__map_of_an_already_mapped_slot_is_reported, \
	  model__map_of_the_next_free_slot_is_valid) \
	X(APERTURE_UNMAP_UNMAPPED, \
	  model__unmap_of_a_never_mapped_slot_is_reported, \
	  model__unmap_of_a_mapped_slot_is_valid) \
	X(APERTURE_STALE_AFTER_MOVE, \
	  model__relocation_with_a_slot_mapped_is_stale, \
	  model__relocation_after_unmap_is_valid) \
	X(APERTURE_SLOT_OUT_OF_RANGE, \
	  model__map_of_a_slot_past_the_aperture_is_reported, \
	  model__map_of_the_last_aperture_slot_is_valid) \
	X(SEGMENT_PAGE_OUT_OF_RANGE, \
	  model__map_of_a_page_past_the_segment_is_reported, \
	  model__map_of_the_last_segment_page_is_valid) \
	X(MAP_NOT_RESIDENT, \
	  model__map_of_an_evicted_allocation_is_reported, \
	  model__map_of_an_allocation_filled_again_after_eviction_is_valid) \
	X(WRONG_SEGMENT, \
	  model__map_through_another_segment_is_reported, \
	  model__map_through_the_allocations_segment_is_valid) \
	X(PAGE_UNIT_MIXUP, \
	  model__map_counting_4k_pages_on_a_64k_segment_is_a_unit_mixup, \
	  model__map_counting_64k_pages_on_a_64k_segment_is_valid) \
	X(VA_OVERLAP, \
	  model__context_map_inside_a_reservation_is_an_overlap, \
	  model__context_map_right_after_a_reservation_is_valid) \
	X(VA_MISALIGNED, \
	  model__context_map_at_an_unaligned_base_is_reported, \
	  model__context_map_at_a_page_aligned_base_is_valid) \
	X(VA_OUT_OF_RANGE, \
	  model__context_map_returned_past_the_maximum_is_reported, \
	  model__context_map_ending_at_the_maximum_is_valid) \
	X(USE_AFTER_DESTROY, \
	  model__map_of_a_destroyed_allocation_is_reported, \
	  model__map_of_a_recreated_handle_is_valid) \
	X(HANDLE_NAMESPACE_MIXUP, \
	  model__map_with_a_dxgkrnl_context_allocation_handle_is_a_mixup, \
	  model__map_with_the_driver_handle_of_a_context_allocation_is_valid) \
	X(MAPPED_AT_DESTROY, \
	  model__destroy_of_a_mapped_allocation_is_reported, \
	  model__destroy_after_unmap_is_valid) \
	X(UNKNOWN_HANDLE, \
	  model__map_of_a_never_created_allocation_is_reported, \
	  model__map_of_a_created_and_placed_allocation_is_valid) \
	X(SEGMENT_NOT_HOST_APERTURE, \
	  model__map_through_a_segment_without_host_aperture_is_reported, \
	  model__map_through_a_host_aperture_segment_is_valid) \
	X(APERTURE_DUPLICATE_IN_CALL, \
	  model__map_naming_a_slot_twice_in_one_call_is_reported, \
	  model__map_of_distinct_slots_and_pages_in_one_call_is_valid) \
	X(APERTURE_ALIAS, \
	  model__map_of_a_page_reachable_through_another_slot_is_an_alias, \
	  model__map_of_a_page_after_its_other_slot_is_unmapped_is_valid) \
	X(MAP_OUTSIDE_ALLOCATION, \
	  model__map_of_a_page_past_the_allocation_is_reported, \
	  model__map_of_the_allocations_last_page_is_valid) \
	X(EMPTY_MAP, \
	  model__map_of_zero_pages_is_reported, \
	  model__map_of_one_page_is_valid) \
	X(PHYSICAL_ADAPTER_OUT_OF_RANGE, \
	  model__map_on_a_physical_adapter_past_the_link_is_reported, \
	  model__map_on_the_second_adapter_of_a_queried_link_is_valid) \
	X(DDI_UNEXPECTED_FAILURE, \
	  model__paging_operation_failing_with_another_error_is_reported, \
	  model__paging_operation_asking_for_a_new_dma_buffer_is_valid) \
	X(VA_PROTECTION_INVALID, \
	  model__zero_mapping_carrying_an_allocation_is_reported, \
	  model__zero_mapping_without_an_allocation_is_valid) \
	X(RESERVE_OUTSIDE_CREATE_PROCESS, \
	  model__reservation_after_create_process_returned_is_reported, \
	  model__reservation_inside_create_process_is_valid) \
	X(CONTEXT_MAP_PAST_ALLOCATION, \
	  model__context_map_one_page_past_the_allocation_is_reported, \
	  model__context_map_of_the_allocations_second_half_is_valid) \
	X(LEAK_AT_DESTROY, \
	  model__destroy_of_a_device_with_a_live_context_is_a_leak, \
	  model__destroy_of_children_before_parents_is_valid) \
	X(MAPPED_AT_STOP, \
	  model__stop_with_a_slot_mapped_is_reported, \
	  model__stop_after_every_slot_is_unmapped_is_valid) \
	X(GART_DOUBLE_MAP, \
	  model__aperture_segment_map_over_mapped_pages_is_reported, \
	  model__aperture_segment_map_next_to_mapped_pages_is_valid) \
	X(GART_UNMAP_UNMAPPED, \
	  model__aperture_segment_unmap_past_the_mapped_pages_is_reported, \
	  model__aperture_segment_unmap_of_the_mapped_pages_is_valid) \
	X(GART_OUT_OF_RANGE, \
	  model__aperture_segment_map_past_its_end_is_reported, \
	  model__aperture_segment_map_of_its_last_page_is_valid) \
	X(ALLOCATION_MISALIGNED_FOR_SEGMENT, \
	  model__allocation_for_a_64k_segment_with_4k_alignment_is_reported, \
	  model__allocation_for_a_4k_segment_only_with_4k_alignment_is_valid) \
	X(HANDLE_REUSED_WHILE_LIVE, \
	  model__create_returning_a_live_allocation_handle_is_reported, \
	  model__create_returning_a_destroyed_handle_is_valid) \
	X(CONTEXT_ALLOCATION_FLAGS_INVALID, \
	  model__shared_context_allocation_naming_a_context_is_reported, \
	  model__shared_context_allocation_of_a_device_is_valid) \
	X(PTE_OUTSIDE_ALLOCATION, \
	  model__pte_pointing_past_the_allocation_is_reported, \
	  model__pte_pointing_at_the_allocations_last_4k_page_is_valid)

static void model__every_invariant_is_tested(void **state)
{
#define AS_ID(name, trigger, near_miss) DDIRR_INV_##name,
	static const int tested[] = {INVARIANT_TESTS(AS_ID)};
#undef AS_ID
	size_t i;
	int id;

	(void)state;
	for (id = 1; id < DDIRR_INV_MAX_PLUS_ONE; id++) {
		for (i = 0; i < sizeof(tested) / sizeof(tested[0]) && tested[i] != id; i++)
			;
		if (i == sizeof(tested) / sizeof(tested[0]))
			fail_msg("invariant %d %s has no trigger and near-miss test", id, ddirr_invariant_name(id));
	}
}

int main(void)
{
#define AS_TESTS(name, trigger, near_miss) TEST(trigger), TEST(near_miss),
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model__every_invariant_has_a_name_reference_and_text),
		cmocka_unit_test(model__every_invariant_is_tested),
		INVARIANT_TESTS(AS_TESTS)
		/* further ways to break an invariant */
		TEST(model__second_unmap_of_a_16_slot_range_is_reported),
		TEST(model__fill_running_past_the_segment_is_reported),
		TEST(model__root_page_table_past_its_segment_is_reported),
		TEST(model__pte_for_an_evicted_allocation_is_reported),
		TEST(model__unmap_counting_4k_pages_on_a_64k_segment_is_a_unit_mixup),
		TEST(model__context_map_count_16_times_too_large_is_a_unit_mixup),
		TEST(model__context_map_over_an_earlier_mapping_is_an_overlap),
		TEST(model__reservation_of_half_a_leaf_table_is_misaligned),
		TEST(model__reservation_in_the_first_leaf_table_is_out_of_range),
		TEST(model__reservation_at_the_second_leaf_table_is_valid),
		TEST(model__destroy_context_allocation_twice_is_use_after_destroy),
		TEST(model__use_after_destroy_is_forgotten_past_the_graveyard),
		TEST(model__ddi_given_the_dxgkrnl_adapter_handle_is_a_mixup),
		TEST(model__destroy_of_a_mapped_context_allocation_is_reported),
		TEST(model__map_naming_a_page_twice_in_one_call_is_reported),
		TEST(model__map_naming_a_page_again_after_a_run_is_reported),
		TEST(model__map_of_one_page_more_than_the_allocation_is_reported),
		TEST(model__failed_unmap_is_reported_and_leaves_the_slot_mapped),
		TEST(model__destroy_of_a_context_with_a_live_context_allocation_is_a_leak),
		TEST(model__destroy_of_a_process_with_a_live_device_is_a_leak),
		TEST(model__create_returning_a_live_device_handle_is_reported),
		TEST(model__context_allocation_for_the_system_device_naming_a_context_is_reported),
		TEST(model__shared_context_allocation_for_the_system_device_is_reported),
	};
#undef AS_TESTS

	return cmocka_run_group_tests(tests, NULL, NULL);
}
