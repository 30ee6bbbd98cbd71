/* The aperture model: a state machine of VidMm, the CPU host aperture, the
 * GPU aperture segment and the GPU MMU (DESIGN.md, "Aperture model").
 *
 * It applies trace records one at a time and checks every invariant of
 * docs/model.md on the way (the oracle); it answers for VidMm and for a
 * correct driver (the replay target); and it makes VidMm's decisions,
 * perturbed by seeded chaos, for the capture host.
 *
 * Errors are negative DDIRR_E* codes with a message (ddirr/error.h). A
 * violation is not an error: it is reported through the callback and counted,
 * and apply goes on. */
#ifndef DDIRR_MODEL_H
#define DDIRR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "ddirr/event.h"
#include "ddirr/probe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Invariant IDs (ddirr/invariants.def). They are stable. */
enum ddirr_invariant {
	DDIRR_INV_NONE = 0,
#define DDIRR_INVARIANT(id, name, ref, text) DDIRR_INV_##name = id,
#include "ddirr/invariants.def"
#undef DDIRR_INVARIANT
	DDIRR_INV_MAX_PLUS_ONE
};

/* "APERTURE_DOUBLE_MAP", or NULL for an unknown id. */
const char *ddirr_invariant_name(int id);
/* Reference sections the invariant comes from, and a one-line meaning. */
const char *ddirr_invariant_reference(int id);
const char *ddirr_invariant_text(int id);
/* The id for a name, or DDIRR_INV_NONE. */
int ddirr_invariant_lookup(const char *name);

/* One broken invariant, found while applying record `seq`. */
typedef struct ddirr_violation {
	int invariant;        /* enum ddirr_invariant */
	uint64_t seq;         /* the violating call */
	uint32_t ddi;         /* its DDI */
	uint32_t thread;
	uint32_t phase;       /* the record that revealed it: entry or exit */
	uint64_t earlier_seq; /* the call that set up the conflicting state; 0 if none */
	uint32_t earlier_ddi;
	/* The objects involved; 0 where not applicable. */
	uint64_t handle;      /* the allocation, context, device or process */
	int handle_ns;        /* its namespace (schema/desc.h enum ddirr_handle_ns) */
	uint32_t segment;
	uint64_t slot;        /* CPU host aperture slot */
	uint64_t page;        /* segment page */
	uint64_t va;          /* GPU VA */
	uint64_t size;
	char message[320];    /* one line, e.g. "seq 5120 MapCpuHostAperture: slot 17 is
	                         already mapped to allocation 0x2a (segment 1 page 40) since
	                         seq 1042 (MapCpuHostAperture)" */
} ddirr_violation;

typedef void (*ddirr_violation_fn)(void *ctx, const ddirr_violation *v);

/* Chaos flags perturb VidMm's decisions, like VidMm's verifier flags. */
enum ddirr_chaos {
	DDIRR_CHAOS_EVICT = 1 << 0,    /* evict allocations at random points */
	DDIRR_CHAOS_RELOCATE = 1 << 1, /* move resident allocations to new pages */
	DDIRR_CHAOS_PRESSURE = 1 << 2, /* use only a small part of the aperture, forcing slot reuse */
	DDIRR_CHAOS_VA_ROTATE = 1 << 3 /* hand out GPU VAs far apart and in rotating order */
};

/* Parses "evict,relocate,pressure,va-rotate" (or "none", "all") into
 * *flags. Returns 0 or DDIRR_EINVAL naming the bad word. */
int ddirr_chaos_parse(unsigned *flags, const char *text);
/* Writes the canonical text of flags into buf ("evict,pressure"; "none"). */
void ddirr_chaos_format(char *buf, size_t size, unsigned flags);

#define DDIRR_MODEL_OPTIONS_VERSION 1

typedef struct ddirr_model_options {
	unsigned version;            /* DDIRR_MODEL_OPTIONS_VERSION */
	ddirr_violation_fn on_violation; /* may be NULL: violations are only counted */
	void *ctx;
	uint64_t seed;               /* for VidMm decisions and chaos */
	unsigned chaos;              /* enum ddirr_chaos flags */
	size_t tombstones;           /* destroyed handles remembered per namespace for
	                                USE_AFTER_DESTROY; 0 = 4096 */
	int partial;                 /* the trace starts mid-stream (a flight-mode dump):
	                                handles created before it are not reported as
	                                UNKNOWN_HANDLE; use-after-destroy and mix-ups still are */
} ddirr_model_options;

