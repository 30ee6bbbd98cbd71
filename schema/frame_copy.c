/* Flat deep copies of call frames (see frame_copy.h).
 *
 * One walker serves both measuring and copying, so the size the hot path
 * reserves is, by construction, the size the copy writes. A bounded copy
 * copies while the blocks fit in its room and only measures from the first
 * block that does not, so the hot path walks once when the record fits. */
#include "frame_copy.h"

#include <string.h>

#include "ddirr/error.h"

/* Several fields may describe one pointer member: a decoded view and a raw
 * view of the same array (DXGK_QUERYSEGMENTOUT4.pSegmentDescriptor). They
 * share one block; this table, per struct, remembers which members already
 * have one. Unions hold at most a handful of such members. */
enum { MAX_ALIASES = 8 };

typedef struct alias_table {
	uint32_t member[MAX_ALIASES];
	size_t block[MAX_ALIASES];
	size_t n;
} alias_table;

static size_t alias_find(const alias_table *t, uint32_t member)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->member[i] == member)
			return t->block[i];
	return 0;
}

static void alias_add(alias_table *t, uint32_t member, size_t block)
{
	if (t->n < MAX_ALIASES) {
		t->member[t->n] = member;
		t->block[t->n++] = block;
	}
}

typedef struct walker {
	char *out; /* NULL while measuring */
	size_t used;
	size_t cap; /* bytes at out; past them the walker only measures */
	uint32_t phase;
	unsigned flags;
} walker;

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Reserves a block of n bytes (zeroed when copying); returns its offset. */
static size_t reserve(walker *w, size_t n)
{
	size_t off = align8(w->used);

	w->used = off + n;
	if (w->out && (n > w->cap || off > w->cap - align8(n)))
		w->out = NULL; /* does not fit: measure the rest */
	if (w->out)
		memset(w->out + off, 0, align8(n));
	return off;
}

/* Reserves a block of n bytes the caller overwrites whole (only the
 * alignment padding after it is zeroed): zeroing first would double the
 * stores of a large array. */
static size_t reserve_raw(walker *w, size_t n)
{
	size_t off = align8(w->used);

	w->used = off + n;
	if (w->out && (n > w->cap || off > w->cap - align8(n)))
		w->out = NULL;
	if (w->out && align8(n) > n)
		memset(w->out + off + n, 0, align8(n) - n);
	return off;
}

/* Copies a scalar of the usual sizes without a call to memcpy. */
static void copy_small(char *dst, const char *src, uint32_t size)
{
	switch (size) {
	case 1: memcpy(dst, src, 1); return;
	case 2: memcpy(dst, src, 2); return;
	case 4: memcpy(dst, src, 4); return;
	case 8: memcpy(dst, src, 8); return;
	default: memcpy(dst, src, size); return;
	}
}

/* ddirr_desc_array_count and _stride, answered here for the usual array
 * (no Repeat flag, no stride field) without a call into desc.c. */
static uint64_t array_count(const ddirr_field_desc *f, const char *base)
{
	if (f->repeat_size)
		return ddirr_desc_array_count(f, base);
	switch (f->count_size) {
	case 4: { uint32_t v; memcpy(&v, base + f->count_offset, 4); return v; }
	case 8: { uint64_t v; memcpy(&v, base + f->count_offset, 8); return v; }
	default: return ddirr_desc_read(base + f->count_offset, f->count_size);
	}
}

static uint64_t array_stride(const ddirr_field_desc *f, const char *base)
{
	if (f->stride_size)
		return ddirr_desc_array_stride(f, base);
	return f->sub ? f->sub->size : f->elem_size;
}

static void store_offset(walker *w, size_t slot, size_t off)
{
	if (w->out) {
		uintptr_t v = off;

		memcpy(w->out + slot, &v, sizeof(v));
	}
}

