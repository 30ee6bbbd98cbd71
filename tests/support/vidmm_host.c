/* A VidMm stand-in making valid call sequences (see vidmm_host.h). */
#include "vidmm_host.h"

#include <stdlib.h>
#include <string.h>

#include "ddirr/ddi.h"
#include "ddirr/error.h"

#define P(x) ((HANDLE)(uintptr_t)(x))

typedef struct host {
	ddirr_model *m;
	host_sink_fn sink;
	void *ctx;
	uint64_t seq;
	uint64_t parent;
	int rc;
	uint64_t next_handle;
	uint64_t live[4096];      /* allocation handles */
	uint64_t live_size[4096]; /* their sizes */
	uint32_t live_set[4096];  /* their segment sets */
	size_t n_live;
} host;

static void emit(host *h, uint64_t seq, uint32_t ddi, uint32_t phase, const void *frame)
{
	ddirr_event ev = {.seq = seq, .parent_seq = ddirr_ddi_kind(ddi) == DDIRR_KIND_CB ? h->parent : 0,
			  .time_ns = seq * 700 + phase, .thread = 1, .ddi = ddi, .phase = phase, .frame = frame};

	if (h->rc)
		return;
	if (ddirr_model_apply(h->m, &ev) < 0)
		h->rc = DDIRR_ENOMEM;
	else
		h->rc = h->sink(h->ctx, &ev);
}

static uint64_t call(host *h, uint32_t ddi, const void *in, const void *out)
{
	uint64_t seq = ++h->seq;

	emit(h, seq, ddi, DDIRR_PHASE_ENTRY, in);
	emit(h, seq, ddi, DDIRR_PHASE_EXIT, out);
	return seq;
}

static const ddirr_model_segment segments[] = {
	{.flags = 0x2800, .size = 256u << 20, .page_size = 65536, .aperture_base = 0xE0000000u, .aperture_slots = 256},
	{.flags = 0x2000, .size = 64u << 20, .page_size = 4096, .aperture_base = 0xF0000000u, .aperture_slots = 1024},
	{.flags = 0x1, .size = 512u << 20, .page_size = 4096},
};

static void setup(host *h)
{
	HANDLE miniport = P(0xA000);
	ddirr_frame_AddDevice add = {.PhysicalDeviceObject = (PDEVICE_OBJECT)0xF001, .MiniportDeviceContext = &miniport};
	DXGK_START_INFO si = {0};
	DXGKRNL_INTERFACE iface;
	ULONG one = 1;
	ddirr_frame_StartDevice start = {.MiniportDeviceContext = miniport, .DxgkStartInfo = &si, .DxgkInterface = &iface,
					 .NumberOfVideoPresentSources = &one, .NumberOfChildren = &one};
	DXGK_SEGMENTDESCRIPTOR4 seg[3];
	DXGK_QUERYSEGMENTIN4 in = {0};
	DXGK_QUERYSEGMENTOUT4 out = {.NbSegment = 3, .pSegmentDescriptor = (BYTE *)seg,
				     .SegmentDescriptorStride = sizeof(seg[0])};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &in, .InputDataSize = sizeof(in),
				      .pOutputData = &out, .OutputDataSize = sizeof(out)};
	ddirr_frame_QueryAdapterInfo qf = {.hAdapter = P(0xA000), .pQueryAdapterInfo = &q};
	DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = P(0x500), .Flags.SystemProcess = 1}, cp_out = cp;
	ddirr_frame_CreateProcess cpf = {.hAdapter = P(0xA000), .pArgs = &cp}, cpf_out = {.pArgs = &cp_out};
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r = {.hDxgkProcess = P(0x500), .SizeInBytes = 16u << 20,
						      .Alignment = 2u << 20}, r_out = {.StartVirtualAddress = 1ull << 32};
	ddirr_frame_ReserveGpuVirtualAddressRange rf = {.hAdapter = P(0xD000), .pArgs = &r}, rf_out = {.pArgs = &r_out};
	DXGKARG_CREATEDEVICE cd = {.hDevice = P(0x700), .hKmdProcess = P(0x600)}, cd_out = {.hDevice = P(0x710)};
	ddirr_frame_CreateDevice cdf = {.hAdapter = P(0xA000), .pCreateDevice = &cd}, cdf_out = {.pCreateDevice = &cd_out};
	size_t i;
	uint64_t seq;

	memset(&iface, 0, sizeof(iface));
	iface.DeviceHandle = P(0xD000);
	call(h, DDIRR_DDI_AddDevice, &add, &add);
	call(h, DDIRR_DDI_StartDevice, &start, &start);
	memset(seg, 0, sizeof(seg));
	for (i = 0; i < 3; i++) {
		seg[i].Flags.Value = segments[i].flags;
		seg[i].Size = segments[i].size;
		seg[i].CpuHostAperture.PhysicalAddress = segments[i].aperture_base;
		seg[i].CpuHostAperture.SizeInPages = segments[i].aperture_slots;
	}
	call(h, DDIRR_DDI_QueryAdapterInfo, &qf, &qf);
	seq = ++h->seq;
	emit(h, seq, DDIRR_DDI_CreateProcess, DDIRR_PHASE_ENTRY, &cpf);
	h->parent = seq;
	call(h, DDIRR_DDI_ReserveGpuVirtualAddressRange, &rf, &rf_out);
	h->parent = 0;
	cp_out.hKmdProcess = P(0x600);
	emit(h, seq, DDIRR_DDI_CreateProcess, DDIRR_PHASE_EXIT, &cpf_out);
	call(h, DDIRR_DDI_CreateDevice, &cdf, &cdf_out);
}

