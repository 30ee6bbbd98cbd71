/* Events <-> protobuf-c messages, walking the DDI description.
 *
 * Encoding reads each recorded field from the call frame at its described
 * offset and stores it in the generated message through protobuf-c's field
 * descriptors (found by wire number once per struct and phase, in an
 * encoding plan), so no code here knows any DDI. Arrays
 * whose element width matches the wire type are referenced, not copied.
 *
 * Decoding is the reverse, and treats the message as hostile: every count is
 * checked against a limit before anything is allocated, and every array's
 * length must agree with the count field beside it.
 *
 * Format version 2 writes integer arrays whose values come in runs (pages,
 * slots, VAs) as deltas in a companion field (DDIRR_DELTA_FIELD_OFFSET), and
 * a record's seq and time as deltas from the previous record of its chunk;
 * zstd cannot shrink absolute varints that all differ, but runs of deltas of
 * 1 it can. A delta is a signed difference that never wraps: a step too large
 * for an int64 is written in the plain (absolute) form instead, and a reader
 * refuses a delta that would carry a value past 0 or 2^64 - 1. */
#include "event_codec.h"

#include <limits.h>
#include <stdatomic.h>
#include <string.h>

#include "ddirr/error.h"
#include "desc.h"
#include "once.h"

/* Reader limits for one record. A 65,536-page map is 64 Ki elements; these
 * leave two orders of magnitude of headroom and still bound memory. */
enum {
	MAX_ARRAY_ELEMENTS = 1u << 24,
	MAX_BLOB_BYTES = 64u << 20,
	MAX_STRIDE = 4096,
	MAX_MDL_PFNS = 1u << 24
};

/* Room a packed field may take besides its payload: a key (field numbers
 * stay below 2^21) and a length prefix (below 2^35). Used for the cheap
 * upper bound of a record's packed size. */
enum { KEY_MAX = 3, LEN_MAX = 5, VARINT_MAX = 10, FIELD_MAX = KEY_MAX + VARINT_MAX, PREFIX_MAX = KEY_MAX + LEN_MAX };

/* ------------------------------------------------------------------ */
/* Deltas                                                              */

/* Sets *d to v - prev when that difference fits an int64; returns 0 when it
 * does not. */
static int delta_of(uint64_t v, uint64_t prev, int64_t *d)
{
	if (v >= prev) {
		if (v - prev > (uint64_t)INT64_MAX)
			return 0;
		*d = (int64_t)(v - prev);
	} else {
		uint64_t down = prev - v;

		if (down > (uint64_t)INT64_MAX + 1)
			return 0;
		*d = down == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)down;
	}
	return 1;
}

/* Sets *v to prev + d; returns 0 when the sum would leave [0, 2^64 - 1]. */
static int delta_apply(uint64_t prev, int64_t d, uint64_t *v)
{
	if (d >= 0) {
		if ((uint64_t)d > UINT64_MAX - prev)
			return 0;
		*v = prev + (uint64_t)d;
	} else {
		uint64_t down = (uint64_t)(-(d + 1)) + 1; /* |d|, also for INT64_MIN */

		if (down > prev)
			return 0;
		*v = prev - down;
	}
	return 1;
}

/* One envelope value (seq or time) in the version-2 form: the absolute *abs
 * after a zero (the start of a chunk), so that a generic tool reading the
 * concatenated chunks finds a value to count from at each one; else *delta
 * from *prev when it fits an int64, else *abs again. Returns 0 when neither
 * can carry it: the value 0 (absent on the wire) after one of 2^63 or more. */
static int envelope_delta(uint64_t v, uint64_t *prev, uint64_t *abs, int64_t *delta)
{
	*abs = 0;
	*delta = 0;
	if (*prev && delta_of(v, *prev, delta))
		; /* the delta form */
	else if (v)
		*abs = v;
	else if (*prev)
		return 0;
	*prev = v;
	return 1;
}

int ddirr_event_pb_set_deltas(Ddirr__Event *pb, const ddirr_event *ev, ddirr_delta_base *base)
{
	ddirr_delta_base b = *base;

	if (!envelope_delta(ev->seq, &b.seq, &pb->seq, &pb->seq_delta) ||
	    !envelope_delta(ev->time_ns, &b.time_ns, &pb->time_ns, &pb->time_delta_ns))
		return 1;
	*base = b;
	return 0;
}

static int envelope_resolve(uint64_t *abs, int64_t *delta, uint64_t *prev)
{
	if (*abs) {
		if (*delta)
			return 0; /* both forms at once */
	} else if (!delta_apply(*prev, *delta, abs)) {
		return 0;
	}
	*delta = 0;
	*prev = *abs;
	return 1;
}

int ddirr_batch_resolve_deltas(Ddirr__EventBatch *b, const char *where)
{
	ddirr_delta_base base = {0, 0};
	size_t i;

	for (i = 0; i < b->n_events; i++) {
		Ddirr__Event *e = b->events[i];
		int64_t sd = e->seq_delta, td = e->time_delta_ns;

		if (!envelope_resolve(&e->seq, &e->seq_delta, &base.seq))
			return ddirr_error_set(DDIRR_ECORRUPT,
					       "%s: record %zu: seq delta %lld from seq %llu %s", where, i, (long long)sd,
					       (unsigned long long)base.seq,
					       e->seq ? "beside an absolute seq" : "leaves 0..2^64-1");
		if (!envelope_resolve(&e->time_ns, &e->time_delta_ns, &base.time_ns))
			return ddirr_error_set(DDIRR_ECORRUPT,
					       "%s: record %zu (seq %llu): time delta %lld from %llu ns %s", where, i,
					       (unsigned long long)e->seq, (long long)td, (unsigned long long)base.time_ns,
					       e->time_ns ? "beside an absolute time" : "leaves 0..2^64-1");
	}
	return 0;
}

int ddirr_batch_split_calls(Ddirr__EventBatch *b, ddirr_arena *a, const char *where)
{
	Ddirr__Event **all, *exits;
	size_t i, j, calls = 0;

	for (i = 0; i < b->n_events; i++) {
		const Ddirr__Event *e = b->events[i];

		if (e->phase == DDIRR__PHASE__CALL)
			calls++;
		else if (e->exit_time_delta_ns)
			return ddirr_error_set(DDIRR_ECORRUPT, "%s: record %zu (seq %llu): an exit time on a record of phase %d",
					       where, i, (unsigned long long)e->seq, (int)e->phase);
	}
	if (!calls)
		return 0;
	/* calls <= n_events, which an unpack of a chunk bounds far below SIZE_MAX / 16 */
	all = ddirr_arena_alloc(a, (b->n_events + calls) * sizeof(*all));
	exits = ddirr_arena_alloc(a, calls * sizeof(*exits));
	if (!all || !exits)
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory splitting %zu calls", where, calls);
	for (i = j = 0; i < b->n_events; i++) {
		Ddirr__Event *e = b->events[i], *x;

		all[j++] = e;
		if (e->phase != DDIRR__PHASE__CALL)
			continue;
		if (e->exit_time_delta_ns > UINT64_MAX - e->time_ns)
			return ddirr_error_set(DDIRR_ECORRUPT, "%s: record %zu (seq %llu): exit time %llu + %llu ns is past 2^64 - 1",
					       where, i, (unsigned long long)e->seq, (unsigned long long)e->time_ns,
					       (unsigned long long)e->exit_time_delta_ns);
		x = exits++;
		*x = *e;
		x->time_ns = e->time_ns + e->exit_time_delta_ns;
		x->phase = DDIRR__PHASE__EXIT;
		e->phase = DDIRR__PHASE__ENTRY;
		x->exit_time_delta_ns = e->exit_time_delta_ns = 0;
		all[j++] = x;
	}
	b->events = all;
	b->n_events = j;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *d, ddirr_arena *a)
{
	ProtobufCMessage *m = ddirr_arena_alloc_raw(a, d->sizeof_message);

	if (m)
		protobuf_c_message_init(d, m); /* writes every member */
	return m;
}

