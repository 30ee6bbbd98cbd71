/* Writes the crafted part of the fuzz corpora from golden traces:
 *
 *   make_seeds OUTDIR TRACE...
 *
 * For each trace, into OUTDIR/<target>/: small traces made of its first
 * records (clean, and left as a crash leaves them), cut in the middle of a
 * chunk, and serialized EventBatch messages of a few records. Small seeds
 * let the fuzzer mutate what matters: the 24 KiB schema every header embeds
 * is dropped from the small traces (the reader does not need it).
 * Run by hand when the format changes; the output is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "event_codec.h"
#include "trace_format.h"

static void die(const char *what)
{
	fprintf(stderr, "make_seeds: %s: %s\n", what, ddirr_error_last());
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len = 0;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die(path);
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		die(path);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static void spit(const char *path, const void *a, size_t na, const void *b, size_t nb)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) || fclose(f))
		die(path);
}

/* Rewrites the trace at path without the schema in its header, keeping
 * only its first `keep` bytes after the header (all when keep is 0). */
static void strip_schema(const char *path, size_t keep)
{
	size_t n, plen;
	uint8_t *buf = slurp(path, &n), head[16];
	uint32_t size = ddirr_le32_get(buf + 4);
	Ddirr__TraceHeader *h = ddirr__trace_header__unpack(NULL, size - 8, buf + 16);
	uint8_t *packed;
	size_t rest = n - (8 + size);
	ProtobufCBinaryData schema;

	if (!h)
		die("header");
	schema = h->schema;
	h->schema.len = 0;
	h->schema.data = NULL;
	plen = ddirr__trace_header__get_packed_size(h);
	packed = malloc(plen + sizeof(head));
	memcpy(head, buf, 16);
	ddirr_le32_put(head + 4, (uint32_t)(plen + 8));
	memcpy(packed, head, 16);
	ddirr__trace_header__pack(h, packed + 16);
	if (keep && keep < rest)
		rest = keep;
	spit(path, packed, plen + 16, buf + 8 + size, rest);
	h->schema = schema;
	ddirr__trace_header__free_unpacked(h, NULL);
	free(packed);
	free(buf);
}

/* Writes the first `records` records of src to path, `per_chunk` records a
 * chunk; closed cleanly or, when crash is set, left as a crash leaves it.
 * With `calls`, an entry and the exit right after it go as one record
 * where the writer can make one (format 5, phase CALL): a second reader,
 * one record ahead, gives the exit, since a reader's event lasts only
 * until its next. */
static void small_trace(const char *src, const char *path, int records, uint32_t per_chunk, int crash, int calls)
{
	ddirr_trace *t = NULL, *ahead = NULL;
	ddirr_trace_writer *w = NULL;
	ddirr_trace_writer_options o = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	const ddirr_event *ev, *next = NULL;
	int i, rc;

	o.chunk_records = per_chunk;
	if (ddirr_trace_open(&t, src) || ddirr_trace_open(&ahead, src) || ddirr_trace_next(ahead, &next) < 0)
		die(src);
	if (ddirr_trace_writer_open(&w, path, ddirr_trace_get_info(t), &o))
		die(path);
	for (i = 0; i < records && ddirr_trace_next(t, &ev) == 1; i++) {
		if (ddirr_trace_next(ahead, &next) < 0)
			die(src);
		rc = calls && next && i + 1 < records ? ddirr_trace_writer_append_call(w, ev, next) : 1;
		if (rc == 1)
			rc = ddirr_trace_writer_append(w, ev);
		else if (rc == 0 && (ddirr_trace_next(t, &ev) != 1 || ddirr_trace_next(ahead, &next) < 0))
			die(src);
		else if (rc == 0)
			i++;
		if (rc)
			die(path);
	}
	if (crash)
		ddirr_trace_writer_flush(w);
	else if (ddirr_trace_writer_close(w))
		die(path);
	ddirr_trace_writer_free(w);
	ddirr_trace_free(ahead);
	ddirr_trace_free(t);
}

/* One small trace seed: OUTDIR/TARGET/BASE-KIND.ddirr, without schema. */
static void seed(const char *outdir, const char *target, const char *base, const char *kind, const char *src,
		 int records, uint32_t per_chunk, int crash, size_t keep)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s-%s.ddirr", outdir, target, base, kind);
	small_trace(src, path, records, per_chunk, crash, strstr(kind, "calls") != NULL);
	strip_schema(path, keep);
}

/* Appends pb to the serialized EventBatch at *buf (*len bytes): a batch
 * of one record, since the records of a batch are its concatenated
 * `events` fields. */