static void paging(host *h, DXGKARG_BUILDPAGINGBUFFER *b)
{
	ddirr_frame_BuildPagingBuffer f = {.hAdapter = P(0xA000), .pBuildPagingBuffer = b};

	call(h, DDIRR_DDI_BuildPagingBuffer, &f, &f);
}

static void unmap_all(host *h, uint64_t a)
{
	uint32_t slots[256];
	uint32_t s;

	for (s = 1; s <= 2; s++) {
		size_t n = ddirr_model_slots_of(h->m, a, s, slots, 256);
		DXGKARG_UNMAPCPUHOSTAPERTURE u = {.NumberOfPages = n, .pCpuHostAperturePages = slots, .SegmentId = (WORD)s};
		ddirr_frame_UnmapCpuHostAperture fin = {.hAdapter = P(0xA000), .pArgs = &u}, fout = {0};

		if (n && n <= 256)
			call(h, DDIRR_DDI_UnmapCpuHostAperture, &fin, &fout);
	}
}

/* Moves a resident allocation to system memory, or to a new place. */
static void move(host *h, uint64_t a, int to_system)
{
	uint32_t seg, nseg;
	uint64_t first, pages, nfirst;
	DXGKARG_BUILDPAGINGBUFFER b;

	if (!ddirr_model_allocation_residency(h->m, a, &seg, &first, &pages))
		return;
	unmap_all(h, a); /* VidMm takes CPU mappings down before it moves memory */
	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_TRANSFER;
	b.Transfer.hAllocation = P(a);
	b.Transfer.TransferSize = pages * segments[seg - 1].page_size;
	b.Transfer.Source.SegmentId = seg;
	b.Transfer.Source.SegmentAddress.QuadPart = (LONGLONG)(first * segments[seg - 1].page_size);
	if (!to_system && ddirr_model_choose_placement(h->m, 1u << (seg - 1), pages * segments[seg - 1].page_size,
						       65536, &nseg, &nfirst) == 0) {
		b.Transfer.Destination.SegmentId = nseg;
		b.Transfer.Destination.SegmentAddress.QuadPart = (LONGLONG)(nfirst * segments[nseg - 1].page_size);
	}
	paging(h, &b);
}

static void create(host *h)
{
	DXGK_ALLOCATIONINFO ai;
	DXGKARG_CREATEALLOCATION ca = {.NumAllocations = 1, .pAllocationInfo = &ai};
	ddirr_frame_CreateAllocation f = {.hAdapter = P(0xA000), .pCreateAllocation = &ca};
	uint64_t handle = h->next_handle++;

	memset(&ai, 0, sizeof(ai));
	ai.hAllocation = P(handle);
	ai.Size = (1 + ddirr_model_random(h->m) % 16) * 65536;
	ai.Alignment = 65536;
	ai.SupportedWriteSegmentSet = 1 + (uint32_t)(ddirr_model_random(h->m) % 3); /* segment 1, 2 or both */
	call(h, DDIRR_DDI_CreateAllocation, &f, &f);
	h->live[h->n_live] = handle;
	h->live_size[h->n_live] = ai.Size;
	h->live_set[h->n_live] = ai.SupportedWriteSegmentSet;
	h->n_live++;
}

