/* Trace files: writing them, and reading them back with recovery.
 *
 * A trace is one file that is also a valid zstd stream: a header frame, data
 * chunks (each one zstd frame holding one serialized ddirr.EventBatch), a
 * small index frame after each chunk, and a trailer when the writer closed
 * cleanly. docs/format.md specifies it byte by byte. A trace left by a crash
 * has no trailer and is still readable up to its last complete chunk.
 *
 * Errors are negative DDIRR_E* codes with a message from ddirr_error_last()
 * (ddirr/error.h). Messages about a file read "FILE: byte OFFSET: what was
 * wrong". */
#ifndef DDIRR_TRACE_H
#define DDIRR_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "ddirr/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The format version this library writes, and the newest it reads. It
 * reads every version from 1 on: version 1 writes absolute integers, version
 * 2 seq, time and page arrays as deltas, version 3 leaves out a record's
 * `ddi`, which its `args` member gives, version 4 may give a page array as
 * runs of consecutive values, and version 5 (what the writer writes) may
 * give a call's entry and exit as one record (docs/format.md 2.6). */
#define DDIRR_FORMAT_VERSION 5u

/* ------------------------------------------------------------------------
 * What the header says: provenance, capture settings, adapter caps.
 *
 * Writer: the caller fills it; every string may be NULL (written as empty).
 * Reader: ddirr_trace_get_info() returns it; every string is non-NULL ("" when
 * absent) and every pointer belongs to the ddirr_trace. */

typedef struct ddirr_trace_provenance {
	const char *driver_path;
	const char *driver_version;
	const uint8_t *driver_sha256; /* digest bytes, normally 32; NULL when unknown */
	size_t driver_sha256_len;
	const char *driver_build;
	uint32_t interface_version; /* the driver's DRIVER_INITIALIZATION_DATA.Version, raw (the
	                               kernel's DXGKRNL_INTERFACE.Version: the CAPS frame) */
	const char *host;
	const char *process_name;
	uint32_t pid;
	const char *recorder_version; /* writer: NULL means this library's version */
	uint64_t start_unix_ns;       /* wall clock at capture start */
	const char *os;
} ddirr_trace_provenance;

typedef struct ddirr_trace_settings {
	const char *mode; /* "block", "drop" or "flight" */
	uint64_t buffer_bytes; /* the per-thread ring (flight traces from before flight_bytes: the flight size) */
	uint32_t flush_interval_ms;
	const char *privacy; /* "metadata", "hashed" or "full" */
	int lttng;           /* 0 or 1 */
	uint64_t chaos_seed; /* meaningful when chaos_seed_set */
	int chaos_seed_set;  /* 1: a capture host gave the seed (0 is a seed too) */
	const char *chaos_flags;
	const char *scenario;
	const char *command_line;
	const char *clock; /* the recorder's tick source: "tsc" or "monotonic" */
	int zstd_level;    /* reader only (the writer records its own): the data chunks' level; 0: not recorded */
	unsigned int zstd_hash_log, zstd_chain_log; /* reader only, the same: its match tables; 0: not recorded */
	uint64_t flight_bytes;       /* flight mode: bytes of records kept in memory; 0 otherwise */
	const char *flight_triggers; /* flight mode: "signal", "api", "failure", comma-separated */
	int crash_handlers;          /* 1: the recorder flushed its rings on a crash signal */
} ddirr_trace_settings;

#define DDIRR_TRACE_INFO_VERSION 4

typedef struct ddirr_trace_info {
	unsigned int version; /* DDIRR_TRACE_INFO_VERSION */
	ddirr_trace_provenance provenance;
	ddirr_trace_settings settings;
	/* A serialized ddirr.AdapterCaps message, passed through as is, or NULL.
	   The writer checks that it parses; the reader returns it re-serialized. */
	const void *adapter_caps_pb;
	size_t adapter_caps_len;
	/* Reader only (the writer ignores them and writes its own): the file's
	   format version and the serialized google.protobuf.FileDescriptorSet
	   of the schema the trace was written with. */
	uint32_t format_version;
	const void *schema;
	size_t schema_len;
} ddirr_trace_info;

