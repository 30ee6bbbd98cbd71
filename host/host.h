/* The capture host's insides (see include/ddirr/capture.h).
 *
 *   port.c      the driver: dlopen, DxgkInitialize, the recorder, the
 *               callback table, calling a DDI by frame
 *   vidmm.c     dxgkrnl and VidMm: every call goes through here, is applied
 *               to the host's model and checked against the driver's probe;
 *               the callbacks are answered here
 *   residency.c VidMm's memory work: commit, evict, relocate, CPU locks
 *               through the host aperture, page tables and GPU VA mappings
 *   scenarios.c the named scenarios
 *   capture.c   ddirr_capture_run
 *
 * Every choice comes from the model's seeded generator and its VidMm
 * decisions, so a seed reproduces the calls; the addresses of buffers the
 * host hands to the driver come from fixed memory (fixed_memory.c) for the
 * same reason. */
#ifndef DDIRR_HOST_H
#define DDIRR_HOST_H

#include <stdint.h>
#include <stdio.h>

#include "ddirr/capture.h"
#include "ddirr/ddi.h"
#include "ddirr/model.h"
#include "ddirr/probe.h"

#define HOST_MAX_ALLOCATIONS 512
#define HOST_MAX_PROCESSES 16
#define HOST_MAX_DEVICES 32
#define HOST_MAX_CONTEXTS 64
#define HOST_MAX_MAPS 4
#define HOST_MAX_SEGMENTS 8
#define HOST_MAX_LEVELS 6

/* ---- the driver (port.c) */

typedef struct host_port {
	void *dl;
	DRIVER_INITIALIZATION_DATA did; /* the driver's table, wrapped by the recorder */
	int initialized;
	ddirr_probe_aperture_slot_fn probe_aperture;
	ddirr_probe_gpu_va_fn probe_va;
	char version[128];
} host_port;

struct host;

/* Loads the driver at path and runs its DriverEntry, whose DxgkInitialize
 * call lands in the host (on_initialize sees the table before the copy).
 * Returns 0 or DDIRR_EIO with a message. */
int port_load(host_port *p, const char *path, void (*on_initialize)(DRIVER_INITIALIZATION_DATA *did));
/* Fills iface with the host's callbacks, which call host_callback(). */
void port_callbacks(DXGKRNL_INTERFACE *iface);
/* Whether the driver registered DDI id. */
int port_has(const host_port *p, uint32_t id);
/* Calls DDI id with the frame's arguments; the result lands in the frame.
 * Returns 0, or -1 when the driver registered no such DDI. */
int port_call(host_port *p, uint32_t id, void *frame);

/* ---- fixed memory (fixed_memory.c) */

/* Memory at the same address in every run, when the OS allows it (the DMA
 * buffer and MDLs: their addresses are recorded). */
void *fixed_memory(size_t size);
void fixed_memory_release(void);

/* ---- VidMm's bookkeeping */

typedef struct host_process host_process;

typedef struct host_va_map {
	host_process *proc;
	uint64_t va;
	uint64_t pages; /* 4 KB pages */
} host_va_map;

typedef struct host_alloc {
	int live;
	uint64_t handle;   /* KMD handle */
	uint64_t size;
	uint32_t set;      /* SupportedWriteSegmentSet */
	uint32_t kind;     /* samplekmd_alloc_kind the UMD asked for */
	uint64_t ctx_dxgk; /* a context allocation: dxgkrnl's handle; 0 otherwise */
	int in_system;     /* its content lives in system memory (evicted) */
	int ever_resident;
	uint64_t lru;
	int pinned;        /* not evicted under pressure */
	void *mdl;         /* the system-memory copy's MDL (fixed memory) */
	host_va_map maps[HOST_MAX_MAPS];
	int n_maps;
} host_alloc;

typedef struct host_table {
	uint64_t key;    /* level << 56 | VA bits above that level's reach */
	uint64_t offset; /* in the page-table segment */
} host_table;

struct host_process {
	int live;
	uint64_t kmd, dxgk;
	int system;
	uint64_t root; /* offset of the root table in the page-table segment */
	int has_root;
	int root_set;  /* a context of it has had SetRootPageTable */
	uint64_t va_next; /* VA for the UMD's mappings (above the model's) */
	host_table *tables;
	size_t n_tables, cap_tables;
};

typedef struct host_device {
	int live;
	uint64_t kmd, dxgk;
	host_process *proc;
	int system;
} host_device;

typedef struct host_context {
	int live;
	uint64_t kmd, dxgk;
	host_device *dev;
	uint32_t node;
	int system;
	host_alloc *ring; /* its context allocation, once committed */
} host_context;

/* A context allocation the driver made during the DDI being issued; VidMm
 * commits and maps it when the DDI returns. */
typedef struct host_ring {
	uint64_t dxgk, kmd, size, device_dxgk;
	uint32_t set;
	uint64_t va, pages;
	int destroyed;
} host_ring;

typedef struct host_segment {
	uint32_t id, flags, page_size;
	uint64_t size;
	uint64_t aperture_base;
	uint32_t aperture_slots;
} host_segment;