static const char *load_ptr(const char *p)
{
	const char *v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Bytes a REF block takes: its struct, or the whole sized buffer when the
 * reference is a typed view of one (the buffer is never smaller than its
 * size field says). */
static uint64_t ref_room(const ddirr_field_desc *f, const char *base)
{
	uint64_t room = f->sub->size;

	if (f->count_size) {
		uint64_t n = ddirr_desc_read(base + f->count_offset, f->count_size);

		if (n > room)
			room = n;
	}
	return room;
}

static uint64_t array_room(const ddirr_field_desc *f, uint64_t n, uint64_t stride)
{
	if (f->raw_elements || !f->sub)
		return n * stride;
	return (n - 1) * stride + (stride > f->sub->size ? stride : f->sub->size);
}

static uint64_t mdl_room(uint64_t first, uint64_t n)
{
	return sizeof(MDL) + (first + n) * sizeof(PFN_NUMBER);
}

static void copy_struct(walker *w, const ddirr_struct_desc *s, const char *src, size_t dst);

static void copy_array(walker *w, const ddirr_field_desc *f, const char *src_base, size_t dst_base,
		       alias_table *aliases)
{
	const char *arr = load_ptr(src_base + f->offset);
	uint64_t n, stride, i;
	size_t block;
	int fresh;

	if (!arr || !(n = array_count(f, src_base)))
		return;
	stride = array_stride(f, src_base);
	block = alias_find(aliases, f->offset);
	fresh = !block;
	if (f->raw_elements || !f->sub || stride < f->sub->size) {
		/* Copied as bytes: only the room past the n strides (a last
		   element wider than the stride) needs zeroing. */
		if (fresh) {
			uint64_t room = array_room(f, n, stride);

			block = reserve_raw(w, room);
			alias_add(aliases, f->offset, block);
			store_offset(w, dst_base + f->offset, block);
			if (w->out && room > n * stride)
				memset(w->out + block + n * stride, 0, room - n * stride);
		}
		if (w->out && (fresh || f->raw_elements))
			memcpy(w->out + block, arr, n * stride);
		return;
	}
	if (fresh) {
		block = reserve(w, array_room(f, n, stride));
		alias_add(aliases, f->offset, block);
		store_offset(w, dst_base + f->offset, block);
	}
	for (i = 0; i < n; i++)
		copy_struct(w, f->sub, arr + i * stride, block + i * stride);
}

static void copy_field(walker *w, const ddirr_field_desc *f, const char *src_base, size_t dst_base,
		       alias_table *aliases)
{
	const char *src = src_base + f->offset;
	const char *p;
	size_t block;
	uint64_t n;

	switch (f->kind) {
	case DDIRR_FK_SCALAR:
	case DDIRR_FK_INLINE:
		if (w->out)
			copy_small(w->out + dst_base + f->offset, src, f->size);
		return;
	case DDIRR_FK_STRUCT:
		copy_struct(w, f->sub, src, dst_base + f->offset);
		return;
	case DDIRR_FK_REF:
		if (!(p = load_ptr(src)))
			return;
		block = reserve(w, ref_room(f, src_base));
		store_offset(w, dst_base + f->offset, block);
		copy_struct(w, f->sub, p, block);
		return;
	case DDIRR_FK_REF_SCALAR:
		if (!(p = load_ptr(src)))
			return;
		block = reserve_raw(w, f->elem_size);
		store_offset(w, dst_base + f->offset, block);
		if (w->out)
			memcpy(w->out + block, p, f->elem_size);
		return;
	case DDIRR_FK_ARRAY:
		copy_array(w, f, src_base, dst_base, aliases);
		return;
	case DDIRR_FK_BYTES:
		p = load_ptr(src);
		n = ddirr_desc_read(src_base + f->count_offset, f->count_size);
		if (!p || !n || ((w->flags & DDIRR_FRAME_COPY_NO_OPAQUE) && f->cls == DDIRR_CLASS_OPAQUE))
			return;
		block = reserve_raw(w, n);
		store_offset(w, dst_base + f->offset, block);
		if (w->out)
			memcpy(w->out + block, p, n);
		return;
	case DDIRR_FK_MDL: {
		uint64_t first = ddirr_desc_read(src_base + f->mdl_offset_offset, f->mdl_offset_size);
		MDL *mdl;

		p = load_ptr(src);
		n = ddirr_desc_read(src_base + f->count_offset, f->count_size);
		if (!p || !n)
			return;
		block = reserve(w, mdl_room(first, n));
		store_offset(w, dst_base + f->offset, block);
		if (!w->out)
			return;
		/* Host pointers of the header are not kept: only the pages. */
		mdl = (MDL *)(w->out + block);
		mdl->ByteCount = (ULONG)((first + n) * 4096u);
		memcpy(MmGetMdlPfnArray(mdl) + first, MmGetMdlPfnArray((MDL *)p) + first, n * sizeof(PFN_NUMBER));
		return;
	}
	}
}

static void copy_struct(walker *w, const ddirr_struct_desc *s, const char *src, size_t dst)
{
	alias_table aliases; /* only [0, n) is ever read */
	size_t i;

	aliases.n = 0;
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		if (ddirr_desc_field_in_phase(f, w->phase) && ddirr_desc_field_present(s, f, src))
			copy_field(w, f, src, dst, &aliases);
	}
}

