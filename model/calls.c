/* The rules of each DDI and callback: what its entry checks, what its exit
 * changes. Aperture mapping lives in aperture.c, paging operations in
 * residency.c, GPU VA ranges in vaspace.c. */
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "model_internal.h"

#define FRAME(name) const ddirr_frame_##name *f = ev->frame
#define H(x) ((uint64_t)(uintptr_t)(x))

/* ------------------------------------------------------------------ */
/* Pending calls                                                       */

static pending *pending_new(ddirr_model *m, const ddirr_event *ev)
{
	pending *p = model_alloc(m, sizeof(*p));

	if (!p)
		return NULL;
	p->seq = ev->seq;
	p->ddi = ev->ddi;
	p->thread = ev->thread;
	p->parent = ev->parent_seq;
	if (u64map_put(&m->pending, ev->seq, (uintptr_t)p)) {
		model_free(m, p, sizeof(*p));
		return NULL;
	}
	return p;
}

static pending *pending_get(const ddirr_model *m, uint64_t seq)
{
	uint64_t v;

	return u64map_get(&m->pending, seq, &v) ? (pending *)(uintptr_t)v : NULL;
}

static void pending_drop(ddirr_model *m, pending *p)
{
	u64map_del(&m->pending, p->seq);
	model_free(m, p->data, p->data_size);
	model_free(m, p, sizeof(*p));
}

/* ------------------------------------------------------------------ */
/* Adapter handles                                                     */

/* hAdapter of a DDI is the driver's MiniportDeviceContext; hAdapter of a
 * callback is dxgkrnl's DeviceHandle. A trace that starts after AddDevice
 * or StartDevice (flight mode) adopts the first value it sees. */
static void check_adapter(ddirr_model *m, uint64_t value, int ns)
{
	uint64_t *want = ns == DDIRR_NS_ADAPTER_KMD ? &m->adapter_kmd : &m->adapter_dxgk;
	uint64_t other = ns == DDIRR_NS_ADAPTER_KMD ? m->adapter_dxgk : m->adapter_kmd;
	violation_objects o = {.handle = value, .handle_ns = ns};

	if (value == *want)
		return;
	if (value && value == other) {
		o.earlier_seq = m->adapter_started.seq;
		o.earlier_ddi = m->adapter_started.ddi;
		model_report(m, DDIRR_INV_HANDLE_NAMESPACE_MIXUP, &o,
			     "hAdapter 0x%llx is the %s adapter handle where the %s one (0x%llx) is expected",
			     (unsigned long long)value, ddirr_ns_name(ns == DDIRR_NS_ADAPTER_KMD ? DDIRR_NS_ADAPTER_DXGK
											     : DDIRR_NS_ADAPTER_KMD),
			     ddirr_ns_name(ns), (unsigned long long)*want);
		return;
	}
	if (!*want) {
		*want = value;
		return;
	}
	model_report(m, DDIRR_INV_UNKNOWN_HANDLE, &o, "hAdapter 0x%llx is not this adapter's %s handle (0x%llx)",
		     (unsigned long long)value, ddirr_ns_name(ns), (unsigned long long)*want);
}

/* ------------------------------------------------------------------ */
/* QueryAdapterInfo: the adapter's shape                               */

static void learn_segments(ddirr_model *m, const DXGK_QUERYSEGMENTOUT4 *q)
{
	ddirr_model_segment segs[32];
	size_t i, n = q->NbSegment < 32 ? q->NbSegment : 32;

	if (!q->pSegmentDescriptor || !n || q->SegmentDescriptorStride < offsetof(DXGK_SEGMENTDESCRIPTOR4, NumInvalidMemoryRanges))
		return;
	for (i = 0; i < n; i++) {
		DXGK_SEGMENTDESCRIPTOR4 d;
		size_t have = q->SegmentDescriptorStride < sizeof(d) ? q->SegmentDescriptorStride : sizeof(d);

		memset(&d, 0, sizeof(d));
		memcpy(&d, q->pSegmentDescriptor + i * q->SegmentDescriptorStride, have);
		segs[i] = (ddirr_model_segment){
			.flags = d.Flags.Value,
			.size = d.Size,
			.page_size = d.Flags.Use64KBPages ? 65536u : 4096u,
			.aperture_base = d.Flags.SupportsCpuHostAperture ? d.CpuHostAperture.PhysicalAddress : 0,
			.aperture_slots = d.Flags.SupportsCpuHostAperture ? d.CpuHostAperture.SizeInPages : 0,
		};
	}
	(void)ddirr_model_set_segments(m, segs, n);
}

