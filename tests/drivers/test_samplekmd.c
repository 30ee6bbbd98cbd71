/* Tests for drivers/samplekmd.c: every version registers like a KMD, the
 * simulated hardware (host-aperture remap table, three-level page tables in
 * VRAM, the paging engine) translates what the DDIs programmed, the probe
 * reads it back, and each regression of drivers/VERSIONS.md is in exactly
 * the versions it is documented for. This program plays dxgkrnl: it exports
 * DxgkInitialize and answers the callbacks. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/probe.h"
#include "ddirr/wddm.h"
#include "samplekmd.h"

#define P(x) ((HANDLE)(uintptr_t)(x))
#define H(x) ((uint64_t)(uintptr_t)(x))
#define DXGK_ADAPTER 0xDA000000u
#define PT_SEGMENT 3
#define APERTURE3_BASE 0xDC000000u

static DRIVER_INITIALIZATION_DATA loaded;
static int initialized;

__attribute__((visibility("default"))) NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject,
							      PUNICODE_STRING RegistryPath,
							      PDRIVER_INITIALIZATION_DATA did)
{
	(void)DriverObject;
	(void)RegistryPath;
	loaded = *did;
	initialized = 1;
	return STATUS_SUCCESS;
}

/* ---- dxgkrnl's side: callbacks that remember what they were given */

static struct {
	int reserves, creates, maps, destroys, updates;
	UINT64 reserve_size;
	D3DGPU_SIZE_T map_pages;
	uint64_t destroyed;
	uint64_t next_ctx;
} cb;