static void store_scalar(void *dst, ProtobufCType type, uint64_t v)
{
	if (type == PROTOBUF_C_TYPE_UINT64)
		*(uint64_t *)dst = v;
	else
		*(uint32_t *)dst = (uint32_t)v;
}

static uint64_t load_scalar(const void *src, ProtobufCType type)
{
	return type == PROTOBUF_C_TYPE_UINT64 ? *(const uint64_t *)src : *(const uint32_t *)src;
}

static size_t wire_width(ProtobufCType type)
{
	return type == PROTOBUF_C_TYPE_UINT64 ? 8 : 4;
}

/* An encoding plan: the fields of one struct that one phase records, each
 * with the wire field descriptors it is stored through, looked up once.
 * protobuf_c_message_descriptor_get_field is a binary search, and without
 * a plan the encoder made one or two per field of every record. */
typedef struct enc_plan enc_plan;

/* A scalar the encoder copies without the general path: no guard, 4 or 8
 * bytes in the frame, stored as a 4- or 8-byte wire value. */
enum { FAST_NONE, FAST_32, FAST_64, FAST_32_TO_64 };

typedef struct enc_field {
	uint8_t fast;       /* FAST_*: then src and dst are the offsets */
	uint32_t src, dst;  /* in the frame struct, in the message */
	const ddirr_field_desc *f;
	const ProtobufCFieldDescriptor *pf;     /* NULL: the field is not in the wire schema */
	const ProtobufCFieldDescriptor *delta;  /* its delta form (DDIRR_DELTA_FIELD_OFFSET), or NULL */
	const ProtobufCFieldDescriptor *runs;   /* its runs form (DDIRR_RUNS_FIELD_OFFSET), or NULL */
	const ProtobufCFieldDescriptor *digest; /* opaque bytes: the digest beside them, or NULL */
	const enc_plan *sub;                    /* STRUCT, REF, ARRAY of structs: the element's plan */
} enc_field;

struct enc_plan {
	const ddirr_struct_desc *s;
	/* For packing the struct's message in this phase: its descriptor
	   with only the fields the plan can set (see plan_pack_descriptor),
	   or NULL for the message's own; pack_delta, the same without the
	   plain form of an array that has a delta form, for a message whose
	   arrays all went in their delta or runs form (all but those with a
	   step too large for an int64), or NULL when no array has one; and
	   pack_deltas_only, that without the runs forms too, for a message
	   whose arrays all went in their delta form (a one-page map's). */
	const ProtobufCMessageDescriptor *pack, *pack_delta, *pack_deltas_only;
	size_t n;
	enc_field fields[];
};

/* Structs do not nest deeper than this; a description that did would be
 * cyclic. */
enum { PLAN_MAX_DEPTH = 16 };

static const ProtobufCFieldDescriptor *wire_field(const ProtobufCMessageDescriptor *md, uint32_t number)
{
	return md ? protobuf_c_message_descriptor_get_field(md, number) : NULL;
}

/* A descriptor of md's message with only the n fields of `keep` (copies of
 * members of md->fields), in that order, which is the order protobuf-c
 * packs them in. For packing only, never for unpacking: protobuf-c visits
 * every field of a descriptor for every message it packs (some 50
 * instructions each, a zero one too), so leaving out fields a message can
 * never have set gives the same bytes for less. Lookups by name work;
 * by number too when the fields ascend, else they miss. NULL when arena
 * a is out of memory. */
static const ProtobufCMessageDescriptor *descriptor_subset(ddirr_arena *a, const ProtobufCMessageDescriptor *md,
							   const ProtobufCFieldDescriptor *const *keep, unsigned n)
{
	ProtobufCMessageDescriptor *out = ddirr_arena_alloc(a, sizeof(*out));
	ProtobufCFieldDescriptor *fields = ddirr_arena_alloc(a, (n ? n : 1) * sizeof(*fields));
	unsigned *by_name = ddirr_arena_alloc(a, (n ? n : 1) * sizeof(*by_name));
	ProtobufCIntRange *ranges = ddirr_arena_alloc(a, (n + 1) * sizeof(*ranges));
	unsigned i, j, n_ranges = 0, ascending = 1;

	if (!out || !fields || !by_name || !ranges)
		return NULL;
	for (i = 0; i < n; i++) {
		fields[i] = *keep[i];
		ascending &= i == 0 || fields[i].id > fields[i - 1].id;
		/* by name: insertion into the sorted indices so far */
		for (j = i; j > 0 && strcmp(fields[by_name[j - 1]].name, fields[i].name) > 0; j--)
			by_name[j] = by_name[j - 1];
		by_name[j] = i;
		if (i == 0 || fields[i].id != fields[i - 1].id + 1)
			ranges[n_ranges++] = (ProtobufCIntRange){(int)fields[i].id, i};
	}
	if (!ascending)
		n_ranges = 0; /* no range: every lookup by number misses */
	ranges[n_ranges] = (ProtobufCIntRange){0, n};
	*out = *md;
	out->n_fields = n;
	out->fields = fields;
	out->fields_sorted_by_name = by_name;
	out->n_field_ranges = n_ranges;
	out->field_ranges = ranges;
	return out;
}

/* Which fields a plan's pack descriptor keeps (plan_pack_descriptor()). */
enum { PACK_ALL, PACK_NO_PLAIN, PACK_DELTAS_ONLY };

/* The pack descriptor of plan p for message md: the fields its entries
 * store through (plain, delta, runs and digest forms), in md's order;
 * without the plain forms that have a delta form for PACK_NO_PLAIN, and
 * without their runs forms too for PACK_DELTAS_ONLY (NULL for either when
 * there is no such form). */
static const ProtobufCMessageDescriptor *plan_pack_descriptor(ddirr_arena *a, const enc_plan *p,
							      const ProtobufCMessageDescriptor *md, int mode)
{
	const ProtobufCFieldDescriptor **keep = ddirr_arena_alloc(a, (md->n_fields ? md->n_fields : 1) * sizeof(*keep));
	unsigned i, n = 0, left_out = 0;
	size_t k;

	if (!keep)
		return NULL;
	for (i = 0; i < md->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &md->fields[i];

		for (k = 0; k < p->n; k++) {
			const enc_field *e = &p->fields[k];

			if (mode != PACK_ALL && e->delta && (e->pf == f || (mode == PACK_DELTAS_ONLY && e->runs == f))) {
				left_out++;
				break;
			}
			if (e->pf == f || e->delta == f || e->runs == f || e->digest == f) {
				keep[n++] = f;
				break;
			}
		}
	}
	if (mode != PACK_ALL && !left_out)
		return NULL;
	return descriptor_subset(a, md, keep, n);
}

/* Builds the plan of struct s, stored as message md, for phase (a mask of
 * enum ddirr_phase), and of every struct under it, in arena a; with pack
 * descriptors when `trim` (the plans kept for the life of the process). */
