/* Flat deep copies of call frames (see frame_copy.h).
 *
 * One walker serves both measuring and copying, so the size the hot path
 * reserves is, by construction, the size the copy writes. A bounded copy
 * copies while the blocks fit in its room and only measures from the first
 * block that does not, so the hot path walks once when the record fits. */
#include "frame_copy.h"
#include "once.h"

#include <stdatomic.h>
#include <string.h>

#include "ddirr/error.h"
#include "ddirr/event.h"
#include "desc_macros.h"

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
	ddirr_frame_relocs *rel; /* NULL: no list wanted (the recorder) */
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
	static const uint64_t zero;
	size_t off = align8(w->used);

	w->used = off + n;
	if (w->out && (n > w->cap || off > w->cap - align8(n)))
		w->out = NULL;
	/* The padding: zero the block's last word, which the caller then
	   overwrites up to n. */
	if (w->out && align8(n) > n)
		memcpy(w->out + off + align8(n) - 8, &zero, 8);
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
		/* Every non-NULL pointer of the copy is stored here, once (an
		   aliased member's block is stored by its first field only),
		   so the list is exactly the slots a rebuild would fix. */
		if (w->rel) {
			if (w->rel->n < w->rel->cap)
				w->rel->at[w->rel->n] = (uint32_t)slot;
			w->rel->n++;
		}
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
	walker w = {out, 0, cap, phase, flags, NULL};
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
/* Copy plans: the walk above, decided once per (struct, phase)        */

/* The walk asks, for every field of every struct it copies, whether the
 * field belongs to the phase, whether its guard holds and what kind it is;
 * on the recorder's hot path those questions cost more than the copy. A
 * plan answers the ones that do not depend on the frame when it is built:
 * it keeps only the phase's fields, merges adjacent scalars into one run,
 * and turns unguarded references and arrays of scalars into ops with the
 * sub-plan or the element size at hand. Whatever else a struct holds
 * (guards, structured or strided arrays, bytes, MDLs) stays a FIELD op that
 * runs the walk's own copy_field, and a struct whose arrays share a block
 * (aliases) is copied by the walk whole. So the bytes are the walk's by
 * construction: same blocks, same order, same zeroing. */

/* Compile-time bounds of the plan tables: one plan per described struct
 * and per frame, per phase; at most one op per field. */
#define DDIRR_STRUCT(name, ref) +1
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
enum { PLAN_N_STRUCTS = 0
#include "structs.def"
};
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#define DDIRR_STRUCT(name, ref)
#define DDIRR_F(num, m, dir, spec) +1
#define DDIRR_FA(num, path, alias, dir, spec, guard) +1
#define DDIRR_FX(num, nm, off, sz, dir, spec) +1
enum { PLAN_N_STRUCT_FIELDS = 0
#include "structs.def"
};
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT
#define DDIRR_DDI(id, name, kind, ret, table)
#define DDIRR_ARG0(fn, num, type, name, dir, spec) +1
#define DDIRR_ARG(fn, num, type, name, dir, spec) +1
#define DDIRR_END(name, ret) +1 /* ReturnValue */
enum { PLAN_N_FRAME_FIELDS = 0
#include "ddirr/ddi.def"
};
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END

enum {
	PLAN_PHASES = 2, /* DDIRR_PHASE_ENTRY, DDIRR_PHASE_EXIT */
	PLAN_MAX_PLANS = PLAN_PHASES * (PLAN_N_STRUCTS + DDIRR_DDI_MAX_PLUS_ONE),
	/* flattened structs repeat their runs in their parents */
	PLAN_MAX_OPS = 4 * PLAN_PHASES * (PLAN_N_STRUCT_FIELDS + PLAN_N_FRAME_FIELDS),
	PLAN_MAX_DEPTH = 16
};

enum plan_op_code {
	OP_RUN,    /* bytes [off, off + len) copied to the same place */
	OP_STRUCT, /* embedded struct at off: its plan */
	OP_REF,    /* pointer at off to one struct: a block of its plan */
	OP_ARRAY,  /* pointer at off to `count` scalars of len bytes: one block */
	OP_FIELD,  /* anything else: the walk's presence test and copy_field */
	OP_FIELD_EQ /* OP_FIELD guarded by selector == value: the test answered inline */
};

typedef struct frame_plan frame_plan;

typedef struct plan_op {
	uint8_t code;
	uint8_t count_size; /* OP_ARRAY */
	uint32_t off, len;
	uint32_t count_offset;         /* OP_ARRAY; OP_FIELD_EQ: the selector's (count_size its size) */
	const frame_plan *sub;         /* OP_STRUCT, OP_REF; OP_FIELD_EQ: a STRUCT's or REF's, or NULL */
	const ddirr_field_desc *field; /* OP_FIELD, OP_FIELD_EQ */
	uint64_t value;                /* OP_FIELD_EQ */
} plan_op;

struct frame_plan {
	const ddirr_struct_desc *s;
	uint32_t phase;
	uint32_t first, n_ops; /* in plan_ops */
	int whole;             /* copied by the walk (copy_struct) */
};

static frame_plan plans[PLAN_MAX_PLANS];
static plan_op plan_ops[PLAN_MAX_OPS];
static size_t n_plans, n_plan_ops;
static const frame_plan *ddi_plans[DDIRR_DDI_MAX_PLUS_ONE][PLAN_PHASES];

/* Two array fields over one member share a block: only the walk's alias
 * table handles that. */
