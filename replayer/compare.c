/* Recorded exit vs live exit, field by field, by class (DESIGN.md):
 *   exact, count, aperture_slot, segment_page  must match;
 *   handle, gpu_va   an output the callee creates (an OUT field, or an
 *                    INOUT one whose recorded value changed on the way out)
 *                    establishes recorded -> live; any other must match
 *                    through the maps;
 *   volatile         never compared;
 *   opaque           compared by hash when the trace kept the bytes (FNV-1a),
 *                    or by SHA-256 when it kept their digest (tier hashed).
 * Aperture slots and segment pages are also checked against the shadow
 * model and the driver's probe (probe.c). */
#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "replay_internal.h"

typedef struct cmp_ctx {
	replay *r;
	target *t, *t2;          /* t2: the second target, in lockstep */
	const ddirr_event *entry; /* the recorded entry: INOUT inputs, VA range sizes */
	const ddirr_event *rec;   /* the record compared */
	int mode;
	int kind;                 /* DDIRR_DIV_FIELD or DDIRR_DIV_CALLBACK */
	int found;
} cmp_ctx;

static void report(walk *w, const ddirr_field_desc *f, const char *expected, const char *actual, uint64_t rec_handle,
		   const char *why)
{
	cmp_ctx *c = w->ctx;
	char path[192], msg[400];
	div_info d = {.kind = c->kind, .cls = f->cls, .ns = f->cls == DDIRR_CLASS_HANDLE ? f->ns : 0,
		      .seq = c->rec->seq, .parent_seq = c->rec->parent_seq, .ddi = c->rec->ddi, .field = path,
		      .expected = expected, .actual = actual, .message = msg, .rec_handle = rec_handle};

	c->found++;
	if (c->mode == COMPARE_ABSORB)
		return;
	walk_path(w, f, path, sizeof(path));
	snprintf(msg, sizeof(msg), "%s: expected %s, got %s%s%s", path, expected, actual, why ? " " : "", why ? why : "");
	replay_diverge(c->r, c->t, &d);
}

static void report_values(walk *w, const ddirr_field_desc *f, uint64_t expected, uint64_t actual, uint64_t rec_handle,
			  const char *why)
{
	char e[96], a[96];

	replay_format_value(e, sizeof(e), f, expected);
	replay_format_value(a, sizeof(a), f, actual);
	report(w, f, e, a, rec_handle, why);
}

/* An output the callee makes up, rather than one it passes through. */
static int is_creation(const ddirr_field_desc *f, uint64_t rec, const void *e, uint32_t size)
{
	if (!(f->dir & DDIRR_DIR_IN))
		return 1;
	return e && ddirr_desc_read(e, size) != rec;
}

static void cmp_scalar(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e)
{
	cmp_ctx *c = w->ctx;
	uint32_t size = walk_scalar_size(f);
	uint64_t xv = ddirr_desc_read(x, size), yv = ddirr_desc_read(y, size), want;

	if (f->cls == DDIRR_CLASS_VOLATILE)
		return;
	if ((f->cls == DDIRR_CLASS_HANDLE && f->ns != DDIRR_NS_NONE) || f->cls == DDIRR_CLASS_GPU_VA) {
		int handle = f->cls == DDIRR_CLASS_HANDLE;

		if (is_creation(f, xv, e, size)) {
			if (!xv != !yv) {
				report_values(w, f, xv, yv, 0, xv ? "(the call made none)" : "(the recording made none)");
			} else if (xv && handle) {
				remap_set_handle(&c->t->map, f->ns, xv, yv);
				history_created(c->t->hist, f->ns, xv, c->rec->seq, c->rec->ddi);
			} else if (xv) {
				remap_set_va(&c->t->map, xv, yv,
					     remap_va_range_size(c->rec->ddi, c->entry ? c->entry->frame : NULL));
			}
			return;
		}
		if (handle ? !remap_handle(&c->t->map, f->ns, xv, &want) : (remap_va(&c->t->map, xv, &want), 0))
			want = xv; /* unknown: reported where it was passed in */
		if (want != yv)
			report_values(w, f, want, yv, handle ? xv : 0, NULL);
		return;
	}
	if (xv != yv)
		report_values(w, f, xv, yv, 0, NULL);
}

/* The digest the recorded record keeps for the private data at slot (tier
 * hashed), or NULL. */
