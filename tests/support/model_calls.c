/* Test support: model call sequences (see model_calls.h). */
#include "model_calls.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/ddi.h"

#define P(x) ((HANDLE)(uintptr_t)(x))

static void collect(void *ctx, const ddirr_violation *v)
{
	calls *c = ctx;

	if (c->n_seen < CALLS_MAX_VIOLATIONS)
		c->seen[c->n_seen] = *v;
	c->n_seen++;
}

void calls_init_with(calls *c, const ddirr_model_options *opts)
{
	ddirr_model_options o = *opts;

	memset(c, 0, sizeof(*c));
	o.on_violation = collect;
	o.ctx = c;
	assert_int_equal(ddirr_model_new(&c->m, &o), 0);
	c->thread = 1;
	c->adapter = 0xA000;
	c->dxgk_adapter = 0xD000;
}

void calls_init(calls *c, unsigned chaos, uint64_t seed)
{
	ddirr_model_options o = DDIRR_MODEL_OPTIONS_INIT;

	o.chaos = chaos;
	o.seed = seed;
	calls_init_with(c, &o);
}

void calls_fini(calls *c)
{
	ddirr_model_free(c->m);
	c->m = NULL;
}

void calls_clear(calls *c)
{
	c->n_seen = 0;
}

static void apply(calls *c, uint64_t seq, uint32_t ddi, uint32_t phase, const void *frame)
{
	ddirr_event ev = {.seq = seq, .parent_seq = ddirr_ddi_kind(ddi) == DDIRR_KIND_CB ? c->parent : 0,
			  .time_ns = seq * 1000, .thread = c->thread, .ddi = ddi, .phase = phase, .frame = frame};

	assert_true(ddirr_model_apply(c->m, &ev) >= 0);
}

uint64_t calls_apply(calls *c, uint32_t ddi, const void *in, const void *out)
{
	uint64_t seq = ++c->seq;

	apply(c, seq, ddi, DDIRR_PHASE_ENTRY, in);
	apply(c, seq, ddi, DDIRR_PHASE_EXIT, out);
	return seq;
}

void calls_adapter(calls *c)
{
	HANDLE miniport = P(c->adapter);
	ddirr_frame_AddDevice add = {.PhysicalDeviceObject = (PDEVICE_OBJECT)0xF001, .MiniportDeviceContext = &miniport};
	DXGK_START_INFO si = {0};
	DXGKRNL_INTERFACE iface;
	ULONG one = 1;
	ddirr_frame_StartDevice start = {.MiniportDeviceContext = miniport, .DxgkStartInfo = &si, .DxgkInterface = &iface,
					 .NumberOfVideoPresentSources = &one, .NumberOfChildren = &one};

	memset(&iface, 0, sizeof(iface));
	iface.DeviceHandle = P(c->dxgk_adapter);
	calls_apply(c, DDIRR_DDI_AddDevice, &add, &add);
	calls_apply(c, DDIRR_DDI_StartDevice, &start, &start);
	calls_query_segments(c, 0);
}

uint64_t calls_query_segments(calls *c, uint32_t physical_adapter)
{
	DXGK_SEGMENTDESCRIPTOR4 seg[4];
	DXGK_QUERYSEGMENTIN4 in = {.PhysicalAdapterIndex = physical_adapter};
	DXGK_QUERYSEGMENTOUT4 out = {.NbSegment = 4, .pSegmentDescriptor = (BYTE *)seg,
				     .SegmentDescriptorStride = sizeof(seg[0])};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &in, .InputDataSize = sizeof(in),
				      .pOutputData = &out, .OutputDataSize = sizeof(out)};
	ddirr_frame_QueryAdapterInfo qf = {.hAdapter = P(c->adapter), .pQueryAdapterInfo = &q};

	memset(seg, 0, sizeof(seg));
	seg[0].Flags.Use64KBPages = 1;
	seg[0].Flags.SupportsCpuHostAperture = 1;
	seg[0].Size = 256u << 20;
	seg[0].CpuHostAperture.PhysicalAddress = 0xE0000000u;
	seg[0].CpuHostAperture.SizeInPages = 256;
	seg[1].Flags.SupportsCpuHostAperture = 1;
	seg[1].Size = 64u << 20;
	seg[1].CpuHostAperture.PhysicalAddress = 0xF0000000u;
	seg[1].CpuHostAperture.SizeInPages = 1024;
	seg[2].Flags.Aperture = 1;
	seg[2].Size = 512u << 20;
	seg[3].Flags.CpuVisible = 1;
	seg[3].Size = 64u << 20;
	return calls_apply(c, DDIRR_DDI_QueryAdapterInfo, &qf, &qf);
}