static int has_aliases(const ddirr_struct_desc *s)
{
	size_t i, j;

	for (i = 0; i < s->n_fields; i++)
		for (j = i + 1; j < s->n_fields; j++)
			if (s->fields[i].kind == DDIRR_FK_ARRAY && s->fields[j].kind == DDIRR_FK_ARRAY &&
			    s->fields[i].offset == s->fields[j].offset)
				return 1;
	return 0;
}

static int is_plain(const ddirr_field_desc *f)
{
	return f->guard_op == DDIRR_GUARD_NONE && !(f->kind == DDIRR_FK_REF && f->count_size);
}

/* A union's alternative chosen by selector == value (BuildPagingBuffer's
 * Operation), with a selector the plan can read inline. */
static int is_eq_guarded(const ddirr_field_desc *f)
{
	return f->guard_op == DDIRR_GUARD_EQ && !(f->kind == DDIRR_FK_REF && f->count_size) &&
	       (f->guard_size == 1 || f->guard_size == 2 || f->guard_size == 4 || f->guard_size == 8);
}

static const frame_plan *build_plan(const ddirr_struct_desc *s, uint32_t phase, unsigned depth);

static const frame_plan *find_plan(const ddirr_struct_desc *s, uint32_t phase)
{
	size_t i;

	for (i = 0; i < n_plans; i++)
		if (plans[i].s == s && plans[i].phase == phase)
			return &plans[i];
	return NULL;
}

/* The plan of the struct a plain STRUCT or REF field holds (built when
 * `build`, looked up otherwise); NULL: the walk copies the field. */
static const frame_plan *sub_plan(const ddirr_field_desc *f, uint32_t phase, unsigned depth, int build)
{
	if (!(is_plain(f) || is_eq_guarded(f)) || (f->kind != DDIRR_FK_STRUCT && f->kind != DDIRR_FK_REF) || !f->sub)
		return NULL;
	return build ? build_plan(f->sub, phase, depth + 1) : find_plan(f->sub, phase);
}

/* A STRUCT field whose plan is runs only is flattened into its parent. */
static int flattens(const ddirr_field_desc *f, const frame_plan *sub)
{
	size_t k;

	if (!sub || sub->whole || f->kind != DDIRR_FK_STRUCT)
		return 0;
	for (k = 0; k < sub->n_ops; k++)
		if (plan_ops[sub->first + k].code != OP_RUN)
			return 0;
	return 1;
}

static void add_op(frame_plan *p, plan_op op)
{
	plan_op *last = p->n_ops ? &plan_ops[p->first + p->n_ops - 1] : NULL;

	/* A run that touches or overlaps the previous one extends it. */
	if (op.code == OP_RUN && last && last->code == OP_RUN && op.off >= last->off &&
	    op.off <= last->off + last->len) {
		if (op.off + op.len > last->off + last->len)
			last->len = op.off + op.len - last->off;
		return;
	}
	plan_ops[p->first + p->n_ops++] = op;
}

static const frame_plan *build_plan(const ddirr_struct_desc *s, uint32_t phase, unsigned depth)
{
	const frame_plan *found = find_plan(s, phase);
	frame_plan *p;
	size_t i, need = 0;

	if (found || depth > PLAN_MAX_DEPTH || n_plans == PLAN_MAX_PLANS)
		return found;
	/* Sub-plans first, so that this plan's ops stay contiguous. */
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		const frame_plan *sub;

		if (!ddirr_desc_field_in_phase(f, phase))
			continue;
		sub = sub_plan(f, phase, depth, 1);
		need += flattens(f, sub) ? sub->n_ops : 1;
	}
	if (n_plans == PLAN_MAX_PLANS || n_plan_ops + need > PLAN_MAX_OPS)
		return NULL; /* cannot happen with the bounds above; the walk copies it */
	p = &plans[n_plans++];
	p->s = s;
	p->phase = phase;
	p->first = (uint32_t)n_plan_ops;
	p->n_ops = 0;
	p->whole = has_aliases(s);
	if (p->whole)
		return p;
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		const frame_plan *sub = sub_plan(f, phase, depth, 0);
		plan_op op = {OP_FIELD, 0, f->offset, 0, 0, NULL, f, 0};
		size_t k;

		if (!ddirr_desc_field_in_phase(f, phase))
			continue;
		if (is_plain(f) && (f->kind == DDIRR_FK_SCALAR || f->kind == DDIRR_FK_INLINE)) {
			op.code = OP_RUN;
			op.len = f->size;
		} else if (is_eq_guarded(f)) {
			/* Most records fail the test: it is made in the plan's
			   loop rather than by a call per alternative, and the
			   alternative that holds is copied by its own plan when
			   it has one. */
			op.code = OP_FIELD_EQ;
			op.count_offset = f->guard_offset;
			op.count_size = (uint8_t)f->guard_size;
			op.value = f->guard_value;
			op.sub = sub && !sub->whole ? sub : NULL;
		} else if (sub && sub->whole) {
			/* stays OP_FIELD: the walk copies it */
		} else if (flattens(f, sub)) {
			for (k = 0; k < sub->n_ops; k++) {
				plan_op r = plan_ops[sub->first + k];

				r.off += f->offset;
				add_op(p, r);
			}
			continue;
		} else if (sub && f->kind == DDIRR_FK_STRUCT) {
			op.code = OP_STRUCT;
			op.sub = sub;
		} else if (sub) {
			op.code = OP_REF;
			op.sub = sub;
		} else if (is_plain(f) && f->kind == DDIRR_FK_ARRAY && !f->sub && !f->raw_elements && !f->repeat_size &&
			   !f->stride_size && f->elem_size &&
			   (f->count_size == 4 || f->count_size == 8)) {
			op.code = OP_ARRAY;
			op.len = f->elem_size;
			op.count_offset = f->count_offset;
			op.count_size = (uint8_t)f->count_size;
		}
		add_op(p, op);
	}
	n_plan_ops += p->n_ops;
	return p;
}


