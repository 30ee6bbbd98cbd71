/* Residency and paging: BuildPagingBuffer operations place, move and evict
 * allocations, program the GPU aperture segment, and write page tables
 * (reference §12). Effects apply when the operation returns success; an
 * operation that asks for a new DMA buffer is issued again and applies then. */
#include <string.h>

#include "ddirr/error.h"
#include "model_internal.h"

#define H(x) ((uint64_t)(uintptr_t)(x))

static uint64_t gart_key(uint32_t segment, uint64_t page)
{
	return (uint64_t)segment << 48 | (page & 0xffffffffffffull);
}

/* A byte range of a local memory segment must lie inside it. Returns the
 * segment, or NULL (after a report when `report`). */
static const ddirr_model_segment *segment_range(ddirr_model *m, uint32_t id, uint64_t address, uint64_t size,
						const char *what)
{
	const ddirr_model_segment *s = model_segment(m, id);
	/* violation.page counts segment pages; a segment that does not exist
	   has none, so its address is counted in 4 KB pages. */
	violation_objects o = {.segment = id, .page = address / (s ? s->page_size : 4096), .size = size};

	if (!m->n_segments)
		return NULL;
	if (!s) {
		model_report(m, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE, &o, "%s names segment %u of %zu", what, id,
			     m->n_segments);
		return NULL;
	}
	if (address > s->size || size > s->size - address) {
		model_report(m, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE, &o,
			     "%s 0x%llx..0x%llx runs past the end of segment %u (0x%llx bytes)", what,
			     (unsigned long long)address, (unsigned long long)(address + size), id,
			     (unsigned long long)s->size);
		return NULL;
	}
	return s;
}

static void check_pte(ddirr_model *m, const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u, const DXGK_PTE *pte,
		      uint64_t index, alloc_obj *al)
{
	uint32_t seg = pte->Segment;
	const ddirr_model_segment *s = model_segment(m, seg);
	uint64_t address = pte->PageAddress << 12;
	violation_objects o = {.segment = seg, .handle = H(u->hAllocation), .handle_ns = DDIRR_NS_ALLOCATION_KMD};

	if (!pte->Valid || !s || (s->flags & 0x1))
		return; /* invalid, system memory or the aperture segment */
	o.page = address / s->page_size;
	if (address >= s->size) {
		model_report(m, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE, &o,
			     "PTE %llu points at 0x%llx, past the end of segment %u (0x%llx bytes)",
			     (unsigned long long)index, (unsigned long long)address, seg, (unsigned long long)s->size);
		return;
	}
	if (u->PageTableLevel != 0 || !al)
		return;
	o.earlier_seq = al->placed.seq;
	o.earlier_ddi = al->placed.ddi;
	if (al->resident == NOT_RESIDENT) {
		model_report(m, DDIRR_INV_MAP_NOT_RESIDENT, &o,
			     "PTE %llu maps allocation 0x%llx, which is not resident", (unsigned long long)index,
			     (unsigned long long)al->handle);
	} else if (al->resident == RESIDENT_AT &&
		   (al->segment != seg || address < al->first_page * s->page_size ||
		    address >= (al->first_page + al->pages) * s->page_size)) {
		model_report(m, DDIRR_INV_PTE_OUTSIDE_ALLOCATION, &o,
			     "PTE %llu points at segment %u 0x%llx, outside allocation 0x%llx (segment %u pages %llu..%llu "
			     "since seq %llu)",
			     (unsigned long long)index, seg, (unsigned long long)address, (unsigned long long)al->handle,
			     al->segment, (unsigned long long)al->first_page,
			     (unsigned long long)(al->first_page + al->pages - 1), (unsigned long long)al->placed.seq);
	}
}

static void gart_entry(ddirr_model *m, uint32_t segment, uint64_t first, uint64_t n, int map)
{
	const ddirr_model_segment *s = model_segment(m, segment);
	violation_objects o = {.segment = segment, .page = first, .size = n};
	uint64_t i, seq;

	if (!m->n_segments)
		return;
	if (s && !(s->flags & 0x1)) {
		model_report(m, DDIRR_INV_GART_OUT_OF_RANGE, &o,
			     "segment %u is not an aperture segment; Map/UnmapApertureSegment program only those", segment);
		return;
	}
	if (!s || first > s->size / 4096 || n > s->size / 4096 - first) {
		model_report(m, DDIRR_INV_GART_OUT_OF_RANGE, &o,
			     "aperture-segment pages %llu..%llu run past segment %u",
			     (unsigned long long)first, (unsigned long long)(first + n), segment);
		return;
	}
	for (i = 0; i < n; i++) {
		int mapped = u64map_get(&m->gart, gart_key(segment, first + i), &seq);

		o.page = first + i;
		if (map && mapped) {
			o.earlier_seq = seq;
			o.earlier_ddi = DDIRR_DDI_BuildPagingBuffer;
			model_report(m, DDIRR_INV_GART_DOUBLE_MAP, &o,
				     "aperture-segment page %llu of segment %u is already mapped since seq %llu",
				     (unsigned long long)(first + i), segment, (unsigned long long)seq);
			return;
		}
		if (!map && !mapped) {
			model_report(m, DDIRR_INV_GART_UNMAP_UNMAPPED, &o,
				     "aperture-segment page %llu of segment %u is not mapped",
				     (unsigned long long)(first + i), segment);
			return;
		}
	}
}