static size_t walk(char *out, size_t cap, const ddirr_struct_desc *s, const void *frame, uint32_t phase,
		   unsigned flags)
{
	walker w = {out, 0, cap, phase, flags};
	size_t top = reserve(&w, s->size);

	copy_struct(&w, s, frame, top);
	return align8(w.used);
}

size_t ddirr_frame_copy_size(const ddirr_struct_desc *s, const void *frame, uint32_t phase, unsigned flags)
{
	return walk(NULL, 0, s, frame, phase, flags);
}

size_t ddirr_frame_copy(void *dst, const ddirr_struct_desc *s, const void *frame, uint32_t phase, unsigned flags)
{
	return walk(dst, SIZE_MAX, s, frame, phase, flags);
}

size_t ddirr_frame_copy_bounded(void *dst, size_t cap, const ddirr_struct_desc *s, const void *frame, uint32_t phase,
				unsigned flags)
{
	return walk(dst, cap, s, frame, phase, flags);
}

/* ------------------------------------------------------------------ */
/* Rebuilding                                                          */

typedef struct rebuilder {
	char *buf;
	size_t len;
	uint32_t phase;
} rebuilder;

static int bad(const ddirr_struct_desc *s, const ddirr_field_desc *f, const char *what)
{
	return ddirr_error_set(DDIRR_ECORRUPT, "flat frame: %s.%s: %s", s->name, f->name, what);
}

static int rebuild_struct(rebuilder *r, const ddirr_struct_desc *s, char *base);

/* Turns the offset in the member at slot into a pointer to a block of room
 * bytes, after checking the block lies inside the buffer. *block is NULL
 * when the member is NULL. */
static int fix_pointer(rebuilder *r, const ddirr_struct_desc *s, const ddirr_field_desc *f, char *slot, uint64_t room,
		       char **block)
{
	uintptr_t off;

	memcpy(&off, slot, sizeof(off));
	*block = NULL;
	if (!off)
		return 0;
	if (off & 7 || off >= r->len || room > r->len - off)
		return bad(s, f, "block outside the buffer");
	*block = r->buf + off;
	memcpy(slot, block, sizeof(*block));
	return 0;
}

