/* The CPU host aperture: slots of a memory segment's BAR window, each
 * mapping one segment page (reference §2 to §5).
 *
 * The slot table holds only mapped slots (segment << 32 | slot), so memory
 * follows the live mappings; a reverse index by segment page finds aliases,
 * and every allocation counts the slots that map it, so evicting, moving or
 * destroying it can tell at once whether a CPU pointer would go stale. */
#include <string.h>

#include "ddirr/error.h"
#include "model_internal.h"

#define H(x) ((uint64_t)(uintptr_t)(x))

static uint64_t slot_key(uint32_t segment, uint64_t slot)
{
	return (uint64_t)segment << 32 | (slot & 0xffffffffu);
}

static uint64_t page_key(uint32_t segment, uint64_t page)
{
	return (uint64_t)segment << 48 | (page & 0xffffffffffffull);
}

static slot_obj *slot_get(const ddirr_model *m, uint32_t segment, uint64_t slot)
{
	uint64_t v;

	return u64map_get(&m->slots, slot_key(segment, slot), &v) ? (slot_obj *)(uintptr_t)v : NULL;
}

/* The segment of a Map or Unmap: it must exist, be a memory segment, and
 * support the CPU host aperture (5.3.1). Returns it, or NULL after a report
 * (or when the adapter is not known yet, without one). */
static const ddirr_model_segment *host_aperture_segment(ddirr_model *m, WORD segment_id, WORD adapter_index)
{
	const ddirr_model_segment *s = model_segment(m, segment_id);
	violation_objects o = {.segment = segment_id};

	if (adapter_index >= m->physical_adapters)
		model_report(m, DDIRR_INV_PHYSICAL_ADAPTER_OUT_OF_RANGE, &o,
			     "PhysicalAdapterIndex %u, but the adapter has %u physical adapter(s)", adapter_index,
			     m->physical_adapters);
	if (!m->n_segments)
		return NULL; /* no QueryAdapterInfo seen: nothing to check against */
	if (!s) {
		model_report(m, DDIRR_INV_SEGMENT_NOT_HOST_APERTURE, &o, "SegmentId %u is not one of the %zu segments",
			     segment_id, m->n_segments);
		return NULL;
	}
	if (!(s->flags & 0x2000) || (s->flags & 0x1)) {
		model_report(m, DDIRR_INV_SEGMENT_NOT_HOST_APERTURE, &o,
			     "segment %u %s; only memory segments with SupportsCpuHostAperture can be mapped",
			     segment_id, (s->flags & 0x1) ? "is an aperture segment" : "does not support the CPU host aperture");
		return NULL;
	}
	return s;
}

static void report_slot_range(ddirr_model *m, const ddirr_model_segment *s, uint64_t slot)
{
	violation_objects o = {.segment = s->id, .slot = slot};

	model_report(m, DDIRR_INV_APERTURE_SLOT_OUT_OF_RANGE, &o,
		     "slot %llu is past the end of segment %u's host aperture (%u slots)", (unsigned long long)slot,
		     s->id, s->aperture_slots);
}

/* Whether slots and pages both strictly increase, the usual call (a run
 * of slots onto a run of pages): then none repeats within the call. */
static int increasing_pages(const DXGKARG_MAPCPUHOSTAPERTURE *a)
{
	uint64_t i;

	for (i = 1; i < a->NumberOfPages; i++)
		if (a->pCpuHostAperturePages[i] <= a->pCpuHostAperturePages[i - 1] ||
		    a->pMemorySegmentPages[i] <= a->pMemorySegmentPages[i - 1])
			return 0;
	return 1;
}

