/* The aperture model: lifecycle, handle tables, reports, and the dispatch of
 * every record to the rules of its DDI.
 *
 * Rules run in two steps. A call's entry record is checked against the
 * state (its inputs are all there), and the facts the exit will need are
 * kept in a `pending` keyed by seq. The exit record then applies the call's
 * effects if it succeeded. So a call that failed, or never returned, leaves
 * the state alone, and the checks still name it. */
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"

/* ------------------------------------------------------------------ */
/* Memory, with accounting                                             */

/* The model makes and drops a block for every aperture page mapped (its
 * slot), every call (its pending) and most calls' stash, so small blocks
 * go back to a per-size cache rather than to malloc, whose own free lists
 * cost more on that path. A cached block stays counted in m->bytes: it is
 * held. Sizes are rounded up to the class, so that a block serves every
 * size of its class. */
static size_t cache_class(size_t size)
{
	return size && size <= MODEL_CACHE_MAX ? (size - 1) / MODEL_CACHE_STEP : (size_t)-1;
}

void *model_alloc(ddirr_model *m, size_t size)
{
	size_t c = cache_class(size);
	void *p;

	if (c != (size_t)-1) {
		size = (c + 1) * MODEL_CACHE_STEP;
		if (m->cache[c]) {
			p = m->cache[c];
			m->cache[c] = m->cache[c]->next;
			m->n_cached[c]--;
			return memset(p, 0, size);
		}
	}
	p = calloc(1, size);
	if (p)
		m->bytes += size;
	return p;
}

void model_free(ddirr_model *m, void *p, size_t size)
{
	size_t c = cache_class(size);

	if (!p)
		return;
	if (c != (size_t)-1) {
		if (m->n_cached[c] < MODEL_CACHE_BLOCKS) {
			cached_block *b = p;

			b->next = m->cache[c];
			m->cache[c] = b;
			m->n_cached[c]++;
			return;
		}
		size = (c + 1) * MODEL_CACHE_STEP;
	}
	m->bytes -= size;
	free(p);
}

static void cache_release(ddirr_model *m)
{
	size_t c;

	for (c = 0; c < MODEL_CACHE_MAX / MODEL_CACHE_STEP; c++)
		while (m->cache[c]) {
			cached_block *b = m->cache[c];

			m->cache[c] = b->next;
			m->bytes -= (c + 1) * MODEL_CACHE_STEP;
			free(b);
		}
}

int model_grow_array(ddirr_model *m, void **array, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*array, n * elem);
	if (!p)
		return -1;
	m->bytes += (n - *cap) * elem;
	*array = p;
	*cap = n;
	return 0;
}

void model_free_array(ddirr_model *m, void *array, size_t cap, size_t elem)
{
	if (array) {
		m->bytes -= cap * elem;
		free(array);
	}
}

/* ------------------------------------------------------------------ */
/* Invariants and reports                                              */

static const struct {
	const char *name, *ref, *text;
} invariants[DDIRR_INV_MAX_PLUS_ONE] = {
#define DDIRR_INVARIANT(id, name, ref, text) [id] = {#name, ref, text},
#include "ddirr/invariants.def"
#undef DDIRR_INVARIANT
};

const char *ddirr_invariant_name(int id)
{
	return id > 0 && id < DDIRR_INV_MAX_PLUS_ONE ? invariants[id].name : NULL;
}

const char *ddirr_invariant_reference(int id)
{
	return id > 0 && id < DDIRR_INV_MAX_PLUS_ONE ? invariants[id].ref : NULL;
}

const char *ddirr_invariant_text(int id)
{
	return id > 0 && id < DDIRR_INV_MAX_PLUS_ONE ? invariants[id].text : NULL;
}

int ddirr_invariant_lookup(const char *name)
{
	int id;

	for (id = 1; id < DDIRR_INV_MAX_PLUS_ONE; id++)
		if (invariants[id].name && !strcmp(invariants[id].name, name))
			return id;
	return DDIRR_INV_NONE;
}

const char *model_ddi_name(uint32_t ddi)
{
	const char *n = ddirr_ddi_name(ddi);

	return n ? n : "?";
}