uint64_t calls_stop_device(calls *c)
{
	ddirr_frame_StopDevice f = {.MiniportDeviceContext = P(c->adapter)};

	return calls_apply(c, DDIRR_DDI_StopDevice, &f, &f);
}

uint64_t calls_create_process(calls *c, uint64_t dxgk, uint64_t kmd, uint64_t reserve_va, uint64_t reserve_size)
{
	DXGKARG_CREATEPROCESS in = {.hDxgkProcess = P(dxgk)}, out = in;
	ddirr_frame_CreateProcess fin = {.hAdapter = P(c->adapter), .pArgs = &in}, fout = {.pArgs = &out};
	uint64_t seq = ++c->seq, saved = c->parent;

	apply(c, seq, DDIRR_DDI_CreateProcess, DDIRR_PHASE_ENTRY, &fin);
	if (reserve_size) {
		c->parent = seq;
		calls_reserve(c, dxgk, reserve_size, 1u << 21, 0, reserve_va);
		c->parent = saved;
	}
	out.hKmdProcess = P(kmd);
	apply(c, seq, DDIRR_DDI_CreateProcess, DDIRR_PHASE_EXIT, &fout);
	return seq;
}

uint64_t calls_create_device(calls *c, uint64_t dxgk, uint64_t kmd, uint64_t process)
{
	DXGKARG_CREATEDEVICE in = {.hDevice = P(dxgk), .hKmdProcess = P(process)}, out = {.hDevice = P(kmd)};
	ddirr_frame_CreateDevice fin = {.hAdapter = P(c->adapter), .pCreateDevice = &in}, fout = {.pCreateDevice = &out};

	return calls_apply(c, DDIRR_DDI_CreateDevice, &fin, &fout);
}

uint64_t calls_create_context(calls *c, uint64_t device, uint64_t device_dxgk, uint64_t dxgk, uint64_t kmd, uint64_t ca_driver,
			      uint64_t ca_dxgk, uint64_t ca_size, uint64_t map_va)
{
	DXGKARG_CREATECONTEXT in = {.hContext = P(dxgk)}, out = {.hContext = P(kmd)};
	ddirr_frame_CreateContext fin = {.hDevice = P(device), .pCreateContext = &in}, fout = {.pCreateContext = &out};
	uint64_t seq = ++c->seq, saved = c->parent;

	apply(c, seq, DDIRR_DDI_CreateContext, DDIRR_PHASE_ENTRY, &fin);
	if (ca_dxgk) {
		c->parent = seq;
		calls_create_context_allocation(c, 0, device_dxgk, dxgk, ca_driver, ca_dxgk, ca_size);
		if (map_va)
			calls_map_context_allocation(c, c->dxgk_adapter, ca_dxgk, 0, 0, 0, 0, ca_size / 4096, map_va);
		c->parent = saved;
	}
	apply(c, seq, DDIRR_DDI_CreateContext, DDIRR_PHASE_EXIT, &fout);
	return seq;
}

uint64_t calls_destroy_context(calls *c, uint64_t kmd, uint64_t ca_dxgk)
{
	ddirr_frame_DestroyContext f = {.hContext = P(kmd)};
	uint64_t seq = ++c->seq, saved = c->parent;

	apply(c, seq, DDIRR_DDI_DestroyContext, DDIRR_PHASE_ENTRY, &f);
	if (ca_dxgk) {
		c->parent = seq;
		calls_destroy_context_allocation(c, ca_dxgk);
		c->parent = saved;
	}
	apply(c, seq, DDIRR_DDI_DestroyContext, DDIRR_PHASE_EXIT, &f);
	return seq;
}

