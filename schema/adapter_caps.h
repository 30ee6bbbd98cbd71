/* The adapter's caps as its driver reported them: segments, GPU MMU and
 * page-table levels, gathered from the QueryAdapterInfo calls a trace
 * records. The trace writer keeps one and writes it in a CAPS frame when it
 * changes, so that a trace says which adapter it came from without being
 * replayed, even when a flight-mode trace no longer holds those calls.
 * Internal to the schema library. */
#ifndef DDIRR_ADAPTER_CAPS_H
#define DDIRR_ADAPTER_CAPS_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/event.h"

enum {
	DDIRR_CAPS_MAX_SEGMENTS = 64,
	DDIRR_CAPS_MAX_LEVELS = 8,   /* DXGK_GPUMMUCAPS.PageTableLevelCount is at most 6 today */
	DDIRR_CAPS_MAX_STRIDE = 4096,
	DDIRR_CAPS_MAX_PENDING = 16  /* QueryAdapterInfo calls in flight at once */
};

/* What a QueryAdapterInfo entry asked, kept until its exit: the exit record
 * holds only the outputs. */
typedef struct ddirr_caps_pending {
	uint64_t seq;
	uint32_t type;
	uint32_t adapter; /* PhysicalAdapterIndex of the query */
	uint32_t level;   /* LevelIndex of a PAGETABLELEVELDESC query */
} ddirr_caps_pending;

typedef struct ddirr_caps {
	uint32_t dxgkrnl_version;   /* DXGKRNL_INTERFACE.Version at StartDevice, 0 = not seen */
	uint32_t physical_adapters; /* highest PhysicalAdapterIndex answered, plus one */
	uint32_t stride;            /* SegmentDescriptorStride of the list kept */
	uint32_t n_segments;        /* of physical adapter 0; index 0 is SegmentId 1 */
	uint8_t *raw;               /* n_segments descriptors of `stride` bytes */
	int have_mmu;
	DXGK_GPUMMUCAPS mmu;
	uint32_t level_mask; /* bit i: levels[i] was answered */
	DXGK_PAGE_TABLE_LEVEL_DESC levels[DDIRR_CAPS_MAX_LEVELS];
	ddirr_caps_pending pending[DDIRR_CAPS_MAX_PENDING];
	uint32_t n_pending, next_pending;
} ddirr_caps;

void ddirr_caps_init(ddirr_caps *c);
void ddirr_caps_free(ddirr_caps *c);

/* True when c holds anything worth writing. */
int ddirr_caps_known(const ddirr_caps *c);

/* Learns from ev when it is a QueryAdapterInfo record that describes the
 * adapter (the entry says what was asked, a successful exit answers it) or
 * a StartDevice entry (the kernel's interface version).
 * Returns 1 when the caps changed, 0 when not, DDIRR_ENOMEM. */
int ddirr_caps_note(ddirr_caps *c, const ddirr_event *ev);

/* False for a record ddirr_caps_note() learns nothing from, whatever it
 * holds: every call but StartDevice and QueryAdapterInfo. Inline, for the
 * writer's every record (about 26 instructions a record out of line). */
static inline int ddirr_caps_may_note(uint32_t ddi)
{
	return ddi == DDIRR_DDI_StartDevice || ddi == DDIRR_DDI_QueryAdapterInfo;
}

/* Fills msg (initialised by the caller) from c. Submessages come from a. */
int ddirr_caps_to_pb(Ddirr__AdapterCaps *msg, const ddirr_caps *c, ddirr_arena *a);

/* From dump.c: every field of the described struct at base, as dump
 * prints a frame (text or, with DDIRR_DUMP_JSON, a JSON object). */
struct ddirr_struct_desc;
void ddirr_dump_struct(FILE *out, const struct ddirr_struct_desc *s, const void *base, unsigned flags);

#endif
