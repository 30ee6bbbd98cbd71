/* Trace-file writer (include/ddirr/trace.h; layout in docs/format.md).
 *
 * Records are encoded as they are appended: each one is packed as a
 * one-record EventBatch and the packs are concatenated, which is the
 * encoding of one batch holding all of them (protobuf merges concatenated
 * messages). So the caller's event and frame can change as soon as append
 * returns, and no varint is written by hand. A chunk is compressed and
 * written with its ChunkInfo in one write(2), so the file only ever grows
 * by whole frames unless the system fails mid-write.
 *
 * The memory a chunk needs (the pending chunk, the compressed frame,
 * zstd's workspace) is allocated and touched at open, for chunks up to
 * chunk_bytes, and never given back before free: see work_memory(). */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_initStaticCCtx, ZSTD_estimateCCtxSize_usingCParams */
#include "ddirr/trace.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "adapter_caps.h"
#include "arena.h"
#include "chunk_zstd.h"
#include "ddirr.pb-c.h"
#include "ddirr/error.h"
#include "event_codec.h"
#include "grow.h"
#include "trace_format.h"

#ifndef DDIRR_RECORDER_VERSION
#define DDIRR_RECORDER_VERSION "unknown"
#endif

_Static_assert(ZSTD_COMPRESSBOUND(DDIRR_TRACE_MAX_CHUNK_CONTENT) <= DDIRR_TRACE_MAX_CHUNK_FRAME,
	       "a full chunk must compress within the reader's frame limit");

/* The drop cause the recorder counts records under when it cannot write
 * them (recorder/wrappers.c); the trailer of a failed write adds the
 * records of the chunk the failure lost to it. */
static const char WRITE_FAILED[] = "write-failed";

typedef struct drop_count {
	char *cause;
	uint64_t records;
} drop_count;

struct ddirr_trace_writer {
	char *path;
	int fd;          /* -1 once closed, or once it is not the trace's (fd_still_ours) */
	dev_t dev;       /* the file fd was opened on */
	ino_t ino;
	int closed;      /* close was called */
	int err;         /* the sticky write failure, 0 while none */
	char errmsg[DDIRR_TRACE_MESSAGE_MAX];
	uint64_t offset; /* bytes written to the file */
	uint64_t good;   /* the end of the last frame written whole */
	int cut;         /* after a failure: the file was cut back to `good` */
	uint64_t lost;   /* after a failure: records of the chunk that was not written */

	size_t chunk_bytes;
	uint32_t chunk_records;
	ZSTD_CCtx *cctx; /* static: lives in zstd_ws */
	void *zstd_ws;
	int level; /* the data chunks' zstd level, as the header records it */
	unsigned hash_log, chain_log; /* the match tables set, as the header records them */
	ddirr_arena arena; /* protobuf form of the record being appended, and the trailer */

	uint8_t *batch; /* the pending chunk: a serialized EventBatch */
	size_t batch_len, batch_cap;
	ddirr_delta_base base;    /* seq and time of the pending chunk's last record */
	Ddirr__ChunkInfo pending; /* what the pending chunk holds */
	uint8_t *out;             /* the frames being written */
	size_t out_cap;

	Ddirr__ChunkInfo *index; /* the first DDIRR_TRACE_MAX_CHUNKS chunks, for the trailer */
	size_t n_index, index_cap;
	uint32_t n_chunks;
	uint64_t records;
	uint64_t last_seq;
	uint64_t counts[DDIRR_TRACE_MAX_DDI_ID + 1][2]; /* [ddi][phase - 1] */
	drop_count drops[DDIRR_TRACE_MAX_DROP_CAUSES];
	size_t n_drops;
	char *stop_reason;
	Ddirr__ForkNote forks[DDIRR_TRACE_MAX_FORKS];
	size_t n_forks;
	uint64_t forks_total;

	ddirr_caps caps;        /* the adapter's caps, from QueryAdapterInfo records */
	int caps_dirty;         /* changed since the last CAPS frame */
	ddirr_arena caps_arena; /* their protobuf form */
};

static char *str_or_empty(const char *s)
{
	/* protobuf-c packs a proto3 string only when it is non-empty; it never
	   writes through the pointer, so dropping const is safe. */
	return (char *)(s ? s : "");
}


/* Appends a skippable frame holding tag, an optional u32 and msg to w->out
 * at *len. limit bounds the payload as the reader will. */
static int put_skippable(ddirr_trace_writer *w, size_t *len, const char *tag, const uint32_t *version,
			 const ProtobufCMessage *msg, size_t limit)
{
	size_t head = DDIRR_TAG_SIZE + (version ? 4 : 0);
	size_t body = protobuf_c_message_get_packed_size(msg);
	size_t payload = head + body;
	uint8_t *p;

	if (body > limit - head)
		return ddirr_error_set(DDIRR_ELIMIT, "%s: %s frame of %zu bytes exceeds the limit of %zu", w->path, tag,
				       payload, limit);
	if (ddirr_grow(&w->out, &w->out_cap, *len + DDIRR_SKIPPABLE_HEADER_SIZE + payload))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for a %zu-byte %s frame", w->path, payload, tag);
	p = w->out + *len;
	ddirr_le32_put(p, DDIRR_SKIPPABLE_MAGIC);
	ddirr_le32_put(p + 4, (uint32_t)payload);
	memcpy(p + 8, tag, DDIRR_TAG_SIZE);
	if (version)
		ddirr_le32_put(p + 12, *version);
	if (protobuf_c_message_pack(msg, p + DDIRR_SKIPPABLE_HEADER_SIZE + head) != body)
		return ddirr_error_set(DDIRR_EINVAL, "%s: %s frame: protobuf-c packed a size it did not announce", w->path,
				       tag);
	*len += DDIRR_SKIPPABLE_HEADER_SIZE + payload;
	return 0;
}