#define DDIRR_TRACE_INFO_INIT {.version = DDIRR_TRACE_INFO_VERSION}

/* A fork the recording process made; its child was not recorded. */
typedef struct ddirr_trace_fork {
	uint64_t after_seq; /* the last seq handed out when fork returned in the parent */
	uint64_t time_ns;   /* CLOCK_MONOTONIC */
	uint32_t child_pid; /* 0: not known */
} ddirr_trace_fork;

#define DDIRR_TRACE_MAX_FORKS 64u

/* ------------------------------------------------------------------------
 * Writer. One thread at a time (the recorder's drain thread). */

typedef struct ddirr_trace_writer ddirr_trace_writer;

#define DDIRR_TRACE_WRITER_OPTIONS_VERSION 1

typedef struct ddirr_trace_writer_options {
	unsigned int version;   /* DDIRR_TRACE_WRITER_OPTIONS_VERSION */
	size_t chunk_bytes;     /* cut a chunk at this many serialized bytes;
	                           0 = 256 KiB; at most 64 MiB */
	uint32_t chunk_records; /* ... or at this many records; 0 = 65536 */
	int level;              /* zstd compression level; 0 = ddirr's default: level 3
	                           with smaller match tables (DDIRR_TRACE_DEFAULT_HASH_LOG,
	                           DDIRR_TRACE_DEFAULT_CHAIN_LOG); any other level gets
	                           zstd's own parameters for it */
} ddirr_trace_writer_options;

#define DDIRR_TRACE_WRITER_OPTIONS_INIT {.version = DDIRR_TRACE_WRITER_OPTIONS_VERSION}

/* ddirr's default compression (level 0): zstd level 3 (double-fast), with
 * match tables of 2^14 and 2^12 entries instead of level 3's 2^16 and 2^16,
 * when zstd does not pick smaller ones for chunk_bytes: 80 KiB of tables
 * instead of 512 KiB. Measured on the same chunks, 17-43 % less zstd time
 * for at most 1.5 % more bytes (bench/RESULTS.md, session 10). */
#define DDIRR_TRACE_DEFAULT_ZSTD_LEVEL 3
#define DDIRR_TRACE_DEFAULT_HASH_LOG 14
#define DDIRR_TRACE_DEFAULT_CHAIN_LOG 12

/* Creates (or truncates) the file at path and writes the header, so that the
 * file is a readable empty trace from the start. info may be NULL (an empty
 * header) and opts may be NULL (defaults). On success *out belongs to the
 * caller, who ends it with ddirr_trace_writer_close() and then
 * ddirr_trace_writer_free(). On failure *out is NULL.
 * Errors: DDIRR_EINVAL (a bad argument, option or adapter_caps_pb),
 * DDIRR_ELIMIT (the header would exceed the reader's 16 MiB limit),
 * DDIRR_EIO (the file cannot be created or written), DDIRR_ENOMEM. */
int ddirr_trace_writer_open(ddirr_trace_writer **out, const char *path, const ddirr_trace_info *info,
			    const ddirr_trace_writer_options *opts);

/* Encodes ev (copying everything it needs: ev and its frame may change as
 * soon as this returns) into the pending chunk, and writes the chunk when it
 * reaches the size or record threshold.
 * Errors: DDIRR_EINVAL (ev NULL, a DDI id above 4095, a phase that is
 * neither entry nor exit, a frame the codec refuses, or the writer is
 * closed), DDIRR_ELIMIT (one record larger than a
 * chunk may hold: 64 MiB), DDIRR_ENOMEM: the record is not written and the
 * writer stays usable. DDIRR_EIO: writing a chunk failed; the message names
 * the file, the byte offset where the file now ends, the system's reason
 * and its errno name ("No space left on device (ENOSPC)") and the chunk and
 * seqs not written. The writer has cut the file back to its last whole
 * frame; it refuses every later append and flush with the same error, and
 * close ends the file with a trailer naming the failure. */
int ddirr_trace_writer_append(ddirr_trace_writer *w, const ddirr_event *ev);