static NTSTATUS APIENTRY cb_create(DXGKARGCB_CREATECONTEXTALLOCATION *a)
{
	cb.creates++;
	a->hAllocation = P(0xCA000000u + 0x40 * ++cb.next_ctx);
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY cb_destroy(const HANDLE hAdapter, const HANDLE hAllocation)
{
	(void)hAdapter;
	cb.destroys++;
	cb.destroyed = H(hAllocation);
	return STATUS_SUCCESS;
}

static D3DGPU_VIRTUAL_ADDRESS APIENTRY cb_map(const HANDLE hAdapter, const DXGKARGCB_MAPCONTEXTALLOCATION *m)
{
	(void)hAdapter;
	cb.maps++;
	cb.map_pages = m->SizeInPages;
	return 0x400000;
}

static NTSTATUS APIENTRY cb_update(const HANDLE hAdapter, const DXGKARGCB_UPDATECONTEXTALLOCATION *u)
{
	(void)hAdapter;
	(void)u;
	cb.updates++;
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY cb_reserve(const HANDLE hAdapter, DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE *r)
{
	(void)hAdapter;
	cb.reserves++;
	cb.reserve_size = r->SizeInBytes;
	r->StartVirtualAddress = 0x200000;
	return STATUS_SUCCESS;
}

/* ---- a loaded and started driver */

typedef struct drv {
	DRIVER_INITIALIZATION_DATA t;
	ddirr_probe_aperture_slot_fn probe_slot;
	ddirr_probe_gpu_va_fn probe_va;
	const char *version;
	HANDLE adapter;
	DXGKRNL_INTERFACE iface;
	uint8_t dma[65536];
} drv;

static drv drivers[8];

static drv *load(int minor)
{
	char path[512];
	drv *d = &drivers[minor];
	NTSTATUS (*entry)(PDRIVER_OBJECT, PUNICODE_STRING);
	void *dl;
	PVOID ctx = NULL;
	DXGK_START_INFO si;
	ULONG sources = 0, children = 0;

	if (d->adapter)
		return d;
	snprintf(path, sizeof(path), "%s/samplekmd-1.%d.so", SAMPLEKMD_DIR, minor);
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		fail_msg("%s", dlerror());
	*(void **)&entry = dlsym(dl, "DriverEntry");
	*(void **)&d->probe_slot = dlsym(dl, DDIRR_PROBE_APERTURE_SLOT_SYMBOL);
	*(void **)&d->probe_va = dlsym(dl, DDIRR_PROBE_GPU_VA_SYMBOL);
	d->version = dlsym(dl, "ddirr_driver_version");
	assert_non_null(entry);
	initialized = 0;
	assert_int_equal(entry(NULL, NULL), STATUS_SUCCESS);
	assert_true(initialized);
	d->t = loaded;
	assert_int_equal(d->t.DxgkDdiAddDevice(NULL, &ctx), STATUS_SUCCESS);
	d->adapter = ctx;
	memset(&d->iface, 0, sizeof(d->iface));
	d->iface.Size = sizeof(d->iface);
	d->iface.DeviceHandle = P(DXGK_ADAPTER);
	d->iface.DxgkCbCreateContextAllocation = cb_create;
	d->iface.DxgkCbDestroyContextAllocation = cb_destroy;
	d->iface.DxgkCbMapContextAllocation = cb_map;
	d->iface.DxgkCbUpdateContextAllocation = cb_update;
	d->iface.DxgkCbReserveGpuVirtualAddressRange = cb_reserve;
	memset(&si, 0, sizeof(si));
	assert_int_equal(d->t.DxgkDdiStartDevice(ctx, &si, &d->iface, &sources, &children), STATUS_SUCCESS);
	return d;
}

static NTSTATUS map(drv *d, WORD seg, UINT32 *slots, UINT64 *pages, UINT64 n, HANDLE alloc)
{
	DXGKARG_MAPCPUHOSTAPERTURE m = {.hAllocation = alloc, .SegmentId = seg, .NumberOfPages = n,
					.pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};

	return d->t.DxgkDdiMapCpuHostAperture(d->adapter, &m);
}

static NTSTATUS unmap(drv *d, WORD seg, UINT32 *slots, UINT64 n)
{
	DXGKARG_UNMAPCPUHOSTAPERTURE u = {.NumberOfPages = n, .pCpuHostAperturePages = slots, .SegmentId = seg};

	return d->t.DxgkDdiUnmapCpuHostAperture(d->adapter, &u);
}

static int slot_page(drv *d, UINT seg, UINT slot, UINT64 *page)
{
	NTSTATUS st = d->probe_slot(d->adapter, seg, slot, page);

	assert_true(st == STATUS_SUCCESS || st == DDIRR_PROBE_NOT_FOUND);
	return st == STATUS_SUCCESS;
}

static NTSTATUS paging(drv *d, DXGKARG_BUILDPAGINGBUFFER *b)
{
	b->pDmaBuffer = d->dma;
	b->DmaSize = sizeof(d->dma);
	return d->t.DxgkDdiBuildPagingBuffer(d->adapter, b);
}

/* Writes n PTEs of `level` into the table at segment-3 offset `table`. */
static void ptes(drv *d, HANDLE process, UINT level, uint64_t table, UINT start, const DXGK_PTE *e, UINT n, int repeat,
		 HANDLE alloc, uint64_t alloc_offset, uint64_t first_va)
{
	DXGKARG_BUILDPAGINGBUFFER b;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	b.UpdatePageTable.PageTableLevel = level;
	b.UpdatePageTable.hAllocation = alloc;
	b.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentId = PT_SEGMENT;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentOffset = table;
	b.UpdatePageTable.pPageTableEntries = (DXGK_PTE *)e;
	b.UpdatePageTable.StartIndex = start;
	b.UpdatePageTable.NumPageTableEntries = n;
	b.UpdatePageTable.Flags.Repeat = repeat;
	b.UpdatePageTable.AllocationOffsetInBytes = alloc_offset;
	b.UpdatePageTable.hProcess = process;
	b.UpdatePageTable.FirstPteVirtualAddress = first_va;
	assert_int_equal(paging(d, &b), STATUS_SUCCESS);
}

static DXGK_PTE pte(UINT seg, uint64_t page)
{
	DXGK_PTE e;

	memset(&e, 0, sizeof(e));
	e.Valid = 1;
	e.Segment = seg;
	e.PageAddress = page;
	return e;
}

/* A process whose root is at segment-3 offset `root`, set through a
   system context (which makes no context allocation). */
static HANDLE process_with_root(drv *d, uint64_t root, uint64_t dxgk)
{
	DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = P(dxgk)};
	DXGKARG_CREATEDEVICE cd = {.hDevice = P(dxgk + 1)};
	DXGKARG_CREATECONTEXT cc = {.hContext = P(dxgk + 2)};
	DXGKARG_SETROOTPAGETABLE sr;

	assert_int_equal(d->t.DxgkDdiCreateProcess(d->adapter, &cp), STATUS_SUCCESS);
	cd.hKmdProcess = cp.hKmdProcess;
	cd.Flags.SystemDevice = 1;
	assert_int_equal(d->t.DxgkDdiCreateDevice(d->adapter, &cd), STATUS_SUCCESS);
	cc.Flags.SystemContext = 1;
	assert_int_equal(d->t.DxgkDdiCreateContext(cd.hDevice, &cc), STATUS_SUCCESS);
	memset(&sr, 0, sizeof(sr));
	sr.hContext = cc.hContext;
	sr.Address.SegmentId = PT_SEGMENT;
	sr.Address.SegmentOffset = root;
	sr.NumEntries = 512;
	d->t.DxgkDdiSetRootPageTable(d->adapter, &sr);
	return cp.hKmdProcess;
}

/* Root at `root`, one level-1 table and one leaf below it for va. */
static void tables_for(drv *d, HANDLE proc, uint64_t root, uint64_t l1, uint64_t leaf, uint64_t va)
{
	DXGK_PTE none, e;

	memset(&none, 0, sizeof(none));
	ptes(d, proc, 2, root, 0, &none, 512, 1, NULL, 0, 0);
	ptes(d, proc, 1, l1, 0, &none, 512, 1, NULL, 0, 0);
	ptes(d, proc, 0, leaf, 0, &none, 512, 1, NULL, 0, 0);
	e = pte(PT_SEGMENT, l1 >> 12);
	ptes(d, proc, 2, root, (UINT)(va >> 30 & 511), &e, 1, 0, NULL, 0, 0);
	e = pte(PT_SEGMENT, leaf >> 12);
	ptes(d, proc, 1, l1, (UINT)(va >> 21 & 511), &e, 1, 0, NULL, 0, 0);
}

static int va_page(drv *d, HANDLE proc, uint64_t va, UINT *seg, UINT64 *page)
{
	NTSTATUS st = d->probe_va(d->adapter, proc, va, seg, page);

	assert_true(st == STATUS_SUCCESS || st == DDIRR_PROBE_NOT_FOUND);
	return st == STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */

static void samplekmd__every_version_registers_every_ddi_and_the_probe(void **state)
{
	char want[32];
	int v;

	(void)state;
	for (v = 0; v < 8; v++) {
		drv *d = load(v);
		const DRIVER_INITIALIZATION_DATA *t = &d->t;

		snprintf(want, sizeof(want), "samplekmd 1.%d", v);
		assert_string_equal(d->version, want);
		assert_true(t->DxgkDdiAddDevice && t->DxgkDdiStartDevice && t->DxgkDdiStopDevice && t->DxgkDdiRemoveDevice);
		assert_true(t->DxgkDdiQueryAdapterInfo && t->DxgkDdiCreateDevice && t->DxgkDdiDestroyDevice);
		assert_true(t->DxgkDdiCreateAllocation && t->DxgkDdiDestroyAllocation && t->DxgkDdiOpenAllocation &&
			    t->DxgkDdiCloseAllocation);
		assert_true(t->DxgkDdiCreateContext && t->DxgkDdiDestroyContext && t->DxgkDdiBuildPagingBuffer);
		assert_true(t->DxgkDdiCreateProcess && t->DxgkDdiDestroyProcess && t->DxgkDdiSetRootPageTable &&
			    t->DxgkDdiGetRootPageTableSize);
		assert_true(t->DxgkDdiMapCpuHostAperture && t->DxgkDdiUnmapCpuHostAperture);
		assert_non_null(d->probe_slot);
		assert_non_null(d->probe_va);
	}
}

static void samplekmd__query_segment4_answers_count_then_descriptors(void **state)
{
	drv *d = load(0);
	DXGK_QUERYSEGMENTIN4 in = {0};
	DXGK_QUERYSEGMENTOUT4 out;
	DXGK_SEGMENTDESCRIPTOR4 s[4];
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &in, .InputDataSize = sizeof(in),
				      .pOutputData = &out, .OutputDataSize = sizeof(out)};

	(void)state;
	memset(&out, 0, sizeof(out));
	assert_int_equal(d->t.DxgkDdiQueryAdapterInfo(d->adapter, &q), STATUS_SUCCESS);
	assert_int_equal(out.NbSegment, 4);
	out.pSegmentDescriptor = (BYTE *)s;
	out.SegmentDescriptorStride = sizeof(s[0]);
	assert_int_equal(d->t.DxgkDdiQueryAdapterInfo(d->adapter, &q), STATUS_SUCCESS);
	assert_true(s[0].Flags.Use64KBPages && s[0].Flags.SupportsCpuHostAperture);
	assert_int_equal(s[1].Flags.Use64KBPages, 0);
	assert_true(s[2].Flags.SupportsCpuHostAperture);
	assert_int_equal(s[2].CpuHostAperture.PhysicalAddress, APERTURE3_BASE);
	assert_true(s[3].Flags.Aperture);
}

static void samplekmd__unmap_unmaps_every_slot_it_names(void **state)
{
	UINT32 slots[3] = {5, 9, 2};
	UINT64 pages[3] = {40, 41, 42}, page;
	int v, i;

	(void)state;
	for (v = 0; v < 8; v++) {
		drv *d = load(v);
		int stale = v >= 5; /* 1.5 leaves the last slot mapped */

		assert_int_equal(map(d, 2, slots, pages, 3, P(0x10000040)), STATUS_SUCCESS);
		for (i = 0; i < 3; i++) {
			assert_true(slot_page(d, 2, slots[i], &page));
			assert_int_equal(page, pages[i]);
		}
		assert_int_equal(unmap(d, 2, slots, 3), STATUS_SUCCESS);
		assert_false(slot_page(d, 2, slots[0], &page));
		assert_false(slot_page(d, 2, slots[1], &page));
		if (stale)
			assert_true(slot_page(d, 2, slots[2], &page) && page == 42);
		else
			assert_false(slot_page(d, 2, slots[2], &page));
		/* A one-slot unmap works in every version. */
		assert_int_equal(unmap(d, 2, &slots[2], 1), STATUS_SUCCESS);
		assert_false(slot_page(d, 2, slots[2], &page));
	}
}

static void samplekmd__map_refuses_slots_and_pages_out_of_range_without_programming_any(void **state)
{
	drv *d = load(0);
	UINT32 slots[2] = {1, 64}; /* segment 1 has 64 slots */
	UINT64 pages[2] = {3, 4}, page;
	UINT32 one = 1;
	UINT64 past = 256; /* segment 1 has 256 pages of 64 KB */

	(void)state;
	assert_int_equal(map(d, 1, slots, pages, 2, NULL), STATUS_INVALID_PARAMETER);
	assert_false(slot_page(d, 1, 1, &page));
	assert_int_equal(map(d, 1, &one, &past, 1, NULL), STATUS_INVALID_PARAMETER);
	assert_int_equal(map(d, 4, &one, pages, 1, NULL), STATUS_INVALID_PARAMETER); /* the GART has no host aperture */
	assert_int_equal(d->probe_slot(d->adapter, 1, 64, &page), STATUS_INVALID_PARAMETER);
}

static void samplekmd__three_levels_of_page_tables_translate_a_va(void **state)
{
	drv *d = load(0);
	uint64_t va = (384ull << 30) + (5ull << 21) + 7 * 4096;
	HANDLE proc = process_with_root(d, 0x10000, 0xD1000040);
	DXGK_PTE e[4];
	UINT seg;
	UINT64 page;
	int i;

	(void)state;
	tables_for(d, proc, 0x10000, 0x11000, 0x12000, va);
	assert_false(va_page(d, proc, va, &seg, &page));
	for (i = 0; i < 4; i++)
		e[i] = pte(1, 0x300 + i);
	ptes(d, proc, 0, 0x12000, (UINT)(va >> 12 & 511), e, 4, 0, P(0x10000040), 0, va);
	for (i = 0; i < 4; i++) {
		assert_true(va_page(d, proc, va + i * 4096ull, &seg, &page));
		assert_int_equal(seg, 1);
		assert_int_equal(page, 0x300 + i);
	}
	assert_false(va_page(d, proc, va + 4 * 4096ull, &seg, &page));
	/* Repeat copies one entry: an invalid one clears the range. */
	memset(&e[0], 0, sizeof(e[0]));
	ptes(d, proc, 0, 0x12000, (UINT)(va >> 12 & 511) + 1, e, 2, 1, P(0x10000040), 4096, va + 4096);
	assert_true(va_page(d, proc, va, &seg, &page));
	assert_false(va_page(d, proc, va + 4096, &seg, &page));
	assert_false(va_page(d, proc, va + 2 * 4096ull, &seg, &page));
	assert_true(va_page(d, proc, va + 3 * 4096ull, &seg, &page));
	/* Above 39 bits there is nothing. */
	assert_false(va_page(d, proc, va | 1ull << 40, &seg, &page));
}

static void samplekmd__cpu_updates_reach_the_table_through_the_host_aperture(void **state)
{
	drv *d = load(1);
	uint64_t va = (384ull << 30) + 4096;
	HANDLE proc = process_with_root(d, 0x20000, 0xD1000080);
	DXGKARG_BUILDPAGINGBUFFER b;
	UINT32 slot = 7;
	UINT64 leaf_page = 0x22000 / 4096, got;
	DXGK_PTE e = pte(2, 0x55);
	UINT seg;

	(void)state;
	tables_for(d, proc, 0x20000, 0x21000, 0x22000, va);
	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	b.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_CPU_VIRTUAL;
	b.UpdatePageTable.PageTableAddress.CpuVirtual = (PVOID)(uintptr_t)(APERTURE3_BASE + slot * 4096u);
	b.UpdatePageTable.pPageTableEntries = &e;
	b.UpdatePageTable.StartIndex = 1;
	b.UpdatePageTable.NumPageTableEntries = 1;
	/* Slot 7 maps nothing yet: the CPU write is lost. */
	assert_int_equal(d->t.DxgkDdiBuildPagingBuffer(d->adapter, &b), STATUS_SUCCESS);
	assert_false(va_page(d, proc, va, &seg, &got));
	/* Slot 7 -> the leaf table's page: now it lands there. */
	assert_int_equal(map(d, PT_SEGMENT, &slot, &leaf_page, 1, NULL), STATUS_SUCCESS);
	assert_int_equal(d->t.DxgkDdiBuildPagingBuffer(d->adapter, &b), STATUS_SUCCESS);
	assert_true(va_page(d, proc, va, &seg, &got));
	assert_int_equal(seg, 2);
	assert_int_equal(got, 0x55);
	assert_int_equal(unmap(d, PT_SEGMENT, &slot, 1), STATUS_SUCCESS);
}

/* The same allocation offset rewritten with a new page, as after a move. */
static void samplekmd__a_moved_allocations_ptes_follow_it_except_in_1_4_to_1_7(void **state)
{
	int v;

	(void)state;
	for (v = 0; v < 8; v++) {
		drv *d = load(v);
		uint64_t va = (384ull << 30) + (9ull << 21);
		HANDLE proc = process_with_root(d, 0x30000, 0xD1000100);
		DXGK_PTE before = pte(1, 0x100), after = pte(1, 0x200);
		UINT seg;
		UINT64 page;

		tables_for(d, proc, 0x30000, 0x31000, 0x32000, va);
		ptes(d, proc, 0, 0x32000, (UINT)(va >> 12 & 511), &before, 1, 0, P(0x10000040), 0, va);
		ptes(d, proc, 0, 0x32000, (UINT)(va >> 12 & 511), &after, 1, 0, P(0x10000040), 0, va);
		assert_true(va_page(d, proc, va, &seg, &page));
		assert_int_equal(page, v >= 4 ? 0x100 : 0x200);
	}
}

static void samplekmd__paging_engine_copies_and_fills_vram(void **state)
{
	drv *d = load(0);
	uint64_t va = (384ull << 30) + (3ull << 21);
	HANDLE proc = process_with_root(d, 0x40000, 0xD1000140);
	DXGK_PTE e = pte(1, 0x77);
	DXGKARG_BUILDPAGINGBUFFER b;
	MDL mdl;
	UINT seg;
	UINT64 page;

	(void)state;
	tables_for(d, proc, 0x40000, 0x41000, 0x42000, va);
	ptes(d, proc, 0, 0x42000, (UINT)(va >> 12 & 511), &e, 1, 0, NULL, 0, va);
	assert_true(va_page(d, proc, va, &seg, &page));
	/* The leaf table goes to system memory, is cleared, and comes back. */
	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_TRANSFER;
	b.Transfer.TransferSize = 4096;
	b.Transfer.Source.SegmentId = PT_SEGMENT;
	b.Transfer.Source.SegmentAddress.QuadPart = 0x42000;
	b.Transfer.Destination.pMdl = &mdl;
	assert_int_equal(paging(d, &b), STATUS_SUCCESS);
	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_FILL;
	b.Fill.FillSize = 4096;
	b.Fill.Destination.SegmentId = PT_SEGMENT;
	b.Fill.Destination.SegmentAddress.QuadPart = 0x42000;
	assert_int_equal(paging(d, &b), STATUS_SUCCESS);
	assert_false(va_page(d, proc, va, &seg, &page));
	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_TRANSFER;
	b.Transfer.TransferSize = 4096;
	b.Transfer.Source.pMdl = &mdl;
	b.Transfer.Destination.SegmentId = PT_SEGMENT;
	b.Transfer.Destination.SegmentAddress.QuadPart = 0x42000;
	assert_int_equal(paging(d, &b), STATUS_SUCCESS);
	assert_true(va_page(d, proc, va, &seg, &page));
	assert_int_equal(page, 0x77);
	/* A range past the segment is refused. */
	b.Transfer.Destination.SegmentAddress.QuadPart = 2 << 20;
	assert_int_equal(paging(d, &b), STATUS_INVALID_PARAMETER);
}

static void samplekmd__create_process_reserves_one_leaf_table_of_va(void **state)
{
	drv *d = load(0);
	DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = P(0xD1000180)};
	int before = cb.reserves;

	(void)state;
	assert_int_equal(d->t.DxgkDdiCreateProcess(d->adapter, &cp), STATUS_SUCCESS);
	assert_int_equal(cb.reserves, before + 1);
	assert_int_equal(cb.reserve_size, 2u << 20);
	assert_non_null(cp.hKmdProcess);
	assert_int_equal(d->t.DxgkDdiDestroyProcess(d->adapter, cp.hKmdProcess), STATUS_SUCCESS);
}