static const enc_plan *plan_build(ddirr_arena *a, const ddirr_struct_desc *s, const ProtobufCMessageDescriptor *md,
				  uint32_t phase, unsigned depth, int trim)
{
	enc_plan *p;
	size_t i, n = 0;

	if (depth > PLAN_MAX_DEPTH)
		return NULL;
	for (i = 0; i < s->n_fields; i++)
		n += ddirr_desc_field_in_phase(&s->fields[i], phase);
	p = ddirr_arena_alloc(a, sizeof(*p) + n * sizeof(p->fields[0]));
	if (!p)
		return NULL;
	p->s = s;
	p->pack = p->pack_delta = p->pack_deltas_only = NULL;
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		enc_field *e = &p->fields[p->n];

		if (!ddirr_desc_field_in_phase(f, phase))
			continue;
		p->n++;
		e->f = f;
		e->pf = wire_field(md, f->number);
		if (!e->pf)
			continue;
		if (f->kind == DDIRR_FK_SCALAR && f->guard_op == DDIRR_GUARD_NONE && (f->size == 4 || f->size == 8)) {
			e->fast = f->size == 8 ? (wire_width(e->pf->type) == 8 ? FAST_64 : FAST_NONE)
					       : (wire_width(e->pf->type) == 8 ? FAST_32_TO_64 : FAST_32);
			e->src = f->offset;
			e->dst = e->pf->offset;
		}
		if (ddirr_desc_field_delta(f)) {
			e->delta = wire_field(md, f->number + DDIRR_DELTA_FIELD_OFFSET);
			e->runs = wire_field(md, f->number + DDIRR_RUNS_FIELD_OFFSET);
		}
		if (f->kind == DDIRR_FK_BYTES)
			e->digest = wire_field(md, f->number + DDIRR_DIGEST_FIELD_OFFSET);
		if (f->sub && !(f->kind == DDIRR_FK_ARRAY && f->raw_elements) &&
		    !(e->sub = plan_build(a, f->sub, e->pf->descriptor, phase, depth + 1, trim)))
			return NULL;
	}
	if (trim && md) {
		if (!(p->pack = plan_pack_descriptor(a, p, md, PACK_ALL)))
			return NULL;
		/* NULL: none, or no memory: then pack serves */
		p->pack_delta = plan_pack_descriptor(a, p, md, PACK_NO_PLAIN);
		p->pack_deltas_only = plan_pack_descriptor(a, p, md, PACK_DELTAS_ONLY);
	}
	return p;
}

/* A new message for struct plan p; when it is only to be packed, it packs
 * through p's descriptor. */
static ProtobufCMessage *new_plan_message(const ProtobufCMessageDescriptor *d, const enc_plan *p, ddirr_arena *a,
					  int pack)
{
	ProtobufCMessage *m = new_message(d, a);

	if (m && pack && p && p->pack)
		m->descriptor = p->pack;
	return m;
}

/* What the encoder needs besides the frame: where to allocate, and the
 * event's digests of private data not kept. */
typedef struct encode_ctx {
	ddirr_arena *a;
	const ddirr_event *ev;
	size_t bound; /* upper bound of the packed size so far */
	int plain;    /* the message being encoded has an array in the plain form where a delta form exists */
	int runs;     /* ... one in the runs form */
	int pack;     /* the messages are only packed: give them the plans' pack descriptors */
} encode_ctx;

/* deltas_of() for an array with a value of 2^63 or more: each step is
 * checked. */
static int deltas_checked(int64_t *d, const char *src, uint32_t size, uint64_t n)
{
	uint64_t prev = 0, i;

	for (i = 0; i < n; i++) {
		uint64_t v = ddirr_desc_read(src + i * size, size);

		if (!delta_of(v, prev, &d[i]))
			return 0;
		prev = v;
	}
	return 1;
}

/* Sets d[0, n) to the deltas of the n values of `size` bytes at src;
 * returns 0 when a step does not fit an int64. Inline, so that each call
 * below gets a loop for a constant size.
 *
 * Between values below 2^63 (32-bit slots, pages, PFNs, user VAs) every
 * step fits, and the loop tests nothing: 7 to 9 instructions an element
 * instead of 14 (callgrind: the drain's instructions a call -3.7 % at
 * 4 KiB). An array with a value of 2^63 or more goes again through
 * deltas_checked(). */
static inline int deltas_of(int64_t *d, const char *src, uint32_t size, uint64_t n)
{
	uint64_t prev = 0, seen = 0, i;

	for (i = 0; i < n; i++) {
		uint64_t v = ddirr_desc_read(src + i * size, size);
		uint64_t step = v - prev; /* modulo 2^64: the int64 delta's bits when both are below 2^63 */

		seen |= v;
		memcpy(&d[i], &step, sizeof(step));
		prev = v;
	}
	return !(seen >> 63) || deltas_checked(d, src, size, n);
}

/* The runs form of the n values of `size` bytes at src, in one pass that
 * stores a pair only where a run starts (about 9 instructions an element):
 * into r[0, n), returning how many numbers, or 0 when the runs form would
 * have as many numbers as the delta form (the pass stops there) or a run's
 * first step does not fit an int64 (then neither does a delta: the plain
 * form). A step of +1 is one without wrapping: 2^64 - 1 to 0 is not. n >= 3:
 * with fewer, runs never win. Inline, for a loop a constant size. */
static inline uint64_t runs_of(int64_t *r, const char *src, uint32_t size, uint64_t n)
{
	uint64_t prev = ddirr_desc_read(src, size), start = 0, i, j = 2;

	if (!delta_of(prev, 0, &r[0])) /* element 0 starts the first run: its step from 0 */
		return 0;
	for (i = 1; i < n; i++) {
		uint64_t v = ddirr_desc_read(src + i * size, size);

		if (v - prev != 1 || v == 0) {
			if (j + 2 >= n || !delta_of(v, prev, &r[j]))
				return 0;
			r[j - 1] = (int64_t)(i - start - 1);
			j += 2;
			start = i;
		}
		prev = v;
	}
	r[j - 1] = (int64_t)(n - start - 1);
	return j;
}

/* Stores the n values of `size` bytes at src, array e, in its runs form when
 * that takes fewer numbers than its delta form, else in its delta form.
 * Returns 1 when stored, 0 when e has no delta form or a step does not fit
 * an int64 (the caller writes the plain form), or DDIRR_ENOMEM. */
static int encode_compact(ProtobufCMessage *msg, const enc_field *e, const char *src, uint32_t size, uint64_t n,
			  encode_ctx *c)
{
	const ProtobufCFieldDescriptor *pf = e->delta;
	int64_t *d;
	uint64_t k = 0;

	if (!pf)
		return 0;
	d = ddirr_arena_alloc_raw(c->a, n * sizeof(*d)); /* read only once all n are set */
	if (!d)
		return DDIRR_ENOMEM;
	/* Slots are 4 bytes, pages, VAs and PFNs 8. */
	if (e->runs && n >= 3)
		k = size == 8 ? runs_of(d, src, 8, n) : size == 4 ? runs_of(d, src, 4, n) : runs_of(d, src, size, n);
	if (k) {
		pf = e->runs;
		n = k;
		c->runs = 1;
	} else if (!(size == 8   ? deltas_of(d, src, 8, n)
		     : size == 4 ? deltas_of(d, src, 4, n)
				 : deltas_of(d, src, size, n))) {
		return 0;
	}
	*(int64_t **)((char *)msg + pf->offset) = d;
	*(size_t *)((char *)msg + pf->quantifier_offset) = n;
	c->bound += PREFIX_MAX + n * VARINT_MAX;
	return 1;
}

static int encode_struct(ProtobufCMessage *msg, const enc_plan *p, const char *base, encode_ctx *c);

/* encode_struct() into msg, made by new_plan_message(), which then packs
 * through the plan's descriptor without plain forms when every array of
 * its own went in the delta or runs form, and without runs forms either
 * when none went in that one. */
static int encode_message(ProtobufCMessage *msg, const enc_plan *p, const char *base, encode_ctx *c)
{
	int outer_plain = c->plain, outer_runs = c->runs, rc;

	c->plain = c->runs = 0;
	rc = encode_struct(msg, p, base, c);
	if (c->pack && !c->plain && !c->runs && p->pack_deltas_only)
		msg->descriptor = p->pack_deltas_only;
	else if (c->pack && !c->plain && p->pack_delta)
		msg->descriptor = p->pack_delta;
	c->plain = outer_plain;
	c->runs = outer_runs;
	return rc;
}

