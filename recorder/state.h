/* The recorder's shared state: what the wrappers (hot path), the drain
 * thread and the control functions all see. Internal to recorder/.
 *
 * There is one recorder per process (g_rec), because the wrappers are plain
 * functions whose addresses the driver keeps. */
#ifndef DDIRR_RECORDER_STATE_H
#define DDIRR_RECORDER_STATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ddirr/recorder.h"
#include "clock.h"
#include "ddirr/trace.h"
#include "desc.h"
#include "platform.h"
#include "ring.h"

/* Why a record was not written. The names go into the trailer. */
enum ddirr_drop_cause {
	DROP_RING_FULL,      /* drop mode: the thread's ring was full */
	DROP_TOO_LARGE,      /* larger than half a ring (drop, flight) or than flight memory */
	DROP_FLIGHT_EVICTED, /* flight mode: pushed out by newer records */
	DROP_WRITE_FAILED,   /* the trace could not be written any more (or a write failed) */
	DROP_INTERRUPTED,    /* a fault in the copy (a bad argument pointer), and the process's
	                        handler jumped out of it (Signals) */
	DROP_RING_DAMAGED,   /* the records of a stretch skipped for an entry the producer
	                        cannot have written (ring.c, entry_ok; counted at close),
	                        or a record whose frame does not rebuild */
	DROP_NESTED,         /* made while the thread's ring and its nested ring were
	                        both being written (signal handlers inside signal
	                        handlers), or while the thread was registering its
	                        rings (docs/recorder.md, Signals) */
	DROP_N_CAUSES
};

const char *ddirr_drop_cause_name(int cause);

/* Heap copies a thread may have waiting for the drain (ddirr_thread_ring). */
enum { DDIRR_HEAP_SLOTS = 8 };

/* Who a ring belongs to. A thread's ring outlives it: the drain takes what
 * it left, then hands the ring to the next thread that registers
 * (wrappers.c, register_thread; docs/recorder.md, "Threads"). */
enum ddirr_ring_state {
	RING_LIVE,   /* its thread runs, or may */
	RING_EXITED, /* its thread has exited; records may be left in it */
	RING_FREE    /* empty, and nobody's: the next new thread takes it */
};

/* A thread's recording state: its ring and its counters. Allocated on a
 * thread's first record (the only allocation on the hot path) unless a
 * free ring is there to take; retired at ddirr_recorder_close() and freed
 * at the next one (not while its `writing` stays set).
 * Counters are written by the owning thread only (relaxed) and read by the
 * drain; a ring's next owner goes on adding to them, so their sums over
 * the rings stay whole. */
typedef struct ddirr_thread_ring {
	ddirr_ring ring;
	struct ddirr_thread_ring *next; /* registry, newest first */
	/* A thread's main ring has a nested one, registered beside it, with
	   the same thread number: the records the thread makes while its main
	   ring is being written (`writing` set), which only a signal handler
	   that interrupted a record can, or a thread that a jump took out of
	   a record (docs/recorder.md, Signals). The pair is claimed, marked
	   exited and freed together; only the main ring counts as in use. */
	struct ddirr_thread_ring *nested; /* NULL in a nested ring */
	int is_nested;
	uint32_t thread;                /* recorder thread number of its owner, from 1 */
	_Atomic int state;              /* enum ddirr_ring_state */
	_Atomic int writing;            /* inside a record write: close waits */
	_Atomic uint64_t issued;
	_Atomic uint64_t drops[DROP_N_CAUSES];
	_Atomic uint64_t age_waits; /* block mode: calls that waited for the drain to take an old record */
	uint64_t last_time_ns; /* drain only: the thread's latest converted time */
	uint64_t taken;        /* drain only: records taken off the ring, whatever became of them */
	/* Block mode's heap copies of records too large for the ring
	   (wrappers.c, record_slow), which the ring holds as INDIRECT entries
	   with the copy's address. The producer also lists each here, with
	   its entry's ring position, in ring order, before it publishes the
	   entry. The drain follows an entry's address only when the list has
	   that address at that position (drain.c, claim_heap), and frees the
	   copies of entries it skipped or never saw as INDIRECT: a stray
	   store into the ring (docs/recorder.md, "Ring memory written by
	   something else") costs records, not a wild pointer, a bad free or
	   a leak. Slots k % DDIRR_HEAP_SLOTS for k from
	   heaps_taken (drain) to heaps_added (producer); a producer with
	   every slot taken waits, as for ring room. */
	struct {
		uint64_t at;
		void *copy;
	} heaps[DDIRR_HEAP_SLOTS];
	_Atomic uint64_t heaps_added, heaps_taken;
} ddirr_thread_ring;