/* Appends a call's entry and its exit as one record (format 5, phase
 * CALL), which a reader gives back as the two: the same records as two
 * appends, for fewer bytes and less work. That takes the same seq, thread,
 * parent and DDI in both, the exit's time not before the entry's, no
 * digests of private data, and a DDI whose exit records nothing but
 * scalars of the call's own struct that its entry does not record (such
 * as the return value). Returns 1 and appends nothing when the two cannot
 * go as one (append them one by one then); else as append. */
int ddirr_trace_writer_append_call(ddirr_trace_writer *w, const ddirr_event *entry, const ddirr_event *exit_);

/* Shows the writer a record it will not append (a flight-mode recorder's
 * records that may be evicted before they are written). Append does the
 * same for every record it takes: QueryAdapterInfo records that describe
 * the adapter (segments, GPU MMU caps, page-table levels) update the
 * adapter caps, which the writer puts in a CAPS frame after the next chunk
 * (docs/format.md), and which a reader hands back as
 * ddirr_trace_info.adapter_caps_pb once it has read that frame.
 * Errors: DDIRR_EINVAL, DDIRR_ENOMEM, or the sticky write failure. */
int ddirr_trace_writer_note(ddirr_trace_writer *w, const ddirr_event *ev);

/* Writes the pending chunk now, if there is one, so that a crash after this
 * call loses nothing appended before it. (The writer uses write(2), so no
 * data waits in a user-space buffer; it does not fsync.)
 * Errors: DDIRR_EINVAL (closed), DDIRR_EIO (sticky, as for append). */
int ddirr_trace_writer_flush(ddirr_trace_writer *w);

/* Adds n records dropped for `cause` (a short constant such as "ring-full";
 * copied) to the drop counts the trailer reports. Works after a write
 * failure too, so that callers can keep counting.
 * Errors: DDIRR_EINVAL (cause NULL, empty or longer than 1024 bytes, or the
 * writer is closed), DDIRR_ELIMIT (more than 64 distinct causes),
 * DDIRR_ENOMEM. */
int ddirr_trace_writer_note_drops(ddirr_trace_writer *w, const char *cause, uint64_t n);

/* Records why recording stopped early (copied; replaces an earlier reason);
 * the trailer reports it. Errors: DDIRR_EINVAL (reason NULL or longer than
 * 1024 bytes, or closed), DDIRR_ENOMEM. */
int ddirr_trace_writer_set_stop_reason(ddirr_trace_writer *w, const char *reason);

/* Notes a fork of the recording process for the trailer: the first
 * DDIRR_TRACE_MAX_FORKS are kept, every one is counted. Errors:
 * DDIRR_EINVAL (NULL argument, or the writer is closed). */
int ddirr_trace_writer_note_fork(ddirr_trace_writer *w, const ddirr_trace_fork *f);

/* Writes the pending chunk and the trailer (chunk index, per-DDI counts,
 * drops, stop reason, clean-close mark) and closes the file. The writer must
 * still be freed. After a write failure (already reported by append or
 * flush), writes a trailer that is not marked clean, describing the chunks
 * written, with the failure as stop reason (unless one was set) and the
 * records of the chunk it lost added to the "write-failed" drops, and
 * returns 0; if that trailer cannot be written either, the file is cut back
 * to its last whole chunk (a readable trace without trailer) and DDIRR_EIO
 * names both failures.
 * Errors: DDIRR_EINVAL (already closed), DDIRR_EIO, DDIRR_ENOMEM. */
int ddirr_trace_writer_close(ddirr_trace_writer *w);

/* Frees the writer; NULL is a no-op. Without a close before it, the file is
 * left exactly as a crash would leave it: every chunk written so far, no
 * trailer, and the records still pending (since the last chunk or flush)
 * lost. */
void ddirr_trace_writer_free(ddirr_trace_writer *w);

/* ------------------------------------------------------------------------
 * Reader. Streams the file one chunk at a time. Damage does not stop it:
 * it notes the problem, finds the next frame boundary and goes on, and
 * ddirr_trace_get_verdict() says what was lost. */

typedef struct ddirr_trace ddirr_trace;