/* A 3D context's ring is 64 KB (16 pages of 4 KB), a copy context's 256 KB
   (64 pages); 1.2 maps the copy ring as 1024 pages. */
static void samplekmd__contexts_map_their_ring_in_4kb_pages(void **state)
{
	int v;

	(void)state;
	for (v = 0; v < 8; v++) {
		drv *d = load(v);
		DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = P(0xD10001C0)};
		DXGKARG_CREATEDEVICE cd = {.hDevice = P(0xD20001C0)};
		DXGKARG_CREATECONTEXT c0 = {.hContext = P(0xD30001C0)}, c1 = {.hContext = P(0xD3000200), .NodeOrdinal = 1};
		int creates = cb.creates, maps = cb.maps;

		assert_int_equal(d->t.DxgkDdiCreateProcess(d->adapter, &cp), STATUS_SUCCESS);
		cd.hKmdProcess = cp.hKmdProcess;
		assert_int_equal(d->t.DxgkDdiCreateDevice(d->adapter, &cd), STATUS_SUCCESS);
		assert_int_equal(d->t.DxgkDdiCreateContext(cd.hDevice, &c0), STATUS_SUCCESS);
		assert_int_equal(cb.creates, creates + 1);
		assert_int_equal(cb.maps, maps + 1);
		assert_int_equal(cb.map_pages, 16);
		assert_int_equal(d->t.DxgkDdiCreateContext(cd.hDevice, &c1), STATUS_SUCCESS);
		assert_int_equal(cb.map_pages, v == 2 ? 1024 : 64);
		/* The ring is freed with dxgkrnl's handle, except in 1.6. */
		assert_int_equal(d->t.DxgkDdiDestroyContext(c1.hContext), STATUS_SUCCESS);
		if (v == 6)
			assert_true(cb.destroyed >> 28 == 1); /* the driver's own allocation handle */
		else
			assert_int_equal(cb.destroyed, 0xCA000000u + 0x40 * cb.next_ctx);
		assert_int_equal(d->t.DxgkDdiDestroyContext(c0.hContext), STATUS_SUCCESS);
		assert_int_equal(d->t.DxgkDdiDestroyDevice(cd.hDevice), STATUS_SUCCESS);
	}
}