/* The names of the errors a write can end with, for messages that a
 * script can match whatever the locale (strerror gives the text). */
static const char *errno_name(int e)
{
	switch (e) {
	case ENOSPC: return "ENOSPC";
	case EIO: return "EIO";
	case EFBIG: return "EFBIG";
	case EDQUOT: return "EDQUOT";
	case EROFS: return "EROFS";
	case EBADF: return "EBADF";
	case EPIPE: return "EPIPE";
	case EINVAL: return "EINVAL";
	case ENXIO: return "ENXIO";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case 0: return "no progress";
	default: return "errno";
	}
}

/* Cuts the file back to the end of the last frame written whole, so that
 * it ends on a frame boundary again (on a full disk this also frees the
 * room the torn frame took). The file stays as it was if the system
 * refuses; `cut` says which. */
static void cut_to_last_frame(ddirr_trace_writer *w)
{
	if (w->offset != w->good &&
	    (ftruncate(w->fd, (off_t)w->good) || lseek(w->fd, (off_t)w->good, SEEK_SET) != (off_t)w->good))
		return;
	w->offset = w->good;
	w->cut = 1;
}

/* After a failure: what it leaves unwritten, for its message ("; chunk K
 * (seq A..B, R records) not written"), and w->lost. */
static void not_written(ddirr_trace_writer *w, char *what, size_t size)
{
	const Ddirr__ChunkInfo *ci = &w->pending;

	if (ci->records)
		snprintf(what, size, "; chunk %u (seq %llu..%llu, %u records) not written", w->n_chunks,
			 (unsigned long long)ci->first_seq, (unsigned long long)ci->last_seq, ci->records);
	else
		snprintf(what, size, "; stopped after seq %llu", (unsigned long long)w->last_seq);
	w->lost = ci->records;
}

/* A write failed with errno e: makes the failure sticky, names it (errno,
 * the byte where the frame began, the chunk and seqs not written) and cuts
 * the file back to the last whole frame, for the trailer close writes. */
static int write_failed(ddirr_trace_writer *w, int e)
{
	char what[192], name[32];

	not_written(w, what, sizeof(what));
	if (!strcmp(errno_name(e), "errno"))
		snprintf(name, sizeof(name), "errno %d", e);
	else
		snprintf(name, sizeof(name), "%s", errno_name(e));
	cut_to_last_frame(w);
	w->err = ddirr_error_set(DDIRR_EIO, "%s: byte %llu: write failed: %s (%s)%s%s", w->path,
				 (unsigned long long)w->good, e ? strerror(e) : "write(2) returned 0", name, what,
				 w->cut ? "" : "; the torn frame could not be cut off");
	snprintf(w->errmsg, sizeof(w->errmsg), "%s", ddirr_error_last());
	return w->err;
}

