/* Internals of the replayer, shared by its files (one concept each):
 *   hash.c         u64 -> u64 map
 *   reorder.c      records -> whole calls in seq order
 *   remap.c        recorded -> live handles per namespace, and GPU VA ranges
 *   history.c      per object: the call that created it, its latest mapping calls
 *   frame_walk.c   walks two frames of one description side by side
 *   translate.c    recorded in-fields -> live values, in place
 *   compare.c      recorded exit vs live exit, by field class
 *   live_frame.c   the writable frame a callee receives
 *   target_model.c, target_driver.c, probe.c, lockstep.c, engine.c, report.c */
#ifndef DDIRR_REPLAY_INTERNAL_H
#define DDIRR_REPLAY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ddirr/event.h"
#include "ddirr/model.h"
#include "ddirr/replay.h"
#include "ddirr/trace.h"
#include "desc.h"
#include "u64map.h"


/* ---- reorder.c */
/* What a target clones a record's frame from. The reorder's copy of each
 * record lists, as it is made, the slots where it stored a pointer
 * (schema/frame_copy.h, ddirr_frame_copy_call_relocs), so turning the copy
 * into a frame, and cloning that frame, is a memcpy plus one addition per
 * pointer, never another walk of the description. */
typedef struct rec_copy {
	size_t len;             /* bytes of the frame; 0 if the record has none */
	const uint32_t *relocs; /* byte offsets in the frame of its pointers into itself */
	size_t n_relocs;
} rec_copy;

typedef struct call_rec {
	ddirr_event entry, exit; /* frames point into the group's buffer; exit.frame NULL if missing */
	rec_copy entry_copy, exit_copy;
} call_rec;

typedef struct call_group {
	call_rec call;      /* the DDI */
	call_rec *cbs;      /* its callbacks, in seq order */
	size_t n_cbs, cap_cbs;
	size_t pending;     /* records still expected: entry/exit of the call and of each callback */
	/* Flat copies of every record (schema/frame_copy.h), relocated into
	   frames when the group is complete; offsets until then. */
	char *buf;
	size_t len, cap;
	struct group_rec {
		size_t off, len;
		size_t first_reloc, n_relocs; /* in relocs */
		long cb;                      /* -1: the DDI */
		uint32_t phase;
	} *recs;
	size_t n_recs, cap_recs;
	uint32_t *relocs;   /* every record's relocation list, one after another */
	size_t n_relocs, cap_relocs;
	/* Digests of private data (privacy tier hashed), each by its record
	   and the rank of its slot among the record's private data without
	   bytes (ddirr_frame_visit_missing_opaque order); turned into the
	   events' `digests`, with slots in the copies, when the group is whole. */
	struct group_digest {
		size_t rec;
		size_t rank;
		uint8_t sha256[32];
	} *kept_digests;
	size_t n_kept_digests, cap_kept_digests;
	ddirr_opaque_digest *digests;
	size_t cap_digests;
} call_group;

typedef struct reorder reorder;

int reorder_new(reorder **out, ddirr_trace *t, size_t lookahead);
/* 1 and *g (borrowed until the next call) for the next whole call in seq
 * order; 0 at the end; negative on a reader error. At the end, *why says
 * why the trace stopped early ("" when it did not). */
int reorder_next(reorder *r, const call_group **g);
const char *reorder_stop_reason(const reorder *r);
uint64_t reorder_records(const reorder *r);
void reorder_free(reorder *r);

/* ---- remap.c */
typedef struct va_map_range {
	uint64_t rec, live, size;
} va_map_range;

/* Handles of destroyed objects still map (a trace that uses one again is
 * replayed as it was recorded, and the target says what it makes of it),
 * but only the latest REMAP_RETIRED of them: the maps hold the live objects
 * plus a bounded tail, not every object of the trace. */
#define REMAP_RETIRED 4096

typedef struct remap {
	u64map fwd[DDIRR_NS_MAX_PLUS_ONE], rev[DDIRR_NS_MAX_PLUS_ONE];
	u64map retired;        /* ns << 58 ^ rec -> live, for destroyed objects */
	uint64_t *retired_ring; /* their keys, oldest first from retired_next */
	size_t retired_next;
	va_map_range *va; /* sorted by rec, not overlapping */
	size_t n_va, cap_va;
} remap;