void paging_entry(ddirr_model *m, const DXGKARG_BUILDPAGINGBUFFER *b)
{
	alloc_obj *al;

	switch (b->Operation) {
	case DXGK_OPERATION_FILL:
		model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->Fill.hAllocation), "allocation");
		segment_range(m, b->Fill.Destination.SegmentId, (uint64_t)b->Fill.Destination.SegmentAddress.QuadPart,
			      b->Fill.FillSize, "fill destination");
		break;
	case DXGK_OPERATION_TRANSFER:
		model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->Transfer.hAllocation), "allocation");
		if (b->Transfer.Source.SegmentId)
			segment_range(m, b->Transfer.Source.SegmentId,
				      (uint64_t)b->Transfer.Source.SegmentAddress.QuadPart + b->Transfer.TransferOffset,
				      b->Transfer.TransferSize, "transfer source");
		if (b->Transfer.Destination.SegmentId)
			segment_range(m, b->Transfer.Destination.SegmentId,
				      (uint64_t)b->Transfer.Destination.SegmentAddress.QuadPart + b->Transfer.TransferOffset,
				      b->Transfer.TransferSize, "transfer destination");
		break;
	case DXGK_OPERATION_DISCARD_CONTENT:
		model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->DiscardContent.hAllocation), "allocation");
		break;
	case DXGK_OPERATION_MAP_APERTURE_SEGMENT:
		if (b->MapApertureSegment.hAllocation)
			model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->MapApertureSegment.hAllocation), "allocation");
		gart_entry(m, b->MapApertureSegment.SegmentId, b->MapApertureSegment.OffsetInPages,
			   b->MapApertureSegment.NumberOfPages, 1);
		break;
	case DXGK_OPERATION_UNMAP_APERTURE_SEGMENT:
		gart_entry(m, b->UnmapApertureSegment.SegmentId, b->UnmapApertureSegment.OffsetInPages,
			   b->UnmapApertureSegment.NumberOfPages, 0);
		break;
	case DXGK_OPERATION_VIRTUAL_TRANSFER:
		model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->TransferVirtual.hAllocation), "allocation");
		break;
	case DXGK_OPERATION_VIRTUAL_FILL:
		model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->FillVirtual.hAllocation), "allocation");
		break;
	case DXGK_OPERATION_UPDATE_PAGE_TABLE: {
		const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u = &b->UpdatePageTable;
		uint64_t i, n = u->Flags.Repeat ? 1 : u->NumPageTableEntries;

		al = u->hAllocation ? model_find(m, DDIRR_NS_ALLOCATION_KMD, H(u->hAllocation), "allocation") : NULL;
		if (u->hProcess)
			model_find(m, DDIRR_NS_PROCESS_KMD, H(u->hProcess), "process");
		if (!u->pPageTableEntries || !m->n_segments)
			break;
		for (i = 0; i < n; i++)
			check_pte(m, u, &u->pPageTableEntries[i], u->StartIndex + i, al);
		break;
	}
	case DXGK_OPERATION_NOTIFY_RESIDENCY:
		model_find(m, DDIRR_NS_ALLOCATION_KMD, H(b->NotifyResidency.hAllocation), "allocation");
		break;
	case DXGK_OPERATION_FLUSH_TLB:
		if (b->FlushTlb.hProcess)
			model_find(m, DDIRR_NS_PROCESS_KMD, H(b->FlushTlb.hProcess), "process");
		break;
	default:
		break;
	}
}

/* What the exit needs: the operation's arguments, and the PTEs written. */
typedef struct paging_stash_data {
	DXGKARG_BUILDPAGINGBUFFER args;
	uint64_t n_ptes;
	/* followed by n_ptes DXGK_PTE */
} paging_stash_data;