/* Does w->fd still refer to the file the writer opened? */
static int fd_is_the_trace(const ddirr_trace_writer *w)
{
	struct stat st;

	return w->fd >= 0 && fstat(w->fd, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino;
}

/* Before the writer touches its descriptor. A process may close
 * descriptors it does not own (a loop over every fd before it starts a
 * helper, or as it becomes a daemon) and then get the same number for a
 * file of its own: the writer must not write into that file, cut it or
 * close it. So when the descriptor is no longer the trace's, the writer
 * forgets it (fd -1: nothing more is written, cut or closed) and stops as
 * after a failed write; the file keeps what was written, up to the last
 * whole frame. One fstat(2) a frame written. Returns 0 or the failure. */
static int fd_still_ours(ddirr_trace_writer *w)
{
	char what[192];
	int fd = w->fd;

	if (fd_is_the_trace(w))
		return 0;
	w->fd = -1;
	not_written(w, what, sizeof(what));
	w->err = ddirr_error_set(DDIRR_EIO,
				 "%s: byte %llu: descriptor %d is no longer the trace (the process closed it, or "
				 "opened another file on it): nothing more is written to it%s",
				 w->path, (unsigned long long)w->good, fd, what);
	snprintf(w->errmsg, sizeof(w->errmsg), "%s", ddirr_error_last());
	return w->err;
}

/* Writes w->out[0, n). A failure is sticky: the writer refuses to append
 * after it (the disk is full or failing, and a chunk retried later would
 * leave a hole in the seqs); write_failed() cuts the torn frame off so
 * that close can still end the file with a trailer naming the failure. */
static int write_out(ddirr_trace_writer *w, size_t n)
{
	size_t done = 0;
	int rc;

	if ((rc = fd_still_ours(w)))
		return rc;
	while (done < n) {
		ssize_t r = write(w->fd, w->out + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return write_failed(w, r < 0 ? errno : 0);
		done += (size_t)r;
		w->offset += (uint64_t)r;
	}
	w->good = w->offset;
	return 0;
}

static int usable(const ddirr_trace_writer *w, const char *fn)
{
	if (!w)
		return ddirr_error_set(DDIRR_EINVAL, "%s: NULL writer", fn);
	if (w->closed)
		return ddirr_error_set(DDIRR_EINVAL, "%s: %s: the writer is closed", w->path, fn);
	if (w->err)
		return ddirr_error_set(w->err, "%s", w->errmsg);
	return 0;
}

static int write_header(ddirr_trace_writer *w, const ddirr_trace_info *info)
{
	Ddirr__TraceHeader h = DDIRR__TRACE_HEADER__INIT;
	Ddirr__Provenance p = DDIRR__PROVENANCE__INIT;
	Ddirr__CaptureSettings s = DDIRR__CAPTURE_SETTINGS__INIT;
	Ddirr__AdapterCaps *caps = NULL;
	const uint32_t version = DDIRR_FORMAT_VERSION;
	size_t len = 0;
	int rc;

	h.format_version = version;
	h.schema.data = (uint8_t *)ddirr_schema_descriptor_set;
	h.schema.len = ddirr_schema_descriptor_set_size;
	h.provenance = &p;
	h.settings = &s;
	s.zstd_level = w->level;
	s.zstd_hash_log = w->hash_log;
	s.zstd_chain_log = w->chain_log;
	p.recorder_version = DDIRR_RECORDER_VERSION;
	if (info) {
		const ddirr_trace_provenance *ip = &info->provenance;
		const ddirr_trace_settings *is = &info->settings;

		p.driver_path = str_or_empty(ip->driver_path);
		p.driver_version = str_or_empty(ip->driver_version);
		p.driver_sha256.data = (uint8_t *)ip->driver_sha256;
		p.driver_sha256.len = ip->driver_sha256 ? ip->driver_sha256_len : 0;
		p.driver_build = str_or_empty(ip->driver_build);
		p.interface_version = ip->interface_version;
		p.host = str_or_empty(ip->host);
		p.process_name = str_or_empty(ip->process_name);
		p.pid = ip->pid;
		if (ip->recorder_version)
			p.recorder_version = (char *)ip->recorder_version;
		p.start_unix_ns = ip->start_unix_ns;
		p.os = str_or_empty(ip->os);
		s.mode = str_or_empty(is->mode);
		s.buffer_bytes = is->buffer_bytes;
		s.flush_interval_ms = is->flush_interval_ms;
		s.privacy = str_or_empty(is->privacy);
		s.lttng = is->lttng != 0;
		s.chaos_seed = is->chaos_seed;
		s.chaos_seed_set = is->chaos_seed_set != 0;
		s.flight_bytes = is->flight_bytes;
		s.flight_triggers = str_or_empty(is->flight_triggers);
		s.crash_handlers = is->crash_handlers != 0;
		s.chaos_flags = str_or_empty(is->chaos_flags);
		s.scenario = str_or_empty(is->scenario);
		s.command_line = str_or_empty(is->command_line);
		s.clock = str_or_empty(is->clock);
		if (info->adapter_caps_pb) {
			/* Unpacking checks the caller's bytes and lets protobuf-c
			   embed them as the `adapter` submessage. */
			caps = ddirr__adapter_caps__unpack(NULL, info->adapter_caps_len, info->adapter_caps_pb);
			if (!caps) {
				rc = ddirr_error_set(DDIRR_EINVAL, "%s: adapter_caps_pb (%zu bytes) is not a serialized ddirr.AdapterCaps",
						     w->path, info->adapter_caps_len);
				goto out;
			}
			h.adapter = caps;
		}
	}
	rc = put_skippable(w, &len, DDIRR_TAG_HEADER, &version, &h.base, DDIRR_TRACE_MAX_HEADER);
	if (!rc)
		rc = write_out(w, len);
out:
	ddirr__adapter_caps__free_unpacked(caps, NULL);
	return rc;
}

static int check_options(const ddirr_trace_writer_options *o, const char *path)
{
	if (o->version != DDIRR_TRACE_WRITER_OPTIONS_VERSION)
		return ddirr_error_set(DDIRR_EINVAL, "%s: writer options version %u, expected %u", path, o->version,
				       DDIRR_TRACE_WRITER_OPTIONS_VERSION);
	if (o->chunk_bytes > DDIRR_TRACE_MAX_CHUNK_CONTENT)
		return ddirr_error_set(DDIRR_EINVAL, "%s: chunk_bytes %zu exceeds the limit of %u", path, o->chunk_bytes,
				       DDIRR_TRACE_MAX_CHUNK_CONTENT);
	if (o->level < ZSTD_minCLevel() || o->level > ZSTD_maxCLevel())
		return ddirr_error_set(DDIRR_EINVAL, "%s: zstd level %d is outside [%d, %d]", path, o->level,
				       ZSTD_minCLevel(), ZSTD_maxCLevel());
	return 0;
}

/* The writer's working memory, made ready at open. A chunk is packed into
 * w->batch, compressed into w->out, by zstd in its workspace; grown on
 * demand, these buffers took fresh pages in the middle of a capture, each
 * time a chunk was the largest so far, and zstd also gives its workspace
 * back after 128 chunks that needed a third of it (small chunks, as a
 * drain catching up makes) and asks for it again at the next large one.
 * A fresh page can cost tens of microseconds where the host must back it
 * (a VM that hands its free memory back): the recorder's drain, which
 * must write every chunk within the flush interval, stalled 8-11 ms on
 * 165 such faults (docs/reliability.md, "Kills"). So the writer sizes them
 * for a chunk of chunk_bytes, touches them, and gives zstd a static
 * context in its own workspace, with the compression parameters pinned to
 * those zstd picks for chunk_bytes: smaller chunks then compress as before,
 * a larger one (only a record larger than chunk_bytes makes one) with the
 * same window, and the workspace, sized by zstd for those parameters,
 * serves both. A record past chunk_bytes still grows the buffers.
 *
 * At ddirr's default (level 0 asked for), the match tables are smaller
 * than level 3's (DDIRR_TRACE_DEFAULT_HASH_LOG, _CHAIN_LOG in ddirr/trace.h).
 * Level 3 gives a 256 KiB chunk two tables of 2^16 four-byte entries,
 * 512 KiB in all, which zstd reads at random places, beside everything
 * else the drain touches per record (its rings, the encoder's arena, the
 * chunk); the machine measured has 1 MiB of L2 a core. With 2^14 and 2^12
 * (80 KiB), zstd took 17-43 % less time on the same chunks, for at most
 * 1.5 % more bytes (bench/RESULTS.md, session 10), and the drain's whole
 * CPU a call fell more than zstd's part of it did: fewer cache and TLB
 * misses are the likely reason, not measured apart. zstd's level 2 (2^14,
 * 2^14, minimum match 5) saved less for more (17 %, +3.4 % at 16 B). */
enum { BATCH_ROOM = 64 << 10 }; /* past chunk_bytes: a record's bound (most are far smaller) */

/* default_tables: level 0 was asked for, ddirr's default (smaller match
 * tables than the level's own). */
static int work_memory(ddirr_trace_writer *w, int default_tables)
{
	ZSTD_compressionParameters cp =
	    ddirr_chunk_zstd_params(w->level, w->chunk_bytes, default_tables ? DDIRR_TRACE_DEFAULT_HASH_LOG : 0,
				    default_tables ? DDIRR_TRACE_DEFAULT_CHAIN_LOG : 0);
	size_t ws_size = ZSTD_estimateCCtxSize_usingCParams(cp);

	w->hash_log = cp.hashLog;
	w->chain_log = cp.chainLog;
	if (posix_memalign(&w->zstd_ws, 64, ws_size)) {
		w->zstd_ws = NULL;
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for a zstd workspace of %zu bytes", w->path,
				       ws_size);
	}
	memset(w->zstd_ws, 0, ws_size);
	if (!(w->cctx = ZSTD_initStaticCCtx(w->zstd_ws, ws_size)))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: zstd cannot make a context in %zu bytes", w->path, ws_size);
	if (ddirr_chunk_zstd_pin(w->cctx, w->level, cp))
		return ddirr_error_set(DDIRR_EINVAL, "%s: zstd refused the compression parameters", w->path);
	/* The pending chunk takes a record's bound past what it holds before
	   the record is cut off to the next chunk (append). */
	if (ddirr_grow(&w->batch, &w->batch_cap, w->chunk_bytes + BATCH_ROOM) ||
	    ddirr_grow(&w->out, &w->out_cap,
		       ZSTD_compressBound(w->chunk_bytes) + DDIRR_SKIPPABLE_HEADER_SIZE + DDIRR_TRACE_MAX_CHUNK_INFO))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for a chunk of %zu bytes", w->path,
				       w->chunk_bytes);
	memset(w->batch, 0, w->batch_cap);
	memset(w->out, 0, w->out_cap);
	return 0;
}