static void samplekmd__allocation_size_and_segments_follow_the_umd_private_data(void **state)
{
	drv *d = load(0);
	samplekmd_alloc_desc want = {SAMPLEKMD_ALLOC_MAGIC, SAMPLEKMD_ALLOC_STAGING, 100, 0};
	DXGK_ALLOCATIONINFO ai[2];
	DXGKARG_CREATEALLOCATION ca = {.NumAllocations = 2, .pAllocationInfo = ai};
	HANDLE list[2];
	DXGKARG_DESTROYALLOCATION da = {.NumAllocations = 2, .pAllocationList = list};

	(void)state;
	memset(ai, 0, sizeof(ai));
	ai[0].pPrivateDriverData = &want;
	ai[0].PrivateDriverDataSize = sizeof(want);
	assert_int_equal(d->t.DxgkDdiCreateAllocation(d->adapter, &ca), STATUS_SUCCESS);
	assert_int_equal(ai[0].Size, 128u << 10);
	assert_int_equal(ai[0].SupportedWriteSegmentSet, 0x2);
	assert_int_equal(ai[0].Alignment, 64u << 10);
	assert_int_equal(ai[1].Size, 64u << 10); /* no private data: a 64 KB buffer */
	assert_int_equal(ai[1].SupportedWriteSegmentSet, 0x1);
	assert_true(ai[0].hAllocation && ai[1].hAllocation && ai[0].hAllocation != ai[1].hAllocation);
	list[0] = ai[0].hAllocation;
	list[1] = ai[1].hAllocation;
	assert_int_equal(d->t.DxgkDdiDestroyAllocation(d->adapter, &da), STATUS_SUCCESS);
	assert_int_equal(d->t.DxgkDdiDestroyAllocation(d->adapter, &da), STATUS_INVALID_PARAMETER);
}

