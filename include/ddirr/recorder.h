/* The recorder: wraps a driver's DDI table and the kernel's callback table,
 * records every call into per-thread lock-free rings, and writes a trace from
 * a drain thread.
 *
 * Two ways in:
 *   - this API, for hosts that load drivers: open a recorder, then hand it
 *     the DRIVER_INITIALIZATION_DATA your DxgkInitialize receives, before you
 *     copy the table (ddirr_recorder_wrap);
 *   - libddirr_shim.so under LD_PRELOAD, which does the same from the
 *     DDIRR_* environment variables (docs/recorder.md) with no change to the
 *     host or the driver.
 *
 * One recorder per process: the wrappers are plain functions (the driver
 * holds their addresses), so they reach the recorder through one global.
 * Wrapped tables stay valid after ddirr_recorder_close(): the wrappers then
 * forward without recording.
 *
 * A wrapper never changes what the driver or the host sees, with one
 * exception by design: the DXGKRNL_INTERFACE handed to DxgkDdiStartDevice is
 * replaced by a copy (kept alive for the life of the process) whose five
 * slice callbacks are recording wrappers that forward to the host's.
 *
 * Errors are negative DDIRR_E* codes with a message from ddirr_error_last(). */
#ifndef DDIRR_RECORDER_H
#define DDIRR_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "ddirr/event.h"
#include "ddirr/wddm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ddirr_recorder_mode {
	DDIRR_RECORDER_BLOCK = 0, /* lossless (default): a full ring makes the caller wait */
	DDIRR_RECORDER_DROP = 1,  /* never stall: a record that does not fit is counted and dropped */
	DDIRR_RECORDER_FLIGHT = 2 /* keep the newest flight_bytes of records in memory; write on trigger */
};

/* What private driver data (fields of class opaque) the trace keeps. */
enum ddirr_recorder_privacy {
	DDIRR_PRIVACY_METADATA = 0, /* sizes only, no bytes (default) */
	DDIRR_PRIVACY_HASHED = 1,   /* a SHA-256 instead of the bytes (docs/schema.md, "Private data") */
	DDIRR_PRIVACY_FULL = 2      /* the bytes */
};

/* Flight-mode triggers (bits). */
enum ddirr_recorder_trigger {
	DDIRR_TRIGGER_SIGNAL = 1u << 0,  /* SIGUSR2 (installed by the shim, or by open when set) */
	DDIRR_TRIGGER_API = 1u << 1,     /* ddirr_recorder_flight_dump() */
	DDIRR_TRIGGER_FAILURE = 1u << 2, /* a DDI or callback returned an NTSTATUS < 0 */
	DDIRR_TRIGGER_ALL = 7u
};

#define DDIRR_RECORDER_OPTIONS_VERSION 3

typedef struct ddirr_recorder_options {
	unsigned int version; /* DDIRR_RECORDER_OPTIONS_VERSION */
	/* Trace path. "%p" becomes the pid, "%t" the start time
	   (YYYYmmdd-HHMMSS, UTC), "%%" a percent sign. NULL = "ddirr-%p-%t.ddirr". */
	const char *output;
	int mode;                   /* enum ddirr_recorder_mode */
	size_t buffer_bytes;        /* per-thread ring; 0 = 4 MiB; at least 64 KiB; rounded up to a power of two */
	size_t flight_bytes;        /* flight mode: bytes of records kept; 0 = 16 MiB */
	uint32_t flush_interval_ms; /* longest time a record waits before its chunk is written; 0 = 100 */
	int privacy;                /* enum ddirr_recorder_privacy */
	int lttng;                  /* 1: emit the ddirr:ddi_entry/ddi_exit tracepoints; 0: don't. */
	unsigned int flight_triggers; /* enum ddirr_recorder_trigger bits; 0 = DDIRR_TRIGGER_ALL */
	int zstd_level;             /* the data chunks' zstd level: 0 = ddirr's default (level 3 with smaller
	                               match tables: DDIRR_TRACE_DEFAULT_ZSTD_LEVEL in ddirr/trace.h); the
	                               recorder takes -7..19 (higher: smaller traces, more drain CPU) */
	int crash_handlers;         /* 1: on SIGSEGV/SIGBUS/SIGABRT/SIGFPE/SIGILL flush what can be flushed,
	                               then re-raise (docs/recorder.md says what that does and does not
	                               guarantee) */
	/* Provenance the recorder cannot find by itself (NULL = unknown). */
	const char *driver_version; /* overrides the driver's `ddirr_driver_version` symbol */
	uint64_t chaos_seed;        /* set by a capture host that perturbs VidMm decisions ... */
	int chaos_seed_set;         /* ... with chaos_seed_set = 1 (0 is a seed too); 0: the header says none */
	const char *chaos_flags;
	const char *scenario;
	const char *command_line;
} ddirr_recorder_options;

#define DDIRR_RECORDER_OPTIONS_INIT {.version = DDIRR_RECORDER_OPTIONS_VERSION, .lttng = 1}

typedef struct ddirr_recorder ddirr_recorder;

/* Parses the DDIRR_* environment variables (docs/recorder.md) over *opts,
 * which the caller initialised with DDIRR_RECORDER_OPTIONS_INIT. Strings set
 * in *opts point into the environment. Sets *enabled to 0 when DDIRR_ENABLE=0.
 * Errors: DDIRR_EINVAL with a one-line message naming the variable and the
 * value ("DDIRR_MODE=fast: expected block, drop or flight"); *opts is then
 * partly updated and should not be used. */