int ddirr_trace_writer_open(ddirr_trace_writer **out, const char *path, const ddirr_trace_info *info,
			    const ddirr_trace_writer_options *opts)
{
	const ddirr_trace_writer_options defaults = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_writer *w = NULL;
	int rc;

	if (!out)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_trace_writer_open: NULL out");
	*out = NULL;
	if (!path)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_trace_writer_open: NULL path");
	if (!opts)
		opts = &defaults;
	if ((rc = check_options(opts, path)))
		return rc;
	if (info && info->version != DDIRR_TRACE_INFO_VERSION)
		return ddirr_error_set(DDIRR_EINVAL, "%s: trace info version %u, expected %u", path, info->version,
				       DDIRR_TRACE_INFO_VERSION);
	if (info && info->provenance.driver_sha256_len && !info->provenance.driver_sha256)
		return ddirr_error_set(DDIRR_EINVAL, "%s: driver_sha256_len without driver_sha256", path);

	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		rc = ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for a trace writer", path);
		goto fail;
	}
	w->fd = -1;
	w->chunk_bytes = opts->chunk_bytes ? opts->chunk_bytes : DDIRR_TRACE_DEFAULT_CHUNK_BYTES;
	w->chunk_records = opts->chunk_records ? opts->chunk_records : DDIRR_TRACE_DEFAULT_CHUNK_RECORDS;
	w->pending = (Ddirr__ChunkInfo)DDIRR__CHUNK_INFO__INIT;
	w->level = opts->level ? opts->level : DDIRR_TRACE_DEFAULT_ZSTD_LEVEL;
	if ((rc = work_memory(w, !opts->level)))
		goto fail;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = ddirr_error_set(DDIRR_EIO, "%s: cannot create: %s", path, strerror(errno));
		goto fail;
	}
	{
		struct stat st;

		if (fstat(w->fd, &st)) {
			rc = ddirr_error_set(DDIRR_EIO, "%s: cannot stat: %s", path, strerror(errno));
			close(w->fd);
			w->fd = -1;
			goto fail;
		}
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	if ((rc = write_header(w, info)))
		goto fail;
	*out = w;
	return 0;
fail:
	ddirr_trace_writer_free(w);
	return rc;
}

