/* Test support: frames from the description (see frame_fill.h). */
#include "frame_fill.h"

#include <stdio.h>
#include <string.h>

static uint64_t next_random(uint64_t *s)
{
	/* splitmix64: good enough spread for test values */
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t value_for(const fill_opts *o, uint64_t *rng, uint32_t size)
{
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;

	switch (o->mode) {
	case FILL_ZERO: return 0;
	case FILL_MAX: return mask;
	default: return next_random(rng) & mask;
	}
}

static size_t array_len(const fill_opts *o)
{
	return o->mode == FILL_ZERO ? 0 : o->len;
}

/* Makes every union consistent: for each selector, pick one alternative
 * (by variant) and set the selector so that it holds. */
static void set_selectors(const ddirr_struct_desc *s, char *base, const fill_opts *o)
{
	size_t i, j;

	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		uint64_t values[64];
		size_t n = 0, pick;
		int seen = 0, bits = 0;

		if (f->guard_op == DDIRR_GUARD_NONE)
			continue;
		for (j = 0; j < i; j++)
			if (s->fields[j].guard_op != DDIRR_GUARD_NONE && s->fields[j].guard_offset == f->guard_offset)
				seen = 1;
		if (seen)
			continue; /* this selector was handled at its first alternative */
		for (j = i; j < s->n_fields; j++) {
			const ddirr_field_desc *g = &s->fields[j];

			if (g->guard_op == DDIRR_GUARD_NONE || g->guard_offset != f->guard_offset)
				continue;
			if (g->guard_op == DDIRR_GUARD_EQ && n < 64)
				values[n++] = g->guard_value;
			if (g->guard_op == DDIRR_GUARD_BITS || g->guard_op == DDIRR_GUARD_NOBITS)
				bits = 1;
		}
		if (bits) {
			uint64_t sel = ddirr_desc_read(base + f->guard_offset, f->guard_size);
			uint64_t m = f->guard_value;

			sel = (o->variant & 1) ? (sel | m) : (sel & ~m);
			ddirr_desc_write(base + f->guard_offset, f->guard_size, sel);
			continue;
		}
		pick = o->variant % (n + 1);
		/* n + 1-th choice: a value no alternative names (the fallback) */
		ddirr_desc_write(base + f->guard_offset, f->guard_size, pick < n ? values[pick] : 0x7Fu);
	}
}

static int holds_ignoring_size(const ddirr_struct_desc *s, const ddirr_field_desc *f, const char *base)
{
	ddirr_field_desc g = *f;

	g.count_size = f->kind == DDIRR_FK_REF ? 0 : f->count_size;
	if (g.guard_op == DDIRR_GUARD_OTHERWISE)
		return ddirr_desc_field_present(s, f, base);
	return ddirr_desc_field_present(s, &g, base);
}