/* Opens the regular file at path and reads its header. On success *out
 * belongs to the caller, who frees it with ddirr_trace_free(); on failure
 * *out is NULL.
 * Errors: DDIRR_EINVAL (NULL argument, not a regular file), DDIRR_EIO,
 * DDIRR_ENOTTRACE (empty, or the first frame is not a ddirr header),
 * DDIRR_ETRUNC (the file ends inside the header frame), DDIRR_EVERSION (a
 * newer format; checked before the header is parsed), DDIRR_ELIMIT (a header
 * over 16 MiB), DDIRR_ECORRUPT (the header does not parse), DDIRR_ENOMEM. */
int ddirr_trace_open(ddirr_trace **out, const char *path);

/* Reads the next record. Returns 1 and sets *ev to a record borrowed from t,
 * valid until the next call on t; 0 at the end (*ev NULL); or a negative
 * error, after which every call returns it again: DDIRR_EINVAL, DDIRR_EIO,
 * DDIRR_ENOMEM. Damaged, truncated or oversized parts of the file are not
 * errors here: they end up in the verdict. Records come in file order. */
int ddirr_trace_next(ddirr_trace *t, const ddirr_event **ev);

/* The header. Borrowed from t. Never NULL for an open trace. */
const ddirr_trace_info *ddirr_trace_get_info(const ddirr_trace *t);

/* Frees t and everything borrowed from it; NULL is a no-op. */
void ddirr_trace_free(ddirr_trace *t);

/* One data chunk as seen by the reader. */
enum ddirr_trace_chunk_state {
	DDIRR_CHUNK_OK = 1,     /* decoded */
	DDIRR_CHUNK_DAMAGED = 2 /* its records were lost; see the verdict's problems */
};

typedef struct ddirr_trace_chunk {
	uint32_t index;  /* 0-based chunk number */
	int state;       /* enum ddirr_trace_chunk_state */
	int has_info;    /* its ChunkInfo is known, from its frame or from the
	                    trailer; the fields below of a damaged chunk are 0
	                    without it */
	uint64_t offset; /* byte offset of the data frame */
	uint64_t frame_size;
	uint64_t content_size;
	uint64_t first_seq; /* smallest and largest seq of its records */
	uint64_t last_seq;
	uint64_t records;
	uint64_t entries;
	uint64_t min_time_ns;
	uint64_t max_time_ns;
} ddirr_trace_chunk;

typedef struct ddirr_trace_ddi_count {
	uint32_t ddi; /* enum ddirr_ddi; may be one this build does not know */
	uint64_t entries;
	uint64_t exits;
} ddirr_trace_ddi_count;

typedef struct ddirr_trace_drop {
	const char *cause; /* for example "ring-full" */
	uint64_t records;
} ddirr_trace_drop;

enum ddirr_trace_gap_kind {
	DDIRR_GAP_CHUNK = 1, /* a damaged chunk; exact when its ChunkInfo survived */
	DDIRR_GAP_SEQ = 2,   /* entry seqs never seen between recovered records */
	DDIRR_GAP_RECORD = 3, /* one record the codec refused */
	DDIRR_GAP_UNLOCATED = 4 /* records the trailer counts that no chunk holds */
};

typedef struct ddirr_trace_gap {
	int kind;           /* enum ddirr_trace_gap_kind */
	uint64_t first_seq; /* first and last seq concerned; 0 when unknown */
	uint64_t last_seq;
	uint64_t records;   /* records missing: CHUNK, the chunk's count (0 when
	                       unknown); SEQ, the number of missing seqs (one entry
	                       record each, at least); RECORD, 1; UNLOCATED, the
	                       trailer's count minus what the chunks account for */
	int64_t chunk;      /* chunk index, or -1 */
	uint64_t offset;    /* byte offset of the chunk concerned */
} ddirr_trace_gap;

#define DDIRR_TRACE_MESSAGE_MAX 256

typedef struct ddirr_trace_problem {
	int code;        /* DDIRR_ECORRUPT, DDIRR_ELIMIT or DDIRR_ETRUNC */
	uint64_t offset; /* byte offset in the file */
	char message[DDIRR_TRACE_MESSAGE_MAX]; /* "FILE: byte OFFSET: what was wrong" */
} ddirr_trace_problem;

