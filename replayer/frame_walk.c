/* Walks two frames of one description side by side (see replay_internal.h):
 * the one generic traversal behind translation, comparison and lockstep. */
#include <stdio.h>
#include <string.h>

#include "replay_internal.h"

static const void *ptr_at(const void *base, uint32_t off)
{
	const void *p;

	memcpy(&p, (const char *)base + off, sizeof(p));
	return p;
}

static void walk_struct(walk *w, const ddirr_struct_desc *s, const char *x, char *y, const char *e);

static void walk_array(walk *w, const ddirr_field_desc *f, const char *xb, char *yb, const char *eb)
{
	const char *xp = ptr_at(xb, f->offset), *ep = eb ? ptr_at(eb, f->offset) : NULL;
	char *yp = (char *)ptr_at(yb, f->offset);
	uint64_t nx = ddirr_desc_array_count(f, xb), ny = ddirr_desc_array_count(f, yb);
	uint64_t ne = eb ? ddirr_desc_array_count(f, eb) : 0;
	uint64_t xs = ddirr_desc_array_stride(f, xb), ys = ddirr_desc_array_stride(f, yb);
	uint64_t es = eb ? ddirr_desc_array_stride(f, eb) : 0;
	uint64_t i, n = nx < ny ? nx : ny;

	if (!xp && !yp)
		return;
	if (!xp || !yp) {
		if (w->shape && (nx || ny))
			w->shape(w, f, xp ? "missing" : "unexpected");
		return;
	}
	if (f->raw_elements || (f->sub && (xs < f->sub->size || ys < f->sub->size))) {
		if (w->blob)
			w->blob(w, f, xp, (size_t)(nx * xs), yp, (size_t)(ny * ys));
		return;
	}
	for (i = 0; i < n; i++) {
		w->index[w->depth - 1] = (int64_t)i;
		if (f->sub)
			walk_struct(w, f->sub, xp + i * xs, yp + i * ys, ep && i < ne ? ep + i * es : NULL);
		else
			w->scalar(w, f, xp + i * xs, yp + i * ys, ep && i < ne ? ep + i * es : NULL);
	}
	w->index[w->depth - 1] = -1;
}

static void walk_field(walk *w, const ddirr_field_desc *f, const char *x, char *y, const char *e)
{
	switch (f->kind) {
	case DDIRR_FK_SCALAR:
		w->scalar(w, f, x + f->offset, y + f->offset, e ? e + f->offset : NULL);
		break;
	case DDIRR_FK_STRUCT:
		walk_struct(w, f->sub, x + f->offset, y + f->offset, e ? e + f->offset : NULL);
		break;
	case DDIRR_FK_REF:
	case DDIRR_FK_REF_SCALAR: {
		const char *xp = ptr_at(x, f->offset), *ep = e ? ptr_at(e, f->offset) : NULL;
		char *yp = (char *)ptr_at(y, f->offset);

		if (!xp && !yp)
			break;
		if (!xp || !yp) {
			if (w->shape)
				w->shape(w, f, xp ? "missing" : "unexpected");
		} else if (f->kind == DDIRR_FK_REF) {
			walk_struct(w, f->sub, xp, yp, ep);
		} else {
			w->scalar(w, f, xp, yp, ep);
		}
		break;
	}
	case DDIRR_FK_ARRAY:
		walk_array(w, f, x, y, e);
		break;
	case DDIRR_FK_BYTES:
		w->blob_slot = x + f->offset;
		if (w->blob)
			w->blob(w, f, ptr_at(x, f->offset), (size_t)ddirr_desc_read(x + f->count_offset, f->count_size),
				ptr_at(y, f->offset), (size_t)ddirr_desc_read(y + f->count_offset, f->count_size));
		break;
	case DDIRR_FK_INLINE:
		if (w->blob)
			w->blob(w, f, x + f->offset, f->size, y + f->offset, f->size);
		break;
	default:
		break; /* MDL pages: inputs only, never compared or remapped */
	}
}

/* Pruning (walk.prune): which fields of s lead to a remappable scalar (a
 * handle with a namespace, or a GPU VA) through fields whose direction
 * holds `dirs`. Bit i stands for field i; fields past the 64th are always
 * visited. Blobs, shapes and every other class are not wanted: a pruned
 * walk has a scalar visitor only. */