typedef void (*ddirr_fn)(void); /* any function; cast back before calling */

struct ddirr_recorder {
	ddirr_recorder_options opts; /* strings copied below */
	char *output_path;
	char *driver_version;
	char *chaos_flags, *scenario, *command_line;
	unsigned copy_flags; /* ddirr_frame_copy flags for the privacy tier */
	int started;         /* the writer and the drain thread exist */
	/* In the child of a fork: set there (on_fork_child), never in the
	   process that opened the recorder. The child has no drain thread,
	   and the trace file is the parent's: it records nothing. */
	volatile int forked;
	uint32_t pid; /* of the process that opened the recorder */
	int user_enabled;    /* ddirr_recorder_set_enabled() */
	ddirr_trace_writer *writer;
	ddirr_platform_thread *drain;
	const char *clock_name; /* "tsc" or "monotonic": what the records' ticks count */
	ddirr_clock clock;      /* drain-lock holder only: ticks to monotonic ns */
	/* Drain-thread state (also taken over by the crash handler). */
	atomic_flag drain_lock;
	_Atomic int stop;
	_Atomic int stopped; /* a write failed: recording is off for good */
	_Atomic uint64_t recorded;
	_Atomic uint64_t drain_drops[DROP_N_CAUSES];
	uint64_t noted_drops[DROP_N_CAUSES]; /* already passed to the writer */
	uint64_t last_flush_ns;
	uint64_t appended_since_flush;
	uint64_t taken_bytes;  /* ring bytes the drain has taken, for its rate */
	/* The measure in progress (drain.c, note_rate): bytes taken since
	   rate_bytes0 over the time the drain worked for them, which is
	   rate_busy_ns of passes already ended plus the pass begun at pass_t0. */
	uint64_t rate_bytes0, rate_busy_ns, pass_t0, rate_records;
	uint64_t age_limit_ns; /* block mode: g_rec.age_limit_ticks in ns */
	/* When the pending chunk must be written: the oldest record appended
	   since the last flush, plus the flush interval, minus the time a
	   flush takes (flush_cost_ns, the slowest recent one). */
	uint64_t flush_due_ns;
	uint64_t flush_cost_ns;
	/* Requests to the drain thread: a ticket is done when *_done reaches it. */
	_Atomic uint64_t sync_req, sync_done;
	_Atomic uint64_t dump_done; /* requests are g_rec.dump_req */
	_Atomic int64_t last_dump_records;
	/* Flight memory: records back to back, possibly split at the end. */
	char *flight;
	uint64_t flight_size, flight_start, flight_used;
	char *scratch; /* a record made contiguous again */
	size_t scratch_size;
	ddirr_opaque_digest *digests; /* privacy tier hashed: one record's digests */
	uint32_t n_digests, digests_cap;
	/* Forks made while recording (on_fork_parent), for the trailer: a
	   slot each, taken by forks_total; failed forks the shim saw are
	   taken back out of the count (forks_failed, child_pid UINT32_MAX). */
	ddirr_trace_fork forks[DDIRR_TRACE_MAX_FORKS];
	_Atomic uint64_t forks_total, forks_failed;
};

/* The global state the wrappers read. */
typedef struct ddirr_global {
	_Atomic int enabled;             /* recording: checked first by every wrapper */
	/* The last seq handed out: written by every call, so alone in its
	   cache line, away from what every wrapper reads. */
	_Alignas(64) _Atomic uint64_t seq;
	_Alignas(64) _Atomic uint64_t generation; /* bumped by every open: stale thread state re-registers */
	_Atomic(ddirr_thread_ring *) rings; /* registry, newest first */
	ddirr_thread_ring *retired;         /* the previous recorder's rings (see close) */
	_Atomic uint32_t threads;       /* thread numbers handed out */
	_Atomic uint32_t rings_in_use;  /* rings not RING_FREE */
	_Atomic uint64_t dump_req; /* flight dumps asked for: API, SIGUSR2, failure */
	ddirr_recorder *rec;
	int mode;
	int lttng;
	/* ddirr_platform_barrier_all() works: close orders itself against the
	   wrappers' `writing` (wrappers.c, record), and they need no fence. */
	int light_barrier;
	unsigned triggers;
	unsigned copy_flags;
	uint64_t ring_bytes;
	/* Block mode's age bound (wrappers.c, age_wait): the oldest record a
	   ring may hold, in ticks (0: no bound; drop and flight mode), and
	   how many bytes a thread records between two looks at it. Set at
	   open. */
	uint64_t age_limit_ticks;
	uint64_t age_check_bytes;
	/* Block mode: the bytes a ring may hold before its producer waits,
	   what the drain takes in half the flush interval (measured by the
	   drain, drain.c note_rate; shared among the threads). Relaxed: a
	   stale value only makes a wait a little longer or shorter. */
	_Atomic uint64_t backlog_cap;
	/* Records of calls a signal handler made while its thread was
	   registering its rings (wrappers.c, GUARD_REGISTERING): forwarded
	   unrecorded, so issued and dropped (`nested`) here, there being no
	   ring to count them on. Zeroed at open. */
	_Atomic uint64_t unringed_drops;
	ddirr_fn real[DDIRR_DDI_MAX_PLUS_ONE]; /* the driver's and the host's functions */
} ddirr_global;

