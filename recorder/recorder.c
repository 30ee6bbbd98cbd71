/* The recorder's control side: open, wrap, the StartDevice interface copy,
 * requests to the drain thread, statistics, close, and the crash path.
 * None of this runs on the hot path except ddirr_recorder_prepare_start,
 * once per StartDevice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "frame_copy.h"
#include "state.h"

#ifndef DDIRR_RECORDER_VERSION
#define DDIRR_RECORDER_VERSION "0.0.0"
#endif

enum {
	DEFAULT_RING = 4u << 20,
	MIN_RING = 64u << 10,
	MAX_RING = 1u << 30,
	DEFAULT_FLIGHT = 16u << 20,
	MIN_FLIGHT = 4096,
	DEFAULT_FLUSH_MS = 100,
	/* zstd's fast levels to level 19: above it, zstd's "ultra" levels
	   want windows of up to 128 MiB a writer. */
	MIN_ZSTD_LEVEL = -7,
	MAX_ZSTD_LEVEL = 19,
	WAIT_LIMIT_MS = 10000,
	/* Block mode: bytes a thread records between two looks at the age of
	   its ring's oldest record (at most an eighth of the ring). At the
	   fastest a thread records here (about 60 ns a 80-byte record), 64 KiB
	   is under 0.1 ms; it costs the bench's caller about one slow path in
	   400 records. */
	AGE_CHECK_BYTES = 64u << 10,
	/* DXGKRNL_INTERFACE copies handed to drivers; they live as long as the
	   process, since a driver keeps the pointer. */
	MAX_INTERFACES = 16,
	INTERFACE_ROOM = 4096
};

const char *ddirr_recorder_version(void)
{
	return DDIRR_RECORDER_VERSION;
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case DDIRR_RECORDER_BLOCK: return "block";
	case DDIRR_RECORDER_DROP: return "drop";
	default: return "flight";
	}
}

static const char *privacy_name(int p)
{
	switch (p) {
	case DDIRR_PRIVACY_METADATA: return "metadata";
	case DDIRR_PRIVACY_HASHED: return "hashed";
	default: return "full";
	}
}

/* The flight triggers' names, as DDIRR_FLIGHT_TRIGGER takes them. */
static void trigger_names(char *out, size_t size, unsigned triggers)
{
	static const char *const names[] = {"signal", "api", "failure"};
	size_t used = 0, i;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (triggers & (1u << i))
			used += (size_t)snprintf(out + used, used < size ? size - used : 0, "%s%s", used ? "," : "",
						 names[i]);
}

static int copy_string(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : ddirr_error_set(DDIRR_ENOMEM, "out of memory opening the recorder");
}