static int remappable(const ddirr_field_desc *f)
{
	return (f->cls == DDIRR_CLASS_HANDLE && f->ns != DDIRR_NS_NONE) || f->cls == DDIRR_CLASS_GPU_VA;
}

static uint64_t wanted_fields(const ddirr_struct_desc *s, unsigned dirs, int depth)
{
	uint64_t mask = 0;
	size_t i;

	if (depth >= WALK_DEPTH)
		return ~(uint64_t)0; /* deeper than the walk goes: keep it all */
	for (i = 0; i < s->n_fields && i < 64; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		int want;

		if ((f->dir & dirs) != dirs)
			continue;
		switch (f->kind) {
		case DDIRR_FK_SCALAR:
		case DDIRR_FK_REF_SCALAR:
			want = remappable(f);
			break;
		case DDIRR_FK_STRUCT:
		case DDIRR_FK_REF:
			want = wanted_fields(f->sub, dirs, depth + 1) != 0;
			break;
		case DDIRR_FK_ARRAY: /* elements kept raw are a blob */
			want = !f->raw_elements && (f->sub ? wanted_fields(f->sub, dirs, depth + 1) != 0 : remappable(f));
			break;
		default:
			want = 0; /* BYTES, INLINE, MDL: blobs at most */
			break;
		}
		if (want)
			mask |= (uint64_t)1 << i;
	}
	if (s->n_fields > 64)
		mask |= (uint64_t)1 << 63; /* never 0: the fields past the 64th are visited */
	return mask;
}

/* A cleared bit means nothing below the field is remappable however deep
 * (a cut-off at WALK_DEPTH keeps everything), so one mask per struct and
 * direction serves every depth. */
static uint64_t prune_mask(walk *w, const ddirr_struct_desc *s)
{
	uint64_t key = (uint64_t)(uintptr_t)s ^ ((uint64_t)w->dirs << 62), mask;

	if (!u64map_get(w->prune, key, &mask)) {
		mask = wanted_fields(s, w->dirs, 0);
		u64map_put(w->prune, key, mask); /* out of memory: computed again next time */
	}
	return mask;
}

static void walk_struct(walk *w, const ddirr_struct_desc *s, const char *x, char *y, const char *e)
{
	uint64_t keep = ~(uint64_t)0;
	size_t i;

	if (w->depth >= WALK_DEPTH)
		return; /* deeper than any description: not a frame of ours */
	if (w->prune && !(keep = prune_mask(w, s)))
		return;
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		const char *fe = e;

		if ((i < 64 && !(keep >> i & 1)) || (f->dir & w->dirs) != w->dirs || !ddirr_desc_field_present(s, f, x))
			continue;
		/* A guarded member (a union alternative, a buffer its size
		   admits) is walked only where the other frame holds it too: its
		   selector may choose another alternative (a divergence the
		   selector's own comparison reports), whose bytes are not this
		   member's and may not be a pointer (the fuzzer found that). The
		   expectation follows its own selector. */
		if (f->guard_op != DDIRR_GUARD_NONE || (f->kind == DDIRR_FK_REF && f->count_size)) {
			if (!ddirr_desc_field_present(s, f, y))
				continue;
			if (e && !ddirr_desc_field_present(s, f, e))
				fe = NULL;
		}
		w->names[w->depth] = f->name;
		w->index[w->depth] = -1;
		w->depth++;
		walk_field(w, f, x, y, fe);
		w->depth--;
	}
}

void walk_frame(walk *w, uint32_t ddi, const void *x, void *y, const void *e)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(ddi);

	w->depth = 0;
	if (d && x && y)
		walk_struct(w, d->frame, x, y, e);
}

void walk_path(const walk *w, const ddirr_field_desc *f, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	(void)f; /* the innermost name is f's: the stack holds it */
	buf[0] = 0;
	for (i = 0; i < w->depth && len < size; i++) {
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "." : "", w->names[i]);
		if (w->index[i] >= 0 && len < size)
			len += (size_t)snprintf(buf + len, size - len, "[%lld]", (long long)w->index[i]);
	}
}
