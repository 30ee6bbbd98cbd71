/* Recorded -> live values: one map per handle namespace (reference §1.4),
 * and a range map for GPU virtual addresses. Both are fed by the outputs of
 * calls (compare.c): a handle or VA a recorded exit returns, and the one the
 * target returned in its place, establish the pair. */
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "replay_internal.h"

static uint64_t retired_key(int ns, uint64_t rec)
{
	return ((uint64_t)ns << 58) ^ rec;
}

void remap_init(remap *m)
{
	memset(m, 0, sizeof(*m));
}

void remap_fini(remap *m)
{
	int ns;

	for (ns = 0; ns < DDIRR_NS_MAX_PLUS_ONE; ns++) {
		u64map_free(&m->fwd[ns]);
		u64map_free(&m->rev[ns]);
	}
	u64map_free(&m->retired);
	free(m->retired_ring);
	free(m->va);
	memset(m, 0, sizeof(*m));
}

int remap_kernel_owned(int ns)
{
	switch (ns) {
	case DDIRR_NS_ADAPTER_DXGK:
	case DDIRR_NS_DEVICE_DXGK:
	case DDIRR_NS_CONTEXT_DXGK:
	case DDIRR_NS_PROCESS_DXGK:
	case DDIRR_NS_ALLOCATION_D3DKMT:
	case DDIRR_NS_CONTEXT_ALLOCATION_DXGK: /* VidMm's, handed out by a callback's answer */
		return 1;
	default:
		return 0; /* the driver's */
	}
}

int remap_handle(const remap *m, int ns, uint64_t rec, uint64_t *live)
{
	if (rec == 0 || ns == DDIRR_NS_NONE) {
		*live = rec; /* NULL is NULL everywhere; raw handles are kept as they are */
		return 1;
	}
	if (u64map_get(&m->fwd[ns], rec, live))
		return 1;
	return m->retired.n && u64map_get(&m->retired, retired_key(ns, rec), live);
}

int remap_handle_back(const remap *m, int ns, uint64_t live, uint64_t *rec)
{
	if (live == 0 || ns == DDIRR_NS_NONE) {
		*rec = live;
		return 1;
	}
	return u64map_get(&m->rev[ns], live, rec);
}

int remap_set_handle(remap *m, int ns, uint64_t rec, uint64_t live)
{
	if (rec == 0 || ns == DDIRR_NS_NONE)
		return 0;
	if (u64map_put(&m->fwd[ns], rec, live) || u64map_put(&m->rev[ns], live, rec))
		return DDIRR_ENOMEM;
	if (m->retired.n)
		u64map_del(&m->retired, retired_key(ns, rec)); /* a new object under a reused value */
	return 0;
}

int remap_retire_handle(remap *m, int ns, uint64_t rec)
{
	uint64_t live, back, key = retired_key(ns, rec), old;

	if (rec == 0 || ns == DDIRR_NS_NONE || !u64map_get(&m->fwd[ns], rec, &live))
		return 0;
	if (!m->retired_ring && !(m->retired_ring = calloc(REMAP_RETIRED, sizeof(*m->retired_ring))))
		return DDIRR_ENOMEM;
	/* The oldest retired handle makes room (it may have been made again
	   and retired since: then the newer one goes early, which the bound
	   allows). */
	old = m->retired_ring[m->retired_next];
	if (old)
		u64map_del(&m->retired, old);
	if (u64map_put(&m->retired, key, live))
		return DDIRR_ENOMEM;
	m->retired_ring[m->retired_next] = key;
	m->retired_next = (m->retired_next + 1) % REMAP_RETIRED;
	u64map_del(&m->fwd[ns], rec);
	if (u64map_get(&m->rev[ns], live, &back) && back == rec)
		u64map_del(&m->rev[ns], live);
	return 0;
}

/* Index of the last range whose start is <= v, or -1; `back` searches by
 * live address instead (a linear scan: lockstep reports only). */
static long find_range(const remap *m, uint64_t v)
{
	size_t lo = 0, hi = m->n_va;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->va[mid].rec <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

int remap_va(const remap *m, uint64_t rec, uint64_t *live)
{
	long i = find_range(m, rec);

	if (rec && i >= 0 && rec - m->va[i].rec < m->va[i].size) {
		*live = m->va[i].live + (rec - m->va[i].rec);
		return 1;
	}
	*live = rec; /* a VA no call handed out: the driver's own choice, or a bound */
	return 0;
}

int remap_va_back(const remap *m, uint64_t live, uint64_t *rec)
{
	size_t i;

	for (i = 0; live && i < m->n_va; i++)
		if (live - m->va[i].live < m->va[i].size) {
			*rec = m->va[i].rec + (live - m->va[i].live);
			return 1;
		}
	*rec = live;
	return 0;
}

int remap_set_va(remap *m, uint64_t rec, uint64_t live, uint64_t size)
{
	size_t i, j;

	if (!rec || !size)
		return 0;
	/* A new range replaces every recorded range it overlaps: the old one
	   was freed before VidMm could hand the addresses out again. */
	for (i = j = 0; i < m->n_va; i++)
		if (m->va[i].rec + m->va[i].size <= rec || rec + size <= m->va[i].rec)
			m->va[j++] = m->va[i];
	m->n_va = j;
	if (m->n_va == m->cap_va) {
		size_t cap = m->cap_va ? m->cap_va * 2 : 16;
		va_map_range *n = realloc(m->va, cap * sizeof(*n));

		if (!n)
			return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory for the GPU VA map");
		m->va = n;
		m->cap_va = cap;
	}
	i = (size_t)(find_range(m, rec) + 1);
	memmove(&m->va[i + 1], &m->va[i], (m->n_va - i) * sizeof(*m->va));
	m->va[i] = (va_map_range){rec, live, size};
	m->n_va++;
	return 0;
}

uint64_t remap_va_range_size(uint32_t ddi, const void *entry_frame)
{
	/* Only these two calls hand out VA ranges; how large a range is, is
	   their own semantics (§7.1 counts 4 KB pages, §7.3 bytes). */
	switch (ddi) {
	case DDIRR_DDI_MapContextAllocation: {
		const ddirr_frame_MapContextAllocation *f = entry_frame;

		return f && f->pArgs ? f->pArgs->SizeInPages * 4096 : 4096;
	}
	case DDIRR_DDI_ReserveGpuVirtualAddressRange: {
		const ddirr_frame_ReserveGpuVirtualAddressRange *f = entry_frame;

		return f && f->pArgs ? f->pArgs->SizeInBytes : 4096;
	}
	default:
		return 4096;
	}
}