/* Compresses the pending chunk and writes it with its ChunkInfo. */
/* Appends a CAPS frame with the adapter caps to w->out at *len. */
static int put_caps(ddirr_trace_writer *w, size_t *len)
{
	Ddirr__AdapterCaps caps = DDIRR__ADAPTER_CAPS__INIT;
	int rc;

	ddirr_arena_reset(&w->caps_arena);
	if ((rc = ddirr_caps_to_pb(&caps, &w->caps, &w->caps_arena)))
		return rc;
	return put_skippable(w, len, DDIRR_TAG_CAPS, NULL, &caps.base, DDIRR_TRACE_MAX_CAPS);
}

/* Learns the adapter's caps from ev; they reach the file after the chunk
 * that is pending now. */
static int note_caps(ddirr_trace_writer *w, const ddirr_event *ev)
{
	int rc;

	if (!ddirr_caps_may_note(ev->ddi))
		return 0;
	rc = ddirr_caps_note(&w->caps, ev);
	if (rc < 0)
		return rc;
	w->caps_dirty |= rc;
	return 0;
}

int ddirr_trace_writer_note(ddirr_trace_writer *w, const ddirr_event *ev)
{
	int rc;

	if ((rc = usable(w, "note")))
		return rc;
	if (!ev)
		return ddirr_error_set(DDIRR_EINVAL, "%s: note: NULL event", w->path);
	return note_caps(w, ev);
}

/* Writes a CAPS frame alone: caps noted with no record pending. */
static int write_caps(ddirr_trace_writer *w)
{
	size_t len = 0;
	int rc;

	if ((rc = put_caps(w, &len)) || (rc = write_out(w, len)))
		return rc;
	w->caps_dirty = 0;
	return 0;
}

static int write_chunk(ddirr_trace_writer *w)
{
	Ddirr__ChunkInfo *ci = &w->pending;
	size_t bound, csize, len;
	int rc;

	if (!w->batch_len)
		return w->caps_dirty ? write_caps(w) : 0;
	/* Make room in the index first: once the chunk is in the file, its
	   index entry must not fail to exist. */
	if (w->n_index < DDIRR_TRACE_MAX_CHUNKS && w->n_index == w->index_cap) {
		size_t n = w->index_cap ? w->index_cap * 2 : 64;
		Ddirr__ChunkInfo *p = realloc(w->index, n * sizeof(*p));

		if (!p)
			return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for the chunk index", w->path);
		w->index = p;
		w->index_cap = n;
	}
	bound = ZSTD_compressBound(w->batch_len);
	if (ddirr_grow(&w->out, &w->out_cap, bound + DDIRR_SKIPPABLE_HEADER_SIZE + DDIRR_TRACE_MAX_CHUNK_INFO))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory compressing chunk %u", w->path, w->n_chunks);
	csize = ZSTD_compress2(w->cctx, w->out, bound, w->batch, w->batch_len);
	if (ZSTD_isError(csize))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: compressing chunk %u: zstd: %s", w->path, w->n_chunks,
				       ZSTD_getErrorName(csize));
	ci->index = w->n_chunks;
	ci->offset = w->offset;
	ci->frame_size = csize;
	ci->content_size = w->batch_len;
	len = csize;
	if ((rc = put_skippable(w, &len, DDIRR_TAG_CHUNK, NULL, &ci->base, DDIRR_TRACE_MAX_CHUNK_INFO)))
		return rc;
	/* Caps learned from this chunk's records go right after it, in the
	   same write. */
	if (w->caps_dirty && (rc = put_caps(w, &len)))
		return rc;
	if ((rc = write_out(w, len)))
		return rc;
	w->caps_dirty = 0;
	if (w->n_index < DDIRR_TRACE_MAX_CHUNKS)
		w->index[w->n_index++] = *ci;
	w->n_chunks++;
	w->batch_len = 0;
	*ci = (Ddirr__ChunkInfo)DDIRR__CHUNK_INFO__INIT;
	return 0;
}

