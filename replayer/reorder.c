/* Records -> whole calls, in seq order.
 *
 * A trace holds each call as an entry and an exit record, with the
 * callbacks a DDI made in between (their parent_seq names it). Threads
 * interleave, and the recorder drains its per-thread rings in turn, so file
 * order is not seq order. This stage gathers each DDI with its callbacks
 * into a call_group and hands the groups out by increasing seq: a group
 * leaves once it is complete and every smaller seq has been accounted for.
 * It holds at most `lookahead` records while waiting for a missing seq;
 * past that, or at the end of the file, the first missing or incomplete
 * call is where the trace stops (truncated, or a gap). The replay is thus a
 * linearization of the capture by entry order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "frame_copy.h"
#include "replay_internal.h"

struct reorder {
	ddirr_trace *t;
	size_t lookahead;
	size_t held;          /* records held in groups not yet handed out */
	uint64_t next;        /* the next seq to hand out */
	uint64_t records;
	u64map by_seq;        /* DDI seq -> group index + 1, while the group is held */
	u64map cb_seqs;       /* callback seq -> 1, while its group is held */
	call_group **groups;  /* every group ever made; reused through `spare` */
	size_t n_groups;
	size_t *spare;
	size_t n_spare;
	long current;         /* the group handed out last, recycled by the next call */
	int eof;
	char stop[400];
};

int reorder_new(reorder **out, ddirr_trace *t, size_t lookahead)
{
	reorder *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
	r->t = t;
	r->lookahead = lookahead ? lookahead : (size_t)1 << 20;
	r->next = 1;
	r->current = -1;
	/* The copies below go through the generated code and its plans. */
	ddirr_frame_plans_build();
	*out = r;
	return 0;
}

void reorder_free(reorder *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_groups; i++) {
		free(r->groups[i]->buf);
		free(r->groups[i]->recs);
		free(r->groups[i]->relocs);
		free(r->groups[i]->cbs);
		free(r->groups[i]->kept_digests);
		free(r->groups[i]->digests);
		free(r->groups[i]);
	}
	free(r->groups);
	free(r->spare);
	u64map_free(&r->by_seq);
	u64map_free(&r->cb_seqs);
	free(r);
}

const char *reorder_stop_reason(const reorder *r)
{
	return r->stop;
}

uint64_t reorder_records(const reorder *r)
{
	return r->records;
}

static long group_new(reorder *r)
{
	call_group *g;

	if (r->n_spare) {
		long i = (long)r->spare[--r->n_spare];

		g = r->groups[i];
		g->n_cbs = g->len = g->n_recs = g->n_relocs = g->pending = g->n_kept_digests = 0;
		return i;
	}
	if ((r->n_groups & (r->n_groups - 1)) == 0) { /* a power of two, or 0: grow */
		size_t cap = r->n_groups ? r->n_groups * 2 : 8;
		call_group **ng = realloc(r->groups, cap * sizeof(*ng));
		size_t *ns = realloc(r->spare, cap * sizeof(*ns));

		if (ng)
			r->groups = ng;
		if (ns)
			r->spare = ns;
		if (!ng || !ns)
			return -1;
	}
	if (!(g = calloc(1, sizeof(*g))))
		return -1;
	r->groups[r->n_groups] = g;
	return (long)r->n_groups++;
}

/* The array p of *cap elements of `size` bytes, with room for at least
 * `need`: p itself, or p moved and grown (doubling from `first`). NULL when
 * out of memory, and p is still valid. */
static void *grow_to(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap ? *cap : first;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	if (!(p = realloc(p, c * size)))
		return NULL;
	*cap = c;
	return p;
}

/* Makes g's buffer hold at least `need` bytes, and its relocation list
 * `relocs` entries. */
