/* Trace-file reader with recovery (include/ddirr/trace.h; layout and the
 * recovery algorithm in docs/format.md).
 *
 * The file is hostile: every size read from it is checked against a limit
 * in trace_format.h and against the file size before anything is allocated
 * or read, protobuf-c unpacks into a size-limited arena, and damage becomes
 * a problem in the verdict rather than an error. Reading moves forward only
 * and holds at most one chunk, plus a bounded window while it looks for the
 * next frame boundary after damage. */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader: content size and flags before decoding */
#include "ddirr/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "arena.h"
#include "ddirr.pb-c.h"
#include "ddirr/error.h"
#include "event_codec.h"
#include "grow.h"
#include "trace_format.h"

enum {
	MAX_GAPS = 1024,     /* gaps kept for the verdict */
	MAX_PROBLEMS = 64,   /* problems kept for the verdict */
	MAX_HOLES = 65536,   /* seq holes tracked at once */
	SCAN_WINDOW = 1 << 20 /* bytes read at a time while resynchronising */
};

/* How far past damage the reader looks for the next frame boundary: a
 * whole data frame, its ChunkInfo and the next one. */
#define RESYNC_REACH ((uint64_t)DDIRR_TRACE_MAX_CHUNK_FRAME + 2 * (DDIRR_SKIPPABLE_HEADER_SIZE + DDIRR_TAG_SIZE + DDIRR_TRACE_MAX_CHUNK_INFO))

typedef struct seq_range {
	uint64_t lo, hi; /* entry seqs not seen, inclusive */
	uint64_t offset; /* data frame where the hole was noticed */
} seq_range;

/* The last data frame read, until its ChunkInfo frame arrives. */
typedef struct pending_chunk {
	int active;
	int damaged;
	uint64_t offset;
	size_t slot;            /* its entry in chunks[], or SIZE_MAX when the list is full */
	ddirr_trace_chunk seen; /* what decoding found */
} pending_chunk;

/* protobuf-c allocates through this, from an arena with a limit, so that a
 * hostile message cannot make it allocate more than DDIRR_TRACE_MAX_DECODED. */
typedef struct pb_budget {
	ddirr_arena *a;
	int over; /* an allocation was refused for the limit, not for lack of memory */
} pb_budget;

struct ddirr_trace {
	char *path;
	int fd;
	uint64_t file_size;
	uint64_t pos; /* where the next frame starts */
	uint64_t header_size;
	int done;     /* no frame left to read */
	int fatal;    /* the sticky error of ddirr_trace_next() */
	char fatal_msg[DDIRR_TRACE_MESSAGE_MAX];
	uint64_t stopped_at;

	ddirr_arena hdr_arena; /* the unpacked header, which info points into */
	uint8_t *caps;         /* the latest CAPS frame's AdapterCaps, which info points to */
	size_t caps_cap;
	ddirr_trace_info info;

	ZSTD_DCtx *dctx;
	uint8_t *zbuf; /* a compressed data frame */
	size_t zcap;
	uint8_t *cbuf; /* its content */
	size_t ccap;
	uint8_t *mbuf; /* skippable payloads and scan windows */
	size_t mcap;
	ddirr_arena batch_arena;   /* the unpacked batch being iterated */
	ddirr_arena meta_arena;    /* an unpacked ChunkInfo */
	ddirr_arena trailer_arena; /* the unpacked trailer, kept to the end */
	ddirr_arena ev_arena;      /* the frame of the record returned last */
	Ddirr__EventBatch *batch;
	size_t next_event;
	ddirr_event ev;
	char where[DDIRR_TRACE_MESSAGE_MAX]; /* "FILE: byte N: chunk I", for the codec */

	pending_chunk pending;
	uint32_t next_index;
	ddirr_trace_chunk *chunks;
	size_t n_chunks, chunks_cap;

	/* Statistics of the decoded chunks. */
	uint64_t frames, damaged, compressed, content, records, entries;
	uint64_t min_seq, max_seq, min_time, max_time;
	uint64_t (*ddi)[2]; /* [ddi][phase - 1], DDIRR_TRACE_MAX_DDI_ID + 1 rows */

	/* Entry seqs never seen: sorted, disjoint. */
	int seen_entry;
	uint64_t frontier;         /* largest entry seq seen */
	uint64_t last_chunk_min;   /* smallest seq of the last decoded chunk */
	seq_range *holes;
	size_t n_holes, holes_cap;
	int holes_overflow;

	ddirr_trace_gap cgaps[MAX_GAPS]; /* damaged chunks and refused records */
	size_t n_cgaps;
	uint64_t cgaps_dropped;
	ddirr_trace_problem problems[MAX_PROBLEMS];
	size_t n_problems;
	uint64_t problems_dropped;

	Ddirr__TraceTrailer *trailer; /* in trailer_arena, validated */
	int trailer_counts_ok;
	ddirr_trace_drop *drops;
	size_t n_drops;
	uint64_t dropped_records;
	ddirr_trace_fork *forks;
	size_t n_forks;

	/* The views handed out, rebuilt when something changed. */
	int dirty;
	ddirr_trace_gap *gaps;
	size_t n_gaps;
	uint64_t gaps_dropped;
	ddirr_trace_ddi_count *counts;
	size_t n_counts;
	ddirr_trace_verdict verdict;
	ddirr_trace_stats stats;
	char summary[2 * DDIRR_TRACE_MESSAGE_MAX];
};

