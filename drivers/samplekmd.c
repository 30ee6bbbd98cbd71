/* samplekmd: a sample WDDM 2.x kernel-mode display driver (the core of one,
 * as a shared object) on simulated hardware. One source, built once per
 * version with -DSAMPLEKMD_VERSION=N for "samplekmd 1.N"; some versions
 * carry the mapping regressions drivers/VERSIONS.md documents.
 *
 * It registers like a KMD: DriverEntry fills a DRIVER_INITIALIZATION_DATA
 * and calls DxgkInitialize; StartDevice keeps the DXGKRNL_INTERFACE. Its
 * hardware is simulated in memory:
 *   - VRAM: segments 1 to 3, sparse, in 4 KB blocks made on first write;
 *   - the CPU host aperture: one remap table per segment, slot -> page;
 *   - the GART: segment 4, an aperture segment, page -> system page;
 *   - the MMU: three levels of page tables that live in VRAM (segment 3)
 *     in the hardware's own 8-byte PTE format, written by UpdatePageTable
 *     and walked by the probe;
 *   - the paging engine: BuildPagingBuffer operations run at once (there is
 *     no submission DDI in the slice), after a command is written to the
 *     DMA buffer.
 * The probe (include/ddirr/probe.h) reads the remap tables and walks the
 * page tables, so a wrong translation shows even when a DDI succeeded.
 *
 * Handles are deterministic: a kind's base plus a never-reused index, so a
 * capture repeated with the same seed gives the same trace. The driver
 * serves one adapter and is single-threaded, as the capture host and the
 * replayer call it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/probe.h"
#include "ddirr/wddm.h"
#include "samplekmd.h"

#ifndef SAMPLEKMD_VERSION
#error "build with -DSAMPLEKMD_VERSION=N (samplekmd 1.N)"
#endif

#define EXPORT __attribute__((visibility("default")))
#define STR_(x) #x
#define STR(x) STR_(x)

EXPORT const char ddirr_driver_version[] = "samplekmd 1." STR(SAMPLEKMD_VERSION);

/* ------------------------------------------------------------------ */
/* Versions (drivers/VERSIONS.md)                                      */

/* 1.1: UpdatePageTable with Repeat emits one fill command instead of one
   write per entry. The DMA buffer gets shorter; nothing else changes. */
#define FEATURE_PACKED_REPEAT (SAMPLEKMD_VERSION >= 1)
/* 1.2 (fixed in 1.3): the copy engine's ring is mapped with its 4 KB page
   count multiplied again by 16, as if it were counted in 64 KB pages. */
#define REGRESSION_RING_PAGE_UNITS (SAMPLEKMD_VERSION == 2)
/* 1.4: leaf PTEs that already map the same allocation offset are not
   rewritten (to save DMA space); after a relocation they stay stale. */
#define REGRESSION_PTE_ELISION (SAMPLEKMD_VERSION >= 4)
/* 1.5: UnmapCpuHostAperture leaves the last slot of the range mapped. */
#define REGRESSION_UNMAP_LAST_SLOT (SAMPLEKMD_VERSION >= 5)
/* 1.6 (fixed in 1.7): DestroyContext frees its context allocation with the
   driver's own handle instead of dxgkrnl's. */
#define REGRESSION_FREE_WITH_KMD_HANDLE (SAMPLEKMD_VERSION == 6)

/* ------------------------------------------------------------------ */
/* The simulated adapter                                               */

enum { SEG_VRAM = 1, SEG_VRAM4K = 2, SEG_PAGETABLES = 3, SEG_GART = 4, N_SEGMENTS = 4 };

#define FLAG_APERTURE 0x1u
#define FLAG_USE64KB 0x800u
#define FLAG_HOST_APERTURE 0x2000u

static const struct segment_desc {
	UINT flags;
	UINT64 size;
	UINT page_size;
	UINT64 aperture_base; /* CPU physical address of the host aperture */
	UINT aperture_slots;
} seg_desc[N_SEGMENTS + 1] = {
	[SEG_VRAM] = {FLAG_USE64KB | FLAG_HOST_APERTURE, 16u << 20, 65536, 0xD0000000u, 64},
	[SEG_VRAM4K] = {FLAG_HOST_APERTURE, 4u << 20, 4096, 0xD8000000u, 256},
	[SEG_PAGETABLES] = {FLAG_HOST_APERTURE, 2u << 20, 4096, 0xDC000000u, 32},
	[SEG_GART] = {FLAG_APERTURE, 16u << 20, 4096, 0, 0},
};

/* The MMU: 39-bit VAs, three levels of 512 eight-byte entries (4 KB each). */
#define VA_BITS 39
#define LEVELS 3
#define INDEX_BITS 9
#define TABLE_ENTRIES (1u << INDEX_BITS)
#define TABLE_BYTES (TABLE_ENTRIES * 8u)

/* The hardware PTE: bit 0 valid, 1-5 segment, 6 read-only, 7 no-execute,
   8 zero, 12-63 the page address (>> 12). */
#define HWPTE_VALID 1ull

#define BLOCK 4096u
#define REMAP_VALID (1ull << 63)

typedef struct hw_segment {
	uint8_t **blocks;  /* VRAM, one 4 KB block per slot, NULL = all zero */
	uint64_t n_blocks;
	uint64_t *remap;   /* host aperture: slot -> REMAP_VALID | segment page */
	uint64_t *gart;    /* aperture segment: page -> valid | system page */
} hw_segment;

/* The tags of REGRESSION_PTE_ELISION: for each leaf PTE written, which
   allocation and offset it maps. Kept per 4 KB block of segment 3. */
typedef struct pte_tag {
	uint64_t allocation;
	uint64_t offset;
} pte_tag;

/* Evicted content: what the paging engine copied to system memory, by the
   MDL the transfer named (the simulated bus addresses system memory by MDL). */
typedef struct sysmem {
	uint64_t mdl;
	uint64_t size;
	uint8_t *data;
} sysmem;

/* ------------------------------------------------------------------ */
/* Objects and handles                                                 */

enum obj_kind { K_ALLOCATION, K_DEVICE, K_CONTEXT, K_PROCESS, K_OPEN, N_KINDS };

static const uint64_t kind_base[N_KINDS] = {0x10000000u, 0x20000000u, 0x30000000u, 0x40000000u, 0x50000000u};
#define ADAPTER_HANDLE 0x60000040u
#define HANDLE_STEP 0x40u

typedef struct allocation {
	uint64_t handle;
	uint64_t size;
	UINT segment_set;
	UINT kind;
	int resident;
	UINT segment;
	uint64_t offset;   /* bytes into the segment */
	uint64_t ctx_dxgk; /* a context allocation: dxgkrnl's handle for it */
} allocation;

typedef struct process {
	uint64_t handle, dxgk;
	int system;
	int root_known;
	D3DGPU_PHYSICAL_ADDRESS root;
	UINT root_entries;
	uint64_t reserved_va, reserved_size;
} process;

typedef struct device {
	uint64_t handle, dxgk;
	process *proc;
	int system;
} device;

