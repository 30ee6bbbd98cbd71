/* The aperture model's state. Internal to model/. */
#ifndef DDIRR_MODEL_INTERNAL_H
#define DDIRR_MODEL_INTERNAL_H

#include <stdint.h>

#include "ddirr/model.h"
#include "ddirr/wddm.h"
#include "desc.h"
#include "u64map.h"

/* The call that did something, for "since seq N (DDI)" in reports. */
typedef struct origin {
	uint64_t seq;
	uint32_t ddi;
} origin;

enum residency { NOT_RESIDENT = 0, RESIDENT_AT = 1, RESIDENT_SOMEWHERE = 2 };

/* A KMD allocation: from CreateAllocation, or the hDriverAllocation of a
 * context allocation. */
typedef struct alloc_obj {
	uint64_t handle;
	uint64_t size;
	uint64_t alignment;
	uint32_t write_set;
	uint32_t flags;
	uint64_t ctx_alloc;   /* the dxgkrnl handle, for a context allocation's driver handle */
	origin created;
	int resident;         /* enum residency */
	uint32_t segment;
	uint64_t first_page;  /* in segment pages */
	uint64_t pages;
	origin placed;
	uint64_t mapped_slots; /* host-aperture slots mapping it now */
} alloc_obj;

typedef struct ctx_alloc_obj {
	uint64_t handle;         /* dxgkrnl handle */
	uint64_t driver_handle;  /* hDriverAllocation */
	uint64_t size;
	uint64_t device;         /* dxgkrnl device, 0 = system */
	uint64_t context;        /* dxgkrnl context, 0 = system or shared */
	uint32_t flags;
	origin created;
	uint64_t mappings;       /* live GPU VA ranges */
} ctx_alloc_obj;

typedef struct device_obj {
	uint64_t handle, dxgk, process; /* KMD handle, dxgkrnl handle, KMD process */
	origin created;
	uint64_t contexts;
} device_obj;

typedef struct context_obj {
	uint64_t handle, dxgk, device;
	origin created;
	uint64_t ctx_allocs;
} context_obj;

typedef struct va_range {
	uint64_t start, end; /* [start, end) */
	int reserved;        /* 1: a KMD reservation; 0: a mapping */
	uint64_t owner;      /* the context allocation (dxgkrnl handle) of a mapping */
	origin made;
} va_range;

typedef struct process_obj {
	uint64_t handle, dxgk; /* KMD handle (0 until CreateProcess returns), dxgkrnl handle */
	uint32_t flags;
	origin created;
	va_range *ranges;      /* sorted by start */
	size_t n_ranges, cap_ranges;
	uint64_t devices;
	D3DGPU_PHYSICAL_ADDRESS root;
	uint32_t root_entries;
	origin root_set;
} process_obj;

/* An aperture slot's mapping. */
typedef struct slot_obj {
	uint64_t page;
	uint64_t allocation; /* KMD handle, 0 for implicit allocations */
	origin mapped;
	uint32_t thread;
} slot_obj;

typedef struct tombstone {
	uint64_t handle;
	origin destroyed;
} tombstone;

/* Destroyed handles of one namespace: a ring of the newest, indexed. */
typedef struct graveyard {
	tombstone *ring;
	size_t cap, next;
	u64map index; /* handle -> ring position + 1 */
} graveyard;

/* A live handle: its object, and the call that created it. */
typedef struct entry {
	void *obj;
	origin created;
} entry;

/* A handle table: handle -> entry*, plus its graveyard. */
typedef struct handle_table {
	u64map live;
	graveyard dead;
} handle_table;

/* What an entry record left for its exit: the facts of the call the exit
 * record does not repeat. */
typedef struct pending {
	uint64_t seq;
	uint32_t ddi;
	uint32_t thread;
	uint64_t parent;
	uint64_t h[4];          /* handles and small values, per DDI (see model.c) */
	uint64_t count;
	void *data;             /* a copy of the call's arrays or args, per DDI */
	size_t data_size;
} pending;

/* Small blocks model_free gave back, kept for model_alloc to hand out
 * again: one size class per MODEL_CACHE_STEP bytes up to MODEL_CACHE_MAX,
 * at most MODEL_CACHE_BLOCKS blocks each (see model_alloc). */
#define MODEL_CACHE_STEP 32
#define MODEL_CACHE_MAX 512
#define MODEL_CACHE_BLOCKS 1024
typedef struct cached_block {
	struct cached_block *next;
} cached_block;

struct ddirr_model {
	ddirr_model_options opts;
	size_t bytes; /* memory held, counted by every allocation of the model (and the cache) */
	cached_block *cache[MODEL_CACHE_MAX / MODEL_CACHE_STEP];
	size_t n_cached[MODEL_CACHE_MAX / MODEL_CACHE_STEP];
	uint64_t rng;

	ddirr_model_segment *segments; /* [0] is SegmentId 1 */
	size_t n_segments;
	uint32_t physical_adapters;
	uint64_t adapter_kmd, adapter_dxgk; /* 0 until AddDevice / StartDevice */
	origin adapter_started;
	uint32_t va_bits;           /* GPU VA bits; 0 = unknown (48 assumed) */
	uint32_t leaf_index_bits;   /* PAGETABLELEVELDESC of level 0; 0 = unknown (9 assumed) */