static uint64_t round_pow2(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void free_recorder(ddirr_recorder *r)
{
	if (!r)
		return;
	free(r->output_path);
	free(r->driver_version);
	free(r->chaos_flags);
	free(r->scenario);
	free(r->command_line);
	free(r->flight);
	free(r->scratch);
	free(r->digests);
	free(r);
}

/* Signal callbacks: see docs/recorder.md, "Crash safety", for what is and
 * is not async-signal-safe here. */
static void on_dump_signal(void)
{
	if (g_rec.triggers & DDIRR_TRIGGER_SIGNAL)
		atomic_fetch_add(&g_rec.dump_req, 1);
}

static void on_crash(int sig)
{
	ddirr_recorder *r = g_rec.rec;
	uint64_t deadline;
	int guarded;

	(void)sig;
	/* First, as the process's handler may jump out of the fault: a
	   record whose copy faulted is given up (else close would wait for
	   it for ever), and the thread leaves its DDIs.
	   ddirr_wrappers_crash_resume puts both back if that handler
	   returns. */
	ddirr_wrappers_crash_enter();
	if (!r || !r->opts.crash_handlers || r->started != 1 || r->forked || atomic_load(&r->stopped))
		return;
	guarded = ddirr_wrappers_guarded();
	ddirr_wrappers_guard(1);
	/* The drain thread may be in the middle of a write: wait for it to
	   finish its pass (it runs on another thread), but not forever. */
	deadline = ddirr_platform_now_ns() + 500000000u;
	while (atomic_flag_test_and_set(&r->drain_lock)) {
		if (ddirr_platform_now_ns() > deadline) {
			ddirr_wrappers_guard(guarded);
			return;
		}
	}
	ddirr_drain_pass(r);
	if (g_rec.mode == DDIRR_RECORDER_FLIGHT)
		ddirr_drain_flight_dump(r);
	ddirr_drain_note_drops(r);
	ddirr_trace_writer_flush(r->writer);
	atomic_flag_clear(&r->drain_lock);
	/* The process may go on (its handler recovers): this thread's calls
	   are recorded again. */
	ddirr_wrappers_guard(guarded);
}

/* The fork slot this thread's last fork took (on_fork_parent), plus one;
 * 0: none. */
static _Thread_local uint64_t fork_slot;

/* In the parent, before fork() returns (after a failed fork too): notes
 * the fork for the trailer, with the last seq handed out. Only counters
 * and this thread's slot. */
static void on_fork_parent(void)
{
	ddirr_recorder *r = g_rec.rec;
	uint64_t k;

	fork_slot = 0;
	if (!r || r->started != 1 || r->forked)
		return;
	k = atomic_fetch_add(&r->forks_total, 1);
	if (k < DDIRR_TRACE_MAX_FORKS) {
		r->forks[k].after_seq = atomic_load(&g_rec.seq);
		r->forks[k].time_ns = ddirr_platform_now_ns();
		r->forks[k].child_pid = 0;
	}
	fork_slot = k + 1;
}

void ddirr_recorder_fork_returned(long pid)
{
	ddirr_recorder *r = g_rec.rec;
	uint64_t k = fork_slot;

	fork_slot = 0;
	if (!r || !k)
		return;
	if (pid < 0)
		atomic_fetch_add(&r->forks_failed, 1);
	if (k <= DDIRR_TRACE_MAX_FORKS)
		r->forks[k - 1].child_pid = pid < 0 ? UINT32_MAX : (uint32_t)pid;
}

/* Hands the forks to the writer: the noted ones, then a bare count for
 * those beyond the slots. Failed forks are left out. */
static void note_forks(ddirr_recorder *r)
{
	uint64_t total = atomic_load(&r->forks_total), real = total - atomic_load(&r->forks_failed), noted = 0, i;
	ddirr_trace_fork none = {0, 0, 0};

	for (i = 0; i < total && i < DDIRR_TRACE_MAX_FORKS; i++)
		if (r->forks[i].child_pid != UINT32_MAX && noted < real) {
			ddirr_trace_writer_note_fork(r->writer, &r->forks[i]);
			noted++;
		}
	for (; noted < real; noted++)
		ddirr_trace_writer_note_fork(r->writer, &none);
}

/* In the child of a fork, before fork() returns there (platform.h): only
 * flags. The child has one thread, no drain, and the parent's trace file
 * open: recording goes off, and close, the crash handler and the requests
 * to the drain leave the file alone (docs/recorder.md, "Fork"). The new
 * generation makes the forking thread's ring stale. */
static void on_fork_child(void)
{
	ddirr_recorder *r = g_rec.rec;

	atomic_store(&g_rec.enabled, 0);
	if (!r)
		return;
	r->forked = 1;
	atomic_fetch_add(&g_rec.generation, 1);
}

int ddirr_recorder_open(ddirr_recorder **out, const ddirr_recorder_options *opts)
{
	ddirr_recorder_options def = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder *r = NULL;
	const char *clock_name;
	char path[4096];
	int rc, ticks_are_ns, dump_on_signal;

	if (!out)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_recorder_open: out is NULL");
	*out = NULL;
	if (!opts)
		opts = &def;
	if (opts->version != DDIRR_RECORDER_OPTIONS_VERSION)
		return ddirr_error_set(DDIRR_EINVAL, "recorder options version %u, expected %u", opts->version,
				       DDIRR_RECORDER_OPTIONS_VERSION);
	if (opts->mode < DDIRR_RECORDER_BLOCK || opts->mode > DDIRR_RECORDER_FLIGHT)
		return ddirr_error_set(DDIRR_EINVAL, "recorder mode %d is not block, drop or flight", opts->mode);
	if (opts->privacy != DDIRR_PRIVACY_METADATA && opts->privacy != DDIRR_PRIVACY_HASHED &&
	    opts->privacy != DDIRR_PRIVACY_FULL)
		return ddirr_error_set(DDIRR_EINVAL, "privacy tier %d is not metadata, hashed or full", opts->privacy);
	if (opts->buffer_bytes && (opts->buffer_bytes < MIN_RING || opts->buffer_bytes > MAX_RING))
		return ddirr_error_set(DDIRR_EINVAL, "buffer size %zu is outside [%u, %u]", opts->buffer_bytes,
				       MIN_RING, MAX_RING);
	if (opts->flight_bytes && opts->flight_bytes < MIN_FLIGHT)
		return ddirr_error_set(DDIRR_EINVAL, "flight size %zu is below %u", opts->flight_bytes, MIN_FLIGHT);
	if (opts->zstd_level < MIN_ZSTD_LEVEL || opts->zstd_level > MAX_ZSTD_LEVEL)
		return ddirr_error_set(DDIRR_EINVAL, "zstd level %d is outside [%d, %d]", opts->zstd_level, MIN_ZSTD_LEVEL,
				       MAX_ZSTD_LEVEL);
	if (g_rec.rec)
		return ddirr_error_set(DDIRR_EINVAL, "a recorder is already open in this process");
	/* Before anything records: the hot path reads what this chose. */
	if ((rc = ddirr_platform_ticks_init(&clock_name, &ticks_are_ns)))
		return rc;
	rc = ddirr_recorder_expand_path(path, sizeof(path), opts->output ? opts->output : "ddirr-%p-%t.ddirr",
					ddirr_provenance_pid(), ddirr_provenance_unix_time());
	if (rc < 0)
		return rc;
	if (!(r = calloc(1, sizeof(*r))))
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory opening the recorder");
	r->opts = *opts;
	r->pid = ddirr_provenance_pid();
	if ((rc = copy_string(&r->output_path, path)) || (rc = copy_string(&r->driver_version, opts->driver_version)) ||
	    (rc = copy_string(&r->chaos_flags, opts->chaos_flags)) || (rc = copy_string(&r->scenario, opts->scenario)) ||
	    (rc = copy_string(&r->command_line, opts->command_line)))
		goto fail;
	if (!r->opts.buffer_bytes)
		r->opts.buffer_bytes = DEFAULT_RING;
	if (!r->opts.flight_bytes)
		r->opts.flight_bytes = DEFAULT_FLIGHT;
	if (!r->opts.flush_interval_ms)
		r->opts.flush_interval_ms = DEFAULT_FLUSH_MS;
	if (!r->opts.flight_triggers)
		r->opts.flight_triggers = DDIRR_TRIGGER_ALL;
	if (r->opts.mode == DDIRR_RECORDER_FLIGHT) {
		r->flight_size = r->opts.flight_bytes;
		if (!(r->flight = malloc(r->flight_size))) {
			rc = ddirr_error_set(DDIRR_ENOMEM, "out of memory for %llu bytes of flight memory",
					     (unsigned long long)r->flight_size);
			goto fail;
		}
	}
	/* hashed: the bytes go through the ring and the drain hashes them, so
	   the hot path never computes a digest. */
	r->copy_flags = r->opts.privacy == DDIRR_PRIVACY_METADATA ? DDIRR_FRAME_COPY_NO_OPAQUE : 0;
	r->user_enabled = 1;
	atomic_flag_clear(&r->drain_lock);
	r->clock_name = clock_name;
	ddirr_clock_start(&r->clock, ticks_are_ns);

	atomic_store(&g_rec.enabled, 0);
	/* Once per process, before anything records: the wrappers copy
	   through the plans from the first record on. */
	ddirr_frame_plans_build();
	atomic_store(&g_rec.seq, 0);
	/* A thread that saw recording on just before the last close may have
	   registered a ring after it: it joins the retired rings, which the
	   next close frees. */
	ddirr_platform_lock();
	for (ddirr_thread_ring *t = atomic_load(&g_rec.rings), *next; t; t = next) {
		next = t->next;
		t->next = g_rec.retired;
		g_rec.retired = t;
	}
	atomic_store(&g_rec.rings, NULL);
	ddirr_platform_unlock();
	atomic_store(&g_rec.threads, 0);
	atomic_store(&g_rec.rings_in_use, 0);
	atomic_store(&g_rec.dump_req, 0);
	atomic_store(&g_rec.unringed_drops, 0);
	atomic_fetch_add(&g_rec.generation, 1);
	g_rec.mode = r->opts.mode;
	g_rec.lttng = r->opts.lttng != 0;
	g_rec.light_barrier = ddirr_platform_barrier_init();
	g_rec.triggers = r->opts.flight_triggers;
	g_rec.copy_flags = r->copy_flags;
	g_rec.ring_bytes = round_pow2(r->opts.buffer_bytes);
	/* Block mode's age bound (wrappers.c, age_wait), in ticks, converted
	   once: half the flush interval, the least the drain leaves itself
	   between a record's time and its flush deadline (drain.c,
	   flush_budget_ns), so a record taken at that age is written within
	   the interval. A larger bound would leave the drain taking records
	   already past their deadline under load: chunks of a few records. */
	g_rec.age_limit_ticks = 0;
	g_rec.age_check_bytes = g_rec.ring_bytes / 8 < AGE_CHECK_BYTES ? g_rec.ring_bytes / 8 : AGE_CHECK_BYTES;
	if (r->opts.mode == DDIRR_RECORDER_BLOCK) {
		uint64_t ns = (uint64_t)r->opts.flush_interval_ms * 1000000u / 2;

		r->age_limit_ns = ns;
		g_rec.age_limit_ticks = r->clock.ticks_are_ns ? ns : ddirr_clock_rate(ns, r->clock.mult);
		if (!g_rec.age_limit_ticks)
			g_rec.age_limit_ticks = 1;
	}
	/* The whole ring until the drain has measured its rate (note_rate):
	   a cap guessed low would hold back every burst longer than it. */
	atomic_store(&g_rec.backlog_cap, g_rec.ring_bytes);
	g_rec.rec = r;
	ddirr_platform_on_fork(on_fork_parent, on_fork_child);
	dump_on_signal = r->opts.mode == DDIRR_RECORDER_FLIGHT && (r->opts.flight_triggers & DDIRR_TRIGGER_SIGNAL);
	if (r->opts.crash_handlers || dump_on_signal)
		/* on_resume: the process's crash handler returned, and the
		   faulting instruction runs again inside the record or DDI.
		   SIGUSR2 is left alone unless it asks for a dump. */
		ddirr_platform_install_signals(r->opts.crash_handlers ? on_crash : NULL, ddirr_wrappers_crash_resume,
					       dump_on_signal ? on_dump_signal : NULL);
	*out = r;
	return 0;
fail:
	free_recorder(r);
	return rc;
}

/* Creates the trace file and starts the drain thread: the first wrap,
 * because the header names the driver. */
static int start(ddirr_recorder *r, ddirr_fn driver_fn, uint32_t interface_version)
{
	ddirr_provenance_buf *p = calloc(1, sizeof(*p));
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	ddirr_trace_writer_options wo = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	char line[1024], triggers[32];
	int rc;

	if (!p)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory collecting provenance");
	ddirr_provenance_collect(p, driver_fn);
	info.provenance.driver_path = p->driver_path;
	info.provenance.driver_version = r->driver_version ? r->driver_version : p->driver_version;
	info.provenance.driver_build = p->driver_build;
	info.provenance.driver_sha256 = p->have_sha256 ? p->sha256 : NULL;
	info.provenance.driver_sha256_len = p->have_sha256 ? sizeof(p->sha256) : 0;
	info.provenance.interface_version = interface_version;
	info.provenance.host = p->host;
	info.provenance.process_name = p->process;
	info.provenance.pid = p->pid;
	info.provenance.start_unix_ns = p->start_unix_ns;
	info.provenance.os = p->os;
	info.settings.mode = mode_name(r->opts.mode);
	info.settings.buffer_bytes = g_rec.ring_bytes;
	if (r->opts.mode == DDIRR_RECORDER_FLIGHT) {
		info.settings.flight_bytes = r->flight_size;
		trigger_names(triggers, sizeof(triggers), r->opts.flight_triggers);
		info.settings.flight_triggers = triggers;
	}
	info.settings.crash_handlers = r->opts.crash_handlers != 0;
	info.settings.flush_interval_ms = r->opts.flush_interval_ms;
	info.settings.privacy = privacy_name(r->opts.privacy);
	info.settings.lttng = g_rec.lttng;
	info.settings.chaos_seed = r->opts.chaos_seed;
	info.settings.chaos_seed_set = r->opts.chaos_seed_set != 0;
	info.settings.chaos_flags = r->chaos_flags;
	info.settings.scenario = r->scenario;
	info.settings.command_line = r->command_line ? r->command_line : p->command_line;
	info.settings.clock = r->clock_name;
	wo.level = r->opts.zstd_level;
	rc = ddirr_trace_writer_open(&r->writer, r->output_path, &info, &wo);
	free(p);
	if (rc) {
		snprintf(line, sizeof(line), "ddirr: not recording, the driver keeps running: %s", ddirr_error_last());
		ddirr_platform_error_line(line);
		r->started = -1;
		return rc;
	}
	r->last_flush_ns = ddirr_platform_now_ns();
	if ((rc = ddirr_platform_thread_start(&r->drain, ddirr_drain_main, r))) {
		ddirr_trace_writer_free(r->writer);
		r->writer = NULL;
		r->started = -1;
		return rc;
	}
	r->started = 1;
	atomic_store(&g_rec.enabled, r->user_enabled);
	return 0;
}

int ddirr_recorder_wrap(ddirr_recorder *r, DRIVER_INITIALIZATION_DATA *did)
{
	ddirr_fn driver_fn;
	int rc = 0;

	if (!r || !did)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_recorder_wrap: NULL argument");
	/* Any of the driver's own functions locates its shared object. */
	memcpy(&driver_fn, &did->DxgkDdiAddDevice, sizeof(driver_fn));
	ddirr_platform_lock();
	ddirr_wrappers_install(did, sizeof(*did), DDIRR_KIND_DDI);
	if (g_rec.real[DDIRR_DDI_AddDevice]) /* the table may hold wrappers already */
		driver_fn = g_rec.real[DDIRR_DDI_AddDevice];
	if (r->started == 0 && !r->forked)
		rc = start(r, driver_fn, did->Version);
	ddirr_platform_unlock();
	return rc;
}

int ddirr_recorder_wrap_interface(ddirr_recorder *r, DXGKRNL_INTERFACE *iface)
{
	if (!r || !iface)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_recorder_wrap_interface: NULL argument");
	ddirr_platform_lock();
	ddirr_wrappers_install(iface, iface->Size ? iface->Size : sizeof(*iface), DDIRR_KIND_CB);
	ddirr_platform_unlock();
	return 0;
}

void ddirr_recorder_prepare_start(void *frame)
{
	static _Alignas(16) char copies[MAX_INTERFACES][INTERFACE_ROOM];
	static const DXGKRNL_INTERFACE *originals[MAX_INTERFACES];
	static int n_copies, warned;
	ddirr_frame_StartDevice *f = frame;
	const DXGKRNL_INTERFACE *orig = f->DxgkInterface;
	size_t size;
	int i;

	if (!orig)
		return;
	size = orig->Size ? orig->Size : sizeof(*orig);
	ddirr_platform_lock();
	for (i = 0; i < n_copies && originals[i] != orig; i++)
		;
	if (size > INTERFACE_ROOM || (i == n_copies && n_copies == MAX_INTERFACES)) {
		if (!warned++)
			ddirr_platform_error_line("ddirr: too many or too large DXGKRNL_INTERFACEs: "
						  "callbacks of this adapter are not recorded");
		ddirr_platform_unlock();
		return;
	}
	if (i == n_copies)
		originals[n_copies++] = orig;
	memcpy(copies[i], orig, size);
	ddirr_wrappers_install(copies[i], size, DDIRR_KIND_CB);
	ddirr_platform_unlock();
	f->DxgkInterface = (DXGKRNL_INTERFACE *)copies[i];
}

void ddirr_recorder_set_enabled(ddirr_recorder *r, int enabled)
{
	if (!r)
		return;
	r->user_enabled = enabled != 0;
	if (r->started == 1 && !r->forked && !atomic_load(&r->stopped))
		atomic_store(&g_rec.enabled, r->user_enabled);
}

/* Waits until *done reaches ticket. */
static int wait_ticket(_Atomic uint64_t *done, uint64_t ticket)
{
	unsigned ms;

	for (ms = 0; ms < WAIT_LIMIT_MS; ms++) {
		if (atomic_load(done) >= ticket)
			return 0;
		ddirr_platform_sleep_ms(1);
	}
	return ddirr_error_set(DDIRR_EIO, "the drain thread did not answer within %u ms", WAIT_LIMIT_MS);
}

int ddirr_recorder_flight_dump(ddirr_recorder *r)
{
	uint64_t ticket;
	int rc;

	if (r && r->forked)
		return ddirr_error_set(DDIRR_EINVAL, "flight dump: pid %u is a fork of pid %u, which records",
				       ddirr_provenance_pid(), r->pid);
	if (!r || r->opts.mode != DDIRR_RECORDER_FLIGHT || !(r->opts.flight_triggers & DDIRR_TRIGGER_API))
		return ddirr_error_set(DDIRR_EINVAL, "flight dump: not in flight mode, or the api trigger is off");
	if (r->started != 1)
		return 0;
	ticket = atomic_fetch_add(&g_rec.dump_req, 1) + 1;
	if ((rc = wait_ticket(&r->dump_done, ticket)))
		return rc;
	if (atomic_load(&r->stopped))
		return ddirr_error_set(DDIRR_EIO, "flight dump: recording has stopped after a write failure");
	return (int)atomic_load(&r->last_dump_records);
}

int ddirr_recorder_sync(ddirr_recorder *r)
{
	uint64_t ticket;
	int rc;

	if (!r)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_recorder_sync: NULL recorder");
	if (r->started != 1 || r->forked) /* a fork records nothing */
		return 0;
	ticket = atomic_fetch_add(&r->sync_req, 1) + 1;
	if ((rc = wait_ticket(&r->sync_done, ticket)))
		return rc;
	return atomic_load(&r->stopped) ? ddirr_error_set(DDIRR_EIO, "recording has stopped after a write failure")
					: 0;
}

void ddirr_recorder_get_stats(ddirr_recorder *r, ddirr_recorder_stats *s)
{
	ddirr_thread_ring *t;
	int c;

	memset(s, 0, sizeof(*s));
	if (!r)
		return;
	for (c = 0; c < DROP_N_CAUSES && c < DDIRR_RECORDER_MAX_CAUSES; c++) {
		s->drops[c].cause = ddirr_drop_cause_name(c);
		s->drops[c].records = atomic_load(&r->drain_drops[c]);
	}
	for (t = atomic_load(&g_rec.rings); t; t = t->next) {
		s->issued += atomic_load_explicit(&t->issued, memory_order_relaxed);
		for (c = 0; c < DROP_N_CAUSES && c < DDIRR_RECORDER_MAX_CAUSES; c++)
			s->drops[c].records += atomic_load_explicit(&t->drops[c], memory_order_relaxed);
	}
	s->issued += atomic_load_explicit(&g_rec.unringed_drops, memory_order_relaxed);
	s->drops[DROP_NESTED].records += atomic_load_explicit(&g_rec.unringed_drops, memory_order_relaxed);
	for (c = 0; c < DDIRR_RECORDER_MAX_CAUSES; c++)
		s->dropped += s->drops[c].records;
	s->recorded = atomic_load(&r->recorded);
	s->pending = s->issued - s->recorded - s->dropped;
	s->threads = atomic_load(&g_rec.threads);
	s->stopped = atomic_load(&r->stopped);
}

uint64_t ddirr_recorder_age_waits(void)
{
	ddirr_thread_ring *t;
	uint64_t n = 0;

	for (t = atomic_load(&g_rec.rings); t; t = t->next)
		n += atomic_load_explicit(&t->age_waits, memory_order_relaxed);
	return n;
}

size_t ddirr_recorder_record_bytes(const ddirr_recorder *r, const ddirr_event *ev)
{
	if (!r || !ev || !ev->frame)
		return 0;
	return ddirr_record_size(ev->ddi, ev->phase, ev->frame, r->copy_flags);
}

/* Before the drain's last pass, close waits for every record under way
 * (a thread inside its `writing` window) to be finished. One is never
 * finished when a jump took its thread out of the copy (a fault on a bad
 * argument pointer that the host's own handler jumped out of, with no
 * recorder handler to give the record up first: docs/recorder.md,
 * Signals). So a ring whose record made no progress for WAIT_LIMIT_MS
 * (`writing` set, its head and tail unmoved; a record waiting in block
 * mode sees the tail move as the drain makes room) is given up: counted
 * as an `interrupted` drop, and said in one line. */
static void wait_for_records(void)
{
	ddirr_thread_ring *t;
	char line[256];

	for (t = atomic_load(&g_rec.rings); t; t = t->next) {
		uint64_t head = 0, tail = 0, since = 0;
		unsigned spins = 0;

		while (atomic_load(&t->writing)) {
			uint64_t h = atomic_load(&t->ring.head), tl = atomic_load(&t->ring.tail);
			uint64_t now = ddirr_platform_now_ns();

			if (!since || h != head || tl != tail) {
				head = h;
				tail = tl;
				since = now;
			} else if (now - since >= (uint64_t)WAIT_LIMIT_MS * 1000000u) {
				/* The ring's own count, like the crash handler's
				   (wrappers.c): its thread is not recording. */
				atomic_fetch_add(&t->drops[DROP_INTERRUPTED], 1);
				snprintf(line, sizeof(line),
					 "ddirr: thread %u left a record unfinished for %u ms (a jump out of a fault in "
					 "its argument copy?): closing without it",
					 t->thread, WAIT_LIMIT_MS);
				ddirr_platform_error_line(line);
				break;
			}
			if (++spins < 1000)
				ddirr_platform_yield();
			else
				ddirr_platform_sleep_ms(1);
		}
	}
}

int ddirr_recorder_close(ddirr_recorder *r)
{
	ddirr_thread_ring *t, *next, *kept = NULL;
	char line[1024];
	int rc = 0;

	if (!r)
		return 0;
	atomic_store(&g_rec.enabled, 0);
	if (g_rec.light_barrier)
		ddirr_platform_barrier_all(); /* see wrappers.c, record */
	if (r->forked) {
		/* The child of a fork (on_fork_child). The file is the
		   parent's: nothing is written, only this process's
		   descriptor closed. A ring's `writing` may stay set for good,
		   by a thread that did not come along: no waiting for it. The
		   rings are retired below, as after any close. */
		if (r->started == 1) {
			snprintf(line, sizeof(line), "ddirr: pid %u, a fork of pid %u, was not recorded (%s is pid %u's trace)",
				 ddirr_provenance_pid(), r->pid, r->output_path, r->pid);
			ddirr_platform_error_line(line);
			ddirr_trace_writer_free(r->writer);
			ddirr_platform_thread_forget(r->drain);
		}
	} else {
		wait_for_records();
	}
	if (r->started == 1 && !r->forked) {
		atomic_store(&r->stop, 1);
		ddirr_platform_thread_join(r->drain);
		ddirr_wrappers_guard(1);
		while (ddirr_drain_pass(r))
			;
		if (g_rec.mode == DDIRR_RECORDER_FLIGHT)
			ddirr_drain_flight_dump(r);
		ddirr_drain_count_damage(r);
		ddirr_drain_note_drops(r);
		note_forks(r);
		ddirr_wrappers_guard(0);
		rc = ddirr_trace_writer_close(r->writer);
		if (rc) {
			snprintf(line, sizeof(line), "ddirr: the trace could not be finished (no trailer): %s",
				 ddirr_error_last());
			ddirr_platform_error_line(line);
		}
		ddirr_trace_writer_free(r->writer);
	}
	ddirr_platform_remove_signals();
	/* A thread may still be between finding its ring and seeing that
	   recording is off: rings are retired, not freed, and only the next
	   close frees them, when no call of this generation can be running. */
	ddirr_platform_lock();
	for (t = g_rec.retired; t; t = next) {
		next = t->next;
		if (atomic_load(&t->writing)) {
			/* Given up by wait_for_records (or left by a thread that
			   did not come along to a fork's child): its thread may
			   not be done with it. Kept, retired again. */
			t->next = kept;
			kept = t;
		} else {
			ddirr_drain_free_heaps(t);
			ddirr_platform_free(t);
		}
	}
	g_rec.retired = atomic_load(&g_rec.rings);
	for (t = kept; t; t = next) {
		next = t->next;
		t->next = g_rec.retired;
		g_rec.retired = t;
	}
	atomic_store(&g_rec.rings, NULL);
	atomic_fetch_add(&g_rec.generation, 1);
	ddirr_platform_unlock();
	g_rec.rec = NULL;
	free_recorder(r);
	return rc;
}
