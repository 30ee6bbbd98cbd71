/* The model target: the aperture model plays the driver and VidMm. Each
 * call: apply the (translated) entry; for each recorded callback, the model
 * makes it as the driver did and answers it as VidMm (respond into a copy
 * of the recorded exit), and its answer is compared, which teaches the maps
 * the model's handles and VAs; then the model answers the DDI the same way.
 * The engine compares that answer with the recorded exit. */
#include <stdio.h>
#include <stdlib.h>

#include "ddirr/error.h"
#include "replay_internal.h"

/* Apply the translated entry, answer, apply the answer: one call of the
 * model. Returns the live exit (NULL when the trace has no exit frame). */
static void *answer(replay *r, target *t, const call_rec *c, void **live_entry)
{
	void *in = live_frame_clone(&t->arena, &c->entry, &c->entry_copy);
	void *out = live_frame_clone(&t->arena, &c->exit, &c->exit_copy);
	ddirr_event ev = c->entry;

	if (in)
		translate_frame(r, t, &c->entry, in, DDIRR_DIR_IN, 1);
	ev.frame = in;
	target_apply(r, t, &c->entry, in);
	*live_entry = in;
	if (!out)
		return NULL;
	translate_frame(r, t, &c->exit, out, DDIRR_DIR_INOUT, 0);
	if (in)
		ddirr_model_respond(t->model, &ev, out);
	return out;
}

static int model_call(target *t, replay *r, const call_group *g, void **live_exit)
{
	void *in, *out;
	size_t i;

	ddirr_arena_reset(&t->arena);
	/* The DDI's entry first: its callbacks happen inside it. */
	in = live_frame_clone(&t->arena, &g->call.entry, &g->call.entry_copy);
	if (in)
		translate_frame(r, t, &g->call.entry, in, DDIRR_DIR_IN, 1);
	target_apply(r, t, &g->call.entry, in);
	for (i = 0; i < g->n_cbs; i++) {
		void *cb_in, *cb_out = answer(r, t, &g->cbs[i], &cb_in);

		t->callbacks++;
		if (cb_out) {
			target_apply(r, t, &g->cbs[i].exit, cb_out);
			compare_exit(r, t, &g->cbs[i].entry, &g->cbs[i].exit, cb_out, COMPARE_CHECK);
		}
	}
	out = live_frame_clone(&t->arena, &g->call.exit, &g->call.exit_copy);
	if (out) {
		ddirr_event ev = g->call.entry;

		ev.frame = in;
		translate_frame(r, t, &g->call.exit, out, DDIRR_DIR_INOUT, 0);
		if (in)
			ddirr_model_respond(t->model, &ev, out);
		target_apply(r, t, &g->call.exit, out);
	}
	*live_exit = out;
	return 0;
}

static void model_free(target *t)
{
	(void)t;
}

int target_model_new(target **out, replay *r)
{
	target *t = calloc(1, sizeof(*t));
	ddirr_model_options mo = DDIRR_MODEL_OPTIONS_INIT;
	int rc;

	*out = NULL;
	if (!t || history_new(&t->hist)) {
		free(t);
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
	}
	t->name = "model";
	snprintf(t->spec, sizeof(t->spec), "model");
	t->call = model_call;
	t->free = model_free;
	t->owner = r;
	remap_init(&t->map);
	mo.on_violation = target_on_violation;
	mo.ctx = t;
	*out = t;
	if ((rc = ddirr_model_new(&t->model, &mo)))
		return rc;
	return 0;
}