void model_report(ddirr_model *m, int inv, const violation_objects *objects, const char *fmt, ...)
{
	ddirr_violation v;
	va_list ap;
	int n;

	memset(&v, 0, sizeof(v));
	if (objects) {
		v.earlier_seq = objects->earlier_seq;
		v.earlier_ddi = objects->earlier_ddi;
		v.handle = objects->handle;
		v.handle_ns = objects->handle_ns;
		v.segment = objects->segment;
		v.slot = objects->slot;
		v.page = objects->page;
		v.va = objects->va;
		v.size = objects->size;
	}
	v.invariant = inv;
	v.seq = m->ev->seq;
	v.ddi = m->ev->ddi;
	v.thread = m->ev->thread;
	v.phase = m->ev->phase;
	n = snprintf(v.message, sizeof(v.message), "seq %llu %s: ", (unsigned long long)v.seq, model_ddi_name(v.ddi));
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(v.message))
		vsnprintf(v.message + n, sizeof(v.message) - (size_t)n, fmt, ap);
	va_end(ap);
	m->violations++;
	m->per_invariant[inv]++;
	if (m->opts.on_violation)
		m->opts.on_violation(m->opts.ctx, &v);
}

uint64_t ddirr_model_violations(const ddirr_model *m)
{
	return m->violations;
}

uint64_t ddirr_model_violations_of(const ddirr_model *m, int invariant)
{
	return invariant > 0 && invariant < DDIRR_INV_MAX_PLUS_ONE ? m->per_invariant[invariant] : 0;
}

/* ------------------------------------------------------------------ */
/* Handle tables                                                       */

/* Where else a value might have come from when it is not live in the
 * namespace a call expects: the namespaces a driver confuses it with. */
static const int confusable[DDIRR_NS_MAX_PLUS_ONE][3] = {
	[DDIRR_NS_ADAPTER_KMD] = {DDIRR_NS_ADAPTER_DXGK},
	[DDIRR_NS_ADAPTER_DXGK] = {DDIRR_NS_ADAPTER_KMD},
	[DDIRR_NS_ALLOCATION_KMD] = {DDIRR_NS_CONTEXT_ALLOCATION_DXGK, DDIRR_NS_DEVICE_ALLOCATION_KMD},
	[DDIRR_NS_CONTEXT_ALLOCATION_DXGK] = {DDIRR_NS_ALLOCATION_KMD},
	[DDIRR_NS_DEVICE_ALLOCATION_KMD] = {DDIRR_NS_ALLOCATION_KMD},
	[DDIRR_NS_DEVICE_KMD] = {DDIRR_NS_DEVICE_DXGK},
	[DDIRR_NS_DEVICE_DXGK] = {DDIRR_NS_DEVICE_KMD},
	[DDIRR_NS_CONTEXT_KMD] = {DDIRR_NS_CONTEXT_DXGK},
	[DDIRR_NS_CONTEXT_DXGK] = {DDIRR_NS_CONTEXT_KMD},
	[DDIRR_NS_PROCESS_KMD] = {DDIRR_NS_PROCESS_DXGK},
	[DDIRR_NS_PROCESS_DXGK] = {DDIRR_NS_PROCESS_KMD},
};

static entry *entry_of(const ddirr_model *m, int ns, uint64_t handle)
{
	uint64_t v;

	return u64map_get(&m->ns[ns].live, handle, &v) ? (entry *)(uintptr_t)v : NULL;
}

void *model_peek(const ddirr_model *m, int ns, uint64_t handle)
{
	entry *e = handle ? entry_of(m, ns, handle) : NULL;

	return e ? e->obj : NULL;
}

static const tombstone *grave_of(const ddirr_model *m, int ns, uint64_t handle)
{
	const graveyard *g = &m->ns[ns].dead;
	uint64_t pos;

	return u64map_get(&g->index, handle, &pos) ? &g->ring[pos - 1] : NULL;
}

