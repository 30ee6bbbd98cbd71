/* dxgkrnl and VidMm for the capture host: every DDI the host issues and
 * every callback the driver makes passes through here. Each is applied to
 * the host's model (so VidMm's next decision sees it, and broken invariants
 * show at once), mapping calls are checked against the driver's probe, and
 * the callbacks are answered the way VidMm answers them: the model invents
 * the handles and chooses the VAs, and the host refuses what VidMm refuses.
 *
 * Also here: the lifecycle of the adapter, processes, devices, contexts and
 * allocations. VidMm's memory work is in residency.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "desc.h"
#include "host.h"
#include "samplekmd.h"

#define H(x) ((uint64_t)(uintptr_t)(x))
#define P(x) ((HANDLE)(uintptr_t)(x))

host *host_current;

/* dxgkrnl's own handles: recognisable, and never a driver's. */
#define DXGK_ADAPTER 0xDA000000u
#define DXGK_PROCESS 0xD1000000u
#define DXGK_DEVICE 0xD2000000u
#define DXGK_CONTEXT 0xD3000000u
#define D3DKMT_FIRST 0x40000004u
#define FAKE_PDO ((PDEVICE_OBJECT)(uintptr_t)0xF0000001u)

void host_finding(host *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!h->res->first_finding[0])
		snprintf(h->res->first_finding, sizeof(h->res->first_finding), "%s", line);
	if (h->opts->log && h->findings_logged++ < 20)
		fprintf(h->opts->log, "capture: %s\n", line);
}

uint64_t host_random(host *h, uint64_t n)
{
	return n ? ddirr_model_random(h->m) % n : 0;
}

uint64_t host_new_dxgk(host *h, uint64_t base)
{
	return base + (++h->next_dxgk) * 0x40;
}

static void apply(host *h, uint64_t seq, uint64_t parent, uint32_t id, uint32_t phase, const void *frame)
{
	ddirr_event ev = {.seq = seq, .parent_seq = parent, .thread = 1, .ddi = id, .phase = phase, .frame = frame};

	if (ddirr_model_apply(h->m, &ev) < 0)
		host_finding(h, "the model ran out of memory at seq %llu", (unsigned long long)seq);
}

/* The return value of a frame: its last field. */
static uint64_t return_value(uint32_t id, const void *frame)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const ddirr_field_desc *f;

	if (!d || d->ret_kind == DDIRR_RET_VOID)
		return 0;
	f = &d->frame->fields[d->frame->n_fields - 1];
	return ddirr_desc_read((const char *)frame + f->offset, f->size);
}

static void set_return(uint32_t id, void *frame, uint64_t v)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const ddirr_field_desc *f;

	if (!d || d->ret_kind == DDIRR_RET_VOID)
		return;
	f = &d->frame->fields[d->frame->n_fields - 1];
	ddirr_desc_write((char *)frame + f->offset, f->size, v);
}

/* ---- the probe, asked after every mapping call */

static void probe_slots(host *h, uint64_t seq, uint32_t id, UINT segment, const UINT32 *slots, UINT64 n)
{
	UINT64 i;

	for (i = 0; slots && i < n; i++) {
		uint64_t want = 0;
		UINT64 got = 0;
		int mapped = ddirr_model_aperture_lookup(h->m, segment, slots[i], &want, NULL);
		NTSTATUS st = h->port.probe_aperture(P(h->adapter_kmd), segment, slots[i], &got);

		if (mapped ? st == STATUS_SUCCESS && got == want : st == DDIRR_PROBE_NOT_FOUND)
			continue;
		h->res->probe_mismatches++;
		if (st == STATUS_SUCCESS && mapped)
			host_finding(h, "probe: after seq %llu %s, segment %u slot %u maps page %llu; it must map page %llu",
				     (unsigned long long)seq, ddirr_ddi_name(id), segment, slots[i],
				     (unsigned long long)got, (unsigned long long)want);
		else if (st == STATUS_SUCCESS)
			host_finding(h, "probe: after seq %llu %s, segment %u slot %u maps page %llu; it must be unmapped",
				     (unsigned long long)seq, ddirr_ddi_name(id), segment, slots[i],
				     (unsigned long long)got);
		else
			host_finding(h, "probe: after seq %llu %s, segment %u slot %u: status 0x%08x; it must map page %llu",
				     (unsigned long long)seq, ddirr_ddi_name(id), segment, slots[i], (unsigned)st,
				     (unsigned long long)want);
	}
}