static const Ddirr__Provenance empty_provenance = DDIRR__PROVENANCE__INIT;
static const Ddirr__CaptureSettings empty_settings = DDIRR__CAPTURE_SETTINGS__INIT;

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Records a problem at offset; the message reads "FILE: byte OFFSET: ...". */
static void problem(ddirr_trace *t, int code, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static ddirr_trace_problem *new_problem(ddirr_trace *t, int code, uint64_t offset)
{
	ddirr_trace_problem *p;

	t->dirty = 1;
	if (t->n_problems == MAX_PROBLEMS) {
		t->problems_dropped++;
		return NULL;
	}
	p = &t->problems[t->n_problems++];
	p->code = code;
	p->offset = offset;
	return p;
}

static void problem(ddirr_trace *t, int code, uint64_t offset, const char *fmt, ...)
{
	ddirr_trace_problem *p = new_problem(t, code, offset);
	va_list ap;
	int n;

	if (!p)
		return;
	n = snprintf(p->message, sizeof(p->message), "%s: byte %llu: ", t->path, (unsigned long long)offset);
	if (n < 0 || (size_t)n >= sizeof(p->message))
		return;
	va_start(ap, fmt);
	vsnprintf(p->message + n, sizeof(p->message) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void add_gap(ddirr_trace *t, const ddirr_trace_gap *g)
{
	t->dirty = 1;
	if (t->n_cgaps == MAX_GAPS)
		t->cgaps_dropped++;
	else
		t->cgaps[t->n_cgaps++] = *g;
}


/* Reads up to n bytes at off into buf; *got is short only at the end of
 * the file as it was when opened. */
static int read_at(ddirr_trace *t, void *buf, size_t n, uint64_t off, size_t *got)
{
	*got = 0;
	if (off >= t->file_size)
		return 0;
	if (n > t->file_size - off)
		n = (size_t)(t->file_size - off);
	while (*got < n) {
		ssize_t r = pread(t->fd, (uint8_t *)buf + *got, n - *got, (off_t)(off + *got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ddirr_error_set(DDIRR_EIO, "%s: byte %llu: read failed: %s", t->path,
					       (unsigned long long)(off + *got), strerror(errno));
		if (r == 0)
			break; /* the file shrank since it was opened */
		*got += (size_t)r;
	}
	return 0;
}

static void *pb_alloc(void *data, size_t size)
{
	pb_budget *b = data;
	void *p = ddirr_arena_alloc(b->a, size);

	if (!p && (size > b->a->limit || b->a->used > b->a->limit - size))
		b->over = 1;
	return p;
}

static void pb_free(void *data, void *p)
{
	(void)data; /* the arena frees everything at its next reset */
	(void)p;
}

/* Unpacks len bytes into a, which is reset first. On failure returns NULL
 * and sets *why: DDIRR_ECORRUPT, DDIRR_ELIMIT or DDIRR_ENOMEM. */
static ProtobufCMessage *unpack(const ProtobufCMessageDescriptor *d, ddirr_arena *a, const uint8_t *data,
				size_t len, int *why)
{
	pb_budget b = {a, 0};
	ProtobufCAllocator alloc = {pb_alloc, pb_free, &b};
	ProtobufCMessage *m;

	ddirr_arena_reset(a);
	a->limit = DDIRR_TRACE_MAX_DECODED;
	m = protobuf_c_message_unpack(d, &alloc, len, data);
	if (!m) {
		/* A refused allocation is the limit or memory; anything else is the input. */
		*why = b.over ? DDIRR_ELIMIT : DDIRR_ECORRUPT;
	}
	return m;
}

static const char *unpack_failure(int why)
{
	return why == DDIRR_ELIMIT ? "needs more than the 256 MiB unpack limit" : "does not parse";
}

/* ------------------------------------------------------------------ */
/* Opening: the header                                                 */

static int read_header(ddirr_trace *t)
{
	static const uint8_t magic[4] = {0x5D, 0x2A, 0x4D, 0x18}; /* DDIRR_SKIPPABLE_MAGIC, little-endian */
	uint8_t h[16];
	size_t got, i;
	uint32_t size, version;
	Ddirr__TraceHeader *hdr;
	const Ddirr__Provenance *p;
	const Ddirr__CaptureSettings *s;
	ddirr_trace_info *info = &t->info;
	int rc, why;

	if ((rc = read_at(t, h, sizeof(h), 0, &got)))
		return rc;
	if (got == 0)
		return ddirr_error_set(DDIRR_ENOTTRACE, "%s: byte 0: not a ddirr trace: the file is empty", t->path);
	/* Bytes that agree with a header frame as far as they go are a trace
	   cut short; anything else is not a trace. */
	for (i = 0; i < got && i < 12; i++) {
		uint8_t want = i < 4 ? magic[i] : i < 8 ? h[i] : (uint8_t)DDIRR_TAG_HEADER[i - 8];

		if (h[i] != want)
			return ddirr_error_set(DDIRR_ENOTTRACE,
					       "%s: byte %zu: not a ddirr trace: first frame is not a ddirr header", t->path, i);
	}
	if (got < 16)
		return ddirr_error_set(DDIRR_ETRUNC, "%s: byte %zu: the file ends inside the header frame", t->path, got);
	size = ddirr_le32_get(h + 4);
	version = ddirr_le32_get(h + 12);
	if (size < DDIRR_TAG_SIZE + 4)
		return ddirr_error_set(DDIRR_ECORRUPT, "%s: byte 4: a header frame of %u bytes cannot hold its version",
				       t->path, size);
	/* The version comes before the size limit and the parse, so that a
	   newer trace says so even if its header has grown past this reader's
	   limits or no longer parses. */
	if (version > DDIRR_FORMAT_VERSION)
		return ddirr_error_set(DDIRR_EVERSION, "%s: byte 12: trace format %u, this reader knows up to %u", t->path, version,
				       DDIRR_FORMAT_VERSION);
	if (version == 0)
		return ddirr_error_set(DDIRR_ECORRUPT, "%s: byte 12: format version 0 does not exist", t->path);
	if (size > DDIRR_TRACE_MAX_HEADER)
		return ddirr_error_set(DDIRR_ELIMIT, "%s: byte 4: header of %u bytes exceeds the limit of %u", t->path,
				       size, DDIRR_TRACE_MAX_HEADER);
	if ((uint64_t)size + DDIRR_SKIPPABLE_HEADER_SIZE > t->file_size)
		return ddirr_error_set(DDIRR_ETRUNC, "%s: byte %llu: the file ends inside the header frame (%llu bytes)",
				       t->path, (unsigned long long)t->file_size,
				       (unsigned long long)size + DDIRR_SKIPPABLE_HEADER_SIZE);
	if (ddirr_grow(&t->mbuf, &t->mcap, size))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for a %u-byte header", t->path, size);
	if ((rc = read_at(t, t->mbuf, size - 8, 16, &got)))
		return rc;
	if (got != size - 8)
		return ddirr_error_set(DDIRR_ETRUNC, "%s: byte %llu: the file ends inside the header frame", t->path,
				       (unsigned long long)(16 + got));
	hdr = (Ddirr__TraceHeader *)unpack(&ddirr__trace_header__descriptor, &t->hdr_arena, t->mbuf, got, &why);
	if (!hdr)
		return ddirr_error_set(why == DDIRR_ELIMIT ? DDIRR_ELIMIT : DDIRR_ECORRUPT,
				       "%s: byte 16: header: TraceHeader %s", t->path, unpack_failure(why));
	if (hdr->format_version != version)
		return ddirr_error_set(DDIRR_ECORRUPT, "%s: byte 16: header: format_version %u in a version %u frame",
				       t->path, hdr->format_version, version);

	p = hdr->provenance ? hdr->provenance : &empty_provenance;
	s = hdr->settings ? hdr->settings : &empty_settings;
	info->version = DDIRR_TRACE_INFO_VERSION;
	info->format_version = version;
	info->provenance.driver_path = p->driver_path;
	info->provenance.driver_version = p->driver_version;
	info->provenance.driver_sha256 = p->driver_sha256.len ? p->driver_sha256.data : NULL;
	info->provenance.driver_sha256_len = p->driver_sha256.len;
	info->provenance.driver_build = p->driver_build;
	info->provenance.interface_version = p->interface_version;
	info->provenance.host = p->host;
	info->provenance.process_name = p->process_name;
	info->provenance.pid = p->pid;
	info->provenance.recorder_version = p->recorder_version;
	info->provenance.start_unix_ns = p->start_unix_ns;
	info->provenance.os = p->os;
	info->settings.mode = s->mode;
	info->settings.buffer_bytes = s->buffer_bytes;
	info->settings.flush_interval_ms = s->flush_interval_ms;
	info->settings.privacy = s->privacy;
	info->settings.lttng = s->lttng != 0;
	info->settings.chaos_seed = s->chaos_seed;
	info->settings.chaos_seed_set = s->chaos_seed_set != 0;
	info->settings.flight_bytes = s->flight_bytes;
	info->settings.flight_triggers = s->flight_triggers;
	info->settings.crash_handlers = s->crash_handlers != 0;
	info->settings.chaos_flags = s->chaos_flags;
	info->settings.scenario = s->scenario;
	info->settings.command_line = s->command_line;
	info->settings.clock = s->clock;
	info->settings.zstd_level = s->zstd_level;
	info->settings.zstd_hash_log = s->zstd_hash_log;
	info->settings.zstd_chain_log = s->zstd_chain_log;
	info->schema = hdr->schema.len ? hdr->schema.data : NULL;
	info->schema_len = hdr->schema.len;
	if (hdr->adapter) {
		/* Handed back serialized, as the writer took it. */
		size_t n = protobuf_c_message_get_packed_size(&hdr->adapter->base);
		uint8_t *buf = ddirr_arena_alloc(&t->hdr_arena, n);

		if (!buf)
			return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for the adapter caps", t->path);
		protobuf_c_message_pack(&hdr->adapter->base, buf);
		info->adapter_caps_pb = buf;
		info->adapter_caps_len = n;
	}
	t->header_size = t->pos = (uint64_t)size + DDIRR_SKIPPABLE_HEADER_SIZE;
	return 0;
}

int ddirr_trace_open(ddirr_trace **out, const char *path)
{
	ddirr_trace *t = NULL;
	struct stat st;
	int rc;

	if (!out)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_trace_open: NULL out");
	*out = NULL;
	if (!path)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_trace_open: NULL path");
	t = calloc(1, sizeof(*t));
	if (!t || !(t->path = strdup(path))) {
		free(t);
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory opening the trace", path);
	}
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		rc = ddirr_error_set(DDIRR_EIO, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(t->fd, &st)) {
		rc = ddirr_error_set(DDIRR_EIO, "%s: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	/* The reader needs the size to check every offset in the file. */
	if (!S_ISREG(st.st_mode)) {
		rc = ddirr_error_set(DDIRR_EINVAL, "%s: not a regular file", path);
		goto fail;
	}
	t->file_size = (uint64_t)st.st_size;
	t->ddi = calloc(DDIRR_TRACE_MAX_DDI_ID + 1, sizeof(*t->ddi));
	t->dctx = ZSTD_createDCtx();
	if (!t->ddi || !t->dctx) {
		rc = ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory opening the trace", path);
		goto fail;
	}
	t->ev_arena.limit = DDIRR_TRACE_MAX_DECODED;
	/* No chunk yet: a chunk-info frame before any data frame has no entry
	   in the (still unallocated) chunk list to update. */
	t->pending.slot = SIZE_MAX;
	t->dirty = 1;
	if ((rc = read_header(t)))
		goto fail;
	*out = t;
	return 0;
fail:
	ddirr_trace_free(t);
	return rc;
}

void ddirr_trace_free(ddirr_trace *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	ZSTD_freeDCtx(t->dctx);
	free(t->zbuf);
	free(t->cbuf);
	free(t->mbuf);
	ddirr_arena_release(&t->hdr_arena);
	free(t->caps);
	ddirr_arena_release(&t->batch_arena);
	ddirr_arena_release(&t->meta_arena);
	ddirr_arena_release(&t->trailer_arena);
	ddirr_arena_release(&t->ev_arena);
	free(t->chunks);
	free(t->ddi);
	free(t->holes);
	free(t->drops);
	free(t->forks);
	free(t->gaps);
	free(t->counts);
	free(t->path);
	free(t);
}

const ddirr_trace_info *ddirr_trace_get_info(const ddirr_trace *t)
{
	return t ? &t->info : NULL;
}

/* ------------------------------------------------------------------ */
/* Chunks, seqs and the end of reading                                 */

static ddirr_trace_chunk *pending_entry(ddirr_trace *t)
{
	return t->pending.slot == SIZE_MAX ? NULL : &t->chunks[t->pending.slot];
}

static void mark_damaged(ddirr_trace *t)
{
	ddirr_trace_chunk *c = pending_entry(t);

	if (t->pending.damaged)
		return;
	t->pending.damaged = 1;
	t->pending.seen.state = DDIRR_CHUNK_DAMAGED;
	t->damaged++;
	if (c)
		c->state = DDIRR_CHUNK_DAMAGED;
	t->dirty = 1;
}

/* Closes the pending chunk when no ChunkInfo came for it. A damaged chunk
 * then leaves a gap of unknown size, unless it is where reading stops: that
 * is truncation, not a gap. */
static void end_pending(ddirr_trace *t, uint64_t stop)
{
	pending_chunk *p = &t->pending;

	if (p->active && p->damaged && p->offset < stop) {
		ddirr_trace_gap g = {DDIRR_GAP_CHUNK, 0, 0, 0, p->seen.index, p->offset};

		add_gap(t, &g);
	}
	p->active = 0;
}

/* Starts the chunk whose data frame is at off. */
static int begin_chunk(ddirr_trace *t, uint64_t off)
{
	pending_chunk *p = &t->pending;

	end_pending(t, UINT64_MAX);
	memset(p, 0, sizeof(*p));
	p->active = 1;
	p->offset = off;
	p->slot = SIZE_MAX;
	p->seen.index = t->next_index;
	p->seen.offset = off;
	p->seen.state = DDIRR_CHUNK_OK;
	if (t->next_index < UINT32_MAX)
		t->next_index++;
	t->frames++;
	t->dirty = 1;
	if (t->n_chunks < DDIRR_TRACE_MAX_CHUNKS) {
		if (t->n_chunks == t->chunks_cap) {
			size_t n = t->chunks_cap ? t->chunks_cap * 2 : 64;
			ddirr_trace_chunk *c = realloc(t->chunks, n * sizeof(*c));

			if (!c)
				return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for the chunk list", t->path);
			t->chunks = c;
			t->chunks_cap = n;
		}
		p->slot = t->n_chunks++;
		t->chunks[p->slot] = p->seen;
	}
	return 0;
}

/* Ends reading at byte stop. */
static int finish(ddirr_trace *t, uint64_t stop)
{
	end_pending(t, stop);
	t->done = 1;
	t->stopped_at = stop;
	t->batch = NULL;
	t->dirty = 1;
	return 0;
}

/* Makes room for one more hole. A file with more than MAX_HOLES open at
 * once gets one problem, not an allocation per seq. */
static int reserve_hole(ddirr_trace *t)
{
	size_t n = t->holes_cap ? t->holes_cap * 2 : 16;
	seq_range *r;

	if (t->n_holes < t->holes_cap)
		return 1;
	r = n > MAX_HOLES ? NULL : realloc(t->holes, n * sizeof(*r));
	if (!r) {
		if (!t->holes_overflow)
			problem(t, DDIRR_ELIMIT, t->pending.offset, "more than %d seq holes at once; some not tracked",
				MAX_HOLES);
		t->holes_overflow = 1;
		return 0;
	}
	t->holes = r;
	t->holes_cap = n;
	return 1;
}

/* Notes that entry seq s was seen. Holes are kept from the first entry
 * seen on: a flight-recorder trace starts wherever its ring did. */
static void note_entry(ddirr_trace *t, uint64_t s)
{
	size_t lo = 0, hi = t->n_holes;

	if (!t->seen_entry) {
		t->seen_entry = 1;
		t->frontier = s;
		return;
	}
	if (s > t->frontier) {
		if (s > t->frontier + 1 && reserve_hole(t))
			t->holes[t->n_holes++] = (seq_range){t->frontier + 1, s - 1, t->pending.offset};
		t->frontier = s;
		return;
	}
	/* A late entry (threads drained out of order) may fill a hole. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->holes[mid].hi < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n_holes || t->holes[lo].lo > s)
		return;
	if (t->holes[lo].lo == s && t->holes[lo].hi == s) {
		memmove(&t->holes[lo], &t->holes[lo + 1], (t->n_holes - lo - 1) * sizeof(*t->holes));
		t->n_holes--;
	} else if (t->holes[lo].lo == s) {
		t->holes[lo].lo++;
	} else if (t->holes[lo].hi == s) {
		t->holes[lo].hi--;
	} else if (reserve_hole(t)) {
		memmove(&t->holes[lo + 1], &t->holes[lo], (t->n_holes - lo) * sizeof(*t->holes));
		t->n_holes++;
		t->holes[lo].hi = s - 1;
		t->holes[lo + 1].lo = s + 1;
	} /* else the hole stays whole, which over-reports; the problem says so */
	t->dirty = 1;
}

/* Takes the statistics of a decoded batch. */
static void account_batch(ddirr_trace *t, const Ddirr__EventBatch *b)
{
	ddirr_trace_chunk *c = &t->pending.seen;
	size_t i;

	for (i = 0; i < b->n_events; i++) {
		const Ddirr__Event *e = b->events[i];
		int phase = (int)e->phase;
		int ddi = ddirr_event_pb_ddi(e);

		if (c->records == 0) {
			c->first_seq = c->last_seq = e->seq;
			c->min_time_ns = c->max_time_ns = e->time_ns;
		}
		if (e->seq < c->first_seq)
			c->first_seq = e->seq;
		if (e->seq > c->last_seq)
			c->last_seq = e->seq;
		if (e->time_ns < c->min_time_ns)
			c->min_time_ns = e->time_ns;
		if (e->time_ns > c->max_time_ns)
			c->max_time_ns = e->time_ns;
		c->records++;
		if (phase == DDIRR_PHASE_ENTRY) {
			c->entries++;
			note_entry(t, e->seq);
		}
		/* Enum fields of a hostile file can hold any int32. */
		if ((phase == DDIRR_PHASE_ENTRY || phase == DDIRR_PHASE_EXIT) && ddi >= 0 &&
		    ddi <= (int)DDIRR_TRACE_MAX_DDI_ID)
			t->ddi[ddi][phase - 1]++;
	}
	if (c->records) {
		if (t->records == 0 || c->first_seq < t->min_seq)
			t->min_seq = c->first_seq;
		if (t->records == 0 || c->min_time_ns < t->min_time)
			t->min_time = c->min_time_ns;
		if (c->last_seq > t->max_seq)
			t->max_seq = c->last_seq;
		if (c->max_time_ns > t->max_time)
			t->max_time = c->max_time_ns;
		t->last_chunk_min = c->first_seq;
	}
	t->records += c->records;
	t->entries += c->entries;
	t->compressed += c->frame_size;
	t->content += c->content_size;
	if (pending_entry(t))
		*pending_entry(t) = *c;
	t->dirty = 1;
}

/* Checks a ChunkInfo before any of its numbers is used, so that a hostile
 * one cannot make the reader allocate or seek past the file. Returns 0, or
 * DDIRR_ELIMIT or DDIRR_ECORRUPT with the reason in buf. */
static int chunk_info_check(const ddirr_trace *t, const Ddirr__ChunkInfo *ci, char *buf, size_t n)
{
	if (ci->frame_size > DDIRR_TRACE_MAX_CHUNK_FRAME || ci->frame_size < 9) {
		snprintf(buf, n, "frame_size %llu is outside [9, %u]", (unsigned long long)ci->frame_size,
			 DDIRR_TRACE_MAX_CHUNK_FRAME);
		return DDIRR_ELIMIT;
	}
	if (ci->content_size > DDIRR_TRACE_MAX_CHUNK_CONTENT) {
		snprintf(buf, n, "content_size %llu exceeds the limit of %u", (unsigned long long)ci->content_size,
			 DDIRR_TRACE_MAX_CHUNK_CONTENT);
		return DDIRR_ELIMIT;
	}
	/* Every record takes at least 2 bytes of a batch: a tag and a length. */
	if (ci->records > ci->content_size / 2 || ci->entries > ci->records) {
		snprintf(buf, n, "%u records (%u entries) cannot fit in %llu bytes", ci->records, ci->entries,
			 (unsigned long long)ci->content_size);
		return DDIRR_ELIMIT;
	}
	if (ci->offset > t->file_size || ci->frame_size > t->file_size - ci->offset) {
		snprintf(buf, n, "a frame at byte %llu of %llu bytes runs past the end of the file (%llu bytes)",
			 (unsigned long long)ci->offset, (unsigned long long)ci->frame_size,
			 (unsigned long long)t->file_size);
		return DDIRR_ECORRUPT;
	}
	if (ci->first_seq > ci->last_seq || ci->min_time_ns > ci->max_time_ns) {
		snprintf(buf, n, "seq %llu..%llu or time %llu..%llu runs backwards", (unsigned long long)ci->first_seq,
			 (unsigned long long)ci->last_seq, (unsigned long long)ci->min_time_ns,
			 (unsigned long long)ci->max_time_ns);
		return DDIRR_ECORRUPT;
	}
	return 0;
}

static void chunk_from_info(ddirr_trace_chunk *c, const Ddirr__ChunkInfo *ci)
{
	c->index = ci->index;
	c->has_info = 1;
	c->frame_size = ci->frame_size;
	c->content_size = ci->content_size;
	c->first_seq = ci->first_seq;
	c->last_seq = ci->last_seq;
	c->records = ci->records;
	c->entries = ci->entries;
	c->min_time_ns = ci->min_time_ns;
	c->max_time_ns = ci->max_time_ns;
}

static ddirr_trace_gap chunk_gap(const ddirr_trace_chunk *c)
{
	ddirr_trace_gap g = {DDIRR_GAP_CHUNK, c->first_seq, c->last_seq, c->records, c->index, c->offset};

	return g;
}

/* Reads the ChunkInfo frame at off (payload of size bytes, tag checked).
 * Returns it, in meta_arena, or NULL with *why set. */
static Ddirr__ChunkInfo *load_chunk_info(ddirr_trace *t, uint64_t off, uint32_t size, int *why)
{
	size_t got;
	int rc;

	if (ddirr_grow(&t->mbuf, &t->mcap, size)) {
		*why = DDIRR_ENOMEM;
		return NULL;
	}
	if ((rc = read_at(t, t->mbuf, size - DDIRR_TAG_SIZE, off + 12, &got))) {
		*why = rc;
		return NULL;
	}
	return (Ddirr__ChunkInfo *)unpack(&ddirr__chunk_info__descriptor, &t->meta_arena, t->mbuf, got, why);
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */

/* A CAPS frame at off (payload of size bytes, tag checked): the adapter
 * caps the writer had learned by then. The latest one read is what info
 * returns; a damaged one is a problem and is skipped, and the records
 * around it are not affected. */
static int read_caps(ddirr_trace *t, uint64_t off, uint32_t size)
{
	size_t got;
	int why, rc;

	t->pos = off + DDIRR_SKIPPABLE_HEADER_SIZE + size;
	if (size - DDIRR_TAG_SIZE > DDIRR_TRACE_MAX_CAPS) {
		problem(t, DDIRR_ELIMIT, off, "adapter caps of %u bytes exceed the limit of %u; skipped", size,
			DDIRR_TRACE_MAX_CAPS);
		return 0;
	}
	if (ddirr_grow(&t->mbuf, &t->mcap, size))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for %u bytes of adapter caps", t->path, size);
	if ((rc = read_at(t, t->mbuf, size - DDIRR_TAG_SIZE, off + 12, &got)))
		return rc;
	if (!unpack(&ddirr__adapter_caps__descriptor, &t->meta_arena, t->mbuf, got, &why)) {
		if (why == DDIRR_ENOMEM)
			return ddirr_error_set(why, "%s: out of memory unpacking the adapter caps", t->path);
		problem(t, why, off, "adapter caps %s; skipped", unpack_failure(why));
		return 0;
	}
	if (ddirr_grow(&t->caps, &t->caps_cap, got ? got : 1))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for the adapter caps", t->path);
	memcpy(t->caps, t->mbuf, got);
	t->info.adapter_caps_pb = t->caps;
	t->info.adapter_caps_len = got;
	return 0;
}

/* Finds where reading can go on after damage at byte start: the next
 * ChunkInfo frame that describes the pending data frame, the damaged frame
 * at start, or a data frame after start; or a trailer that ends the file.
 * Without one within RESYNC_REACH, reading stops at start. */
static int resync(ddirr_trace *t, uint64_t start)
{
	uint64_t end = start + RESYNC_REACH < t->file_size ? start + RESYNC_REACH : t->file_size;
	uint64_t base = start + 1;
	char buf[160];

	t->batch = NULL;
	while (base < end && end - base >= 12) {
		size_t want = end - base < SCAN_WINDOW ? (size_t)(end - base) : SCAN_WINDOW;
		size_t got, i;
		int rc;

		if (ddirr_grow(&t->mbuf, &t->mcap, want))
			return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory resynchronising", t->path);
		if ((rc = read_at(t, t->mbuf, want, base, &got)))
			return rc;
		for (i = 0; i + 12 <= got; i++) {
			const uint8_t *h = t->mbuf + i;
			uint64_t q = base + i;
			uint32_t size;
			Ddirr__ChunkInfo *ci;
			int why;

			if (h[0] != 0x5D || ddirr_le32_get(h) != DDIRR_SKIPPABLE_MAGIC)
				continue;
			size = ddirr_le32_get(h + 4);
			if (size < DDIRR_TAG_SIZE || size > t->file_size - q - DDIRR_SKIPPABLE_HEADER_SIZE)
				continue;
			if (!memcmp(h + 8, DDIRR_TAG_TRAILER, DDIRR_TAG_SIZE) &&
			    q + DDIRR_SKIPPABLE_HEADER_SIZE + size == t->file_size) {
				t->pos = q;
				return 0;
			}
			if (memcmp(h + 8, DDIRR_TAG_CHUNK, DDIRR_TAG_SIZE) || size - DDIRR_TAG_SIZE > DDIRR_TRACE_MAX_CHUNK_INFO)
				continue;
			/* load_chunk_info reuses mbuf: remember where the scan is. */
			ci = load_chunk_info(t, q, size, &why);
			if (!ci) {
				if (why == DDIRR_ENOMEM || why == DDIRR_EIO)
					return why;
			} else if ((rc = chunk_info_check(t, ci, buf, sizeof(buf)))) {
				/* A well-formed ChunkInfo frame that lies is worth saying so. */
				problem(t, rc, q, "chunk info %u: %s; not used", ci->index, buf);
			} else if (ci->offset + ci->frame_size == q) {
				if (t->pending.active && ci->offset == t->pending.offset) {
					t->pos = q; /* the ChunkInfo of the frame being read */
					return 0;
				}
				if (ci->offset == start) {
					/* What stood at start was a data frame whose
					   magic is damaged: it becomes a damaged chunk. */
					if ((rc = begin_chunk(t, start)))
						return rc;
					mark_damaged(t);
					t->pos = q;
					return 0;
				}
				if (ci->offset > start && ci->offset < q) {
					t->pos = ci->offset; /* a later data frame */
					return 0;
				}
			}
			/* Read the window again: load_chunk_info used mbuf. */
			if ((rc = read_at(t, t->mbuf, want, base, &got)))
				return rc;
		}
		if (got < 12)
			break;
		base += got - 11; /* overlap, so that a frame header across windows is seen */
	}
	return finish(t, start);
}

/* Measures the data frame at off from its frame header and block headers,
 * which damage to the compressed payload leaves intact. Returns 0 with
 * *fh and *size set, 1 after recording a problem, or a negative error. */
static int measure_frame(ddirr_trace *t, uint64_t off, ZSTD_frameHeader *fh, uint64_t *size)
{
	uint8_t buf[ZSTD_FRAMEHEADERSIZE_MAX];
	const uint32_t index = t->pending.seen.index;
	uint64_t q;
	size_t got, r;
	int rc;

	if ((rc = read_at(t, buf, sizeof(buf), off, &got)))
		return rc;
	r = ZSTD_getFrameHeader(fh, buf, got);
	if (ZSTD_isError(r)) {
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: bad frame header: zstd: %s", index, ZSTD_getErrorName(r));
		return 1;
	}
	if (r > 0) {
		problem(t, DDIRR_ETRUNC, off, "data frame %u: the file ends inside its frame header", index);
		return 1;
	}
	if (fh->frameType != ZSTD_frame || fh->dictID) {
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: needs dictionary %u, ddirr writes none", index, fh->dictID);
		return 1;
	}
	if (fh->frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN || fh->frameContentSize == ZSTD_CONTENTSIZE_ERROR) {
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: no content size in its header", index);
		return 1;
	}
	if (fh->frameContentSize > DDIRR_TRACE_MAX_CHUNK_CONTENT) {
		problem(t, DDIRR_ELIMIT, off, "data frame %u: content of %llu bytes exceeds the limit of %u", index,
			(unsigned long long)fh->frameContentSize, DDIRR_TRACE_MAX_CHUNK_CONTENT);
		return 1;
	}
	q = off + fh->headerSize;
	for (;;) {
		uint8_t bh[3];
		uint32_t v, type, bsize;

		if ((rc = read_at(t, bh, 3, q, &got)))
			return rc;
		if (got < 3) {
			problem(t, DDIRR_ETRUNC, off, "data frame %u runs past the end of the file (block at byte %llu)",
				index, (unsigned long long)q);
			return 1;
		}
		v = (uint32_t)bh[0] | (uint32_t)bh[1] << 8 | (uint32_t)bh[2] << 16;
		type = (v >> 1) & 3;
		bsize = v >> 3;
		if (type == 3 || bsize > fh->blockSizeMax) {
			problem(t, DDIRR_ECORRUPT, off, "data frame %u: bad block header at byte %llu (type %u, %u bytes)",
				index, (unsigned long long)q, type, bsize);
			return 1;
		}
		q += 3 + (type == 1 ? 1 : bsize); /* an RLE block stores one byte */
		if (q - off > DDIRR_TRACE_MAX_CHUNK_FRAME) {
			problem(t, DDIRR_ELIMIT, off, "data frame %u: more than the %u-byte frame limit", index,
				DDIRR_TRACE_MAX_CHUNK_FRAME);
			return 1;
		}
		if (v & 1)
			break;
	}
	if (fh->checksumFlag)
		q += 4;
	if (q > t->file_size) {
		problem(t, DDIRR_ETRUNC, off, "data frame %u runs past the end of the file (%llu bytes)", index,
			(unsigned long long)t->file_size);
		return 1;
	}
	*size = q - off;
	return 0;
}

static int read_data_frame(ddirr_trace *t)
{
	const uint64_t off = t->pos;
	ddirr_trace_chunk *c;
	ZSTD_frameHeader fh;
	uint64_t fsize;
	size_t got, r;
	int rc, why;

	if ((rc = begin_chunk(t, off)))
		return rc;
	c = &t->pending.seen;
	if ((rc = measure_frame(t, off, &fh, &fsize)))
		goto damaged;
	c->frame_size = fsize;
	c->content_size = fh.frameContentSize;
	if (ddirr_grow(&t->zbuf, &t->zcap, fsize) || ddirr_grow(&t->cbuf, &t->ccap, fh.frameContentSize ? fh.frameContentSize : 1))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for chunk %u", t->path, c->index);
	if ((rc = read_at(t, t->zbuf, fsize, off, &got)))
		return rc;
	if (got != fsize) {
		problem(t, DDIRR_ETRUNC, off, "data frame %u: the file shrank while being read", c->index);
		goto damaged;
	}
	r = ZSTD_decompressDCtx(t->dctx, t->cbuf, fh.frameContentSize, t->zbuf, fsize);
	if (ZSTD_isError(r)) {
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: zstd: %s", c->index, ZSTD_getErrorName(r));
		goto damaged;
	}
	if (r != fh.frameContentSize) {
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: %zu bytes decompressed, its header announces %llu",
			c->index, r, (unsigned long long)fh.frameContentSize);
		goto damaged;
	}
	t->batch = (Ddirr__EventBatch *)unpack(&ddirr__event_batch__descriptor, &t->batch_arena, t->cbuf, r, &why);
	if (!t->batch) {
		/* The frame itself is sound, so its end is where it says. */
		problem(t, why == DDIRR_ELIMIT ? DDIRR_ELIMIT : DDIRR_ECORRUPT, off, "data frame %u: EventBatch %s",
			c->index, unpack_failure(why));
		mark_damaged(t);
		t->pos = off + fsize;
		return 0;
	}
	t->next_event = 0;
	snprintf(t->where, sizeof(t->where), "%s: byte %llu: chunk %u", t->path, (unsigned long long)off, c->index);
	/* Version 2 carries seq and time as deltas within the chunk: turn them
	   into values first, for the statistics and the codec alike. A delta
	   that cannot be right leaves every later record of the chunk unknown. */
	if (t->info.format_version >= 2 && ddirr_batch_resolve_deltas(t->batch, "EventBatch")) {
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: %s", c->index, ddirr_error_last());
		t->batch = NULL;
		mark_damaged(t);
		t->pos = off + fsize;
		return 0;
	}
	/* Version 5 may give a call's entry and exit as one record: from here
	   on, the two records it stands for. */
	if (t->info.format_version >= 5 && (rc = ddirr_batch_split_calls(t->batch, &t->batch_arena, "EventBatch"))) {
		if (rc == DDIRR_ENOMEM)
			return rc;
		problem(t, DDIRR_ECORRUPT, off, "data frame %u: %s", c->index, ddirr_error_last());
		t->batch = NULL;
		mark_damaged(t);
		t->pos = off + fsize;
		return 0;
	}
	account_batch(t, t->batch);
	t->pos = off + fsize;
	return 0;
damaged:
	/* The measured end cannot be trusted once the frame is damaged: look
	   for the ChunkInfo that says where the frame really ends. */
	if (rc < 0)
		return rc;
	mark_damaged(t);
	return resync(t, off);
}

static int read_chunk_info(ddirr_trace *t, uint64_t off, uint32_t size)
{
	pending_chunk *p = &t->pending;
	ddirr_trace_chunk *c = pending_entry(t);
	Ddirr__ChunkInfo *ci;
	char buf[160];
	int why, rc;

	if (size - DDIRR_TAG_SIZE > DDIRR_TRACE_MAX_CHUNK_INFO) {
		problem(t, DDIRR_ELIMIT, off, "chunk info of %u bytes exceeds the limit of %u", size,
			DDIRR_TRACE_MAX_CHUNK_INFO);
		return resync(t, off);
	}
	ci = load_chunk_info(t, off, size, &why);
	if (!ci) {
		if (why == DDIRR_ENOMEM || why == DDIRR_EIO)
			return why;
		problem(t, why, off, "chunk info %s", unpack_failure(why));
		t->pos = off + DDIRR_SKIPPABLE_HEADER_SIZE + size;
		return 0;
	}
	t->pos = off + DDIRR_SKIPPABLE_HEADER_SIZE + size;
	if (!p->active || ci->offset != p->offset) {
		problem(t, DDIRR_ECORRUPT, off, "chunk info %u describes a data frame at byte %llu, which was not just read",
			ci->index, (unsigned long long)ci->offset);
		return 0;
	}
	if ((rc = chunk_info_check(t, ci, buf, sizeof(buf)))) {
		problem(t, rc, off, "chunk info %u: %s; not used", ci->index, buf);
		return 0;
	}
	if (ci->index != p->seen.index) {
		/* Resynchronising skipped frames: the writer's count wins. */
		p->seen.index = ci->index;
		t->next_index = ci->index < UINT32_MAX ? ci->index + 1 : UINT32_MAX;
	}
	if (p->damaged) {
		ddirr_trace_gap g;

		chunk_from_info(&p->seen, ci);
		g = chunk_gap(&p->seen);
		add_gap(t, &g);
	} else if (ci->frame_size != p->seen.frame_size || ci->content_size != p->seen.content_size ||
		   ci->records != p->seen.records || ci->entries != p->seen.entries ||
		   (ci->records && (ci->first_seq != p->seen.first_seq || ci->last_seq != p->seen.last_seq))) {
		problem(t, DDIRR_ECORRUPT, off,
			"chunk info %u disagrees with its data frame: %llu bytes, %u records, seq %llu..%llu vs %llu bytes, "
			"%llu records, seq %llu..%llu",
			ci->index, (unsigned long long)ci->frame_size, ci->records, (unsigned long long)ci->first_seq,
			(unsigned long long)ci->last_seq, (unsigned long long)p->seen.frame_size,
			(unsigned long long)p->seen.records, (unsigned long long)p->seen.first_seq,
			(unsigned long long)p->seen.last_seq);
	}
	p->seen.has_info = 1;
	if (c)
		*c = p->seen;
	p->active = 0;
	t->dirty = 1;
	return 0;
}

static ddirr_trace_chunk *find_chunk(ddirr_trace *t, uint64_t offset)
{
	size_t lo = 0, hi = t->n_chunks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->chunks[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n_chunks && t->chunks[lo].offset == offset ? &t->chunks[lo] : NULL;
}

/* Compares the trailer's index with what reading found: a chunk it lists
 * that reading skipped, or a damaged one whose ChunkInfo was lost, becomes
 * a gap of the size the trailer gives. */
static void reconcile_index(ddirr_trace *t, const Ddirr__TraceTrailer *tr, uint64_t off)
{
	uint64_t prev_end = t->header_size;
	char buf[160];
	size_t i;

	if (tr->n_chunks > DDIRR_TRACE_MAX_CHUNKS) {
		problem(t, DDIRR_ELIMIT, off, "trailer lists %zu chunks, more than the limit of %u", tr->n_chunks,
			DDIRR_TRACE_MAX_CHUNKS);
		return;
	}
	for (i = 0; i < tr->n_chunks; i++) {
		const Ddirr__ChunkInfo *ci = tr->chunks[i];
		int rc = chunk_info_check(t, ci, buf, sizeof(buf));

		/* Offsets must rise through the data part of the file. */
		if (!rc && (ci->offset < prev_end || ci->offset + ci->frame_size > off || ci->index != i)) {
			snprintf(buf, sizeof(buf), "offset %llu or index %u is out of order", (unsigned long long)ci->offset,
				 ci->index);
			rc = DDIRR_ECORRUPT;
		}
		if (rc) {
			problem(t, rc, off, "trailer: chunk %zu: %s; index ignored", i, buf);
			return;
		}
		prev_end = ci->offset + ci->frame_size;
	}
	for (i = 0; i < tr->n_chunks; i++) {
		const Ddirr__ChunkInfo *ci = tr->chunks[i];
		ddirr_trace_chunk *c = find_chunk(t, ci->offset);
		ddirr_trace_chunk lost = {0};
		ddirr_trace_gap g;
		size_t k;

		if (c && (c->state == DDIRR_CHUNK_OK || c->has_info))
			continue;
		if (c) {
			/* Damaged, and its ChunkInfo was lost with it. */
			chunk_from_info(c, ci);
			for (k = 0; k < t->n_cgaps; k++)
				if (t->cgaps[k].kind == DDIRR_GAP_CHUNK && t->cgaps[k].offset == ci->offset)
					t->cgaps[k] = chunk_gap(c);
			continue;
		}
		if (t->n_chunks == DDIRR_TRACE_MAX_CHUNKS)
			break; /* past the list, nothing can be matched */
		lost.offset = ci->offset;
		chunk_from_info(&lost, ci);
		g = chunk_gap(&lost);
		problem(t, DDIRR_ECORRUPT, ci->offset, "chunk %u was not found while reading; the trailer lists it",
			ci->index);
		add_gap(t, &g);
	}
}

static int read_trailer(ddirr_trace *t, uint64_t off, uint32_t size)
{
	Ddirr__TraceTrailer *tr;
	uint64_t have = t->records;
	size_t got, i;
	int rc, why;

	if (size - DDIRR_TAG_SIZE > DDIRR_TRACE_MAX_TRAILER) {
		problem(t, DDIRR_ELIMIT, off, "trailer of %u bytes exceeds the limit of %u", size, DDIRR_TRACE_MAX_TRAILER);
		return resync(t, off);
	}
	if (ddirr_grow(&t->mbuf, &t->mcap, size))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for a %u-byte trailer", t->path, size);
	if ((rc = read_at(t, t->mbuf, size - DDIRR_TAG_SIZE, off + 12, &got)))
		return rc;
	t->pos = off + DDIRR_SKIPPABLE_HEADER_SIZE + size;
	tr = (Ddirr__TraceTrailer *)unpack(&ddirr__trace_trailer__descriptor, &t->trailer_arena, t->mbuf, got, &why);
	if (!tr) {
		problem(t, why, off, "trailer %s", unpack_failure(why));
		return finish(t, off);
	}
	end_pending(t, UINT64_MAX);
	reconcile_index(t, tr, off);
	for (i = 0; i < t->n_cgaps; i++)
		if (t->cgaps[i].kind == DDIRR_GAP_CHUNK)
			have = sat_add(have, t->cgaps[i].records);
	if (tr->records > have) {
		/* The trailer knows of records no chunk accounts for. */
		ddirr_trace_gap g = {DDIRR_GAP_UNLOCATED, 0, 0, tr->records - have, -1, off};

		problem(t, DDIRR_ECORRUPT, off, "trailer counts %llu records, the chunks account for %llu",
			(unsigned long long)tr->records, (unsigned long long)have);
		add_gap(t, &g);
	} else if (tr->records < have) {
		problem(t, DDIRR_ECORRUPT, off, "trailer counts %llu records, the chunks hold %llu",
			(unsigned long long)tr->records, (unsigned long long)have);
	}
	t->trailer_counts_ok = 1;
	for (i = 0; i < tr->n_counts; i++) {
		if ((int)tr->counts[i]->ddi < 0 || (int)tr->counts[i]->ddi > (int)DDIRR_TRACE_MAX_DDI_ID) {
			problem(t, DDIRR_ELIMIT, off, "trailer counts DDI id %d, above the limit of %u",
				(int)tr->counts[i]->ddi, DDIRR_TRACE_MAX_DDI_ID);
			t->trailer_counts_ok = 0;
			break;
		}
	}
	if (tr->n_drops) {
		/* n_drops is bounded by the trailer's size, which is bounded. */
		t->drops = calloc(tr->n_drops, sizeof(*t->drops));
		if (!t->drops)
			return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for drop counts", t->path);
		for (i = 0; i < tr->n_drops; i++) {
			t->drops[i].cause = tr->drops[i]->cause;
			t->drops[i].records = tr->drops[i]->records;
			t->dropped_records = sat_add(t->dropped_records, tr->drops[i]->records);
		}
		t->n_drops = tr->n_drops;
	}
	if (tr->n_forks) {
		/* Bounded by the trailer's size, as the drops are. */
		if (!(t->forks = calloc(tr->n_forks, sizeof(*t->forks))))
			return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for fork notes", t->path);
		for (i = 0; i < tr->n_forks; i++) {
			t->forks[i].after_seq = tr->forks[i]->after_seq;
			t->forks[i].time_ns = tr->forks[i]->time_ns;
			t->forks[i].child_pid = tr->forks[i]->child_pid;
		}
		t->n_forks = tr->n_forks;
	}
	t->trailer = tr;
	if (t->pos != t->file_size)
		problem(t, DDIRR_ECORRUPT, t->pos, "%llu bytes follow the trailer; ignored",
			(unsigned long long)(t->file_size - t->pos));
	return finish(t, t->pos);
}

/* Reads the frame at t->pos. */
static int read_frame(ddirr_trace *t)
{
	const uint64_t off = t->pos;
	uint8_t h[12];
	uint32_t magic, size;
	size_t got;
	int rc;

	if (off >= t->file_size)
		return finish(t, t->file_size);
	if ((rc = read_at(t, h, sizeof(h), off, &got)))
		return rc;
	if (got < 4) {
		problem(t, DDIRR_ETRUNC, off, "%zu bytes at the end are too few for a frame", got);
		return finish(t, off);
	}
	magic = ddirr_le32_get(h);
	if (magic == DDIRR_ZSTD_MAGIC)
		return read_data_frame(t);
	if ((magic & DDIRR_SKIPPABLE_MASK) != DDIRR_SKIPPABLE_ANY) {
		problem(t, DDIRR_ECORRUPT, off, "not a zstd frame (magic 0x%08x)", magic);
		return resync(t, off);
	}
	if (got < DDIRR_SKIPPABLE_HEADER_SIZE) {
		problem(t, DDIRR_ETRUNC, off, "the file ends inside a frame header");
		return finish(t, off);
	}
	size = ddirr_le32_get(h + 4);
	if (size > t->file_size - off - DDIRR_SKIPPABLE_HEADER_SIZE) {
		problem(t, DDIRR_ETRUNC, off, "a frame of %u bytes runs past the end of the file (%llu bytes)", size,
			(unsigned long long)t->file_size);
		return resync(t, off);
	}
	if (magic != DDIRR_SKIPPABLE_MAGIC) {
		t->pos = off + DDIRR_SKIPPABLE_HEADER_SIZE + size; /* another tool's frame */
		return 0;
	}
	if (size < DDIRR_TAG_SIZE) {
		problem(t, DDIRR_ECORRUPT, off, "a ddirr frame of %u bytes has no room for its tag", size);
		return resync(t, off);
	}
	if (!memcmp(h + 8, DDIRR_TAG_CHUNK, DDIRR_TAG_SIZE))
		return read_chunk_info(t, off, size);
	if (!memcmp(h + 8, DDIRR_TAG_TRAILER, DDIRR_TAG_SIZE))
		return read_trailer(t, off, size);
	if (!memcmp(h + 8, DDIRR_TAG_CAPS, DDIRR_TAG_SIZE))
		return read_caps(t, off, size);
	if (!memcmp(h + 8, DDIRR_TAG_HEADER, DDIRR_TAG_SIZE))
		problem(t, DDIRR_ECORRUPT, off, "a second header frame; ignored");
	/* An unknown tag is skipped: docs/format.md promises that much to
	   frames a later writer of the same version may add. */
	t->pos = off + DDIRR_SKIPPABLE_HEADER_SIZE + size;
	return 0;
}

static int fail(ddirr_trace *t, int rc)
{
	t->fatal = rc;
	snprintf(t->fatal_msg, sizeof(t->fatal_msg), "%s", ddirr_error_last());
	finish(t, t->pos);
	return rc;
}

int ddirr_trace_next(ddirr_trace *t, const ddirr_event **ev)
{
	int rc;

	if (ev)
		*ev = NULL;
	if (!t || !ev)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_trace_next: NULL argument");
	if (t->fatal)
		return ddirr_error_set(t->fatal, "%s", t->fatal_msg);
	for (;;) {
		if (t->batch && t->next_event < t->batch->n_events) {
			const Ddirr__Event *pb = t->batch->events[t->next_event++];

			ddirr_arena_reset(&t->ev_arena);
			rc = ddirr_event_from_pb(&t->ev, pb, &t->ev_arena, t->where);
			if (rc == 0) {
				*ev = &t->ev;
				return 1;
			}
			if (rc == DDIRR_ENOMEM)
				return fail(t, rc);
			/* One bad record costs that record, not the chunk. The
			   codec's message already names the file and offset. */
			{
				ddirr_trace_gap g = {DDIRR_GAP_RECORD, pb->seq, pb->seq, 1, t->pending.seen.index,
						     t->pending.seen.offset};
				ddirr_trace_problem *p = new_problem(t, rc, t->pending.seen.offset);

				if (p)
					snprintf(p->message, sizeof(p->message), "%s", ddirr_error_last());
				add_gap(t, &g);
			}
			continue;
		}
		t->batch = NULL;
		if (t->done)
			return 0;
		if ((rc = read_frame(t)) < 0)
			return fail(t, rc);
	}
}

/* ------------------------------------------------------------------ */
/* Verdict and statistics                                              */

const char *ddirr_trace_verdict_name(int kind)
{
	switch (kind) {
	case DDIRR_VERDICT_COMPLETE: return "complete";
	case DDIRR_VERDICT_TRUNCATED: return "truncated";
	case DDIRR_VERDICT_GAP: return "gap";
	default: return "unknown";
	}
}

static int gap_order(const void *a, const void *b)
{
	const ddirr_trace_gap *x = a, *y = b;

	if (x->first_seq != y->first_seq)
		return x->first_seq < y->first_seq ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Builds the gap list: damaged chunks and refused records, then seq holes
 * that no damaged chunk explains. A hole is final only when nothing read
 * later can fill it: in a complete file, or below the last chunk read. */
static int build_gaps(ddirr_trace *t, int truncated)
{
	size_t i, k;

	if (!t->gaps && !(t->gaps = calloc(MAX_GAPS, sizeof(*t->gaps))))
		return DDIRR_ENOMEM;
	memcpy(t->gaps, t->cgaps, t->n_cgaps * sizeof(*t->gaps));
	t->n_gaps = t->n_cgaps;
	t->gaps_dropped = t->cgaps_dropped;
	for (i = 0; i < t->n_holes; i++) {
		const seq_range *h = &t->holes[i];
		int explained = 0;

		if ((!t->done || truncated) && h->hi >= t->last_chunk_min)
			continue;
		for (k = 0; k < t->n_cgaps && !explained; k++) {
			const ddirr_trace_gap *g = &t->cgaps[k];

			explained = g->kind == DDIRR_GAP_CHUNK && g->first_seq && g->first_seq <= h->hi && h->lo <= g->last_seq;
		}
		if (explained)
			continue;
		if (t->n_gaps == MAX_GAPS) {
			t->gaps_dropped++;
			continue;
		}
		t->gaps[t->n_gaps++] = (ddirr_trace_gap){DDIRR_GAP_SEQ, h->lo, h->hi, h->hi - h->lo + 1, -1, h->offset};
	}
	qsort(t->gaps, t->n_gaps, sizeof(*t->gaps), gap_order);
	return 0;
}

static int build_counts(ddirr_trace *t)
{
	size_t i, n = 0;

	if (!t->counts && !(t->counts = calloc(DDIRR_TRACE_MAX_DDI_ID + 1, sizeof(*t->counts))))
		return DDIRR_ENOMEM;
	t->stats.counts_from_trailer = t->trailer && t->trailer->clean_close && t->trailer_counts_ok;
	if (t->stats.counts_from_trailer) {
		/* Sorted and merged through the same table as counted ones. */
		uint64_t(*c)[2] = calloc(DDIRR_TRACE_MAX_DDI_ID + 1, sizeof(*c));

		if (!c)
			return DDIRR_ENOMEM;
		for (i = 0; i < t->trailer->n_counts; i++) {
			const Ddirr__DdiCount *d = t->trailer->counts[i];

			c[d->ddi][0] = sat_add(c[d->ddi][0], d->entries);
			c[d->ddi][1] = sat_add(c[d->ddi][1], d->exits);
		}
		for (i = 0; i <= DDIRR_TRACE_MAX_DDI_ID; i++)
			if (c[i][0] || c[i][1])
				t->counts[n++] = (ddirr_trace_ddi_count){(uint32_t)i, c[i][0], c[i][1]};
		free(c);
	} else {
		for (i = 0; i <= DDIRR_TRACE_MAX_DDI_ID; i++)
			if (t->ddi[i][0] || t->ddi[i][1])
				t->counts[n++] = (ddirr_trace_ddi_count){(uint32_t)i, t->ddi[i][0], t->ddi[i][1]};
	}
	t->n_counts = n;
	return 0;
}

static void build_summary(ddirr_trace *t)
{
	ddirr_trace_verdict *v = &t->verdict;
	char *s = t->summary;
	size_t n = sizeof(t->summary), len = 0;
	size_t i;

#define PUT(...)                                                                 \
	do {                                                                     \
		int w_ = snprintf(s + len, n - len, __VA_ARGS__);                \
		if (w_ > 0)                                                      \
			len = (size_t)w_ >= n - len ? n - 1 : len + (size_t)w_; \
	} while (0)

	if (!v->final)
		PUT("so far: ");
	if (v->kind == DDIRR_VERDICT_GAP) {
		const ddirr_trace_gap *g = &v->gaps[0];

		/* Gaps are sorted by first_seq, so unlocated ones come first. */
		for (i = 0; i < v->n_gaps; i++) {
			if (v->gaps[i].first_seq) {
				g = &v->gaps[i];
				break;
			}
		}
		if (g->first_seq)
			PUT("gap: %llu records missing at seq %llu", (unsigned long long)g->records,
			    (unsigned long long)g->first_seq);
		else
			PUT("gap: %llu records missing, position unknown", (unsigned long long)g->records);
		if (g->chunk >= 0)
			PUT(" (chunk %lld at byte %llu)", (long long)g->chunk, (unsigned long long)g->offset);
		PUT("; at least %llu records missing in all (gaps: %llu)", (unsigned long long)v->missing_records,
		    (unsigned long long)(v->n_gaps + v->gaps_dropped));
		if (v->truncated)
			PUT("; truncated after seq %llu", (unsigned long long)v->last_seq);
	} else if (v->kind == DDIRR_VERDICT_TRUNCATED) {
		PUT("truncated after seq %llu: %s; reading stopped at byte %llu of %llu", (unsigned long long)v->last_seq,
		    !v->trailer       ? "no trailer"
		    : *v->stop_reason ? "the trailer says recording stopped early"
				      : "the trailer does not mark a clean close",
		    (unsigned long long)v->stopped_at, (unsigned long long)t->file_size);
	} else {
		PUT("complete: %llu records, seq %llu..%llu", (unsigned long long)t->records,
		    (unsigned long long)t->min_seq, (unsigned long long)t->max_seq);
	}
	if (v->dropped_records)
		PUT("; the recorder dropped %llu records", (unsigned long long)v->dropped_records);
	if (*v->stop_reason)
		PUT("; stopped: %s", v->stop_reason);
	if (v->forks_total)
		PUT("; the process forked %llu time%s, its children were not recorded (first after seq %llu)",
		    (unsigned long long)v->forks_total, v->forks_total == 1 ? "" : "s",
		    (unsigned long long)(v->n_forks ? v->forks[0].after_seq : 0));
	if (v->n_problems)
		PUT("; problems: %llu, first: %s", (unsigned long long)(v->n_problems + v->problems_dropped),
		    v->problems[0].message);
#undef PUT
}

static int refresh(ddirr_trace *t)
{
	ddirr_trace_verdict *v = &t->verdict;
	ddirr_trace_stats *s = &t->stats;
	size_t i;
	int rc;

	if (!t->dirty)
		return 0;
	v->final = t->done;
	v->trailer = t->trailer != NULL;
	v->clean_close = t->trailer && t->trailer->clean_close;
	v->truncated = !v->clean_close;
	if ((rc = build_gaps(t, v->truncated)) || (rc = build_counts(t)))
		return rc;
	v->last_seq = t->max_seq;
	v->stopped_at = t->done ? t->stopped_at : t->pos;
	v->gaps = t->gaps;
	v->n_gaps = t->n_gaps;
	v->gaps_dropped = t->gaps_dropped;
	v->missing_records = 0;
	for (i = 0; i < t->n_gaps; i++)
		v->missing_records = sat_add(v->missing_records, t->gaps[i].records);
	v->drops = t->drops;
	v->n_drops = t->n_drops;
	v->dropped_records = t->dropped_records;
	v->stop_reason = t->trailer ? t->trailer->stop_reason : "";
	v->forks = t->forks;
	v->n_forks = t->n_forks;
	/* A count below the notes (a damaged or foreign trailer) reads as the notes. */
	v->forks_total = t->trailer && t->trailer->forks_total > t->n_forks ? t->trailer->forks_total : t->n_forks;
	v->problems = t->problems;
	v->n_problems = t->n_problems;
	v->problems_dropped = t->problems_dropped;
	v->kind = v->n_gaps || v->gaps_dropped ? DDIRR_VERDICT_GAP
		  : v->truncated               ? DDIRR_VERDICT_TRUNCATED
					       : DDIRR_VERDICT_COMPLETE;
	build_summary(t);
	v->summary = t->summary;

	s->file_size = t->file_size;
	s->header_size = t->header_size;
	s->chunks = t->frames;
	s->damaged_chunks = t->damaged;
	s->compressed_bytes = t->compressed;
	s->content_bytes = t->content;
	s->records = t->records;
	s->entries = t->entries;
	s->compressed_bytes_per_record = t->records ? (double)t->compressed / (double)t->records : 0;
	s->content_bytes_per_record = t->records ? (double)t->content / (double)t->records : 0;
	s->min_seq = t->min_seq;
	s->max_seq = t->max_seq;
	s->min_time_ns = t->min_time;
	s->max_time_ns = t->max_time;
	s->ddi_counts = t->counts;
	s->n_ddi_counts = t->n_counts;
	s->drops = t->drops;
	s->n_drops = t->n_drops;
	s->trailer = v->trailer;
	s->clean_close = v->clean_close;
	t->dirty = 0;
	return 0;
}

const ddirr_trace_verdict *ddirr_trace_get_verdict(ddirr_trace *t)
{
	if (!t)
		return NULL;
	if (refresh(t)) {
		ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory building the verdict", t->path);
		return NULL;
	}
	return &t->verdict;
}

const ddirr_trace_stats *ddirr_trace_get_stats(ddirr_trace *t)
{
	if (!t)
		return NULL;
	if (refresh(t)) {
		ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory building the statistics", t->path);
		return NULL;
	}
	return &t->stats;
}

const ddirr_trace_chunk *ddirr_trace_get_chunks(const ddirr_trace *t, size_t *n)
{
	if (n)
		*n = t ? t->n_chunks : 0;
	return t ? t->chunks : NULL;
}