static void query_adapter_exit(ddirr_model *m, const pending *p, const DXGKARG_QUERYADAPTERINFO *q)
{
	switch (q->Type) {
	case DXGKQAITYPE_QUERYSEGMENT4:
		if (q->pOutputData && p->h[1] == 0)
			learn_segments(m, q->pOutputData);
		break;
	case DXGKQAITYPE_GPUMMUCAPS:
		if (q->pOutputData)
			m->va_bits = ((const DXGK_GPUMMUCAPS *)q->pOutputData)->VirtualAddressBitCount;
		break;
	case DXGKQAITYPE_PAGETABLELEVELDESC:
		if (q->pOutputData && p->h[2] == 0)
			m->leaf_index_bits = ((const DXGK_PAGE_TABLE_LEVEL_DESC *)q->pOutputData)->PageTableIndexBitCount;
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Entry rules                                                         */

process_obj *model_process_by_dxgk(const ddirr_model *m, uint64_t dxgk)
{
	uint64_t v;

	return u64map_get(&m->processes_dxgk, dxgk, &v) ? (process_obj *)(uintptr_t)v : NULL;
}

static void check_alignment(ddirr_model *m, uint64_t value, uint64_t align, const char *what)
{
	violation_objects o = {.va = value};

	if (value % align)
		model_report(m, DDIRR_INV_VA_MISALIGNED, &o, "%s 0x%llx is not a multiple of 0x%llx", what,
			     (unsigned long long)value, (unsigned long long)align);
}

/* Bytes one leaf page table maps: 4 KB pages times its entries. A
 * PageTableIndexBitCount too large for a 64-bit VA (a broken or hostile
 * answer; the fuzzer sent 73) covers the whole VA space: shifting by it
 * would be undefined. */
static uint64_t leaf_coverage(const ddirr_model *m)
{
	uint32_t bits = m->leaf_index_bits ? m->leaf_index_bits : 9;

	return bits >= 52 ? UINT64_MAX : 4096ull << bits;
}

static int apply_entry(ddirr_model *m, const ddirr_event *ev)
{
	pending *p = pending_new(m, ev);

	if (!p)
		return DDIRR_ENOMEM;
	switch (ev->ddi) {
	case DDIRR_DDI_StartDevice: {
		FRAME(StartDevice);

		p->h[0] = f->DxgkInterface ? H(f->DxgkInterface->DeviceHandle) : 0;
		if (m->adapter_kmd && H(f->MiniportDeviceContext) != m->adapter_kmd)
			check_adapter(m, H(f->MiniportDeviceContext), DDIRR_NS_ADAPTER_KMD);
		break;
	}
	case DDIRR_DDI_StopDevice:
	case DDIRR_DDI_RemoveDevice: {
		FRAME(StopDevice);

		check_adapter(m, H(f->MiniportDeviceContext), DDIRR_NS_ADAPTER_KMD);
		aperture_check_all_unmapped(m, DDIRR_INV_MAPPED_AT_STOP, "the adapter stops");
		break;
	}
	case DDIRR_DDI_QueryAdapterInfo: {
		FRAME(QueryAdapterInfo);
		const DXGKARG_QUERYADAPTERINFO *q = f->pQueryAdapterInfo;

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!q)
			break;
		if (q->Type == DXGKQAITYPE_QUERYSEGMENT4 && q->pInputData && q->InputDataSize >= 4) {
			uint32_t pai = ((const DXGK_QUERYSEGMENTIN4 *)q->pInputData)->PhysicalAdapterIndex;

			/* dxgkrnl asks every physical adapter of a link for its
			   segments: the highest index asked tells the link size. */
			if (pai < 64 && pai + 1 > m->physical_adapters)
				m->physical_adapters = pai + 1;
			p->h[1] = pai;
		}
		if (q->Type == DXGKQAITYPE_PAGETABLELEVELDESC && q->pInputData && q->InputDataSize >= 4)
			p->h[2] = ((const DXGK_QUERYPAGETABLELEVELDESCIN *)q->pInputData)->LevelIndex;
		break;
	}
	case DDIRR_DDI_CreateAllocation: {
		FRAME(CreateAllocation);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		break;
	}
	case DDIRR_DDI_DestroyAllocation: {
		FRAME(DestroyAllocation);
		const DXGKARG_DESTROYALLOCATION *d = f->pDestroyAllocation;
		uint64_t *copy;
		UINT i;

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!d || !d->pAllocationList || !d->NumAllocations)
			break;
		copy = model_alloc(m, d->NumAllocations * sizeof(*copy));
		if (!copy)
			return DDIRR_ENOMEM;
		p->data = copy;
		p->data_size = d->NumAllocations * sizeof(*copy);
		p->count = d->NumAllocations;
		for (i = 0; i < d->NumAllocations; i++) {
			alloc_obj *a = model_find(m, DDIRR_NS_ALLOCATION_KMD, H(d->pAllocationList[i]), "allocation");

			copy[i] = H(d->pAllocationList[i]);
			if (a)
				aperture_check_unmapped(m, a, DDIRR_INV_MAPPED_AT_DESTROY, "destroyed");
		}
		break;
	}
	case DDIRR_DDI_OpenAllocation: {
		FRAME(OpenAllocation);

		model_find(m, DDIRR_NS_DEVICE_KMD, H(f->hDevice), "device");
		break;
	}
	case DDIRR_DDI_CloseAllocation: {
		FRAME(CloseAllocation);
		const DXGKARG_CLOSEALLOCATION *c = f->pCloseAllocation;
		uint64_t *copy;
		UINT i;

		model_find(m, DDIRR_NS_DEVICE_KMD, H(f->hDevice), "device");
		if (!c || !c->pOpenHandleList || !c->NumAllocations)
			break;
		copy = model_alloc(m, c->NumAllocations * sizeof(*copy));
		if (!copy)
			return DDIRR_ENOMEM;
		p->data = copy;
		p->data_size = c->NumAllocations * sizeof(*copy);
		p->count = c->NumAllocations;
		for (i = 0; i < c->NumAllocations; i++) {
			copy[i] = H(c->pOpenHandleList[i]);
			model_find(m, DDIRR_NS_DEVICE_ALLOCATION_KMD, copy[i], "device allocation");
		}
		break;
	}
	case DDIRR_DDI_CreateDevice: {
		FRAME(CreateDevice);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (f->pCreateDevice) {
			p->h[0] = H(f->pCreateDevice->hDevice);
			p->h[1] = H(f->pCreateDevice->hKmdProcess);
			if (p->h[1])
				model_find(m, DDIRR_NS_PROCESS_KMD, p->h[1], "process");
		}
		break;
	}
	case DDIRR_DDI_DestroyDevice: {
		FRAME(DestroyDevice);

		p->h[0] = H(f->hDevice);
		model_find(m, DDIRR_NS_DEVICE_KMD, p->h[0], "device");
		break;
	}
	case DDIRR_DDI_CreateContext: {
		FRAME(CreateContext);

		p->h[0] = H(f->hDevice);
		model_find(m, DDIRR_NS_DEVICE_KMD, p->h[0], "device");
		if (f->pCreateContext)
			p->h[1] = H(f->pCreateContext->hContext); /* dxgkrnl's handle, on entry */
		break;
	}
	case DDIRR_DDI_DestroyContext: {
		FRAME(DestroyContext);

		p->h[0] = H(f->hContext);
		model_find(m, DDIRR_NS_CONTEXT_KMD, p->h[0], "context");
		break;
	}
	case DDIRR_DDI_CreateProcess: {
		FRAME(CreateProcess);
		process_obj *proc;

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!f->pArgs)
			break;
		p->h[0] = H(f->pArgs->hDxgkProcess);
		p->h[1] = f->pArgs->Flags.Value;
		/* The process exists from here on for the callbacks made inside
		   the call; it gets its KMD handle when the call returns. */
		if (model_process_by_dxgk(m, p->h[0]))
			break;
		proc = model_alloc(m, sizeof(*proc));
		if (!proc || u64map_put(&m->processes_dxgk, p->h[0], (uintptr_t)proc)) {
			model_free(m, proc, sizeof(*proc));
			return DDIRR_ENOMEM;
		}
		proc->dxgk = p->h[0];
		proc->flags = (uint32_t)p->h[1];
		proc->created = (origin){ev->seq, ev->ddi};
		break;
	}
	case DDIRR_DDI_DestroyProcess: {
		FRAME(DestroyProcess);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		p->h[0] = H(f->hKmdProcess);
		model_find(m, DDIRR_NS_PROCESS_KMD, p->h[0], "process");
		break;
	}
	case DDIRR_DDI_SetRootPageTable: {
		FRAME(SetRootPageTable);
		const DXGKARG_SETROOTPAGETABLE *r = f->pSetPageTable;
		const ddirr_model_segment *s;

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!r)
			break;
		p->h[0] = H(r->hContext);
		p->h[1] = r->Address.SegmentId;
		p->h[2] = r->Address.SegmentOffset;
		p->h[3] = r->NumEntries;
		model_find(m, DDIRR_NS_CONTEXT_KMD, p->h[0], "context");
		s = model_segment(m, r->Address.SegmentId);
		if (m->n_segments && (!s || r->Address.SegmentOffset >= s->size)) {
			violation_objects o = {.segment = r->Address.SegmentId,
					     .page = r->Address.SegmentOffset / (s ? s->page_size : 4096)};

			model_report(m, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE, &o,
				     "root page table at segment %u offset 0x%llx lies outside the segment",
				     r->Address.SegmentId, (unsigned long long)r->Address.SegmentOffset);
		}
		break;
	}
	case DDIRR_DDI_GetRootPageTableSize: {
		FRAME(GetRootPageTableSize);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		break;
	}
	case DDIRR_DDI_BuildPagingBuffer: {
		FRAME(BuildPagingBuffer);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!f->pBuildPagingBuffer)
			break;
		paging_entry(m, f->pBuildPagingBuffer);
		return paging_stash(m, p, f->pBuildPagingBuffer);
	}
	case DDIRR_DDI_MapCpuHostAperture: {
		FRAME(MapCpuHostAperture);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!f->pArgs)
			break;
		aperture_map_entry(m, f->pArgs);
		return aperture_map_stash(m, p, f->pArgs);
	}
	case DDIRR_DDI_UnmapCpuHostAperture: {
		FRAME(UnmapCpuHostAperture);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_KMD);
		if (!f->pArgs)
			break;
		aperture_unmap_entry(m, f->pArgs);
		return aperture_unmap_stash(m, p, f->pArgs);
	}
	case DDIRR_DDI_CreateContextAllocation: {
		FRAME(CreateContextAllocation);
		const DXGKARGCB_CREATECONTEXTALLOCATION *c = f->pArgs;
		pending *parent = pending_get(m, ev->parent_seq);
		violation_objects o = {0};
		ctx_alloc_obj *ca;

		if (!c)
			break;
		check_adapter(m, H(c->hAdapter), DDIRR_NS_ADAPTER_DXGK);
		if (c->hDevice)
			model_find(m, DDIRR_NS_DEVICE_DXGK, H(c->hDevice), "device");
		/* A context being created has no live dxgkrnl handle yet: the
		   CreateContext this callback is made from names it. */
		if (c->hContext && !(parent && parent->ddi == DDIRR_DDI_CreateContext && parent->h[1] == H(c->hContext)))
			model_find(m, DDIRR_NS_CONTEXT_DXGK, H(c->hContext), "context");
		o.handle = H(c->hContext);
		o.handle_ns = DDIRR_NS_CONTEXT_DXGK;
		if (c->ContextAllocationFlags.SharedAcrossContexts && c->hContext)
			model_report(m, DDIRR_INV_CONTEXT_ALLOCATION_FLAGS_INVALID, &o,
				     "SharedAcrossContexts is set but hContext is 0x%llx, not NULL",
				     (unsigned long long)H(c->hContext));
		if (!c->hDevice && c->hContext)
			model_report(m, DDIRR_INV_CONTEXT_ALLOCATION_FLAGS_INVALID, &o,
				     "a GPU-context allocation for the system device (hDevice NULL)");
		/* Device-context allocations exist only for non-system devices (6). */
		if (!c->hDevice && !c->hContext && c->ContextAllocationFlags.SharedAcrossContexts)
			model_report(m, DDIRR_INV_CONTEXT_ALLOCATION_FLAGS_INVALID, &o,
				     "a device-context allocation (SharedAcrossContexts) for the system device "
				     "(hDevice NULL)");
		ca = model_alloc(m, sizeof(*ca));
		if (!ca)
			return DDIRR_ENOMEM;
		ca->driver_handle = H(c->hDriverAllocation);
		ca->size = c->Size;
		ca->device = H(c->hDevice);
		ca->context = H(c->hContext);
		ca->flags = c->ContextAllocationFlags.Value;
		p->data = ca; /* becomes the object if the call succeeds */
		p->data_size = sizeof(*ca);
		break;
	}
	case DDIRR_DDI_DestroyContextAllocation: {
		FRAME(DestroyContextAllocation);
		ctx_alloc_obj *ca;

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_DXGK);
		p->h[0] = H(f->hAllocation);
		ca = model_find(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, p->h[0], "context allocation");
		if (ca) {
			alloc_obj *a = model_peek(m, DDIRR_NS_ALLOCATION_KMD, ca->driver_handle);

			if (a)
				aperture_check_unmapped(m, a, DDIRR_INV_MAPPED_AT_DESTROY, "destroyed");
		}
		break;
	}
	case DDIRR_DDI_MapContextAllocation: {
		FRAME(MapContextAllocation);
		const DXGKARGCB_MAPCONTEXTALLOCATION *a = f->pArgs;
		ctx_alloc_obj *ca;
		violation_objects o = {0};

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_DXGK);
		if (!a)
			break;
		check_alignment(m, a->BaseAddress, 4096, "BaseAddress");
		check_alignment(m, a->MinimumAddress, 4096, "MinimumAddress");
		check_alignment(m, a->MaximumAddress, 4096, "MaximumAddress");
		o.handle = H(a->hAllocation);
		o.handle_ns = DDIRR_NS_CONTEXT_ALLOCATION_DXGK;
		if ((a->Protection.Zero || a->Protection.NoAccess) && a->hAllocation)
			model_report(m, DDIRR_INV_VA_PROTECTION_INVALID, &o,
				     "a %s mapping carries allocation 0x%llx; it must be NULL",
				     a->Protection.Zero ? "Zero" : "NoAccess", (unsigned long long)H(a->hAllocation));
		ca = model_find(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, H(a->hAllocation), "context allocation");
		p->h[0] = H(a->hAllocation);
		p->h[1] = a->BaseAddress;
		p->h[2] = a->MinimumAddress;
		p->h[3] = a->MaximumAddress;
		p->count = a->SizeInPages;
		if (ca) {
			/* Offsets and sizes count 4 KB pages whatever the segment
			   page size (reference 5.3.10). */
			uint64_t end = a->OffsetInPages + a->SizeInPages;
			uint64_t pages_4k = (ca->size + 4095) / 4096;

			/* A unit mixup scales offset and size alike, by 16; a count a
			   little past the end is an off-by-one. */
			o.size = a->SizeInPages * 4096;
			if (end > pages_4k && a->OffsetInPages % 16 == 0 && a->SizeInPages % 16 == 0 &&
			    end / 16 <= pages_4k && pages_4k % 16 == 0)
				model_report(m, DDIRR_INV_PAGE_UNIT_MIXUP, &o,
					     "OffsetInPages %llu + SizeInPages %llu run past the allocation's %llu 4 KB "
					     "pages, by up to 16 times: a 4 KB page count multiplied again as if it counted 64 KB pages",
					     (unsigned long long)a->OffsetInPages, (unsigned long long)a->SizeInPages,
					     (unsigned long long)pages_4k);
			else if (end > pages_4k)
				model_report(m, DDIRR_INV_CONTEXT_MAP_PAST_ALLOCATION, &o,
					     "OffsetInPages %llu + SizeInPages %llu run past the allocation's %llu 4 KB pages",
					     (unsigned long long)a->OffsetInPages, (unsigned long long)a->SizeInPages,
					     (unsigned long long)pages_4k);
		}
		break;
	}
	case DDIRR_DDI_UpdateContextAllocation: {
		FRAME(UpdateContextAllocation);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_DXGK);
		if (f->pArgs)
			model_find(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, H(f->pArgs->hAllocation), "context allocation");
		break;
	}
	case DDIRR_DDI_ReserveGpuVirtualAddressRange: {
		FRAME(ReserveGpuVirtualAddressRange);
		const DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE *r = f->pArgs;
		pending *parent = pending_get(m, ev->parent_seq);
		violation_objects o = {0};
		uint64_t cover = leaf_coverage(m);

		check_adapter(m, H(f->hAdapter), DDIRR_NS_ADAPTER_DXGK);
		if (!r)
			break;
		p->h[0] = H(r->hDxgkProcess);
		p->h[1] = r->SizeInBytes;
		o.handle = p->h[0];
		o.handle_ns = DDIRR_NS_PROCESS_DXGK;
		if (!parent || parent->ddi != DDIRR_DDI_CreateProcess)
			model_report(m, DDIRR_INV_RESERVE_OUTSIDE_CREATE_PROCESS, &o,
				     "called %s, not from inside DxgkDdiCreateProcess",
				     parent ? model_ddi_name(parent->ddi) : "outside any DDI");
		if (!model_process_by_dxgk(m, p->h[0])) {
			/* The driver may pass its own process handle here. */
			if (!model_find(m, DDIRR_NS_PROCESS_DXGK, p->h[0], "process"))
				p->h[0] = 0;
		}
		o.size = r->SizeInBytes;
		if (r->SizeInBytes == 0 || r->SizeInBytes % cover)
			model_report(m, DDIRR_INV_VA_MISALIGNED, &o,
				     "SizeInBytes 0x%llx is not a whole number of leaf page tables (0x%llx bytes each)",
				     (unsigned long long)r->SizeInBytes, (unsigned long long)cover);
		if (r->Alignment & (r->Alignment - 1) || r->Alignment % 4096)
			model_report(m, DDIRR_INV_VA_MISALIGNED, &o,
				     "Alignment 0x%x is not a power of two and a multiple of 4 KB", r->Alignment);
		if (r->BaseAddress)
			check_alignment(m, r->BaseAddress, cover, "BaseAddress");
		break;
	}
	default:
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Exit rules                                                          */