uint64_t calls_create_context_allocation(calls *c, uint32_t flags, uint64_t device_dxgk, uint64_t context_dxgk,
					 uint64_t driver, uint64_t dxgk, uint64_t size)
{
	DXGKARGCB_CREATECONTEXTALLOCATION in = {.hAdapter = P(c->dxgk_adapter), .hDevice = P(device_dxgk),
						.hContext = P(context_dxgk), .hDriverAllocation = P(driver),
						.Size = size, .Alignment = 65536, .SupportedSegmentSet = 1};
	DXGKARGCB_CREATECONTEXTALLOCATION out;
	ddirr_frame_CreateContextAllocation fin = {.pArgs = &in}, fout = {.pArgs = &out};

	in.ContextAllocationFlags.Value = flags;
	out = in;
	out.hAllocation = P(dxgk);
	return calls_apply(c, DDIRR_DDI_CreateContextAllocation, &fin, &fout);
}

uint64_t calls_destroy_context_allocation(calls *c, uint64_t dxgk)
{
	ddirr_frame_DestroyContextAllocation f = {.hAdapter = P(c->dxgk_adapter), .hAllocation = P(dxgk)};

	return calls_apply(c, DDIRR_DDI_DestroyContextAllocation, &f, &f);
}

uint64_t calls_destroy_device(calls *c, uint64_t kmd)
{
	ddirr_frame_DestroyDevice f = {.hDevice = P(kmd)};

	return calls_apply(c, DDIRR_DDI_DestroyDevice, &f, &f);
}

uint64_t calls_destroy_process(calls *c, uint64_t kmd)
{
	ddirr_frame_DestroyProcess f = {.hAdapter = P(c->adapter), .hKmdProcess = P(kmd)};

	return calls_apply(c, DDIRR_DDI_DestroyProcess, &f, &f);
}

uint64_t calls_create_allocation(calls *c, uint64_t handle, uint64_t size, uint64_t alignment, uint32_t write_set)
{
	DXGK_ALLOCATIONINFO ai;
	DXGKARG_CREATEALLOCATION ca = {.NumAllocations = 1, .pAllocationInfo = &ai};
	ddirr_frame_CreateAllocation f = {.hAdapter = P(c->adapter), .pCreateAllocation = &ca};

	memset(&ai, 0, sizeof(ai));
	ai.hAllocation = P(handle);
	ai.Size = size;
	ai.Alignment = (UINT)alignment;
	ai.SupportedWriteSegmentSet = write_set;
	return calls_apply(c, DDIRR_DDI_CreateAllocation, &f, &f);
}

uint64_t calls_destroy_allocation(calls *c, uint64_t handle)
{
	HANDLE list[1] = {P(handle)};
	DXGKARG_DESTROYALLOCATION d = {.NumAllocations = 1, .pAllocationList = list};
	ddirr_frame_DestroyAllocation f = {.hAdapter = P(c->adapter), .pDestroyAllocation = &d};

	return calls_apply(c, DDIRR_DDI_DestroyAllocation, &f, &f);
}

uint64_t calls_paging(calls *c, const DXGKARG_BUILDPAGINGBUFFER *b, int32_t status)
{
	ddirr_frame_BuildPagingBuffer fin = {.hAdapter = P(c->adapter),
					     .pBuildPagingBuffer = (DXGKARG_BUILDPAGINGBUFFER *)b};
	ddirr_frame_BuildPagingBuffer fout = fin;

	fout.ReturnValue = status;
	return calls_apply(c, DDIRR_DDI_BuildPagingBuffer, &fin, &fout);
}

static uint64_t paging(calls *c, DXGKARG_BUILDPAGINGBUFFER *b)
{
	return calls_paging(c, b, 0);
}

uint64_t calls_fill(calls *c, uint64_t handle, uint32_t segment, uint64_t address, uint64_t size)
{
	DXGKARG_BUILDPAGINGBUFFER b;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_FILL;
	b.Fill.hAllocation = P(handle);
	b.Fill.FillSize = size;
	b.Fill.Destination.SegmentId = segment;
	b.Fill.Destination.SegmentAddress.QuadPart = (LONGLONG)address;
	return paging(c, &b);
}

