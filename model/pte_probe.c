/* The leaf-PTE probe loop that the capture host (host/vidmm.c) and the
 * replayer (replayer/probe.c) both run after an UpdatePageTable: each asks
 * the driver where the VAs whose PTEs the call wrote valid translate, and
 * reports those that do not reach the page the PTE names. Only the report
 * differs between them, so the walk is here and the report is theirs. */
#include "ddirr/model.h"

uint64_t ddirr_model_probe_ptes(const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u, ddirr_probe_gpu_va_fn probe,
				HANDLE adapter, ddirr_model_va_mismatch_fn on_mismatch, void *ctx)
{
	uint64_t mismatches = 0;
	UINT i;

	/* Only a leaf entry maps a VA to a page, and only a call that says
	   which VA its first entry covers lets the VA of each be known. */
	if (u->PageTableLevel != 0 || !u->FirstPteVirtualAddress || !u->pPageTableEntries)
		return 0;
	for (i = 0; i < u->NumPageTableEntries; i++) {
		const DXGK_PTE *p = &u->pPageTableEntries[u->Flags.Repeat ? 0 : i];
		ddirr_model_va_mismatch mm = {.va = u->FirstPteVirtualAddress + (D3DGPU_VIRTUAL_ADDRESS)i * 4096,
					      .process = u->hProcess, .pte_segment = p->Segment, .pte_page = p->PageAddress};

		if (!p->Valid)
			continue;
		mm.status = probe(adapter, mm.process, mm.va, &mm.segment, &mm.page);
		if (mm.status == STATUS_SUCCESS && mm.segment == p->Segment && mm.page == p->PageAddress)
			continue;
		mismatches++;
		if (on_mismatch(ctx, &mm))
			break;
	}
	return mismatches;
}
