/* The trace of kmd.c's scenario, written through the writer API (see
 * kmd.h): what kmd_good does, call for call, with optional defects. */
#include <string.h>

#include <nettle/sha2.h>

#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "kmd.h"

#define P(x) ((HANDLE)(uintptr_t)(x))
#define H(n) (KMD_GOOD_HANDLE_BASE + (n) * KMD_HANDLE_STEP)

typedef struct script {
	ddirr_trace_writer *w;
	const kmd_script_options *o;
	uint64_t parent;
	int rc;
	int stopped;
} script;

static void record_digests(script *s, uint64_t seq, uint32_t ddi, uint32_t phase, const void *frame,
			   const ddirr_opaque_digest *digests, uint32_t n_digests)
{
	ddirr_event ev = {.seq = seq, .parent_seq = ddirr_ddi_kind(ddi) == DDIRR_KIND_CB ? s->parent : 0,
			  .time_ns = seq * 1000 + phase, .thread = 1, .ddi = ddi, .phase = phase, .frame = frame,
			  .digests = digests, .n_digests = n_digests};

	if (s->rc || s->stopped)
		return;
	if (s->o->stop_after && seq > s->o->stop_after) {
		s->stopped = 1;
		return;
	}
	s->rc = ddirr_trace_writer_append(s->w, &ev);
	if (s->o->stop_after == seq && phase == DDIRR_PHASE_ENTRY)
		s->stopped = 1;
}

static void record(script *s, uint64_t seq, uint32_t ddi, uint32_t phase, const void *frame)
{
	record_digests(s, seq, ddi, phase, frame, NULL, 0);
}

/* The exit's NTSTATUS: the call's own, unless the options fail this seq. */
static NTSTATUS status(script *s, uint64_t seq)
{
	return s->o->status_at && (uint64_t)s->o->status_at == seq ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}

static HANDLE out_handle(script *s, uint64_t seq, uint64_t h)
{
	return s->o->zero_handle_at && (uint64_t)s->o->zero_handle_at == seq ? NULL : P(h);
}

static void call(script *s, uint64_t seq, uint32_t ddi, const void *in, const void *out)
{
	record(s, seq, ddi, DDIRR_PHASE_ENTRY, in);
	record(s, seq, ddi, DDIRR_PHASE_EXIT, out);
}

static void adapter(script *s)
{
	PVOID ctx = out_handle(s, KMD_SEQ_ADD_DEVICE, H(0));
	ddirr_frame_AddDevice add = {.PhysicalDeviceObject = (PDEVICE_OBJECT)0xF001, .MiniportDeviceContext = &ctx,
				     .ReturnValue = status(s, KMD_SEQ_ADD_DEVICE)};
	DXGK_START_INFO si;
	DXGKRNL_INTERFACE iface;
	ULONG sources = 1, children = 0;
	ddirr_frame_StartDevice start = {.MiniportDeviceContext = P(H(0)), .DxgkStartInfo = &si, .DxgkInterface = &iface,
					 .NumberOfVideoPresentSources = &sources, .NumberOfChildren = &children,
					 .ReturnValue = status(s, KMD_SEQ_START_DEVICE)};
	DXGK_SEGMENTDESCRIPTOR4 d[3]; /* room for a recorded NbSegment of 3 */
	DXGK_QUERYSEGMENTIN4 qin = {0};
	DXGK_QUERYSEGMENTOUT4 qout = {.NbSegment = 2, .pSegmentDescriptor = (BYTE *)d,
				      .SegmentDescriptorStride = sizeof(d[0]), .PagingBufferSegmentId = 1,
				      .PagingBufferSize = 0x10000};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &qin, .InputDataSize = sizeof(qin),
				      .pOutputData = &qout, .OutputDataSize = sizeof(qout)};
	ddirr_frame_QueryAdapterInfo qf = {.hAdapter = P(H(0)), .pQueryAdapterInfo = &q,
					   .ReturnValue = status(s, KMD_SEQ_QUERY_SEGMENTS)};

	memset(&si, 0, sizeof(si));
	memset(&iface, 0, sizeof(iface));
	iface.Size = sizeof(iface);
	iface.Version = DXGKDDI_INTERFACE_VERSION;
	iface.DeviceHandle = P(KMD_DXGK_ADAPTER);
	call(s, KMD_SEQ_ADD_DEVICE, DDIRR_DDI_AddDevice, &add, &add);
	call(s, KMD_SEQ_START_DEVICE, DDIRR_DDI_StartDevice, &start, &start);
	memset(d, 0, sizeof(d));
	kmd_segments(d);
	record(s, KMD_SEQ_QUERY_SEGMENTS, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_ENTRY, &qf);
	if (s->o->nb_segment)
		qout.NbSegment = (UINT)(s->o->nb_segment < 3 ? s->o->nb_segment : 3);
	record(s, KMD_SEQ_QUERY_SEGMENTS, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_EXIT, &qf);
}

