/* What reports say about an object: the call that created it and its latest
 * mapping calls, by recorded handle within its namespace. Fed by compare.c
 * (outputs create) and translate.c (inputs use). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "replay_internal.h"

#define USES 3

typedef struct hist_obj {
	uint64_t key; /* key_of(ns, rec) */
	uint64_t created_seq;
	uint32_t created_ddi;
	uint64_t use_seq[USES]; /* newest first */
	uint32_t use_ddi[USES];
} hist_obj;

struct history {
	u64map index; /* ns << 58 ^ handle -> objs index + 1 */
	hist_obj *objs;
	size_t n, cap;
};

int history_new(history **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
}

void history_free(history *h)
{
	if (!h)
		return;
	u64map_free(&h->index);
	free(h->objs);
	free(h);
}

static uint64_t key_of(int ns, uint64_t rec)
{
	return ((uint64_t)ns << 58) ^ rec;
}

static hist_obj *find(history *h, int ns, uint64_t rec, int make)
{
	uint64_t i;

	if (u64map_get(&h->index, key_of(ns, rec), &i))
		return &h->objs[i - 1];
	if (!make)
		return NULL;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		hist_obj *n = realloc(h->objs, cap * sizeof(*n));

		if (!n)
			return NULL;
		h->objs = n;
		h->cap = cap;
	}
	if (u64map_put(&h->index, key_of(ns, rec), h->n + 1))
		return NULL;
	memset(&h->objs[h->n], 0, sizeof(h->objs[h->n]));
	h->objs[h->n].key = key_of(ns, rec);
	return &h->objs[h->n++];
}

void history_created(history *h, int ns, uint64_t rec, uint64_t seq, uint32_t ddi)
{
	hist_obj *o = rec ? find(h, ns, rec, 1) : NULL;

	if (o) {
		uint64_t key = o->key;

		memset(o, 0, sizeof(*o)); /* a new object under a reused value */
		o->key = key;
		o->created_seq = seq;
		o->created_ddi = ddi;
	}
}

void history_forget(history *h, int ns, uint64_t rec)
{
	uint64_t i;

	if (!rec || !u64map_get(&h->index, key_of(ns, rec), &i))
		return;
	u64map_del(&h->index, key_of(ns, rec));
	/* The last object fills the hole, so that objs stays dense. */
	if (i != h->n) {
		h->objs[i - 1] = h->objs[h->n - 1];
		u64map_put(&h->index, h->objs[i - 1].key, i); /* replaces: cannot fail */
	}
	h->n--;
}

/* Only mapping calls are worth a line in a report. */
static int is_mapping_call(uint32_t ddi)
{
	return ddi == DDIRR_DDI_MapCpuHostAperture || ddi == DDIRR_DDI_UnmapCpuHostAperture ||
	       ddi == DDIRR_DDI_BuildPagingBuffer || ddi == DDIRR_DDI_MapContextAllocation;
}

void history_used(history *h, int ns, uint64_t rec, uint64_t seq, uint32_t ddi)
{
	hist_obj *o;

	if (!rec || !is_mapping_call(ddi) || !(o = find(h, ns, rec, 0)) || o->use_seq[0] == seq)
		return;
	memmove(&o->use_seq[1], &o->use_seq[0], (USES - 1) * sizeof(o->use_seq[0]));
	memmove(&o->use_ddi[1], &o->use_ddi[0], (USES - 1) * sizeof(o->use_ddi[0]));
	o->use_seq[0] = seq;
	o->use_ddi[0] = ddi;
}

void history_describe(const history *h, int ns, uint64_t rec, char *buf, size_t size)
{
	const hist_obj *o = rec ? find((history *)h, ns, rec, 0) : NULL;
	size_t len;
	int i;

	buf[0] = 0;
	if (!o)
		return;
	len = (size_t)snprintf(buf, size, "%s 0x%llx: created by seq %llu %s", ddirr_ns_name(ns), (unsigned long long)rec,
			       (unsigned long long)o->created_seq,
			       o->created_seq ? ddirr_ddi_name(o->created_ddi) : "(before the trace)");
	for (i = 0; i < USES && o->use_seq[i] && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s seq %llu %s", i ? "," : "; latest mapping calls:",
					(unsigned long long)o->use_seq[i], ddirr_ddi_name(o->use_ddi[i]));
}
