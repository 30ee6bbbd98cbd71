/* The model as replay target: the answers a correct driver or VidMm gives
 * (see ddirr_model_respond in include/ddirr/model.h). */
#include <string.h>

#include "ddirr/error.h"
#include "model_internal.h"

#define P(x) ((HANDLE)(uintptr_t)(x))
#define H(x) ((uint64_t)(uintptr_t)(x))

/* Invented handles are distinct from each other and from 0, and look like
 * the pointer-sized values drivers hand out. */
static HANDLE fresh(ddirr_model *m)
{
	m->next_handle += 0x40;
	return P(0x7e0000000000ull + m->next_handle);
}

static void answer_segments(const ddirr_model *m, const DXGKARG_QUERYADAPTERINFO *q)
{
	DXGK_QUERYSEGMENTOUT4 *out = q->pOutputData;
	size_t i;

	if (!m->n_segments || !out || q->OutputDataSize < sizeof(*out))
		return;
	if (!out->pSegmentDescriptor || out->NbSegment == 0) {
		out->NbSegment = (UINT)m->n_segments; /* the first of the two calls */
		return;
	}
	for (i = 0; i < out->NbSegment && i < m->n_segments; i++) {
		DXGK_SEGMENTDESCRIPTOR4 d;
		size_t have = out->SegmentDescriptorStride < sizeof(d) ? out->SegmentDescriptorStride : sizeof(d);
		const ddirr_model_segment *s = &m->segments[i];

		memset(&d, 0, sizeof(d));
		d.Flags.Value = s->flags;
		d.Size = s->size;
		if (s->aperture_slots) {
			d.CpuHostAperture.PhysicalAddress = s->aperture_base;
			d.CpuHostAperture.SizeInPages = s->aperture_slots;
		}
		memcpy(out->pSegmentDescriptor + i * out->SegmentDescriptorStride, &d, have);
	}
	out->NbSegment = (UINT)(i < out->NbSegment ? i : out->NbSegment);
}

int ddirr_model_respond(ddirr_model *m, const ddirr_event *entry, void *exit_frame)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(entry->ddi);
	const void *in = entry->frame;

	if (!d || !in || !exit_frame)
		return ddirr_error_set(DDIRR_EINVAL, "seq %llu: nothing to answer", (unsigned long long)entry->seq);
	switch (entry->ddi) {
	case DDIRR_DDI_AddDevice: {
		ddirr_frame_AddDevice *f = exit_frame;

		if (f->MiniportDeviceContext)
			*f->MiniportDeviceContext = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_QueryAdapterInfo: {
		ddirr_frame_QueryAdapterInfo *f = exit_frame;

		if (f->pQueryAdapterInfo && f->pQueryAdapterInfo->Type == DXGKQAITYPE_QUERYSEGMENT4)
			answer_segments(m, f->pQueryAdapterInfo);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_CreateAllocation: {
		ddirr_frame_CreateAllocation *f = exit_frame;
		UINT i;

		if (f->pCreateAllocation && f->pCreateAllocation->pAllocationInfo)
			for (i = 0; i < f->pCreateAllocation->NumAllocations; i++)
				f->pCreateAllocation->pAllocationInfo[i].hAllocation = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_OpenAllocation: {
		ddirr_frame_OpenAllocation *f = exit_frame;
		UINT i;

		if (f->pOpenAllocation && f->pOpenAllocation->pOpenAllocation)
			for (i = 0; i < f->pOpenAllocation->NumAllocations; i++)
				f->pOpenAllocation->pOpenAllocation[i].hDeviceSpecificAllocation = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_CreateDevice: {
		ddirr_frame_CreateDevice *f = exit_frame;

		if (f->pCreateDevice)
			f->pCreateDevice->hDevice = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_CreateContext: {
		ddirr_frame_CreateContext *f = exit_frame;

		if (f->pCreateContext)
			f->pCreateContext->hContext = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_CreateProcess: {
		ddirr_frame_CreateProcess *f = exit_frame;

		if (f->pArgs)
			f->pArgs->hKmdProcess = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_CreateContextAllocation: {
		ddirr_frame_CreateContextAllocation *f = exit_frame;

		if (f->pArgs)
			f->pArgs->hAllocation = fresh(m);
		f->ReturnValue = STATUS_SUCCESS;
		break;
	}
	case DDIRR_DDI_MapContextAllocation: {
		const ddirr_frame_MapContextAllocation *e = in;
		ddirr_frame_MapContextAllocation *f = exit_frame;
		const ctx_alloc_obj *ca = e->pArgs ? model_peek(m, DDIRR_NS_CONTEXT_ALLOCATION_DXGK, H(e->pArgs->hAllocation))
						   : NULL;
		process_obj *p = ca ? va_space_of_context_allocation(m, ca) : NULL;
		uint64_t va = 0;

		/* VidMm answers 0 when it cannot map: no process, no room. */
		if (p && e->pArgs->SizeInPages &&
		    vidmm_choose_va(m, p, e->pArgs->SizeInPages * 4096, 4096, e->pArgs->BaseAddress, e->pArgs->MinimumAddress,
				    e->pArgs->MaximumAddress, &va))
			va = 0;
		f->ReturnValue = va;
		break;
	}
	case DDIRR_DDI_ReserveGpuVirtualAddressRange: {
		const ddirr_frame_ReserveGpuVirtualAddressRange *e = in;
		ddirr_frame_ReserveGpuVirtualAddressRange *f = exit_frame;
		const process_obj *p = e->pArgs ? model_process_by_dxgk(m, H(e->pArgs->hDxgkProcess)) : NULL;
		uint64_t va = 0;

		if (!p || !e->pArgs->SizeInBytes ||
		    vidmm_choose_va(m, p, e->pArgs->SizeInBytes, e->pArgs->Alignment, e->pArgs->BaseAddress, 0, 0, &va)) {
			f->ReturnValue = STATUS_NO_MEMORY;
			va = 0;
		} else {
			f->ReturnValue = STATUS_SUCCESS;
		}
		if (f->pArgs)
			f->pArgs->StartVirtualAddress = va;
		break;
	}
	case DDIRR_DDI_SetRootPageTable:
		break; /* VOID */
	case DDIRR_DDI_GetRootPageTableSize:
		break; /* driver policy: the size the driver needs */
	default: {
		/* Every other call of the slice succeeds when it is valid; its
		   NTSTATUS is the frame's last field. */
		const ddirr_field_desc *last = &d->frame->fields[d->frame->n_fields - 1];

		if (d->ret_kind == DDIRR_RET_NTSTATUS)
			ddirr_desc_write((char *)exit_frame + last->offset, last->size, STATUS_SUCCESS);
		break;
	}
	}
	return 0;
}
