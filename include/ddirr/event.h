/* One trace record: the entry or the exit of one call. */
#ifndef DDIRR_EVENT_H
#define DDIRR_EVENT_H

#include <stdint.h>

#include "ddirr/ddi.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ddirr_phase {
	DDIRR_PHASE_ENTRY = 1, /* in-args */
	DDIRR_PHASE_EXIT = 2   /* out-args and return value */
};

/* Stands for private driver data a trace keeps only as a digest (privacy
 * tier "hashed"): the BYTES member at `slot` in the event's frame is NULL,
 * its size field still says how many bytes the driver passed, and sha256 is
 * the SHA-256 of those bytes. */
typedef struct ddirr_opaque_digest {
	const void *slot; /* address of the pointer member, inside the frame */
	uint8_t sha256[32];
} ddirr_opaque_digest;

typedef struct ddirr_event {
	uint64_t seq;        /* global call number in entry order; from 1; an exit
	                        carries its entry's seq */
	uint64_t parent_seq; /* for a callback: seq of the DDI it was made from; 0 if none */
	uint64_t time_ns;    /* monotonic timestamp */
	uint32_t thread;     /* recorder thread number */
	uint32_t ddi;        /* enum ddirr_ddi */
	uint32_t phase;      /* enum ddirr_phase */
	/* The call frame, a `ddirr_frame_<Name>` for `ddi`, or NULL when the
	   record carries no arguments. Only the fields of this phase are
	   meaningful: in-fields on ENTRY, out-fields and ReturnValue on EXIT. */
	const void *frame;
	/* Digests of private data kept as digests only (see above); NULL and 0
	   when none. Borrowed like the frame. */
	const ddirr_opaque_digest *digests;
	uint32_t n_digests;
} ddirr_event;

#ifdef __cplusplus
}
#endif
#endif