static const ddirr_opaque_digest *digest_at(const ddirr_event *rec, const void *slot)
{
	uint32_t i;

	for (i = 0; i < rec->n_digests; i++)
		if (rec->digests[i].slot == slot)
			return &rec->digests[i];
	return NULL;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* Private data the trace kept as its SHA-256 only: the live bytes must have
 * the same size and digest. The values name the first 8 bytes of each. */
static void cmp_digest(walk *w, const ddirr_field_desc *f, const ddirr_opaque_digest *dg, size_t nx, const void *y,
		       size_t ny)
{
	uint8_t got[SHA256_DIGEST_SIZE];
	char e[96], a[96], he[17], ha[17];
	struct sha256_ctx h;

	if (y) {
		sha256_init(&h);
		sha256_update(&h, ny, y);
		sha256_digest(&h, sizeof(got), got);
	}
	if (y && nx == ny && !memcmp(got, dg->sha256, sizeof(got)))
		return;
	hex(he, dg->sha256, 8);
	snprintf(e, sizeof(e), "%zu bytes, sha256 %s", nx, he);
	if (y) {
		hex(ha, got, 8);
		snprintf(a, sizeof(a), "%zu bytes, sha256 %s", ny, ha);
	} else {
		snprintf(a, sizeof(a), "no bytes");
	}
	report(w, f, e, a, 0, NULL);
}

static void cmp_blob(walk *w, const ddirr_field_desc *f, const void *x, size_t nx, const void *y, size_t ny)
{
	cmp_ctx *c = w->ctx;
	const ddirr_opaque_digest *dg;
	char e[96], a[96];

	if (!x && f->cls == DDIRR_CLASS_OPAQUE && f->kind == DDIRR_FK_BYTES && c->rec->n_digests &&
	    (dg = digest_at(c->rec, w->blob_slot))) {
		cmp_digest(w, f, dg, nx, y, ny);
		return;
	}
	if (!x || (f->cls == DDIRR_CLASS_OPAQUE && !y && !ny))
		return; /* the trace kept no bytes (privacy tier): nothing to compare */
	if (nx == ny && y && (f->cls == DDIRR_CLASS_OPAQUE ? replay_fnv(x, nx) == replay_fnv(y, ny) : !memcmp(x, y, nx)))
		return;
	snprintf(e, sizeof(e), "%zu bytes, hash %016llx", nx, (unsigned long long)replay_fnv(x, nx));
	snprintf(a, sizeof(a), "%zu bytes, hash %016llx", ny, (unsigned long long)(y ? replay_fnv(y, ny) : 0));
	report(w, f, e, a, 0, NULL);
}

static void cmp_shape(walk *w, const ddirr_field_desc *f, const char *what)
{
	report(w, f, strcmp(what, "missing") ? "(none)" : "(present)", strcmp(what, "missing") ? "(present)" : "(none)",
	       0, NULL);
}

int compare_exit(replay *r, target *t, const ddirr_event *entry, const ddirr_event *rec_exit, void *live_exit, int mode)
{
	cmp_ctx c = {r, t, NULL, entry, rec_exit, mode, DDIRR_DIV_FIELD, 0};
	walk w = {.dirs = DDIRR_DIR_OUT, .scalar = cmp_scalar, .blob = cmp_blob, .shape = cmp_shape, .ctx = &c};

	if (!rec_exit->frame || !live_exit)
		return 0;
	walk_frame(&w, rec_exit->ddi, rec_exit->frame, live_exit, entry ? entry->frame : NULL);
	return c.found;
}

/* Callback arguments: the recorded ones, translated, against the driver's. */
static void cb_scalar(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e)
{
	cmp_ctx *c = w->ctx;
	uint32_t size = walk_scalar_size(f);
	uint64_t xv = ddirr_desc_read(x, size), yv = ddirr_desc_read(y, size), want = xv;

	(void)e;
	if (f->cls == DDIRR_CLASS_VOLATILE)
		return;
	if (f->cls == DDIRR_CLASS_HANDLE && !remap_handle(&c->t->map, f->ns, xv, &want) &&
	    translate_introduces(c->rec, f->ns)) {
		/* the driver names a new object of its own here */
		remap_set_handle(&c->t->map, f->ns, xv, yv);
		history_created(c->t->hist, f->ns, xv, c->rec->seq, c->rec->ddi);
		return;
	}
	if (f->cls == DDIRR_CLASS_HANDLE)
		(void)0;
	else if (f->cls == DDIRR_CLASS_GPU_VA)
		remap_va(&c->t->map, xv, &want);
	if (want != yv)
		report_values(w, f, want, yv, f->cls == DDIRR_CLASS_HANDLE ? xv : 0, "(callback argument)");
}

int compare_callback_args(replay *r, target *t, const ddirr_event *rec_entry, const void *live_frame)
{
	cmp_ctx c = {r, t, NULL, rec_entry, rec_entry, COMPARE_CHECK, DDIRR_DIV_CALLBACK, 0};
	walk w = {.dirs = DDIRR_DIR_IN, .scalar = cb_scalar, .blob = cmp_blob, .shape = cmp_shape, .ctx = &c};

	walk_frame(&w, rec_entry->ddi, rec_entry->frame, (void *)live_frame, NULL);
	return c.found;
}

/* Lockstep: each side's value, taken back to recorded values through its
 * own maps, so that two drivers with different handle schemes agree. */
static uint64_t canonical(const target *t, const ddirr_field_desc *f, uint64_t v)
{
	uint64_t rec = v;

	if (f->cls == DDIRR_CLASS_HANDLE)
		remap_handle_back(&t->map, f->ns, v, &rec);
	else if (f->cls == DDIRR_CLASS_GPU_VA)
		remap_va_back(&t->map, v, &rec);
	return rec;
}

static void ls_scalar(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e)
{
	cmp_ctx *c = w->ctx;
	uint32_t size = walk_scalar_size(f);
	uint64_t a = ddirr_desc_read(x, size), b = ddirr_desc_read(y, size);

	(void)e;
	if (f->cls != DDIRR_CLASS_VOLATILE && canonical(c->t, f, a) != canonical(c->t2, f, b))
		report_values(w, f, a, b, 0, NULL);
}

int compare_lockstep(replay *r, target *a, target *b, const ddirr_event *rec_exit, const void *xa, const void *xb)
{
	cmp_ctx c = {r, a, b, NULL, rec_exit, COMPARE_CHECK, DDIRR_DIV_FIELD, 0};
	walk w = {.dirs = DDIRR_DIR_OUT, .scalar = ls_scalar, .blob = cmp_blob, .shape = cmp_shape, .ctx = &c};

	if (!xa || !xb)
		return 0;
	walk_frame(&w, rec_exit->ddi, xa, (void *)xb, NULL);
	return c.found;
}