void aperture_map_entry(ddirr_model *m, const DXGKARG_MAPCPUHOSTAPERTURE *a)
{
	const ddirr_model_segment *s = host_aperture_segment(m, a->SegmentId, a->PhysicalAdapterIndex);
	alloc_obj *al = NULL;
	violation_objects o = {.segment = a->SegmentId, .handle = H(a->hAllocation), .handle_ns = DDIRR_NS_ALLOCATION_KMD};
	uint64_t i, j, seg_pages, dup_checks;
	int reported_dup = 0;

	if (a->NumberOfPages == 0) {
		model_report(m, DDIRR_INV_EMPTY_MAP, &o, "maps zero pages");
		return;
	}
	if (!a->pCpuHostAperturePages || !a->pMemorySegmentPages)
		return; /* no page lists to check: a record without them */
	if (a->hAllocation) /* NULL: an implicit allocation, such as a page table */
		al = model_find(m, DDIRR_NS_ALLOCATION_KMD, H(a->hAllocation), "allocation");
	if (al && al->resident == NOT_RESIDENT) {
		o.earlier_seq = al->placed.seq;
		o.earlier_ddi = al->placed.ddi;
		model_report(m, DDIRR_INV_MAP_NOT_RESIDENT, &o, "allocation 0x%llx is not resident%s",
			     (unsigned long long)al->handle, al->placed.seq ? " (evicted by the call named)" : "");
	} else if (al && al->resident == RESIDENT_AT && al->segment != a->SegmentId) {
		o.earlier_seq = al->placed.seq;
		o.earlier_ddi = al->placed.ddi;
		model_report(m, DDIRR_INV_WRONG_SEGMENT, &o,
			     "allocation 0x%llx lives in segment %u since seq %llu (%s), not in segment %u",
			     (unsigned long long)al->handle, al->segment, (unsigned long long)al->placed.seq,
			     model_ddi_name(al->placed.ddi), a->SegmentId);
	}
	if (!s)
		return;
	seg_pages = s->size / s->page_size;
	/* A page count that is the allocation's size in 4 KB pages is a 4 KB
	   count used on a 64 KB segment (5.3.9). A count only a little past the
	   allocation is an off-by-one, which the per-page checks name. */
	if (al && al->resident == RESIDENT_AT && al->segment == s->id && s->page_size == 65536 && al->pages &&
	    a->NumberOfPages > al->pages && (a->NumberOfPages + 15) / 16 == al->pages) {
		o.size = a->NumberOfPages;
		model_report(m, DDIRR_INV_PAGE_UNIT_MIXUP, &o,
			     "NumberOfPages %llu for an allocation of %llu 64 KB pages: a count of 4 KB pages on a "
			     "64 KB-page segment",
			     (unsigned long long)a->NumberOfPages, (unsigned long long)al->pages);
		return; /* every page below would be flagged again */
	}
	/* Within one call, slots and pages must be distinct (5.3.4). The check
	   is quadratic, so it covers the first 4096 pages of a call only, and
	   none of a call whose slots and pages increase. */
	dup_checks = increasing_pages(a) ? 0 : a->NumberOfPages < 4096 ? a->NumberOfPages : 4096;
	for (i = 0; i < a->NumberOfPages; i++) {
		uint64_t slot = a->pCpuHostAperturePages[i];
		uint64_t page = a->pMemorySegmentPages[i];
		slot_obj *old;

		o.slot = slot;
		o.page = page;
		o.earlier_seq = 0;
		if (slot >= s->aperture_slots) {
			report_slot_range(m, s, slot);
			continue;
		}
		if (page >= seg_pages) {
			model_report(m, DDIRR_INV_SEGMENT_PAGE_OUT_OF_RANGE, &o,
				     "segment page %llu is past the end of segment %u (%llu pages)",
				     (unsigned long long)page, s->id, (unsigned long long)seg_pages);
			continue;
		}
		if ((old = slot_get(m, s->id, slot))) {
			o.earlier_seq = old->mapped.seq;
			o.earlier_ddi = old->mapped.ddi;
			model_report(m, DDIRR_INV_APERTURE_DOUBLE_MAP, &o,
				     "slot %llu is already mapped to allocation 0x%llx (segment %u page %llu) since seq %llu (%s)",
				     (unsigned long long)slot, (unsigned long long)old->allocation, s->id,
				     (unsigned long long)old->page, (unsigned long long)old->mapped.seq,
				     model_ddi_name(old->mapped.ddi));
		} else {
			uint64_t other;

			if (u64map_get(&m->page_slots, page_key(s->id, page), &other)) {
				old = slot_get(m, s->id, other);
				o.earlier_seq = old ? old->mapped.seq : 0;
				o.earlier_ddi = old ? old->mapped.ddi : 0;
				model_report(m, DDIRR_INV_APERTURE_ALIAS, &o,
					     "segment page %llu is already reachable through slot %llu since seq %llu",
					     (unsigned long long)page, (unsigned long long)other,
					     (unsigned long long)o.earlier_seq);
			}
		}
		if (al && al->resident == RESIDENT_AT && al->segment == s->id &&
		    (page < al->first_page || page >= al->first_page + al->pages)) {
			o.earlier_seq = al->placed.seq;
			o.earlier_ddi = al->placed.ddi;
			model_report(m, DDIRR_INV_MAP_OUTSIDE_ALLOCATION, &o,
				     "segment page %llu is outside allocation 0x%llx's pages %llu..%llu placed at seq %llu (%s)",
				     (unsigned long long)page, (unsigned long long)al->handle,
				     (unsigned long long)al->first_page, (unsigned long long)(al->first_page + al->pages - 1),
				     (unsigned long long)al->placed.seq, model_ddi_name(al->placed.ddi));
		}
		for (j = 0; i < dup_checks && j < i && !reported_dup; j++) {
			if (a->pCpuHostAperturePages[j] == slot || a->pMemorySegmentPages[j] == page) {
				o.earlier_seq = 0;
				o.earlier_ddi = 0;
				model_report(m, DDIRR_INV_APERTURE_DUPLICATE_IN_CALL, &o,
					     "entries %llu and %llu name the same %s %llu", (unsigned long long)j,
					     (unsigned long long)i, a->pCpuHostAperturePages[j] == slot ? "slot" : "page",
					     (unsigned long long)(a->pCpuHostAperturePages[j] == slot ? slot : page));
				reported_dup = 1;
			}
		}
	}
}