void struct_fill(const ddirr_struct_desc *s, void *vbase, const fill_opts *o, ddirr_arena *a)
{
	char *base = vbase;
	uint64_t rng = o->seed ^ (uintptr_t)s;
	size_t i, n = array_len(o);

	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		if (f->kind == DDIRR_FK_SCALAR && f->guard_op == DDIRR_GUARD_NONE)
			ddirr_desc_write(base + f->offset, f->size, value_for(o, &rng, f->size));
	}
	set_selectors(s, base, o);
	/* Sizes and counts the compounds below depend on. */
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		if (!holds_ignoring_size(s, f, base))
			continue;
		if (f->kind == DDIRR_FK_REF && f->count_size)
			ddirr_desc_write(base + f->count_offset, f->count_size, f->sub->size);
		else if (f->kind == DDIRR_FK_ARRAY || f->kind == DDIRR_FK_MDL)
			ddirr_desc_write(base + f->count_offset, f->count_size, n);
		else if (f->kind == DDIRR_FK_BYTES)
			ddirr_desc_write(base + f->count_offset, f->count_size, o->mode == FILL_ZERO ? 0 : o->blob_len);
		/* A raw view shares its stride with the decoded view beside it;
		 * leave the stride to the decoded one. The extra 8 bytes test
		 * that elements are walked by stride, not by sizeof. */
		if (f->stride_size && f->sub)
			ddirr_desc_write(base + f->stride_offset, f->stride_size, f->sub->size + 8);
		if (f->kind == DDIRR_FK_MDL)
			ddirr_desc_write(base + f->mdl_offset_offset, f->mdl_offset_size, 3);
	}
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		char *slot = base + f->offset;
		size_t k;

		if (!ddirr_desc_field_present(s, f, base))
			continue;
		switch (f->kind) {
		case DDIRR_FK_SCALAR:
			if (f->guard_op != DDIRR_GUARD_NONE)
				ddirr_desc_write(slot, f->size, value_for(o, &rng, f->size));
			break;
		case DDIRR_FK_STRUCT:
			struct_fill(f->sub, slot, o, a);
			break;
		case DDIRR_FK_REF: {
			size_t room = f->sub->size;
			char *p;

			if (o->mode == FILL_ZERO)
				break;
			p = ddirr_arena_alloc(a, room);
			struct_fill(f->sub, p, o, a);
			*(char **)slot = p;
			break;
		}
		case DDIRR_FK_REF_SCALAR: {
			char *p = ddirr_arena_alloc(a, f->elem_size);

			ddirr_desc_write(p, f->elem_size, value_for(o, &rng, f->elem_size));
			*(char **)slot = p;
			break;
		}
		case DDIRR_FK_ARRAY: {
			uint64_t count = ddirr_desc_read(base + f->count_offset, f->count_size);
			uint64_t stride = f->stride_size ? ddirr_desc_read(base + f->stride_offset, f->stride_size)
							 : f->sub ? f->sub->size : f->elem_size;
			char *p;

			if (!count)
				break;
			if (f->repeat_size &&
			    (ddirr_desc_read(base + f->repeat_offset, f->repeat_size) & f->repeat_mask))
				count = 1;
			if (*(char **)slot) /* an alias of this member already built it */
				break;
			p = ddirr_arena_alloc(a, count * stride + 64);
			for (k = 0; k < count; k++) {
				if (f->raw_elements) {
					size_t b;

					for (b = 0; b < stride; b++)
						p[k * stride + b] = (char)value_for(o, &rng, 1);
				} else if (f->sub) {
					struct_fill(f->sub, p + k * stride, o, a);
				} else {
					ddirr_desc_write(p + k * stride, f->elem_size,
							 value_for(o, &rng, f->elem_size));
				}
			}
			*(char **)slot = p;
			break;
		}
		case DDIRR_FK_BYTES: {
			uint64_t count = ddirr_desc_read(base + f->count_offset, f->count_size);
			char *p;

			if (!count)
				break;
			p = ddirr_arena_alloc(a, count);
			for (k = 0; k < count; k++)
				p[k] = (char)value_for(o, &rng, 1);
			*(char **)slot = p;
			break;
		}
		case DDIRR_FK_INLINE:
			for (k = 0; k < f->size; k++)
				slot[k] = (char)value_for(o, &rng, 1);
			break;
		case DDIRR_FK_MDL: {
			uint64_t count = ddirr_desc_read(base + f->count_offset, f->count_size);
			uint64_t first = ddirr_desc_read(base + f->mdl_offset_offset, f->mdl_offset_size);
			MDL *mdl;

			if (!count)
				break;
			mdl = ddirr_arena_alloc(a, sizeof(MDL) + (first + count) * sizeof(PFN_NUMBER));
			for (k = 0; k < count; k++)
				MmGetMdlPfnArray(mdl)[first + k] = value_for(o, &rng, 8);
			*(MDL **)slot = mdl;
			break;
		}
		}
	}
}

void *frame_fill(uint32_t id, const fill_opts *o, ddirr_arena *a)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	void *frame;

	if (!d)
		return NULL;
	frame = ddirr_arena_alloc(a, d->frame->size);
	struct_fill(d->frame, frame, o, a);
	return frame;
}

void frame_fill_every_ddi(const fill_opts *base, unsigned variants, void (*check)(uint32_t id, const fill_opts *o))
{
	uint32_t id;
	unsigned v;

	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		if (!ddirr_desc_ddi(id))
			continue;
		for (v = 0; v < variants; v++) {
			fill_opts o = *base;

			o.variant = v;
			o.seed = id * 1000 + v;
			check(id, &o);
		}
	}
}

static int differ(char *where, size_t size, const char *path, const char *name, const char *what)
{
	snprintf(where, size, "%s.%s: %s", path, name, what);
	return 1;
}

static int compare_at(const ddirr_struct_desc *s, const char *x, const char *y, uint32_t phase, const char *path,
		      char *where, size_t size);