/* What report_va needs of the call. */
typedef struct va_report {
	host *h;
	uint64_t seq;
} va_report;

static int report_va(void *ctx, const ddirr_model_va_mismatch *mm)
{
	const va_report *c = ctx;

	c->h->res->probe_mismatches++;
	host_finding(c->h, "probe: after seq %llu UpdatePageTable, GPU VA 0x%llx of process 0x%llx reaches %s%u page 0x%llx; "
		     "the PTE says segment %u page 0x%llx",
		     (unsigned long long)c->seq, (unsigned long long)mm->va, (unsigned long long)H(mm->process),
		     mm->status == STATUS_SUCCESS ? "segment " : "nothing (status), segment ", mm->segment,
		     (unsigned long long)mm->page, (unsigned)mm->pte_segment, (unsigned long long)mm->pte_page);
	return 0;
}

static void probe_check(host *h, uint64_t seq, uint32_t id, const void *frame)
{
	switch (id) {
	case DDIRR_DDI_MapCpuHostAperture: {
		const ddirr_frame_MapCpuHostAperture *f = frame;

		if (h->port.probe_aperture && f->pArgs)
			probe_slots(h, seq, id, f->pArgs->SegmentId, f->pArgs->pCpuHostAperturePages,
				    f->pArgs->NumberOfPages);
		break;
	}
	case DDIRR_DDI_UnmapCpuHostAperture: {
		const ddirr_frame_UnmapCpuHostAperture *f = frame;

		if (h->port.probe_aperture && f->pArgs)
			probe_slots(h, seq, id, f->pArgs->SegmentId, f->pArgs->pCpuHostAperturePages,
				    f->pArgs->NumberOfPages);
		break;
	}
	case DDIRR_DDI_BuildPagingBuffer: {
		const ddirr_frame_BuildPagingBuffer *f = frame;
		va_report c = {h, seq};

		if (h->port.probe_va && f->pBuildPagingBuffer &&
		    f->pBuildPagingBuffer->Operation == DXGK_OPERATION_UPDATE_PAGE_TABLE)
			ddirr_model_probe_ptes(&f->pBuildPagingBuffer->UpdatePageTable, h->port.probe_va,
					       P(h->adapter_kmd), report_va, &c);
		break;
	}
	default:
		break;
	}
}

/* ---- DDIs */

NTSTATUS host_ddi(host *h, uint32_t id, void *frame)
{
	uint64_t seq, saved = h->current;
	uint32_t saved_ddi = h->current_ddi;
	uint64_t rv;

	if (!port_has(&h->port, id)) {
		set_return(id, frame, (uint32_t)STATUS_NOT_SUPPORTED);
		return STATUS_NOT_SUPPORTED;
	}
	seq = ++h->seq;
	apply(h, seq, 0, id, DDIRR_PHASE_ENTRY, frame);
	h->current = seq;
	h->current_ddi = id;
	port_call(&h->port, id, frame);
	h->current = saved;
	h->current_ddi = saved_ddi;
	h->res->calls++;
	apply(h, seq, 0, id, DDIRR_PHASE_EXIT, frame);
	probe_check(h, seq, id, frame);
	if (ddirr_ddi_ret_kind(id) != DDIRR_RET_NTSTATUS)
		return STATUS_SUCCESS;
	rv = return_value(id, frame);
	if ((NTSTATUS)rv < 0)
		h->res->failed_calls++;
	return (NTSTATUS)rv;
}

/* ---- callbacks: VidMm's answers */

static host_ring *ring_by_dxgk(host *h, uint64_t dxgk)
{
	int i;

	for (i = 0; i < h->n_rings; i++)
		if (h->rings[i].dxgk == dxgk && !h->rings[i].destroyed)
			return &h->rings[i];
	return NULL;
}

