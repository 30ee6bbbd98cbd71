/* Test support: drive the aperture model with short, readable call
 * sequences, and collect the violations it reports. Each helper applies one
 * whole call (entry, any callbacks, exit) with the next seq and returns the
 * seq it used. Handles are plain numbers. */
#ifndef DDIRR_TEST_MODEL_CALLS_H
#define DDIRR_TEST_MODEL_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "ddirr/model.h"

#define CALLS_MAX_VIOLATIONS 64

typedef struct calls {
	ddirr_model *m;
	uint64_t seq;           /* last seq used */
	uint64_t parent;        /* parent seq for callbacks made "inside" a DDI; 0 = none */
	uint32_t thread;
	uint64_t adapter;       /* KMD adapter handle (MiniportDeviceContext) */
	uint64_t dxgk_adapter;  /* dxgkrnl adapter handle (DeviceHandle) */
	ddirr_violation seen[CALLS_MAX_VIOLATIONS];
	size_t n_seen;
} calls;

/* A model whose violations land in c->seen. chaos and seed go to the model. */
void calls_init(calls *c, unsigned chaos, uint64_t seed);
/* The same with any model options (their violation callback is replaced). */
void calls_init_with(calls *c, const ddirr_model_options *opts);
void calls_fini(calls *c);
/* Forgets the violations seen so far. */
void calls_clear(calls *c);

/* Applies one call: the entry with `in`, then the exit with `out` (which may
 * be the same frame, changed by the caller in between is not possible here,
 * so pass two frames when outputs differ). Returns the seq used. */
uint64_t calls_apply(calls *c, uint32_t ddi, const void *in, const void *out);

/* The standard adapter: AddDevice, StartDevice, and QUERYSEGMENT4 with
 *   segment 1: 256 MiB of VRAM, 64 KB pages, CPU host aperture of 256 slots
 *   segment 2: 64 MiB of VRAM, 4 KB pages, CPU host aperture of 1024 slots
 *   segment 3: a 512 MiB aperture segment (GPU GART over system memory)
 *   segment 4: 64 MiB of CPU-visible VRAM without host aperture */
void calls_adapter(calls *c);
/* QUERYSEGMENT4 for one physical adapter of a link, answering with the same
 * four segments (calls_adapter() asks for adapter 0). */
uint64_t calls_query_segments(calls *c, uint32_t physical_adapter);
/* StopDevice of the adapter. */
uint64_t calls_stop_device(calls *c);

/* Lifecycle */
uint64_t calls_create_process(calls *c, uint64_t dxgk, uint64_t kmd, uint64_t reserve_va, uint64_t reserve_size);
uint64_t calls_create_device(calls *c, uint64_t dxgk, uint64_t kmd, uint64_t process);
/* CreateContext on device (KMD handle; device_dxgk is its dxgkrnl handle)
 * making (when ca_dxgk != 0) one context allocation of
 * ca_size bytes with driver handle ca_driver, mapped at map_va (0: none). */
uint64_t calls_create_context(calls *c, uint64_t device, uint64_t device_dxgk, uint64_t dxgk, uint64_t kmd, uint64_t ca_driver,
			      uint64_t ca_dxgk, uint64_t ca_size, uint64_t map_va);
uint64_t calls_destroy_context(calls *c, uint64_t kmd, uint64_t ca_dxgk);
uint64_t calls_destroy_device(calls *c, uint64_t kmd);
uint64_t calls_destroy_process(calls *c, uint64_t kmd);
/* DxgkCbCreateContextAllocation (with c->parent as its parent seq): the
 * context allocation `dxgk` of `size` bytes, driver handle `driver`, for the
 * dxgkrnl device and context given (0: the system ones), with `flags`
 * (DXGK_CREATECONTEXTALLOCATIONFLAGS.Value). */
uint64_t calls_create_context_allocation(calls *c, uint32_t flags, uint64_t device_dxgk, uint64_t context_dxgk,
					 uint64_t driver, uint64_t dxgk, uint64_t size);
uint64_t calls_destroy_context_allocation(calls *c, uint64_t dxgk);

/* Allocations: CreateAllocation of one allocation (write_set bit 0 =
 * segment 1), DestroyAllocation of one. */
uint64_t calls_create_allocation(calls *c, uint64_t handle, uint64_t size, uint64_t alignment, uint32_t write_set);
uint64_t calls_destroy_allocation(calls *c, uint64_t handle);

/* Paging: Fill places an allocation at a segment address; Transfer moves it
 * (dst_segment 0 = to system memory, an eviction); Discard evicts. */
uint64_t calls_fill(calls *c, uint64_t handle, uint32_t segment, uint64_t address, uint64_t size);
uint64_t calls_transfer(calls *c, uint64_t handle, uint32_t src_segment, uint64_t src_address, uint32_t dst_segment,
			uint64_t dst_address, uint64_t size);
uint64_t calls_discard(calls *c, uint64_t handle);
uint64_t calls_map_gart(calls *c, uint32_t segment, uint64_t first, uint64_t n, int map);
/* Any paging operation, returning `status`. */
uint64_t calls_paging(calls *c, const DXGKARG_BUILDPAGINGBUFFER *b, int32_t status);
uint64_t calls_update_page_table(calls *c, uint64_t handle, uint64_t process, uint32_t level, uint32_t segment,
				 uint64_t first_address, uint64_t n);

/* CPU host aperture: slots[i] -> pages[i]. status is what the driver returns. */
uint64_t calls_map(calls *c, uint64_t handle, uint16_t segment, uint64_t n, const uint32_t *slots, const uint64_t *pages,
		   int32_t status);
/* Maps n consecutive slots from `slot` to n consecutive pages from `page`. */
uint64_t calls_map_range(calls *c, uint64_t handle, uint16_t segment, uint32_t slot, uint64_t page, uint64_t n);
uint64_t calls_unmap(calls *c, uint16_t segment, uint64_t n, const uint32_t *slots);
/* Map and Unmap with every argument given, returning `status`. */
uint64_t calls_map_args(calls *c, const DXGKARG_MAPCPUHOSTAPERTURE *a, int32_t status);
uint64_t calls_unmap_args(calls *c, const DXGKARG_UNMAPCPUHOSTAPERTURE *a, int32_t status);
uint64_t calls_unmap_range(calls *c, uint16_t segment, uint32_t slot, uint64_t n);

/* GPU VA callbacks (made with c->parent as their parent seq). */
uint64_t calls_map_context_allocation(calls *c, uint64_t adapter, uint64_t ca_dxgk, uint64_t base, uint64_t min,
				      uint64_t max, uint64_t offset_pages, uint64_t size_pages, uint64_t result);
/* MapContextAllocation with every argument given, on c->dxgk_adapter. */
uint64_t calls_map_context_allocation_args(calls *c, const DXGKARGCB_MAPCONTEXTALLOCATION *a, uint64_t result);
uint64_t calls_reserve(calls *c, uint64_t process_dxgk, uint64_t size, uint32_t alignment, uint64_t base,
		       uint64_t result);

/* Assertions: exactly one violation of `inv` was seen, and its message
 * contains `text` (NULL: any). Then forgets the violations. */
void calls_expect(calls *c, int inv, const char *text);
/* calls_expect(), then returns that violation for further asserts (valid
 * until the next violation is seen). */
const ddirr_violation *calls_expect_one(calls *c, int inv, const char *text);
/* No violation was seen. */
void calls_expect_none(calls *c);

#endif