static NTSTATUS status_of(const ddirr_event *ev)
{
	/* every frame with an NTSTATUS result ends with it */
	const ddirr_ddi_desc *d = ddirr_desc_ddi(ev->ddi);
	const ddirr_field_desc *f = &d->frame->fields[d->frame->n_fields - 1];

	if (d->ret_kind != DDIRR_RET_NTSTATUS)
		return 0;
	return (NTSTATUS)ddirr_desc_read((const char *)ev->frame + f->offset, 4);
}

static int add_device_object(ddirr_model *m, const pending *p, uint64_t kmd)
{
	device_obj *d = model_alloc(m, sizeof(*d));
	process_obj *proc;

	if (!d)
		return DDIRR_ENOMEM;
	d->handle = kmd;
	d->dxgk = p->h[0];
	d->process = p->h[1];
	d->created = (origin){p->seq, p->ddi};
	if (model_add(m, DDIRR_NS_DEVICE_KMD, kmd, d, "device") ||
	    (d->dxgk && model_add(m, DDIRR_NS_DEVICE_DXGK, d->dxgk, d, "device")))
		return DDIRR_ENOMEM;
	proc = model_peek(m, DDIRR_NS_PROCESS_KMD, d->process);
	if (proc)
		proc->devices++;
	return 0;
}

