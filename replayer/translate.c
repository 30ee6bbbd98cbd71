/* Recorded in-fields -> live values, in place, before a call is issued (or,
 * for a callback, before its recorded arguments are compared with the
 * driver's). Walks the description: handles go through their namespace's
 * map, GPU VAs through the range map; every other class is kept. */
#include <stdio.h>

#include "replay_internal.h"

typedef struct tr_ctx {
	replay *r;
	target *t;
	const ddirr_event *rec;
	int entry; /* an entry record: the caller may introduce values */
	int report;
} tr_ctx;

static void tr_scalar(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e)
{
	tr_ctx *c = w->ctx;
	uint32_t size = walk_scalar_size(f);
	uint64_t v = ddirr_desc_read(x, size), live;

	(void)e;
	if (f->cls == DDIRR_CLASS_GPU_VA) {
		remap_va(&c->t->map, v, &live);
		ddirr_desc_write(y, size, live);
		return;
	}
	if (f->cls != DDIRR_CLASS_HANDLE || f->ns == DDIRR_NS_NONE || v == 0)
		return;
	if (remap_handle(&c->t->map, f->ns, v, &live)) {
		ddirr_desc_write(y, size, live);
	} else if (c->entry && translate_introduces(c->rec, f->ns)) {
		/* The caller's own new value: the replayer plays dxgkrnl (and
		   the model target plays the driver), and hands out the
		   recorded one. */
		remap_set_handle(&c->t->map, f->ns, v, v);
		history_created(c->t->hist, f->ns, v, c->rec->seq, c->rec->ddi);
	} else if (c->report) {
		char path[192], val[32], msg[400];
		div_info d = {.kind = DDIRR_DIV_UNKNOWN_HANDLE, .cls = f->cls, .ns = f->ns, .seq = c->rec->seq,
			      .parent_seq = c->rec->parent_seq, .ddi = c->rec->ddi, .field = path, .expected = val,
			      .actual = "(no mapping)", .message = msg, .rec_handle = v};

		walk_path(w, f, path, sizeof(path));
		snprintf(val, sizeof(val), "0x%llx", (unsigned long long)v);
		snprintf(msg, sizeof(msg), "%s 0x%llx [%s] was never returned by an earlier call", path,
			 (unsigned long long)v, ddirr_ns_name(f->ns));
		replay_diverge(c->r, c->t, &d);
	}
	history_used(c->t->hist, f->ns, v, c->rec->seq, c->rec->ddi);
}

int translate_introduces(const ddirr_event *rec, int ns)
{
	int kernel = remap_kernel_owned(ns);

	return ddirr_ddi_kind(rec->ddi) == DDIRR_KIND_DDI ? kernel : !kernel;
}

void translate_frame(replay *r, target *t, const ddirr_event *rec, void *live, unsigned dirs, int report)
{
	tr_ctx c = {r, t, rec, rec->phase == DDIRR_PHASE_ENTRY, report};
	walk w = {.dirs = dirs, .scalar = tr_scalar, .ctx = &c, .prune = &t->walk_prune};

	walk_frame(&w, rec->ddi, rec->frame, live, NULL);
}