void *model_find(ddirr_model *m, int ns, uint64_t handle, const char *what)
{
	const tombstone *t;
	violation_objects o = {.handle = handle, .handle_ns = ns};
	entry *e;
	int i;

	if (!handle)
		return NULL;
	e = entry_of(m, ns, handle);
	if (e)
		return e->obj;
	if ((t = grave_of(m, ns, handle))) {
		o.earlier_seq = t->destroyed.seq;
		o.earlier_ddi = t->destroyed.ddi;
		model_report(m, DDIRR_INV_USE_AFTER_DESTROY, &o, "%s 0x%llx [%s] was destroyed at seq %llu (%s)", what,
			     (unsigned long long)handle, ddirr_ns_name(ns), (unsigned long long)t->destroyed.seq,
			     model_ddi_name(t->destroyed.ddi));
		return NULL;
	}
	for (i = 0; i < 3 && confusable[ns][i]; i++) {
		int other = confusable[ns][i];

		if ((e = entry_of(m, other, handle))) {
			o.earlier_seq = e->created.seq;
			o.earlier_ddi = e->created.ddi;
			model_report(m, DDIRR_INV_HANDLE_NAMESPACE_MIXUP, &o,
				     "%s 0x%llx is expected as a %s handle but is a live %s handle from seq %llu (%s)",
				     what, (unsigned long long)handle, ddirr_ns_name(ns), ddirr_ns_name(other),
				     (unsigned long long)e->created.seq, model_ddi_name(e->created.ddi));
			return NULL;
		}
	}
	if (!m->opts.partial)
		model_report(m, DDIRR_INV_UNKNOWN_HANDLE, &o, "%s 0x%llx [%s] was never created", what,
			     (unsigned long long)handle, ddirr_ns_name(ns));
	return NULL;
}

/* The namespaces whose table owns its objects; the others alias them. */
static const struct {
	int ns;
	size_t size;
} owners[] = {
	{DDIRR_NS_ALLOCATION_KMD, sizeof(alloc_obj)},
	{DDIRR_NS_CONTEXT_ALLOCATION_DXGK, sizeof(ctx_alloc_obj)},
	{DDIRR_NS_DEVICE_KMD, sizeof(device_obj)},
	{DDIRR_NS_CONTEXT_KMD, sizeof(context_obj)},
	{DDIRR_NS_DEVICE_ALLOCATION_KMD, sizeof(origin)},
};

/* Drops a live handle's entry without a tombstone: nothing destroyed it. */
static void *unlink_entry(ddirr_model *m, int ns, uint64_t handle)
{
	entry *e = handle ? entry_of(m, ns, handle) : NULL;
	void *obj;

	if (!e)
		return NULL;
	obj = e->obj;
	u64map_del(&m->ns[ns].live, handle);
	model_free(m, e, sizeof(*e));
	return obj;
}

/* Drops the alias `handle` of namespace ns if it names obj. */
static void unlink_alias(ddirr_model *m, int ns, uint64_t handle, const void *obj)
{
	if (model_peek(m, ns, handle) == obj)
		unlink_entry(m, ns, handle);
}

/* A create call returned a handle that is still live: the older object it
 * named is gone for the driver, so it goes here too, as if destroyed, with
 * its aliases and the counts its parents keep. Otherwise it would leak and
 * its parent would count it forever (a false LEAK_AT_DESTROY). */