static int group_reserve(call_group *g, size_t need, size_t relocs)
{
	void *p;

	if (!(p = grow_to(g->buf, &g->cap, need, 1, 1024)))
		return DDIRR_ENOMEM;
	g->buf = p;
	if (!(p = grow_to(g->relocs, &g->cap_relocs, relocs, sizeof(*g->relocs), 64)))
		return DDIRR_ENOMEM;
	g->relocs = p;
	return 0;
}

/* Ranks private data without bytes in a frame: finds the rank of `slot`,
 * or the slot of rank `rank`. */
typedef struct rank_search {
	const void *slot;
	size_t rank;
	size_t seen;
	int found;
} rank_search;

static void rank_of_slot(void *slot, const void *bytes, uint64_t n, void *ctx)
{
	rank_search *q = ctx;

	(void)bytes;
	(void)n;
	if (!q->found && slot == q->slot) {
		q->rank = q->seen;
		q->found = 1;
	}
	q->seen++;
}

static void slot_of_rank(void *slot, const void *bytes, uint64_t n, void *ctx)
{
	rank_search *q = ctx;

	(void)bytes;
	(void)n;
	if (!q->found && q->seen == q->rank) {
		q->slot = slot;
		q->found = 1;
	}
	q->seen++;
}

/* Keeps ev's digests by the rank of their slots: the record about to be
 * kept as g->recs[g->n_recs]. A digest whose slot is not private data
 * without bytes in this frame is dropped (the reader never makes one). */
static int keep_digests(call_group *g, const ddirr_event *ev)
{
	uint32_t i;
	void *p;

	for (i = 0; i < ev->n_digests; i++) {
		rank_search q = {ev->digests[i].slot, 0, 0, 0};

		ddirr_frame_visit_missing_opaque(ddirr_desc_ddi(ev->ddi)->frame, (void *)ev->frame, ev->phase,
						 rank_of_slot, &q);
		if (!q.found)
			continue;
		if (!(p = grow_to(g->kept_digests, &g->cap_kept_digests, g->n_kept_digests + 1,
				  sizeof(*g->kept_digests), 4)))
			return DDIRR_ENOMEM;
		g->kept_digests = p;
		g->kept_digests[g->n_kept_digests].rec = g->n_recs;
		g->kept_digests[g->n_kept_digests].rank = q.rank;
		memcpy(g->kept_digests[g->n_kept_digests].sha256, ev->digests[i].sha256, 32);
		g->n_kept_digests++;
	}
	return 0;
}

/* Keeps a flat copy of ev's frame in g, with the list of its pointer
 * slots: one walk into the buffer's free room, and a second only when the
 * copy or its list did not fit there. */
static int keep(call_group *g, const ddirr_event *ev, long cb)
{
	size_t off = (g->len + 7) & ~(size_t)7, need = 0, first = g->n_relocs;
	ddirr_frame_relocs rel = {NULL, 0, 0};
	void *p;

	if (!(p = grow_to(g->recs, &g->cap_recs, g->n_recs + 1, sizeof(*g->recs), 4)))
		return DDIRR_ENOMEM;
	g->recs = p;
	if (ev->frame && ddirr_desc_ddi(ev->ddi)) {
		size_t want = 512, want_relocs = 16;

		for (;;) {
			if (group_reserve(g, off + want, first + want_relocs))
				return DDIRR_ENOMEM;
			rel = (ddirr_frame_relocs){g->relocs + first, g->cap_relocs - first, 0};
			need = ddirr_frame_copy_call_relocs(g->buf + off, g->cap - off, ev->ddi, ev->phase, ev->frame,
							    0, &rel);
			if (need <= g->cap - off && rel.n <= rel.cap)
				break;
			want = need;
			want_relocs = rel.n;
		}
		if (need > UINT32_MAX)
			return DDIRR_ENOMEM; /* slots are listed as 32-bit offsets */
		if (ev->n_digests && keep_digests(g, ev))
			return DDIRR_ENOMEM;
	}
	g->recs[g->n_recs++] = (struct group_rec){off, need, first, rel.n, cb, ev->phase};
	g->n_relocs = first + rel.n;
	g->len = off + need;
	return 0;
}