int ddirr_recorder_options_from_env(ddirr_recorder_options *opts, int *enabled);

/* Expands %p, %t and %% in pattern for process pid at unix time t (seconds)
 * into out (size bytes, NUL-terminated). Returns the length, or DDIRR_EINVAL
 * (unknown % sequence, or the result does not fit). */
int ddirr_recorder_expand_path(char *out, size_t size, const char *pattern, uint32_t pid, int64_t t);

/* Creates the process's recorder. Nothing is recorded and no file is created
 * until ddirr_recorder_wrap() sees the driver (the header names it). On
 * success *out belongs to the caller, who ends it with ddirr_recorder_close().
 * Errors: DDIRR_EINVAL (bad option, or a recorder is already open),
 * DDIRR_ENOMEM. */
int ddirr_recorder_open(ddirr_recorder **out, const ddirr_recorder_options *opts);

/* Rewrites, in place, every slice DDI member of did that is not NULL to a
 * recording wrapper, remembering the driver's functions. Call it on the table
 * the driver passes to DxgkInitialize, before the host copies it. The first
 * call collects provenance (driver path and SHA-256 by dladdr on the table's
 * functions, the driver's `ddirr_driver_version` string, did->Version),
 * creates the trace file, starts the drain thread and starts recording.
 * Wrapping a table whose members are already wrappers leaves them as they
 * are. Errors: DDIRR_EINVAL (NULL argument), DDIRR_EIO (the trace cannot be
 * created: the table is still wrapped, and its wrappers forward without
 * recording), DDIRR_ENOMEM. */
int ddirr_recorder_wrap(ddirr_recorder *r, DRIVER_INITIALIZATION_DATA *did);

/* Rewrites, in place, the slice callbacks of iface (those within
 * iface->Size) to recording wrappers. The StartDevice wrapper does this on a
 * copy by itself; hosts and benchmarks that call callbacks directly can use
 * it. Errors: DDIRR_EINVAL. */
int ddirr_recorder_wrap_interface(ddirr_recorder *r, DXGKRNL_INTERFACE *iface);

/* Turns recording on or off (a wrapped table keeps forwarding either way).
 * Off costs one relaxed atomic load and a branch per call. */
void ddirr_recorder_set_enabled(ddirr_recorder *r, int enabled);

/* Flight mode: writes the records held in memory to the trace now and waits
 * until they are written (at most 10 s: then DDIRR_EIO, the drain thread did
 * not answer). Records issued before the call on this thread are included.
 * Returns the number of records written, or DDIRR_EINVAL (not in flight
 * mode, or the API trigger is off), DDIRR_EIO. */
int ddirr_recorder_flight_dump(ddirr_recorder *r);

/* Waits until every record issued before the call is written (not in flight
 * mode: there it waits until the records reached the flight buffer), and
 * writes the pending chunk. Errors: DDIRR_EIO (recording has stopped, or the
 * drain thread did not answer within 10 s). */
int ddirr_recorder_sync(ddirr_recorder *r);

typedef struct ddirr_recorder_drop_count {
	const char *cause; /* "ring-full", "record-too-large", "flight-evicted", "write-failed",
	                      "interrupted", "ring-damaged", "nested" (docs/recorder.md) */
	uint64_t records;
} ddirr_recorder_drop_count;

#define DDIRR_RECORDER_MAX_CAUSES 8

typedef struct ddirr_recorder_stats {
	uint64_t issued;   /* records the wrappers produced (entries + exits) */
	uint64_t recorded; /* records handed to the trace writer */
	uint64_t dropped;  /* sum of drops[] */
	ddirr_recorder_drop_count drops[DDIRR_RECORDER_MAX_CAUSES];
	uint64_t pending;  /* issued, and neither recorded nor dropped yet */
	uint64_t threads;  /* threads that have recorded */
	int stopped;       /* recording stopped after a write failure */
} ddirr_recorder_stats;

/* Fills *stats. After ddirr_recorder_sync() (or close) in block and drop
 * modes, and after a flight dump, recorded + dropped + pending == issued with
 * pending 0 except for records still in flight memory. */
void ddirr_recorder_get_stats(ddirr_recorder *r, ddirr_recorder_stats *stats);

/* Flat size in bytes that one record takes in a ring and in flight memory:
 * the record header plus the deep copy of ev's frame for ev->phase under the
 * recorder's privacy tier. Flight mode keeps the newest records whose sizes
 * add up to at most flight_bytes. */
size_t ddirr_recorder_record_bytes(const ddirr_recorder *r, const ddirr_event *ev);

/* Stops recording, drains every ring, writes the trace's trailer (drops,
 * stop reason) and closes the file, and frees r (NULL is a no-op). In flight
 * mode the records still in memory are written first. Wrapped tables keep
 * forwarding. Returns 0 or the first write error (the trace is then left
 * readable without a trailer, and stderr says why). */
int ddirr_recorder_close(ddirr_recorder *r);

/* The recorder's version string ("0.1.0"). */
const char *ddirr_recorder_version(void);

#ifdef __cplusplus
}
#endif
#endif
