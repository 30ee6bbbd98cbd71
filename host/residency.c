/* VidMm's memory work for the capture host: placing allocations (Fill on
 * first use, Transfer back from system memory later), evicting them under
 * pressure, moving them, CPU locks through the host aperture, and the GPU
 * page tables that map them.
 *
 * The order is VidMm's: CPU mappings come down before memory moves, PTEs
 * are invalidated before an eviction and rewritten after a commit or a move,
 * and a new page table is written invalid before a parent entry points at
 * it. Where and which slots comes from the model (ddirr_model_choose_*). */
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "host.h"

#define H(x) ((uint64_t)(uintptr_t)(x))
#define P(x) ((HANDLE)(uintptr_t)(x))

/* A lock maps at most this many segment pages: a region of a large
   allocation, as a lock of one subresource does. */
#define LOCK_MAX_PAGES 64

static NTSTATUS paging(host *h, DXGKARG_BUILDPAGINGBUFFER *b)
{
	ddirr_frame_BuildPagingBuffer f = {.hAdapter = P(h->adapter_kmd), .pBuildPagingBuffer = b};

	if (b->Operation != DXGK_OPERATION_UPDATE_PAGE_TABLE ||
	    b->UpdatePageTable.UpdateMode != DXGK_PAGETABLEUPDATE_CPU_VIRTUAL) {
		b->pDmaBuffer = h->dma;
		b->DmaSize = (UINT)h->dma_size;
	}
	b->hSystemContext = h->system_context ? P(h->system_context->kmd) : NULL;
	return host_ddi(h, DDIRR_DDI_BuildPagingBuffer, &f);
}

static int residency(host *h, const host_alloc *a, uint32_t *seg, uint64_t *first, uint64_t *pages)
{
	return ddirr_model_allocation_residency(h->m, a->handle, seg, first, pages);
}

/* ------------------------------------------------------------------ */
/* Page tables                                                         */

static unsigned shift_of(const host *h, unsigned level)
{
	unsigned s = 12, i;

	for (i = 0; i < level; i++)
		s += h->index_bits[i];
	return s;
}

static uint64_t pool_take(host *h)
{
	uint64_t i;

	for (i = 0; i < h->pt_pages; i++)
		if (!h->pt_used[i]) {
			h->pt_used[i] = 1;
			return i * 4096;
		}
	return UINT64_MAX;
}

static void pool_give(host *h, uint64_t offset)
{
	if (offset / 4096 < h->pt_pages)
		h->pt_used[offset / 4096] = 0;
}

/* One UpdatePageTable of n entries at index `start` of the table at
   `offset`: GPU-physical, or through a CPU pointer into the host aperture. */
static void update_table(host *h, host_process *p, unsigned level, uint64_t offset, uint32_t start, uint32_t n,
			 const DXGK_PTE *ptes, int repeat, host_alloc *a, uint64_t alloc_offset, uint64_t first_va,
			 uint64_t cpu)
{
	DXGKARG_BUILDPAGINGBUFFER b;
	DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u = &b.UpdatePageTable;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	u->PageTableLevel = level;
	u->hAllocation = a ? P(a->handle) : NULL;
	if (cpu) {
		u->UpdateMode = DXGK_PAGETABLEUPDATE_CPU_VIRTUAL;
		u->PageTableAddress.CpuVirtual = (PVOID)(uintptr_t)cpu;
	} else {
		u->UpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
		u->PageTableAddress.GpuPhysical.SegmentId = h->pt_segment;
		u->PageTableAddress.GpuPhysical.SegmentOffset = offset;
	}
	u->pPageTableEntries = (DXGK_PTE *)ptes;
	u->StartIndex = start;
	u->NumPageTableEntries = n;
	u->Flags.Repeat = repeat != 0;
	u->Flags.InitialUpdate = a == NULL && repeat;
	u->AllocationOffsetInBytes = alloc_offset;
	u->hProcess = P(p->kmd);
	u->FirstPteVirtualAddress = level == 0 ? first_va : 0;
	paging(h, &b);
}

static void invalid_table(host *h, host_process *p, unsigned level, uint64_t offset, uint64_t cpu)
{
	DXGK_PTE none;

	memset(&none, 0, sizeof(none));
	/* VidMm sets every new page table to invalid (reference 11). */
	update_table(h, p, level, offset, 0, 1u << h->index_bits[level], &none, 1, NULL, 0, 0, cpu);
}