static void account(ddirr_trace_writer *w, const ddirr_event *ev)
{
	Ddirr__ChunkInfo *ci = &w->pending;

	if (ci->records == 0) {
		ci->first_seq = ci->last_seq = ev->seq;
		ci->min_time_ns = ci->max_time_ns = ev->time_ns;
	}
	if (ev->seq < ci->first_seq)
		ci->first_seq = ev->seq;
	if (ev->seq > ci->last_seq)
		ci->last_seq = ev->seq;
	if (ev->time_ns < ci->min_time_ns)
		ci->min_time_ns = ev->time_ns;
	if (ev->time_ns > ci->max_time_ns)
		ci->max_time_ns = ev->time_ns;
	ci->records++;
	if (ev->phase == DDIRR_PHASE_ENTRY)
		ci->entries++;
	w->counts[ev->ddi][ev->phase - 1]++;
	w->records++;
	if (ev->seq > w->last_seq)
		w->last_seq = ev->seq;
}

/* Bytes an EventBatch adds around one packed Event: its key and length. */
enum { BATCH_OVERHEAD = 1 + 5 };

/* Packs *pb, which holds ev (and exit_, for a record of phase CALL; else
 * NULL), into the pending chunk, in at most `bound` bytes.
 *
 * Format version 2: a record's seq and time are deltas from the previous
 * record of the same chunk (w->base), so a record that a cut moves into a
 * new chunk is packed again, counting from zero. */
static int append_pb(ddirr_trace_writer *w, Ddirr__Event *pb, size_t bound, const ddirr_event *ev,
		     const ddirr_event *exit_)
{
	Ddirr__Event *one[1] = {pb};
	Ddirr__EventBatch batch = DDIRR__EVENT_BATCH__INIT;
	uint32_t n = exit_ ? 2 : 1;
	ddirr_delta_base base;
	size_t size;
	int cut, rc;

	batch.n_events = 1;
	batch.events = one;
	bound += BATCH_OVERHEAD;
	if (!w->batch_len)
		w->base = (ddirr_delta_base){0, 0};
	base = w->base;
	cut = ddirr_event_pb_set_deltas(pb, ev, &base) != 0;
	pb->base.descriptor = ddirr_event_pack_descriptor(pb); /* format 3: no ddi, time last; packed faster */
	/* Pack once, straight after the pending chunk, into room for the
	   bound: protobuf-c then sizes nothing, and the chunk is cut after. */
	if (ddirr_grow(&w->batch, &w->batch_cap, w->batch_len + bound))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for the pending chunk", w->path);
	size = protobuf_c_message_pack(&batch.base, w->batch + w->batch_len);
	if (size > bound)
		abort(); /* the bound is wrong and the buffer overrun: nothing after this can be trusted */
	if (size > DDIRR_TRACE_MAX_CHUNK_CONTENT)
		return ddirr_error_set(DDIRR_ELIMIT, "%s: seq %llu: a record of %zu bytes exceeds the chunk limit of %u",
				       w->path, (unsigned long long)ev->seq, size, DDIRR_TRACE_MAX_CHUNK_CONTENT);
	/* Cut before the record would carry the chunk past its threshold, so
	   that a chunk exceeds chunk_bytes only when one record does. (The
	   first two tests also retry a cut that failed for lack of memory.)
	   The record then starts the next chunk: its deltas count from zero,
	   so it is packed again, at the start of the buffer. */
	if (w->batch_len &&
	    (cut || w->batch_len >= w->chunk_bytes || w->pending.records + n > w->chunk_records ||
	     size > w->chunk_bytes - w->batch_len)) {
		if ((rc = write_chunk(w)))
			return rc;
		base = (ddirr_delta_base){0, 0};
		ddirr_event_pb_set_deltas(pb, ev, &base);
		pb->base.descriptor = ddirr_event_pack_descriptor(pb); /* now with the absolute forms */
		size = protobuf_c_message_pack(&batch.base, w->batch);
		if (size > bound)
			abort();
	}
	w->batch_len += size;
	w->base = base;
	account(w, ev);
	if (exit_)
		account(w, exit_);
	if ((rc = note_caps(w, ev)) || (exit_ && (rc = note_caps(w, exit_))))
		return rc;
	if (w->batch_len >= w->chunk_bytes || w->pending.records >= w->chunk_records)
		return write_chunk(w);
	return 0;
}

int ddirr_trace_writer_append(ddirr_trace_writer *w, const ddirr_event *ev)
{
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	size_t bound;
	int rc;

	if ((rc = usable(w, "append")))
		return rc;
	if (!ev)
		return ddirr_error_set(DDIRR_EINVAL, "%s: append: NULL event", w->path);
	if (ev->ddi > DDIRR_TRACE_MAX_DDI_ID)
		return ddirr_error_set(DDIRR_EINVAL, "%s: seq %llu: DDI id %u is above %u", w->path,
				       (unsigned long long)ev->seq, ev->ddi, DDIRR_TRACE_MAX_DDI_ID);
	if (ev->phase != DDIRR_PHASE_ENTRY && ev->phase != DDIRR_PHASE_EXIT)
		return ddirr_error_set(DDIRR_EINVAL, "%s: seq %llu: phase %u is neither entry nor exit", w->path,
				       (unsigned long long)ev->seq, ev->phase);
	ddirr_arena_reset(&w->arena);
	if ((rc = ddirr_event_to_pb_bound(&pb, ev, &w->arena, &bound)))
		return rc;
	return append_pb(w, &pb, bound, ev, NULL);
}