static void commit(host *h, uint64_t a, uint64_t size, uint32_t set)
{
	uint32_t seg;
	uint64_t first;
	DXGKARG_BUILDPAGINGBUFFER b;

	if (ddirr_model_choose_placement(h->m, set, size, 65536, &seg, &first))
		return; /* full: it stays evicted */
	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_FILL;
	b.Fill.hAllocation = P(a);
	b.Fill.FillSize = size;
	b.Fill.Destination.SegmentId = seg;
	b.Fill.Destination.SegmentAddress.QuadPart = (LONGLONG)(first * segments[seg - 1].page_size);
	paging(h, &b);
}

static void lock(host *h, uint64_t a)
{
	uint32_t seg, slots[64];
	uint64_t first, pages, i, n, seg_pages[64];
	DXGKARG_MAPCPUHOSTAPERTURE m;
	ddirr_frame_MapCpuHostAperture fin = {.hAdapter = P(0xA000), .pArgs = &m}, fout = {0};

	if (!ddirr_model_allocation_residency(h->m, a, &seg, &first, &pages) ||
	    ddirr_model_slots_of(h->m, a, seg, slots, 64))
		return; /* not resident, or already locked */
	n = pages < 64 ? pages : 64;
	if (ddirr_model_choose_slots(h->m, seg, n, slots))
		return; /* aperture full: the lock waits */
	for (i = 0; i < n; i++)
		seg_pages[i] = first + i;
	m = (DXGKARG_MAPCPUHOSTAPERTURE){.hAllocation = P(a), .SegmentId = (WORD)seg, .NumberOfPages = n,
					 .pCpuHostAperturePages = slots, .pMemorySegmentPages = seg_pages};
	call(h, DDIRR_DDI_MapCpuHostAperture, &fin, &fout);
}

static void destroy(host *h, size_t i)
{
	uint64_t a = h->live[i];
	HANDLE list[1] = {P(a)};
	DXGKARG_DESTROYALLOCATION d = {.NumAllocations = 1, .pAllocationList = list};
	ddirr_frame_DestroyAllocation f = {.hAdapter = P(0xA000), .pDestroyAllocation = &d};

	unmap_all(h, a);
	call(h, DDIRR_DDI_DestroyAllocation, &f, &f);
	h->n_live--;
	h->live[i] = h->live[h->n_live];
	h->live_size[i] = h->live_size[h->n_live];
	h->live_set[i] = h->live_set[h->n_live];
}

int host_run(const host_options *o, host_sink_fn sink, void *ctx)
{
	ddirr_model_options mo = DDIRR_MODEL_OPTIONS_INIT;
	host *h = calloc(1, sizeof(*h));
	uint64_t n;
	int rc;

	if (!h)
		return DDIRR_ENOMEM;
	mo.seed = o->seed;
	mo.chaos = o->chaos;
	h->sink = sink;
	h->ctx = ctx;
	h->next_handle = 0x10000;
	if ((rc = ddirr_model_new(&h->m, &mo))) {
		free(h);
		return rc;
	}
	setup(h);
	for (n = 0; n < o->calls && !h->rc; n++) {
		uint64_t r = ddirr_model_random(h->m), what, a;
		uint32_t seg;
		uint64_t first, pages;
		unsigned kind;
		size_t i;

		if (ddirr_model_choose_chaos(h->m, &a, &kind)) {
			move(h, a, kind == DDIRR_CHAOS_EVICT);
			continue;
		}
		if (!h->n_live || (h->n_live < o->max_live && h->n_live < 4096 && r % 8 == 0)) {
			create(h);
			continue;
		}
		i = (size_t)((r >> 8) % h->n_live);
		a = h->live[i];
		what = (r >> 32) % 10;
		if (!ddirr_model_allocation_residency(h->m, a, &seg, &first, &pages)) {
			if (what == 0)
				destroy(h, i);
			else
				commit(h, a, h->live_size[i], h->live_set[i]);
		} else if (what < 4) {
			lock(h, a);
		} else if (what < 7) {
			unmap_all(h, a);
		} else if (what == 7) {
			move(h, a, 1);
		} else if (what == 8) {
			move(h, a, 0);
		} else {
			destroy(h, i);
		}
	}
	rc = h->rc;
	ddirr_model_free(h->m);
	free(h);
	return rc;
}