static void append_record(uint8_t **buf, size_t *len, Ddirr__Event *pb)
{
	Ddirr__Event *one[1] = {pb};
	Ddirr__EventBatch b = DDIRR__EVENT_BATCH__INIT;
	size_t n;

	b.n_events = 1;
	b.events = one;
	n = ddirr__event_batch__get_packed_size(&b);
	if (!(*buf = realloc(*buf, *len + n)))
		die("out of memory");
	*len += ddirr__event_batch__pack(&b, *buf + *len);
}

/* Writes `batches` EventBatch messages of `per` records each from src, in
 * the absolute form. Each record is packed while its event is still the
 * reader's (the encoding references some of its arrays, and the reader
 * reuses their memory for the next record). With `calls`, an entry and the
 * exit right after it go as one record of phase CALL where they can (the
 * second reader, one record ahead, gives the exit, as in small_trace()),
 * and the files are named BASE-calls-batchN.pb. The first `skip` records
 * are left out. */
static void batches(const char *src, const char *dir, const char *base, int skip, int batches, int per, int calls)
{
	ddirr_trace *t = NULL, *ahead = NULL;
	const ddirr_event *ev, *next = NULL;
	ddirr_arena a = DDIRR_ARENA_INIT;
	char path[4096];
	int i, j;

	if (ddirr_trace_open(&t, src) || ddirr_trace_open(&ahead, src) || ddirr_trace_next(ahead, &next) < 0)
		die(src);
	for (i = 0; i < skip; i++)
		if (ddirr_trace_next(t, &ev) != 1 || ddirr_trace_next(ahead, &next) < 0)
			die(src);
	for (i = 0; i < batches; i++) {
		uint8_t *buf = NULL;
		size_t len = 0, bound;
		int rc;

		for (j = 0; j < per && ddirr_trace_next(t, &ev) == 1; j++) {
			Ddirr__Event pb = DDIRR__EVENT__INIT;

			if (ddirr_trace_next(ahead, &next) < 0) /* NULL after the last */
				die(src);
			ddirr_arena_reset(&a);
			rc = calls && next ? ddirr_event_call_to_pb_bound(&pb, ev, next, &a, &bound) : 1;
			if (rc == 1)
				rc = ddirr_event_to_pb(&pb, ev, &a);
			if (rc)
				die(src);
			append_record(&buf, &len, &pb);
			/* a CALL record took the exit too */
			if (pb.phase == DDIRR__PHASE__CALL &&
			    (ddirr_trace_next(t, &ev) != 1 || ddirr_trace_next(ahead, &next) < 0))
				die(src);
		}
		if (j == 0)
			break;
		snprintf(path, sizeof(path), "%s/%s-%sbatch%d.pb", dir, base, calls ? "calls-" : "", i);
		spit(path, buf, len, NULL, 0);
		free(buf);
	}
	ddirr_arena_release(&a);
	ddirr_trace_free(ahead);
	ddirr_trace_free(t);
}

int main(int argc, char **argv)
{
	char path[4096], base[256];
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: make_seeds OUTDIR TRACE...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		const char *slash = strrchr(argv[i], '/'), *name = slash ? slash + 1 : argv[i];
		size_t len = strcspn(name, ".");

		snprintf(base, sizeof(base), "%.*s", (int)len, name);
		/* The reader and info/dump: a few records over several chunks,
		   closed, crashed, and cut in the middle of a chunk. Replay: enough
		   calls for the model to hold some state. */
		seed(argv[1], "trace_reader", base, "small", argv[i], 24, 6, 0, 0);
		seed(argv[1], "trace_reader", base, "crashed", argv[i], 24, 6, 1, 0);
		seed(argv[1], "trace_reader", base, "cut", argv[i], 24, 6, 1, 300);
		seed(argv[1], "trace_reader", base, "calls-crashed", argv[i], 160, 40, 1, 0);
		seed(argv[1], "info_dump", base, "small", argv[i], 12, 4, 0, 0);
		seed(argv[1], "replay_model", base, "prefix", argv[i], 160, 40, 0, 0);
		seed(argv[1], "replay_model", base, "prefix-calls", argv[i], 160, 40, 0, 0);
		snprintf(path, sizeof(path), "%s/event_decode", argv[1]);
		batches(argv[i], path, base, 0, 6, 4, 0);
		/* past the start of a capture (AddDevice, StartDevice,
		   QueryAdapterInfo), whose exits have out-arguments */
		batches(argv[i], path, base, 24, 2, 8, 1);
	}
	return 0;
}