extern ddirr_global g_rec;

/* wrappers.c: puts every slice member of the table (DRIVER_INITIALIZATION_DATA
 * for kind DDI, DXGKRNL_INTERFACE for CB, limited to `size` bytes) through a
 * wrapper, remembering the original. */
void ddirr_wrappers_install(void *table, size_t size, int kind);

/* wrappers.c: marks the calling thread as the recorder's own (1) or not (0):
 * calls it makes through wrappers are forwarded without being recorded. */
void ddirr_wrappers_guard(int on);
/* wrappers.c: the calling thread's guard (1: the recorder's own thread;
 * GUARD_REGISTERING while its first record registers its rings). */
int ddirr_wrappers_guarded(void);
enum { GUARD_REGISTERING = 2 };

/* wrappers.c, from the crash handler on the crashing thread: a fault inside
 * one of its record copies (a bad pointer among the arguments) leaves that
 * record to be given up, since the process's handler may jump out of it;
 * and a jump out of a DDI would leave the thread inside it. crash_enter
 * gives up the record (counted as DROP_INTERRUPTED) and takes the thread
 * out of its DDIs; crash_resume undoes both, for when the process's
 * handler returned and the faulting instruction runs again. */
void ddirr_wrappers_crash_enter(void);
void ddirr_wrappers_crash_resume(void);

/* wrappers.c: bytes a record takes in a ring (header + flat frame). */
size_t ddirr_record_size(uint32_t ddi, uint32_t phase, const void *frame, unsigned copy_flags);

/* recorder.c: calls that waited for age (block mode), over every thread
 * of the open recorder. Read as the stats are: relaxed, any thread. */
uint64_t ddirr_recorder_age_waits(void);

/* recorder.c: replaces the interface StartDevice hands the driver by a
 * recording copy (called from the StartDevice wrapper). */
void ddirr_recorder_prepare_start(void *frame);

/* recorder.c: the shim's fork() returned pid in the parent (-1: it
 * failed): completes the note the fork's parent handler took. */
void ddirr_recorder_fork_returned(long pid);

/* drain.c */
void ddirr_drain_main(void *arg);
/* Drains every ring and handles requests until none is left; the caller
 * holds drain_lock. Returns the number of records taken. */
uint64_t ddirr_drain_pass(ddirr_recorder *r);
/* Writes flight memory to the trace and empties it. */
int64_t ddirr_drain_flight_dump(ddirr_recorder *r);
/* Passes new drop counts to the writer. */
void ddirr_drain_note_drops(ddirr_recorder *r);
/* At close, once nothing is in flight: counts as `ring-damaged` drops the
 * records that rings with a damaged stretch issued and neither gave the
 * drain nor counted as dropped (the stretches skipped held them). */
void ddirr_drain_count_damage(ddirr_recorder *r);

/* Frees the heap copies t still lists (state.h): before t is freed. */
void ddirr_drain_free_heaps(ddirr_thread_ring *t);
/* Stops recording after a write failure: says why once, on stderr and in
 * the trailer. */
void ddirr_drain_fail(ddirr_recorder *r, const char *why);

/* provenance_posix.c: what the header says about the driver and the process. */
typedef struct ddirr_provenance_buf {
	char driver_path[4096];
	char driver_version[256];
	char driver_build[129]; /* the .so's GNU build-id in hex; "" when it has none */
	uint8_t sha256[32];
	int have_sha256;
	char host[256];
	char process[256];
	char os[256];
	char command_line[1024];
	uint32_t pid;
	uint64_t start_unix_ns;
} ddirr_provenance_buf;

void ddirr_provenance_collect(ddirr_provenance_buf *p, ddirr_fn driver_fn);
uint32_t ddirr_provenance_pid(void);
int64_t ddirr_provenance_unix_time(void); /* seconds */

#endif