static call_rec *rec_of(call_group *g, long cb)
{
	return cb < 0 ? &g->call : &g->cbs[cb];
}

/* Turns the kept copies into frames: the group is complete and stops
 * growing, so pointers into its buffer, and into its relocation list,
 * stay valid until the group is recycled. Returns 0 or DDIRR_ENOMEM. */
static int rebuild(call_group *g)
{
	size_t i, d = 0, n = 0, first;

	if (g->n_kept_digests) {
		void *p = grow_to(g->digests, &g->cap_digests, g->n_kept_digests, sizeof(*g->digests), 4);

		if (!p)
			return DDIRR_ENOMEM;
		g->digests = p;
	}
	for (i = 0; i < g->n_recs; i++) {
		const struct group_rec *k = &g->recs[i];
		call_rec *c = rec_of(g, k->cb);
		ddirr_event *ev = k->phase == DDIRR_PHASE_ENTRY ? &c->entry : &c->exit;
		rec_copy *cp = k->phase == DDIRR_PHASE_ENTRY ? &c->entry_copy : &c->exit_copy;

		ev->frame = NULL;
		ev->digests = NULL; /* the reader's, gone by now */
		ev->n_digests = 0;
		*cp = (rec_copy){0, NULL, 0};
		if (!k->len)
			continue;
		ddirr_frame_relocate(g->buf + k->off, g->relocs + k->first_reloc, k->n_relocs);
		ev->frame = g->buf + k->off;
		*cp = (rec_copy){k->len, g->relocs + k->first_reloc, k->n_relocs};
		/* the digests kept for this record, with their slots in the copy */
		first = n;
		for (; d < g->n_kept_digests && g->kept_digests[d].rec == i; d++) {
			rank_search q = {NULL, g->kept_digests[d].rank, 0, 0};

			ddirr_frame_visit_missing_opaque(ddirr_desc_ddi(ev->ddi)->frame, (void *)ev->frame, ev->phase,
							 slot_of_rank, &q);
			if (!q.found)
				continue;
			g->digests[n].slot = q.slot;
			memcpy(g->digests[n].sha256, g->kept_digests[d].sha256, 32);
			n++;
		}
		if (n > first) {
			ev->digests = g->digests + first;
			ev->n_digests = (uint32_t)(n - first);
		}
	}
	return 0;
}

static call_group *group_at(reorder *r, uint64_t seq)
{
	uint64_t v;

	return u64map_get(&r->by_seq, seq, &v) && v ? r->groups[v - 1] : NULL;
}

/* Files one record; returns 0, or a negative error. A record that fits no
 * call (a callback whose DDI is unknown or gone, a duplicate, an exit whose
 * DDI is not its entry's, as in a damaged trace) is dropped and noted in
 * the stop reason only if it matters later. An exit must name its entry's
 * DDI: the targets build the live frame from the entry's call, and the
 * comparison walks it with the exit's description (fuzz_replay_model found
 * a read through a pointer of the wrong layout). */