/* The exit applies what the entry saw: the slots and pages, kept here. */
typedef struct map_stash {
	uint32_t segment;
	uint64_t allocation;
	uint64_t n;
	/* followed by n slot/page pairs */
} map_stash;

int aperture_map_stash(ddirr_model *m, pending *p, const DXGKARG_MAPCPUHOSTAPERTURE *a)
{
	size_t size;
	map_stash *st;
	uint64_t *pairs, i;

	if (!a->NumberOfPages || !a->pCpuHostAperturePages || !a->pMemorySegmentPages || a->NumberOfPages > (1u << 24))
		return 0;
	size = sizeof(*st) + a->NumberOfPages * 2 * sizeof(uint64_t);
	st = model_alloc(m, size);
	if (!st)
		return DDIRR_ENOMEM;
	st->segment = a->SegmentId;
	st->allocation = H(a->hAllocation);
	st->n = a->NumberOfPages;
	pairs = (uint64_t *)(st + 1);
	for (i = 0; i < st->n; i++) {
		pairs[2 * i] = a->pCpuHostAperturePages[i];
		pairs[2 * i + 1] = a->pMemorySegmentPages[i];
	}
	p->data = st;
	p->data_size = size;
	return 0;
}

int aperture_map_exit(ddirr_model *m, const pending *p)
{
	const map_stash *st = p->data;
	const ddirr_model_segment *s;
	const uint64_t *pairs;
	alloc_obj *al;
	uint64_t i;

	if (!st || !(s = model_segment(m, st->segment)))
		return 0;
	al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, st->allocation);
	pairs = (const uint64_t *)(st + 1);
	for (i = 0; i < st->n; i++) {
		uint64_t slot = pairs[2 * i], page = pairs[2 * i + 1];
		slot_obj *so = slot_get(m, s->id, slot);

		if (slot >= s->aperture_slots || page >= s->size / s->page_size)
			continue; /* reported on entry; the hardware would not take it */
		if (so) {
			/* A double map (reported on entry) replaces the mapping. */
			alloc_obj *prev = model_peek(m, DDIRR_NS_ALLOCATION_KMD, so->allocation);

			if (prev && prev->mapped_slots)
				prev->mapped_slots--;
			u64map_del(&m->page_slots, page_key(s->id, so->page));
		} else {
			so = model_alloc(m, sizeof(*so));
			if (!so || u64map_put(&m->slots, slot_key(s->id, slot), (uintptr_t)so)) {
				model_free(m, so, sizeof(*so));
				return DDIRR_ENOMEM;
			}
		}
		so->page = page;
		so->allocation = st->allocation;
		so->mapped = (origin){p->seq, p->ddi};
		so->thread = p->thread;
		if (u64map_put(&m->page_slots, page_key(s->id, page), slot))
			return DDIRR_ENOMEM;
		if (al)
			al->mapped_slots++;
	}
	return 0;
}