	handle_table ns[DDIRR_NS_MAX_PLUS_ONE]; /* by enum ddirr_handle_ns */
	u64map processes_dxgk; /* dxgkrnl process handle -> process_obj (also while being created) */
	u64map slots;          /* segment << 32 | slot -> slot_obj* */
	u64map page_slots;     /* segment << 48 | page -> slot: reverse index for aliasing */
	u64map gart;           /* segment << 48 | page -> pfn + 1 */
	/* Page-table entries written valid, as a bit per entry: key of
	   (table, index / 64) -> bit index % 64. Only their number is ever
	   read (ddirr_model_stats), and an UpdatePageTable writes runs of
	   neighbouring entries, so one lookup serves 64 of them. */
	u64map ptes;
	size_t n_ptes;
	u64map pending;        /* seq -> pending* */
	uint64_t system_process; /* KMD handle of the process created with SystemProcess */
	uint64_t next_handle;    /* handles the model invents when it answers calls */

	uint64_t violations;
	uint64_t per_invariant[DDIRR_INV_MAX_PLUS_ONE];
	const ddirr_event *ev; /* the record being applied */
};

/* The objects a violation names: a ddirr_violation without the call and
 * the message, which model_report fills in. Checks build one on every call
 * (most find nothing), and a ddirr_violation would zero its 320-byte
 * message each time. */
typedef struct violation_objects {
	uint64_t earlier_seq; /* the call that set up the conflicting state; 0 if none */
	uint32_t earlier_ddi;
	uint64_t handle;
	int handle_ns;
	uint32_t segment;
	uint64_t slot, page, va, size;
} violation_objects;

/* model.c */
/* A zeroed block of `size` bytes, given back with model_free and the same
 * size. */
void *model_alloc(ddirr_model *m, size_t size);
void model_free(ddirr_model *m, void *p, size_t size);
/* Arrays grown with model_grow_array are freed with model_free_array. */
int model_grow_array(ddirr_model *m, void **array, size_t *cap, size_t need, size_t elem);
void model_free_array(ddirr_model *m, void *array, size_t cap, size_t elem);
/* Frees a process and its VA ranges. */
void model_free_process(ddirr_model *m, process_obj *p);
/* Reports a violation of `inv` by the record being applied. */
void model_report(ddirr_model *m, int inv, const violation_objects *objects, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Looks a handle up in namespace ns; on a miss reports USE_AFTER_DESTROY,
 * HANDLE_NAMESPACE_MIXUP or UNKNOWN_HANDLE (what = "allocation", ...) and
 * returns NULL. A NULL handle returns NULL without a report. */
void *model_find(ddirr_model *m, int ns, uint64_t handle, const char *what);
void *model_peek(const ddirr_model *m, int ns, uint64_t handle);
int model_add(ddirr_model *m, int ns, uint64_t handle, void *obj, const char *what);
void model_remove(ddirr_model *m, int ns, uint64_t handle);
const ddirr_model_segment *model_segment(const ddirr_model *m, uint32_t id);
const char *model_ddi_name(uint32_t ddi);

/* aperture.c */
void aperture_map_entry(ddirr_model *m, const DXGKARG_MAPCPUHOSTAPERTURE *a);
int aperture_map_exit(ddirr_model *m, const pending *p);
int aperture_map_stash(ddirr_model *m, pending *p, const DXGKARG_MAPCPUHOSTAPERTURE *a);
void aperture_unmap_entry(ddirr_model *m, const DXGKARG_UNMAPCPUHOSTAPERTURE *a);
int aperture_unmap_stash(ddirr_model *m, pending *p, const DXGKARG_UNMAPCPUHOSTAPERTURE *a);
void aperture_unmap_exit(ddirr_model *m, const pending *p);
/* Reports `inv` if slots still map allocation a (what = "evicted", ...). */
void aperture_check_unmapped(ddirr_model *m, const alloc_obj *a, int inv, const char *what);
void aperture_check_all_unmapped(ddirr_model *m, int inv, const char *what);

/* residency.c */
void paging_entry(ddirr_model *m, const DXGKARG_BUILDPAGINGBUFFER *b);
int paging_stash(ddirr_model *m, pending *p, const DXGKARG_BUILDPAGINGBUFFER *b);
void paging_exit(ddirr_model *m, const pending *p, NTSTATUS status);

/* vidmm.c */
int vidmm_choose_va(ddirr_model *m, const process_obj *p, uint64_t size, uint64_t alignment, uint64_t base,
		    uint64_t min, uint64_t max, uint64_t *va);
process_obj *model_process_by_dxgk(const ddirr_model *m, uint64_t dxgk);

/* vaspace.c */
int va_insert(ddirr_model *m, process_obj *p, const va_range *r);
const va_range *va_overlap(const process_obj *p, uint64_t start, uint64_t end);
void va_remove_owner(ddirr_model *m, process_obj *p, uint64_t owner);
process_obj *va_space_of_context_allocation(ddirr_model *m, const ctx_alloc_obj *c);

#endif