static int rebuild_field(rebuilder *r, const ddirr_struct_desc *s, const ddirr_field_desc *f, char *base,
			 alias_table *fixed)
{
	char *slot = base + f->offset;
	char *block;
	uint64_t n, stride, i, first;
	int rc;

	switch (f->kind) {
	case DDIRR_FK_SCALAR:
	case DDIRR_FK_INLINE:
		return 0;
	case DDIRR_FK_STRUCT:
		return rebuild_struct(r, f->sub, slot);
	case DDIRR_FK_REF:
		if ((rc = fix_pointer(r, s, f, slot, ref_room(f, base), &block)))
			return rc;
		return block ? rebuild_struct(r, f->sub, block) : 0;
	case DDIRR_FK_REF_SCALAR:
		return fix_pointer(r, s, f, slot, f->elem_size, &block);
	case DDIRR_FK_ARRAY:
		n = ddirr_desc_array_count(f, base);
		stride = ddirr_desc_array_stride(f, base);
		if (!n) /* the copy stores no block for an empty array */
			return 0;
		if (n > r->len || stride > r->len)
			return bad(s, f, "array larger than the buffer");
		if (alias_find(fixed, f->offset)) {
			memcpy(&block, slot, sizeof(block));
		} else {
			if ((rc = fix_pointer(r, s, f, slot, array_room(f, n, stride), &block)))
				return rc;
			alias_add(fixed, f->offset, 1);
		}
		if (!block || f->raw_elements || !f->sub || stride < f->sub->size)
			return 0;
		for (i = 0; i < n; i++)
			if ((rc = rebuild_struct(r, f->sub, block + i * stride)))
				return rc;
		return 0;
	case DDIRR_FK_BYTES:
		n = ddirr_desc_read(base + f->count_offset, f->count_size);
		return fix_pointer(r, s, f, slot, n, &block);
	case DDIRR_FK_MDL:
		n = ddirr_desc_read(base + f->count_offset, f->count_size);
		first = ddirr_desc_read(base + f->mdl_offset_offset, f->mdl_offset_size);
		if (n > r->len || first > r->len)
			return bad(s, f, "MDL larger than the buffer");
		return fix_pointer(r, s, f, slot, mdl_room(first, n), &block);
	}
	return bad(s, f, "unknown field kind");
}

static int rebuild_struct(rebuilder *r, const ddirr_struct_desc *s, char *base)
{
	alias_table fixed = {{0}, {0}, 0};
	size_t i;
	int rc;

	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		if (!ddirr_desc_field_in_phase(f, r->phase) || !ddirr_desc_field_present(s, f, base))
			continue;
		if ((rc = rebuild_field(r, s, f, base, &fixed)))
			return rc;
	}
	return 0;
}

int ddirr_frame_rebuild(void *buf, size_t len, const ddirr_struct_desc *s, uint32_t phase)
{
	rebuilder r = {buf, len, phase};

	if (!buf || len < s->size || ((uintptr_t)buf & 7))
		return ddirr_error_set(DDIRR_ECORRUPT, "flat frame: %zu bytes cannot hold a %s", len, s->name);
	return rebuild_struct(&r, s, buf);
}

/* ------------------------------------------------------------------ */
/* Visiting private data                                               */

typedef struct visitor {
	uint32_t phase;
	ddirr_frame_opaque_fn fn;
	void *ctx;
} visitor;

static void visit_struct(const visitor *v, const ddirr_struct_desc *s, char *base)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		char *p;
		uint64_t n, stride, k;

		if (!ddirr_desc_field_in_phase(f, v->phase) || !ddirr_desc_field_present(s, f, base))
			continue;
		switch (f->kind) {
		case DDIRR_FK_STRUCT:
			visit_struct(v, f->sub, base + f->offset);
			break;
		case DDIRR_FK_REF:
			if ((p = (char *)load_ptr(base + f->offset)))
				visit_struct(v, f->sub, p);
			break;
		case DDIRR_FK_ARRAY:
			p = (char *)load_ptr(base + f->offset);
			n = ddirr_desc_array_count(f, base);
			stride = ddirr_desc_array_stride(f, base);
			if (!p || f->raw_elements || !f->sub || stride < f->sub->size)
				break;
			for (k = 0; k < n; k++)
				visit_struct(v, f->sub, p + k * stride);
			break;
		case DDIRR_FK_BYTES:
			p = (char *)load_ptr(base + f->offset);
			n = ddirr_desc_read(base + f->count_offset, f->count_size);
			if (p && n && f->cls == DDIRR_CLASS_OPAQUE)
				v->fn(base + f->offset, p, n, v->ctx);
			break;
		default:
			break;
		}
	}
}

void ddirr_frame_visit_opaque(const ddirr_struct_desc *s, void *frame, uint32_t phase, ddirr_frame_opaque_fn fn,
			      void *ctx)
{
	visitor v = {phase, fn, ctx};

	visit_struct(&v, s, frame);
}
