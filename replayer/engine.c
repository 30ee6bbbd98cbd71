/* The replay loop: calls in seq order from the reorder stage, issued to one
 * target (compared with the trace) or two (lockstep: compared with each
 * other), with every divergence and violation collected into the result and
 * turned into a verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddirr/error.h"
#include "replay_internal.h"

struct replay {
	ddirr_replay_options o;
	ddirr_replay_result *res;
	ddirr_replay_divergence *divs;
	size_t cap_divs;
	target *t[2];
	int n_targets;
	uint64_t hard; /* divergences other than violations */
	void *progress;
};

/* report.c */
void *progress_start(const char *trace);
void progress_update(void *p, ddirr_trace *t, uint64_t records, int done);

uint64_t replay_fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

void replay_format_value(char *buf, size_t size, const ddirr_field_desc *f, uint64_t v)
{
	if (f->fmt == DDIRR_FMT_STATUS)
		snprintf(buf, size, "0x%08x", (unsigned)v);
	else if (f->cls == DDIRR_CLASS_HANDLE)
		snprintf(buf, size, "0x%llx [%s]", (unsigned long long)v, ddirr_ns_name(f->ns));
	else if (f->fmt == DDIRR_FMT_HEX || f->cls == DDIRR_CLASS_GPU_VA || f->fmt == DDIRR_FMT_FLAGS)
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

int replay_should_stop(const replay *r)
{
	return r->hard && !r->o.keep_going;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void replay_diverge(replay *r, const target *t, const div_info *d)
{
	ddirr_replay_divergence *v;
	size_t max = r->o.max_divergences ? r->o.max_divergences : 1000;

	r->res->n_divergences_total++;
	if (d->kind == DDIRR_DIV_VIOLATION)
		r->res->violations++;
	else if (r->hard++ && !r->o.keep_going)
		return; /* only the first divergence is kept when stopping at it */
	if (r->res->n_divergences >= max)
		return;
	if (r->res->n_divergences == r->cap_divs) {
		size_t cap = r->cap_divs ? r->cap_divs * 2 : 8;
		ddirr_replay_divergence *n = realloc(r->divs, cap * sizeof(*n));

		if (!n)
			return; /* counted above; the list is only shorter */
		r->divs = n;
		r->cap_divs = cap;
		r->res->divergences = n;
	}
	v = &r->divs[r->res->n_divergences++];
	memset(v, 0, sizeof(*v));
	v->kind = d->kind;
	v->seq = d->seq;
	v->parent_seq = d->parent_seq;
	v->ddi = d->ddi;
	v->cls = d->cls;
	v->ns = d->ns;
	v->invariant = d->invariant;
	if (r->n_targets == 2)
		snprintf(v->target, sizeof(v->target), "%s vs %s", r->t[0]->name, r->t[1]->name);
	else
		copy_str(v->target, sizeof(v->target), t->name);
	copy_str(v->field, sizeof(v->field), d->field);
	copy_str(v->expected, sizeof(v->expected), d->expected);
	copy_str(v->actual, sizeof(v->actual), d->actual);
	copy_str(v->message, sizeof(v->message), d->message);
	if (d->rec_handle && d->ns)
		history_describe(t->hist, d->ns, d->rec_handle, v->history, sizeof(v->history));
}

void target_on_violation(void *ctx, const ddirr_violation *v)
{
	target *t = ctx;
	uint64_t rec = 0;
	char inv[64];
	div_info d = {.kind = DDIRR_DIV_VIOLATION, .invariant = v->invariant, .seq = v->seq, .ddi = v->ddi,
		      .field = inv, .expected = "", .actual = "", .message = v->message, .ns = v->handle_ns};

	snprintf(inv, sizeof(inv), "invariant %s", ddirr_invariant_name(v->invariant));
	if (v->handle && v->handle_ns && remap_handle_back(&t->map, v->handle_ns, v->handle, &rec))
		d.rec_handle = rec;
	t->violations++;
	replay_diverge(t->owner, t, &d);
}

void target_apply(replay *r, target *t, const ddirr_event *rec, const void *frame)
{
	ddirr_event ev;

	(void)r;
	if (!t->model)
		return;
	ev = *rec;
	ev.frame = frame;
	ddirr_model_apply(t->model, &ev);
}

/* "model" or "driver:PATH" -> a target; 1 when it cannot run. */
static int make_target(replay *r, const char *spec, target **out)
{
	*out = NULL;
	if (!strcmp(spec, "model"))
		return target_model_new(out, r);
	if (!strncmp(spec, "driver:", 7) && spec[7])
		return target_driver_new(out, r, spec + 7, r->o.shadow);
	return ddirr_error_set(DDIRR_EINVAL, "unknown target '%s': expected model or driver:PATH", spec);
}

static void free_target(target *t)
{
	if (!t)
		return;
	if (t->free)
		t->free(t);
	ddirr_model_free(t->model);
	history_free(t->hist);
	remap_fini(&t->map);
	ddirr_arena_release(&t->arena);
	u64map_free(&t->walk_prune);
	free(t);
}

static void finish(replay *r, const char *stop)
{
	ddirr_replay_result *res = r->res;

	if (res->verdict == DDIRR_REPLAY_CANNOT_TEST)
		return;
	if (r->hard)
		res->verdict = DDIRR_REPLAY_DIVERGENCE;
	else if (res->violations)
		res->verdict = DDIRR_REPLAY_VIOLATION;
	else if (stop && stop[0])
		res->verdict = DDIRR_REPLAY_TRUNCATED;
	else
		res->verdict = DDIRR_REPLAY_PASS;
	if (stop && stop[0])
		snprintf(res->reason, sizeof(res->reason), "replayed up to seq %llu: %s", (unsigned long long)res->last_seq,
			 stop);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether the trace keeps private driver data whole: its privacy tier is
 * "full", or it names none (a trace from the writer API keeps what it was
 * given). "metadata" and "hashed" keep sizes (and digests) only. */
static int private_kept(ddirr_trace *trace)
{
	const ddirr_trace_info *info = ddirr_trace_get_info(trace);
	const char *tier = info ? info->settings.privacy : NULL;

	return !tier || !tier[0] || !strcmp(tier, "full");
}

static int run(replay *r, ddirr_trace *trace)
{
	reorder *ro = NULL;
	const call_group *g;
	int rc, i;

	if ((rc = reorder_new(&ro, trace, r->o.lookahead)))
		return rc;
	while ((rc = reorder_next(ro, &g)) == 1) {
		void *live[2] = {NULL, NULL};

		for (i = 0; i < r->n_targets; i++)
			if ((rc = r->t[i]->call(r->t[i], r, g, &live[i])) < 0)
				goto out;
		if (r->n_targets == 1) {
			compare_exit(r, r->t[0], &g->call.entry, &g->call.exit, live[0], COMPARE_CHECK);
		} else {
			compare_exit(r, r->t[0], &g->call.entry, &g->call.exit, live[0], COMPARE_ABSORB);
			compare_exit(r, r->t[1], &g->call.entry, &g->call.exit, live[1], COMPARE_ABSORB);
			compare_lockstep(r, r->t[0], r->t[1], &g->call.exit, live[0], live[1]);
		}
		for (i = 0; i < r->n_targets; i++)
			retire_destroyed(r->t[i], g);
		r->res->calls++;
		r->res->callbacks += g->n_cbs;
		r->res->last_seq = g->call.entry.seq;
		if (r->progress && (r->res->calls & 1023) == 0)
			progress_update(r->progress, trace, reorder_records(ro), 0);
		if (replay_should_stop(r))
			break;
	}
	if (rc < 0)
		goto out;
	r->res->records = reorder_records(ro);
	finish(r, replay_should_stop(r) ? "" : reorder_stop_reason(ro));
	rc = 0;
out:
	if (r->progress)
		progress_update(r->progress, trace, reorder_records(ro), 1);
	reorder_free(ro);
	return rc;
}

int ddirr_replay_run(ddirr_replay_result **out, const ddirr_replay_options *o)
{
	replay r;
	ddirr_trace *trace = NULL;
	double t0 = now_s();
	int rc, i;

	*out = NULL;
	if (!o || o->version != DDIRR_REPLAY_OPTIONS_VERSION || !o->trace || !o->target)
		return ddirr_error_set(DDIRR_EINVAL, "replay: options need a version, a trace and a target");
	memset(&r, 0, sizeof(r));
	r.o = *o;
	if (!(r.res = calloc(1, sizeof(*r.res))))
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
	copy_str(r.res->trace, sizeof(r.res->trace), o->trace);
	copy_str(r.res->target, sizeof(r.res->target), o->target);
	copy_str(r.res->against, sizeof(r.res->against), o->against);
	if ((rc = ddirr_trace_open(&trace, o->trace)))
		goto fail;
	r.n_targets = o->against ? 2 : 1;
	for (i = 0; i < r.n_targets; i++) {
		rc = make_target(&r, i ? o->against : o->target, &r.t[i]);
		if (rc == 1) {
			r.res->verdict = DDIRR_REPLAY_CANNOT_TEST;
			copy_str(r.res->reason, sizeof(r.res->reason), ddirr_error_last());
			break;
		}
		if (rc)
			goto fail;
		r.t[i]->private_kept = private_kept(trace);
	}
	if (r.res->verdict != DDIRR_REPLAY_CANNOT_TEST) {
		if (o->progress)
			r.progress = progress_start(o->trace);
		rc = run(&r, trace);
		free(r.progress);
		if (rc)
			goto fail;
	}
	for (i = 0; i < 2; i++)
		free_target(r.t[i]);
	ddirr_trace_free(trace);
	r.res->seconds = now_s() - t0;
	*out = r.res;
	return 0;
fail:
	for (i = 0; i < 2; i++)
		free_target(r.t[i]);
	ddirr_trace_free(trace);
	free(r.divs);
	free(r.res);
	return rc;
}

void ddirr_replay_result_free(ddirr_replay_result *r)
{
	if (!r)
		return;
	free((void *)r->divergences);
	free(r);
}
