/* Probe checks (include/ddirr/probe.h): after a mapping call, ask the
 * driver what its own tables translate to, and compare with what they must
 * hold. A driver can return success and still program a wrong page; only
 * this sees it.
 *   MapCpuHostAperture / UnmapCpuHostAperture: every slot the call named,
 *     against the shadow model's aperture (ddirr_model_aperture_lookup);
 *   BuildPagingBuffer UpdatePageTable, leaf level: every VA whose PTE the
 *     call wrote valid, against that PTE (which the shadow model has checked
 *     against the allocation's residency); the walk is the model's
 *     ddirr_model_probe_ptes, shared with the capture host. */
#include <stdio.h>

#include "ddirr/probe.h"
#include "replay_internal.h"

static void probe_divergence(replay *r, target *t, const ddirr_event *e, int cls, const char *field,
			     const char *expected, const char *actual)
{
	char msg[400];
	div_info d = {.kind = DDIRR_DIV_PROBE, .cls = cls, .seq = e->seq, .ddi = e->ddi,
		      .field = field, .expected = expected, .actual = actual, .message = msg};

	snprintf(msg, sizeof(msg), "after seq %llu %s the driver's probe says %s is %s; it must be %s",
		 (unsigned long long)e->seq, ddirr_ddi_name(e->ddi), field, actual, expected);
	replay_diverge(r, t, &d);
}

static void check_slots(replay *r, target *t, ddirr_probe_aperture_slot_fn probe, const ddirr_event *e,
			uint64_t adapter, UINT segment, const UINT32 *slots, uint64_t n)
{
	uint64_t i;

	for (i = 0; slots && i < n; i++) {
		uint64_t want = 0, alloc = 0;
		UINT64 got = 0;
		int mapped = ddirr_model_aperture_lookup(t->model, segment, slots[i], &want, &alloc);
		NTSTATUS st = probe((HANDLE)(uintptr_t)adapter, segment, slots[i], &got);
		char field[96], exp[64], act[64];

		if (mapped ? (st == STATUS_SUCCESS && got == want) : st == DDIRR_PROBE_NOT_FOUND)
			continue;
		snprintf(field, sizeof(field), "aperture segment %u slot %u", segment, slots[i]);
		if (mapped)
			snprintf(exp, sizeof(exp), "segment page %llu", (unsigned long long)want);
		else
			snprintf(exp, sizeof(exp), "unmapped");
		if (st == STATUS_SUCCESS)
			snprintf(act, sizeof(act), "segment page %llu", (unsigned long long)got);
		else
			snprintf(act, sizeof(act), "status 0x%08x", (unsigned)st);
		/* A slot mapped to another page is a wrong segment page; a slot
		   mapped where it must not be, or not where it must, a wrong slot. */
		probe_divergence(r, t, e,
				 mapped && st == STATUS_SUCCESS ? DDIRR_CLASS_SEGMENT_PAGE : DDIRR_CLASS_APERTURE_SLOT,
				 field, exp, act);
		if (replay_should_stop(r))
			return;
	}
}

/* What report_va needs of the call. */
typedef struct va_report {
	replay *r;
	target *t;
	const ddirr_event *e;
} va_report;

static int report_va(void *ctx, const ddirr_model_va_mismatch *mm)
{
	const va_report *c = ctx;
	char field[96], exp[64], act[64];

	snprintf(field, sizeof(field), "GPU VA 0x%llx", (unsigned long long)mm->va);
	snprintf(exp, sizeof(exp), "segment %u page 0x%llx", (unsigned)mm->pte_segment,
		 (unsigned long long)mm->pte_page);
	if (mm->status == STATUS_SUCCESS)
		snprintf(act, sizeof(act), "segment %u page 0x%llx", mm->segment, (unsigned long long)mm->page);
	else
		snprintf(act, sizeof(act), "status 0x%08x", (unsigned)mm->status);
	probe_divergence(c->r, c->t, c->e, DDIRR_CLASS_SEGMENT_PAGE, field, exp, act);
	return replay_should_stop(c->r);
}

void probe_check(replay *r, target *t, void *probe_aperture, void *probe_va, const ddirr_event *e, const void *live,
		 uint64_t adapter)
{
	ddirr_probe_aperture_slot_fn pa = (ddirr_probe_aperture_slot_fn)probe_aperture;
	ddirr_probe_gpu_va_fn pv = (ddirr_probe_gpu_va_fn)probe_va;

	switch (e->ddi) {
	case DDIRR_DDI_MapCpuHostAperture: {
		const ddirr_frame_MapCpuHostAperture *f = live;

		if (pa && f->pArgs)
			check_slots(r, t, pa, e, adapter, f->pArgs->SegmentId, f->pArgs->pCpuHostAperturePages,
				    f->pArgs->NumberOfPages);
		break;
	}
	case DDIRR_DDI_UnmapCpuHostAperture: {
		const ddirr_frame_UnmapCpuHostAperture *f = live;

		if (pa && f->pArgs)
			check_slots(r, t, pa, e, adapter, f->pArgs->SegmentId, f->pArgs->pCpuHostAperturePages,
				    f->pArgs->NumberOfPages);
		break;
	}
	case DDIRR_DDI_BuildPagingBuffer: {
		const ddirr_frame_BuildPagingBuffer *f = live;
		va_report c = {r, t, e};

		if (pv && f->pBuildPagingBuffer && f->pBuildPagingBuffer->Operation == DXGK_OPERATION_UPDATE_PAGE_TABLE)
			ddirr_model_probe_ptes(&f->pBuildPagingBuffer->UpdatePageTable, pv, (HANDLE)(uintptr_t)adapter,
					       report_va, &c);
		break;
	}
	default:
		break;
	}
}