/* Zeroes n bytes (a multiple of 8) without a call for the usual small
 * structs (spelled out: the compiler turns a loop back into a call). */
static inline __attribute__((always_inline)) void zero8(char *p, size_t n)
{
	static const uint64_t zero;

	switch (n) {
	case 64: memcpy(p + 56, &zero, 8); /* fall through */
	case 56: memcpy(p + 48, &zero, 8); /* fall through */
	case 48: memcpy(p + 40, &zero, 8); /* fall through */
	case 40: memcpy(p + 32, &zero, 8); /* fall through */
	case 32: memcpy(p + 24, &zero, 8); /* fall through */
	case 24: memcpy(p + 16, &zero, 8); /* fall through */
	case 16: memcpy(p + 8, &zero, 8); /* fall through */
	case 8: memcpy(p, &zero, 8); /* fall through */
	case 0: return;
	default: memset(p, 0, n); return;
	}
}

/* Copies a run of bytes; runs of up to 32 bytes (most of them) without a
 * call, as two overlapping halves. */
static inline __attribute__((always_inline)) void copy_run(char *dst, const char *src, uint32_t len)
{
	uint64_t a, b, c, d;

	if (len >= 8 && len <= 16) {
		memcpy(&a, src, 8);
		memcpy(&b, src + len - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + len - 8, &b, 8);
	} else if (len > 16 && len <= 32) {
		memcpy(&a, src, 8);
		memcpy(&b, src + 8, 8);
		memcpy(&c, src + len - 16, 8);
		memcpy(&d, src + len - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + 8, &b, 8);
		memcpy(dst + len - 16, &c, 8);
		memcpy(dst + len - 8, &d, 8);
	} else {
		copy_small(dst, src, len);
	}
}

/* reserve() with the small-struct zeroing. */
static inline __attribute__((always_inline)) size_t plan_reserve(walker *w, size_t n)
{
	size_t off = align8(w->used);

	w->used = off + n;
	if (w->out && (n > w->cap || off > w->cap - align8(n)))
		w->out = NULL;
	if (w->out)
		zero8(w->out + off, align8(n));
	return off;
}

/* An OP_FIELD: the walk's own steps, out of line so that the plan's loop
 * keeps its registers. */
static __attribute__((noinline)) void run_field(walker *w, const ddirr_struct_desc *s, const ddirr_field_desc *f,
						const char *src, size_t dst)
{
	alias_table none; /* a struct with aliases is copied whole */

	none.n = 0;
	if (ddirr_desc_field_present(s, f, src))
		copy_field(w, f, src, dst, &none);
}

/* An OP_FIELD_EQ whose guard holds: copy_field, out of line too. */
static __attribute__((noinline)) void run_guarded(walker *w, const ddirr_field_desc *f, const char *src, size_t dst)
{
	alias_table none; /* a struct with aliases is copied whole */

	none.n = 0;
	copy_field(w, f, src, dst, &none);
}