typedef struct context {
	uint64_t handle, dxgk;
	device *dev;
	UINT node;
	int system;
	allocation *ring;      /* its context allocation, NULL for none */
	uint64_t ring_dxgk;    /* dxgkrnl's handle for it */
	uint64_t ring_va;
} context;

typedef struct open_alloc {
	uint64_t handle;
	D3DKMT_HANDLE dxgk;
	device *dev;
} open_alloc;

typedef struct table {
	void **items;
	size_t n, cap;
} table;

static struct adapter {
	int added, started;
	DXGKRNL_INTERFACE cb;
	hw_segment seg[N_SEGMENTS + 1];
	pte_tag **tags; /* per block of SEG_PAGETABLES */
	sysmem *sys;
	size_t n_sys, cap_sys;
	table objects[N_KINDS];
	process *system_process;
	uint64_t commands; /* paging commands executed */
} A;

static uint64_t H(HANDLE h)
{
	return (uint64_t)(uintptr_t)h;
}

static HANDLE P(uint64_t v)
{
	return (HANDLE)(uintptr_t)v;
}

/* Adds obj to its kind's table and returns its handle, or 0. */
static uint64_t obj_add(int kind, void *obj)
{
	table *t = &A.objects[kind];

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		void **n = realloc(t->items, cap * sizeof(*n));

		if (!n)
			return 0;
		t->items = n;
		t->cap = cap;
	}
	t->items[t->n++] = obj;
	return kind_base[kind] + t->n * HANDLE_STEP;
}

static void *obj_get(int kind, uint64_t handle)
{
	table *t = &A.objects[kind];
	uint64_t i;

	if (handle <= kind_base[kind] || (handle - kind_base[kind]) % HANDLE_STEP)
		return NULL;
	i = (handle - kind_base[kind]) / HANDLE_STEP - 1;
	return i < t->n ? t->items[i] : NULL;
}

/* Forgets the object; its handle is never handed out again. */
static void obj_del(int kind, uint64_t handle)
{
	table *t = &A.objects[kind];
	uint64_t i;

	if (!obj_get(kind, handle))
		return;
	i = (handle - kind_base[kind]) / HANDLE_STEP - 1;
	free(t->items[i]);
	t->items[i] = NULL;
}

static process *process_of(uint64_t handle)
{
	return handle ? obj_get(K_PROCESS, handle) : A.system_process;
}

/* ------------------------------------------------------------------ */
/* VRAM                                                                */

static int segment_ok(UINT s)
{
	return s >= 1 && s <= N_SEGMENTS && A.seg[s].n_blocks;
}

static int vram_range_ok(UINT s, uint64_t offset, uint64_t size)
{
	return segment_ok(s) && offset <= seg_desc[s].size && size <= seg_desc[s].size - offset;
}

static uint8_t *vram_block(UINT s, uint64_t b, int create)
{
	hw_segment *g = &A.seg[s];

	if (b >= g->n_blocks)
		return NULL;
	if (!g->blocks[b] && create)
		g->blocks[b] = calloc(1, BLOCK);
	return g->blocks[b];
}

static void vram_read(UINT s, uint64_t offset, void *buf, uint64_t n)
{
	uint8_t *out = buf;

	while (n) {
		uint64_t in = offset % BLOCK, k = BLOCK - in < n ? BLOCK - in : n;
		uint8_t *b = vram_block(s, offset / BLOCK, 0);

		if (b)
			memcpy(out, b + in, k);
		else
			memset(out, 0, k);
		out += k;
		offset += k;
		n -= k;
	}
}

static void vram_write(UINT s, uint64_t offset, const void *buf, uint64_t n)
{
	const uint8_t *src = buf;

	while (n) {
		uint64_t in = offset % BLOCK, k = BLOCK - in < n ? BLOCK - in : n;
		uint8_t *b = vram_block(s, offset / BLOCK, 1);

		if (b)
			memcpy(b + in, src, k);
		src += k;
		offset += k;
		n -= k;
	}
}

static void vram_fill(UINT s, uint64_t offset, uint64_t n, UINT pattern)
{
	uint8_t pat[BLOCK];
	uint64_t i;

	for (i = 0; i < BLOCK; i += 4)
		memcpy(pat + i, &pattern, 4);
	while (n) {
		uint64_t in = offset % BLOCK, k = BLOCK - in < n ? BLOCK - in : n;

		/* Zero into memory never written keeps it unallocated. */
		if (pattern || vram_block(s, offset / BLOCK, 0))
			vram_write(s, offset, pat + in, k);
		offset += k;
		n -= k;
	}
}

static uint64_t rd64(UINT s, uint64_t offset)
{
	uint64_t v;

	vram_read(s, offset, &v, 8);
	return v;
}

static void wr64(UINT s, uint64_t offset, uint64_t v)
{
	vram_write(s, offset, &v, 8);
}

/* A CPU write through the host aperture: the remap table decides which
   VRAM page it reaches. A write to an unmapped slot goes nowhere, as on a
   PCI bus. Returns 0 and the place, or -1. */