void remap_init(remap *m);
void remap_fini(remap *m);
/* Namespaces whose values dxgkrnl makes up (the others are the driver's).
 * The caller of a call may introduce a value of its own namespaces in its
 * inputs: dxgkrnl in a DDI's entry, the driver in a callback's (the
 * driver's handle of a context allocation). */
int remap_kernel_owned(int ns);
/* 1 and *live when rec is known in ns (0 always maps to 0). */
int remap_handle(const remap *m, int ns, uint64_t rec, uint64_t *live);
int remap_handle_back(const remap *m, int ns, uint64_t live, uint64_t *rec);
int remap_set_handle(remap *m, int ns, uint64_t rec, uint64_t live);
/* The object rec names in ns was destroyed: its mapping moves to the
 * bounded tail of retired ones, and its reverse goes (unless the live value
 * names another recorded handle by now). Returns 0 or DDIRR_ENOMEM. */
int remap_retire_handle(remap *m, int ns, uint64_t rec);
/* A GPU VA: through the range that holds it, else unchanged (returns 0). */
int remap_va(const remap *m, uint64_t rec, uint64_t *live);
int remap_va_back(const remap *m, uint64_t live, uint64_t *rec);
int remap_set_va(remap *m, uint64_t rec, uint64_t live, uint64_t size);
/* The size of the VA range a call's GPU_VA output establishes (per DDI). */
uint64_t remap_va_range_size(uint32_t ddi, const void *entry_frame);

/* ---- history.c */
typedef struct history history;
int history_new(history **out);
void history_free(history *h);
void history_created(history *h, int ns, uint64_t rec, uint64_t seq, uint32_t ddi);
void history_used(history *h, int ns, uint64_t rec, uint64_t seq, uint32_t ddi);
/* Drops what is known of a destroyed object. */
void history_forget(history *h, int ns, uint64_t rec);
/* "created by seq 12 CreateAllocation; mapped by seq 40 MapCpuHostAperture, ..." */
void history_describe(const history *h, int ns, uint64_t rec, char *buf, size_t size);

/* ---- frame_walk.c: visits the scalars (and blobs) of fields whose
 * direction includes every bit of `dirs`, in x (recorded) and y (the other
 * frame, same description) side by side, plus e (the call's entry, for
 * INOUT fields) where reachable. Shapes come from x; y elements past its own
 * count are not visited (the count field shows the difference). */
typedef struct walk walk;
typedef void (*walk_scalar_fn)(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e);
typedef void (*walk_blob_fn)(walk *w, const ddirr_field_desc *f, const void *x, size_t nx, const void *y, size_t ny);
typedef void (*walk_shape_fn)(walk *w, const ddirr_field_desc *f, const char *what);

#define WALK_DEPTH 16
struct walk {
	unsigned dirs;
	walk_scalar_fn scalar;
	walk_blob_fn blob;   /* BYTES, INLINE, MDL pages; may be NULL */
	walk_shape_fn shape; /* a pointer present on one side only; may be NULL */
	void *ctx;
	const void *blob_slot; /* for a BYTES blob: the address of x's pointer member */
	/* When set, only fields that lead to a handle with a namespace or a
	   GPU VA are visited (a walk with a scalar visitor only: translation);
	   the map caches which fields those are, per struct and dirs. */
	u64map *prune;
	/* the path: names and indexes of the fields being visited */
	const char *names[WALK_DEPTH];
	int64_t index[WALK_DEPTH]; /* -1: not an array element */
	int depth;
};

void walk_frame(walk *w, uint32_t ddi, const void *x, void *y, const void *e);
/* Bytes of the scalar a visitor gets for field f. */
static inline uint32_t walk_scalar_size(const ddirr_field_desc *f)
{
	return f->kind == DDIRR_FK_SCALAR ? f->size : f->elem_size;
}
/* Writes "pCreateAllocation.pAllocationInfo[2].hAllocation" for field f. */
void walk_path(const walk *w, const ddirr_field_desc *f, char *buf, size_t size);

/* ---- engine.c: what targets and checks report into. */
typedef struct replay replay;
typedef struct target target;

typedef struct div_info {
	int kind, cls, ns, invariant;
	uint64_t seq, parent_seq;
	uint32_t ddi;
	const char *field;
	const char *expected, *actual;
	const char *message;
	uint64_t rec_handle; /* for the history: the recorded handle, with ns */
} div_info;