enum ddirr_trace_verdict_kind {
	DDIRR_VERDICT_COMPLETE = 1,  /* clean trailer, nothing missing */
	DDIRR_VERDICT_TRUNCATED = 2, /* no clean trailer: complete up to last_seq */
	DDIRR_VERDICT_GAP = 3        /* records missing in the middle: see gaps
	                                (truncated may be set as well) */
};

typedef struct ddirr_trace_verdict {
	int kind;       /* enum ddirr_trace_verdict_kind */
	int final;      /* 1 once ddirr_trace_next() has returned 0 or an error */
	int truncated;  /* no clean trailer was read */
	int trailer;    /* a trailer frame was read */
	int clean_close;
	uint64_t last_seq;   /* largest seq recovered; 0 when none */
	uint64_t stopped_at; /* byte offset where reading stopped: the file size,
	                        or where a cut or unrecoverable damage begins */
	const ddirr_trace_gap *gaps; /* ordered by first_seq */
	size_t n_gaps;
	uint64_t gaps_dropped;    /* gaps beyond the 1024 kept */
	uint64_t missing_records; /* sum of gaps[].records: a lower bound */
	const ddirr_trace_drop *drops; /* recorder drops, from the trailer */
	size_t n_drops;
	uint64_t dropped_records;
	const char *stop_reason; /* from the trailer; "" when none */
	const ddirr_trace_fork *forks; /* from the trailer: forks made while recording, whose children's
	                                  calls are not in the trace */
	size_t n_forks;
	uint64_t forks_total; /* n_forks and those beyond the notes kept */
	const ddirr_trace_problem *problems; /* in file order */
	size_t n_problems;
	uint64_t problems_dropped; /* problems beyond the 64 kept */
	const char *summary;       /* one line, such as "gap: 12 records missing
	                              at seq 345 (chunk 3 at byte 4242 ...)" */
} ddirr_trace_verdict;

/* What reading has established so far; final once ddirr_trace_next() has
 * returned 0. Borrowed from t, valid until the next call on t. NULL only
 * when t is NULL or memory ran out (DDIRR_ENOMEM in ddirr_error_last()). */
const ddirr_trace_verdict *ddirr_trace_get_verdict(ddirr_trace *t);

/* Returns "complete", "truncated" or "gap". */
const char *ddirr_trace_verdict_name(int kind);

typedef struct ddirr_trace_stats {
	uint64_t file_size;
	uint64_t header_size;      /* the header frame, whole */
	uint64_t chunks;           /* data frames found, damaged ones included */
	uint64_t damaged_chunks;
	uint64_t compressed_bytes; /* data frames of decoded chunks */
	uint64_t content_bytes;    /* their serialized EventBatch bytes */
	uint64_t records;          /* records in decoded chunks */
	uint64_t entries;
	double compressed_bytes_per_record;
	double content_bytes_per_record;
	uint64_t min_seq, max_seq; /* 0 when no record */
	uint64_t min_time_ns, max_time_ns;
	/* Per-DDI entry and exit counts, ordered by DDI id: the trailer's when
	   it was clean, otherwise counted from the decoded chunks. */
	const ddirr_trace_ddi_count *ddi_counts;
	size_t n_ddi_counts;
	int counts_from_trailer;
	const ddirr_trace_drop *drops;
	size_t n_drops;
	int trailer;
	int clean_close;
} ddirr_trace_stats;

/* Statistics of what has been read so far (the whole file once
 * ddirr_trace_next() has returned 0). Borrowed from t, valid until the next
 * call on t. NULL only when t is NULL or memory ran out. */
const ddirr_trace_stats *ddirr_trace_get_stats(ddirr_trace *t);

/* The chunks seen so far, in file order; sets *n. Borrowed from t, valid
 * until the next call on t. At most 2^19 chunks are listed. */
const ddirr_trace_chunk *ddirr_trace_get_chunks(const ddirr_trace *t, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