static void objects(script *s)
{
	DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = P(0x500)}, cp_out = cp;
	ddirr_frame_CreateProcess cpf = {.hAdapter = P(H(0)), .pArgs = &cp},
				  cpf_out = {.hAdapter = P(H(0)), .pArgs = &cp_out, .ReturnValue = status(s, KMD_SEQ_CREATE_PROCESS)};
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r = {.hDxgkProcess = P(0x500), .SizeInBytes = KMD_RESERVE_SIZE,
						      .Alignment = 2u << 20}, r_out = r;
	ddirr_frame_ReserveGpuVirtualAddressRange rf = {.hAdapter = P(KMD_DXGK_ADAPTER), .pArgs = &r},
						 rf_out = {.hAdapter = P(KMD_DXGK_ADAPTER), .pArgs = &r_out};
	DXGKARG_CREATEDEVICE cd = {.hDevice = P(0x700), .hKmdProcess = P(H(1))}, cd_out = {.hDevice = P(H(2))};
	ddirr_frame_CreateDevice cdf = {.hAdapter = P(H(0)), .pCreateDevice = &cd},
				 cdf_out = {.pCreateDevice = &cd_out, .ReturnValue = status(s, KMD_SEQ_CREATE_DEVICE)};
	DXGKARG_CREATECONTEXT cc = {.hContext = P(0x800)}, cc_out = {.hContext = out_handle(s, KMD_SEQ_CREATE_CONTEXT, H(4))};
	ddirr_frame_CreateContext ccf = {.hDevice = P(H(2)), .pCreateContext = &cc},
				  ccf_out = {.pCreateContext = &cc_out, .ReturnValue = status(s, KMD_SEQ_CREATE_CONTEXT)};
	DXGKARGCB_CREATECONTEXTALLOCATION ca = {.hAdapter = P(KMD_DXGK_ADAPTER), .hDevice = P(0x700),
						.hContext = P(0x800), .hDriverAllocation = P(H(3)), .Size = 64u << 10,
						.Alignment = 64u << 10, .SupportedSegmentSet = 1}, ca_out = ca;
	ddirr_frame_CreateContextAllocation caf = {.pArgs = &ca}, caf_out = {.pArgs = &ca_out};
	DXGKARGCB_MAPCONTEXTALLOCATION m = {.BaseAddress = s->o->map_base_va, .hAllocation = P(KMD_CONTEXT_ALLOCATION),
					    .SizeInPages = 16};
	ddirr_frame_MapContextAllocation mf = {.hAdapter = P(KMD_DXGK_ADAPTER), .pArgs = &m},
					 mf_out = {.ReturnValue = s->o->zero_va ? 0 : KMD_CONTEXT_VA};

	r_out.StartVirtualAddress = KMD_RESERVE_VA;
	record(s, KMD_SEQ_CREATE_PROCESS, DDIRR_DDI_CreateProcess, DDIRR_PHASE_ENTRY, &cpf);
	s->parent = KMD_SEQ_CREATE_PROCESS;
	call(s, KMD_SEQ_CREATE_PROCESS + 1, DDIRR_DDI_ReserveGpuVirtualAddressRange, &rf, &rf_out);
	cp_out.hKmdProcess = out_handle(s, KMD_SEQ_CREATE_PROCESS, H(1));
	record(s, KMD_SEQ_CREATE_PROCESS, DDIRR_DDI_CreateProcess, DDIRR_PHASE_EXIT, &cpf_out);
	call(s, KMD_SEQ_CREATE_DEVICE, DDIRR_DDI_CreateDevice, &cdf, &cdf_out);
	cc_out.ContextInfo.DmaBufferSize = s->o->dma_buffer_size ? (UINT)s->o->dma_buffer_size : 4096;
	record(s, KMD_SEQ_CREATE_CONTEXT, DDIRR_DDI_CreateContext, DDIRR_PHASE_ENTRY, &ccf);
	s->parent = KMD_SEQ_CREATE_CONTEXT;
	ca_out.hAllocation = P(KMD_CONTEXT_ALLOCATION);
	call(s, KMD_SEQ_CREATE_CONTEXT + 1, DDIRR_DDI_CreateContextAllocation, &caf, &caf_out);
	call(s, KMD_SEQ_CREATE_CONTEXT + 2, DDIRR_DDI_MapContextAllocation, &mf, &mf_out);
	record(s, KMD_SEQ_CREATE_CONTEXT, DDIRR_DDI_CreateContext, DDIRR_PHASE_EXIT, &ccf_out);
	s->parent = 0;
}