typedef struct host {
	const ddirr_capture_options *opts;
	ddirr_capture_result *res;
	host_port port;
	ddirr_model *m;
	uint64_t seq;
	uint64_t current;     /* seq of the DDI being issued, 0 outside */
	uint32_t current_ddi;
	int findings_logged;

	/* the adapter, as the driver describes it */
	uint64_t adapter_kmd;
	uint64_t adapter_dxgk;
	host_segment seg[HOST_MAX_SEGMENTS + 1];
	uint32_t n_segments;
	uint32_t va_bits, levels, index_bits[HOST_MAX_LEVELS];
	uint32_t pt_segment;   /* where page tables live */
	uint64_t root_bytes;   /* GetRootPageTableSize */
	uint32_t root_entries;
	uint8_t *pt_used;      /* page-table pool: one byte per 4 KB of pt_segment */
	uint64_t pt_pages;

	/* fixed memory */
	uint8_t *dma;
	size_t dma_size;
	uint8_t *mdls;

	host_alloc alloc[HOST_MAX_ALLOCATIONS];
	host_process proc[HOST_MAX_PROCESSES];
	host_device dev[HOST_MAX_DEVICES];
	host_context ctx[HOST_MAX_CONTEXTS];
	host_ring rings[8];
	int n_rings;
	uint64_t tick;
	uint64_t next_dxgk; /* dxgkrnl handles the host makes up */
	uint32_t next_d3dkmt;

	host_process *system_process;
	host_device *system_device;
	host_context *system_context;
} host;

/* The host of the running capture: the callbacks reach it through here. */
extern host *host_current;

/* ---- vidmm.c: calls */

/* Issues DDI id: applies its entry to the model, calls the driver, applies
 * the exit, checks the probe. Returns the NTSTATUS (STATUS_SUCCESS for a
 * DDI without one); a call the driver does not have is STATUS_NOT_SUPPORTED. */
NTSTATUS host_ddi(host *h, uint32_t id, void *frame);
/* A callback made by the driver (port.c's table ends here). */
void host_callback(uint32_t id, void *frame);
/* A draw from the model's seeded generator, below n (0 for n 0). */
uint64_t host_random(host *h, uint64_t n);
/* A dxgkrnl handle nobody else uses. */
uint64_t host_new_dxgk(host *h, uint64_t base);
/* Prints a finding (at most 20) and keeps the first. */
void host_finding(host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adapter bring-up: AddDevice, StartDevice, the adapter queries, the system
 * process, device and context and the paging process's page tables.
 * Returns 0 or -1 (the driver failed: the scenario cannot go on). */
int host_start_adapter(host *h);
/* Tears down everything still alive and stops the adapter. */
void host_stop_adapter(host *h);

host_process *host_create_process(host *h);
void host_destroy_process(host *h, host_process *p);
host_device *host_create_device(host *h, host_process *p);
void host_destroy_device(host *h, host_device *d);
/* A context on node (0 3D, 1 copy): CreateContext, SetRootPageTable, and
 * the commit and mapping of the context allocation the driver made. */
host_context *host_create_context(host *h, host_device *d, uint32_t node);
void host_destroy_context(host *h, host_context *c);
/* CreateAllocation for the UMD (kind and size as in samplekmd.h). */
host_alloc *host_create_allocation(host *h, uint32_t kind, uint32_t size_kb);
void host_destroy_allocation(host *h, host_alloc *a);
/* OpenAllocation / CloseAllocation of an allocation on a device. */
uint64_t host_open_allocation(host *h, host_device *d, host_alloc *a);
void host_close_allocation(host *h, host_device *d, uint64_t device_handle);

/* ---- residency.c: VidMm's memory work */

/* Makes a resident, evicting others when the segments are full. Returns 0,
 * or -1 when it cannot be placed. */
int host_commit(host *h, host_alloc *a);
/* Unmaps its slots, invalidates its PTEs, copies it to system memory. */
void host_evict(host *h, host_alloc *a);
/* Moves it to another place in its segment (or one of its others). */
int host_relocate(host *h, host_alloc *a);
/* CPU access: map its pages through the host aperture (reclaiming slots
 * from other locks when it is full), and unmap them. */
int host_lock(host *h, host_alloc *a);
void host_unlock(host *h, host_alloc *a);
/* Maps a into p's GPU VA space (the UMD's pfnMapGpuVirtualAddressCb) and
 * writes its PTEs when resident. Returns the VA or 0. */
uint64_t host_map_va(host *h, host_alloc *a, host_process *p);
/* Writes (or invalidates) the PTEs of every mapping of a. */
void host_write_ptes(host *h, host_alloc *a, int valid);
/* Unmaps every VA of a (PTEs invalid). */
void host_unmap_all_va(host *h, host_alloc *a);
/* Writes PTEs for [va, va + pages * 4 KB) of p: valid ones for a's pages
 * from byte offset `offset`, or invalid ones (a may be NULL then). */
void host_ptes(host *h, host_process *p, uint64_t va, uint64_t pages, host_alloc *a, uint64_t offset, int valid);
/* Page tables: a new process's root, freeing a process's tables. */
int host_new_root(host *h, host_process *p);
void host_free_tables(host *h, host_process *p);
/* The paging process's tables: written by the CPU through the aperture. */
int host_init_paging_process(host *h, host_process *p);
/* Evicts least recently used allocations of `set` until `bytes` fit. */
int host_make_room(host *h, uint32_t set, uint64_t bytes, const host_alloc *keep);
/* The allocation with this KMD handle, or NULL. */
host_alloc *host_alloc_of(host *h, uint64_t handle);

/* ---- scenarios.c */

typedef struct host_scenario {
	const char *name;
	const char *text;
	int (*run)(host *h);
} host_scenario;

const host_scenario *host_scenario_find(const char *name);

#endif