static int encode_array(ProtobufCMessage *msg, const enc_field *e, const char *base, encode_ctx *c)
{
	const ddirr_field_desc *f = e->f;
	const ProtobufCFieldDescriptor *pf = e->pf;
	const char *arr = *(const char *const *)(base + f->offset);
	uint64_t n = ddirr_desc_array_count(f, base);
	uint64_t stride = ddirr_desc_array_stride(f, base);
	size_t *quantity = (size_t *)((char *)msg + pf->quantifier_offset);
	void **dst = (void **)((char *)msg + pf->offset);
	uint64_t i;

	if (!arr || !n)
		return 0;
	if (ddirr_desc_field_delta(f)) {
		int rc = encode_compact(msg, e, arr, f->elem_size, n, c);

		if (rc)
			return rc < 0 ? rc : 0;
		c->plain = 1;
	}
	c->bound += PREFIX_MAX;
	if (f->raw_elements) {
		ProtobufCBinaryData *bd = ddirr_arena_alloc(c->a, n * sizeof(*bd));

		if (!bd)
			return DDIRR_ENOMEM;
		for (i = 0; i < n; i++) {
			bd[i].len = stride;
			bd[i].data = (uint8_t *)(arr + i * stride);
		}
		*dst = bd;
		c->bound += n * (PREFIX_MAX + stride);
	} else if (f->sub) {
		ProtobufCMessage **elems = ddirr_arena_alloc(c->a, n * sizeof(*elems));
		char *tmp = NULL;

		if (!elems)
			return DDIRR_ENOMEM;
		if (stride < f->sub->size) {
			/* A smaller (older) element layout: read what it has. */
			tmp = ddirr_arena_alloc(c->a, f->sub->size);
			if (!tmp)
				return DDIRR_ENOMEM;
		}
		for (i = 0; i < n; i++) {
			const char *elem = arr + i * stride;
			int rc;

			if (tmp) {
				memset(tmp, 0, f->sub->size);
				memcpy(tmp, elem, stride);
				elem = tmp;
			}
			elems[i] = new_plan_message(pf->descriptor, e->sub, c->a, c->pack);
			if (!elems[i])
				return DDIRR_ENOMEM;
			c->bound += PREFIX_MAX;
			rc = encode_message(elems[i], e->sub, elem, c);
			if (rc)
				return rc;
		}
		*dst = elems;
	} else if (f->elem_size == wire_width(pf->type)) {
		*dst = (void *)arr; /* same width: reference the caller's array */
		c->bound += n * VARINT_MAX;
	} else {
		char *out = ddirr_arena_alloc(c->a, n * wire_width(pf->type));

		if (!out)
			return DDIRR_ENOMEM;
		for (i = 0; i < n; i++)
			store_scalar(out + i * wire_width(pf->type), pf->type,
				     ddirr_desc_read(arr + i * f->elem_size, f->elem_size));
		*dst = out;
		c->bound += n * VARINT_MAX;
	}
	*quantity = n;
	return 0;
}

static int encode_field(ProtobufCMessage *msg, const enc_field *e, const char *base, encode_ctx *c)
{
	const ddirr_field_desc *f = e->f;
	const ProtobufCFieldDescriptor *pf = e->pf;
	const char *src = base + f->offset;
	void *dst = (char *)msg + pf->offset;
	const char *ptr;

	switch (f->kind) {
	case DDIRR_FK_SCALAR:
		store_scalar(dst, pf->type, ddirr_desc_read(src, f->size));
		c->bound += FIELD_MAX;
		return 0;
	case DDIRR_FK_STRUCT:
	case DDIRR_FK_REF: {
		ProtobufCMessage *sub;

		ptr = f->kind == DDIRR_FK_STRUCT ? src : *(const char *const *)src;
		if (!ptr)
			return 0;
		sub = new_plan_message(pf->descriptor, e->sub, c->a, c->pack);
		if (!sub)
			return DDIRR_ENOMEM;
		*(ProtobufCMessage **)dst = sub;
		c->bound += PREFIX_MAX;
		return encode_message(sub, e->sub, ptr, c);
	}
	case DDIRR_FK_REF_SCALAR:
		ptr = *(const char *const *)src;
		if (ptr)
			store_scalar(dst, pf->type, ddirr_desc_read(ptr, f->elem_size));
		c->bound += FIELD_MAX;
		return 0;
	case DDIRR_FK_ARRAY:
		return encode_array(msg, e, base, c);
	case DDIRR_FK_BYTES: {
		ProtobufCBinaryData *bd = dst;
		uint32_t k;

		ptr = *(const char *const *)src;
		bd->len = ptr ? ddirr_desc_read(base + f->count_offset, f->count_size) : 0;
		bd->data = (uint8_t *)ptr;
		c->bound += PREFIX_MAX + bd->len;
		if (ptr || !c->ev->n_digests)
			return 0;
		/* Bytes not kept: a digest may stand for them. */
		for (k = 0; k < c->ev->n_digests; k++) {
			const ddirr_opaque_digest *dg = &c->ev->digests[k];

			if (dg->slot != src)
				continue;
			if (!e->digest)
				return ddirr_error_set(DDIRR_EINVAL, "field %s has no digest in the wire schema", f->name);
			bd = (ProtobufCBinaryData *)((char *)msg + e->digest->offset);
			bd->len = sizeof(dg->sha256);
			bd->data = (uint8_t *)dg->sha256;
			c->bound += PREFIX_MAX + bd->len;
			break;
		}
		return 0;
	}
	case DDIRR_FK_INLINE: {
		ProtobufCBinaryData *bd = dst;

		bd->len = f->size;
		bd->data = (uint8_t *)src;
		c->bound += PREFIX_MAX + bd->len;
		return 0;
	}
	case DDIRR_FK_MDL: {
		const MDL *mdl = *(const MDL *const *)src;
		uint64_t n = ddirr_desc_read(base + f->count_offset, f->count_size);
		uint64_t first = ddirr_desc_read(base + f->mdl_offset_offset, f->mdl_offset_size);

		const PFN_NUMBER *pfns;
		int rc;

		if (!mdl || !n)
			return 0;
		pfns = MmGetMdlPfnArray((MDL *)mdl) + first;
		rc = encode_compact(msg, e, (const char *)pfns, sizeof(PFN_NUMBER), n, c);
		if (rc)
			return rc < 0 ? rc : 0;
		c->plain = 1;
		*(const PFN_NUMBER **)dst = pfns;
		*(size_t *)((char *)msg + pf->quantifier_offset) = n;
		c->bound += PREFIX_MAX + n * VARINT_MAX;
		return 0;
	}
	}
	return ddirr_error_set(DDIRR_EINVAL, "field %s: unknown kind %d", f->name, f->kind);
}

static int encode_struct(ProtobufCMessage *msg, const enc_plan *p, const char *base, encode_ctx *c)
{
	const ddirr_struct_desc *s = p->s;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const enc_field *e = &p->fields[i];
		int rc;

		if (e->fast != FAST_NONE) {
			uint32_t v32;
			uint64_t v64;

			if (e->fast == FAST_64) {
				memcpy(&v64, base + e->src, 8);
				memcpy((char *)msg + e->dst, &v64, 8);
			} else if (e->fast == FAST_32) {
				memcpy(&v32, base + e->src, 4);
				memcpy((char *)msg + e->dst, &v32, 4);
			} else {
				memcpy(&v32, base + e->src, 4);
				v64 = v32;
				memcpy((char *)msg + e->dst, &v64, 8);
			}
			c->bound += FIELD_MAX;
			continue;
		}
		if (!ddirr_desc_field_present(s, e->f, base))
			continue;
		if (!e->pf)
			return ddirr_error_set(DDIRR_EINVAL, "%s.%s: field %u is not in the wire schema", s->name,
					       e->f->name, e->f->number);
		rc = encode_field(msg, e, base, c);
		if (rc)
			return rc == DDIRR_ENOMEM ? ddirr_error_set(rc, "out of memory encoding %s.%s", s->name, e->f->name)
						  : rc;
	}
	return 0;
}

/* The plans of every call's frame, entry and exit, and its Event.args
 * member, built once (once.h), on the first encode, and kept for the life
 * of the process (a few KiB). Until they are built, or when the build
 * failed (out of memory), each event gets a plan of its own in its arena:
 * the same encoding, at the old cost. */
enum { EVENT_ABS = 1, EVENT_PARENT = 2, EVENT_CALL = 4, EVENT_VARIANTS = 8 };