void aperture_unmap_entry(ddirr_model *m, const DXGKARG_UNMAPCPUHOSTAPERTURE *a)
{
	const ddirr_model_segment *s = host_aperture_segment(m, a->SegmentId, a->PhysicalAdapterIndex);
	violation_objects o = {.segment = a->SegmentId};
	uint64_t i, unmapped = 0, first_unmapped = 0;

	if (a->NumberOfPages == 0) {
		model_report(m, DDIRR_INV_EMPTY_MAP, &o, "unmaps zero pages");
		return;
	}
	if (!s || !a->pCpuHostAperturePages)
		return;
	for (i = 0; i < a->NumberOfPages; i++) {
		uint64_t slot = a->pCpuHostAperturePages[i];

		if (slot >= s->aperture_slots) {
			report_slot_range(m, s, slot);
			continue;
		}
		if (!slot_get(m, s->id, slot) && unmapped++ == 0)
			first_unmapped = slot;
	}
	if (!unmapped)
		return;
	o.slot = first_unmapped;
	o.size = unmapped;
	/* Sixteen times more slots than are mapped: a 4 KB count on a 64 KB
	   segment (5.3.9). A call that finds none of its slots mapped is a
	   plain unmap of unmapped slots (a second unmap), whatever its count. */
	if (s->page_size == 65536 && a->NumberOfPages % 16 == 0 && unmapped < a->NumberOfPages &&
	    unmapped >= a->NumberOfPages - a->NumberOfPages / 16)
		model_report(m, DDIRR_INV_PAGE_UNIT_MIXUP, &o,
			     "%llu of %llu slots are not mapped: a count of 4 KB pages on a 64 KB-page segment",
			     (unsigned long long)unmapped, (unsigned long long)a->NumberOfPages);
	else
		model_report(m, DDIRR_INV_APERTURE_UNMAP_UNMAPPED, &o,
			     "slot %llu of segment %u is not mapped%s", (unsigned long long)first_unmapped, s->id,
			     unmapped > 1 ? " (and more slots of this call)" : "");
}

int aperture_unmap_stash(ddirr_model *m, pending *p, const DXGKARG_UNMAPCPUHOSTAPERTURE *a)
{
	uint64_t *copy, i;

	if (!a->NumberOfPages || !a->pCpuHostAperturePages || a->NumberOfPages > (1u << 24))
		return 0;
	copy = model_alloc(m, a->NumberOfPages * sizeof(*copy));
	if (!copy)
		return DDIRR_ENOMEM;
	for (i = 0; i < a->NumberOfPages; i++)
		copy[i] = a->pCpuHostAperturePages[i];
	p->data = copy;
	p->data_size = a->NumberOfPages * sizeof(*copy);
	p->count = a->NumberOfPages;
	p->h[0] = a->SegmentId;
	return 0;
}