void replay_diverge(replay *r, const target *t, const div_info *d);
int replay_should_stop(const replay *r);
uint64_t replay_fnv(const void *p, size_t n);
void replay_format_value(char *buf, size_t size, const ddirr_field_desc *f, uint64_t v);

/* ---- translate.c: recorded -> live, in place, on `live` (a copy of rec).
 * dirs: DDIRR_DIR_IN for an entry; DDIRR_DIR_INOUT for the inputs an exit
 * repeats. Unknown handles are reported (when report is 1) and left as
 * recorded, except those the call's caller introduces (remap_kernel_owned):
 * the replayer (or the model playing the driver) is that caller, so they
 * map to themselves. */
int translate_introduces(const ddirr_event *rec, int ns);
void translate_frame(replay *r, target *t, const ddirr_event *rec, void *live, unsigned dirs, int report);

/* ---- compare.c */
enum compare_mode {
	COMPARE_CHECK = 0,  /* report differences and learn new handles and VAs */
	COMPARE_ABSORB = 1  /* only learn new handles and VAs (lockstep, first pass) */
};
/* Compares the recorded exit of a call (entry: its recorded entry) with a
 * live exit frame of target t. Returns the number of divergences. */
int compare_exit(replay *r, target *t, const ddirr_event *entry, const ddirr_event *rec_exit, void *live_exit,
		 int mode);
/* Compares the in-args of a callback the driver made with the recorded
 * ones (translated). Returns the number of differences, reported as
 * callback divergences. */
int compare_callback_args(replay *r, target *t, const ddirr_event *rec_entry, const void *live_frame);
/* Lockstep: compares the live exits of two targets, each through its maps
 * back to recorded values. */
int compare_lockstep(replay *r, target *a, target *b, const ddirr_event *rec_exit, const void *xa, const void *xb);

/* ---- live_frame.c: a deep, writable copy of a recorded frame, in arena a:
 * the entry's inputs, plus (when exit is given) zeroed room for every
 * output buffer the recorded exit has. */
void *live_frame_copy(ddirr_arena *a, uint32_t ddi, const void *frame, uint32_t phase);
/* The same, from the reorder's copy of the record (ev's frame) when it kept
 * one. */
void *live_frame_clone(ddirr_arena *a, const ddirr_event *ev, const rec_copy *c);
/* private_kept: the trace keeps private driver data whole (privacy tier
 * full); otherwise a size without bytes gets zeroed room of that size (up to
 * LIVE_MAX_PRIVATE_BYTES). */
enum { LIVE_MAX_PRIVATE_BYTES = 16u << 20 };
void *live_frame_build(ddirr_arena *a, uint32_t ddi, const void *entry, const void *exit, int private_kept);

/* ---- targets */
struct target {
	const char *name;   /* "model" or "driver" */
	char spec[256];     /* as given */
	int (*call)(target *t, replay *r, const call_group *g, void **live_exit);
	void (*free)(target *t);
	remap map;
	history *hist;
	ddirr_model *model;  /* the model target, or the shadow model (NULL with --no-shadow) */
	ddirr_arena arena;   /* live frames of the current call */
	u64map walk_prune;   /* translation's pruned fields (frame_walk.c) */
	uint64_t violations;
	uint64_t callbacks;
	int private_kept;    /* the trace's privacy tier is full (live_frame_build) */
	void *impl;
	replay *owner;
};

/* 0, DDIRR_ENOMEM; or 1: cannot test, with the reason in ddirr_error_last(). */
int target_model_new(target **out, replay *r);
int target_driver_new(target **out, replay *r, const char *path, int shadow);
/* ---- retire.c: after a call, the objects it (and its callbacks)
 * destroyed leave t's history, and their handles move to the remap's
 * bounded tail of retired ones. */
void retire_destroyed(target *t, const call_group *g);

/* Probe checks after a mapping call (probe.c). */
void probe_check(replay *r, target *t, void *probe_aperture, void *probe_va, const ddirr_event *entry,
		 const void *live, uint64_t live_adapter);
/* Violations of a model (target's own or shadow) go to the engine. */
void target_on_violation(void *ctx, const ddirr_violation *v);
/* Applies the live frame of recorded record rec to the target's model
 * (the model target's own, or the shadow model), when it has one. */
void target_apply(replay *r, target *t, const ddirr_event *rec, const void *frame);

#endif