static void run_plan(walker *w, const frame_plan *p, const char *src, size_t dst)
{
	const plan_op *op = &plan_ops[p->first], *end = op + p->n_ops;

	if (p->whole) {
		copy_struct(w, p->s, src, dst);
		return;
	}
	for (; op < end; op++) {
		const char *ptr;
		size_t block;
		uint64_t n;

		switch (op->code) {
		case OP_RUN:
			if (w->out)
				copy_run(w->out + dst + op->off, src + op->off, op->len);
			break;
		case OP_STRUCT:
			run_plan(w, op->sub, src + op->off, dst + op->off);
			break;
		case OP_REF:
			if (!(ptr = load_ptr(src + op->off)))
				break;
			block = plan_reserve(w, op->sub->s->size);
			store_offset(w, dst + op->off, block);
			run_plan(w, op->sub, ptr, block);
			break;
		case OP_ARRAY:
			ptr = load_ptr(src + op->off);
			if (op->count_size == 4) {
				uint32_t v;

				memcpy(&v, src + op->count_offset, 4);
				n = v;
			} else {
				memcpy(&n, src + op->count_offset, 8);
			}
			if (!ptr || !n)
				break;
			block = reserve_raw(w, n * op->len);
			store_offset(w, dst + op->off, block);
			if (w->out)
				memcpy(w->out + block, ptr, n * op->len);
			break;
		case OP_FIELD_EQ:
			if (ddirr_desc_read(src + op->count_offset, op->count_size) != op->value)
				break;
			if (!op->sub) {
				run_guarded(w, op->field, src, dst);
			} else if (op->field->kind == DDIRR_FK_STRUCT) {
				run_plan(w, op->sub, src + op->off, dst + op->off);
			} else if ((ptr = load_ptr(src + op->off))) {
				block = plan_reserve(w, op->sub->s->size);
				store_offset(w, dst + op->off, block);
				run_plan(w, op->sub, ptr, block);
			}
			break;
		default:
			run_field(w, p->s, op->field, src, dst);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Generated copies: the plans, decided by the compiler                */

/* The common structs hold only unguarded scalars, embedded structs,
 * references to one struct and arrays of scalars. For those, the one
 * description (structs.def, ddi.def) expands here into one C function per
 * (struct, phase) and per (call, phase), whose every offset, size and
 * phase test is a constant: the copy is straight-line code. A struct that
 * holds anything else in a phase ("hard": a guard, an aliased or
 * structured array, bytes, an MDL, a pointer to a scalar) is copied by its
 * plan, or by the walk when no plan was built. Blocks come in the walk's
 * order and are zeroed as the walk zeroes them, so the bytes are the
 * walk's (tests/recorder checks them against it for every call). */

/* Is a field of this spec hard (0 or 1)? */
#define GEN_HARD_EXACT 0
#define GEN_HARD_HEX 0
#define GEN_HARD_SIGNED 0
#define GEN_HARD_COUNT 0
#define GEN_HARD_STATUS 0
#define GEN_HARD_FLAGS(d) 0
#define GEN_HARD_ENUM(d) 0
#define GEN_HARD_HANDLE(n) 0
#define GEN_HARD_GPU_VA 0
#define GEN_HARD_APERTURE_SLOT 0
#define GEN_HARD_SEGMENT_PAGE 0
#define GEN_HARD_VOLATILE 0
#define GEN_HARD_POINTER 0
#define GEN_HARD_INLINE 0
#define GEN_HARD_STRUCT(N) 0
#define GEN_HARD_REF(N) 0
#define GEN_HARD_ARRAY(c, esize, k) 0
#define GEN_HARD_ARRAY_HANDLE(c, n) 0
#define GEN_HARD_REF_SCALAR_EXACT 1
#define GEN_HARD_REF_SCALAR_HANDLE(n) 1
#define GEN_HARD_ARRAY_OF(c, N) 1
#define GEN_HARD_ARRAY_OF_REPEAT(c, N, flags, mask) 1
#define GEN_HARD_ARRAY_STRIDED(c, stride, N) 1
#define GEN_HARD_ARRAY_RAW(c, stride) 1
#define GEN_HARD_BYTES(c) 1
#define GEN_HARD_REF_BYTES(c, N) 1
#define GEN_HARD_MDL(c, first) 1
/* A field reached through a path (DDIRR_FA) is hard when guarded, and when
 * it is an array (it may alias another array's member). */
#define GEN_HARD_G_ALWAYS 0
#define GEN_HARD_G_WHEN_EQ(sel, v) 1
#define GEN_HARD_G_WHEN_BITS(sel, m) 1
#define GEN_HARD_G_WHEN_NOBITS(sel, m) 1
#define GEN_HARD_G_OTHERWISE(sel) 1
#define GEN_ALIAS_EXACT 0
#define GEN_ALIAS_HEX 0
#define GEN_ALIAS_SIGNED 0
#define GEN_ALIAS_COUNT 0
#define GEN_ALIAS_STATUS 0
#define GEN_ALIAS_FLAGS(d) 0
#define GEN_ALIAS_ENUM(d) 0
#define GEN_ALIAS_HANDLE(n) 0
#define GEN_ALIAS_GPU_VA 0
#define GEN_ALIAS_APERTURE_SLOT 0
#define GEN_ALIAS_SEGMENT_PAGE 0
#define GEN_ALIAS_VOLATILE 0
#define GEN_ALIAS_POINTER 0
#define GEN_ALIAS_INLINE 0
#define GEN_ALIAS_STRUCT(N) 0
#define GEN_ALIAS_REF(N) 0
#define GEN_ALIAS_ARRAY(c, esize, k) 1
#define GEN_ALIAS_ARRAY_HANDLE(c, n) 1
#define GEN_ALIAS_REF_SCALAR_EXACT 1
#define GEN_ALIAS_REF_SCALAR_HANDLE(n) 1
#define GEN_ALIAS_ARRAY_OF(c, N) 1
#define GEN_ALIAS_ARRAY_OF_REPEAT(c, N, flags, mask) 1
#define GEN_ALIAS_ARRAY_STRIDED(c, stride, N) 1
#define GEN_ALIAS_ARRAY_RAW(c, stride) 1
#define GEN_ALIAS_BYTES(c) 1
#define GEN_ALIAS_REF_BYTES(c, N) 1
#define GEN_ALIAS_MDL(c, first) 1

/* The copy of a field of an easy struct: off_ and sz_ are the member's
 * offset and size, src and dst the struct's. Hard specs never run here. */
#define GEN_SCALAR \
	if (w->out)    \
		memcpy(w->out + dst + off_, src + off_, sz_);
#define GEN_COPY_EXACT GEN_SCALAR
#define GEN_COPY_HEX GEN_SCALAR
#define GEN_COPY_SIGNED GEN_SCALAR
#define GEN_COPY_COUNT GEN_SCALAR
#define GEN_COPY_STATUS GEN_SCALAR
#define GEN_COPY_FLAGS(d) GEN_SCALAR
#define GEN_COPY_ENUM(d) GEN_SCALAR
#define GEN_COPY_HANDLE(n) GEN_SCALAR
#define GEN_COPY_GPU_VA GEN_SCALAR
#define GEN_COPY_APERTURE_SLOT GEN_SCALAR
#define GEN_COPY_SEGMENT_PAGE GEN_SCALAR
#define GEN_COPY_VOLATILE GEN_SCALAR
#define GEN_COPY_POINTER GEN_SCALAR
#define GEN_COPY_INLINE GEN_SCALAR
#define GEN_COPY_STRUCT(N) GEN_FN(N, GEN_PHASE)(w, src + off_, dst + off_);
#define GEN_COPY_REF(N)                                                  \
	{                                                                \
		const char *p_ = load_ptr(src + off_);                   \
		if (p_) {                                                \
			size_t b_ = plan_reserve(w, gen_size_##N);       \
			store_offset(w, dst + off_, b_);                 \
			GEN_FN(N, GEN_PHASE)(w, p_, b_);                 \
		}                                                        \
	}
#define GEN_COPY_ARRAY_(c, esize)                                                              \
	gen_scalar_array(w, src, dst, off_, ddirr_desc_read(src + DDIRR_OFF(DDIRR_T, c), DDIRR_MSIZE(DDIRR_T, c)), esize);
#define GEN_COPY_ARRAY(c, esize, k) GEN_COPY_ARRAY_(c, esize)
#define GEN_COPY_ARRAY_HANDLE(c, n) GEN_COPY_ARRAY_(c, sizeof(void *))
#define GEN_COPY_REF_SCALAR_EXACT
#define GEN_COPY_REF_SCALAR_HANDLE(n)
#define GEN_COPY_ARRAY_OF(c, N)
#define GEN_COPY_ARRAY_OF_REPEAT(c, N, flags, mask)
#define GEN_COPY_ARRAY_STRIDED(c, stride, N)
#define GEN_COPY_ARRAY_RAW(c, stride)
#define GEN_COPY_BYTES(c)
#define GEN_COPY_REF_BYTES(c, N)
#define GEN_COPY_MDL(c, first)

#define GEN_CAT_(a, b, c) a##b##c
#define GEN_CAT(a, b, c) GEN_CAT_(a, b, c)
#define GEN_FN(name, phase) GEN_CAT(gen_, name, GEN_CAT(_, phase, ))
#define GEN_HARDNAME(name, phase) GEN_CAT(gen_hard_, name, GEN_CAT(_, phase, ))
#define GEN_IN(d) ((DDIRR_DIR_##d & GEN_PHASE) != 0)
#define GEN_FIELD(d, spec, off, sz)                                   \
	if (GEN_IN(d)) {                                              \
		const size_t off_ = (off), sz_ = (sz);                \
		(void)off_;                                           \
		(void)sz_;                                            \
		GEN_COPY_##spec                                       \
	}

/* copy_array for an unguarded array of scalars without stride or repeat;
 * a short one without a call. */
static inline __attribute__((always_inline)) void gen_scalar_array(walker *w, const char *src, size_t dst, size_t off,
								    uint64_t n, size_t esize)
{
	const char *arr = load_ptr(src + off);
	size_t block;

	if (!arr || !n)
		return;
	block = reserve_raw(w, n * esize);
	store_offset(w, dst + off, block);
	if (!w->out)
		return;
	if (n * esize <= 32)
		copy_run(w->out + block, arr, (uint32_t)(n * esize));
	else
		memcpy(w->out + block, arr, n * esize);
}

/* A hard struct: its plan, or the walk. */
static __attribute__((noinline)) void gen_hard(walker *w, const frame_plan *p, const ddirr_struct_desc *s,
					       const char *src, size_t dst)
{
	if (p)
		run_plan(w, p, src, dst);
	else
		copy_struct(w, s, src, dst);
}

/* Per struct: its description, its size as a constant, and its plans. */
#define DDIRR_STRUCT(name, ref)                                          \
	extern const ddirr_struct_desc ddirr_desc_##name;                \
	enum { gen_size_##name = sizeof(DDIRR_T) };                      \
	static const frame_plan *gen_plan_##name[PLAN_PHASES];
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
#include "structs.def"
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT

/* Which structs are hard in each phase. */
#define DDIRR_STRUCT(name, ref) enum { GEN_HARDNAME(name, GEN_PHASE) = 0
#define DDIRR_F(num, m, d, spec) | (GEN_IN(d) ? GEN_HARD_##spec : 0)
#define DDIRR_FA(num, path, alias, d, spec, guard) \
	| (GEN_IN(d) ? (GEN_HARD_##spec | GEN_HARD_G_##guard | GEN_ALIAS_##spec) : 0)
#define DDIRR_FX(num, nm, off, sz, d, spec) | (GEN_IN(d) ? GEN_HARD_##spec : 0)
#define DDIRR_END_STRUCT(name) };
#include "gen_each_phase_structs.h"

/* Declarations first: a struct may embed one described after it. */
#define DDIRR_STRUCT(name, ref) \
	static inline __attribute__((always_inline)) void GEN_FN(name, GEN_PHASE)(walker * w, const char *src, size_t dst);
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
#include "gen_each_phase_structs.h"

/* The copies of the structs. */
#define DDIRR_STRUCT(name, ref)                                                                  \
	static inline __attribute__((always_inline)) void GEN_FN(name, GEN_PHASE)(walker * w, const char *src, size_t dst) \
	{                                                                                        \
		if (GEN_HARDNAME(name, GEN_PHASE)) {                                             \
			gen_hard(w, gen_plan_##name[GEN_PHASE - 1], &ddirr_desc_##name, src, dst); \
			return;                                                                  \
		}                                                                                \
		(void)w;                                                                         \
		(void)src;                                                                       \
		(void)dst;
#define DDIRR_F(num, m, d, spec) GEN_FIELD(d, spec, DDIRR_OFF(DDIRR_T, m), DDIRR_MSIZE(DDIRR_T, m))
#define DDIRR_FA(num, path, alias, d, spec, guard) GEN_FIELD(d, spec, DDIRR_OFF(DDIRR_T, path), DDIRR_MSIZE(DDIRR_T, path))
#define DDIRR_FX(num, nm, off, sz, d, spec) GEN_FIELD(d, spec, off, sz)
#define DDIRR_END_STRUCT(name) }
#include "gen_each_phase_structs.h"

/* The frames: which are hard, then their copies. ReturnValue is a scalar
 * recorded on exit. */
#define DDIRR_DDI(id, name, kind, ret, table) enum { GEN_HARDNAME(frame_##name, GEN_PHASE) = 0
#define DDIRR_ARG0(fn, num, type, name, d, spec) | (GEN_IN(d) ? GEN_HARD_##spec : 0)
#define DDIRR_ARG(fn, num, type, name, d, spec) | (GEN_IN(d) ? GEN_HARD_##spec : 0)
#define DDIRR_END(name, ret) };
#include "gen_each_phase_calls.h"

#define GEN_RET_NTSTATUS(fn) GEN_FIELD(OUT, EXACT, offsetof(ddirr_frame_##fn, ReturnValue), sizeof(NTSTATUS))
#define GEN_RET_SIZE_T(fn) GEN_FIELD(OUT, EXACT, offsetof(ddirr_frame_##fn, ReturnValue), sizeof(SIZE_T))
#define GEN_RET_GPUVA(fn) GEN_FIELD(OUT, EXACT, offsetof(ddirr_frame_##fn, ReturnValue), sizeof(D3DGPU_VIRTUAL_ADDRESS))
#define GEN_RET_VOID(fn)
#define DDIRR_DDI(id, name, kind, ret, table)                                                     \
	static size_t GEN_FN(frame_##name, GEN_PHASE)(char *out, size_t cap, const char *src, unsigned flags, \
						       ddirr_frame_relocs *rel)                           \
	{                                                                                         \
		const frame_plan *plan_ = ddi_plans[id][GEN_PHASE - 1];                           \
		walker w_ = {out, 0, cap, GEN_PHASE, flags, rel}, *w = &w_;                       \
		size_t dst;                                                                       \
                                                                                                  \
		if (GEN_HARDNAME(frame_##name, GEN_PHASE)) {                                      \
			const ddirr_struct_desc *s_ = plan_ ? plan_->s : ddirr_desc_ddi(id)->frame; \
                                                                                                  \
			dst = plan_reserve(w, s_->size);                                          \
			gen_hard(w, plan_, s_, src, dst);                                         \
			return align8(w_.used);                                                   \
		}                                                                                 \
		dst = plan_reserve(w, sizeof(ddirr_frame_##name));
#define DDIRR_ARG0(fn, num, type, name, d, spec) \
	GEN_FIELD(d, spec, offsetof(ddirr_frame_##fn, name), sizeof(((ddirr_frame_##fn *)0)->name))
#define DDIRR_ARG(fn, num, type, name, d, spec) DDIRR_ARG0(fn, num, type, name, d, spec)
#define DDIRR_END(name, ret)    \
	GEN_RET_##ret(name)     \
	return align8(w_.used); \
	}
#include "gen_each_phase_calls.h"

/* Built once (once.h): the recorder (at open) and the replayer
 * (reorder_new) may both ask, on any thread; a concurrent caller waits the
 * few microseconds the build takes. */
static atomic_int plans_state;

static int build_plans(void)
{
	uint32_t id, ph;

	for (id = 0; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

		for (ph = 0; d && ph < PLAN_PHASES; ph++)
			ddi_plans[id][ph] = build_plan(d->frame, ph + 1, 0);
	}
	for (ph = 0; ph < PLAN_PHASES; ph++) {
#define DDIRR_STRUCT(name, ref) gen_plan_##name[ph] = build_plan(&ddirr_desc_##name, ph + 1, 0);
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
#include "structs.def"
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT
	}
	return 1;
}

void ddirr_frame_plans_build(void)
{
	ddirr_once(&plans_state, build_plans, 1);
}

/* The generated copy of (ddi, phase); 0 for an unknown one. Inlined into
 * both entry points, so the recorder's sees rel == NULL as a constant. */
static inline __attribute__((always_inline)) size_t copy_call(void *dst, size_t cap, uint32_t ddi, uint32_t phase,
								const void *frame, unsigned flags,
								ddirr_frame_relocs *rel)
{
	switch (ddi << 2 | phase) {
#define DDIRR_DDI(id, name, kind, ret, table)                               \
	case id << 2 | DDIRR_PHASE_ENTRY:                                   \
		return gen_frame_##name##_1(dst, cap, frame, flags, rel);   \
	case id << 2 | DDIRR_PHASE_EXIT:                                    \
		return gen_frame_##name##_2(dst, cap, frame, flags, rel);
#include "ddirr/ddi_each_call.def"
	default:
		return 0;
	}
}

/* ddirr_frame_copy_call_bounded() of one call and phase, without the
 * dispatch (frame_copy.h). */
#define DDIRR_DDI(id, name, kind, ret, table)                                                                \
	size_t ddirr_frame_copy_##name##_1(void *dst, size_t cap, const void *frame, unsigned flags)         \
	{                                                                                                    \
		return gen_frame_##name##_1(dst, cap, frame, flags, NULL);                                   \
	}                                                                                                    \
	size_t ddirr_frame_copy_##name##_2(void *dst, size_t cap, const void *frame, unsigned flags)         \
	{                                                                                                    \
		return gen_frame_##name##_2(dst, cap, frame, flags, NULL);                                   \
	}
#include "ddirr/ddi_each_call.def"

size_t ddirr_frame_copy_call_bounded(void *dst, size_t cap, uint32_t ddi, uint32_t phase, const void *frame,
				     unsigned flags)
{
	return copy_call(dst, cap, ddi, phase, frame, flags, NULL);
}

size_t ddirr_frame_copy_call_relocs(void *dst, size_t cap, uint32_t ddi, uint32_t phase, const void *frame,
				    unsigned flags, ddirr_frame_relocs *rel)
{
	rel->n = 0;
	return copy_call(dst, cap, ddi, phase, frame, flags, rel);
}

void ddirr_frame_relocate(void *buf, const uint32_t *at, size_t n)
{
	char *b = buf;
	size_t i;

	for (i = 0; i < n; i++) {
		uintptr_t v;

		memcpy(&v, b + at[i], sizeof(v));
		v += (uintptr_t)b;
		memcpy(b + at[i], &v, sizeof(v));
	}
}

/* ------------------------------------------------------------------ */
/* Rebuilding                                                          */

typedef struct rebuilder {
	char *buf;
	size_t len;
	uint32_t phase;
} rebuilder;

static __attribute__((noinline, cold)) int bad_named(const char *s, const char *f, const char *what)
{
	return ddirr_error_set(DDIRR_ECORRUPT, "flat frame: %s.%s: %s", s, f, what);
}

static int bad(const ddirr_struct_desc *s, const ddirr_field_desc *f, const char *what)
{
	return bad_named(s->name, f->name, what);
}

static int rebuild_struct(rebuilder *r, const ddirr_struct_desc *s, char *base);

/* Turns the offset in the member at slot into a pointer to a block of room
 * bytes, after checking the block lies inside the buffer. *block is NULL
 * when the member is NULL. s and f name the member for the error. */
static inline __attribute__((always_inline)) int fix_pointer(rebuilder *r, const char *s, const char *f, char *slot,
							       uint64_t room, char **block)
{
	uintptr_t off;

	memcpy(&off, slot, sizeof(off));
	*block = NULL;
	if (!off)
		return 0;
	if (off & 7 || off >= r->len || room > r->len - off)
		return bad_named(s, f, "block outside the buffer");
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
		if ((rc = fix_pointer(r, s->name, f->name, slot, ref_room(f, base), &block)))
			return rc;
		return block ? rebuild_struct(r, f->sub, block) : 0;
	case DDIRR_FK_REF_SCALAR:
		return fix_pointer(r, s->name, f->name, slot, f->elem_size, &block);
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
			if ((rc = fix_pointer(r, s->name, f->name, slot, array_room(f, n, stride), &block)))
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
		return fix_pointer(r, s->name, f->name, slot, n, &block);
	case DDIRR_FK_MDL:
		n = ddirr_desc_read(base + f->count_offset, f->count_size);
		first = ddirr_desc_read(base + f->mdl_offset_offset, f->mdl_offset_size);
		if (n > r->len || first > r->len)
			return bad(s, f, "MDL larger than the buffer");
		return fix_pointer(r, s->name, f->name, slot, mdl_room(first, n), &block);
	}
	return bad(s, f, "unknown field kind");
}

static int rebuild_struct(rebuilder *r, const ddirr_struct_desc *s, char *base)
{
	alias_table fixed; /* only its first n entries are read */
	size_t i;
	int rc;

	fixed.n = 0;
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		/* Most fields hold no pointer: pass them before their guard. */
		if (f->kind == DDIRR_FK_SCALAR || f->kind == DDIRR_FK_INLINE || !ddirr_desc_field_in_phase(f, r->phase) ||
		    !ddirr_desc_field_present(s, f, base))
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

/* Generated rebuilds: the walk above for the frames and structs the
 * generated copies handle (easy ones: no guard, no alias, only scalars,
 * embedded structs, references to one struct and arrays of scalars), with
 * every offset, size and phase test a constant. The same checks, in the
 * same order, and the same result; a hard struct is left to the walk.
 * At 16 B a MapCpuHostAperture entry took the walk some 390 instructions. */

#define GEN_RFN(name, phase) GEN_CAT(rgen_, name, GEN_CAT(_, phase, ))

/* The rebuild of a field of an easy struct: off_ is the member's offset,
 * base the struct's, sn_ and fn_ name them. Hard specs never run here. */
#define GEN_REB_NONE
#define GEN_REB_EXACT
#define GEN_REB_HEX
#define GEN_REB_SIGNED
#define GEN_REB_COUNT
#define GEN_REB_STATUS
#define GEN_REB_FLAGS(d)
#define GEN_REB_ENUM(d)
#define GEN_REB_HANDLE(n)
#define GEN_REB_GPU_VA
#define GEN_REB_APERTURE_SLOT
#define GEN_REB_SEGMENT_PAGE
#define GEN_REB_VOLATILE
#define GEN_REB_POINTER
#define GEN_REB_INLINE
#define GEN_REB_STRUCT(N)                                         \
	if ((rc_ = GEN_RFN(N, GEN_PHASE)(r, base + off_)))        \
		return rc_;
#define GEN_REB_REF(N)                                                                  \
	{                                                                               \
		char *b_;                                                               \
		if ((rc_ = fix_pointer(r, sn_, fn_, base + off_, gen_size_##N, &b_)))   \
			return rc_;                                                     \
		if (b_ && (rc_ = GEN_RFN(N, GEN_PHASE)(r, b_)))                         \
			return rc_;                                                     \
	}
#define GEN_REB_ARRAY_(c, esize)                                                                         \
	{                                                                                                \
		uint64_t n_ = ddirr_desc_read(base + DDIRR_OFF(DDIRR_T, c), DDIRR_MSIZE(DDIRR_T, c));    \
		char *b_;                                                                                \
		if (n_) {                                                                                \
			if (n_ > r->len || (esize) > r->len)                                             \
				return bad_named(sn_, fn_, "array larger than the buffer");              \
			if ((rc_ = fix_pointer(r, sn_, fn_, base + off_, n_ * (esize), &b_)))            \
				return rc_;                                                              \
		}                                                                                        \
	}
#define GEN_REB_ARRAY(c, esize, k) GEN_REB_ARRAY_(c, esize)
#define GEN_REB_ARRAY_HANDLE(c, n) GEN_REB_ARRAY_(c, sizeof(void *))
#define GEN_REB_REF_SCALAR_EXACT
#define GEN_REB_REF_SCALAR_HANDLE(n)
#define GEN_REB_ARRAY_OF(c, N)
#define GEN_REB_ARRAY_OF_REPEAT(c, N, flags, mask)
#define GEN_REB_ARRAY_STRIDED(c, stride, N)
#define GEN_REB_ARRAY_RAW(c, stride)
#define GEN_REB_BYTES(c)
#define GEN_REB_REF_BYTES(c, N)
#define GEN_REB_MDL(c, first)

#define GEN_RFIELD(d, spec, off, fname)             \
	if (GEN_IN(d)) {                            \
		const size_t off_ = (off);          \
		const char *fn_ = (fname);          \
		(void)off_;                         \
		(void)fn_;                          \
		GEN_REB_##spec                      \
	}

/* Declarations first: a struct may embed one described after it. */
#define DDIRR_STRUCT(name, ref) \
	static inline __attribute__((always_inline)) int GEN_RFN(name, GEN_PHASE)(rebuilder * r, char *base);
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
#include "gen_each_phase_structs.h"

#define DDIRR_STRUCT(name, ref)                                                                   \
	static inline __attribute__((always_inline)) int GEN_RFN(name, GEN_PHASE)(rebuilder * r, char *base) \
	{                                                                                         \
		const char *sn_ = #name;                                                          \
		int rc_ = 0;                                                                      \
		if (GEN_HARDNAME(name, GEN_PHASE))                                                \
			return rebuild_struct(r, &ddirr_desc_##name, base);                       \
		(void)r;                                                                          \
		(void)base;                                                                       \
		(void)sn_;
#define DDIRR_F(num, m, d, spec) GEN_RFIELD(d, spec, DDIRR_OFF(DDIRR_T, m), #m)
#define DDIRR_FA(num, path, alias, d, spec, guard) GEN_RFIELD(d, spec, DDIRR_OFF(DDIRR_T, path), #alias)
#define DDIRR_FX(num, nm, off, sz, d, spec) GEN_RFIELD(d, spec, off, #nm)
#define DDIRR_END_STRUCT(name) \
	return rc_;            \
	}
#include "gen_each_phase_structs.h"

/* The frames; a hard one is rebuilt by the walk. ReturnValue holds no
 * pointer. */
#define DDIRR_DDI(id, name, kind, ret, table)                                                      \
	static int GEN_RFN(frame_##name, GEN_PHASE)(char *buf, size_t len)                         \
	{                                                                                          \
		rebuilder r_ = {buf, len, GEN_PHASE}, *r = &r_;                                    \
		const char *sn_ = #name "Call";                                                    \
		char *base = buf;                                                                  \
		int rc_ = 0;                                                                       \
		if (GEN_HARDNAME(frame_##name, GEN_PHASE))                                         \
			return ddirr_frame_rebuild(buf, len, ddirr_desc_ddi(id)->frame, GEN_PHASE); \
		if (!buf || len < sizeof(ddirr_frame_##name) || ((uintptr_t)buf & 7))             \
			return ddirr_error_set(DDIRR_ECORRUPT, "flat frame: %zu bytes cannot hold a %s", len, sn_); \
		(void)r;                                                                           \
		(void)base;
#define DDIRR_ARG0(fn, num, type, name, d, spec) GEN_RFIELD(d, spec, offsetof(ddirr_frame_##fn, name), #name)
#define DDIRR_ARG(fn, num, type, name, d, spec) DDIRR_ARG0(fn, num, type, name, d, spec)
#define DDIRR_END(name, ret) \
	return rc_;          \
	}
#include "gen_each_phase_calls.h"

int ddirr_frame_rebuild_call(void *buf, size_t len, uint32_t ddi, uint32_t phase)
{
	switch (ddi << 2 | phase) {
#define DDIRR_DDI(id, name, kind, ret, table)                  \
	case id << 2 | DDIRR_PHASE_ENTRY:                      \
		return GEN_RFN(frame_##name, 1)(buf, len);     \
	case id << 2 | DDIRR_PHASE_EXIT:                       \
		return GEN_RFN(frame_##name, 2)(buf, len);
#include "ddirr/ddi_each_call.def"
	default:
		return ddirr_error_set(DDIRR_EINVAL, "flat frame: no call %u with phase %u", ddi, phase);
	}
}

/* ------------------------------------------------------------------ */
/* Visiting private data                                               */

typedef struct visitor {
	uint32_t phase;
	int missing; /* visit the NULL pointers with a size instead */
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
			if (n && (p == NULL) == (v->missing != 0) && f->cls == DDIRR_CLASS_OPAQUE)
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
	visitor v = {phase, 0, fn, ctx};

	visit_struct(&v, s, frame);
}

void ddirr_frame_visit_missing_opaque(const ddirr_struct_desc *s, void *frame, uint32_t phase,
				      ddirr_frame_opaque_fn fn, void *ctx)
{
	visitor v = {phase, 1, fn, ctx};

	visit_struct(&v, s, frame);
}