static void point_at(host *h, host_process *p, unsigned level, uint64_t parent, uint32_t index, uint64_t child,
		     uint64_t cpu)
{
	DXGK_PTE e;

	memset(&e, 0, sizeof(e));
	e.Valid = 1;
	e.Segment = h->pt_segment;
	e.PageTableAddress = child >> 12;
	update_table(h, p, level, parent, index, 1, &e, 0, NULL, 0, 0, cpu);
}

static host_table *table_find(host_process *p, uint64_t key)
{
	size_t i;

	for (i = 0; i < p->n_tables; i++)
		if (p->tables[i].key == key)
			return &p->tables[i];
	return NULL;
}

/* The table of `level` that maps va in p, made (written invalid, and
   pointed at by its parent) when create is set. Returns its offset in the
   page-table segment, or UINT64_MAX. */
static uint64_t table_of(host *h, host_process *p, unsigned level, uint64_t va, int create)
{
	uint64_t parent = p->root;
	unsigned l;

	for (l = h->levels - 1; l > level; l--) {
		unsigned above = shift_of(h, l);
		uint64_t key = (uint64_t)(l - 1) << 56 | va >> above;
		uint32_t index = (uint32_t)(va >> above & ((1u << h->index_bits[l]) - 1));
		host_table *t = table_find(p, key);

		if (!t) {
			uint64_t off;

			if (!create)
				return UINT64_MAX;
			if (p->n_tables == p->cap_tables) {
				size_t cap = p->cap_tables ? p->cap_tables * 2 : 16;
				host_table *n = realloc(p->tables, cap * sizeof(*n));

				if (!n)
					return UINT64_MAX;
				p->tables = n;
				p->cap_tables = cap;
			}
			if ((off = pool_take(h)) == UINT64_MAX)
				return UINT64_MAX;
			invalid_table(h, p, l - 1, off, 0);
			point_at(h, p, l, parent, index, off, 0);
			t = &p->tables[p->n_tables++];
			t->key = key;
			t->offset = off;
		}
		parent = t->offset;
	}
	return parent;
}

int host_new_root(host *h, host_process *p)
{
	uint64_t off = pool_take(h);

	if (off == UINT64_MAX)
		return -1;
	p->root = off;
	p->has_root = 1;
	invalid_table(h, p, h->levels - 1, off, 0);
	return 0;
}

void host_free_tables(host *h, host_process *p)
{
	size_t i;

	for (i = 0; i < p->n_tables; i++)
		pool_give(h, p->tables[i].offset);
	if (p->has_root)
		pool_give(h, p->root);
	free(p->tables);
	p->tables = NULL;
	p->n_tables = p->cap_tables = 0;
	p->root = 0;
	p->has_root = 0;
}

/* The CPU reaches a page table through the host aperture: one slot for the
   time of one update, as VidMm maps page tables for CPU access. */
static uint64_t cpu_map_table(host *h, uint64_t offset, uint32_t *slot)
{
	const host_segment *s = &h->seg[h->pt_segment];
	UINT64 page = offset / 4096;
	DXGKARG_MAPCPUHOSTAPERTURE m;
	ddirr_frame_MapCpuHostAperture f = {.hAdapter = P(h->adapter_kmd), .pArgs = &m};

	if (!s->aperture_slots || ddirr_model_choose_slots(h->m, h->pt_segment, 1, slot))
		return 0;
	memset(&m, 0, sizeof(m));
	m.hAllocation = NULL; /* an implicit allocation */
	m.SegmentId = (WORD)h->pt_segment;
	m.NumberOfPages = 1;
	m.pCpuHostAperturePages = slot;
	m.pMemorySegmentPages = &page;
	if (host_ddi(h, DDIRR_DDI_MapCpuHostAperture, &f) < 0)
		return 0;
	return s->aperture_base + (uint64_t)*slot * s->page_size;
}

static void cpu_unmap_table(host *h, uint32_t slot)
{
	DXGKARG_UNMAPCPUHOSTAPERTURE u;
	ddirr_frame_UnmapCpuHostAperture f = {.hAdapter = P(h->adapter_kmd), .pArgs = &u};

	memset(&u, 0, sizeof(u));
	u.NumberOfPages = 1;
	u.pCpuHostAperturePages = &slot;
	u.SegmentId = (WORD)h->pt_segment;
	host_ddi(h, DDIRR_DDI_UnmapCpuHostAperture, &f);
}

