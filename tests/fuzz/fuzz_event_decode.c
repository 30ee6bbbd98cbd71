/* Fuzz target: event decode. The input is one serialized ddirr.EventBatch,
 * the content of a data chunk. Unpacks it as the reader of a format-5 trace
 * does (protobuf-c into an arena, the deltas resolved, each record of phase
 * CALL split into its entry and its exit), then decodes every record into a
 * call frame (ddirr_event_from_pb), renders it as text and JSON, and
 * encodes it again (ddirr_event_to_pb and pack), which must succeed for
 * anything the decoder accepted. An entry followed by its exit is also
 * encoded as one record (ddirr_event_call_to_pb_bound, as the recorder's
 * drain does), which must pack within the bound it gives. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "event_codec.h"

static FILE *devnull;

static void *pb_alloc(void *data, size_t size)
{
	return ddirr_arena_alloc(data, size);
}

static void pb_free(void *data, void *p)
{
	(void)data; /* the arena frees everything at once */
	(void)p;
}

/* Packs pb, which must fit `bound` bytes when bound is not 0. */
static void repack(const Ddirr__Event *pb, size_t bound)
{
	size_t len = protobuf_c_message_get_packed_size(&pb->base);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf || protobuf_c_message_pack(&pb->base, buf) != len || (bound && len > bound))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ddirr_arena in = DDIRR_ARENA_INIT, dec[2] = {DDIRR_ARENA_INIT, DDIRR_ARENA_INIT}, out = DDIRR_ARENA_INIT;
	ProtobufCAllocator alloc = {pb_alloc, pb_free, &in};
	Ddirr__EventBatch *b;
	ddirr_event prev;
	int have_prev = 0;
	size_t i;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	/* The reader caps a chunk's content at 64 MiB and its unpacked form
	   at 256 MiB; inputs stay far below. */
	in.limit = 256u << 20;
	b = ddirr__event_batch__unpack(&alloc, size, data);
	if (!b || ddirr_batch_resolve_deltas(b, "fuzz input") || ddirr_batch_split_calls(b, &in, "fuzz input"))
		goto done;
	for (i = 0; i < b->n_events; i++) {
		ddirr_arena *a = &dec[i & 1]; /* the record before stays decoded */
		ddirr_event ev;
		Ddirr__Event pb = DDIRR__EVENT__INIT;
		size_t bound;
		int rc;

		ddirr_arena_reset(a);
		a->limit = 256u << 20;
		if (ddirr_event_from_pb(&ev, b->events[i], a, "fuzz input")) {
			have_prev = 0;
			continue;
		}
		ddirr_dump_event(devnull, &ev, 0);
		ddirr_dump_event(devnull, &ev, DDIRR_DUMP_JSON | DDIRR_DUMP_FULL_ARRAYS);
		ddirr_arena_reset(&out);
		if (ddirr_event_to_pb(&pb, &ev, &out))
			abort(); /* only DDIRR_ENOMEM is allowed, and inputs are small */
		repack(&pb, 0);
		if (have_prev) {
			Ddirr__Event call = DDIRR__EVENT__INIT;

			ddirr_arena_reset(&out);
			rc = ddirr_event_call_to_pb_bound(&call, &prev, &ev, &out, &bound);
			if (rc < 0)
				abort(); /* 1: not one call; else it encodes */
			if (rc == 0) {
				call.base.descriptor = ddirr_event_pack_descriptor(&call);
				repack(&call, bound);
			}
		}
		prev = ev;
		have_prev = 1;
	}
done:
	ddirr_arena_release(&in);
	ddirr_arena_release(&dec[0]);
	ddirr_arena_release(&dec[1]);
	ddirr_arena_release(&out);
	return 0;
}