static host_context *context_by_ring(host *h, uint64_t dxgk)
{
	int i;

	for (i = 0; i < HOST_MAX_CONTEXTS; i++)
		if (h->ctx[i].live && h->ctx[i].ring && h->ctx[i].ring->ctx_dxgk == dxgk)
			return &h->ctx[i];
	return NULL;
}

static void answer(host *h, uint32_t id, void *frame, const ddirr_event *entry)
{
	switch (id) {
	case DDIRR_DDI_CreateContextAllocation: {
		ddirr_frame_CreateContextAllocation *f = frame;
		DXGKARGCB_CREATECONTEXTALLOCATION *a = f->pArgs;

		if (!a || H(a->hAdapter) != h->adapter_dxgk || !a->hDriverAllocation ||
		    h->n_rings == (int)(sizeof(h->rings) / sizeof(h->rings[0]))) {
			f->ReturnValue = STATUS_INVALID_PARAMETER;
			break;
		}
		ddirr_model_respond(h->m, entry, frame); /* a fresh dxgkrnl handle */
		if (f->ReturnValue >= 0 && a->hAllocation)
			h->rings[h->n_rings++] = (host_ring){.dxgk = H(a->hAllocation), .kmd = H(a->hDriverAllocation),
							     .size = a->Size, .device_dxgk = H(a->hDevice),
							     .set = a->SupportedSegmentSet};
		break;
	}
	case DDIRR_DDI_MapContextAllocation: {
		ddirr_frame_MapContextAllocation *f = frame;
		const DXGKARGCB_MAPCONTEXTALLOCATION *a = f->pArgs;
		host_ring *r = a ? ring_by_dxgk(h, H(a->hAllocation)) : NULL;

		f->ReturnValue = 0;
		/* VidMm maps only what the allocation holds, in 4 KB pages. */
		if (!r || H(f->hAdapter) != h->adapter_dxgk || !a->SizeInPages ||
		    a->OffsetInPages + a->SizeInPages > (r->size + 4095) / 4096)
			break;
		ddirr_model_respond(h->m, entry, frame);
		if (f->ReturnValue) {
			r->va = f->ReturnValue;
			r->pages = a->SizeInPages;
		}
		break;
	}
	case DDIRR_DDI_DestroyContextAllocation: {
		ddirr_frame_DestroyContextAllocation *f = frame;
		host_ring *r = ring_by_dxgk(h, H(f->hAllocation));
		host_context *c = r ? NULL : context_by_ring(h, H(f->hAllocation));

		if (H(f->hAdapter) != h->adapter_dxgk || (!r && !c)) {
			f->ReturnValue = STATUS_INVALID_PARAMETER;
			break;
		}
		if (r)
			r->destroyed = 1;
		if (c)
			c->ring->ctx_dxgk = 0; /* gone: the host clears up after the DDI */
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_UpdateContextAllocation: {
		ddirr_frame_UpdateContextAllocation *f = frame;
		uint64_t a = f->pArgs ? H(f->pArgs->hAllocation) : 0;

		f->ReturnValue = H(f->hAdapter) == h->adapter_dxgk && a && (ring_by_dxgk(h, a) || context_by_ring(h, a))
					 ? STATUS_SUCCESS
					 : STATUS_INVALID_PARAMETER;
		break;
	}
	case DDIRR_DDI_ReserveGpuVirtualAddressRange: {
		ddirr_frame_ReserveGpuVirtualAddressRange *f = frame;

		/* Only inside DxgkDdiCreateProcess (reference 7.3). */
		if (h->current_ddi != DDIRR_DDI_CreateProcess || H(f->hAdapter) != h->adapter_dxgk || !f->pArgs) {
			f->ReturnValue = STATUS_INVALID_PARAMETER;
			break;
		}
		ddirr_model_respond(h->m, entry, frame);
		break;
	}
	default:
		set_return(id, frame, ddirr_ddi_ret_kind(id) == DDIRR_RET_NTSTATUS ? (uint32_t)STATUS_NOT_SUPPORTED : 0);
		break;
	}
}

void host_callback(uint32_t id, void *frame)
{
	host *h = host_current;
	ddirr_event entry;
	uint64_t seq;

	if (!h) {
		set_return(id, frame, ddirr_ddi_ret_kind(id) == DDIRR_RET_NTSTATUS ? (uint32_t)STATUS_UNSUCCESSFUL : 0);
		return;
	}
	seq = ++h->seq;
	entry = (ddirr_event){.seq = seq, .parent_seq = h->current, .thread = 1, .ddi = id,
			      .phase = DDIRR_PHASE_ENTRY, .frame = frame};
	apply(h, seq, h->current, id, DDIRR_PHASE_ENTRY, frame);
	answer(h, id, frame, &entry);
	apply(h, seq, h->current, id, DDIRR_PHASE_EXIT, frame);
	h->res->callbacks++;
}

/* ---- the adapter */

static DXGKRNL_INTERFACE host_interface;
static DXGK_START_INFO start_info;

static NTSTATUS query(host *h, DXGK_QUERYADAPTERINFOTYPE type, void *in, UINT in_size, void *out, UINT out_size)
{
	DXGKARG_QUERYADAPTERINFO q = {.Type = type, .pInputData = in, .InputDataSize = in_size, .pOutputData = out,
				      .OutputDataSize = out_size};
	ddirr_frame_QueryAdapterInfo f = {.hAdapter = P(h->adapter_kmd), .pQueryAdapterInfo = &q};

	return host_ddi(h, DDIRR_DDI_QueryAdapterInfo, &f);
}

static int query_adapter(host *h)
{
	DXGK_QUERYSEGMENTIN4 in = {0};
	DXGK_QUERYSEGMENTOUT4 out;
	DXGK_SEGMENTDESCRIPTOR4 d[HOST_MAX_SEGMENTS];
	DXGK_GPUMMUCAPS mmu;
	DXGK_PHYSICALADAPTERCAPS caps;
	DXGK_QUERYPHYSICALADAPTERCAPSIN caps_in = {0};
	DXGKARG_GETROOTPAGETABLESIZE rs;
	ddirr_frame_GetRootPageTableSize rf = {.pArgs = &rs};
	UINT i, n;

	/* Two calls: how many segments, then their descriptors (4.3). */
	memset(&out, 0, sizeof(out));
	if (query(h, DXGKQAITYPE_QUERYSEGMENT4, &in, sizeof(in), &out, sizeof(out)) < 0 || !out.NbSegment)
		return -1;
	n = out.NbSegment < HOST_MAX_SEGMENTS ? out.NbSegment : HOST_MAX_SEGMENTS;
	memset(&out, 0, sizeof(out));
	memset(d, 0, sizeof(d));
	out.NbSegment = n;
	out.pSegmentDescriptor = (BYTE *)d;
	out.SegmentDescriptorStride = sizeof(d[0]);
	if (query(h, DXGKQAITYPE_QUERYSEGMENT4, &in, sizeof(in), &out, sizeof(out)) < 0)
		return -1;
	h->n_segments = out.NbSegment < n ? out.NbSegment : n;
	for (i = 0; i < h->n_segments; i++) {
		host_segment *s = &h->seg[i + 1];

		s->id = i + 1;
		s->flags = d[i].Flags.Value;
		s->size = d[i].Size;
		s->page_size = d[i].Flags.Use64KBPages ? 65536 : 4096;
		if (d[i].Flags.SupportsCpuHostAperture) {
			s->aperture_base = d[i].CpuHostAperture.PhysicalAddress;
			s->aperture_slots = d[i].CpuHostAperture.SizeInPages;
		}
	}
	memset(&mmu, 0, sizeof(mmu));
	if (query(h, DXGKQAITYPE_GPUMMUCAPS, NULL, 0, &mmu, sizeof(mmu)) < 0 || mmu.PageTableLevelCount < 2 ||
	    mmu.PageTableLevelCount > HOST_MAX_LEVELS || mmu.VirtualAddressBitCount < 32 ||
	    mmu.VirtualAddressBitCount > 48)
		return -1;
	h->va_bits = mmu.VirtualAddressBitCount;
	h->levels = mmu.PageTableLevelCount;
	for (i = 0; i < h->levels; i++) {
		DXGK_QUERYPAGETABLELEVELDESCIN li = {.LevelIndex = (WORD)i};
		DXGK_PAGE_TABLE_LEVEL_DESC ld;

		memset(&ld, 0, sizeof(ld));
		if (query(h, DXGKQAITYPE_PAGETABLELEVELDESC, &li, sizeof(li), &ld, sizeof(ld)) < 0 ||
		    !ld.PageTableIndexBitCount || ld.PageTableIndexBitCount > 9)
			return -1;
		h->index_bits[i] = ld.PageTableIndexBitCount;
		if (i == 0)
			h->pt_segment = ld.PageTableSegmentId;
	}
	memset(&caps, 0, sizeof(caps));
	query(h, DXGKQAITYPE_PHYSICALADAPTERCAPS, &caps_in, sizeof(caps_in), &caps, sizeof(caps));
	if (h->pt_segment < 1 || h->pt_segment > h->n_segments || h->seg[h->pt_segment].page_size != 4096)
		return -1;
	memset(&rs, 0, sizeof(rs));
	rs.NumberOfPte = 1u << h->index_bits[h->levels - 1];
	rf.hAdapter = P(h->adapter_kmd);
	host_ddi(h, DDIRR_DDI_GetRootPageTableSize, &rf);
	h->root_bytes = rf.ReturnValue;
	h->root_entries = rs.NumberOfPte;
	if (!h->root_bytes || h->root_bytes > 4096)
		return -1; /* the pool hands out 4 KB tables */
	h->pt_pages = h->seg[h->pt_segment].size / 4096;
	h->pt_used = calloc(h->pt_pages, 1);
	return h->pt_used ? 0 : -1;
}

int host_start_adapter(host *h)
{
	PVOID miniport = NULL;
	ULONG sources = 0, children = 0;
	ddirr_frame_AddDevice add = {.PhysicalDeviceObject = FAKE_PDO, .MiniportDeviceContext = &miniport};
	host_device *d;

	if (host_ddi(h, DDIRR_DDI_AddDevice, &add) < 0 || !miniport)
		return -1;
	h->adapter_kmd = H(miniport);
	h->adapter_dxgk = DXGK_ADAPTER;
	memset(&host_interface, 0, sizeof(host_interface));
	host_interface.Size = sizeof(host_interface);
	host_interface.Version = DXGKDDI_INTERFACE_VERSION_WDDM2_3;
	host_interface.DeviceHandle = P(DXGK_ADAPTER);
	port_callbacks(&host_interface);
	memset(&start_info, 0, sizeof(start_info));
	start_info.AdapterLuid.LowPart = 0xdd1;
	{
		ddirr_frame_StartDevice start = {miniport, &start_info, &host_interface, &sources, &children, 0};

		if (host_ddi(h, DDIRR_DDI_StartDevice, &start) < 0)
			return -1;
	}
	if (query_adapter(h))
		return -1;
	/* The system process, its device and context, and the paging
	   process's page tables, as VidMm sets them up. */
	h->system_process = host_create_process(h);
	if (!h->system_process)
		return -1;
	if (host_init_paging_process(h, h->system_process))
		return -1;
	d = host_create_device(h, h->system_process);
	if (!d)
		return -1;
	h->system_device = d;
	h->system_context = host_create_context(h, d, 0);
	return h->system_context ? 0 : -1;
}

void host_stop_adapter(host *h)
{
	PVOID miniport = P(h->adapter_kmd);
	ddirr_frame_StopDevice stop = {.MiniportDeviceContext = miniport};
	ddirr_frame_RemoveDevice remove = {.MiniportDeviceContext = miniport};
	int i;

	for (i = HOST_MAX_CONTEXTS - 1; i >= 0; i--)
		if (h->ctx[i].live && &h->ctx[i] != h->system_context)
			host_destroy_context(h, &h->ctx[i]);
	for (i = HOST_MAX_ALLOCATIONS - 1; i >= 0; i--)
		if (h->alloc[i].live && !h->alloc[i].ctx_dxgk)
			host_destroy_allocation(h, &h->alloc[i]);
	for (i = HOST_MAX_DEVICES - 1; i >= 0; i--)
		if (h->dev[i].live && &h->dev[i] != h->system_device)
			host_destroy_device(h, &h->dev[i]);
	for (i = HOST_MAX_PROCESSES - 1; i >= 0; i--)
		if (h->proc[i].live && &h->proc[i] != h->system_process)
			host_destroy_process(h, &h->proc[i]);
	if (h->system_context)
		host_destroy_context(h, h->system_context);
	if (h->system_device)
		host_destroy_device(h, h->system_device);
	if (h->system_process)
		host_destroy_process(h, h->system_process);
	/* A context allocation the driver failed to free still holds memory:
	   VidMm takes it down with the adapter (nothing maps it through the
	   host aperture). */
	if (h->adapter_kmd) {
		host_ddi(h, DDIRR_DDI_StopDevice, &stop);
		host_ddi(h, DDIRR_DDI_RemoveDevice, &remove);
	}
}

/* ---- processes, devices, contexts */

host_process *host_create_process(host *h)
{
	DXGKARG_CREATEPROCESS cp;
	ddirr_frame_CreateProcess f;
	host_process *p = NULL;
	int i;

	for (i = 0; i < HOST_MAX_PROCESSES && !p; i++)
		if (!h->proc[i].live && !h->proc[i].dxgk)
			p = &h->proc[i];
	if (!p)
		return NULL;
	memset(&cp, 0, sizeof(cp));
	cp.hDxgkProcess = P(host_new_dxgk(h, DXGK_PROCESS));
	cp.Flags.SystemProcess = !h->system_process;
	f = (ddirr_frame_CreateProcess){.hAdapter = P(h->adapter_kmd), .pArgs = &cp};
	p->dxgk = H(cp.hDxgkProcess); /* this slot is spent, even if the call fails */
	if (host_ddi(h, DDIRR_DDI_CreateProcess, &f) < 0 || !cp.hKmdProcess)
		return NULL;
	p->live = 1;
	p->kmd = H(cp.hKmdProcess);
	p->system = cp.Flags.SystemProcess;
	/* The UMD's VAs go in the top quarter of the space, above anything the
	   model hands out for context allocations and reservations. */
	p->va_next = 3ull << (h->va_bits - 2);
	if (!p->system && host_new_root(h, p)) {
		host_destroy_process(h, p);
		return NULL;
	}
	return p;
}

void host_destroy_process(host *h, host_process *p)
{
	ddirr_frame_DestroyProcess f = {.hAdapter = P(h->adapter_kmd), .hKmdProcess = P(p->kmd)};

	if (!p->live)
		return;
	host_ddi(h, DDIRR_DDI_DestroyProcess, &f);
	host_free_tables(h, p);
	p->live = 0;
	if (p == h->system_process)
		h->system_process = NULL;
}

host_device *host_create_device(host *h, host_process *p)
{
	DXGKARG_CREATEDEVICE cd;
	ddirr_frame_CreateDevice f;
	host_device *d = NULL;
	int i;

	for (i = 0; i < HOST_MAX_DEVICES && !d; i++)
		if (!h->dev[i].live && !h->dev[i].dxgk)
			d = &h->dev[i];
	if (!d)
		return NULL;
	memset(&cd, 0, sizeof(cd));
	d->dxgk = host_new_dxgk(h, DXGK_DEVICE);
	cd.hDevice = P(d->dxgk);
	cd.Flags.SystemDevice = p == h->system_process;
	cd.hKmdProcess = P(p->kmd);
	f = (ddirr_frame_CreateDevice){.hAdapter = P(h->adapter_kmd), .pCreateDevice = &cd};
	if (host_ddi(h, DDIRR_DDI_CreateDevice, &f) < 0 || !cd.hDevice)
		return NULL;
	d->live = 1;
	d->kmd = H(cd.hDevice);
	d->proc = p;
	d->system = p == h->system_process;
	return d;
}

void host_destroy_device(host *h, host_device *d)
{
	ddirr_frame_DestroyDevice f = {.hDevice = P(d->kmd)};

	if (!d->live)
		return;
	host_ddi(h, DDIRR_DDI_DestroyDevice, &f);
	d->live = 0;
	if (d == h->system_device)
		h->system_device = NULL;
}

/* A slot never used, else (a long --scale run) the slot of a destroyed
 * allocation: slots are reused only once all have been used, so a trace
 * of fewer allocations does not depend on reuse. */
static host_alloc *new_alloc_slot(host *h)
{
	int i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < HOST_MAX_ALLOCATIONS; i++)
			if (!h->alloc[i].live && (pass || !h->alloc[i].handle)) {
				memset(&h->alloc[i], 0, sizeof(h->alloc[i]));
				h->alloc[i].mdl = h->mdls + (size_t)i * 64;
				return &h->alloc[i];
			}
	return NULL;
}