int ddirr_trace_writer_append_call(ddirr_trace_writer *w, const ddirr_event *entry, const ddirr_event *exit_)
{
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	size_t bound;
	int rc;

	if ((rc = usable(w, "append")))
		return rc;
	if (!entry || !exit_)
		return ddirr_error_set(DDIRR_EINVAL, "%s: append: NULL event", w->path);
	ddirr_arena_reset(&w->arena);
	if ((rc = ddirr_event_call_to_pb_bound(&pb, entry, exit_, &w->arena, &bound)))
		return rc; /* 1: not as one record */
	return append_pb(w, &pb, bound, entry, exit_);
}

int ddirr_trace_writer_flush(ddirr_trace_writer *w)
{
	int rc;

	if ((rc = usable(w, "flush")))
		return rc;
	return write_chunk(w);
}

static int check_text(const ddirr_trace_writer *w, const char *fn, const char *s)
{
	if (!w)
		return ddirr_error_set(DDIRR_EINVAL, "%s: NULL writer", fn);
	if (w->closed)
		return ddirr_error_set(DDIRR_EINVAL, "%s: %s: the writer is closed", w->path, fn);
	if (!s || strlen(s) > DDIRR_TRACE_MAX_TEXT)
		return ddirr_error_set(DDIRR_EINVAL, "%s: %s: text is NULL or longer than %u bytes", w->path, fn,
				       DDIRR_TRACE_MAX_TEXT);
	return 0;
}

int ddirr_trace_writer_note_drops(ddirr_trace_writer *w, const char *cause, uint64_t n)
{
	size_t i;
	int rc;

	if ((rc = check_text(w, "note_drops", cause)))
		return rc;
	if (!*cause)
		return ddirr_error_set(DDIRR_EINVAL, "%s: note_drops: empty cause", w->path);
	for (i = 0; i < w->n_drops; i++) {
		if (!strcmp(w->drops[i].cause, cause)) {
			w->drops[i].records = n > UINT64_MAX - w->drops[i].records ? UINT64_MAX : w->drops[i].records + n;
			return 0;
		}
	}
	if (w->n_drops == DDIRR_TRACE_MAX_DROP_CAUSES)
		return ddirr_error_set(DDIRR_ELIMIT, "%s: note_drops: more than %u drop causes", w->path,
				       DDIRR_TRACE_MAX_DROP_CAUSES);
	if (!(w->drops[w->n_drops].cause = strdup(cause)))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory noting drops", w->path);
	w->drops[w->n_drops++].records = n;
	return 0;
}

int ddirr_trace_writer_set_stop_reason(ddirr_trace_writer *w, const char *reason)
{
	char *copy;
	int rc;

	if ((rc = check_text(w, "set_stop_reason", reason)))
		return rc;
	if (!(copy = strdup(reason)))
		return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory for the stop reason", w->path);
	free(w->stop_reason);
	w->stop_reason = copy;
	return 0;
}

int ddirr_trace_writer_note_fork(ddirr_trace_writer *w, const ddirr_trace_fork *f)
{
	if (!w || !f)
		return ddirr_error_set(DDIRR_EINVAL, "note_fork: NULL %s", w ? "fork" : "writer");
	if (w->closed)
		return ddirr_error_set(DDIRR_EINVAL, "%s: note_fork: the writer is closed", w->path);
	w->forks_total++;
	if (w->n_forks < DDIRR_TRACE_MAX_FORKS) {
		Ddirr__ForkNote *n = &w->forks[w->n_forks++];

		*n = (Ddirr__ForkNote)DDIRR__FORK_NOTE__INIT;
		n->after_seq = f->after_seq;
		n->time_ns = f->time_ns;
		n->child_pid = f->child_pid;
	}
	return 0;
}

/* The trailer. After a write failure (failed != 0) it describes what the
 * file holds, not what was appended: no clean-close mark, the records and
 * last seq of the chunks written, no per-DDI counts (the reader counts the
 * chunks instead), the records of the chunk the failure lost added to the
 * "write-failed" drops, and the failure as the stop reason unless the
 * caller gave one. */