typedef struct ddi_plan {
	const ProtobufCFieldDescriptor *args;
	const enc_plan *phase[2]; /* [phase - 1] */
	const enc_plan *call;     /* both phases, for a record of phase CALL; NULL: see call_plan() */
	const ProtobufCMessageDescriptor *event[EVENT_VARIANTS]; /* see trim_event_descriptor() */
} ddi_plan;

static atomic_int plans_state;
static ddirr_arena plans_arena = DDIRR_ARENA_INIT;
static ddi_plan ddi_plans[DDIRR_DDI_MAX_PLUS_ONE];

/* Event's descriptors for packing the events of one DDI, one per variant
 * (EVENT_ABS: the record has its seq or time in the absolute form, as the
 * first of a chunk does; EVENT_PARENT: it has a parent_seq). Of the members
 * of its `args` oneof each keeps only `args` (a field of Event's own
 * descriptor), since the others are never set in such an event; it leaves
 * out `ddi`, which the args member's number gives (format version 3: 4
 * bytes a call fewer, 0.6 % fewer compressed bytes on the 16 B bench
 * trace); it leaves out the envelope fields the variant says are zero
 * (the same bytes: protobuf-c skips a zero field, after a look); and it
 * lists the record's time (time_ns, time_delta_ns) after the args, because
 * the wire order is the order of `fields`.
 *
 * Why the time goes last: it is the one envelope field whose bytes differ
 * from one record to the next (a few ns of jitter). Between the constant
 * envelope and the args it split what zstd could match in one piece; at the
 * end it joins the next record's varying length instead. On the 16 B bench
 * trace that is about 4 % fewer compressed bytes, and zstd runs faster (fewer
 * matches). Protobuf parsers take fields in any order (protobuf-c, protoc),
 * and the bytes unpack to the same Event.
 *
 * Lookups by number are refused (no int ranges: the fields are not sorted
 * by number); lookups by name work. Never used for unpacking. */
static const ProtobufCMessageDescriptor *trim_event_descriptor(const ProtobufCFieldDescriptor *args, unsigned variant)
{
	const ProtobufCMessageDescriptor *ev = &ddirr__event__descriptor;
	const ProtobufCFieldDescriptor **keep = ddirr_arena_alloc(&plans_arena, ev->n_fields * sizeof(*keep));
	const ProtobufCFieldDescriptor *t_abs = protobuf_c_message_descriptor_get_field_by_name(ev, "time_ns");
	const ProtobufCFieldDescriptor *t_delta = protobuf_c_message_descriptor_get_field_by_name(ev, "time_delta_ns");
	const ProtobufCFieldDescriptor *seq = protobuf_c_message_descriptor_get_field_by_name(ev, "seq");
	const ProtobufCFieldDescriptor *parent = protobuf_c_message_descriptor_get_field_by_name(ev, "parent_seq");
	const ProtobufCFieldDescriptor *ddi = protobuf_c_message_descriptor_get_field_by_name(ev, "ddi");
	const ProtobufCFieldDescriptor *t_exit = protobuf_c_message_descriptor_get_field_by_name(ev, "exit_time_delta_ns");
	unsigned i, pass, n = 0;

	if (!keep || !t_abs || !t_delta || !seq || !parent || !ddi || !t_exit)
		return NULL;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ev->n_fields; i++) {
			const ProtobufCFieldDescriptor *f = &ev->fields[i];
			int is_time = f == t_abs || f == t_delta || f == t_exit;

			if (((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f != args) || f == ddi || is_time != (int)pass ||
			    (!(variant & EVENT_ABS) && (f == seq || f == t_abs)) ||
			    (!(variant & EVENT_PARENT) && f == parent) || (!(variant & EVENT_CALL) && f == t_exit))
				continue;
			keep[n++] = f;
		}
	}
	return descriptor_subset(&plans_arena, ev, keep, n);
}

/* The plan for a record of phase CALL (format 5), or NULL when the DDI's
 * entry and exit cannot share one: when its exit records anything but
 * unguarded 4- or 8-byte scalars of the call's own struct (FAST fields,
 * such as the return value), or one its entry records too. Then the exit
 * adds only scalars to the entry's args message, and the plan of both
 * phases is the entry's plus those. */
static const enc_plan *call_plan(const ddirr_ddi_desc *d, const ddi_plan *p)
{
	const enc_plan *x = p->phase[1];
	size_t i;

	if (!p->phase[0] || !x)
		return NULL;
	for (i = 0; i < x->n; i++)
		if (x->fields[i].fast == FAST_NONE || ddirr_desc_field_in_phase(x->fields[i].f, DDIRR_PHASE_ENTRY))
			return NULL;
	return plan_build(&plans_arena, d->frame, p->args->descriptor, DDIRR_PHASE_ENTRY | DDIRR_PHASE_EXIT, 0, 1);
}

static int build_plans(void)
{
	uint32_t id, ph, v;
	int ok = 1;

	for (id = 0; ok && id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
		ddi_plan *p = &ddi_plans[id];

		p->args = protobuf_c_message_descriptor_get_field(&ddirr__event__descriptor, DDIRR_EVENT_ARGS_BASE + id);
		for (ph = 0; d && p->args && ok && ph < 2; ph++)
			ok = (p->phase[ph] = plan_build(&plans_arena, d->frame, p->args->descriptor, ph + 1, 0, 1)) != NULL;
		p->call = ok && d && p->args ? call_plan(d, p) : NULL; /* NULL, out of memory too: two records */
		for (v = 0; ok && v < EVENT_VARIANTS; v++)
			ok = (p->event[v] = p->args ? trim_event_descriptor(p->args, v) : &ddirr__event__descriptor) != NULL;
	}
	return ok;
}

/* Another thread building them does not make this one wait. */
static int plans_ready(void)
{
	return ddirr_once(&plans_state, build_plans, 0);
}

const ProtobufCMessageDescriptor *ddirr_event_pack_descriptor(const Ddirr__Event *pb)
{
	int ddi = ddirr_event_pb_ddi(pb);

	/* A record without its args member keeps its ddi on the wire. */
	if (pb->args_case == DDIRR__EVENT__ARGS__NOT_SET || (int)pb->args_case != DDIRR_EVENT_ARGS_BASE + ddi ||
	    ddi >= DDIRR_DDI_MAX_PLUS_ONE || !plans_ready())
		return &ddirr__event__descriptor;
	return ddi_plans[ddi].event[(pb->seq || pb->time_ns ? EVENT_ABS : 0) | (pb->parent_seq ? EVENT_PARENT : 0) |
				   (pb->phase == DDIRR__PHASE__CALL ? EVENT_CALL : 0)];
}

static int event_to_pb(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a, size_t *bound, int pack);

int ddirr_event_to_pb(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a)
{
	size_t bound;

	return event_to_pb(pb, ev, a, &bound, 0);
}

int ddirr_event_to_pb_bound(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a, size_t *bound)
{
	return event_to_pb(pb, ev, a, bound, 1);
}

/* The envelope of ev: every scalar field but the deltas. */
static void set_envelope(Ddirr__Event *pb, const ddirr_event *ev)
{
	pb->seq = ev->seq;
	pb->thread = ev->thread;
	pb->time_ns = ev->time_ns;
	pb->parent_seq = ev->parent_seq;
	pb->phase = (Ddirr__Phase)ev->phase;
	pb->ddi = (Ddirr__DdiId)ev->ddi;
}

/* Sets pb's args member pf to a new message, *args, for plan (NULL: out
 * of memory) and encodes ev's frame into it; *c is then the encoder's
 * state, its bound that of the member (set on failure too). */
static int encode_args(Ddirr__Event *pb, const ProtobufCFieldDescriptor *pf, const enc_plan *plan,
		       const ddirr_event *ev, ddirr_arena *a, int pack, ProtobufCMessage **args, encode_ctx *c)
{
	c->a = a;
	c->ev = ev;
	c->bound = PREFIX_MAX;
	c->plain = c->runs = 0;
	c->pack = pack;
	*args = plan ? new_plan_message(pf->descriptor, plan, a, pack) : NULL;
	if (!*args)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding seq %llu", (unsigned long long)ev->seq);
	*(uint32_t *)((char *)pb + pf->quantifier_offset) = pf->id;
	*(ProtobufCMessage **)((char *)pb + pf->offset) = *args;
	return encode_message(*args, plan, ev->frame, c);
}