static int aperture_translate(uint64_t cpu, UINT *s, uint64_t *offset)
{
	UINT i;

	for (i = 1; i <= N_SEGMENTS; i++) {
		const struct segment_desc *d = &seg_desc[i];
		uint64_t slot, e;

		if (!d->aperture_slots || cpu < d->aperture_base ||
		    cpu >= d->aperture_base + (uint64_t)d->aperture_slots * d->page_size)
			continue;
		slot = (cpu - d->aperture_base) / d->page_size;
		e = A.seg[i].remap[slot];
		if (!(e & REMAP_VALID))
			return -1;
		*s = i;
		*offset = (e & ~REMAP_VALID) * d->page_size + (cpu - d->aperture_base) % d->page_size;
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The MMU                                                             */

static unsigned level_shift(unsigned level)
{
	return 12 + INDEX_BITS * level;
}

static uint64_t hw_encode(const DXGK_PTE *p)
{
	if (!p->Valid)
		return 0;
	return HWPTE_VALID | (uint64_t)(p->Segment & 31) << 1 | (uint64_t)p->ReadOnly << 6 |
	       (uint64_t)p->NoExecute << 7 | (uint64_t)p->Zero << 8 | p->PageAddress << 12;
}

/* Walks a process's page tables. Returns 0 with the segment and the byte
   address a VA reaches, or -1 when no valid entry maps it. */
static int mmu_walk(const process *p, uint64_t va, UINT *segment, uint64_t *address)
{
	UINT s;
	uint64_t table;
	int level;

	if (!p || !p->root_known || va >> VA_BITS)
		return -1;
	s = p->root.SegmentId;
	table = p->root.SegmentOffset;
	for (level = LEVELS - 1; level >= 0; level--) {
		uint64_t index = va >> level_shift((unsigned)level) & (TABLE_ENTRIES - 1), e;

		if (level == LEVELS - 1 && index >= p->root_entries)
			return -1; /* past the root's NumEntries: faults */
		if (!vram_range_ok(s, table + index * 8, 8))
			return -1;
		e = rd64(s, table + index * 8);
		if (!(e & HWPTE_VALID))
			return -1;
		s = (UINT)(e >> 1 & 31);
		table = (e >> 12) << 12;
	}
	*segment = s;
	*address = table | (va & 0xfff);
	return 0;
}

static pte_tag *tag_of(UINT s, uint64_t offset)
{
	uint64_t b = offset / BLOCK;

	if (s != SEG_PAGETABLES || !A.tags || b >= A.seg[s].n_blocks)
		return NULL;
	if (!A.tags[b])
		A.tags[b] = calloc(BLOCK / 8, sizeof(pte_tag));
	return A.tags[b] ? &A.tags[b][offset % BLOCK / 8] : NULL;
}

/* Where an UpdatePageTable writes its table: a GPU physical address, a VA
   of the paging process, or a CPU address in the host aperture. */
static int table_place(const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u, UINT *s, uint64_t *offset, uint64_t *cpu)
{
	*cpu = 0;
	switch (u->UpdateMode) {
	case DXGK_PAGETABLEUPDATE_GPU_PHYSICAL:
		*s = u->PageTableAddress.GpuPhysical.SegmentId;
		*offset = u->PageTableAddress.GpuPhysical.SegmentOffset;
		return segment_ok(*s) ? 0 : -1;
	case DXGK_PAGETABLEUPDATE_GPU_VIRTUAL:
		return mmu_walk(A.system_process, u->PageTableAddress.GpuVirtual, s, offset);
	case DXGK_PAGETABLEUPDATE_CPU_VIRTUAL:
		*cpu = (uint64_t)(uintptr_t)u->PageTableAddress.CpuVirtual;
		return *cpu ? 0 : -1;
	default:
		return -1;
	}
}

static void update_page_table(const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u)
{
	UINT s = 0, i;
	uint64_t base = 0, cpu;

	if (!u->pPageTableEntries || table_place(u, &s, &base, &cpu))
		return;
	for (i = 0; i < u->NumPageTableEntries; i++) {
		const DXGK_PTE *pte = &u->pPageTableEntries[u->Flags.Repeat ? 0 : i];
		uint64_t at = base + (uint64_t)(u->StartIndex + i) * 8, v = hw_encode(pte);
		UINT ws = s;
		pte_tag *tag;

		if (cpu && aperture_translate(cpu + (uint64_t)(u->StartIndex + i) * 8, &ws, &at))
			continue; /* a CPU write to an unmapped aperture slot is lost */
		if (!vram_range_ok(ws, at, 8))
			continue;
		tag = u->PageTableLevel == 0 ? tag_of(ws, at) : NULL;
		if (tag && REGRESSION_PTE_ELISION && pte->Valid && u->hAllocation && (rd64(ws, at) & HWPTE_VALID) &&
		    tag->allocation == H(u->hAllocation) &&
		    tag->offset == u->AllocationOffsetInBytes + (uint64_t)i * 4096)
			continue; /* "already maps this allocation page": skip the write */
		wr64(ws, at, v);
		if (tag) {
			tag->allocation = H(u->hAllocation);
			tag->offset = u->AllocationOffsetInBytes + (uint64_t)i * 4096;
		}
	}
}

/* ------------------------------------------------------------------ */
/* The paging engine                                                   */

static sysmem *sysmem_get(uint64_t mdl, uint64_t size, int create)
{
	size_t i;

	for (i = 0; i < A.n_sys; i++)
		if (A.sys[i].mdl == mdl)
			break;
	if (i == A.n_sys) {
		if (!create)
			return NULL;
		if (A.n_sys == A.cap_sys) {
			size_t cap = A.cap_sys ? A.cap_sys * 2 : 16;
			sysmem *n = realloc(A.sys, cap * sizeof(*n));

			if (!n)
				return NULL;
			A.sys = n;
			A.cap_sys = cap;
		}
		memset(&A.sys[i], 0, sizeof(A.sys[i]));
		A.sys[i].mdl = mdl;
		A.n_sys++;
	}
	if (create && A.sys[i].size < size) {
		uint8_t *d = realloc(A.sys[i].data, size);

		if (!d)
			return NULL;
		memset(d + A.sys[i].size, 0, size - A.sys[i].size);
		A.sys[i].data = d;
		A.sys[i].size = size;
	}
	return &A.sys[i];
}

/* Copies size bytes between VRAM places or system memory (SegmentId 0,
   addressed by its MDL) through a bounce buffer. */
static void transfer(UINT src_seg, uint64_t src, uint64_t src_mdl, UINT dst_seg, uint64_t dst, uint64_t dst_mdl,
		     uint64_t mdl_offset, uint64_t size)
{
	uint8_t buf[BLOCK];
	uint64_t done = 0;

	while (done < size) {
		uint64_t k = size - done < BLOCK ? size - done : BLOCK;

		if (src_seg) {
			vram_read(src_seg, src + done, buf, k);
		} else {
			sysmem *m = sysmem_get(src_mdl, 0, 0);

			if (m && mdl_offset + done + k <= m->size)
				memcpy(buf, m->data + mdl_offset + done, k);
			else
				memset(buf, 0, k);
		}
		if (dst_seg) {
			vram_write(dst_seg, dst + done, buf, k);
		} else {
			sysmem *m = sysmem_get(dst_mdl, mdl_offset + size, 1);

			if (m)
				memcpy(m->data + mdl_offset + done, buf, k);
		}
		done += k;
	}
}

static void place(allocation *a, UINT s, uint64_t offset)
{
	if (!a)
		return;
	a->resident = s != 0;
	a->segment = s;
	a->offset = s ? offset : 0;
}

/* A command in the DMA buffer: what a real driver would have the GPU run. */
typedef struct dma_command {
	UINT op;
	UINT payload; /* bytes after the header */
	UINT64 arg[2];
} dma_command;

/* Writes a command and moves pDmaBuffer past it (DmaSize is left alone: it
   is dxgkrnl's to keep). Returns 0, or -1 when the buffer is too small. */
static int emit(DXGKARG_BUILDPAGINGBUFFER *b, UINT op, UINT payload, uint64_t a0, uint64_t a1)
{
	dma_command c = {op, payload, {a0, a1}};

	if (!b->pDmaBuffer)
		return 0; /* an immediate CPU update: nothing to write */
	if (sizeof(c) + payload > b->DmaSize)
		return -1;
	memcpy(b->pDmaBuffer, &c, sizeof(c));
	memset((char *)b->pDmaBuffer + sizeof(c), 0, payload);
	b->pDmaBuffer = (char *)b->pDmaBuffer + sizeof(c) + payload;
	return 0;
}

static NTSTATUS APIENTRY BuildPagingBuffer(const HANDLE hAdapter, DXGKARG_BUILDPAGINGBUFFER *b)
{
	UINT payload = 0;

	if (H(hAdapter) != ADAPTER_HANDLE || !b)
		return STATUS_INVALID_PARAMETER;
	if (b->Operation == DXGK_OPERATION_UPDATE_PAGE_TABLE)
		payload = FEATURE_PACKED_REPEAT && b->UpdatePageTable.Flags.Repeat ? 8
										  : b->UpdatePageTable.NumPageTableEntries * 8;
	if (emit(b, (UINT)b->Operation, payload, 0, 0))
		return STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER;
	A.commands++;
	switch (b->Operation) {
	case DXGK_OPERATION_TRANSFER: {
		allocation *a = obj_get(K_ALLOCATION, H(b->Transfer.hAllocation));
		UINT ss = b->Transfer.Source.SegmentId, ds = b->Transfer.Destination.SegmentId;
		uint64_t so = ss ? (uint64_t)b->Transfer.Source.SegmentAddress.QuadPart : 0;
		uint64_t dof = ds ? (uint64_t)b->Transfer.Destination.SegmentAddress.QuadPart : 0;
		uint64_t off = b->Transfer.TransferOffset, size = b->Transfer.TransferSize;

		if ((ss && !vram_range_ok(ss, so + off, size)) || (ds && !vram_range_ok(ds, dof + off, size)))
			return STATUS_INVALID_PARAMETER;
		transfer(ss, so + off, ss ? 0 : (uint64_t)(uintptr_t)b->Transfer.Source.pMdl, ds, dof + off,
			 ds ? 0 : (uint64_t)(uintptr_t)b->Transfer.Destination.pMdl, b->Transfer.MdlOffset * 4096ull + off,
			 size);
		place(a, ds, dof);
		break;
	}
	case DXGK_OPERATION_FILL: {
		allocation *a = obj_get(K_ALLOCATION, H(b->Fill.hAllocation));
		UINT ds = b->Fill.Destination.SegmentId;
		uint64_t dof = (uint64_t)b->Fill.Destination.SegmentAddress.QuadPart;

		if (!vram_range_ok(ds, dof, b->Fill.FillSize))
			return STATUS_INVALID_PARAMETER;
		vram_fill(ds, dof, b->Fill.FillSize, b->Fill.FillPattern);
		place(a, ds, dof);
		break;
	}
	case DXGK_OPERATION_DISCARD_CONTENT:
		place(obj_get(K_ALLOCATION, H(b->DiscardContent.hAllocation)), 0, 0);
		break;
	case DXGK_OPERATION_MAP_APERTURE_SEGMENT:
	case DXGK_OPERATION_UNMAP_APERTURE_SEGMENT: {
		int map = b->Operation == DXGK_OPERATION_MAP_APERTURE_SEGMENT;
		UINT s = map ? b->MapApertureSegment.SegmentId : b->UnmapApertureSegment.SegmentId;
		uint64_t first = map ? b->MapApertureSegment.OffsetInPages : b->UnmapApertureSegment.OffsetInPages;
		uint64_t n = map ? b->MapApertureSegment.NumberOfPages : b->UnmapApertureSegment.NumberOfPages, i;

		if (!segment_ok(s) || !A.seg[s].gart || first > seg_desc[s].size / 4096 ||
		    n > seg_desc[s].size / 4096 - first)
			return STATUS_INVALID_PARAMETER;
		/* The MDL's pages are the caller's; record which system page
		   each GART page reaches (its index in the MDL), and point
		   unmapped pages at the dummy page. */
		for (i = 0; i < n; i++)
			A.seg[s].gart[first + i] =
				map ? (1ull << 63) | (b->MapApertureSegment.MdlOffset + i)
				    : (uint64_t)b->UnmapApertureSegment.DummyPage.QuadPart >> 12;
		break;
	}
	case DXGK_OPERATION_UPDATE_PAGE_TABLE:
		update_page_table(&b->UpdatePageTable);
		break;
	case DXGK_OPERATION_VIRTUAL_FILL: {
		const DXGK_BUILDPAGINGBUFFER_FILLVIRTUAL *f = &b->FillVirtual;
		uint64_t done;

		for (done = 0; done < f->FillSizeInBytes; done += 4096) {
			UINT s;
			uint64_t at;

			if (!mmu_walk(A.system_process, f->DestinationVirtualAddress + done, &s, &at) &&
			    vram_range_ok(s, at, 4096))
				vram_fill(s, at, f->FillSizeInBytes - done < 4096 ? f->FillSizeInBytes - done : 4096,
					  f->FillPattern);
		}
		break;
	}
	case DXGK_OPERATION_VIRTUAL_TRANSFER: {
		const DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL *t = &b->TransferVirtual;
		uint8_t buf[4096];
		uint64_t done;

		for (done = 0; done < t->TransferSizeInBytes; done += 4096) {
			uint64_t k = t->TransferSizeInBytes - done < 4096 ? t->TransferSizeInBytes - done : 4096;
			UINT s;
			uint64_t at;

			memset(buf, 0, sizeof(buf));
			if (!mmu_walk(A.system_process, t->SourceVirtualAddress + done, &s, &at) &&
			    vram_range_ok(s, at, k))
				vram_read(s, at, buf, k);
			if (!mmu_walk(A.system_process, t->DestinationVirtualAddress + done, &s, &at) &&
			    vram_range_ok(s, at, k))
				vram_write(s, at, buf, k);
		}
		break;
	}
	case DXGK_OPERATION_INIT_CONTEXT_RESOURCE: {
		UINT s = b->InitContextResource.Destination.SegmentId;
		uint64_t at = (uint64_t)b->InitContextResource.Destination.SegmentAddress.QuadPart;

		if (s && vram_range_ok(s, at, 4096))
			vram_fill(s, at, 4096, 0); /* a clean context save area */
		break;
	}
	case DXGK_OPERATION_COPY_PAGE_TABLE_ENTRIES: {
		const DXGK_BUILDPAGINGBUFFER_COPYPAGETABLEENTRIES *c = &b->CopyPageTableEntries;
		UINT r, i;

		for (r = 0; c->pRanges && r < c->NumRanges; r++) {
			const DXGK_BUILDPAGINGBUFFER_COPY_RANGE *g = &c->pRanges[r];
			UINT ss, ds;
			uint64_t so, dof;

			if (mmu_walk(A.system_process, g->SrcPageTableAddress, &ss, &so) ||
			    mmu_walk(A.system_process, g->DstPageTableAddress, &ds, &dof))
				continue;
			for (i = 0; i < g->NumPageTableEntries; i++)
				if (vram_range_ok(ss, so + (g->SrcStartPteIndex + i) * 8ull, 8) &&
				    vram_range_ok(ds, dof + (g->DstStartPteIndex + i) * 8ull, 8))
					wr64(ds, dof + (g->DstStartPteIndex + i) * 8ull,
					     rd64(ss, so + (g->SrcStartPteIndex + i) * 8ull));
		}
		break;
	}
	case DXGK_OPERATION_NOTIFY_RESIDENCY: {
		allocation *a = obj_get(K_ALLOCATION, H(b->NotifyResidency.hAllocation));

		if (b->NotifyResidency.Resident & 1)
			place(a, b->NotifyResidency.PhysicalAddress.SegmentId,
			      b->NotifyResidency.PhysicalAddress.SegmentOffset);
		else
			place(a, 0, 0);
		break;
	}
	default:
		break; /* FLUSH_TLB (no TLB is simulated), fences, later operations */
	}
	return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* The CPU host aperture                                               */

static NTSTATUS APIENTRY MapCpuHostAperture(const HANDLE hAdapter, const DXGKARG_MAPCPUHOSTAPERTURE *m)
{
	const struct segment_desc *d;
	UINT64 i;

	if (H(hAdapter) != ADAPTER_HANDLE || !m || !segment_ok(m->SegmentId) || m->PhysicalAdapterIndex)
		return STATUS_INVALID_PARAMETER;
	d = &seg_desc[m->SegmentId];
	if (!d->aperture_slots || (m->NumberOfPages && (!m->pCpuHostAperturePages || !m->pMemorySegmentPages)))
		return STATUS_INVALID_PARAMETER;
	/* Check the whole range before programming any slot. */
	for (i = 0; i < m->NumberOfPages; i++)
		if (m->pCpuHostAperturePages[i] >= d->aperture_slots || m->pMemorySegmentPages[i] >= d->size / d->page_size)
			return STATUS_INVALID_PARAMETER;
	for (i = 0; i < m->NumberOfPages; i++)
		A.seg[m->SegmentId].remap[m->pCpuHostAperturePages[i]] = REMAP_VALID | m->pMemorySegmentPages[i];
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY UnmapCpuHostAperture(const HANDLE hAdapter, const DXGKARG_UNMAPCPUHOSTAPERTURE *u)
{
	const struct segment_desc *d;
	UINT64 i, n;

	if (H(hAdapter) != ADAPTER_HANDLE || !u || !segment_ok(u->SegmentId) || u->PhysicalAdapterIndex)
		return STATUS_INVALID_PARAMETER;
	d = &seg_desc[u->SegmentId];
	if (!d->aperture_slots || (u->NumberOfPages && !u->pCpuHostAperturePages))
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < u->NumberOfPages; i++)
		if (u->pCpuHostAperturePages[i] >= d->aperture_slots)
			return STATUS_INVALID_PARAMETER;
	n = u->NumberOfPages;
	if (REGRESSION_UNMAP_LAST_SLOT && n > 1)
		n--; /* "i < NumberOfPages - 1": the last slot keeps its page */
	for (i = 0; i < n; i++)
		A.seg[u->SegmentId].remap[u->pCpuHostAperturePages[i]] = 0;
	return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* The probe                                                           */

EXPORT NTSTATUS ddirr_probe_aperture_slot(HANDLE hAdapter, UINT SegmentId, UINT Slot, UINT64 *SegmentPage)
{
	uint64_t e;

	if (H(hAdapter) != ADAPTER_HANDLE || !segment_ok(SegmentId) || Slot >= seg_desc[SegmentId].aperture_slots ||
	    !SegmentPage)
		return STATUS_INVALID_PARAMETER;
	e = A.seg[SegmentId].remap[Slot];
	if (!(e & REMAP_VALID))
		return DDIRR_PROBE_NOT_FOUND;
	*SegmentPage = e & ~REMAP_VALID;
	return STATUS_SUCCESS;
}

EXPORT NTSTATUS ddirr_probe_gpu_va(HANDLE hAdapter, HANDLE hKmdProcess, D3DGPU_VIRTUAL_ADDRESS Va, UINT *SegmentId,
				   UINT64 *SegmentPage)
{
	const process *p;
	UINT s;
	uint64_t at;

	if (H(hAdapter) != ADAPTER_HANDLE || !SegmentId || !SegmentPage)
		return STATUS_INVALID_PARAMETER;
	p = process_of(H(hKmdProcess));
	if (!p || mmu_walk(p, Va, &s, &at))
		return DDIRR_PROBE_NOT_FOUND;
	*SegmentId = s;
	*SegmentPage = at >> 12;
	return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Adapter                                                             */

static NTSTATUS APIENTRY AddDevice(const PDEVICE_OBJECT PhysicalDeviceObject, PVOID *MiniportDeviceContext)
{
	(void)PhysicalDeviceObject;
	if (!MiniportDeviceContext || A.added)
		return STATUS_INVALID_PARAMETER;
	A.added = 1;
	*MiniportDeviceContext = P(ADAPTER_HANDLE);
	return STATUS_SUCCESS;
}

static void free_hardware(void)
{
	UINT s;
	uint64_t b;
	size_t i, k;

	for (s = 1; s <= N_SEGMENTS; s++) {
		for (b = 0; A.seg[s].blocks && b < A.seg[s].n_blocks; b++)
			free(A.seg[s].blocks[b]);
		free(A.seg[s].blocks);
		free(A.seg[s].remap);
		free(A.seg[s].gart);
		memset(&A.seg[s], 0, sizeof(A.seg[s]));
	}
	for (b = 0; A.tags && b < seg_desc[SEG_PAGETABLES].size / BLOCK; b++)
		free(A.tags[b]);
	free(A.tags);
	A.tags = NULL;
	for (i = 0; i < A.n_sys; i++)
		free(A.sys[i].data);
	free(A.sys);
	A.sys = NULL;
	A.n_sys = A.cap_sys = 0;
	for (k = 0; k < N_KINDS; k++) {
		for (i = 0; i < A.objects[k].n; i++)
			free(A.objects[k].items[i]);
		free(A.objects[k].items);
		memset(&A.objects[k], 0, sizeof(A.objects[k]));
	}
	A.system_process = NULL;
}

static NTSTATUS APIENTRY StartDevice(const PVOID MiniportDeviceContext, DXGK_START_INFO *DxgkStartInfo,
				     DXGKRNL_INTERFACE *DxgkInterface, PULONG NumberOfVideoPresentSources,
				     PULONG NumberOfChildren)
{
	UINT s;

	(void)DxgkStartInfo;
	if (H(MiniportDeviceContext) != ADAPTER_HANDLE || !DxgkInterface || A.started)
		return STATUS_INVALID_PARAMETER;
	/* A KMD must keep the interface: the callbacks and DeviceHandle. */
	memset(&A.cb, 0, sizeof(A.cb));
	memcpy(&A.cb, DxgkInterface,
	       DxgkInterface->Size && DxgkInterface->Size < sizeof(A.cb) ? DxgkInterface->Size : sizeof(A.cb));
	for (s = 1; s <= N_SEGMENTS; s++) {
		hw_segment *g = &A.seg[s];

		g->n_blocks = seg_desc[s].size / BLOCK;
		g->blocks = calloc(g->n_blocks, sizeof(*g->blocks));
		if (seg_desc[s].aperture_slots)
			g->remap = calloc(seg_desc[s].aperture_slots, sizeof(*g->remap));
		if (seg_desc[s].flags & FLAG_APERTURE)
			g->gart = calloc(seg_desc[s].size / 4096, sizeof(*g->gart));
		if (!g->blocks || (seg_desc[s].aperture_slots && !g->remap) ||
		    ((seg_desc[s].flags & FLAG_APERTURE) && !g->gart)) {
			free_hardware();
			return STATUS_NO_MEMORY;
		}
	}
	A.tags = calloc(seg_desc[SEG_PAGETABLES].size / BLOCK, sizeof(*A.tags));
	if (!A.tags) {
		free_hardware();
		return STATUS_NO_MEMORY;
	}
	A.started = 1;
	if (NumberOfVideoPresentSources)
		*NumberOfVideoPresentSources = 1;
	if (NumberOfChildren)
		*NumberOfChildren = 1;
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY StopDevice(const PVOID MiniportDeviceContext)
{
	UINT s;

	if (H(MiniportDeviceContext) != ADAPTER_HANDLE || !A.started)
		return STATUS_INVALID_PARAMETER;
	/* The BAR window is closed: every slot stops reaching VRAM. */
	for (s = 1; s <= N_SEGMENTS; s++)
		if (A.seg[s].remap)
			memset(A.seg[s].remap, 0, seg_desc[s].aperture_slots * sizeof(*A.seg[s].remap));
	A.started = 0;
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY RemoveDevice(const PVOID MiniportDeviceContext)
{
	if (H(MiniportDeviceContext) != ADAPTER_HANDLE || !A.added)
		return STATUS_INVALID_PARAMETER;
	free_hardware();
	A.added = 0;
	A.started = 0;
	return STATUS_SUCCESS;
}

static void describe_segment(UINT s, DXGK_SEGMENTDESCRIPTOR4 *d)
{
	memset(d, 0, sizeof(*d));
	d->Flags.Value = seg_desc[s].flags;
	d->Size = seg_desc[s].size;
	d->BaseAddress.QuadPart = (LONGLONG)((uint64_t)s << 32);
	if (seg_desc[s].flags & FLAG_APERTURE) {
		d->CommitLimit = seg_desc[s].size;
	} else {
		d->CpuHostAperture.PhysicalAddress = seg_desc[s].aperture_base;
		d->CpuHostAperture.SizeInPages = seg_desc[s].aperture_slots;
	}
}

static NTSTATUS APIENTRY QueryAdapterInfo(const HANDLE hAdapter, const DXGKARG_QUERYADAPTERINFO *q)
{
	if (H(hAdapter) != ADAPTER_HANDLE || !q || !q->pOutputData)
		return STATUS_INVALID_PARAMETER;
	switch (q->Type) {
	case DXGKQAITYPE_QUERYSEGMENT4: {
		DXGK_QUERYSEGMENTOUT4 *out = q->pOutputData;
		UINT i;

		if (q->OutputDataSize < sizeof(*out))
			return STATUS_BUFFER_TOO_SMALL;
		/* The first of two calls asks only how many segments there are. */
		if (!out->NbSegment || !out->pSegmentDescriptor) {
			out->NbSegment = N_SEGMENTS;
			return STATUS_SUCCESS;
		}
		for (i = 0; i < out->NbSegment && i < N_SEGMENTS; i++) {
			DXGK_SEGMENTDESCRIPTOR4 d;
			size_t n = out->SegmentDescriptorStride < sizeof(d) ? out->SegmentDescriptorStride : sizeof(d);

			describe_segment(i + 1, &d);
			memcpy(out->pSegmentDescriptor + i * out->SegmentDescriptorStride, &d, n);
		}
		out->NbSegment = i;
		out->PagingBufferSegmentId = SEG_VRAM;
		out->PagingBufferSize = 64u << 10;
		out->PagingBufferPrivateDataSize = 0;
		return STATUS_SUCCESS;
	}
	case DXGKQAITYPE_GPUMMUCAPS: {
		DXGK_GPUMMUCAPS *c = q->pOutputData;

		if (q->OutputDataSize < sizeof(*c))
			return STATUS_BUFFER_TOO_SMALL;
		memset(c, 0, sizeof(*c));
		c->ReadOnlyMemorySupported = 1;
		c->NoExecuteMemorySupported = 1;
		c->ZeroInPteSupported = 1;
		c->PageTableUpdateMode = DXGK_PAGETABLEUPDATE_GPU_PHYSICAL;
		c->VirtualAddressBitCount = VA_BITS;
		c->LeafPageTableSizeFor64KPagesInBytes = TABLE_BYTES;
		c->PageTableLevelCount = LEVELS;
		return STATUS_SUCCESS;
	}
	case DXGKQAITYPE_PAGETABLELEVELDESC: {
		DXGK_PAGE_TABLE_LEVEL_DESC *d = q->pOutputData;
		const DXGK_QUERYPAGETABLELEVELDESCIN *in = q->pInputData;

		if (q->OutputDataSize < sizeof(*d) || !in || q->InputDataSize < sizeof(*in) || in->LevelIndex >= LEVELS)
			return STATUS_INVALID_PARAMETER;
		memset(d, 0, sizeof(*d));
		d->PageTableIndexBitCount = INDEX_BITS;
		d->PageTableSegmentId = SEG_PAGETABLES;
		d->PagingProcessPageTableSegmentId = SEG_PAGETABLES;
		d->PageTableSizeInBytes = TABLE_BYTES;
		d->PageTableAlignmentInBytes = 0;
		return STATUS_SUCCESS;
	}
	case DXGKQAITYPE_PHYSICALADAPTERCAPS: {
		DXGK_PHYSICALADAPTERCAPS *c = q->pOutputData;

		if (q->OutputDataSize < sizeof(*c))
			return STATUS_BUFFER_TOO_SMALL;
		memset(c, 0, sizeof(*c));
		c->NumExecutionNodes = 2; /* 3D and copy */
		c->PagingNodeIndex = 1;
		c->Flags.GpuMmuSupported = 1;
		return STATUS_SUCCESS;
	}
	default:
		return STATUS_NOT_SUPPORTED;
	}
}

/* ------------------------------------------------------------------ */
/* Allocations                                                         */

static NTSTATUS APIENTRY CreateAllocation(const HANDLE hAdapter, DXGKARG_CREATEALLOCATION *c)
{
	UINT i;

	if (H(hAdapter) != ADAPTER_HANDLE || !c || (c->NumAllocations && !c->pAllocationInfo))
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < c->NumAllocations; i++) {
		DXGK_ALLOCATIONINFO *ai = &c->pAllocationInfo[i];
		samplekmd_alloc_desc want = {SAMPLEKMD_ALLOC_MAGIC, SAMPLEKMD_ALLOC_BUFFER, 64, 0};
		allocation *a = calloc(1, sizeof(*a));

		if (!a)
			return STATUS_NO_MEMORY;
		if (ai->pPrivateDriverData && ai->PrivateDriverDataSize >= sizeof(want)) {
			memcpy(&want, ai->pPrivateDriverData, sizeof(want));
			if (want.Magic != SAMPLEKMD_ALLOC_MAGIC || !want.SizeKB || want.SizeKB > (32u << 10))
				want = (samplekmd_alloc_desc){SAMPLEKMD_ALLOC_MAGIC, SAMPLEKMD_ALLOC_BUFFER, 64, 0};
		}
		a->kind = want.Kind;
		a->size = ((uint64_t)want.SizeKB * 1024 + 0xffff) & ~(uint64_t)0xffff;
		switch (want.Kind) {
		case SAMPLEKMD_ALLOC_TEXTURE: a->segment_set = 0x3; break;
		case SAMPLEKMD_ALLOC_STAGING: a->segment_set = 0x2; break;
		default: a->segment_set = 0x1; break;
		}
		a->handle = obj_add(K_ALLOCATION, a);
		if (!a->handle) {
			free(a);
			return STATUS_NO_MEMORY;
		}
		ai->Alignment = 64u << 10; /* segment 1 has 64 KB pages */
		ai->Size = a->size;
		ai->PitchAlignedSize = 0;
		ai->SupportedReadSegmentSet = a->segment_set;
		ai->SupportedWriteSegmentSet = a->segment_set;
		ai->EvictionSegmentSet = 0; /* straight to system memory */
		ai->PhysicalAdapterIndex = 0;
		ai->hAllocation = P(a->handle);
		ai->Flags.Value = 0;
		ai->Flags.CpuVisible = want.Kind == SAMPLEKMD_ALLOC_TEXTURE || want.Kind == SAMPLEKMD_ALLOC_STAGING ||
				       want.Kind == SAMPLEKMD_ALLOC_PRIMARY;
		ai->pAllocationUsageHint = NULL;
		ai->AllocationPriority = 0x78000000u; /* D3DDDI_ALLOCATIONPRIORITY_NORMAL */
	}
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY DestroyAllocation(const HANDLE hAdapter, const DXGKARG_DESTROYALLOCATION *d)
{
	UINT i;

	if (H(hAdapter) != ADAPTER_HANDLE || !d || (d->NumAllocations && !d->pAllocationList))
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < d->NumAllocations; i++)
		if (!obj_get(K_ALLOCATION, H(d->pAllocationList[i])))
			return STATUS_INVALID_PARAMETER;
	for (i = 0; i < d->NumAllocations; i++)
		obj_del(K_ALLOCATION, H(d->pAllocationList[i]));
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY OpenAllocation(const HANDLE hDevice, const DXGKARG_OPENALLOCATION *o)
{
	device *dev = obj_get(K_DEVICE, H(hDevice));
	UINT i;

	if (!dev || !o || (o->NumAllocations && !o->pOpenAllocation))
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < o->NumAllocations; i++) {
		open_alloc *oa = calloc(1, sizeof(*oa));

		if (!oa)
			return STATUS_NO_MEMORY;
		oa->dxgk = o->pOpenAllocation[i].hAllocation;
		oa->dev = dev;
		oa->handle = obj_add(K_OPEN, oa);
		if (!oa->handle) {
			free(oa);
			return STATUS_NO_MEMORY;
		}
		o->pOpenAllocation[i].hDeviceSpecificAllocation = P(oa->handle);
	}
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY CloseAllocation(const HANDLE hDevice, const DXGKARG_CLOSEALLOCATION *c)
{
	UINT i;

	if (!obj_get(K_DEVICE, H(hDevice)) || !c || (c->NumAllocations && !c->pOpenHandleList))
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < c->NumAllocations; i++)
		obj_del(K_OPEN, H(c->pOpenHandleList[i]));
	return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Processes, devices, contexts                                        */

/* The driver keeps one leaf page table's worth of VA in every process for
   its own rings (reference 7.3: whole leaf tables, inside CreateProcess). */
#define DRIVER_VA_RESERVE (2ull << 20)

static NTSTATUS APIENTRY CreateProcess(const HANDLE hAdapter, DXGKARG_CREATEPROCESS *c)
{
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r;
	process *p;

	if (H(hAdapter) != ADAPTER_HANDLE || !c || !A.cb.DxgkCbReserveGpuVirtualAddressRange)
		return STATUS_INVALID_PARAMETER;
	p = calloc(1, sizeof(*p));
	if (!p)
		return STATUS_NO_MEMORY;
	memset(&r, 0, sizeof(r));
	r.hDxgkProcess = c->hDxgkProcess;
	r.SizeInBytes = DRIVER_VA_RESERVE;
	r.Alignment = (UINT)DRIVER_VA_RESERVE;
	if (A.cb.DxgkCbReserveGpuVirtualAddressRange(A.cb.DeviceHandle, &r) < 0) {
		free(p);
		return STATUS_NO_MEMORY;
	}
	p->dxgk = H(c->hDxgkProcess);
	p->system = c->Flags.SystemProcess;
	p->reserved_va = r.StartVirtualAddress;
	p->reserved_size = DRIVER_VA_RESERVE;
	p->handle = obj_add(K_PROCESS, p);
	if (!p->handle) {
		free(p);
		return STATUS_NO_MEMORY;
	}
	if (p->system)
		A.system_process = p;
	c->hKmdProcess = P(p->handle);
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY DestroyProcess(const HANDLE hAdapter, const HANDLE hKmdProcess)
{
	process *p = obj_get(K_PROCESS, H(hKmdProcess));

	if (H(hAdapter) != ADAPTER_HANDLE || !p)
		return STATUS_INVALID_PARAMETER;
	if (A.system_process == p)
		A.system_process = NULL;
	obj_del(K_PROCESS, p->handle);
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY CreateDevice(const HANDLE hAdapter, DXGKARG_CREATEDEVICE *c)
{
	device *d;

	if (H(hAdapter) != ADAPTER_HANDLE || !c)
		return STATUS_INVALID_PARAMETER;
	d = calloc(1, sizeof(*d));
	if (!d)
		return STATUS_NO_MEMORY;
	d->dxgk = H(c->hDevice);
	d->system = c->Flags.SystemDevice;
	d->proc = c->hKmdProcess ? obj_get(K_PROCESS, H(c->hKmdProcess)) : A.system_process;
	d->handle = obj_add(K_DEVICE, d);
	if (!d->handle) {
		free(d);
		return STATUS_NO_MEMORY;
	}
	c->hDevice = P(d->handle);
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY DestroyDevice(const HANDLE hDevice)
{
	if (!obj_get(K_DEVICE, H(hDevice)))
		return STATUS_INVALID_PARAMETER;
	obj_del(K_DEVICE, H(hDevice));
	return STATUS_SUCCESS;
}

/* The ring a context of `node` keeps in VRAM: the 3D engine's save area,
   or the copy engine's larger command ring. */
static uint64_t ring_bytes(UINT node)
{
	return node == 1 ? 256u << 10 : 64u << 10;
}

static void free_ring(context *c, uint64_t dxgk_handle)
{
	if (c->ring && A.cb.DxgkCbDestroyContextAllocation)
		A.cb.DxgkCbDestroyContextAllocation(A.cb.DeviceHandle, P(dxgk_handle));
	if (c->ring)
		obj_del(K_ALLOCATION, c->ring->handle);
	c->ring = NULL;
}

/* A non-system context gets a context allocation (its ring), mapped into
   its process's GPU VA space: DxgkCbCreateContextAllocation, then
   DxgkCbMapContextAllocation (reference 6, 7.1). */
static NTSTATUS create_ring(context *c, const DXGKARG_CREATECONTEXT *args)
{
	DXGKARGCB_CREATECONTEXTALLOCATION ca;
	DXGKARGCB_MAPCONTEXTALLOCATION m;
	allocation *a;
	uint64_t pages_4k;

	if (!A.cb.DxgkCbCreateContextAllocation || !A.cb.DxgkCbMapContextAllocation)
		return STATUS_INVALID_PARAMETER;
	a = calloc(1, sizeof(*a));
	if (!a)
		return STATUS_NO_MEMORY;
	a->size = ring_bytes(c->node);
	a->segment_set = 0x1;
	a->kind = SAMPLEKMD_ALLOC_BUFFER;
	a->handle = obj_add(K_ALLOCATION, a);
	if (!a->handle) {
		free(a);
		return STATUS_NO_MEMORY;
	}
	memset(&ca, 0, sizeof(ca));
	ca.hAdapter = A.cb.DeviceHandle;
	ca.hDevice = P(c->dev->dxgk);
	ca.hContext = args->hContext; /* dxgkrnl's handle, on entry */
	ca.hDriverAllocation = P(a->handle);
	ca.Size = a->size;
	ca.Alignment = 64u << 10;
	ca.SupportedSegmentSet = 0x1;
	ca.EvictionSegmentSet = 0;
	if (A.cb.DxgkCbCreateContextAllocation(&ca) < 0 || !ca.hAllocation) {
		obj_del(K_ALLOCATION, a->handle);
		return STATUS_NO_MEMORY;
	}
	c->ring = a;
	c->ring_dxgk = H(ca.hAllocation);
	a->ctx_dxgk = c->ring_dxgk;
	/* Context-allocation mappings count 4 KB pages whatever the segment's
	   page size (reference 5.3.10). */
	pages_4k = a->size / 4096;
	if (REGRESSION_RING_PAGE_UNITS && c->node == 1)
		pages_4k *= 65536 / 4096; /* taken for a count of 64 KB pages */
	memset(&m, 0, sizeof(m));
	m.hAllocation = ca.hAllocation;
	m.OffsetInPages = 0;
	m.SizeInPages = pages_4k;
	m.Protection.Write = 1;
	c->ring_va = A.cb.DxgkCbMapContextAllocation(A.cb.DeviceHandle, &m);
	if (!c->ring_va) {
		free_ring(c, c->ring_dxgk);
		return STATUS_NO_MEMORY;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY CreateContext(const HANDLE hDevice, DXGKARG_CREATECONTEXT *args)
{
	device *dev = obj_get(K_DEVICE, H(hDevice));
	context *c;
	NTSTATUS st;

	if (!dev || !args || args->NodeOrdinal > 1)
		return STATUS_INVALID_PARAMETER;
	c = calloc(1, sizeof(*c));
	if (!c)
		return STATUS_NO_MEMORY;
	c->dxgk = H(args->hContext);
	c->dev = dev;
	c->node = args->NodeOrdinal;
	c->system = args->Flags.SystemContext || dev->system;
	/* GPU-context allocations exist only for non-system contexts (6). */
	if (!c->system && (st = create_ring(c, args)) < 0) {
		free(c);
		return st;
	}
	c->handle = obj_add(K_CONTEXT, c);
	if (!c->handle) {
		free_ring(c, c->ring_dxgk);
		free(c);
		return STATUS_NO_MEMORY;
	}
	args->hContext = P(c->handle);
	memset(&args->ContextInfo, 0, sizeof(args->ContextInfo));
	args->ContextInfo.DmaBufferSize = 64u << 10;
	args->ContextInfo.DmaBufferSegmentSet = 0;
	args->ContextInfo.DmaBufferPrivateDataSize = 0;
	args->ContextInfo.AllocationListSize = 0; /* GPU VA: no patching */
	args->ContextInfo.PatchLocationListSize = 0;
	args->ContextInfo.Caps.NoPatchingRequired = 1;
	args->ContextInfo.PagingCompanionNodeId = 1;
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY DestroyContext(const HANDLE hContext)
{
	context *c = obj_get(K_CONTEXT, H(hContext));

	if (!c)
		return STATUS_INVALID_PARAMETER;
	if (c->ring)
		free_ring(c, REGRESSION_FREE_WITH_KMD_HANDLE ? c->ring->handle : c->ring_dxgk);
	obj_del(K_CONTEXT, c->handle);
	return STATUS_SUCCESS;
}

/* The root moves: the context's ring holds the root's address for the
   command processor, so it is patched through dxgkrnl (reference 7.2). */
static VOID APIENTRY SetRootPageTable(const HANDLE hAdapter, const DXGKARG_SETROOTPAGETABLE *r)
{
	context *c;
	process *p;

	if (H(hAdapter) != ADAPTER_HANDLE || !r || !(c = obj_get(K_CONTEXT, H(r->hContext))))
		return;
	p = c->dev->proc;
	if (p) {
		p->root = r->Address;
		p->root_entries = r->NumEntries < TABLE_ENTRIES ? r->NumEntries : TABLE_ENTRIES;
		p->root_known = 1;
	}
	if (c->ring && A.cb.DxgkCbUpdateContextAllocation) {
		DXGKARGCB_UPDATECONTEXTALLOCATION u;
		D3DGPU_PHYSICAL_ADDRESS root = r->Address;

		memset(&u, 0, sizeof(u));
		u.hAllocation = P(c->ring_dxgk);
		u.pPrivateDriverData = &root;
		u.PrivateDriverDataSize = sizeof(root);
		A.cb.DxgkCbUpdateContextAllocation(A.cb.DeviceHandle, &u);
	}
}

static SIZE_T APIENTRY GetRootPageTableSize(const HANDLE hAdapter, DXGKARG_GETROOTPAGETABLESIZE *g)
{
	if (H(hAdapter) != ADAPTER_HANDLE || !g)
		return 0;
	if (!g->NumberOfPte || g->NumberOfPte > TABLE_ENTRIES)
		g->NumberOfPte = TABLE_ENTRIES;
	/* A multiple of the page size of the segment that holds it. */
	return ((SIZE_T)g->NumberOfPte * 8 + 4095) & ~(SIZE_T)4095;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
			PDRIVER_INITIALIZATION_DATA DriverInitializationData);

EXPORT NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
	DRIVER_INITIALIZATION_DATA d;

	/* dxgkrnl copies the table: it need not outlive this call (14.1). */
	memset(&d, 0, sizeof(d));
	d.Version = DXGKDDI_INTERFACE_VERSION_WDDM2_3;
	d.DxgkDdiAddDevice = AddDevice;
	d.DxgkDdiStartDevice = StartDevice;
	d.DxgkDdiStopDevice = StopDevice;
	d.DxgkDdiRemoveDevice = RemoveDevice;
	d.DxgkDdiQueryAdapterInfo = QueryAdapterInfo;
	d.DxgkDdiCreateDevice = CreateDevice;
	d.DxgkDdiCreateAllocation = CreateAllocation;
	d.DxgkDdiDestroyAllocation = DestroyAllocation;
	d.DxgkDdiBuildPagingBuffer = BuildPagingBuffer;
	d.DxgkDdiDestroyDevice = DestroyDevice;
	d.DxgkDdiOpenAllocation = OpenAllocation;
	d.DxgkDdiCloseAllocation = CloseAllocation;
	d.DxgkDdiCreateContext = CreateContext;
	d.DxgkDdiDestroyContext = DestroyContext;
	d.DxgkDdiSetRootPageTable = SetRootPageTable;
	d.DxgkDdiGetRootPageTableSize = GetRootPageTableSize;
	d.DxgkDdiMapCpuHostAperture = MapCpuHostAperture;
	d.DxgkDdiUnmapCpuHostAperture = UnmapCpuHostAperture;
	d.DxgkDdiCreateProcess = CreateProcess;
	d.DxgkDdiDestroyProcess = DestroyProcess;
	return DxgkInitialize(DriverObject, RegistryPath, &d);
}
