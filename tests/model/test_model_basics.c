/* Tests for model/: a valid life cycle reports nothing, and the central
 * aperture invariants name the call, the objects and the earlier call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model_calls.h"

/* Allocation 0x10 of 1 MiB (16 pages of 64 KB) placed at segment 1 page 32. */
static void resident_allocation(calls *c)
{
	calls_adapter(c);
	calls_create_allocation(c, 0x10, 1u << 20, 65536, 1);
	calls_fill(c, 0x10, 1, 32u << 16, 1u << 20);
}

static void model__valid_life_cycle_reports_nothing(void **state)
{
	calls c;
	ddirr_model_counts n;

	(void)state;
	calls_init(&c, 0, 1);
	resident_allocation(&c);
	calls_create_process(&c, 0x500, 0x600, 0x100000000ull, 2u << 20);
	calls_create_device(&c, 0x700, 0x710, 0x600);
	calls_create_context(&c, 0x710, 0x700, 0x800, 0x810, 0xC01, 0x900, 64u << 10, 0x200000000ull);
	calls_map_range(&c, 0x10, 1, 0, 32, 16);
	calls_unmap_range(&c, 1, 0, 16);
	calls_transfer(&c, 0x10, 1, 32u << 16, 0, 0, 1u << 20);
	calls_destroy_allocation(&c, 0x10);
	calls_destroy_context(&c, 0x810, 0x900);
	calls_destroy_device(&c, 0x710);
	calls_destroy_process(&c, 0x600);
	calls_expect_none(&c);
	ddirr_model_get_counts(c.m, &n);
	assert_int_equal(n.allocations, 0);
	assert_int_equal(n.mapped_slots, 0);
	assert_int_equal(n.processes, 0);
	assert_int_equal(n.pending_calls, 0);
	calls_fini(&c);
}

static void model__double_map_names_first_mapping_call(void **state)
{
	calls c;
	uint64_t first;

	(void)state;
	calls_init(&c, 0, 1);
	resident_allocation(&c);
	first = calls_map_range(&c, 0x10, 1, 17, 32, 1);
	calls_expect_none(&c);
	calls_map_range(&c, 0x10, 1, 17, 33, 1);
	assert_int_equal(c.seen[0].earlier_seq, first);
	assert_int_equal(c.seen[0].slot, 17);
	calls_expect(&c, DDIRR_INV_APERTURE_DOUBLE_MAP, "slot 17 is already mapped to allocation 0x10");
	calls_fini(&c);
}

static void model__map_after_unmap_of_the_same_slot_is_valid(void **state)
{
	calls c;

	(void)state;
	calls_init(&c, 0, 1);
	resident_allocation(&c);
	calls_map_range(&c, 0x10, 1, 17, 32, 1);
	calls_unmap_range(&c, 1, 17, 1);
	calls_map_range(&c, 0x10, 1, 17, 33, 1);
	calls_expect_none(&c);
	calls_fini(&c);
}

static void model__eviction_with_slots_mapped_is_stale(void **state)
{
	calls c;
	uint64_t map, evict;

	(void)state;
	calls_init(&c, 0, 1);
	resident_allocation(&c);
	map = calls_map_range(&c, 0x10, 1, 5, 40, 2);
	evict = calls_transfer(&c, 0x10, 1, 32u << 16, 0, 0, 1u << 20);
	assert_int_equal(c.seen[0].seq, evict);
	assert_int_equal(c.seen[0].earlier_seq, map);
	calls_expect(&c, DDIRR_INV_APERTURE_STALE_AFTER_MOVE, "evicted while 2 aperture slot(s) still map it");
	calls_fini(&c);
}

static void model__failed_map_changes_nothing_but_is_reported(void **state)
{
	calls c;
	uint32_t slot = 3;
	uint64_t page = 33;

	(void)state;
	calls_init(&c, 0, 1);
	resident_allocation(&c);
	calls_map(&c, 0x10, 1, 1, &slot, &page, (int32_t)0xC0000001);
	calls_expect(&c, DDIRR_INV_DDI_UNEXPECTED_FAILURE, "0x10E/0x2D");
	calls_unmap_range(&c, 1, 3, 1); /* the slot was never mapped */
	calls_expect(&c, DDIRR_INV_APERTURE_UNMAP_UNMAPPED, "slot 3");
	calls_fini(&c);
}