int host_init_paging_process(host *h, host_process *p)
{
	uint64_t tables[HOST_MAX_LEVELS], va = p->va_next;
	uint32_t slot;
	unsigned l;

	/* The paging process's tables are written by the CPU at once
	   (DXGK_PAGETABLEUPDATE_CPU_VIRTUAL, no DMA buffer): the root, and one
	   table per level down to the leaf that maps its first VAs. */
	for (l = 0; l < h->levels; l++)
		if ((tables[l] = pool_take(h)) == UINT64_MAX)
			return -1;
	p->root = tables[h->levels - 1];
	p->has_root = 1;
	/* Leaf first: a table is invalid before its parent points at it. */
	for (l = 0; l < h->levels; l++) {
		uint64_t cpu = cpu_map_table(h, tables[l], &slot);

		if (!cpu)
			return -1;
		invalid_table(h, p, l, tables[l], cpu);
		if (l > 0) {
			unsigned above = shift_of(h, l);

			point_at(h, p, l, tables[l], (uint32_t)(va >> above & ((1u << h->index_bits[l]) - 1)),
				 tables[l - 1], cpu);
		}
		cpu_unmap_table(h, slot);
	}
	for (l = 0; l + 1 < h->levels; l++) {
		host_table *t;

		if (p->n_tables == p->cap_tables) {
			size_t cap = p->cap_tables ? p->cap_tables * 2 : 16;
			host_table *n = realloc(p->tables, cap * sizeof(*n));

			if (!n)
				return -1;
			p->tables = n;
			p->cap_tables = cap;
		}
		t = &p->tables[p->n_tables++];
		t->key = (uint64_t)l << 56 | va >> shift_of(h, l + 1);
		t->offset = tables[l];
	}
	return 0;
}

void host_ptes(host *h, host_process *p, uint64_t va, uint64_t pages, host_alloc *a, uint64_t offset, int valid)
{
	uint32_t entries = 1u << h->index_bits[0];
	DXGK_PTE *ptes = calloc(entries, sizeof(*ptes));
	uint32_t seg = 0;
	uint64_t first = 0, n_pages = 0, base = 0, start_va = va;

	if (!ptes || !p || !p->live)
		goto out;
	if (valid) {
		if (!a || !residency(h, a, &seg, &first, &n_pages))
			goto out;
		base = first * h->seg[seg].page_size;
	}
	while (pages) {
		uint32_t index = (uint32_t)(va >> 12 & (entries - 1)), n = entries - index, i;
		uint64_t table;

		if (n > pages)
			n = (uint32_t)pages;
		table = table_of(h, p, 0, va, valid);
		if (table != UINT64_MAX) {
			if (valid) {
				for (i = 0; i < n; i++) {
					memset(&ptes[i], 0, sizeof(ptes[i]));
					ptes[i].Valid = 1;
					ptes[i].Segment = seg;
					ptes[i].PageAddress = (base + offset) / 4096 + i;
				}
				update_table(h, p, 0, table, index, n, ptes, 0, a, offset, va, 0);
			} else {
				memset(&ptes[0], 0, sizeof(ptes[0]));
				update_table(h, p, 0, table, index, n, ptes, 1, a, offset, va, 0);
			}
		}
		va += (uint64_t)n * 4096;
		offset += (uint64_t)n * 4096;
		pages -= n;
	}
	if (!valid) {
		DXGKARG_BUILDPAGINGBUFFER b;

		/* Invalid entries may still sit in the TLB. */
		memset(&b, 0, sizeof(b));
		b.Operation = DXGK_OPERATION_FLUSH_TLB;
		b.FlushTlb.RootPageTableAddress.SegmentId = h->pt_segment;
		b.FlushTlb.RootPageTableAddress.SegmentOffset = p->root;
		b.FlushTlb.hProcess = P(p->kmd);
		b.FlushTlb.StartVirtualAddress = start_va;
		b.FlushTlb.EndVirtualAddress = va;
		paging(h, &b);
	}
out:
	free(ptes);
}

void host_write_ptes(host *h, host_alloc *a, int valid)
{
	int i;

	for (i = 0; i < a->n_maps; i++)
		host_ptes(h, a->maps[i].proc, a->maps[i].va, a->maps[i].pages, a, 0, valid);
}

