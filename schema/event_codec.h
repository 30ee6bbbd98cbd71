/* Conversion between public events (C call frames) and their protobuf-c
 * messages, driven by the DDI description. Internal to the schema library. */
#ifndef DDIRR_EVENT_CODEC_H
#define DDIRR_EVENT_CODEC_H

#include <stdint.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/event.h"

/* Fills *pb, which the caller has initialised with DDIRR__EVENT__INIT, from
 * ev. Submessages and copies come from arena a; arrays in ev's frame may be
 * referenced, not copied, so ev must outlive the pack of *pb. Only the fields
 * of ev->phase are encoded. Returns 0 or DDIRR_ENOMEM. */
int ddirr_event_to_pb(Ddirr__Event *pb, const ddirr_event *ev, ddirr_arena *a);

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