static int event_to_pb(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a, size_t *bound, int pack)
{
	const ddirr_ddi_desc *d;
	const ProtobufCFieldDescriptor *pf;
	const enc_plan *plan;
	ProtobufCMessage *args;
	encode_ctx c;
	int rc;

	/* The envelope: every scalar field, both forms of seq and time. */
	*bound = 8 * FIELD_MAX;
	set_envelope(pb, ev);
	if (!ev->frame)
		return 0;
	d = ddirr_desc_ddi(ev->ddi);
	if (!d)
		return ddirr_error_set(DDIRR_EINVAL, "seq %llu: unknown DDI id %u", (unsigned long long)ev->seq, ev->ddi);
	if ((ev->phase == DDIRR_PHASE_ENTRY || ev->phase == DDIRR_PHASE_EXIT) && plans_ready() &&
	    (plan = ddi_plans[ev->ddi].phase[ev->phase - 1])) {
		pf = ddi_plans[ev->ddi].args;
	} else {
		pf = protobuf_c_message_descriptor_get_field(&ddirr__event__descriptor, DDIRR_EVENT_ARGS_BASE + ev->ddi);
		if (!pf)
			return ddirr_error_set(DDIRR_EINVAL, "DDI %s has no Event.args member", d->name);
		plan = plan_build(a, d->frame, pf->descriptor, ev->phase, 0, 0);
	}
	rc = encode_args(pb, pf, plan, ev, a, pack, &args, &c);
	*bound += c.bound;
	return rc;
}