static void leak_check(ddirr_model *m, uint64_t live, const char *what, uint64_t handle, int ns, const char *child)
{
	violation_objects o = {.handle = handle, .handle_ns = ns};

	if (live)
		model_report(m, DDIRR_INV_LEAK_AT_DESTROY, &o, "%s 0x%llx is destroyed with %llu %s still alive", what,
			     (unsigned long long)handle, (unsigned long long)live, child);
}

static int apply_exit(ddirr_model *m, const ddirr_event *ev)
{
	pending *p = pending_get(m, ev->seq);
	NTSTATUS st = status_of(ev);
	int ok = NT_SUCCESS(st), rc = 0;

	if (!p)
		return 0; /* its entry is not in the trace: nothing to apply */
	/* An exit whose seq belongs to an entry of another DDI (a damaged or
	   hostile trace; the fuzzer made an Unmap entry and a BuildPagingBuffer
	   exit share seq): what the entry stashed is not this call's. */
	if (p->ddi != ev->ddi)
		return 0;
	switch (ev->ddi) {
	case DDIRR_DDI_AddDevice: {
		FRAME(AddDevice);

		if (ok && f->MiniportDeviceContext)
			m->adapter_kmd = H(*f->MiniportDeviceContext);
		break;
	}
	case DDIRR_DDI_StartDevice:
		if (ok && p->h[0]) {
			m->adapter_dxgk = p->h[0];
			m->adapter_started = (origin){p->seq, p->ddi};
		}
		break;
	case DDIRR_DDI_QueryAdapterInfo: {
		FRAME(QueryAdapterInfo);

		if (ok && f->pQueryAdapterInfo)
			query_adapter_exit(m, p, f->pQueryAdapterInfo);
		break;
	}
	case DDIRR_DDI_CreateAllocation: {
		FRAME(CreateAllocation);
		const DXGKARG_CREATEALLOCATION *c = f->pCreateAllocation;
		UINT i;

		if (!ok || !c || !c->pAllocationInfo)
			break;
		for (i = 0; i < c->NumAllocations && !rc; i++) {
			const DXGK_ALLOCATIONINFO *ai = &c->pAllocationInfo[i];
			alloc_obj *a = model_alloc(m, sizeof(*a));
			uint32_t s;

			if (!a)
				return DDIRR_ENOMEM;
			a->handle = H(ai->hAllocation);
			a->size = ai->Size;
			a->alignment = ai->Alignment;
			a->write_set = ai->SupportedWriteSegmentSet;
			a->flags = ai->Flags.Value;
			a->created = (origin){ev->seq, ev->ddi};
			rc = model_add(m, DDIRR_NS_ALLOCATION_KMD, a->handle, a, "allocation");
			for (s = 0; s < m->n_segments && s < 32; s++) {
				violation_objects o = {.handle = a->handle, .handle_ns = DDIRR_NS_ALLOCATION_KMD,
						     .segment = s + 1, .size = a->alignment};

				if ((a->write_set & (1u << s)) && m->segments[s].page_size == 65536 &&
				    a->alignment % 65536) {
					model_report(m, DDIRR_INV_ALLOCATION_MISALIGNED_FOR_SEGMENT, &o,
						     "allocation 0x%llx may go in 64 KB-page segment %u but reports "
						     "alignment 0x%llx",
						     (unsigned long long)a->handle, s + 1, (unsigned long long)a->alignment);
					break;
				}
			}
		}
		break;
	}
	case DDIRR_DDI_DestroyAllocation:
		if (ok) {
			const uint64_t *h = p->data;
			uint64_t i;

			for (i = 0; i < p->count; i++) {
				alloc_obj *a = model_peek(m, DDIRR_NS_ALLOCATION_KMD, h[i]);

				if (!a)
					continue;
				model_remove(m, DDIRR_NS_ALLOCATION_KMD, h[i]);
				model_free(m, a, sizeof(*a));
			}
		}
		break;
	case DDIRR_DDI_OpenAllocation: {
		FRAME(OpenAllocation);
		const DXGKARG_OPENALLOCATION *o = f->pOpenAllocation;
		UINT i;

		if (!ok || !o || !o->pOpenAllocation)
			break;
		for (i = 0; i < o->NumAllocations && !rc; i++) {
			origin *obj = model_alloc(m, sizeof(*obj));

			if (!obj)
				return DDIRR_ENOMEM;
			*obj = (origin){ev->seq, ev->ddi};
			rc = model_add(m, DDIRR_NS_DEVICE_ALLOCATION_KMD, H(o->pOpenAllocation[i].hDeviceSpecificAllocation),
				       obj, "device allocation");
		}
		break;
	}
	case DDIRR_DDI_CloseAllocation:
		if (ok) {
			const uint64_t *h = p->data;
			uint64_t i;

			for (i = 0; i < p->count; i++) {
				origin *obj = model_peek(m, DDIRR_NS_DEVICE_ALLOCATION_KMD, h[i]);

				if (!obj)
					continue;
				model_remove(m, DDIRR_NS_DEVICE_ALLOCATION_KMD, h[i]);
				model_free(m, obj, sizeof(*obj));
			}
		}
		break;
	case DDIRR_DDI_CreateDevice: {
		FRAME(CreateDevice);

		if (ok && f->pCreateDevice)
			rc = add_device_object(m, p, H(f->pCreateDevice->hDevice));
		break;
	}
	case DDIRR_DDI_DestroyDevice: {
		device_obj *d = model_peek(m, DDIRR_NS_DEVICE_KMD, p->h[0]);
		process_obj *proc;

		if (!d)
			break;
		leak_check(m, d->contexts, "device", d->handle, DDIRR_NS_DEVICE_KMD, "contexts");
		if (!ok)
			break;
		proc = model_peek(m, DDIRR_NS_PROCESS_KMD, d->process);
		if (proc && proc->devices)
			proc->devices--;
		model_remove(m, DDIRR_NS_DEVICE_KMD, d->handle);
		if (d->dxgk)
			model_remove(m, DDIRR_NS_DEVICE_DXGK, d->dxgk);
		model_free(m, d, sizeof(*d));
		break;
	}
	case DDIRR_DDI_CreateContext: {
		FRAME(CreateContext);
		context_obj *c;
		device_obj *d;

		if (!ok || !f->pCreateContext)
			break;
		c = model_alloc(m, sizeof(*c));
		if (!c)
			return DDIRR_ENOMEM;
		c->handle = H(f->pCreateContext->hContext);
		c->dxgk = p->h[1];
		c->device = p->h[0];
		c->created = (origin){p->seq, p->ddi};
		/* context allocations made inside the call count toward it */
		c->ctx_allocs = p->count;
		if (model_add(m, DDIRR_NS_CONTEXT_KMD, c->handle, c, "context") ||
		    (c->dxgk && model_add(m, DDIRR_NS_CONTEXT_DXGK, c->dxgk, c, "context")))
			return DDIRR_ENOMEM;
		d = model_peek(m, DDIRR_NS_DEVICE_KMD, c->device);
		if (d)
			d->contexts++;
		break;
	}
	case DDIRR_DDI_DestroyContext: {
		context_obj *c = model_peek(m, DDIRR_NS_CONTEXT_KMD, p->h[0]);
		device_obj *d;

		if (!c)
			break;
		leak_check(m, c->ctx_allocs, "context", c->handle, DDIRR_NS_CONTEXT_KMD, "context allocations");
		if (!ok)
			break;
		d = model_peek(m, DDIRR_NS_DEVICE_KMD, c->device);
		if (d && d->contexts)
			d->contexts--;
		model_remove(m, DDIRR_NS_CONTEXT_KMD, c->handle);
		if (c->dxgk)
			model_remove(m, DDIRR_NS_CONTEXT_DXGK, c->dxgk);
		model_free(m, c, sizeof(*c));
		break;
	}
	case DDIRR_DDI_CreateProcess: {
		FRAME(CreateProcess);
		process_obj *proc = model_process_by_dxgk(m, p->h[0]);

		if (!proc)
			break;
		if (!ok || !f->pArgs || !f->pArgs->hKmdProcess) {
			u64map_del(&m->processes_dxgk, p->h[0]);
			model_free_process(m, proc);
			break;
		}
		proc->handle = H(f->pArgs->hKmdProcess);
		rc = model_add(m, DDIRR_NS_PROCESS_KMD, proc->handle, proc, "process");
		if (!rc && proc->dxgk)
			rc = model_add(m, DDIRR_NS_PROCESS_DXGK, proc->dxgk, proc, "process");
		if (proc->flags & 1)
			m->system_process = proc->handle;
		break;
	}
	case DDIRR_DDI_DestroyProcess: {
		process_obj *proc = model_peek(m, DDIRR_NS_PROCESS_KMD, p->h[0]);

		if (!proc)
			break;
		leak_check(m, proc->devices, "process", proc->handle, DDIRR_NS_PROCESS_KMD, "devices");
		if (!ok)
			break;
		model_remove(m, DDIRR_NS_PROCESS_KMD, proc->handle);
		model_remove(m, DDIRR_NS_PROCESS_DXGK, proc->dxgk);
		u64map_del(&m->processes_dxgk, proc->dxgk);
		if (m->system_process == proc->handle)
			m->system_process = 0;
		model_free_process(m, proc);
		break;
	}
	case DDIRR_DDI_SetRootPageTable: {
		context_obj *c = model_peek(m, DDIRR_NS_CONTEXT_KMD, p->h[0]);
		device_obj *d = c ? model_peek(m, DDIRR_NS_DEVICE_KMD, c->device) : NULL;
		process_obj *proc = d ? model_peek(m, DDIRR_NS_PROCESS_KMD, d->process) : NULL;

		if (proc) {
			proc->root.SegmentId = (UINT)p->h[1];
			proc->root.SegmentOffset = p->h[2];
			proc->root_entries = (uint32_t)p->h[3];
			proc->root_set = (origin){p->seq, p->ddi};
		}
		break;
	}
	case DDIRR_DDI_BuildPagingBuffer:
		paging_exit(m, p, st);
		break;
	case DDIRR_DDI_MapCpuHostAperture:
		if (!ok) {
			violation_objects o = {0};

			model_report(m, DDIRR_INV_DDI_UNEXPECTED_FAILURE, &o,
				     "failed with 0x%08x; dxgkrnl requires success (bug check 0x10E/0x2D)", (unsigned)st);
			break;
		}
		rc = aperture_map_exit(m, p);
		break;
	case DDIRR_DDI_UnmapCpuHostAperture:
		if (!ok) {
			violation_objects o = {0};

			model_report(m, DDIRR_INV_DDI_UNEXPECTED_FAILURE, &o,
				     "failed with 0x%08x; dxgkrnl requires success (bug check 0x10E/0x2E)", (unsigned)st);
			break;
		}
		aperture_unmap_exit(m, p);
		break;
	case DDIRR_DDI_CreateContextAllocation: {
		FRAME(CreateContextAllocation);
		ctx_alloc_obj *ca = p->data;
		alloc_obj *a;
		context_obj *c;
		pending *parent;

		if (!ok || !ca || !f->pArgs || !f->pArgs->hAllocation)
			break;
		p->data = NULL; /* the object now belongs to the table */
		ca->handle = H(f->pArgs->hAllocation);
		ca->created = (origin){ev->seq, ev->ddi};
		if ((rc = model_add(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, ca->handle, ca, "context allocation")))
			break;
		/* The driver's own handle joins its allocations: it shows up in
		   MapCpuHostAperture and BuildPagingBuffer. */
		if (ca->driver_handle) {
			a = model_alloc(m, sizeof(*a));
			if (!a)
				return DDIRR_ENOMEM;
			a->handle = ca->driver_handle;
			a->size = ca->size;
			a->ctx_alloc = ca->handle;
			a->created = ca->created;
			rc = model_add(m, DDIRR_NS_ALLOCATION_KMD, a->handle, a, "allocation");
		}
		c = ca->context ? model_peek(m, DDIRR_NS_CONTEXT_DXGK, ca->context) : NULL;
		parent = pending_get(m, ev->parent_seq);
		if (c)
			c->ctx_allocs++;
		else if (parent && parent->ddi == DDIRR_DDI_CreateContext && parent->h[1] == ca->context && ca->context)
			parent->count++;
		break;
	}
	case DDIRR_DDI_DestroyContextAllocation: {
		ctx_alloc_obj *ca = model_peek(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, p->h[0]);
		context_obj *c;
		alloc_obj *a;
		process_obj *proc;

		if (!ok || !ca)
			break;
		proc = va_space_of_context_allocation(m, ca);
		if (proc)
			va_remove_owner(m, proc, ca->handle);
		c = ca->context ? model_peek(m, DDIRR_NS_CONTEXT_DXGK, ca->context) : NULL;
		if (c && c->ctx_allocs)
			c->ctx_allocs--;
		a = model_peek(m, DDIRR_NS_ALLOCATION_KMD, ca->driver_handle);
		if (a && a->ctx_alloc == ca->handle) {
			model_remove(m, DDIRR_NS_ALLOCATION_KMD, a->handle);
			model_free(m, a, sizeof(*a));
		}
		model_remove(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, ca->handle);
		model_free(m, ca, sizeof(*ca));
		break;
	}
	case DDIRR_DDI_MapContextAllocation: {
		FRAME(MapContextAllocation);
		ctx_alloc_obj *ca = model_peek(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, p->h[0]);
		process_obj *proc = ca ? va_space_of_context_allocation(m, ca) : NULL;
		uint64_t va = f->ReturnValue, size = p->count * 4096, base = p->h[1], min = p->h[2], max = p->h[3];
		violation_objects o = {.va = va, .size = size, .handle = p->h[0],
				     .handle_ns = DDIRR_NS_CONTEXT_ALLOCATION_DXGK};
		const va_range *hit;

		if (!va || !ca)
			break; /* VidMm refused: not the driver's doing */
		if ((base && va != base) || (!base && (va < min || (max && va + size > max))))
			model_report(m, DDIRR_INV_VA_OUT_OF_RANGE, &o,
				     "returned VA 0x%llx..0x%llx outside the request (base 0x%llx, min 0x%llx, max 0x%llx)",
				     (unsigned long long)va, (unsigned long long)(va + size), (unsigned long long)base,
				     (unsigned long long)min, (unsigned long long)max);
		if (!proc)
			break;
		if ((hit = va_overlap(proc, va, va + size))) {
			o.earlier_seq = hit->made.seq;
			o.earlier_ddi = hit->made.ddi;
			model_report(m, DDIRR_INV_VA_OVERLAP, &o,
				     "VA 0x%llx..0x%llx overlaps the %s 0x%llx..0x%llx made at seq %llu (%s)",
				     (unsigned long long)va, (unsigned long long)(va + size),
				     hit->reserved ? "reservation" : "mapping", (unsigned long long)hit->start,
				     (unsigned long long)hit->end, (unsigned long long)hit->made.seq,
				     model_ddi_name(hit->made.ddi));
			break;
		}
		rc = va_insert(m, proc, &(va_range){va, va + size, 0, ca->handle, {ev->seq, ev->ddi}});
		if (!rc)
			ca->mappings++;
		break;
	}
	case DDIRR_DDI_ReserveGpuVirtualAddressRange: {
		FRAME(ReserveGpuVirtualAddressRange);
		process_obj *proc = p->h[0] ? model_process_by_dxgk(m, p->h[0]) : NULL;
		uint64_t start = f->pArgs ? f->pArgs->StartVirtualAddress : 0, end = start + p->h[1];
		violation_objects o = {.va = start, .size = p->h[1], .handle = p->h[0], .handle_ns = DDIRR_NS_PROCESS_DXGK};
		uint32_t bits = m->va_bits ? m->va_bits : 48;
		const va_range *hit;

		if (!ok || !proc || !f->pArgs)
			break;
		/* Root PTE 0 is always invalid: reservations start at index 1. */
		if (start < leaf_coverage(m) || (bits < 64 && end > (1ull << bits)))
			model_report(m, DDIRR_INV_VA_OUT_OF_RANGE, &o,
				     "reserved VA 0x%llx..0x%llx lies outside the %u-bit VA space or below the first "
				     "leaf page table",
				     (unsigned long long)start, (unsigned long long)end, bits);
		if ((hit = va_overlap(proc, start, end))) {
			o.earlier_seq = hit->made.seq;
			o.earlier_ddi = hit->made.ddi;
			model_report(m, DDIRR_INV_VA_OVERLAP, &o,
				     "reserved VA 0x%llx..0x%llx overlaps the %s 0x%llx..0x%llx made at seq %llu (%s)",
				     (unsigned long long)start, (unsigned long long)end,
				     hit->reserved ? "reservation" : "mapping", (unsigned long long)hit->start,
				     (unsigned long long)hit->end, (unsigned long long)hit->made.seq,
				     model_ddi_name(hit->made.ddi));
			break;
		}
		rc = va_insert(m, proc, &(va_range){start, end, 1, 0, {ev->seq, ev->ddi}});
		break;
	}
	default:
		break;
	}
	pending_drop(m, p);
	return rc;
}

int ddirr_model_apply(ddirr_model *m, const ddirr_event *ev)
{
	uint64_t before = m->violations;
	int rc;

	if (!ev->frame || !ddirr_desc_ddi(ev->ddi))
		return 0;
	m->ev = ev;
	rc = ev->phase == DDIRR_PHASE_ENTRY ? apply_entry(m, ev) : apply_exit(m, ev);
	m->ev = NULL;
	if (rc < 0)
		return ddirr_error_set(rc, "seq %llu: out of memory in the model", (unsigned long long)ev->seq);
	return (int)(m->violations - before);
}