int paging_stash(ddirr_model *m, pending *p, const DXGKARG_BUILDPAGINGBUFFER *b)
{
	uint64_t n = 0;
	size_t size;
	paging_stash_data *st;

	if (b->Operation == DXGK_OPERATION_UPDATE_PAGE_TABLE && b->UpdatePageTable.pPageTableEntries)
		n = b->UpdatePageTable.Flags.Repeat ? 1 : b->UpdatePageTable.NumPageTableEntries;
	if (n > (1u << 24))
		n = 0;
	size = sizeof(*st) + n * sizeof(DXGK_PTE);
	st = model_alloc(m, size);
	if (!st)
		return DDIRR_ENOMEM;
	st->args = *b;
	st->n_ptes = n;
	if (n)
		memcpy(st + 1, b->UpdatePageTable.pPageTableEntries, n * sizeof(DXGK_PTE));
	p->data = st;
	p->data_size = size;
	return 0;
}

/* Sets where an allocation lives; a move or an eviction with slots still
 * mapping the old place makes every CPU pointer through them stale. */
static void place(ddirr_model *m, alloc_obj *al, int resident, uint32_t segment, uint64_t address, uint64_t size,
		  const pending *p)
{
	const ddirr_model_segment *s = model_segment(m, segment);
	uint64_t ps = s ? s->page_size : 4096;
	uint64_t first = address / ps;
	uint64_t pages = size ? (address % ps + size + ps - 1) / ps : 0;
	int moved = al->resident != resident || (resident == RESIDENT_AT && (al->segment != segment || al->first_page != first)) ||
		    resident == RESIDENT_SOMEWHERE;

	if (moved && al->resident != NOT_RESIDENT)
		aperture_check_unmapped(m, al, DDIRR_INV_APERTURE_STALE_AFTER_MOVE,
					resident == NOT_RESIDENT ? "evicted" : "moved");
	al->resident = resident;
	al->segment = resident == RESIDENT_AT ? segment : 0;
	al->first_page = resident == RESIDENT_AT ? first : 0;
	al->pages = resident == RESIDENT_AT ? pages : 0;
	if (moved)
		al->placed = (origin){p->seq, p->ddi};
}

/* Stores the valid bits of one group of 64 entries; 0 or DDIRR_ENOMEM. */
static int store_pte_bits(ddirr_model *m, uint64_t group, uint64_t old, uint64_t bits)
{
	if (bits == old)
		return 0;
	if (bits ? u64map_put(&m->ptes, group, bits) : (u64map_del(&m->ptes, group), 0))
		return DDIRR_ENOMEM;
	m->n_ptes = m->n_ptes - (size_t)__builtin_popcountll(old) + (size_t)__builtin_popcountll(bits);
	return 0;
}

static void write_ptes(ddirr_model *m, const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u, const DXGK_PTE *ptes,
		       uint64_t n)
{
	uint64_t table, i, count = u->Flags.Repeat ? u->NumPageTableEntries : n;
	uint64_t group = 0, old = 0, bits = 0;
	int have = 0;

	/* No entries came with the call (a NULL pPageTableEntries, or more than
	   the stash keeps): there is nothing to write, not even the repeated
	   first one (the fuzzer found the read past an empty stash). */
	if (!n)
		return;
	/* A table is known by where it is: its GPU physical address, or its
	   VA in the paging process. CPU-virtual updates name host memory. */
	if (u->UpdateMode == DXGK_PAGETABLEUPDATE_GPU_PHYSICAL)
		table = (uint64_t)(u->PageTableAddress.GpuPhysical.SegmentId & 0x1f) << 59 |
			(u->PageTableAddress.GpuPhysical.SegmentOffset >> 12 & 0x7ffffffffffull) << 16;
	else if (u->UpdateMode == DXGK_PAGETABLEUPDATE_GPU_VIRTUAL)
		table = 0x1full << 59 | (u->PageTableAddress.GpuVirtual >> 12 & 0x7ffffffffffull) << 16;
	else
		return;
	for (i = 0; i < count; i++) {
		const DXGK_PTE *pte = &ptes[u->Flags.Repeat ? 0 : i];
		uint64_t index = u->StartIndex + i, key = table | (index & 0xffff);

		if (index > 0xffff)
			break;
		if (!have || key >> 6 != group) {
			if (have && store_pte_bits(m, group, old, bits))
				return;
			group = key >> 6;
			if (!u64map_get(&m->ptes, group, &old))
				old = 0;
			bits = old;
			have = 1;
		}
		if (pte->Valid)
			bits |= 1ull << (key & 63);
		else
			bits &= ~(1ull << (key & 63));
	}
	if (have)
		(void)store_pte_bits(m, group, old, bits);
}

static void gart_exit(ddirr_model *m, uint32_t segment, uint64_t first, uint64_t n, int map, uint64_t seq)
{
	const ddirr_model_segment *s = model_segment(m, segment);
	uint64_t i;

	if (!s || first > s->size / 4096 || n > s->size / 4096 - first)
		return;
	for (i = 0; i < n; i++) {
		if (map)
			(void)u64map_put(&m->gart, gart_key(segment, first + i), seq);
		else
			u64map_del(&m->gart, gart_key(segment, first + i));
	}
}