uint64_t calls_transfer(calls *c, uint64_t handle, uint32_t src_segment, uint64_t src_address, uint32_t dst_segment,
			uint64_t dst_address, uint64_t size)
{
	DXGKARG_BUILDPAGINGBUFFER b;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_TRANSFER;
	b.Transfer.hAllocation = P(handle);
	b.Transfer.TransferSize = size;
	b.Transfer.Source.SegmentId = src_segment;
	b.Transfer.Source.SegmentAddress.QuadPart = (LONGLONG)src_address;
	b.Transfer.Destination.SegmentId = dst_segment;
	b.Transfer.Destination.SegmentAddress.QuadPart = (LONGLONG)dst_address;
	return paging(c, &b);
}

uint64_t calls_discard(calls *c, uint64_t handle)
{
	DXGKARG_BUILDPAGINGBUFFER b;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_DISCARD_CONTENT;
	b.DiscardContent.hAllocation = P(handle);
	return paging(c, &b);
}

uint64_t calls_map_gart(calls *c, uint32_t segment, uint64_t first, uint64_t n, int map)
{
	DXGKARG_BUILDPAGINGBUFFER b;
	static struct {
		MDL mdl;
		PFN_NUMBER pfn[64];
	} m;

	memset(&b, 0, sizeof(b));
	if (map) {
		b.Operation = DXGK_OPERATION_MAP_APERTURE_SEGMENT;
		b.MapApertureSegment.SegmentId = segment;
		b.MapApertureSegment.OffsetInPages = first;
		b.MapApertureSegment.NumberOfPages = n;
		b.MapApertureSegment.pMdl = n <= 64 ? &m.mdl : NULL;
	} else {
		b.Operation = DXGK_OPERATION_UNMAP_APERTURE_SEGMENT;
		b.UnmapApertureSegment.SegmentId = segment;
		b.UnmapApertureSegment.OffsetInPages = first;
		b.UnmapApertureSegment.NumberOfPages = n;
	}
	return paging(c, &b);
}

uint64_t calls_update_page_table(calls *c, uint64_t handle, uint64_t process, uint32_t level, uint32_t segment,
				 uint64_t first_address, uint64_t n)
{
	DXGKARG_BUILDPAGINGBUFFER b;
	DXGK_PTE pte[64];
	uint64_t i;

	assert_true(n <= 64);
	memset(&b, 0, sizeof(b));
	memset(pte, 0, sizeof(pte));
	for (i = 0; i < n; i++) {
		pte[i].Valid = 1;
		pte[i].Segment = segment;
		pte[i].PageAddress = (first_address >> 12) + i;
	}
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	b.UpdatePageTable.PageTableLevel = level;
	b.UpdatePageTable.hAllocation = P(handle);
	b.UpdatePageTable.hProcess = P(process);
	b.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentId = 1;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentOffset = 0x1000000;
	b.UpdatePageTable.pPageTableEntries = pte;
	b.UpdatePageTable.NumPageTableEntries = (UINT)n;
	return paging(c, &b);
}

uint64_t calls_map(calls *c, uint64_t handle, uint16_t segment, uint64_t n, const uint32_t *slots, const uint64_t *pages,
		   int32_t status)
{
	DXGKARG_MAPCPUHOSTAPERTURE a = {.hAllocation = P(handle), .SegmentId = segment, .NumberOfPages = n,
					.pCpuHostAperturePages = (UINT32 *)slots, .pMemorySegmentPages = (UINT64 *)pages};

	return calls_map_args(c, &a, status);
}

uint64_t calls_map_args(calls *c, const DXGKARG_MAPCPUHOSTAPERTURE *a, int32_t status)
{
	ddirr_frame_MapCpuHostAperture fin = {.hAdapter = P(c->adapter), .pArgs = a}, fout = {.ReturnValue = status};

	return calls_apply(c, DDIRR_DDI_MapCpuHostAperture, &fin, &fout);
}

uint64_t calls_map_range(calls *c, uint64_t handle, uint16_t segment, uint32_t slot, uint64_t page, uint64_t n)
{
	uint32_t slots[256];
	uint64_t pages[256], i;

	assert_true(n <= 256);
	for (i = 0; i < n; i++) {
		slots[i] = slot + (uint32_t)i;
		pages[i] = page + i;
	}
	return calls_map(c, handle, segment, n, slots, pages, 0);
}