host_context *host_create_context(host *h, host_device *d, uint32_t node)
{
	DXGKARG_CREATECONTEXT cc;
	DXGKARG_SETROOTPAGETABLE sr;
	ddirr_frame_CreateContext f;
	ddirr_frame_SetRootPageTable sf;
	host_context *c = NULL;
	int i;

	for (i = 0; i < HOST_MAX_CONTEXTS && !c; i++)
		if (!h->ctx[i].live && !h->ctx[i].dxgk)
			c = &h->ctx[i];
	if (!c)
		return NULL;
	memset(&cc, 0, sizeof(cc));
	c->dxgk = host_new_dxgk(h, DXGK_CONTEXT);
	cc.hContext = P(c->dxgk);
	cc.NodeOrdinal = node;
	cc.EngineAffinity = 1;
	cc.Flags.SystemContext = d->system;
	cc.Flags.VirtualAddressing = 1;
	f = (ddirr_frame_CreateContext){.hDevice = P(d->kmd), .pCreateContext = &cc};
	h->n_rings = 0;
	if (host_ddi(h, DDIRR_DDI_CreateContext, &f) < 0 || !cc.hContext) {
		h->n_rings = 0;
		return NULL;
	}
	c->live = 1;
	c->kmd = H(cc.hContext);
	c->dev = d;
	c->node = node;
	c->system = d->system;
	/* Before the context runs, VidMm points it at its process's root. */
	memset(&sr, 0, sizeof(sr));
	sr.hContext = P(c->kmd);
	sr.Address.SegmentId = h->pt_segment;
	sr.Address.SegmentOffset = d->proc->root;
	sr.NumEntries = h->root_entries;
	sf = (ddirr_frame_SetRootPageTable){.hAdapter = P(h->adapter_kmd), .pSetPageTable = &sr};
	host_ddi(h, DDIRR_DDI_SetRootPageTable, &sf);
	d->proc->root_set = 1;
	/* The context allocation the driver made and mapped: VidMm makes it
	   resident and writes the PTEs of its mapping. */
	for (i = 0; i < h->n_rings; i++) {
		host_ring *r = &h->rings[i];
		host_alloc *a;

		if (r->destroyed || !r->va || c->ring || !(a = new_alloc_slot(h)))
			continue;
		a->live = 1;
		a->handle = r->kmd;
		a->size = r->size;
		a->set = r->set ? r->set : 1;
		a->ctx_dxgk = r->dxgk;
		a->pinned = 1;
		a->maps[0] = (host_va_map){d->proc, r->va, r->pages};
		a->n_maps = 1;
		c->ring = a;
		host_commit(h, a);
	}
	h->n_rings = 0;
	return c;
}