uint64_t host_map_va(host *h, host_alloc *a, host_process *p)
{
	uint64_t va, pages = (a->size + 4095) / 4096;
	uint32_t seg;
	uint64_t first, n;

	if (a->n_maps == HOST_MAX_MAPS || !p || !p->live)
		return 0;
	va = p->va_next;
	p->va_next += (a->size + 0xffff) / 0x10000 * 0x10000 + 0x10000; /* 64 KB aligned, a guard between */
	a->maps[a->n_maps++] = (host_va_map){p, va, pages};
	if (residency(h, a, &seg, &first, &n))
		host_ptes(h, p, va, pages, a, 0, 1);
	return va;
}

void host_unmap_all_va(host *h, host_alloc *a)
{
	uint32_t seg;
	uint64_t first, n;

	if (residency(h, a, &seg, &first, &n))
		host_write_ptes(h, a, 0);
	a->n_maps = 0;
}

/* ------------------------------------------------------------------ */
/* Residency                                                           */

static int is_locked(host *h, const host_alloc *a)
{
	uint32_t s, slot;

	for (s = 1; s <= h->n_segments; s++)
		if (h->seg[s].aperture_slots && ddirr_model_slots_of(h->m, a->handle, s, &slot, 1))
			return 1;
	return 0;
}

int host_make_room(host *h, uint32_t set, uint64_t bytes, const host_alloc *keep)
{
	int tries;

	for (tries = 0; tries < HOST_MAX_ALLOCATIONS; tries++) {
		uint32_t seg;
		uint64_t first, pages;
		host_alloc *victim = NULL;
		int i;

		if (ddirr_model_choose_placement(h->m, set, bytes, 65536, &seg, &first) == 0)
			return 0;
		/* The least recently used resident allocation in one of the
		   segments asked for. */
		for (i = 0; i < HOST_MAX_ALLOCATIONS; i++) {
			host_alloc *c = &h->alloc[i];

			if (!c->live || c == keep || c->pinned || !residency(h, c, &seg, &first, &pages) ||
			    !(set & (1u << (seg - 1))))
				continue;
			if (!victim || c->lru < victim->lru)
				victim = c;
		}
		if (!victim)
			return -1;
		host_evict(h, victim);
	}
	return -1;
}

/* A Transfer of the whole allocation; segment 0 is its system-memory copy,
   which its MDL describes. */
static NTSTATUS transfer(host *h, host_alloc *a, uint32_t src_seg, uint64_t src_page, uint32_t dst_seg,
			 uint64_t dst_page)
{
	DXGKARG_BUILDPAGINGBUFFER b;
	MDL *mdl = a->mdl;

	memset(&b, 0, sizeof(b));
	b.Operation = DXGK_OPERATION_TRANSFER;
	b.Transfer.hAllocation = P(a->handle);
	b.Transfer.TransferSize = a->size;
	b.Transfer.Source.SegmentId = src_seg;
	b.Transfer.Destination.SegmentId = dst_seg;
	if (src_seg)
		b.Transfer.Source.SegmentAddress.QuadPart = (LONGLONG)(src_page * h->seg[src_seg].page_size);
	if (dst_seg)
		b.Transfer.Destination.SegmentAddress.QuadPart = (LONGLONG)(dst_page * h->seg[dst_seg].page_size);
	if (!src_seg || !dst_seg) {
		memset(mdl, 0, sizeof(*mdl));
		mdl->ByteCount = (ULONG)a->size;
		if (src_seg)
			b.Transfer.Destination.pMdl = mdl;
		else
			b.Transfer.Source.pMdl = mdl;
	}
	b.Transfer.Flags.AllocationIsIdle = 1;
	return paging(h, &b);
}

int host_commit(host *h, host_alloc *a)
{
	uint32_t seg;
	uint64_t first, pages;
	DXGKARG_BUILDPAGINGBUFFER b;

	if (!a->live)
		return -1;
	a->lru = ++h->tick;
	if (residency(h, a, &seg, &first, &pages))
		return 0;
	if (ddirr_model_choose_placement(h->m, a->set, a->size, 65536, &seg, &first) &&
	    (host_make_room(h, a->set, a->size, a) ||
	     ddirr_model_choose_placement(h->m, a->set, a->size, 65536, &seg, &first)))
		return -1;
	if (a->in_system) {
		/* Back from system memory, where its eviction left it. */
		if (transfer(h, a, 0, 0, seg, first) < 0)
			return -1;
	} else {
		/* First use: its content is undefined; VidMm clears it. */
		memset(&b, 0, sizeof(b));
		b.Operation = DXGK_OPERATION_FILL;
		b.Fill.hAllocation = P(a->handle);
		b.Fill.FillSize = a->size;
		b.Fill.FillPattern = 0;
		b.Fill.Destination.SegmentId = seg;
		b.Fill.Destination.SegmentAddress.QuadPart = (LONGLONG)(first * h->seg[seg].page_size);
		if (paging(h, &b) < 0)
			return -1;
	}
	a->in_system = 0;
	a->ever_resident = 1;
	host_write_ptes(h, a, 1);
	return 0;
}