static int compare_field(const ddirr_field_desc *f, const char *x, const char *y,
			 uint32_t phase, const char *path, char *where, size_t size)
{
	const char *px = x + f->offset, *py = y + f->offset;
	char sub[512];
	uint64_t n, k, stride;

	snprintf(sub, sizeof(sub), "%s.%s", path, f->name);
	switch (f->kind) {
	case DDIRR_FK_SCALAR:
		return ddirr_desc_read(px, f->size) != ddirr_desc_read(py, f->size)
			       ? differ(where, size, path, f->name, "values differ")
			       : 0;
	case DDIRR_FK_STRUCT:
		return compare_at(f->sub, px, py, phase, sub, where, size);
	case DDIRR_FK_REF: {
		const char *rx = *(const char *const *)px, *ry = *(const char *const *)py;

		if (!rx || !ry)
			return (!rx != !ry) ? differ(where, size, path, f->name, "one pointer is NULL") : 0;
		return compare_at(f->sub, rx, ry, phase, sub, where, size);
	}
	case DDIRR_FK_REF_SCALAR: {
		const char *rx = *(const char *const *)px, *ry = *(const char *const *)py;
		uint64_t vx = rx ? ddirr_desc_read(rx, f->elem_size) : 0, vy = ry ? ddirr_desc_read(ry, f->elem_size) : 0;

		return vx != vy ? differ(where, size, path, f->name, "pointed-to values differ") : 0;
	}
	case DDIRR_FK_ARRAY: {
		const char *ax = *(const char *const *)px, *ay = *(const char *const *)py;

		n = ddirr_desc_read(x + f->count_offset, f->count_size);
		if (n != ddirr_desc_read(y + f->count_offset, f->count_size))
			return differ(where, size, path, f->name, "counts differ");
		if (n && f->repeat_size && (ddirr_desc_read(x + f->repeat_offset, f->repeat_size) & f->repeat_mask))
			n = 1;
		if (!ax || !ay)
			return (!ax != !ay) ? differ(where, size, path, f->name, "one array is NULL") : 0;
		stride = f->stride_size ? ddirr_desc_read(x + f->stride_offset, f->stride_size)
					: f->sub ? f->sub->size : f->elem_size;
		for (k = 0; k < n; k++) {
			const char *ex = ax + k * stride, *ey = ay + k * stride;

			if (f->raw_elements) {
				if (memcmp(ex, ey, stride))
					return differ(where, size, path, f->name, "raw elements differ");
			} else if (f->sub) {
				if (compare_at(f->sub, ex, ey, phase, sub, where, size))
					return 1;
			} else if (ddirr_desc_read(ex, f->elem_size) != ddirr_desc_read(ey, f->elem_size)) {
				return differ(where, size, path, f->name, "elements differ");
			}
		}
		return 0;
	}
	case DDIRR_FK_BYTES: {
		const char *bx = *(const char *const *)px, *by = *(const char *const *)py;

		n = ddirr_desc_read(x + f->count_offset, f->count_size);
		if (n != ddirr_desc_read(y + f->count_offset, f->count_size))
			return differ(where, size, path, f->name, "byte counts differ");
		if (!n || !bx || !by)
			return (n && !bx != !by) ? differ(where, size, path, f->name, "one blob is NULL") : 0;
		return memcmp(bx, by, n) ? differ(where, size, path, f->name, "bytes differ") : 0;
	}
	case DDIRR_FK_INLINE:
		return memcmp(px, py, f->size) ? differ(where, size, path, f->name, "inline bytes differ") : 0;
	case DDIRR_FK_MDL: {
		const MDL *mx = *(const MDL *const *)px, *my = *(const MDL *const *)py;
		uint64_t first = ddirr_desc_read(x + f->mdl_offset_offset, f->mdl_offset_size);

		n = ddirr_desc_read(x + f->count_offset, f->count_size);
		if (!mx || !my)
			return (n && !mx != !my) ? differ(where, size, path, f->name, "one MDL is NULL") : 0;
		return memcmp(MmGetMdlPfnArray((MDL *)mx) + first, MmGetMdlPfnArray((MDL *)my) + first, n * 8)
			       ? differ(where, size, path, f->name, "MDL pages differ")
			       : 0;
	}
	}
	return differ(where, size, path, f->name, "unknown kind");
}

static int compare_at(const ddirr_struct_desc *s, const char *x, const char *y, uint32_t phase, const char *path,
		      char *where, size_t size)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		int px, py;

		if (!ddirr_desc_field_in_phase(f, phase))
			continue;
		px = ddirr_desc_field_present(s, f, x);
		py = ddirr_desc_field_present(s, f, y);
		if (px != py)
			return differ(where, size, path, f->name, "present on one side only");
		if (px && compare_field(f, x, y, phase, path, where, size))
			return 1;
	}
	return 0;
}

int struct_compare(const ddirr_struct_desc *s, const void *x, const void *y, uint32_t phase, char *where,
		   size_t where_size)
{
	where[0] = '\0';
	return compare_at(s, x, y, phase, s->name, where, where_size);
}