int ddirr_event_call_to_pb_bound(Ddirr__Event *pb, const ddirr_event *entry, const ddirr_event *exit_,
				 ddirr_arena *a, size_t *bound)
{
	const ddi_plan *p;
	ProtobufCMessage *args;
	encode_ctx c;
	int rc;

	if (entry->phase != DDIRR_PHASE_ENTRY || exit_->phase != DDIRR_PHASE_EXIT || entry->ddi != exit_->ddi ||
	    entry->seq != exit_->seq || entry->thread != exit_->thread || entry->parent_seq != exit_->parent_seq ||
	    exit_->time_ns < entry->time_ns || !entry->frame || !exit_->frame || entry->n_digests ||
	    exit_->n_digests || entry->ddi >= DDIRR_DDI_MAX_PLUS_ONE || !plans_ready() ||
	    !(p = &ddi_plans[entry->ddi])->call)
		return 1;
	/* The envelope: every scalar field, both forms of seq and time, and
	   the exit's time. */
	*bound = 9 * FIELD_MAX;
	set_envelope(pb, entry);
	pb->phase = DDIRR__PHASE__CALL;
	pb->exit_time_delta_ns = exit_->time_ns - entry->time_ns;
	/* The entry's frame through the plan of both phases (the exit's
	   scalars read there as whatever the entry's frame holds), then the
	   exit's scalars over them. */
	rc = encode_args(pb, p->args, p->call, entry, a, 1, &args, &c);
	if (rc == 0) {
		c.ev = exit_;
		rc = encode_struct(args, p->phase[1], exit_->frame, &c);
	}
	*bound += c.bound;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */

/* Digests of private data found while decoding one event. */
typedef struct digest_list {
	ddirr_opaque_digest *items;
	uint32_t n, cap;
} digest_list;

typedef struct decode_ctx {
	ddirr_arena *a;
	const char *where;
	uint64_t seq;
	uint32_t phase;
	digest_list *digests;
} decode_ctx;

static int corrupt(const decode_ctx *c, const ddirr_struct_desc *s, const ddirr_field_desc *f, const char *what)
{
	return ddirr_error_set(DDIRR_ECORRUPT, "%s: seq %llu: %s.%s: %s", c->where, (unsigned long long)c->seq,
			       s->name, f->name, what);
}

static int too_big(const decode_ctx *c, const ddirr_struct_desc *s, const ddirr_field_desc *f, uint64_t n,
		   uint64_t limit)
{
	return ddirr_error_set(DDIRR_ELIMIT, "%s: seq %llu: %s.%s: %llu elements exceed the limit of %llu", c->where,
			       (unsigned long long)c->seq, s->name, f->name, (unsigned long long)n,
			       (unsigned long long)limit);
}

static void *alloc_or_fail(const decode_ctx *c, size_t size, int *rc)
{
	void *p = ddirr_arena_alloc(c->a, size);

	if (!p)
		*rc = ddirr_error_set(DDIRR_ENOMEM, "%s: seq %llu: out of memory (%zu bytes)", c->where,
				      (unsigned long long)c->seq, size);
	return p;
}

static int decode_struct(char *base, const ddirr_struct_desc *s, const ProtobufCMessage *msg, const decode_ctx *c);

/* The count field beside an array must agree with the array's length. A
 * count not recorded in this phase reads 0 and is filled in. */
static int check_count(char *base, const ddirr_struct_desc *s, const ddirr_field_desc *f, uint64_t n,
		       const decode_ctx *c)
{
	uint64_t count = ddirr_desc_read(base + f->count_offset, f->count_size);

	if (f->kind == DDIRR_FK_ARRAY && f->repeat_size &&
	    (ddirr_desc_read(base + f->repeat_offset, f->repeat_size) & f->repeat_mask))
		return n == 1 ? 0 : corrupt(c, s, f, "a repeated entry must be a single element");
	if (count == n)
		return 0;
	if (count == 0) {
		ddirr_desc_write(base + f->count_offset, f->count_size, n);
		if (ddirr_desc_read(base + f->count_offset, f->count_size) == n)
			return 0;
	}
	return corrupt(c, s, f, "array length disagrees with its count field");
}

/* An array's delta or runs form, as read from its message. */
typedef struct compact_form {
	const int64_t *d; /* the deltas, or the runs' pairs */
	size_t n_d;       /* numbers in d */
	int runs;         /* d is the runs form */
	size_t n;         /* the elements they stand for (0: neither form) */
} compact_form;

static size_t repeated_of(const ProtobufCMessage *msg, uint32_t number, const int64_t **d)
{
	const ProtobufCFieldDescriptor *pd = protobuf_c_message_descriptor_get_field(msg->descriptor, number);

	if (!pd)
		return 0;
	*d = *(const int64_t *const *)((const char *)msg + pd->offset);
	return *(const size_t *)((const char *)msg + pd->quantifier_offset);
}

/* Reads field f's delta and runs forms from msg into *cf: at most one may
 * be there, and runs come in pairs (d, k) with k >= 0; the elements they
 * stand for must stay within `limit`. */
static int read_compact(const ProtobufCMessage *msg, const ddirr_struct_desc *s, const ddirr_field_desc *f,
			uint64_t limit, const decode_ctx *c, compact_form *cf)
{
	const int64_t *r = NULL;
	size_t n_r, i;

	memset(cf, 0, sizeof(*cf));
	if (!ddirr_desc_field_delta(f))
		return 0;
	cf->n = cf->n_d = repeated_of(msg, f->number + DDIRR_DELTA_FIELD_OFFSET, &cf->d);
	n_r = repeated_of(msg, f->number + DDIRR_RUNS_FIELD_OFFSET, &r);
	if (!n_r)
		return 0;
	if (cf->n_d)
		return corrupt(c, s, f, "the array is in both the delta and the runs form");
	if (n_r % 2)
		return corrupt(c, s, f, "the runs form has an odd count of numbers");
	cf->d = r;
	cf->n_d = n_r;
	cf->runs = 1;
	for (i = 0; i < n_r; i += 2) {
		if (r[i + 1] < 0)
			return corrupt(c, s, f, "a run has a negative length");
		if ((uint64_t)r[i + 1] >= limit - cf->n) /* cf->n <= limit: no wrap */
			return too_big(c, s, f, (uint64_t)cf->n + 1 + (uint64_t)r[i + 1], limit);
		cf->n += 1 + (size_t)r[i + 1];
	}
	return 0;
}

/* read_compact(), and the plain form beside: at most one of the three
 * forms may be there. *n, the elements of the plain one, becomes the count
 * of those the form there stands for. */
static int read_forms(const ProtobufCMessage *msg, const ddirr_struct_desc *s, const ddirr_field_desc *f,
		      uint64_t limit, const decode_ctx *c, size_t *n, compact_form *cf)
{
	int rc = read_compact(msg, s, f, limit, c, cf);

	if (rc)
		return rc;
	if (*n && cf->n)
		return corrupt(c, s, f, cf->runs ? "the array is in both the plain and the runs form"
						 : "the array is in both the plain and the delta form");
	if (cf->n)
		*n = cf->n;
	return 0;
}

/* Writes the values of cf->n elements (read_compact()) to dst, `size` bytes
 * each. */
static int decode_compact(char *dst, uint32_t size, const compact_form *cf, const ddirr_struct_desc *s,
			  const ddirr_field_desc *f, const decode_ctx *c)
{
	uint64_t v = 0;
	size_t i, at = 0;

	for (i = 0; i < cf->n_d; i += cf->runs ? 2 : 1) {
		uint64_t k = cf->runs ? (uint64_t)cf->d[i + 1] : 0, j;

		if (!delta_apply(v, cf->d[i], &v))
			return corrupt(c, s, f, "a delta carries an element past 0 or 2^64 - 1");
		if (k > UINT64_MAX - v)
			return corrupt(c, s, f, "a run carries an element past 2^64 - 1");
		if (size < 8 && (v + k) >> (8 * size))
			return corrupt(c, s, f, "element value does not fit the field");
		for (j = 0; j <= k; j++)
			ddirr_desc_write(dst + at++ * size, size, v + j);
		v += k;
	}
	return 0;
}

static int decode_array(char *base, const ddirr_struct_desc *s, const ddirr_field_desc *f, const ProtobufCMessage *msg,
			const ProtobufCFieldDescriptor *pf, const decode_ctx *c)
{
	size_t n = *(const size_t *)((const char *)msg + pf->quantifier_offset);
	const void *src = *(const void *const *)((const char *)msg + pf->offset);
	char **slot = (char **)(base + f->offset);
	compact_form cf;
	uint64_t stride;
	char *arr;
	size_t i;
	int rc = read_forms(msg, s, f, MAX_ARRAY_ELEMENTS, c, &n, &cf);

	if (rc)
		return rc;
	if (!n)
		return 0;
	if (n > MAX_ARRAY_ELEMENTS)
		return too_big(c, s, f, n, MAX_ARRAY_ELEMENTS);
	rc = check_count(base, s, f, n, c);
	if (rc)
		return rc;
	stride = ddirr_desc_array_stride(f, base);
	if (f->stride_size && (stride == 0 || stride > MAX_STRIDE))
		return corrupt(c, s, f, "element stride is 0 or absurd");
	if (f->raw_elements) {
		const ProtobufCBinaryData *bd = src;

		arr = *slot; /* the decoded view may have allocated it already */
		if (!arr && !(arr = alloc_or_fail(c, n * stride, &rc)))
			return rc;
		for (i = 0; i < n; i++) {
			if (bd[i].len != stride)
				return corrupt(c, s, f, "raw element size differs from the stride");
			memcpy(arr + i * stride, bd[i].data, stride);
		}
	} else if (f->sub) {
		const ProtobufCMessage *const *elems = src;
		size_t room = stride > f->sub->size ? stride : f->sub->size;

		/* Elements sit `stride` apart; the last one gets a full struct. */
		arr = alloc_or_fail(c, (n - 1) * stride + room, &rc);
		if (!arr)
			return rc;
		for (i = 0; i < n; i++) {
			if (stride < f->sub->size) {
				char *tmp = alloc_or_fail(c, f->sub->size, &rc);

				if (!tmp || (rc = decode_struct(tmp, f->sub, elems[i], c)))
					return rc;
				memcpy(arr + i * stride, tmp, stride);
			} else if ((rc = decode_struct(arr + i * stride, f->sub, elems[i], c))) {
				return rc;
			}
		}
	} else if (cf.n) {
		arr = alloc_or_fail(c, n * f->elem_size, &rc);
		if (!arr || (rc = decode_compact(arr, f->elem_size, &cf, s, f, c)))
			return rc;
	} else {
		size_t w = wire_width(pf->type);

		arr = alloc_or_fail(c, n * f->elem_size, &rc);
		if (!arr)
			return rc;
		for (i = 0; i < n; i++) {
			uint64_t v = load_scalar((const char *)src + i * w, pf->type);

			ddirr_desc_write(arr + i * f->elem_size, f->elem_size, v);
			if (ddirr_desc_read(arr + i * f->elem_size, f->elem_size) != v)
				return corrupt(c, s, f, "element value does not fit the field");
		}
	}
	*slot = arr;
	return 0;
}

/* A BYTES field whose bytes were not kept may have a digest beside it
 * (privacy tier "hashed"). The frame's pointer stays NULL; the digest goes
 * to the event's list, keyed by the pointer member's address. */
static int decode_digest(char *base, const ddirr_struct_desc *s, const ddirr_field_desc *f,
			 const ProtobufCMessage *msg, const decode_ctx *c)
{
	const ProtobufCFieldDescriptor *pd;
	const ProtobufCBinaryData *bd;
	digest_list *dl = c->digests;
	ddirr_opaque_digest *d;
	int rc = 0;

	if (f->cls != DDIRR_CLASS_OPAQUE ||
	    !(pd = protobuf_c_message_descriptor_get_field(msg->descriptor, f->number + DDIRR_DIGEST_FIELD_OFFSET)))
		return 0;
	bd = (const ProtobufCBinaryData *)((const char *)msg + pd->offset);
	if (!bd->len)
		return 0;
	if (bd->len != sizeof(d->sha256))
		return corrupt(c, s, f, "a digest that is not 32 bytes long");
	if (!ddirr_desc_read(base + f->count_offset, f->count_size))
		return corrupt(c, s, f, "a digest of private data whose size is 0");
	if (dl->n == dl->cap) {
		uint32_t cap = dl->cap ? 2 * dl->cap : 4;
		ddirr_opaque_digest *items;

		if (cap > MAX_ARRAY_ELEMENTS)
			return too_big(c, s, f, cap, MAX_ARRAY_ELEMENTS);
		if (!(items = alloc_or_fail(c, cap * sizeof(*items), &rc)))
			return rc;
		if (dl->n)
			memcpy(items, dl->items, dl->n * sizeof(*items));
		dl->items = items;
		dl->cap = cap;
	}
	d = &dl->items[dl->n++];
	d->slot = base + f->offset;
	memcpy(d->sha256, bd->data, sizeof(d->sha256));
	return 0;
}

static int decode_compound(char *base, const ddirr_struct_desc *s, const ddirr_field_desc *f,
			   const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *pf, const decode_ctx *c)
{
	const char *src = (const char *)msg + pf->offset;
	char **slot = (char **)(base + f->offset);
	int rc = 0;

	switch (f->kind) {
	case DDIRR_FK_STRUCT: {
		const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)src;

		return sub ? decode_struct(base + f->offset, f->sub, sub, c) : 0;
	}
	case DDIRR_FK_REF: {
		const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)src;
		uint64_t room = f->sub->size;
		char *p;

		if (!sub)
			return 0;
		if (f->count_size) { /* a typed view of a sized buffer: keep its size */
			uint64_t size = ddirr_desc_read(base + f->count_offset, f->count_size);

			if (size > MAX_BLOB_BYTES)
				return too_big(c, s, f, size, MAX_BLOB_BYTES);
			if (size > room)
				room = size;
		}
		p = alloc_or_fail(c, room, &rc);
		if (!p)
			return rc;
		*slot = p;
		return decode_struct(p, f->sub, sub, c);
	}
	case DDIRR_FK_REF_SCALAR: {
		char *p = alloc_or_fail(c, f->elem_size, &rc);

		if (!p)
			return rc;
		ddirr_desc_write(p, f->elem_size, load_scalar(src, pf->type));
		*slot = p;
		return 0;
	}
	case DDIRR_FK_ARRAY:
		return decode_array(base, s, f, msg, pf, c);
	case DDIRR_FK_BYTES: {
		const ProtobufCBinaryData *bd = (const ProtobufCBinaryData *)src;
		char *p;

		if (!bd->len)
			return decode_digest(base, s, f, msg, c);
		if (bd->len > MAX_BLOB_BYTES)
			return too_big(c, s, f, bd->len, MAX_BLOB_BYTES);
		if ((rc = check_count(base, s, f, bd->len, c)))
			return rc;
		p = alloc_or_fail(c, bd->len, &rc);
		if (!p)
			return rc;
		memcpy(p, bd->data, bd->len);
		*slot = p;
		return 0;
	}
	case DDIRR_FK_INLINE: {
		const ProtobufCBinaryData *bd = (const ProtobufCBinaryData *)src;

		if (!bd->len)
			return 0;
		if (bd->len != f->size)
			return corrupt(c, s, f, "inline bytes have the wrong size");
		memcpy(base + f->offset, bd->data, f->size);
		return 0;
	}
	case DDIRR_FK_MDL: {
		size_t n = *(const size_t *)((const char *)msg + pf->quantifier_offset);
		const uint64_t *pfns = *(const uint64_t *const *)src;
		uint64_t first = ddirr_desc_read(base + f->mdl_offset_offset, f->mdl_offset_size);
		compact_form cf;
		MDL *mdl;

		if ((rc = read_forms(msg, s, f, MAX_MDL_PFNS, c, &n, &cf)))
			return rc;
		if (!n)
			return 0;
		if (n > MAX_MDL_PFNS || first > MAX_MDL_PFNS - n)
			return too_big(c, s, f, first + n, MAX_MDL_PFNS);
		if ((rc = check_count(base, s, f, n, c)))
			return rc;
		/* Rebuild an MDL whose PFN array has the recorded pages at
		 * [first, first + n), as the driver will index it. */
		mdl = alloc_or_fail(c, sizeof(MDL) + (first + n) * sizeof(PFN_NUMBER), &rc);
		if (!mdl)
			return rc;
		mdl->ByteCount = (ULONG)((first + n) * 4096u);
		if (!cf.n)
			memcpy(MmGetMdlPfnArray(mdl) + first, pfns, n * sizeof(PFN_NUMBER));
		else if ((rc = decode_compact((char *)(MmGetMdlPfnArray(mdl) + first), sizeof(PFN_NUMBER), &cf, s,
					      f, c)))
			return rc;
		*slot = (char *)mdl;
		return 0;
	}
	default:
		return corrupt(c, s, f, "unknown field kind");
	}
}

