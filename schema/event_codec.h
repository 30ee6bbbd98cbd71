/* Conversion between public events (C call frames) and their protobuf-c
 * messages, driven by the DDI description. Internal to the schema library. */
#ifndef DDIRR_EVENT_CODEC_H
#define DDIRR_EVENT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/event.h"

/* Fills *pb, which the caller has initialised with DDIRR__EVENT__INIT, from
 * ev. Submessages and copies come from arena a; arrays in ev's frame may be
 * referenced, not copied, so ev must outlive the pack of *pb. Only the fields
 * of ev->phase are encoded. Returns 0 or DDIRR_ENOMEM. */
int ddirr_event_to_pb(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a);

/* ddirr_event_to_pb for a record that is only to be packed (the trace
 * writer's): sets *bound to an upper bound of the packed size of *pb (seq
 * and time in either form), found without sizing the message, so that the
 * caller can pack straight into that much room; and gives the messages
 * under args descriptors that leave out the fields they cannot have (the
 * other phase's, and the plain form of an array that went in its delta or runs
 * form), for packing only: the bytes are the same, and protobuf-c visits
 * fewer fields. Nothing may look fields up in them or unpack with them. */
int ddirr_event_to_pb_bound(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a, size_t *bound);

/* ddirr_event_to_pb_bound for a call's entry and exit as one record of
 * phase CALL (format version 5): the entry's seq, thread, parent and time,
 * exit_time_delta_ns, and an args message with the entry's fields and the
 * exit's, packed through a descriptor with both. Returns 1, having set
 * nothing, when the two cannot be one record (ddirr_trace_writer_append_call
 * says when they can); else 0 or DDIRR_ENOMEM. */
int ddirr_event_call_to_pb_bound(Ddirr__Event *pb, const ddirr_event *entry, const ddirr_event *exit_,
				 ddirr_arena *a, size_t *bound);

/* Format version 5: turns every record of phase CALL in batch b (deltas
 * resolved) into its entry and its exit, in place, in that order: the
 * exit a copy with the phase EXIT and the time time_ns +
 * exit_time_delta_ns, sharing args (the codec reads each phase's fields
 * of it). The new arrays come from arena a, which must be the one the
 * batch was unpacked into. Returns 0, DDIRR_ENOMEM, or DDIRR_ECORRUPT
 * (message "WHERE: record I: ...") for an exit time past 2^64 - 1 or an
 * exit_time_delta_ns on a record of another phase. */
int ddirr_batch_split_calls(Ddirr__EventBatch *b, ddirr_arena *a, const char *where);

/* For packing the record *pb only (never for unpacking or freeing one): a
 * descriptor of Event that keeps, of the members of its `args` oneof, only
 * the one set, leaves out `ddi` (the args member gives it: format version
 * 3), leaves out seq and time_ns when both are zero (the delta form) and
 * parent_seq when it is zero, and puts the record's time (time_ns,
 * time_delta_ns) on the wire after the args (event_codec.c says why).
 * protobuf-c visits every field of a message it sizes or packs, so this
 * one has 25 to 28 fields fewer to look at. Call it once *pb's seq, time
 * and parent_seq are set. (The messages under args that
 * ddirr_event_to_pb_bound made already have their own pack descriptors.)
 * The bytes unpack to the same Event but for `ddi`, which
 * ddirr_event_pb_ddi() gives back; protobuf allows the order of the fields.
 * Lookups by name work, by number they miss.
 * Event's own descriptor for a record without args (its ddi must then be
 * on the wire), or whose ddi and args disagree or are out of range, or
 * while the plans cannot be built. Built once, with the encoding plans;
 * lives as long as the process. */
const ProtobufCMessageDescriptor *ddirr_event_pack_descriptor(const Ddirr__Event *pb);

/* The DDI of an unpacked record: its `ddi` field, or when that is absent
 * (format 3 leaves it out), the number of its `args` member minus
 * DDIRR_EVENT_ARGS_BASE; 0 when it has neither. A hostile file can put any
 * int32 in `ddi`: the caller checks the range. */
int ddirr_event_pb_ddi(const Ddirr__Event *pb);

/* Format version 2 carries a record's seq and time as deltas from the
 * previous record of the same chunk; the first record of a chunk counts from
 * zero, so every chunk decodes on its own. */
typedef struct ddirr_delta_base {
	uint64_t seq, time_ns;
} ddirr_delta_base;

/* Writes ev's seq and time into pb in the version-2 form, relative to
 * *base (the previous record of the chunk; zeros at its start), and moves
 * *base on to ev: absolute values after a zero base (the first record of a
 * chunk) or when a step is too large for an int64, deltas otherwise.
 * Returns 0, or 1 (and leaves *base alone) when the record cannot follow
 * this base: a value 0 after one of 2^63 or more. From a zero base it always
 * succeeds, so the writer then starts a new chunk. */
int ddirr_event_pb_set_deltas(Ddirr__Event *pb, const ddirr_event *ev, ddirr_delta_base *base);

/* Turns every record of a version-2 batch (one chunk) into the absolute
 * form, in place: seq and time_ns set, the deltas zeroed, so that
 * ddirr_event_from_pb reads it as it reads version 1. Returns 0, or
 * DDIRR_ECORRUPT (message "WHERE: record I: ...") for a delta that would
 * carry a value past 0 or 2^64 - 1, or a value in both forms. */
int ddirr_batch_resolve_deltas(Ddirr__EventBatch *b, const char *where);

/* Fills *ev from pb. The frame and every array it points at come from arena
 * a. Every count is checked against the reader's limits before anything is
 * allocated. `where` names the source for error messages ("t.ddirr at byte
 * 1234"). Returns 0, DDIRR_ECORRUPT, DDIRR_ELIMIT or DDIRR_ENOMEM. */
int ddirr_event_from_pb(ddirr_event *ev, const Ddirr__Event *pb, ddirr_arena *a, const char *where);

/* The same for one described struct outside any event (every field, both
 * phases): encodes the struct at base into msg, which the caller has
 * initialised with the struct's message descriptor, or decodes msg into the
 * struct at base (zeroed first). Same returns and limits as above. */
struct ddirr_struct_desc;
int ddirr_struct_to_pb(ProtobufCMessage *msg, const struct ddirr_struct_desc *s, const void *base, ddirr_arena *a);
int ddirr_struct_from_pb(void *base, const struct ddirr_struct_desc *s, const ProtobufCMessage *msg, ddirr_arena *a,
			 const char *where);

#endif