void host_evict(host *h, host_alloc *a)
{
	uint32_t seg;
	uint64_t first, pages;

	if (!a->live || !residency(h, a, &seg, &first, &pages))
		return;
	host_unlock(h, a);       /* CPU mappings first (reference 5.3.7) */
	host_write_ptes(h, a, 0); /* then the GPU's */
	if (transfer(h, a, seg, first, 0, 0) >= 0)
		a->in_system = 1;
}

int host_relocate(host *h, host_alloc *a)
{
	uint32_t seg, nseg;
	uint64_t first, pages, nfirst;

	if (!a->live || !residency(h, a, &seg, &first, &pages))
		return -1;
	if (ddirr_model_choose_placement(h->m, a->set, a->size, 65536, &nseg, &nfirst))
		return -1; /* nowhere else to go */
	host_unlock(h, a);
	if (transfer(h, a, seg, first, nseg, nfirst) < 0)
		return -1;
	/* The PTEs are rewritten in place: same VAs, new pages. */
	host_write_ptes(h, a, 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* CPU locks through the host aperture                                 */

int host_lock(host *h, host_alloc *a)
{
	uint32_t seg, slots[LOCK_MAX_PAGES];
	uint64_t first, pages, n, i;
	UINT64 seg_pages[LOCK_MAX_PAGES];
	DXGKARG_MAPCPUHOSTAPERTURE m;
	ddirr_frame_MapCpuHostAperture f = {.hAdapter = P(h->adapter_kmd), .pArgs = &m};
	int tries;

	if (!a->live || host_commit(h, a) || !residency(h, a, &seg, &first, &pages))
		return -1;
	if (is_locked(h, a))
		return 0;
	if (!h->seg[seg].aperture_slots)
		return -1;
	n = pages < LOCK_MAX_PAGES ? pages : LOCK_MAX_PAGES;
	for (tries = 0; ddirr_model_choose_slots(h->m, seg, n, slots); tries++) {
		/* The aperture is full: take the slots of the oldest other lock
		   in this segment (VidMm's AcquireRange reclaims them). */
		host_alloc *victim = NULL;
		uint32_t s;
		uint64_t f1, p1;
		int k;

		for (k = 0; k < HOST_MAX_ALLOCATIONS; k++) {
			host_alloc *c = &h->alloc[k];

			if (c->live && c != a && residency(h, c, &s, &f1, &p1) && s == seg && is_locked(h, c) &&
			    (!victim || c->lru < victim->lru))
				victim = c;
		}
		if (!victim || tries > HOST_MAX_ALLOCATIONS)
			return -1;
		host_unlock(h, victim);
	}
	for (i = 0; i < n; i++)
		seg_pages[i] = first + i;
	memset(&m, 0, sizeof(m));
	m.hAllocation = P(a->handle);
	m.SegmentId = (WORD)seg;
	m.NumberOfPages = n;
	m.pCpuHostAperturePages = slots;
	m.pMemorySegmentPages = seg_pages;
	return host_ddi(h, DDIRR_DDI_MapCpuHostAperture, &f) < 0 ? -1 : 0;
}

void host_unlock(host *h, host_alloc *a)
{
	uint32_t s, slots[256];

	for (s = 1; s <= h->n_segments; s++) {
		size_t n;
		DXGKARG_UNMAPCPUHOSTAPERTURE u;
		ddirr_frame_UnmapCpuHostAperture f = {.hAdapter = P(h->adapter_kmd), .pArgs = &u};

		if (!h->seg[s].aperture_slots)
			continue;
		n = ddirr_model_slots_of(h->m, a->handle, s, slots, 256);
		if (!n || n > 256)
			continue;
		memset(&u, 0, sizeof(u));
		u.NumberOfPages = n;
		u.pCpuHostAperturePages = slots;
		u.SegmentId = (WORD)s;
		host_ddi(h, DDIRR_DDI_UnmapCpuHostAperture, &f);
	}
}