/* 1.1 writes one command for a repeated PTE; 1.0 one per entry, which a
   small DMA buffer cannot hold. Only the DMA buffer differs. */
static void samplekmd__1_1_packs_a_repeated_pte_into_one_command(void **state)
{
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		drv *d = load(v);
		uint8_t small[1024];
		DXGK_PTE none;
		DXGKARG_BUILDPAGINGBUFFER b;

		memset(&none, 0, sizeof(none));
		memset(&b, 0, sizeof(b));
		b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
		b.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
		b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentId = PT_SEGMENT;
		b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentOffset = 0x50000;
		b.UpdatePageTable.pPageTableEntries = &none;
		b.UpdatePageTable.NumPageTableEntries = 512;
		b.UpdatePageTable.Flags.Repeat = 1;
		b.pDmaBuffer = small;
		b.DmaSize = sizeof(small);
		if (v == 0) {
			assert_int_equal(d->t.DxgkDdiBuildPagingBuffer(d->adapter, &b), STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER);
		} else {
			assert_int_equal(d->t.DxgkDdiBuildPagingBuffer(d->adapter, &b), STATUS_SUCCESS);
			assert_true((uint8_t *)b.pDmaBuffer > small && (uint8_t *)b.pDmaBuffer <= small + 64);
			assert_int_equal(b.DmaSize, sizeof(small)); /* dxgkrnl's to keep */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(samplekmd__every_version_registers_every_ddi_and_the_probe),
		cmocka_unit_test(samplekmd__query_segment4_answers_count_then_descriptors),
		cmocka_unit_test(samplekmd__unmap_unmaps_every_slot_it_names),
		cmocka_unit_test(samplekmd__map_refuses_slots_and_pages_out_of_range_without_programming_any),
		cmocka_unit_test(samplekmd__three_levels_of_page_tables_translate_a_va),
		cmocka_unit_test(samplekmd__cpu_updates_reach_the_table_through_the_host_aperture),
		cmocka_unit_test(samplekmd__a_moved_allocations_ptes_follow_it_except_in_1_4_to_1_7),
		cmocka_unit_test(samplekmd__paging_engine_copies_and_fills_vram),
		cmocka_unit_test(samplekmd__1_1_packs_a_repeated_pte_into_one_command),
		cmocka_unit_test(samplekmd__create_process_reserves_one_leaf_table_of_va),
		cmocka_unit_test(samplekmd__contexts_map_their_ring_in_4kb_pages),
		cmocka_unit_test(samplekmd__allocation_size_and_segments_follow_the_umd_private_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
