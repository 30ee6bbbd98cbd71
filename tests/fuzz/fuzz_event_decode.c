/* Fuzz target: event decode. The input is one serialized ddirr.EventBatch,
 * the content of a data chunk. Unpacks it as the reader does (protobuf-c,
 * then ddirr_event_from_pb into a call frame), renders every decoded record
 * as text and JSON, and encodes it again (ddirr_event_to_pb and pack), which
 * must succeed for anything the decoder accepted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "event_codec.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ddirr_arena a = DDIRR_ARENA_INIT, out = DDIRR_ARENA_INIT;
	Ddirr__EventBatch *b;
	size_t i;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	/* The reader caps a chunk's content at 64 MiB; inputs stay far below. */
	b = ddirr__event_batch__unpack(NULL, size, data);
	if (!b)
		return 0;
	a.limit = 256u << 20;
	for (i = 0; i < b->n_events; i++) {
		ddirr_event ev;
		Ddirr__Event pb = DDIRR__EVENT__INIT;
		uint8_t *buf;
		size_t len;

		ddirr_arena_reset(&a);
		if (ddirr_event_from_pb(&ev, b->events[i], &a, "fuzz input"))
			continue;
		ddirr_dump_event(devnull, &ev, 0);
		ddirr_dump_event(devnull, &ev, DDIRR_DUMP_JSON | DDIRR_DUMP_FULL_ARRAYS);
		ddirr_arena_reset(&out);
		if (ddirr_event_to_pb(&pb, &ev, &out))
			abort(); /* only DDIRR_ENOMEM is allowed, and inputs are small */
		len = protobuf_c_message_get_packed_size(&pb.base);
		buf = malloc(len ? len : 1);
		if (!buf || protobuf_c_message_pack(&pb.base, buf) != len)
			abort();
		free(buf);
	}
	ddirr__event_batch__free_unpacked(b, NULL);
	ddirr_arena_release(&a);
	ddirr_arena_release(&out);
	return 0;
}