void aperture_unmap_exit(ddirr_model *m, const pending *p)
{
	const uint64_t *slots = p->data;
	uint32_t segment = (uint32_t)p->h[0];
	uint64_t i, handle = 0;
	alloc_obj *al = NULL;

	for (i = 0; i < p->count; i++) {
		slot_obj *so = slot_get(m, segment, slots[i]);

		if (!so)
			continue;
		/* The slots of one call mostly map one allocation: look it up
		   once per run (the loop changes no handle table). */
		if (so->allocation != handle) { /* handle 0 names none */
			handle = so->allocation;
			al = model_peek(m, DDIRR_NS_ALLOCATION_KMD, handle);
		}
		if (al && al->mapped_slots)
			al->mapped_slots--;
		u64map_del(&m->page_slots, page_key(segment, so->page));
		u64map_del(&m->slots, slot_key(segment, slots[i]));
		model_free(m, so, sizeof(*so));
	}
}

/* Finds one slot still mapping allocation a, for the report. */
static int first_slot_of(const ddirr_model *m, uint64_t allocation, uint64_t *key, const slot_obj **so)
{
	size_t i = 0;
	uint64_t k, v;

	while (u64map_next(&m->slots, &i, &k, &v)) {
		const slot_obj *s = (const slot_obj *)(uintptr_t)v;

		if (s->allocation == allocation) {
			*key = k;
			*so = s;
			return 1;
		}
	}
	return 0;
}

void aperture_check_unmapped(ddirr_model *m, const alloc_obj *a, int inv, const char *what)
{
	const slot_obj *so;
	uint64_t key;
	violation_objects o = {.handle = a->handle, .handle_ns = DDIRR_NS_ALLOCATION_KMD};

	if (!a->mapped_slots || !first_slot_of(m, a->handle, &key, &so))
		return;
	o.segment = (uint32_t)(key >> 32);
	o.slot = key & 0xffffffffu;
	o.page = so->page;
	o.earlier_seq = so->mapped.seq;
	o.earlier_ddi = so->mapped.ddi;
	model_report(m, inv, &o,
		     "allocation 0x%llx is %s while %llu aperture slot(s) still map it: slot %llu -> segment %u page %llu "
		     "since seq %llu (%s)",
		     (unsigned long long)a->handle, what, (unsigned long long)a->mapped_slots, (unsigned long long)o.slot,
		     o.segment, (unsigned long long)so->page, (unsigned long long)so->mapped.seq,
		     model_ddi_name(so->mapped.ddi));
}

void aperture_check_all_unmapped(ddirr_model *m, int inv, const char *what)
{
	size_t i = 0;
	uint64_t k, v;
	violation_objects o = {0};

	if (!u64map_next(&m->slots, &i, &k, &v))
		return;
	{
		const slot_obj *so = (const slot_obj *)(uintptr_t)v;

		o.segment = (uint32_t)(k >> 32);
		o.slot = k & 0xffffffffu;
		o.page = so->page;
		o.handle = so->allocation;
		o.handle_ns = DDIRR_NS_ALLOCATION_KMD;
		o.earlier_seq = so->mapped.seq;
		o.earlier_ddi = so->mapped.ddi;
		model_report(m, inv, &o,
			     "%s with %zu aperture slot(s) mapped, for one slot %llu of segment %u (allocation 0x%llx) "
			     "since seq %llu (%s)",
			     what, m->slots.n, (unsigned long long)o.slot, o.segment, (unsigned long long)so->allocation,
			     (unsigned long long)so->mapped.seq, model_ddi_name(so->mapped.ddi));
	}
}

int ddirr_model_aperture_lookup(const ddirr_model *m, uint32_t segment, uint64_t slot, uint64_t *page,
				uint64_t *allocation)
{
	const slot_obj *so = slot_get(m, segment, slot);

	if (!so)
		return 0;
	if (page)
		*page = so->page;
	if (allocation)
		*allocation = so->allocation;
	return 1;
}
