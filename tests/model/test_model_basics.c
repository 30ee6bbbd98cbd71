/* Tests for model/: a valid life cycle reports nothing, and the central
 * aperture invariants name the call, the objects and the earlier call.
 * Also the leaf-PTE probe walk the capture host and the replayer share
 * (pte_probe.c). */
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

/* ---- ddirr_model_probe_ptes, against a probe that answers from a table */

#define PROBE_VA 0x100100000ull
#define PROBE_PROCESS ((HANDLE)(uintptr_t)0x600)
#define PROBE_ADAPTER ((HANDLE)(uintptr_t)0x1000)

/* What the fake driver's tables hold, by 4 KB VA page from PROBE_VA, and
 * the VAs it was asked about. */
static struct {
	NTSTATUS status[8];
	UINT segment[8];
	UINT64 page[8];
	D3DGPU_VIRTUAL_ADDRESS asked[8];
	int n_asked;
} fake;

static NTSTATUS fake_probe(HANDLE adapter, HANDLE process, D3DGPU_VIRTUAL_ADDRESS va, UINT *segment, UINT64 *page)
{
	uint64_t i = (va - PROBE_VA) / 4096;

	assert_ptr_equal(adapter, PROBE_ADAPTER);
	assert_ptr_equal(process, PROBE_PROCESS);
	assert_true(va >= PROBE_VA && i < 8 && fake.n_asked < 8);
	fake.asked[fake.n_asked++] = va;
	*segment = fake.segment[i];
	*page = fake.page[i];
	return fake.status[i];
}

typedef struct mismatches {
	ddirr_model_va_mismatch seen[8];
	int n, stop_after;
} mismatches;

static int collect(void *ctx, const ddirr_model_va_mismatch *mm)
{
	mismatches *m = ctx;

	assert_true(m->n < 8);
	m->seen[m->n++] = *mm;
	return m->stop_after && m->n >= m->stop_after;
}

/* n leaf PTEs of segment 1, pages 10, 11, ...; the fake driver maps each
 * VA where its PTE says. */
static DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE leaf_update(DXGK_PTE *pte, UINT n)
{
	DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE u;
	UINT i;

	memset(&u, 0, sizeof(u));
	memset(&fake, 0, sizeof(fake));
	memset(pte, 0, n * sizeof(*pte));
	for (i = 0; i < n; i++) {
		pte[i].Valid = 1;
		pte[i].Segment = 1;
		pte[i].PageAddress = 10 + i;
		fake.segment[i] = 1;
		fake.page[i] = 10 + i;
	}
	u.hProcess = PROBE_PROCESS;
	u.pPageTableEntries = pte;
	u.NumPageTableEntries = n;
	u.FirstPteVirtualAddress = PROBE_VA;
	return u;
}

static void pte_probe__names_each_va_the_driver_maps_elsewhere(void **state)
{
	DXGK_PTE pte[4];
	DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE u = leaf_update(pte, 4);
	mismatches m = {0};

	(void)state;
	fake.page[1] = 99;                       /* another page */
	fake.segment[2] = 2;                     /* another segment */
	fake.status[3] = DDIRR_PROBE_NOT_FOUND;  /* not mapped */
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 3);
	assert_int_equal(fake.n_asked, 4);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.seen[0].va, PROBE_VA + 4096);
	assert_ptr_equal(m.seen[0].process, PROBE_PROCESS);
	assert_int_equal(m.seen[0].pte_segment, 1);
	assert_int_equal(m.seen[0].pte_page, 11);
	assert_int_equal(m.seen[0].status, STATUS_SUCCESS);
	assert_int_equal(m.seen[0].segment, 1);
	assert_int_equal(m.seen[0].page, 99);
	assert_int_equal(m.seen[1].va, PROBE_VA + 2 * 4096);
	assert_int_equal(m.seen[1].segment, 2);
	assert_int_equal(m.seen[1].page, 12);
	assert_int_equal(m.seen[2].va, PROBE_VA + 3 * 4096);
	assert_int_equal(m.seen[2].status, DDIRR_PROBE_NOT_FOUND);
	assert_int_equal(m.seen[2].pte_page, 13);
}

static void pte_probe__asks_only_about_valid_leaf_entries_with_a_va(void **state)
{
	DXGK_PTE pte[4];
	DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE u = leaf_update(pte, 4);
	mismatches m = {0};

	(void)state;
	pte[2].Valid = 0;
	fake.page[2] = 99; /* an invalid PTE says nothing of where its VA leads */
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 0);
	assert_int_equal(fake.n_asked, 3);
	assert_int_equal(fake.asked[2], PROBE_VA + 3 * 4096);
	u.PageTableLevel = 1; /* an upper level maps tables, not VAs */
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 0);
	u.PageTableLevel = 0;
	u.FirstPteVirtualAddress = 0;
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 0);
	u.FirstPteVirtualAddress = PROBE_VA;
	u.pPageTableEntries = NULL;
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 0);
	assert_int_equal(fake.n_asked, 3);
	assert_int_equal(m.n, 0);
}

static void pte_probe__repeat_gives_every_va_the_first_entry(void **state)
{
	DXGK_PTE pte[3];
	DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE u = leaf_update(pte, 3);
	mismatches m = {0};

	(void)state;
	u.Flags.Repeat = 1; /* entries 1 and 2 (pages 11, 12) are not read */
	fake.page[1] = fake.page[2] = 10;
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 0);
	assert_int_equal(fake.n_asked, 3);
	assert_int_equal(fake.asked[2], PROBE_VA + 2 * 4096);
	fake.page[2] = 12;
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 1);
	assert_int_equal(m.seen[0].pte_page, 10);
}

static void pte_probe__stops_when_the_report_asks(void **state)
{
	DXGK_PTE pte[4];
	DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE u = leaf_update(pte, 4);
	mismatches m = {.stop_after = 1};
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		fake.status[i] = DDIRR_PROBE_NOT_FOUND;
	assert_int_equal(ddirr_model_probe_ptes(&u, fake_probe, PROBE_ADAPTER, collect, &m), 1);
	assert_int_equal(fake.n_asked, 1);
	assert_int_equal(m.n, 1);
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
		cmocka_unit_test(pte_probe__names_each_va_the_driver_maps_elsewhere),
		cmocka_unit_test(pte_probe__asks_only_about_valid_leaf_entries_with_a_va),
		cmocka_unit_test(pte_probe__repeat_gives_every_va_the_first_entry),
		cmocka_unit_test(pte_probe__stops_when_the_report_asks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