static void drop_displaced(ddirr_model *m, int ns, void *old)
{
	size_t i;

	switch (ns) {
	case DDIRR_NS_DEVICE_KMD: {
		device_obj *d = old;
		process_obj *proc = model_peek(m, DDIRR_NS_PROCESS_KMD, d->process);

		unlink_alias(m, DDIRR_NS_DEVICE_DXGK, d->dxgk, d);
		if (proc && proc->devices)
			proc->devices--;
		break;
	}
	case DDIRR_NS_CONTEXT_KMD: {
		context_obj *c = old;
		device_obj *d = model_peek(m, DDIRR_NS_DEVICE_KMD, c->device);

		unlink_alias(m, DDIRR_NS_CONTEXT_DXGK, c->dxgk, c);
		if (d && d->contexts)
			d->contexts--;
		break;
	}
	case DDIRR_NS_CONTEXT_ALLOCATION_DXGK: {
		ctx_alloc_obj *ca = old;
		context_obj *c = model_peek(m, DDIRR_NS_CONTEXT_DXGK, ca->context);
		alloc_obj *a = model_peek(m, DDIRR_NS_ALLOCATION_KMD, ca->driver_handle);

		if (c && c->ctx_allocs)
			c->ctx_allocs--;
		if (a && a->ctx_alloc == ca->handle)
			model_free(m, unlink_entry(m, DDIRR_NS_ALLOCATION_KMD, a->handle), sizeof(*a));
		break;
	}
	default:
		break;
	}
	for (i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		if (owners[i].ns == ns)
			model_free(m, old, owners[i].size);
}

int model_add(ddirr_model *m, int ns, uint64_t handle, void *obj, const char *what)
{
	handle_table *t = &m->ns[ns];
	entry *e = entry_of(m, ns, handle);
	uint64_t pos;

	if (e) {
		violation_objects o = {.handle = handle, .handle_ns = ns, .earlier_seq = e->created.seq,
				     .earlier_ddi = e->created.ddi};

		model_report(m, DDIRR_INV_HANDLE_REUSED_WHILE_LIVE, &o,
			     "returned %s 0x%llx [%s], which is still live since seq %llu (%s)", what,
			     (unsigned long long)handle, ddirr_ns_name(ns), (unsigned long long)e->created.seq,
			     model_ddi_name(e->created.ddi));
		/* The newer object wins. */
		if (e->obj != obj) {
			void *old = e->obj;

			e->obj = obj;
			drop_displaced(m, ns, old);
		}
		e->created = (origin){m->ev->seq, m->ev->ddi};
		return 0;
	}
	e = model_alloc(m, sizeof(*e));
	if (!e || u64map_put(&t->live, handle, (uintptr_t)e)) {
		model_free(m, e, sizeof(*e));
		return DDIRR_ENOMEM;
	}
	e->obj = obj;
	e->created = (origin){m->ev->seq, m->ev->ddi};
	/* A handle value can be recycled by its creator once destroyed. */
	if (u64map_get(&t->dead.index, handle, &pos)) {
		t->dead.ring[pos - 1].handle = 0;
		u64map_del(&t->dead.index, handle);
	}
	return 0;
}

void model_remove(ddirr_model *m, int ns, uint64_t handle)
{
	handle_table *t = &m->ns[ns];
	graveyard *g = &t->dead;
	entry *e = entry_of(m, ns, handle);
	tombstone *slot;

	if (!e)
		return;
	u64map_del(&t->live, handle);
	model_free(m, e, sizeof(*e));
	if (!g->cap)
		return;
	/* Remember the newest destroyed handles only: memory follows the live
	   objects, and use-after-destroy is caught for the recent past. */
	slot = &g->ring[g->next];
	if (slot->handle)
		u64map_del(&g->index, slot->handle);
	slot->handle = handle;
	slot->destroyed = (origin){m->ev->seq, m->ev->ddi};
	if (u64map_put(&g->index, handle, g->next + 1))
		slot->handle = 0;
	g->next = (g->next + 1) % g->cap;
}

const ddirr_model_segment *model_segment(const ddirr_model *m, uint32_t id)
{
	return id >= 1 && id <= m->n_segments ? &m->segments[id - 1] : NULL;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

int ddirr_model_new(ddirr_model **out, const ddirr_model_options *opts)
{
	ddirr_model *m;
	int ns;

	*out = NULL;
	if (opts && opts->version != DDIRR_MODEL_OPTIONS_VERSION)
		return ddirr_error_set(DDIRR_EINVAL, "model options version %u, expected %u", opts->version,
				       DDIRR_MODEL_OPTIONS_VERSION);
	m = calloc(1, sizeof(*m));
	if (!m)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory creating the model");
	if (opts)
		m->opts = *opts;
	if (!m->opts.tombstones)
		m->opts.tombstones = 4096;
	m->bytes = sizeof(*m);
	m->rng = m->opts.seed ^ 0x5DEECE66Dull;
	m->physical_adapters = 1;
	for (ns = 0; ns < DDIRR_NS_MAX_PLUS_ONE; ns++) {
		graveyard *g = &m->ns[ns].dead;

		m->ns[ns].live.bytes = &m->bytes;
		g->index.bytes = &m->bytes;
		g->ring = model_alloc(m, m->opts.tombstones * sizeof(*g->ring));
		if (!g->ring) {
			ddirr_model_free(m);
			return ddirr_error_set(DDIRR_ENOMEM, "out of memory creating the model");
		}
		g->cap = m->opts.tombstones;
	}
	m->processes_dxgk.bytes = &m->bytes;
	m->slots.bytes = &m->bytes;
	m->page_slots.bytes = &m->bytes;
	m->gart.bytes = &m->bytes;
	m->ptes.bytes = &m->bytes;
	m->pending.bytes = &m->bytes;
	*out = m;
	return 0;
}

static void free_pending(ddirr_model *m, pending *p)
{
	model_free(m, p->data, p->data_size);
	model_free(m, p, sizeof(*p));
}

void model_free_process(ddirr_model *m, process_obj *p)
{
	model_free_array(m, p->ranges, p->cap_ranges, sizeof(va_range));
	model_free(m, p, sizeof(*p));
}

void ddirr_model_free(ddirr_model *m)
{
	size_t i;
	uint64_t k, v;
	int ns;

	if (!m)
		return;
	/* Objects are owned by their primary namespace table. */
	for (i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		size_t it = 0;

		while (u64map_next(&m->ns[owners[i].ns].live, &it, &k, &v))
			model_free(m, ((entry *)(uintptr_t)v)->obj, owners[i].size);
	}
	for (i = 0; u64map_next(&m->processes_dxgk, &i, &k, &v);)
		model_free_process(m, (process_obj *)(uintptr_t)v);
	for (i = 0; u64map_next(&m->slots, &i, &k, &v);)
		model_free(m, (void *)(uintptr_t)v, sizeof(slot_obj));
	for (i = 0; u64map_next(&m->pending, &i, &k, &v);)
		free_pending(m, (pending *)(uintptr_t)v);
	for (ns = 0; ns < DDIRR_NS_MAX_PLUS_ONE; ns++) {
		size_t it = 0;

		while (u64map_next(&m->ns[ns].live, &it, &k, &v))
			model_free(m, (void *)(uintptr_t)v, sizeof(entry));
		u64map_free(&m->ns[ns].live);
		u64map_free(&m->ns[ns].dead.index);
		model_free(m, m->ns[ns].dead.ring, m->ns[ns].dead.cap * sizeof(tombstone));
	}
	u64map_free(&m->processes_dxgk);
	u64map_free(&m->slots);
	u64map_free(&m->page_slots);
	u64map_free(&m->gart);
	u64map_free(&m->ptes);
	u64map_free(&m->pending);
	cache_release(m);
	free(m->segments);
	free(m);
}

size_t ddirr_model_memory(const ddirr_model *m)
{
	return m->bytes;
}

void ddirr_model_get_counts(const ddirr_model *m, ddirr_model_counts *out)
{
	size_t i = 0;
	uint64_t k, v;

	memset(out, 0, sizeof(*out));
	out->segments = m->n_segments;
	out->allocations = m->ns[DDIRR_NS_ALLOCATION_KMD].live.n;
	out->context_allocations = m->ns[DDIRR_NS_CONTEXT_ALLOCATION_DXGK].live.n;
	out->devices = m->ns[DDIRR_NS_DEVICE_KMD].live.n;
	out->contexts = m->ns[DDIRR_NS_CONTEXT_KMD].live.n;
	out->processes = m->processes_dxgk.n;
	out->mapped_slots = m->slots.n;
	out->gart_pages = m->gart.n;
	out->page_table_entries = m->n_ptes;
	out->pending_calls = m->pending.n;
	while (u64map_next(&m->processes_dxgk, &i, &k, &v))
		out->va_ranges += ((const process_obj *)(uintptr_t)v)->n_ranges;
}

int ddirr_model_set_segments(ddirr_model *m, const ddirr_model_segment *segments, size_t n)
{
	ddirr_model_segment *copy;
	size_t i;

	if (n > 32)
		return ddirr_error_set(DDIRR_EINVAL, "%zu segments: a segment set has room for 32", n);
	for (i = 0; i < n; i++)
		if (segments[i].page_size != 4096 && segments[i].page_size != 65536)
			return ddirr_error_set(DDIRR_EINVAL, "segment %zu: page size %u is neither 4 KB nor 64 KB", i + 1,
					       segments[i].page_size);
	copy = malloc(n ? n * sizeof(*copy) : 1);
	if (!copy)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory");
	memcpy(copy, segments, n * sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i].id = (uint32_t)(i + 1);
	free(m->segments);
	m->bytes = m->bytes - m->n_segments * sizeof(*copy) + n * sizeof(*copy);
	m->segments = copy;
	m->n_segments = n;
	return 0;
}

const ddirr_model_segment *ddirr_model_get_segments(const ddirr_model *m, size_t *n)
{
	*n = m->n_segments;
	return m->segments;
}