static int write_trailer(ddirr_trace_writer *w, int failed)
{
	Ddirr__TraceTrailer tr = DDIRR__TRACE_TRAILER__INIT;
	ddirr_arena *a = &w->arena;
	size_t i, n = 0, len = 0;
	int rc, lost_noted = 0;

	ddirr_arena_reset(a);
	for (i = 0; i <= DDIRR_TRACE_MAX_DDI_ID; i++)
		n += w->counts[i][0] || w->counts[i][1];
	tr.chunks = ddirr_arena_alloc(a, (w->n_index ? w->n_index : 1) * sizeof(*tr.chunks));
	tr.counts = ddirr_arena_alloc(a, (n ? n : 1) * sizeof(*tr.counts));
	tr.drops = ddirr_arena_alloc(a, (w->n_drops + 1) * sizeof(*tr.drops));
	tr.forks = ddirr_arena_alloc(a, (w->n_forks ? w->n_forks : 1) * sizeof(*tr.forks));
	if (!tr.chunks || !tr.counts || !tr.drops || !tr.forks)
		goto nomem;
	for (i = 0; i < w->n_forks; i++)
		tr.forks[i] = &w->forks[i];
	tr.n_forks = w->n_forks;
	tr.forks_total = w->forks_total;
	for (i = 0; i < w->n_index; i++)
		tr.chunks[i] = &w->index[i];
	tr.n_chunks = w->n_index;
	for (i = 0; i <= DDIRR_TRACE_MAX_DDI_ID && !failed; i++) {
		Ddirr__DdiCount *c;

		if (!w->counts[i][0] && !w->counts[i][1])
			continue;
		if (!(c = ddirr_arena_alloc(a, sizeof(*c))))
			goto nomem;
		*c = (Ddirr__DdiCount)DDIRR__DDI_COUNT__INIT;
		c->ddi = (Ddirr__DdiId)i;
		c->entries = w->counts[i][0];
		c->exits = w->counts[i][1];
		tr.counts[tr.n_counts++] = c;
	}
	for (i = 0; i <= w->n_drops; i++) {
		/* The failure's lost chunk joins the recorder's own count of
		   records it could not write, or makes one. */
		int same = i < w->n_drops && !strcmp(w->drops[i].cause, WRITE_FAILED);
		uint64_t lost = failed && (same || (i == w->n_drops && !lost_noted)) ? w->lost : 0;
		Ddirr__DropCount *d;

		lost_noted |= same;
		if (i == w->n_drops && !lost)
			break;
		if (!(d = ddirr_arena_alloc(a, sizeof(*d))))
			goto nomem;
		*d = (Ddirr__DropCount)DDIRR__DROP_COUNT__INIT;
		d->cause = i < w->n_drops ? w->drops[i].cause : (char *)WRITE_FAILED;
		d->records = i < w->n_drops ? w->drops[i].records : 0;
		d->records = d->records > UINT64_MAX - lost ? UINT64_MAX : d->records + lost;
		tr.drops[tr.n_drops++] = d;
	}
	tr.clean_close = !failed;
	tr.records = w->records;
	tr.last_seq = w->last_seq;
	tr.stop_reason = str_or_empty(w->stop_reason);
	if (failed) {
		tr.records = w->records - w->lost;
		tr.last_seq = 0;
		for (i = 0; i < w->n_index; i++)
			if (w->index[i].last_seq > tr.last_seq)
				tr.last_seq = w->index[i].last_seq;
		if (!w->stop_reason)
			tr.stop_reason = w->errmsg;
	}
	if ((rc = put_skippable(w, &len, DDIRR_TAG_TRAILER, NULL, &tr.base, DDIRR_TRACE_MAX_TRAILER)))
		return rc;
	return write_out(w, len);
nomem:
	return ddirr_error_set(DDIRR_ENOMEM, "%s: out of memory building the trailer", w->path);
}

int ddirr_trace_writer_close(ddirr_trace_writer *w)
{
	int rc;

	if (!w)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_trace_writer_close: NULL writer");
	if (w->closed)
		return ddirr_error_set(DDIRR_EINVAL, "%s: close: the writer is already closed", w->path);
	rc = usable(w, "close");
	w->closed = 1;
	if (!rc)
		rc = write_chunk(w);
	if (!rc) {
		rc = write_trailer(w, 0);
	} else if (w->err && w->cut && w->fd >= 0) {
		/* The failure was reported when it happened: close ends the
		   file with a trailer that names it, and succeeds if that
		   trailer is written. If it is not (the disk is still full),
		   the file is cut back again and close fails with both. */
		char first[DDIRR_TRACE_MESSAGE_MAX], second[DDIRR_TRACE_MESSAGE_MAX];

		snprintf(first, sizeof(first), "%s", w->errmsg);
		w->err = 0;
		rc = write_trailer(w, 1);
		if (rc) {
			snprintf(second, sizeof(second), "%s", ddirr_error_last());
			rc = ddirr_error_set(rc, "%s; the trailer naming it could not be written either: %s", first,
					     second);
		}
	}
	/* close(2) is where some file systems (NFS) report a failed write.
	   Only the trace's own descriptor (fd_still_ours). */
	if (fd_is_the_trace(w) && close(w->fd) && !rc)
		rc = ddirr_error_set(DDIRR_EIO, "%s: close failed: %s", w->path, strerror(errno));
	w->fd = -1;
	return rc;
}

void ddirr_trace_writer_free(ddirr_trace_writer *w)
{
	size_t i;

	if (!w)
		return;
	if (fd_is_the_trace(w))
		close(w->fd);
	for (i = 0; i < w->n_drops; i++)
		free(w->drops[i].cause);
	free(w->stop_reason);
	ddirr_caps_free(&w->caps);
	ddirr_arena_release(&w->caps_arena);
	free(w->index);
	free(w->out);
	free(w->batch);
	ddirr_arena_release(&w->arena);
	free(w->zstd_ws); /* holds the static cctx: nothing to free in it */
	free(w->path);
	free(w);
}