static void model__partial_trace_adopts_handles_created_before_it(void **state)
{
	ddirr_model_options o = DDIRR_MODEL_OPTIONS_INIT;
	calls c;

	(void)state;
	calls_init(&c, 0, 1);
	calls_adapter(&c);
	calls_destroy_allocation(&c, 0x77); /* made before the trace began */
	calls_expect(&c, DDIRR_INV_UNKNOWN_HANDLE, "allocation 0x77");
	calls_fini(&c);

	o.partial = 1;
	calls_init_with(&c, &o);
	calls_adapter(&c);
	calls_destroy_allocation(&c, 0x77);
	calls_expect_none(&c);
	calls_create_allocation(&c, 0x78, 65536, 65536, 1);
	calls_destroy_allocation(&c, 0x78);
	calls_destroy_allocation(&c, 0x78); /* still caught */
	calls_expect(&c, DDIRR_INV_USE_AFTER_DESTROY, "allocation 0x78");
	calls_fini(&c);
}

/* Writes entries start..start+n-1 of the page table at 16 MiB of segment 1,
 * valid or not; with repeat, the one entry given is repeated n times. */
static void write_ptes(calls *c, uint32_t start, uint32_t n, int valid, int repeat)
{
	DXGKARG_BUILDPAGINGBUFFER b;
	DXGK_PTE pte[200];
	uint32_t i;

	assert_true(n <= 200);
	memset(&b, 0, sizeof(b));
	memset(pte, 0, sizeof(pte));
	for (i = 0; i < n; i++) {
		pte[i].Valid = valid;
		pte[i].Segment = 4; /* the aperture segment: no allocation checks */
		pte[i].PageAddress = i;
	}
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	b.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentId = 1;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentOffset = 0x1000000;
	b.UpdatePageTable.StartIndex = start;
	b.UpdatePageTable.Flags.Repeat = repeat;
	b.UpdatePageTable.pPageTableEntries = pte;
	b.UpdatePageTable.NumPageTableEntries = n;
	calls_paging(c, &b, 0);
}

static size_t valid_ptes(calls *c)
{
	ddirr_model_counts n;

	ddirr_model_get_counts(c->m, &n);
	return n.page_table_entries;
}

static void model__page_table_entries_count_what_is_valid_now(void **state)
{
	calls c;

	(void)state;
	calls_init(&c, 0, 1);
	calls_adapter(&c);
	write_ptes(&c, 50, 100, 1, 0); /* 50..149: across two 64-entry boundaries */
	assert_int_equal(valid_ptes(&c), 100);
	write_ptes(&c, 60, 10, 1, 0); /* written again: no new entry */
	assert_int_equal(valid_ptes(&c), 100);
	write_ptes(&c, 120, 40, 0, 0); /* 120..149 invalidated, 150..159 were not valid */
	assert_int_equal(valid_ptes(&c), 70);
	write_ptes(&c, 0, 200, 1, 1); /* one entry repeated over 0..199 */
	assert_int_equal(valid_ptes(&c), 200);
	write_ptes(&c, 65500, 100, 1, 0); /* stops past index 0xffff */
	assert_int_equal(valid_ptes(&c), 236);
	write_ptes(&c, 0, 200, 0, 1);
	write_ptes(&c, 65500, 36, 0, 0);
	assert_int_equal(valid_ptes(&c), 0);
	calls_expect_none(&c);
	calls_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model__valid_life_cycle_reports_nothing),
		cmocka_unit_test(model__double_map_names_first_mapping_call),
		cmocka_unit_test(model__map_after_unmap_of_the_same_slot_is_valid),
		cmocka_unit_test(model__eviction_with_slots_mapped_is_stale),
		cmocka_unit_test(model__failed_map_changes_nothing_but_is_reported),
		cmocka_unit_test(model__partial_trace_adopts_handles_created_before_it),
		cmocka_unit_test(model__page_table_entries_count_what_is_valid_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