#define DDIRR_MODEL_OPTIONS_INIT {.version = DDIRR_MODEL_OPTIONS_VERSION}

typedef struct ddirr_model ddirr_model;

/* Creates an empty model (no adapter yet: the QueryAdapterInfo records of
 * a trace, or ddirr_model_set_segments(), describe it). opts may be NULL.
 * *out belongs to the caller: ddirr_model_free(). Errors: DDIRR_EINVAL,
 * DDIRR_ENOMEM. */
int ddirr_model_new(ddirr_model **out, const ddirr_model_options *opts);

/* Frees the model; NULL is a no-op. */
void ddirr_model_free(ddirr_model *m);

/* Applies one record. Checks that depend on a call's inputs run on its
 * entry record; its effects on the state apply when its exit reports
 * success. Returns the number of violations this record revealed (>= 0), or
 * DDIRR_ENOMEM (the model is then unusable). */
int ddirr_model_apply(ddirr_model *m, const ddirr_event *ev);

/* Violations found so far, in total and per invariant. */
uint64_t ddirr_model_violations(const ddirr_model *m);
uint64_t ddirr_model_violations_of(const ddirr_model *m, int invariant);

/* Bytes of memory the model holds now: bounded by the live objects, not by
 * the number of records applied. */
size_t ddirr_model_memory(const ddirr_model *m);

/* Live object counts, for tests and `ddirr check`. */
typedef struct ddirr_model_counts {
	size_t segments, allocations, context_allocations, devices, contexts, processes;
	size_t mapped_slots, gart_pages, va_ranges, page_table_entries, pending_calls;
} ddirr_model_counts;
void ddirr_model_get_counts(const ddirr_model *m, ddirr_model_counts *out);

/* Answers a call as the replay target, between applying its entry and its
 * exit. `entry` is the call's entry record; exit_frame is a writable frame
 * of the same DDI whose pointers lead to writable memory, filled beforehand
 * with the recorded exit (for instance by a deep copy) or zeroed. The model
 * overwrites the outputs it owns, as a correct driver (for a DDI) or VidMm
 * (for a callback) would produce them:
 *   - every handle the callee creates: fresh values, unique per model;
 *   - the status: success, or a failure VidMm would return (no VA left);
 *   - VidMm's choices: the VA of MapContextAllocation (Base, or within
 *     Min..Max) and of ReserveGpuVirtualAddressRange;
 *   - QUERYSEGMENT4 answers from the model's segments, when it has them.
 * Outputs that are driver policy the model cannot know (allocation sizes and
 * segment sets, context DMA sizes, private data) keep what exit_frame held.
 * Returns 0, DDIRR_EINVAL (unknown DDI or no frame) or DDIRR_ENOMEM. */
int ddirr_model_respond(ddirr_model *m, const ddirr_event *entry, void *exit_frame);

/* ------------------------------------------------------------------------
 * Segments. A segment as QUERYSEGMENT4 describes it, 1-based. */
typedef struct ddirr_model_segment {
	uint32_t id;
	uint32_t flags;          /* DXGK_SEGMENTFLAGS.Value */
	uint64_t size;           /* bytes */
	uint32_t page_size;      /* 4096 or 65536 */
	uint64_t aperture_base;  /* CPU host aperture physical address; 0 if none */
	uint32_t aperture_slots; /* CPU host aperture size in pages; 0 if none */
} ddirr_model_segment;

/* Sets the adapter's segments directly (the capture host does this before
 * the first call). Errors: DDIRR_EINVAL, DDIRR_ENOMEM. */
int ddirr_model_set_segments(ddirr_model *m, const ddirr_model_segment *segments, size_t n);
/* The model's segments; sets *n. Borrowed. */
const ddirr_model_segment *ddirr_model_get_segments(const ddirr_model *m, size_t *n);

/* ------------------------------------------------------------------------
 * Queries for the replayer's probe checks. */

/* What slot `slot` of segment `segment`'s host aperture maps to. Returns 1
 * and fills *page and *allocation (the KMD handle, 0 for implicit) when
 * mapped, 0 when not. */
int ddirr_model_aperture_lookup(const ddirr_model *m, uint32_t segment, uint64_t slot, uint64_t *page,
				uint64_t *allocation);