static void paging(script *s, uint64_t seq, DXGKARG_BUILDPAGINGBUFFER *b)
{
	ddirr_frame_BuildPagingBuffer f = {.hAdapter = P(H(0)), .pBuildPagingBuffer = b, .ReturnValue = status(s, seq)};

	call(s, seq, DDIRR_DDI_BuildPagingBuffer, &f, &f);
}

static void map(script *s, uint64_t seq, UINT32 first_slot, UINT64 first_page, int unmap)
{
	UINT32 slots[2] = {first_slot, first_slot + 1};
	UINT64 pages[2] = {first_page, first_page + 1};
	DXGKARG_MAPCPUHOSTAPERTURE m = {.hAllocation = P(H(5)), .SegmentId = 1, .NumberOfPages = 2,
					.pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	DXGKARG_UNMAPCPUHOSTAPERTURE u = {.NumberOfPages = 2, .pCpuHostAperturePages = slots, .SegmentId = 1};
	ddirr_frame_MapCpuHostAperture mf = {.hAdapter = P(H(0)), .pArgs = &m, .ReturnValue = status(s, seq)};
	ddirr_frame_UnmapCpuHostAperture uf = {.hAdapter = P(H(0)), .pArgs = &u, .ReturnValue = status(s, seq)};

	if (unmap)
		call(s, seq, DDIRR_DDI_UnmapCpuHostAperture, &uf, &uf);
	else
		call(s, seq, DDIRR_DDI_MapCpuHostAperture, &mf, &mf);
}

static void memory(script *s)
{
	DXGK_ALLOCATIONINFO ai, ai_out;
	DXGKARG_CREATEALLOCATION ca = {.NumAllocations = 1, .pAllocationInfo = &ai},
				 ca_out = {.NumAllocations = 1, .pAllocationInfo = &ai_out};
	ddirr_frame_CreateAllocation caf = {.hAdapter = P(H(0)), .pCreateAllocation = &ca},
				     caf_out = {.pCreateAllocation = &ca_out, .ReturnValue = status(s, KMD_SEQ_CREATE_ALLOCATION)};
	DXGKARG_BUILDPAGINGBUFFER b;
	DXGK_PTE pte[4];
	HANDLE list[1] = {P(s->o->stray_handle ? 0xBAD0 : H(5))};
	DXGKARG_DESTROYALLOCATION d = {.NumAllocations = 1, .pAllocationList = list};
	ddirr_frame_DestroyAllocation df = {.hAdapter = P(H(0)), .pDestroyAllocation = &d,
					    .ReturnValue = status(s, KMD_SEQ_DESTROY_ALLOCATION)};
	int i;

	memset(&ai, 0, sizeof(ai));
	memset(&ai_out, 0, sizeof(ai_out));
	ai_out.Size = 1u << 20;
	ai_out.Alignment = 64u << 10;
	ai_out.SupportedReadSegmentSet = 1;
	ai_out.SupportedWriteSegmentSet = 1;
	ai_out.hAllocation = out_handle(s, KMD_SEQ_CREATE_ALLOCATION, H(5));
	ai_out.pAllocationUsageHint = (DXGK_ALLOCATIONUSAGEHINT *)(uintptr_t)KMD_CAPTURED_USAGE_HINT;
	call(s, KMD_SEQ_CREATE_ALLOCATION, DDIRR_DDI_CreateAllocation, &caf, &caf_out);

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_FILL;
	b.Fill.hAllocation = P(H(5));
	b.Fill.FillSize = 1u << 20;
	b.Fill.Destination.SegmentId = 1;
	paging(s, KMD_SEQ_FILL, &b);

	memset(&b, 0, sizeof(b));
	memset(pte, 0, sizeof(pte));
	for (i = 0; i < 4; i++) {
		pte[i].Valid = 1;
		pte[i].Segment = 1;
		pte[i].PageAddress = (ULONGLONG)i;
	}
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	b.UpdatePageTable.hAllocation = P(H(5));
	b.UpdatePageTable.hProcess = P(H(1));
	b.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentId = 1;
	b.UpdatePageTable.PageTableAddress.GpuPhysical.SegmentOffset = 0x1000000;
	b.UpdatePageTable.pPageTableEntries = pte;
	b.UpdatePageTable.NumPageTableEntries = 4;
	b.UpdatePageTable.FirstPteVirtualAddress = KMD_RESERVE_VA + 0x100000;
	paging(s, KMD_SEQ_UPDATE_PAGE_TABLE, &b);

	map(s, KMD_SEQ_MAP1, 0, 0, 0);
	map(s, KMD_SEQ_UNMAP1, 0, 0, !s->o->double_map); /* the bug: maps slots 0 and 1 again */
	if (s->o->double_map)
		map(s, KMD_SEQ_MAP2, 0, 0, 1); /* the unmap it should have been */
	else
		map(s, KMD_SEQ_MAP2, 4, 4, 0);
	map(s, KMD_SEQ_UNMAP2, 4, 4, !s->o->double_map);
	call(s, KMD_SEQ_DESTROY_ALLOCATION, DDIRR_DDI_DestroyAllocation, &df, &df);
}

static void teardown(script *s)
{
	ddirr_frame_DestroyContext dc = {.hContext = P(H(4)), .ReturnValue = status(s, KMD_SEQ_DESTROY_CONTEXT)};
	ddirr_frame_DestroyContextAllocation dca = {.hAdapter = P(KMD_DXGK_ADAPTER), .hAllocation = P(KMD_CONTEXT_ALLOCATION)};
	ddirr_frame_DestroyDevice dd = {.hDevice = P(H(2)), .ReturnValue = status(s, KMD_SEQ_DESTROY_DEVICE)};
	ddirr_frame_DestroyProcess dp = {.hAdapter = P(H(0)), .hKmdProcess = P(H(1)),
					 .ReturnValue = status(s, KMD_SEQ_DESTROY_PROCESS)};

	record(s, KMD_SEQ_DESTROY_CONTEXT, DDIRR_DDI_DestroyContext, DDIRR_PHASE_ENTRY, &dc);
	s->parent = KMD_SEQ_DESTROY_CONTEXT;
	call(s, KMD_SEQ_DESTROY_CONTEXT + 1, DDIRR_DDI_DestroyContextAllocation, &dca, &dca);
	s->parent = 0;
	record(s, KMD_SEQ_DESTROY_CONTEXT, DDIRR_DDI_DestroyContext, DDIRR_PHASE_EXIT, &dc);
	if (s->o->destroy_twice) {
		HANDLE list[1] = {P(H(5))};
		DXGKARG_DESTROYALLOCATION d = {.NumAllocations = 1, .pAllocationList = list};
		ddirr_frame_DestroyAllocation df = {.hAdapter = P(H(0)), .pDestroyAllocation = &d};

		call(s, KMD_SEQ_DESTROY_DEVICE, DDIRR_DDI_DestroyAllocation, &df, &df);
	} else {
		call(s, KMD_SEQ_DESTROY_DEVICE, DDIRR_DDI_DestroyDevice, &dd, &dd);
	}
	call(s, KMD_SEQ_DESTROY_PROCESS, DDIRR_DDI_DestroyProcess, &dp, &dp);
}

/* Seq 22: the UMD's private data, kept whole (privacy tier full), as its
 * size only (metadata: the pointer reads NULL) or as its size and SHA-256
 * (hashed). */
static void private_query(script *s)
{
	char data[KMD_PRIVATE_SIZE] = KMD_PRIVATE_DATA;
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_UMDRIVERPRIVATE, .OutputDataSize = KMD_PRIVATE_SIZE};
	ddirr_frame_QueryAdapterInfo qf = {.hAdapter = P(H(0)), .pQueryAdapterInfo = &q,
					   .ReturnValue = status(s, KMD_SEQ_QUERY_PRIVATE)};
	ddirr_opaque_digest dg = {&q.pOutputData, {0}};
	struct sha256_ctx h;

	record(s, KMD_SEQ_QUERY_PRIVATE, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_ENTRY, &qf);
	sha256_init(&h);
	sha256_update(&h, sizeof(data), (const uint8_t *)data);
	sha256_digest(&h, sizeof(dg.sha256), dg.sha256);
	q.pOutputData = s->o->private_size_only || s->o->private_hashed ? NULL : data;
	record_digests(s, KMD_SEQ_QUERY_PRIVATE, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_EXIT, &qf,
		       s->o->private_hashed ? &dg : NULL, s->o->private_hashed ? 1 : 0);
}

int kmd_script_write(const char *path, const kmd_script_options *o)
{
	static const kmd_script_options none;
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	script s = {.o = o ? o : &none};
	int rc;

	info.provenance.driver_path = "kmd_good";
	info.settings.scenario = "replayer test scenario (tests/replayer/kmd.h)";
	info.settings.privacy = s.o->private_size_only ? "metadata" : s.o->private_hashed ? "hashed" : "full";
	if ((rc = ddirr_trace_writer_open(&s.w, path, &info, NULL)))
		return rc;
	adapter(&s);
	objects(&s);
	memory(&s);
	teardown(&s);
	if (s.o->private_data)
		private_query(&s);
	rc = s.rc;
	if (!rc && !s.stopped)
		rc = ddirr_trace_writer_close(s.w);
	else if (!rc)
		rc = ddirr_trace_writer_flush(s.w); /* then freed unclosed: as a crash leaves it */
	ddirr_trace_writer_free(s.w);
	return rc;
}