void host_destroy_context(host *h, host_context *c)
{
	ddirr_frame_DestroyContext f = {.hContext = P(c->kmd)};
	host_alloc *r = c->ring;

	if (!c->live)
		return;
	host_ddi(h, DDIRR_DDI_DestroyContext, &f);
	if (r && !r->ctx_dxgk) {
		/* The driver freed its context allocation, and with it the VA
		   mapping (reference 8.2): its PTEs go invalid. The KMD handle is
		   gone, so the update names no allocation. */
		host_ptes(h, r->maps[0].proc, r->maps[0].va, r->maps[0].pages, NULL, 0, 0);
		r->live = 0;
		c->ring = NULL;
	}
	c->live = 0;
	if (c == h->system_context)
		h->system_context = NULL;
}

/* ---- allocations */

host_alloc *host_alloc_of(host *h, uint64_t handle)
{
	int i;

	for (i = 0; i < HOST_MAX_ALLOCATIONS; i++)
		if (h->alloc[i].live && h->alloc[i].handle == handle)
			return &h->alloc[i];
	return NULL;
}

host_alloc *host_create_allocation(host *h, uint32_t kind, uint32_t size_kb)
{
	samplekmd_alloc_desc desc = {SAMPLEKMD_ALLOC_MAGIC, kind, size_kb, 0};
	DXGK_ALLOCATIONINFO ai;
	DXGKARG_CREATEALLOCATION ca;
	ddirr_frame_CreateAllocation f;
	host_alloc *a = new_alloc_slot(h);

	if (!a)
		return NULL;
	memset(&ai, 0, sizeof(ai));
	ai.pPrivateDriverData = &desc;
	ai.PrivateDriverDataSize = sizeof(desc);
	memset(&ca, 0, sizeof(ca));
	ca.NumAllocations = 1;
	ca.pAllocationInfo = &ai;
	f = (ddirr_frame_CreateAllocation){.hAdapter = P(h->adapter_kmd), .pCreateAllocation = &ca};
	if (host_ddi(h, DDIRR_DDI_CreateAllocation, &f) < 0 || !ai.hAllocation || !ai.Size)
		return NULL;
	a->live = 1;
	a->handle = H(ai.hAllocation);
	a->size = ai.Size;
	a->set = ai.SupportedWriteSegmentSet ? ai.SupportedWriteSegmentSet : 1;
	a->kind = kind;
	a->lru = ++h->tick;
	return a;
}