/* The slots of `segment`'s host aperture that map allocation `allocation`
 * now: fills up to max of them into slots and returns how many there are.
 * VidMm unmaps them before it evicts or moves the allocation. */
size_t ddirr_model_slots_of(const ddirr_model *m, uint64_t allocation, uint32_t segment, uint32_t *slots, size_t max);

/* The residency of a KMD allocation handle: 1 and the segment and first
 * page when resident at a known place, 0 otherwise. */
int ddirr_model_allocation_residency(const ddirr_model *m, uint64_t allocation, uint32_t *segment,
				     uint64_t *first_page, uint64_t *pages);

/* A GPU VA whose leaf PTE an UpdatePageTable wrote valid, and the driver's
 * probe answer for it, when that answer is not the PTE's segment and page. */
typedef struct ddirr_model_va_mismatch {
	uint64_t va;
	HANDLE process;       /* the KMD process of the VA space (u->hProcess) */
	uint32_t pte_segment; /* what the PTE holds */
	uint64_t pte_page;    /* DXGK_PTE.PageAddress */
	NTSTATUS status;      /* the probe's result; segment and page are its answer */
	UINT segment;
	UINT64 page;
} ddirr_model_va_mismatch;

/* Called once a mismatch; the mismatch is borrowed for the call. Returns
 * non-zero to stop the walk. */
typedef int (*ddirr_model_va_mismatch_fn)(void *ctx, const ddirr_model_va_mismatch *mismatch);

/* Asks `probe` (the driver's ddirr_probe_gpu_va, with its own adapter
 * handle and u->hProcess) where each VA whose leaf PTE the UpdatePageTable
 * `u` wrote valid translates (FirstPteVirtualAddress + i * 4 KB for entry i;
 * with Flags.Repeat every entry is the first), and calls on_mismatch for
 * each answer that is not STATUS_SUCCESS with the PTE's segment and page.
 * A call at another level, or without FirstPteVirtualAddress or entries,
 * is not probed. Returns the number of mismatches found (the walk stops at
 * the first one on_mismatch asks it to). Needs no model: the PTEs the call
 * wrote are the reference (the model has validated them on apply). */
uint64_t ddirr_model_probe_ptes(const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u, ddirr_probe_gpu_va_fn probe,
				HANDLE adapter, ddirr_model_va_mismatch_fn on_mismatch, void *ctx);

/* ------------------------------------------------------------------------
 * VidMm decisions, for the capture host and for the replay target. All
 * draw from the seeded generator and honor the chaos flags; none changes
 * the state: the calls the host then makes do, through ddirr_model_apply. */

/* Chooses n free aperture slots of a segment. Returns 0, or DDIRR_ELIMIT
 * when the aperture has fewer than n free slots. */
int ddirr_model_choose_slots(ddirr_model *m, uint32_t segment, uint64_t n, uint32_t *slots);

/* Chooses where a KMD allocation of `size` bytes goes among the segments of
 * `segment_set` (bit 0 = segment 1): a segment and a first page with room.
 * Returns 0 or DDIRR_ELIMIT when no segment has room. */
int ddirr_model_choose_placement(ddirr_model *m, uint32_t segment_set, uint64_t size, uint64_t alignment,
				 uint32_t *segment, uint64_t *first_page);

/* Chooses a GPU VA for `size` bytes in the VA space of a process (its KMD
 * handle; 0 = the system process), the way VidMm serves
 * DxgkCbMapContextAllocation: exactly `base` when non-zero, otherwise within
 * [min, max] (max 0 = no bound), aligned to `alignment`. Returns 0 or
 * DDIRR_ELIMIT when nothing fits. */
int ddirr_model_choose_va(ddirr_model *m, uint64_t process, uint64_t size, uint64_t alignment, uint64_t base,
			  uint64_t min, uint64_t max, uint64_t *va);

/* Chooses, when the chaos flags ask for it and the seeded coin says so, an
 * allocation to evict or relocate now. Returns 1 with *allocation and *what
 * (DDIRR_CHAOS_EVICT or DDIRR_CHAOS_RELOCATE), 0 for nothing to do. */
int ddirr_model_choose_chaos(ddirr_model *m, uint64_t *allocation, unsigned *what);

/* A draw from the model's seeded generator, for hosts that need more
 * decisions of their own in the same reproducible stream. */
uint64_t ddirr_model_random(ddirr_model *m);

#ifdef __cplusplus
}
#endif
#endif
