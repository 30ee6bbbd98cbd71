/* Objects a call destroyed leave the history and move to the remap's
 * bounded tail of retired handles (remap.c), so that the tables hold the
 * trace's live objects (a few hundred) rather than every object it ever
 * made, and a long trace's lookups stay in cache. A recently destroyed
 * handle the trace uses again still maps, so the target reports the use
 * after destroy as before; its history is gone. */
#include "replay_internal.h"

typedef struct retire_ctx {
	target *t;
	int ns;
} retire_ctx;

/* The namespace of the objects call `ddi` destroys; 0 for other calls. */
static int destroyed_ns(uint32_t ddi)
{
	switch (ddi) {
	case DDIRR_DDI_DestroyAllocation: return DDIRR_NS_ALLOCATION_KMD;
	case DDIRR_DDI_DestroyContext: return DDIRR_NS_CONTEXT_KMD;
	case DDIRR_DDI_DestroyDevice: return DDIRR_NS_DEVICE_KMD;
	case DDIRR_DDI_DestroyProcess: return DDIRR_NS_PROCESS_KMD;
	case DDIRR_DDI_DestroyContextAllocation: return DDIRR_NS_CONTEXT_ALLOCATION_DXGK;
	default: return 0;
	}
}

/* Every destroying call returns an NTSTATUS; a failed one destroyed nothing. */
static int succeeded(const ddirr_event *exit)
{
	const ddirr_frame_any *f = exit->frame;

	if (!f)
		return 0;
	switch (exit->ddi) {
	case DDIRR_DDI_DestroyAllocation: return f->DestroyAllocation.ReturnValue >= 0;
	case DDIRR_DDI_DestroyContext: return f->DestroyContext.ReturnValue >= 0;
	case DDIRR_DDI_DestroyDevice: return f->DestroyDevice.ReturnValue >= 0;
	case DDIRR_DDI_DestroyProcess: return f->DestroyProcess.ReturnValue >= 0;
	case DDIRR_DDI_DestroyContextAllocation: return f->DestroyContextAllocation.ReturnValue >= 0;
	default: return 0;
	}
}

static void forget_scalar(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e)
{
	retire_ctx *c = w->ctx;
	uint64_t rec = ddirr_desc_read(x, walk_scalar_size(f));

	(void)y;
	(void)e;
	if (f->cls != DDIRR_CLASS_HANDLE || f->ns != c->ns || !rec)
		return;
	if (remap_retire_handle(&c->t->map, c->ns, rec))
		return; /* out of memory: it stays mapped, as it was before */
	history_forget(c->t->hist, c->ns, rec);
}

static void retire_call(target *t, const call_rec *c)
{
	retire_ctx rc = {t, destroyed_ns(c->entry.ddi)};
	walk w = {.dirs = DDIRR_DIR_IN, .scalar = forget_scalar, .ctx = &rc};

	if (!rc.ns || !c->entry.frame || !succeeded(&c->exit))
		return;
	walk_frame(&w, c->entry.ddi, c->entry.frame, (void *)c->entry.frame, NULL);
}

void retire_destroyed(target *t, const call_group *g)
{
	size_t i;

	for (i = 0; i < g->n_cbs; i++)
		retire_call(t, &g->cbs[i]);
	retire_call(t, &g->call);
}
