/* The writable frame a callee receives: a deep copy of the recorded entry
 * (its inputs), plus zeroed room for every output buffer the recorded exit
 * shows (an array dxgkrnl allocates and the driver fills, such as the
 * segment descriptors of QUERYSEGMENT4). The copy's memory comes from the
 * target's arena and lives until its next call. */
#include <string.h>

#include "frame_copy.h"
#include "replay_internal.h"

void *live_frame_copy(ddirr_arena *a, uint32_t ddi, const void *frame, uint32_t phase)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(ddi);
	size_t size;
	void *buf;

	if (!d || !frame)
		return NULL;
	size = ddirr_frame_copy_size(d->frame, frame, phase, 0);
	if (!(buf = ddirr_arena_alloc(a, size)))
		return NULL;
	ddirr_frame_copy(buf, d->frame, frame, phase, 0);
	if (ddirr_frame_rebuild_call(buf, size, ddi, phase))
		return NULL; /* cannot happen: we just wrote it */
	return buf;
}

void *live_frame_clone(ddirr_arena *a, const ddirr_event *ev, const rec_copy *c)
{
	char *buf;
	size_t i;

	if (!c->len || !ev->frame)
		return live_frame_copy(a, ev->ddi, ev->frame, ev->phase);
	if (!(buf = ddirr_arena_alloc(a, c->len)))
		return NULL;
	/* Every pointer of the reorder's frame points into it: move them by
	   as much as the copy moved. */
	memcpy(buf, ev->frame, c->len);
	for (i = 0; i < c->n_relocs; i++) {
		uintptr_t p;

		memcpy(&p, buf + c->relocs[i], sizeof(p));
		p = p - (uintptr_t)ev->frame + (uintptr_t)buf;
		memcpy(buf + c->relocs[i], &p, sizeof(p));
	}
	return buf;
}

static void *get_ptr(const void *base, uint32_t off)
{
	void *p;

	memcpy(&p, (const char *)base + off, sizeof(p));
	return p;
}

static void set_ptr(void *base, uint32_t off, void *p)
{
	memcpy((char *)base + off, &p, sizeof(p));
}

static uint64_t count_of(const ddirr_field_desc *f, const void *live, const void *rec)
{
	uint64_t n = ddirr_desc_read((const char *)live + f->count_offset, f->count_size);

	return n ? n : ddirr_desc_read((const char *)rec + f->count_offset, f->count_size);
}

/* Adds the output buffers of struct s: live is the callee's, rec the
 * recorded exit's. Returns 0 or -1 when out of memory. */
static int add_outputs(ddirr_arena *a, const ddirr_struct_desc *s, char *live, const char *rec)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		const char *rp;
		char *lp;
		uint64_t n, stride, rstride, j;

		if (!(f->dir & DDIRR_DIR_OUT) || !ddirr_desc_field_present(s, f, rec))
			continue;
		if (f->kind == DDIRR_FK_STRUCT) {
			if (add_outputs(a, f->sub, live + f->offset, rec + f->offset))
				return -1;
			continue;
		}
		if (f->kind != DDIRR_FK_REF && f->kind != DDIRR_FK_REF_SCALAR && f->kind != DDIRR_FK_ARRAY &&
		    f->kind != DDIRR_FK_BYTES)
			continue;
		if (!(rp = get_ptr(rec, f->offset)))
			continue;
		lp = get_ptr(live, f->offset);
		switch (f->kind) {
		case DDIRR_FK_REF:
			if (!lp) {
				n = f->count_size ? count_of(f, live, rec) : 0;
				if (!(lp = ddirr_arena_alloc(a, n > f->sub->size ? n : f->sub->size)))
					return -1;
				set_ptr(live, f->offset, lp);
			}
			if (add_outputs(a, f->sub, lp, rp))
				return -1;
			break;
		case DDIRR_FK_REF_SCALAR:
			if (!lp && !(lp = ddirr_arena_alloc(a, f->elem_size)))
				return -1;
			set_ptr(live, f->offset, lp);
			break;
		case DDIRR_FK_BYTES:
			if (!lp && (n = count_of(f, live, rec))) {
				if (!(lp = ddirr_arena_alloc(a, n)))
					return -1;
				set_ptr(live, f->offset, lp);
			}
			break;
		default: /* ARRAY */
			n = f->repeat_size ? ddirr_desc_array_count(f, live) : count_of(f, live, rec);
			stride = ddirr_desc_array_stride(f, live);
			rstride = ddirr_desc_array_stride(f, rec);
			if (!stride)
				stride = rstride;
			if (!n || !stride)
				break;
			if (!lp) {
				if (!(lp = ddirr_arena_alloc(a, n * (f->sub && stride < f->sub->size ? f->sub->size : stride))))
					return -1;
				set_ptr(live, f->offset, lp);
			}
			if (f->sub && !f->raw_elements && stride >= f->sub->size && rstride >= f->sub->size)
				for (j = 0; j < n && j < ddirr_desc_array_count(f, rec); j++)
					if (add_outputs(a, f->sub, lp + j * stride, rp + j * rstride))
						return -1;
			break;
		}
	}
	return 0;
}

typedef struct zero_room {
	ddirr_arena *a;
	int failed;
} zero_room;

static void give_zeroed_room(void *slot, const void *bytes, uint64_t n, void *ctx)
{
	zero_room *z = ctx;
	void *p;

	(void)bytes;
	if (n > LIVE_MAX_PRIVATE_BYTES)
		return; /* a size no capture keeps whole: the driver gets NULL, as recorded */
	if (!(p = ddirr_arena_alloc(z->a, (size_t)n))) {
		z->failed = 1;
		return;
	}
	memcpy(slot, &p, sizeof(p));
}

void *live_frame_build(ddirr_arena *a, uint32_t ddi, const void *entry, const void *exit, int private_kept)
{
	const ddirr_struct_desc *s = ddirr_desc_ddi(ddi)->frame;
	void *live = live_frame_copy(a, ddi, entry, DDIRR_PHASE_ENTRY);
	zero_room z = {a, 0};

	if (live && exit && add_outputs(a, s, live, exit))
		return NULL;
	if (live && !private_kept) {
		/* The trace kept the size of the private data, not the bytes:
		   the driver gets zeroed room of that size, for what it reads
		   (inputs) and what it writes (outputs), not a NULL buffer. */
		ddirr_frame_visit_missing_opaque(s, live, DDIRR_PHASE_ENTRY | DDIRR_PHASE_EXIT, give_zeroed_room, &z);
	}
	return z.failed ? NULL : live;
}