static int decode_struct(char *base, const ddirr_struct_desc *s, const ProtobufCMessage *msg, const decode_ctx *c)
{
	size_t i;
	int pass, rc;

	/* Scalars first: counts, strides and union selectors must be in place
	 * before the arrays and unions that depend on them. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < s->n_fields; i++) {
			const ddirr_field_desc *f = &s->fields[i];
			const ProtobufCFieldDescriptor *pf;

			if ((f->kind == DDIRR_FK_SCALAR) != (pass == 0) || !ddirr_desc_field_in_phase(f, c->phase))
				continue;
			pf = protobuf_c_message_descriptor_get_field(msg->descriptor, f->number);
			if (!pf)
				continue; /* written by an older schema */
			if (pass == 0) {
				uint64_t v = load_scalar((const char *)msg + pf->offset, pf->type);

				/* Zero is absent on the wire; writing it could clobber a
				 * union alternative that shares the member. */
				if (v) {
					ddirr_desc_write(base + f->offset, f->size, v);
					if (ddirr_desc_read(base + f->offset, f->size) != v)
						return corrupt(c, s, f, "value does not fit the field");
				}
			} else if (!ddirr_desc_field_present(s, f, base)) {
				/* A union alternative the selector does not choose:
				   the writer never encodes one, and decoding it would
				   overwrite the chosen one's counts after its arrays
				   were checked against them (fuzz_replay_model:
				   corpus/replay_model/crash-union-alternative-clobbers-mdl-count). */
				continue;
			} else if ((rc = decode_compound(base, s, f, msg, pf, c))) {
				return rc;
			}
		}
	}
	return 0;
}

int ddirr_event_pb_ddi(const Ddirr__Event *pb)
{
	if (pb->ddi != DDIRR__DDI_ID__DDI_NONE || pb->args_case == DDIRR__EVENT__ARGS__NOT_SET)
		return (int)pb->ddi;
	return (int)pb->args_case - DDIRR_EVENT_ARGS_BASE;
}

int ddirr_event_from_pb(ddirr_event *ev, const Ddirr__Event *pb, ddirr_arena *a, const char *where)
{
	const ddirr_ddi_desc *d;
	const ProtobufCFieldDescriptor *pf;
	const ProtobufCMessage *args;
	digest_list digests = {NULL, 0, 0};
	decode_ctx c = {a, where, pb->seq, (uint32_t)pb->phase, &digests};
	char *frame;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	ev->seq = pb->seq;
	ev->thread = pb->thread;
	ev->time_ns = pb->time_ns;
	ev->parent_seq = pb->parent_seq;
	ev->phase = (uint32_t)pb->phase;
	ev->ddi = (uint32_t)ddirr_event_pb_ddi(pb);
	if (ev->phase != DDIRR_PHASE_ENTRY && ev->phase != DDIRR_PHASE_EXIT)
		return ddirr_error_set(DDIRR_ECORRUPT, "%s: seq %llu: phase %u is neither entry nor exit", where,
				       (unsigned long long)pb->seq, ev->phase);
	if (pb->args_case == DDIRR__EVENT__ARGS__NOT_SET)
		return 0;
	if ((uint32_t)pb->args_case != DDIRR_EVENT_ARGS_BASE + ev->ddi)
		return ddirr_error_set(DDIRR_ECORRUPT, "%s: seq %llu: arguments of call %u under DDI id %u", where,
				       (unsigned long long)pb->seq, (unsigned)pb->args_case - DDIRR_EVENT_ARGS_BASE,
				       ev->ddi);
	d = ddirr_desc_ddi(ev->ddi);
	pf = protobuf_c_message_descriptor_get_field(&ddirr__event__descriptor, pb->args_case);
	if (!d || !pf)
		return 0; /* a DDI this reader does not know: keep the record, no frame */
	args = *(const ProtobufCMessage *const *)((const char *)pb + pf->offset);
	frame = alloc_or_fail(&c, d->frame->size, &rc);
	if (!frame)
		return rc;
	if (args && (rc = decode_struct(frame, d->frame, args, &c)))
		return rc;
	ev->frame = frame;
	ev->digests = digests.items;
	ev->n_digests = digests.n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One described struct, outside any event (the adapter caps)          */

int ddirr_struct_to_pb(ProtobufCMessage *msg, const ddirr_struct_desc *s, const void *base, ddirr_arena *a)
{
	static const ddirr_event none;
	encode_ctx c = {a, &none, 0, 0, 0, 0};
	const enc_plan *p = plan_build(a, s, msg->descriptor, DDIRR_PHASE_ENTRY | DDIRR_PHASE_EXIT, 0, 0);

	if (!p)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding %s", s->name);
	return encode_struct(msg, p, base, &c);
}

int ddirr_struct_from_pb(void *base, const ddirr_struct_desc *s, const ProtobufCMessage *msg, ddirr_arena *a,
			 const char *where)
{
	digest_list digests = {NULL, 0, 0};
	decode_ctx c = {a, where, 0, DDIRR_PHASE_ENTRY | DDIRR_PHASE_EXIT, &digests};

	memset(base, 0, s->size);
	return decode_struct(base, s, msg, &c);
}