static int file_record(reorder *r, const ddirr_event *ev)
{
	int is_cb = ddirr_ddi_kind(ev->ddi) == DDIRR_KIND_CB || ev->parent_seq != 0;
	uint64_t owner = is_cb ? ev->parent_seq : ev->seq;
	call_group *g = group_at(r, owner);
	long cb = -1;

	if (ev->seq < r->next || !ddirr_desc_ddi(ev->ddi))
		return 0; /* already handed out, or a call this build cannot replay */
	if (!is_cb && ev->phase == DDIRR_PHASE_ENTRY) {
		long i;

		if (g)
			return 0; /* duplicate entry */
		if ((i = group_new(r)) < 0 || u64map_put(&r->by_seq, ev->seq, (uint64_t)i + 1))
			return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
		g = r->groups[i];
		memset(&g->call, 0, sizeof(g->call));
		g->call.entry = *ev;
		g->pending = 1;
	} else if (!g) {
		return 0; /* an exit or callback of a call whose entry was lost */
	} else if (is_cb) {
		for (cb = (long)g->n_cbs - 1; cb >= 0 && g->cbs[cb].entry.seq != ev->seq; cb--)
			;
		if (ev->phase == DDIRR_PHASE_ENTRY) {
			void *p;

			if (cb >= 0)
				return 0;
			if (!(p = grow_to(g->cbs, &g->cap_cbs, g->n_cbs + 1, sizeof(*g->cbs), 4)))
				return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
			g->cbs = p;
			cb = (long)g->n_cbs++;
			memset(&g->cbs[cb], 0, sizeof(g->cbs[cb]));
			g->cbs[cb].entry = *ev;
			g->pending++;
			if (u64map_put(&r->cb_seqs, ev->seq, 1))
				return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
		} else {
			if (cb < 0 || g->cbs[cb].exit.phase || g->cbs[cb].entry.ddi != ev->ddi)
				return 0;
			g->cbs[cb].exit = *ev;
			g->pending--;
		}
	} else {
		if (g->call.exit.phase || g->call.entry.ddi != ev->ddi)
			return 0;
		g->call.exit = *ev;
		g->pending--;
	}
	r->held++;
	if (keep(g, ev, cb))
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory for seq %llu", (unsigned long long)ev->seq);
	return 0;
}

/* Moves `next` past callback seqs whose groups are accounted for. */
static void skip_callbacks(reorder *r)
{
	uint64_t v;

	while (u64map_get(&r->cb_seqs, r->next, &v) && v) {
		u64map_del(&r->cb_seqs, r->next); /* handed out: memory follows the held records */
		r->next++;
	}
}

static void note_stop(reorder *r, const char *what)
{
	const ddirr_trace_verdict *v = ddirr_trace_get_verdict(r->t);

	if (r->stop[0])
		return;
	snprintf(r->stop, sizeof(r->stop), "%s at seq %llu%s%s", what, (unsigned long long)r->next,
		 v && v->summary && v->summary[0] ? "; reader: " : "", v && v->summary ? v->summary : "");
}

int reorder_next(reorder *r, const call_group **out)
{
	*out = NULL;
	if (r->current >= 0) {
		r->spare[r->n_spare++] = (size_t)r->current;
		r->current = -1;
	}
	for (;;) {
		call_group *g;
		const ddirr_event *ev;
		int rc;

		skip_callbacks(r);
		g = group_at(r, r->next);
		if (g && g->pending == 0) {
			uint64_t v;

			u64map_get(&r->by_seq, r->next, &v);
			u64map_del(&r->by_seq, r->next);
			r->current = (long)v - 1;
			r->held -= g->n_recs;
			r->next++;
			if (rebuild(g))
				return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory at seq %llu",
						       (unsigned long long)(r->next - 1));
			*out = g;
			return 1;
		}
		if (r->eof || r->stop[0]) {
			if (!r->stop[0] && (g || r->held))
				note_stop(r, g ? "the call never returned" : "records missing");
			if (!r->stop[0]) {
				const ddirr_trace_verdict *v = ddirr_trace_get_verdict(r->t);

				if (v && v->kind != DDIRR_VERDICT_COMPLETE)
					snprintf(r->stop, sizeof(r->stop), "%s", v->summary ? v->summary : "incomplete");
			}
			return 0;
		}
		if (r->held > r->lookahead) {
			note_stop(r, g ? "the call is not complete within the lookahead" : "records missing");
			continue;
		}
		rc = ddirr_trace_next(r->t, &ev);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			r->eof = 1;
			continue;
		}
		r->records++;
		if ((rc = file_record(r, ev)))
			return rc;
	}
}