void host_destroy_allocation(host *h, host_alloc *a)
{
	HANDLE list[1];
	DXGKARG_DESTROYALLOCATION d;
	ddirr_frame_DestroyAllocation f;

	if (!a->live)
		return;
	host_unlock(h, a);
	host_unmap_all_va(h, a);
	list[0] = P(a->handle);
	memset(&d, 0, sizeof(d));
	d.NumAllocations = 1;
	d.pAllocationList = list;
	f = (ddirr_frame_DestroyAllocation){.hAdapter = P(h->adapter_kmd), .pDestroyAllocation = &d};
	host_ddi(h, DDIRR_DDI_DestroyAllocation, &f);
	a->live = 0;
}

uint64_t host_open_allocation(host *h, host_device *d, host_alloc *a)
{
	DXGK_OPENALLOCATIONINFO oi;
	DXGKARG_OPENALLOCATION o;
	ddirr_frame_OpenAllocation f;

	(void)a; /* the D3DKMT handle stands for it; the KMD finds it by that */
	memset(&oi, 0, sizeof(oi));
	oi.hAllocation = D3DKMT_FIRST + 4 * h->next_d3dkmt++;
	memset(&o, 0, sizeof(o));
	o.NumAllocations = 1;
	o.pOpenAllocation = &oi;
	f = (ddirr_frame_OpenAllocation){.hDevice = P(d->kmd), .pOpenAllocation = &o};
	if (host_ddi(h, DDIRR_DDI_OpenAllocation, &f) < 0)
		return 0;
	return H(oi.hDeviceSpecificAllocation);
}

void host_close_allocation(host *h, host_device *d, uint64_t device_handle)
{
	HANDLE list[1] = {P(device_handle)};
	DXGKARG_CLOSEALLOCATION c = {.NumAllocations = 1, .pOpenHandleList = list};
	ddirr_frame_CloseAllocation f = {.hDevice = P(d->kmd), .pCloseAllocation = &c};

	if (device_handle)
		host_ddi(h, DDIRR_DDI_CloseAllocation, &f);
}