uint64_t calls_unmap(calls *c, uint16_t segment, uint64_t n, const uint32_t *slots)
{
	DXGKARG_UNMAPCPUHOSTAPERTURE a = {.NumberOfPages = n, .pCpuHostAperturePages = (UINT32 *)slots,
					  .SegmentId = segment};

	return calls_unmap_args(c, &a, 0);
}

uint64_t calls_unmap_args(calls *c, const DXGKARG_UNMAPCPUHOSTAPERTURE *a, int32_t status)
{
	ddirr_frame_UnmapCpuHostAperture fin = {.hAdapter = P(c->adapter), .pArgs = a}, fout = {.ReturnValue = status};

	return calls_apply(c, DDIRR_DDI_UnmapCpuHostAperture, &fin, &fout);
}

uint64_t calls_unmap_range(calls *c, uint16_t segment, uint32_t slot, uint64_t n)
{
	uint32_t slots[4096];
	uint64_t i;

	assert_true(n <= 4096);
	for (i = 0; i < n; i++)
		slots[i] = slot + (uint32_t)i;
	return calls_unmap(c, segment, n, slots);
}

uint64_t calls_map_context_allocation(calls *c, uint64_t adapter, uint64_t ca_dxgk, uint64_t base, uint64_t min,
				      uint64_t max, uint64_t offset_pages, uint64_t size_pages, uint64_t result)
{
	DXGKARGCB_MAPCONTEXTALLOCATION a = {.BaseAddress = base, .MinimumAddress = min, .MaximumAddress = max,
					    .hAllocation = P(ca_dxgk), .OffsetInPages = offset_pages,
					    .SizeInPages = size_pages};
	ddirr_frame_MapContextAllocation fin = {.hAdapter = P(adapter), .pArgs = &a}, fout = {.ReturnValue = result};

	return calls_apply(c, DDIRR_DDI_MapContextAllocation, &fin, &fout);
}

uint64_t calls_map_context_allocation_args(calls *c, const DXGKARGCB_MAPCONTEXTALLOCATION *a, uint64_t result)
{
	ddirr_frame_MapContextAllocation fin = {.hAdapter = P(c->dxgk_adapter), .pArgs = a},
					 fout = {.ReturnValue = result};

	return calls_apply(c, DDIRR_DDI_MapContextAllocation, &fin, &fout);
}

uint64_t calls_reserve(calls *c, uint64_t process_dxgk, uint64_t size, uint32_t alignment, uint64_t base,
		       uint64_t result)
{
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE in = {.hDxgkProcess = P(process_dxgk), .SizeInBytes = size,
						       .Alignment = alignment, .BaseAddress = base};
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE out = {.StartVirtualAddress = result};
	ddirr_frame_ReserveGpuVirtualAddressRange fin = {.hAdapter = P(c->dxgk_adapter), .pArgs = &in},
						 fout = {.pArgs = &out};

	return calls_apply(c, DDIRR_DDI_ReserveGpuVirtualAddressRange, &fin, &fout);
}

static void dump_seen(const calls *c)
{
	size_t i;

	for (i = 0; i < c->n_seen && i < CALLS_MAX_VIOLATIONS; i++)
		print_error("  seen: %s: %s\n", ddirr_invariant_name(c->seen[i].invariant), c->seen[i].message);
}

void calls_expect(calls *c, int inv, const char *text)
{
	if (c->n_seen != 1 || c->seen[0].invariant != inv || (text && !strstr(c->seen[0].message, text))) {
		dump_seen(c);
		fail_msg("expected exactly one %s%s%s, saw %zu violation(s)", ddirr_invariant_name(inv),
			 text ? " mentioning " : "", text ? text : "", c->n_seen);
	}
	calls_clear(c);
}

const ddirr_violation *calls_expect_one(calls *c, int inv, const char *text)
{
	calls_expect(c, inv, text);
	return &c->seen[0];
}

void calls_expect_none(calls *c)
{
	if (c->n_seen) {
		dump_seen(c);
		fail_msg("expected no violation, saw %zu", c->n_seen);
	}
}