void paging_exit(ddirr_model *m, const pending *p, NTSTATUS status)
{
	const paging_stash_data *st = p->data;
	const DXGKARG_BUILDPAGINGBUFFER *b;
	alloc_obj *al = NULL;

	if (!st)
		return;
	b = &st->args;
	if (status == STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER)
		return; /* dxgkrnl supplies a new buffer and calls again */
	if (status == STATUS_GRAPHICS_ALLOCATION_BUSY &&
	    (b->Operation == DXGK_OPERATION_TRANSFER || b->Operation == DXGK_OPERATION_DISCARD_CONTENT))
		return; /* dxgkrnl waits for idle and calls again */
	if (!NT_SUCCESS(status)) {
		violation_objects o = {0};

		model_report(m, DDIRR_INV_DDI_UNEXPECTED_FAILURE, &o,
			     "operation %u failed with 0x%08x; only INSUFFICIENT_DMA_BUFFER (and ALLOCATION_BUSY for "
			     "transfers and discards) are allowed (bug check 0x10E/0xB)",
			     (unsigned)b->Operation, (unsigned)status);
		return;
	}
	switch (b->Operation) {
	case DXGK_OPERATION_FILL:
		al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, H(b->Fill.hAllocation));
		if (al)
			place(m, al, RESIDENT_AT, b->Fill.Destination.SegmentId,
			      (uint64_t)b->Fill.Destination.SegmentAddress.QuadPart, al->size ? al->size : b->Fill.FillSize, p);
		break;
	case DXGK_OPERATION_TRANSFER:
		al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, H(b->Transfer.hAllocation));
		if (!al)
			break;
		if (b->Transfer.Destination.SegmentId)
			place(m, al, RESIDENT_AT, b->Transfer.Destination.SegmentId,
			      (uint64_t)b->Transfer.Destination.SegmentAddress.QuadPart,
			      al->size ? al->size : b->Transfer.TransferOffset + b->Transfer.TransferSize, p);
		else
			place(m, al, NOT_RESIDENT, 0, 0, 0, p); /* to system memory */
		break;
	case DXGK_OPERATION_DISCARD_CONTENT:
		al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, H(b->DiscardContent.hAllocation));
		if (al)
			place(m, al, NOT_RESIDENT, 0, 0, 0, p);
		break;
	case DXGK_OPERATION_VIRTUAL_TRANSFER:
		al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, H(b->TransferVirtual.hAllocation));
		if (al)
			place(m, al, b->TransferVirtual.TransferDirection == DXGK_MEMORY_TRANSFER_LOCAL_TO_SYSTEM
					     ? NOT_RESIDENT
					     : RESIDENT_SOMEWHERE,
			      0, 0, 0, p);
		break;
	case DXGK_OPERATION_VIRTUAL_FILL:
		al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, H(b->FillVirtual.hAllocation));
		if (al && al->resident == NOT_RESIDENT)
			place(m, al, RESIDENT_SOMEWHERE, 0, 0, 0, p);
		break;
	case DXGK_OPERATION_NOTIFY_RESIDENCY:
		al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, H(b->NotifyResidency.hAllocation));
		if (al && (b->NotifyResidency.Resident & 1))
			place(m, al, RESIDENT_AT, b->NotifyResidency.PhysicalAddress.SegmentId,
			      b->NotifyResidency.PhysicalAddress.SegmentOffset, al->size, p);
		else if (al)
			place(m, al, NOT_RESIDENT, 0, 0, 0, p);
		break;
	case DXGK_OPERATION_MAP_APERTURE_SEGMENT:
		gart_exit(m, b->MapApertureSegment.SegmentId, b->MapApertureSegment.OffsetInPages,
			  b->MapApertureSegment.NumberOfPages, 1, p->seq);
		break;
	case DXGK_OPERATION_UNMAP_APERTURE_SEGMENT:
		gart_exit(m, b->UnmapApertureSegment.SegmentId, b->UnmapApertureSegment.OffsetInPages,
			  b->UnmapApertureSegment.NumberOfPages, 0, p->seq);
		break;
	case DXGK_OPERATION_UPDATE_PAGE_TABLE:
		write_ptes(m, &b->UpdatePageTable, (const DXGK_PTE *)(st + 1), st->n_ptes);
		break;
	default:
		break;
	}
}

int ddirr_model_allocation_residency(const ddirr_model *m, uint64_t allocation, uint32_t *segment,
				     uint64_t *first_page, uint64_t *pages)
{
	const alloc_obj *al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, allocation);

	if (!al || al->resident != RESIDENT_AT)
		return 0;
	*segment = al->segment;
	*first_page = al->first_page;
	*pages = al->pages;
	return 1;
}
