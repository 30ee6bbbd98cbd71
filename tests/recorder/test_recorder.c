/* Tests for the recorder through its API (ddirr_recorder_wrap): this test
 * program is the host (fixture_host.c), the fixture driver is loaded with
 * dlopen and registers through DxgkInitialize, and traces are read back
 * with ddirr_trace_*. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <nettle/sha2.h>

#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "ddirr/trace.h"
#include "fixture.h"
#include "frame_fill.h"
#include "platform.h"
#include "state.h"
#include "test_files.h"

static DRIVER_INITIALIZATION_DATA driver_table; /* as the driver gave it, wrapped */
static ddirr_recorder *loading_recorder;

static void on_initialize(DRIVER_INITIALIZATION_DATA *did)
{
	assert_int_equal(ddirr_recorder_wrap(loading_recorder, did), 0);
	driver_table = *did;
}

static char *trace_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/recorder_%s.ddirr", getenv("DDIRR_TEST_TMP") ? getenv("DDIRR_TEST_TMP") : "/tmp",
		 name);
	return path;
}

/* Opens a recorder over the already loaded driver. */
static ddirr_recorder *open_recorder(ddirr_recorder_options *o)
{
	DRIVER_INITIALIZATION_DATA d = driver_table;
	ddirr_recorder *r = NULL;

	if (ddirr_recorder_open(&r, o))
		fail_msg("open: %s", ddirr_error_last());
	assert_int_equal(ddirr_recorder_wrap(r, &d), 0);
	return r;
}

static int group_setup(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;

	(void)state;
	o.output = trace_path("load");
	o.lttng = 0;
	assert_int_equal(ddirr_recorder_open(&loading_recorder, &o), 0);
	assert_int_equal(fixture_host_load(FIXTURE_DRIVER_PATH, on_initialize), 0);
	assert_int_equal(fixture_host_start(), 0);
	assert_int_equal(ddirr_recorder_close(loading_recorder), 0);
	loading_recorder = NULL;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* How far a record's time may lie outside CLOCK_MONOTONIC read just before
 * and just after its call. The conversion's own error is far smaller: the
 * anchors' read error (the tightest of five windows of an rdtsc on either
 * side of a vDSO clock_gettime, tens of ns) plus the rate's error over the
 * time from the latest anchor to the record (a 5 ms calibration with 1 us
 * of anchor error is 2e-4; records are converted within a drain pass or
 * two, milliseconds, of an anchor: a few hundred ns at worst). 50 us is
 * a margin of 100 over that which no rate or offset mistake hides in: a
 * TSC tick taken for a nanosecond, or a stale offset, is off by
 * milliseconds. */
enum { TIME_BOUND_NS = 50000 };

static uint64_t test_calls(void)
{
	const char *v = getenv("DDIRR_TEST_CALLS");

	return v ? strtoull(v, NULL, 10) : 100000;
}

static void destroy_contexts(int from, int n)
{
	int i;

	for (i = from; i < from + n; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)(i + 1), 0};

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	}
}

/* Records readable in the trace at path now (open: no trailer yet). */
static uint64_t records_in(const char *path)
{
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	uint64_t n = 0;

	if (ddirr_trace_open(&t, path))
		return 0;
	while (ddirr_trace_next(t, &ev) == 1)
		n++;
	ddirr_trace_free(t);
	return n;
}

/* ------------------------------------------------------------------ */
/* Bit-exact pass-through                                              */

typedef struct expectation {
	const void *frame;    /* what the caller passed */
	const void *pristine; /* NULL, or a second frame filled alike, in memory of its own */
	uint64_t ret;         /* what the callee returns */
	int calls;
} expectation;

static const ddirr_field_desc *return_field(const ddirr_ddi_desc *d)
{
	return d->ret_kind == DDIRR_RET_VOID ? NULL : &d->frame->fields[d->frame->n_fields - 1];
}

/* The callee's side: its parameters are bit for bit the caller's (the
 * StartDevice interface excepted: a copy by design, whose identity fields
 * are checked), and so is everything they point to: compared with a
 * pristine frame filled the same way in other memory, so that bytes the
 * recorder changed where the caller's pointers lead would show (the
 * caller's own frame would share them). */
static void expect_exact(uint32_t id, void *got, void *ctx)
{
	expectation *e = ctx;
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const ddirr_field_desc *rf = return_field(d);
	char where[512];
	size_t i;

	e->calls++;
	for (i = 0; i < d->frame->n_fields; i++) {
		const ddirr_field_desc *f = &d->frame->fields[i];

		if (f == rf)
			continue;
		if (id == DDIRR_DDI_StartDevice && !strcmp(f->name, "DxgkInterface")) {
			const DXGKRNL_INTERFACE *a = ((const ddirr_frame_StartDevice *)e->frame)->DxgkInterface;
			const DXGKRNL_INTERFACE *b = ((const ddirr_frame_StartDevice *)got)->DxgkInterface;

			assert_memory_equal(a, b, offsetof(DXGKRNL_INTERFACE, DxgkCbEvalAcpiMethod));
			continue;
		}
		if (memcmp((const char *)got + f->offset, (const char *)e->frame + f->offset, f->size))
			fail_msg("%s: parameter %s differs", d->name, f->name);
	}
	if (struct_compare(d->frame, e->pristine ? e->pristine : e->frame, got, DDIRR_PHASE_ENTRY, where,
			   sizeof(where)))
		fail_msg("%s: %s", d->name, where);
	if (rf)
		ddirr_desc_write((char *)got + rf->offset, rf->size, e->ret);
}

/* Every call of the slice, 20 frames each, through a recorder in `mode`
 * with `privacy`: the callee sees the caller's frame and the caller the
 * callee's return value, bit for bit. */
static void pass_through_in(int mode, int privacy, const char *name)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_arena a = DDIRR_ARENA_INIT;
	ddirr_recorder_stats st;
	uint64_t rng = 0x1234567;
	int calls = 0;
	uint32_t id;
	unsigned v;
	ddirr_recorder *r;

	o.output = trace_path(name);
	o.mode = mode;
	o.privacy = privacy;
	o.lttng = 1;
	r = open_recorder(&o);
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

		for (v = 0; v < 20; v++) {
			fill_opts fo = {.mode = v % 2 ? FILL_RANDOM : FILL_MAX, .len = 5, .blob_len = 7, .variant = v,
					.seed = id * 31 + v};
			void *frame = frame_fill(id, &fo, &a);
			const ddirr_field_desc *rf = return_field(d);
			expectation e = {frame, frame_fill(id, &fo, &a), 0, 0};

			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			e.ret = rf && rf->size < 8 ? (rng >> 32) : rng;
			if (d->kind == DDIRR_KIND_DDI)
				fixture_host_driver_set(expect_exact, &e, 1);
			else
				fixture_host_set_check(expect_exact, &e);
			fixture_host_call(id, frame);
			assert_int_equal(e.calls, 1);
			if (rf && ddirr_desc_read((char *)frame + rf->offset, rf->size) != e.ret)
				fail_msg("%s: the caller did not get the callee's return value", d->name);
			calls++;
		}
		ddirr_arena_reset(&a);
	}
	fixture_host_driver_set(NULL, NULL, 0);
	fixture_host_set_check(NULL, NULL);
	assert_int_equal(ddirr_recorder_sync(r), 0);
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(st.issued, 2 * (uint64_t)calls);
	assert_int_equal(st.recorded + st.dropped + st.pending, st.issued);
	if (mode == DDIRR_RECORDER_BLOCK)
		assert_int_equal(st.recorded, st.issued);
	assert_int_equal(ddirr_recorder_close(r), 0);
	ddirr_arena_release(&a);
}

/* In each mode, and under each privacy tier (hashed and metadata change
 * what the record keeps of private data, never what the driver sees). */
static void recorder__every_ddi_and_callback_passes_through_bit_exact(void **state)
{
	(void)state;
	pass_through_in(DDIRR_RECORDER_BLOCK, DDIRR_PRIVACY_FULL, "passthrough");
	pass_through_in(DDIRR_RECORDER_DROP, DDIRR_PRIVACY_HASHED, "passthrough-drop");
	pass_through_in(DDIRR_RECORDER_FLIGHT, DDIRR_PRIVACY_METADATA, "passthrough-flight");
}

/* Where the slice's callbacks sit in DXGKRNL_INTERFACE (ddi.def). */
static const struct callback_slot {
	uint32_t id;
	size_t at;
} callback_slots[] = {
#define DDIRR_SLOT_DDI(id, member)
#define DDIRR_SLOT_CB(id, member) {id, offsetof(DXGKRNL_INTERFACE, member)},
#define DDIRR_DDI(id, name, kind, ret, member) DDIRR_SLOT_##kind(id, member)
#define DDIRR_ARG0(...)
#define DDIRR_ARG(...)
#define DDIRR_END(...)
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END
#undef DDIRR_SLOT_DDI
#undef DDIRR_SLOT_CB
};

/* The callback whose slot is at `at`, or 0. */
static uint32_t callback_at(size_t at)
{
	size_t i;

	for (i = 0; i < sizeof(callback_slots) / sizeof(callback_slots[0]); i++)
		if (at == callback_slots[i].at)
			return callback_slots[i].id;
	return 0;
}

static void in_child(void (*fn)(void));

static DXGKRNL_INTERFACE interface_seen;

static void keep_interface(uint32_t id, void *frame, void *ctx)
{
	(void)ctx;
	if (id == DDIRR_DDI_StartDevice && ((ddirr_frame_StartDevice *)frame)->DxgkInterface)
		interface_seen = *((ddirr_frame_StartDevice *)frame)->DxgkInterface;
}

/* StartDevice hands the driver the recorder's copy of the host's
 * DXGKRNL_INTERFACE: every 8-byte word of it the host's, but the slice's
 * callbacks (ddi.def), each of them the recorder's wrapper instead, with
 * the host's as the function it forwards to (the copy's callbacks are the
 * process's from then on, so in a child). Every word of the host's
 * interface is a distinct value, and the host's stays as it was. */
static void start_device_with_a_full_interface(void)
{
	DXGKRNL_INTERFACE host, before;
	DXGK_START_INFO info = {0};
	ULONG sources = 0, children = 0;
	ddirr_frame_StartDevice start = {FIXTURE_DRIVER_CONTEXT, &info, &host, &sources, &children, 0};
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder *r;
	uint64_t w;
	size_t at, slots = 0;

	for (at = 0; at + 8 <= sizeof(host); at += 8) {
		w = 0x5A5A000000000000ull | at;
		memcpy((char *)&host + at, &w, 8);
	}
	host.Size = sizeof(host);
	host.Version = DXGKDDI_INTERFACE_VERSION;
	before = host;
	o.output = trace_path("interface_copy");
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(keep_interface, NULL, 1);
	fixture_host_call(DDIRR_DDI_StartDevice, &start);
	if (memcmp(&host, &before, sizeof(host)))
		_exit(2); /* the host's own interface was written */
	for (at = 0; at + 8 <= sizeof(host); at += 8) {
		uint32_t id = callback_at(at);
		uint64_t want, got, real;

		memcpy(&want, (char *)&host + at, 8);
		memcpy(&got, (char *)&interface_seen + at, 8);
		if (!id) {
			if (got != want)
				_exit(3);
			continue;
		}
		memcpy(&real, &g_rec.real[id], 8);
		if (got == want || !got || real != want)
			_exit(3);
		slots++;
	}
	if (slots != sizeof(callback_slots) / sizeof(callback_slots[0]) || memcmp(&interface_seen, &host, 8))
		_exit(4);
	if (ddirr_recorder_close(r))
		_exit(5);
}

static void recorder__start_device_passes_the_whole_interface_but_the_wrapped_callbacks(void **state)
{
	(void)state;
	in_child(start_device_with_a_full_interface);
}

/* With recording off the wrappers forward as well. */
static void recorder__disabled_recorder_still_forwards(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_frame_DestroyContext f = {(HANDLE)0x77, 0};
	expectation e = {&f, NULL, (uint64_t)(uint32_t)STATUS_GRAPHICS_ALLOCATION_BUSY, 0};
	ddirr_recorder_stats st;
	ddirr_recorder *r;

	(void)state;
	o.output = trace_path("disabled");
	r = open_recorder(&o);
	ddirr_recorder_set_enabled(r, 0);
	fixture_host_driver_set(expect_exact, &e, 1);
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	fixture_host_driver_set(NULL, NULL, 0);
	assert_int_equal(e.calls, 1);
	assert_int_equal(f.ReturnValue, STATUS_GRAPHICS_ALLOCATION_BUSY);
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(st.issued, 0);
	assert_int_equal(ddirr_recorder_close(r), 0);
}

/* ------------------------------------------------------------------ */
/* Many threads                                                        */

typedef struct worker {
	pthread_t tid;
	uint64_t index, calls;
} worker;

static void *work(void *p)
{
	worker *w = p;
	uint64_t i;

	for (i = 0; i < w->calls; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)(w->index * w->calls + i + 1), 0};

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	}
	return NULL;
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmHWM"). */
static uint64_t status_kib(const char *field)
{
	char line[256];
	unsigned long long kib = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kib = strtoull(line + n + 1, NULL, 10);
	fclose(f);
	return kib;
}

/* Memory the recorder may take beyond its rings and flight memory: the
 * drain thread's batch, the writer's chunk and zstd context, thread stacks
 * touched, the trailer index (docs/reliability.md, "Stress"). */
enum { RECORDER_OVERHEAD_KIB = 8 * 1024 };

/* Runs 8 threads of `calls` DestroyContext calls each in `mode`, then reads
 * the trace back: no call appears twice, no entry seq twice, and every
 * record issued is either in the trace or counted as dropped. */
static void run_threads(int mode, size_t buffer, size_t flight, const char *name)
{
	enum { THREADS = 8 };
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	uint64_t calls = test_calls(), total = THREADS * calls, entries = 0, exits = 0, records = 0;
	size_t calls_as_one, written;
	worker w[THREADS];
	unsigned char *seen_seq = calloc(total + 1, 1), *seen_call = calloc(total + 1, 1);
	uint64_t rss_before, hwm, budget, start_ns, end_ns, last_time[THREADS + 1] = {0};
	ddirr_recorder_stats st;
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	int i, rc;

	o.output = trace_path(name);
	o.mode = mode;
	o.buffer_bytes = buffer;
	o.flight_bytes = flight;
	o.lttng = 1;
	rss_before = status_kib("VmRSS");
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	start_ns = mono_ns();
	for (i = 0; i < THREADS; i++) {
		w[i].index = (uint64_t)i;
		w[i].calls = calls;
		assert_int_equal(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].tid, NULL);
	end_ns = mono_ns();
	fixture_host_driver_set(NULL, NULL, 0);
	ddirr_recorder_sync(r);
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(st.issued, 2 * total);
	assert_int_equal(ddirr_recorder_close(r), 0);
	/* Only a run of this test alone (DDIRR_TEST_RSS) has a peak of its own. */
	hwm = status_kib("VmHWM");
	budget = (THREADS * buffer + (mode == DDIRR_RECORDER_FLIGHT ? flight : 0)) / 1024 + RECORDER_OVERHEAD_KIB;
	print_message("%s: %llu calls, %llu records issued, %llu dropped, %llu in flight memory; RSS %llu KiB "
		      "before, peak %llu KiB (+%lld KiB; budget +%llu KiB)\n",
		      name, (unsigned long long)total, (unsigned long long)st.issued, (unsigned long long)st.dropped,
		      (unsigned long long)st.pending,
		      (unsigned long long)rss_before, (unsigned long long)hwm, (long long)(hwm - rss_before),
		      (unsigned long long)budget);
	if (getenv("DDIRR_TEST_RSS") && hwm > rss_before + budget)
		fail_msg("%s: peak RSS grew by %llu KiB, more than %llu KiB", name,
			 (unsigned long long)(hwm - rss_before), (unsigned long long)budget);

	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		const ddirr_frame_DestroyContext *f = ev->frame;
		uint64_t call = (uint64_t)(uintptr_t)f->hContext;

		records++;
		assert_int_equal(ev->ddi, DDIRR_DDI_DestroyContext);
		assert_true(ev->seq >= 1 && ev->seq <= total);
		/* Each thread's times never go back, and all lie in the run. */
		assert_true(ev->thread >= 1 && ev->thread <= THREADS);
		if (ev->time_ns < last_time[ev->thread])
			fail_msg("%s: thread %u goes back %llu ns at seq %llu", name, ev->thread,
				 (unsigned long long)(last_time[ev->thread] - ev->time_ns), (unsigned long long)ev->seq);
		last_time[ev->thread] = ev->time_ns;
		if (ev->time_ns + TIME_BOUND_NS < start_ns || ev->time_ns > end_ns + TIME_BOUND_NS)
			fail_msg("%s: seq %llu at %llu ns, outside the run [%llu, %llu]", name,
				 (unsigned long long)ev->seq, (unsigned long long)ev->time_ns,
				 (unsigned long long)start_ns, (unsigned long long)end_ns);
		if (ev->phase == DDIRR_PHASE_EXIT) {
			exits++;
			continue;
		}
		assert_true(call >= 1 && call <= total);
		if (seen_seq[ev->seq]++)
			fail_msg("%s: entry seq %llu recorded twice", name, (unsigned long long)ev->seq);
		if (seen_call[call]++)
			fail_msg("%s: call %llu recorded twice", name, (unsigned long long)call);
		entries++;
	}
	assert_int_equal(rc, 0);
	v = ddirr_trace_get_verdict(t);
	/* recorded + dropped == issued, counted by the recorder and by the file */
	assert_int_equal(records, st.issued - st.dropped);
	assert_int_equal(v->dropped_records, st.dropped);
	if (mode == DDIRR_RECORDER_DROP) {
		/* Eight threads outrun one drain through 64 KiB rings: the
		   count above is of real drops, each with its cause. */
		assert_true(st.dropped > 0);
		assert_int_equal(v->n_drops, 1);
		assert_string_equal(v->drops[0].cause, "ring-full");
		assert_int_equal(v->drops[0].records, st.dropped);
		assert_int_equal(st.drops[DROP_RING_FULL].records, st.dropped);
	}
	if (mode == DDIRR_RECORDER_BLOCK) {
		assert_int_equal(st.dropped, 0);
		assert_int_equal(entries, total); /* seqs 1..N, each once: a total order */
		assert_int_equal(exits, total);
		assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
		/* The drain writes an entry and the exit right behind it in its
		   ring as one record (format 5). It takes a ring's records in
		   batches, so it finds most exits there: every one but, at
		   worst, the last of each batch. */
		calls_as_one = test_call_records(o.output, &written);
		print_message("%s: %zu calls of %llu as one record, %zu records written for %llu\n", name, calls_as_one,
			      (unsigned long long)total, written, (unsigned long long)records);
		assert_int_equal(written + calls_as_one, records);
		assert_true(calls_as_one > total / 2);
	}
	ddirr_trace_free(t);
	free(seen_seq);
	free(seen_call);
}

/* Threads that call until told to stop, through close and after it. */
typedef struct caller {
	pthread_t tid;
	uint64_t index;
	_Atomic int *stop;
} caller;

static void *call_until_stopped(void *p)
{
	caller *c = p;
	uint64_t i;

	for (i = 1; !atomic_load_explicit(c->stop, memory_order_relaxed); i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)((c->index << 40) | i), 0};

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	}
	return NULL;
}

/* Closes the recorder while `threads` threads record as fast as they can,
 * `rounds` times, and checks that every record a wrapper issued before it
 * saw recording off is in the trace, which ends complete. The count issued
 * is the rings' own (close keeps a recorder's rings, retired, until the next
 * close). Close turns recording off, then waits for each thread inside a
 * record write (wrappers.c, record; recorder.c, close). Without that wait a
 * record published after the drain's last pass would be lost silently,
 * which this test sees within a round or two. Where the platform has an
 * asymmetric barrier (membarrier), the wrappers rely on it for that order;
 * the rounds alternate between it and the wrappers' own seq_cst store. A
 * lost barrier would leave a window of a few ns a round, which this test
 * may well not see. */
static void close_while_recording(int threads, int rounds)
{
	enum { MAX_THREADS = 8 };
	int light_available = ddirr_platform_barrier_init();

	assert_true(threads <= MAX_THREADS);
	for (int k = 0; k < 2 * rounds; k++) {
		ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
		_Atomic int stop = 0;
		caller c[MAX_THREADS];
		uint64_t issued = 0, records = 0;
		const ddirr_trace_verdict *v;
		const ddirr_event *ev;
		ddirr_thread_ring *ring;
		ddirr_trace *t = NULL;
		ddirr_recorder *r;
		struct timespec pause = {0, 1000000L};
		ddirr_recorder_stats st;
		int rc, waited = 0;

		o.output = trace_path("close-while-recording");
		o.lttng = 0;
		r = open_recorder(&o);
		if (k % 2)
			g_rec.light_barrier = 0; /* before any thread records */
		assert_int_equal(g_rec.light_barrier, k % 2 ? 0 : light_available);
		fixture_host_driver_set(NULL, NULL, 1);
		for (int i = 0; i < threads; i++) {
			c[i].index = (uint64_t)i + 1;
			c[i].stop = &stop;
			assert_int_equal(pthread_create(&c[i].tid, NULL, call_until_stopped, &c[i]), 0);
		}
		/* Close once the threads are recording (under ASan their
		   start takes milliseconds): after 1,000 to 5,000 records
		   issued, depending on the round. */
		do {
			nanosleep(&pause, NULL);
			ddirr_recorder_get_stats(r, &st);
			if (++waited > 10000)
				fail_msg("round %d: the threads recorded nothing in 10 s", k);
		} while (st.issued < 1000u * (uint64_t)(k % 5 + 1));
		assert_int_equal(ddirr_recorder_close(r), 0);
		atomic_store(&stop, 1);
		for (int i = 0; i < threads; i++)
			pthread_join(c[i].tid, NULL);
		fixture_host_driver_set(NULL, NULL, 0);
		for (ring = g_rec.retired; ring; ring = ring->next)
			issued += atomic_load(&ring->issued);

		assert_int_equal(ddirr_trace_open(&t, o.output), 0);
		while ((rc = ddirr_trace_next(t, &ev)) == 1)
			records++;
		assert_int_equal(rc, 0);
		v = ddirr_trace_get_verdict(t);
		if (v->kind != DDIRR_VERDICT_COMPLETE || v->dropped_records || records != issued)
			fail_msg("round %d (%s): %llu records issued, %llu in the trace, %llu dropped: %s", k,
			         g_rec.light_barrier ? "asymmetric barrier" : "seq_cst store",
			         (unsigned long long)issued, (unsigned long long)records,
			         (unsigned long long)v->dropped_records, v->summary);
		ddirr_trace_free(t);
	}
}

static void recorder__close_while_threads_record_loses_no_record(void **state)
{
	(void)state;
	close_while_recording(4, 10);
}

static void recorder__8_threads_block_mode_records_every_call_once(void **state)
{
	(void)state;
	run_threads(DDIRR_RECORDER_BLOCK, 64u << 10, 0, "threads_block");
}

static void recorder__8_threads_times_never_go_back_on_the_monotonic_clock(void **state)
{
	(void)state;
	setenv("DDIRR_CLOCK", "monotonic", 1);
	run_threads(DDIRR_RECORDER_BLOCK, 64u << 10, 0, "threads_monotonic");
	unsetenv("DDIRR_CLOCK");
}

static void recorder__8_threads_drop_mode_counts_every_drop(void **state)
{
	(void)state;
	run_threads(DDIRR_RECORDER_DROP, 64u << 10, 0, "threads_drop");
}

static void recorder__8_threads_flight_mode_counts_every_eviction(void **state)
{
	(void)state;
	run_threads(DDIRR_RECORDER_FLIGHT, 64u << 10, 1u << 20, "threads_flight");
}

/* ------------------------------------------------------------------ */
/* Flight mode                                                         */

/* One thread issues calls of varying sizes; a dump keeps exactly the newest
 * records whose sizes add up to at most the flight size. */
static void recorder__flight_mode_keeps_exactly_the_newest_records_that_fit(void **state)
{
	enum { CALLS = 3000, FLIGHT = 64 * 1024 };
	static size_t sizes[2 * CALLS];
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	UINT32 slots[16];
	uint64_t sum = 0;
	size_t first, k = 0, n;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	int i, rc;

	(void)state;
	memset(slots, 0, sizeof(slots));
	o.output = trace_path("flight_exact");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.flight_bytes = FLIGHT;
	o.flight_triggers = DDIRR_TRIGGER_API;
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	for (i = 0; i < CALLS; i++) {
		DXGKARG_UNMAPCPUHOSTAPERTURE args = {.NumberOfPages = (UINT)(i % 16), .pCpuHostAperturePages = slots};
		ddirr_frame_UnmapCpuHostAperture f = {(HANDLE)0x1, &args, 0};
		ddirr_event e = {.ddi = DDIRR_DDI_UnmapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &f};

		sizes[2 * i] = ddirr_recorder_record_bytes(r, &e);
		fixture_host_call(DDIRR_DDI_UnmapCpuHostAperture, &f);
		e.phase = DDIRR_PHASE_EXIT;
		sizes[2 * i + 1] = ddirr_recorder_record_bytes(r, &e);
	}
	fixture_host_driver_set(NULL, NULL, 0);
	rc = ddirr_recorder_flight_dump(r);
	assert_true(rc > 0);
	assert_int_equal(ddirr_recorder_close(r), 0);
	/* the expected survivors: the longest suffix that fits */
	for (first = 2 * CALLS; first > 0 && sum + sizes[first - 1] <= FLIGHT; first--)
		sum += sizes[first - 1];
	assert_true(first > 0);
	n = 2 * CALLS - first;
	assert_int_equal((size_t)rc, n);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		size_t idx = first + k++;

		assert_int_equal(ev->seq, idx / 2 + 1);
		assert_int_equal(ev->phase, idx % 2 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(k, n);
	ddirr_trace_free(t);
}

/* Flight mode: the QueryAdapterInfo calls that describe the adapter are
 * evicted long before the dump, yet the trace still says what the adapter
 * is (the writer learned it as they passed: a CAPS frame). */
static void recorder__flight_trace_keeps_the_adapter_caps_of_evicted_records(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	DXGK_SEGMENTDESCRIPTOR4 segs[3];
	DXGK_QUERYSEGMENTIN4 in = {0};
	DXGK_QUERYSEGMENTOUT4 out = {.NbSegment = 3, .pSegmentDescriptor = (BYTE *)segs,
				     .SegmentDescriptorStride = sizeof(segs[0])};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &in, .InputDataSize = sizeof(in),
				      .pOutputData = &out, .OutputDataSize = sizeof(out)};
	ddirr_frame_QueryAdapterInfo qf = {(HANDLE)0x1, &q, 0};
	UINT32 slots[16] = {0};
	const ddirr_trace_info *info;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	char *text = NULL;
	size_t text_len = 0;
	FILE *mem;
	int i, rc, queries = 0;

	(void)state;
	memset(segs, 0, sizeof(segs));
	for (i = 0; i < 3; i++)
		segs[i].Size = (SIZE_T)(i + 1) << 20;
	o.output = trace_path("flight_caps");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.flight_bytes = 16 * 1024;
	o.flight_triggers = DDIRR_TRIGGER_API;
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	fixture_host_call(DDIRR_DDI_QueryAdapterInfo, &qf);
	for (i = 0; i < 2000; i++) {
		DXGKARG_UNMAPCPUHOSTAPERTURE args = {.NumberOfPages = 16, .pCpuHostAperturePages = slots};
		ddirr_frame_UnmapCpuHostAperture f = {(HANDLE)0x1, &args, 0};

		fixture_host_call(DDIRR_DDI_UnmapCpuHostAperture, &f);
	}
	fixture_host_driver_set(NULL, NULL, 0);
	assert_true(ddirr_recorder_flight_dump(r) > 0);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1)
		queries += ev->ddi == DDIRR_DDI_QueryAdapterInfo;
	assert_int_equal(rc, 0);
	assert_int_equal(queries, 0); /* evicted */
	info = ddirr_trace_get_info(t);
	assert_non_null(info->adapter_caps_pb);
	mem = open_memstream(&text, &text_len);
	assert_non_null(mem);
	assert_int_equal(ddirr_dump_adapter_caps(mem, info->adapter_caps_pb, info->adapter_caps_len, "", 0), 0);
	fclose(mem);
	assert_non_null(strstr(text, "3 segment(s)"));
	assert_non_null(strstr(text, "segment 3 {Flags=0x0 BaseAddress=0x0 Size=0x300000"));
	free(text);
	ddirr_trace_free(t);
}

/* A DDI that returns a failure status writes flight memory out at once. */
static void fail_one(uint32_t id, void *frame, void *ctx)
{
	(void)id;
	(void)ctx;
	((ddirr_frame_DestroyContext *)frame)->ReturnValue = STATUS_UNSUCCESSFUL;
}

static void recorder__failure_status_triggers_a_flight_dump(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_frame_DestroyContext f = {(HANDLE)0x5, 0};
	ddirr_recorder_stats st;
	ddirr_recorder *r;
	int i;

	(void)state;
	o.output = trace_path("flight_failure");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.flight_triggers = DDIRR_TRIGGER_FAILURE;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	ddirr_recorder_sync(r);
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(st.recorded, 0); /* held in memory */
	fixture_host_driver_set(fail_one, NULL, 1);
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	fixture_host_driver_set(NULL, NULL, 0);
	assert_int_equal(f.ReturnValue, STATUS_UNSUCCESSFUL);
	for (i = 0; i < 5000 && st.recorded < 4; i++) {
		usleep(1000);
		ddirr_recorder_get_stats(r, &st);
	}
	assert_int_equal(st.recorded, 4);
	assert_int_equal(ddirr_recorder_flight_dump(r), DDIRR_EINVAL); /* the api trigger is off */
	assert_int_equal(ddirr_recorder_close(r), 0);
}

/* ------------------------------------------------------------------ */
/* Privacy tiers                                                       */

/* Records one CreateContext with 100 bytes of private data under `privacy`
 * and returns its entry as read back, dumped as text into dump. */
static void private_data_under(int privacy, const char *name, uint8_t priv[100], char *dump, size_t dump_size)
{
	DXGKARG_CREATECONTEXT cc = {.PrivateDriverDataSize = 100, .pPrivateDriverData = priv};
	ddirr_frame_CreateContext f = {(HANDLE)0x77, &cc, 0};
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	const ddirr_frame_CreateContext *b;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	FILE *mem;
	int i;

	for (i = 0; i < 100; i++)
		priv[i] = (uint8_t)(i * 13 + 5);
	o.output = trace_path(name);
	o.privacy = privacy;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	fixture_host_call(DDIRR_DDI_CreateContext, &f);
	fixture_host_driver_set(NULL, NULL, 0);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	assert_int_equal(ddirr_trace_next(t, &ev), 1);
	assert_int_equal(ev->phase, DDIRR_PHASE_ENTRY);
	b = ev->frame;
	assert_int_equal(b->pCreateContext->PrivateDriverDataSize, 100);
	if (privacy == DDIRR_PRIVACY_FULL) {
		assert_memory_equal(b->pCreateContext->pPrivateDriverData, priv, 100);
	} else {
		assert_null(b->pCreateContext->pPrivateDriverData);
		assert_int_equal(ev->n_digests, privacy == DDIRR_PRIVACY_HASHED ? 1 : 0);
	}
	if (ev->n_digests) {
		struct sha256_ctx ctx;
		uint8_t want[32];

		sha256_init(&ctx);
		sha256_update(&ctx, 100, priv);
		sha256_digest(&ctx, sizeof(want), want);
		assert_ptr_equal(ev->digests[0].slot, &b->pCreateContext->pPrivateDriverData);
		assert_memory_equal(ev->digests[0].sha256, want, sizeof(want));
	}
	mem = fmemopen(dump, dump_size, "w");
	assert_int_equal(ddirr_dump_event(mem, ev, 0), 0);
	fclose(mem);
	ddirr_trace_free(t);
}

static void recorder__hashed_tier_keeps_a_digest_instead_of_private_data(void **state)
{
	uint8_t priv[100];
	char dump[4096];

	(void)state;
	private_data_under(DDIRR_PRIVACY_HASHED, "hashed", priv, dump, sizeof(dump));
	assert_non_null(strstr(dump, "pPrivateDriverData=<100 bytes sha256:"));
}

static void recorder__metadata_tier_keeps_only_the_size_of_private_data(void **state)
{
	uint8_t priv[100];
	char dump[4096];

	(void)state;
	private_data_under(DDIRR_PRIVACY_METADATA, "metadata", priv, dump, sizeof(dump));
	assert_non_null(strstr(dump, "pPrivateDriverData=<100 bytes, not recorded>"));
}

static void recorder__full_tier_keeps_private_data(void **state)
{
	uint8_t priv[100];
	char dump[4096];

	(void)state;
	private_data_under(DDIRR_PRIVACY_FULL, "full", priv, dump, sizeof(dump));
}

/* SIGUSR2 writes flight memory out (the handler only sets a flag; the drain
 * thread writes). */
static void recorder__sigusr2_triggers_a_flight_dump(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_frame_DestroyContext f = {(HANDLE)0x5, 0};
	ddirr_recorder_stats st;
	ddirr_recorder *r;
	int i;

	(void)state;
	o.output = trace_path("flight_signal");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.flight_triggers = DDIRR_TRIGGER_SIGNAL;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	fixture_host_driver_set(NULL, NULL, 0);
	ddirr_recorder_sync(r);
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(st.recorded, 0);
	raise(SIGUSR2);
	for (i = 0; i < 5000 && st.recorded < 2; i++) {
		usleep(1000);
		ddirr_recorder_get_stats(r, &st);
	}
	assert_int_equal(st.recorded, 2);
	assert_int_equal(ddirr_recorder_close(r), 0);
}

/* ------------------------------------------------------------------ */
/* Large records                                                       */

static void check_big_map(size_t buffer, int mode, const char *name)
{
	static UINT32 slots[65536];
	static UINT64 pages[65536];
	DXGKARG_MAPCPUHOSTAPERTURE args = {.hAllocation = (HANDLE)0x1234, .SegmentId = 2, .NumberOfPages = 65536,
					   .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture f = {(HANDLE)0x10, &args, 0};
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder_stats st;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	int found = 0, rc;
	size_t i;

	for (i = 0; i < 65536; i++) {
		slots[i] = (UINT32)(i * 7919 % 65536);
		pages[i] = 0x200000000ull + i * 5;
	}
	o.output = trace_path(name);
	o.buffer_bytes = buffer;
	o.mode = mode;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
	fixture_host_driver_set(NULL, NULL, 0);
	ddirr_recorder_sync(r);
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(ddirr_recorder_close(r), 0);
	if (mode == DDIRR_RECORDER_DROP) {
		assert_int_equal(st.drops[1].records, 1);
		assert_string_equal(st.drops[1].cause, "record-too-large");
		return;
	}
	assert_int_equal(st.recorded, 2);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		const ddirr_frame_MapCpuHostAperture *b = ev->frame;

		if (ev->phase != DDIRR_PHASE_ENTRY)
			continue;
		found = 1;
		assert_int_equal(b->pArgs->NumberOfPages, 65536);
		assert_memory_equal(b->pArgs->pCpuHostAperturePages, slots, sizeof(slots));
		assert_memory_equal(b->pArgs->pMemorySegmentPages, pages, sizeof(pages));
	}
	assert_int_equal(rc, 0);
	assert_true(found);
	ddirr_trace_free(t);
}

static void recorder__map_of_65536_pages_round_trips(void **state)
{
	(void)state;
	check_big_map(0, DDIRR_RECORDER_BLOCK, "map64k");
}

/* Block mode stays lossless for a record larger than the ring. */
static void recorder__record_larger_than_the_ring_is_kept_in_block_mode(void **state)
{
	(void)state;
	check_big_map(64u << 10, DDIRR_RECORDER_BLOCK, "map64k_small_ring");
}

static void recorder__record_larger_than_the_ring_is_counted_in_drop_mode(void **state)
{
	(void)state;
	check_big_map(64u << 10, DDIRR_RECORDER_DROP, "map64k_drop");
}

/* ------------------------------------------------------------------ */
/* Recording failures                                                  */

/* Runs fn with stderr going to a file; returns what was written. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char text[8192];
	char path[4200];
	int fd, saved;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s.stderr", trace_path("capture"));
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void count_lines_of(const char *text, int want)
{
	int lines = 0;

	for (; *text; text++)
		lines += *text == '\n';
	assert_int_equal(lines, want);
}

/* Whether the capture below must end with a trailer naming the failure
 * (the failed write left room for it) or, the trailer write failing too,
 * without one. */
static int expect_trailer;

static void fill_a_small_file(void *arg)
{
	static UINT32 slots[4096];
	static UINT64 pages[4096];
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder_stats st;
	ddirr_recorder *r;
	uint64_t rng = 99;
	int i, j;

	o.output = trace_path(arg);
	o.lttng = 0;
	r = open_recorder(&o);
	for (i = 0; i < 40; i++) {
		DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = 4096, .pCpuHostAperturePages = slots,
						   .pMemorySegmentPages = pages};
		ddirr_frame_MapCpuHostAperture f = {(HANDLE)0x10, &args, 0};
		/* The driver returns a status of this call's own. */
		expectation e = {&f, NULL, (uint64_t)(uint32_t)(0x40000000 + i), 0};

		for (j = 0; j < 4096; j++) { /* incompressible */
			rng = rng * 6364136223846793005ull + 1;
			slots[j] = (UINT32)(rng >> 32);
			pages[j] = rng;
		}
		fixture_host_driver_set(expect_exact, &e, 1);
		fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
		/* forwarded whole, whatever the recorder does */
		assert_int_equal(e.calls, 1);
		assert_int_equal(f.ReturnValue, 0x40000000 + i);
		ddirr_recorder_sync(r);
	}
	fixture_host_driver_set(NULL, NULL, 0);
	ddirr_recorder_get_stats(r, &st);
	assert_true(st.stopped);
	assert_int_equal(st.recorded + st.dropped, st.issued);
	if (expect_trailer)
		assert_int_equal(ddirr_recorder_close(r), 0);
	else
		assert_true(ddirr_recorder_close(r) < 0);
}

/* The trace a write failure stopped: stderr named the cause (its text and
 * errno name), and every chunk written before the failure reads back, each
 * whole. With a trailer (expect_trailer), the file ends exactly on it, not
 * marked clean, naming the cause and the records the failure lost, and
 * stderr has that one line; without, stderr says the trailer could not
 * be written either, and the file ends on its last whole chunk. */
static void check_stopped_trace(const char *name, const char *err, const char *cause, const char *errno_name)
{
	ddirr_trace *t = NULL;
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	uint64_t lost = 0;
	size_t i;
	int n = 0;

	assert_non_null(strstr(err, "ddirr: recording stopped, the driver keeps running:"));
	if (!strstr(err, cause) || !strstr(err, errno_name))
		fail_msg("stderr does not name \"%s\" (%s): %s", cause, errno_name, err);
	if (expect_trailer) {
		count_lines_of(err, 1);
	} else {
		assert_non_null(strstr(err, "ddirr: the trace could not be finished"));
		assert_non_null(strstr(err, "the trailer naming it could not be written either"));
		count_lines_of(err, 2);
	}
	assert_int_equal(ddirr_trace_open(&t, trace_path(name)), 0);
	while (ddirr_trace_next(t, &ev) == 1)
		n++;
	assert_true(n > 0);
	assert_int_equal(n % 2, 0); /* one sync per call: whole calls */
	v = ddirr_trace_get_verdict(t);
	assert_true(v->truncated);
	assert_int_equal(v->kind, DDIRR_VERDICT_TRUNCATED);
	assert_int_equal(v->n_gaps, 0);
	/* Cut back to a frame boundary: nothing torn is left to report. */
	assert_int_equal(v->n_problems, 0);
	assert_int_equal(v->stopped_at, ddirr_trace_get_stats(t)->file_size);
	assert_int_equal(v->trailer, expect_trailer);
	assert_false(v->clean_close);
	if (expect_trailer) {
		if (!strstr(v->stop_reason, errno_name) || !strstr(v->stop_reason, "byte ") ||
		    !strstr(v->stop_reason, "seq ") || !strstr(v->summary, errno_name))
			fail_msg("the trailer does not name %s, its byte and seq: %s", errno_name, v->summary);
		for (i = 0; i < v->n_drops; i++)
			if (!strcmp(v->drops[i].cause, "write-failed"))
				lost = v->drops[i].records;
		assert_true(lost > 0); /* the calls after the stop, and the chunk the failure lost */
	}
	ddirr_trace_free(t);
}

static void recorder__write_failure_keeps_forwarding_and_says_why(void **state)
{
	struct rlimit old, small = {256 * 1024, 0};
	const char *err;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	/* The file is cut back under the limit: the trailer fits. */
	expect_trailer = 1;
	err = capture_stderr(fill_a_small_file, "fsize");
	setrlimit(RLIMIT_FSIZE, &old);
	check_stopped_trace("fsize", err, strerror(EFBIG), "EFBIG");
}

/* Write faults injected under the trace writer (-Wl,--wrap=write): once
 * armed, the write to a file (not stdin/out/err) after `fault_after` more
 * fails with fault_errno; with fault_sticky every later one fails too, as
 * on a disk that stays full, otherwise only that one (a transient EIO). */
static int fault_errno, fault_after = -1, fault_sticky;
/* And a slow disk: while set, each write to a file first sleeps this long. */
static _Atomic long write_delay_us;

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	long delay = fd > 2 ? atomic_load(&write_delay_us) : 0;

	if (delay) {
		struct timespec d = {delay / 1000000, delay % 1000000 * 1000};

		nanosleep(&d, NULL);
	}
	if (fd > 2 && fault_after >= 0 && fault_after-- == 0) {
		fault_after = fault_sticky ? 0 : -1;
		errno = fault_errno;
		return -1;
	}
	return __real_write(fd, buf, n);
}

static void capture_under_fault(int e, int after, int sticky, const char *name, const char *errno_name)
{
	const char *err;

	fault_errno = e;
	fault_after = after;
	fault_sticky = sticky;
	expect_trailer = !sticky;
	err = capture_stderr(fill_a_small_file, (void *)name);
	fault_after = -1;
	check_stopped_trace(name, err, strerror(e), errno_name);
}

/* The descriptor of the file at path in this process, or -1. */
static int fd_of(const char *path)
{
	char link[64], target[4200];
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, path))
			return fd;
	}
	return -1;
}

typedef struct taken_fd {
	ddirr_recorder *r;
	int fd;              /* the trace's, then the host file's */
	const char *host;    /* the host's file */
	ddirr_recorder_stats st;
	int close_rc;
} taken_fd;

/* 100 calls written, then the host takes the trace's descriptor number
 * for a file of its own (as a close-every-fd loop and an open would), then
 * 100 calls more and close. */
static void calls_after_the_fd_is_taken(void *arg)
{
	taken_fd *c = arg;
	int hf;

	destroy_contexts(0, 100);
	assert_int_equal(ddirr_recorder_sync(c->r), 0);
	c->fd = fd_of(trace_path("fd_taken"));
	assert_true(c->fd >= 0);
	hf = open(c->host, O_RDWR | O_APPEND);
	assert_true(hf >= 0);
	assert_int_equal(dup2(hf, c->fd), c->fd);
	close(hf);
	destroy_contexts(100, 100);
	ddirr_recorder_sync(c->r);
	ddirr_recorder_get_stats(c->r, &c->st);
	c->close_rc = ddirr_recorder_close(c->r);
}

/* The writer checks that its descriptor is still the trace's before it
 * writes: the host's file is left as it was (and open), recording stops
 * and says why, and the trace keeps the first 100 calls. Before, the rest
 * of the trace went into the host's file, and close closed it. */
static void recorder__a_descriptor_the_host_takes_over_is_never_written(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	static const char data[] = "host data\n";
	char host[4200];
	taken_fd c = {0};
	const char *err;
	uint8_t *got;
	size_t len;

	(void)state;
	snprintf(host, sizeof(host), "%s.host.txt", trace_path("fd_taken"));
	test_put_file(host, data, sizeof(data) - 1);
	o.output = trace_path("fd_taken");
	o.lttng = 0;
	c.r = open_recorder(&o);
	c.host = host;
	fixture_host_driver_set(NULL, NULL, 1);
	err = capture_stderr(calls_after_the_fd_is_taken, &c);
	got = test_slurp(host, &len);
	assert_int_equal(len, sizeof(data) - 1);
	assert_memory_equal(got, data, len);
	free(got);
	assert_true(fcntl(c.fd, F_GETFD) >= 0); /* still open: the host's */
	close(c.fd);
	assert_true(c.st.stopped);
	assert_true(c.close_rc != 0);
	if (!strstr(err, "recording stopped") || !strstr(err, "is no longer the trace"))
		fail_msg("stderr: %s", err);
	assert_int_equal(records_in(trace_path("fd_taken")), 200);
}

/* Every write fails from the 5th on: the trailer cannot be written either
 * (tests/recorder/test_enospc.sh fills a real tmpfs, where cutting the
 * torn frame off makes room for it). */
static void recorder__enospc_mid_capture_keeps_forwarding_and_names_it(void **state)
{
	(void)state;
	capture_under_fault(ENOSPC, 4, 1, "enospc", "ENOSPC");
}

static void recorder__eio_mid_capture_keeps_forwarding_and_names_it(void **state)
{
	(void)state;
	capture_under_fault(EIO, 7, 0, "eio", "EIO");
}

static void open_on_dev_full(void *arg)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	DRIVER_INITIALIZATION_DATA d = driver_table;
	ddirr_frame_DestroyContext f = {(HANDLE)0x5, 0};
	expectation e = {&f, NULL, 0x1234, 0};
	ddirr_recorder *r = NULL;

	(void)arg;
	o.output = "/dev/full";
	assert_int_equal(ddirr_recorder_open(&r, &o), 0);
	assert_int_equal(ddirr_recorder_wrap(r, &d), DDIRR_EIO);
	fixture_host_driver_set(expect_exact, &e, 1);
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	fixture_host_driver_set(NULL, NULL, 0);
	assert_int_equal(f.ReturnValue, 0x1234);
	assert_int_equal(ddirr_recorder_close(r), 0);
}

static void recorder__unwritable_output_keeps_forwarding_and_says_why(void **state)
{
	const char *err;

	(void)state;
	err = capture_stderr(open_on_dev_full, NULL);
	assert_non_null(strstr(err, "ddirr: not recording, the driver keeps running: "));
	assert_non_null(strstr(err, "/dev/full"));
	count_lines_of(err, 1);
}

/* Block mode's age bound (docs/recorder.md, "Modes"; wrappers.c,
 * age_wait) on a disk that takes 5 ms a write, so that the drain is much
 * slower than the producer. The calling thread, its ring's producer,
 * looks after every call at the oldest record its ring still holds: that
 * record's call must have returned at most the flush interval before (the
 * rule keeps a record's age within half; the other half is margin for a
 * producer or drain kept off its CPU), which is what a SIGKILL would lose
 * beyond the chunks written. And no call may wait more than five times
 * the interval: block mode stalls the caller while the drain catches up
 * (here up to 21-33 ms), but a drain that wrote a chunk every 64 records
 * once it was behind (drain.c, flush_at) kept a call waiting 1.0-2.9 s.
 * The margin is for a VM that stops a CPU for 5-15 ms at a time
 * (docs/reliability.md, "Kills"). Calls must have waited, or the disk was
 * not slow enough to test anything. */
static void recorder__block_mode_keeps_no_record_older_than_half_the_interval(void **state)
{
	enum { INTERVAL_MS = 20, RUN_MS = 400, RETURNED_MASK = (1 << 22) - 1 };
	static uint64_t returned_at[RETURNED_MASK + 1]; /* when call (seq) i returned */
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	uint64_t i, oldest = 0, longest = 0, start, waits;
	ddirr_thread_ring *ring = NULL;
	ddirr_recorder *r;

	(void)state;
	o.output = trace_path("age-bound");
	o.lttng = 0;
	o.flush_interval_ms = INTERVAL_MS;
	r = open_recorder(&o);
	atomic_store(&write_delay_us, 5000);
	fixture_host_driver_set(NULL, NULL, 1);
	start = mono_ns();
	for (i = 1; returned_at[(i - 1) & RETURNED_MASK] - start < RUN_MS * 1000000ull || i == 1; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)i, 0};
		const ddirr_ring_hdr *h;

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
		returned_at[i & RETURNED_MASK] = mono_ns();
		if (i > 1 && returned_at[i & RETURNED_MASK] - returned_at[(i - 1) & RETURNED_MASK] > longest)
			longest = returned_at[i & RETURNED_MASK] - returned_at[(i - 1) & RETURNED_MASK];
		if (!ring) /* this thread's, registered by its first call */
			ring = atomic_load(&g_rec.rings);
		/* Calls are seqs 1, 2, ...: this thread is the only caller. */
		if ((h = ddirr_ring_oldest(&ring->ring)) && returned_at[i & RETURNED_MASK] -
								       returned_at[h->seq & RETURNED_MASK] >
								   oldest)
			oldest = returned_at[i & RETURNED_MASK] - returned_at[h->seq & RETURNED_MASK];
	}
	waits = ddirr_recorder_age_waits();
	atomic_store(&write_delay_us, 0);
	assert_int_equal(ddirr_recorder_close(r), 0);
	print_message("%llu calls in %d ms, %llu waited for the drain, the longest for %.2f ms; the oldest record in "
		      "the ring had returned %.2f ms before (interval %d ms)\n",
		      (unsigned long long)i, RUN_MS, (unsigned long long)waits, longest / 1e6, oldest / 1e6, INTERVAL_MS);
	assert_true(waits > 0);
	assert_true(oldest <= INTERVAL_MS * 1000000ull);
	assert_true(longest <= 5 * INTERVAL_MS * 1000000ull);
}

/* ------------------------------------------------------------------ */
/* Crash safety                                                        */

enum { CRASH_CALLS = 50 };

/* In a child: records CRASH_CALLS calls, then dies by `how`. */
static void record_then_die(const char *name, int how)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder *r;
	int i;

	o.output = trace_path(name);
	o.crash_handlers = 1;
	o.lttng = 0;
	r = open_recorder(&o);
	(void)r;
	fixture_host_driver_set(NULL, NULL, 1);
	for (i = 0; i < CRASH_CALLS; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)(i + 1), 0};

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	}
	if (how == SIGKILL)
		usleep(400 * 1000); /* more than the 100 ms flush interval */
	raise(how);
	_exit(0);
}

static void check_survivors(const char *name, int how)
{
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	int status, n = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		record_then_die(name, how);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), how);
	assert_int_equal(ddirr_trace_open(&t, trace_path(name)), 0);
	while (ddirr_trace_next(t, &ev) == 1)
		n++;
	assert_int_equal(n, 2 * CRASH_CALLS);
	assert_true(ddirr_trace_get_verdict(t)->truncated);
	ddirr_trace_free(t);
}

/* SIGABRT: the handler drains the rings and writes the chunk, then the
 * process dies of the signal as it would have. */
static void recorder__abort_flushes_the_rings_then_dies_of_it(void **state)
{
	(void)state;
	check_survivors("abort", SIGABRT);
}

/* SIGKILL cannot be caught: what was recorded more than a flush interval
 * before it is on disk. */
static void recorder__sigkill_loses_at_most_the_flush_interval(void **state)
{
	(void)state;
	check_survivors("kill", SIGKILL);
}

/* ------------------------------------------------------------------ */
/* Threads that come and go                                            */

enum { CHURN_BATCHES = 250, CHURN_THREADS = 4, CHURN_CALLS = 25 };

/* Main rings registered (each has its nested ring beside it, state.h). */
static uint32_t rings_registered(void)
{
	uint32_t n = 0;

	for (ddirr_thread_ring *t = atomic_load(&g_rec.rings); t; t = t->next)
		n += !t->is_nested;
	return n;
}

/* A host whose threads come and go (a pool replaced, a thread a request):
 * a thread's ring outlives it only until the drain has taken what it left,
 * then the next new thread takes it. 1,000 threads, 4 at a time, 25 calls
 * each, a sync after each 4: never more than 4 rings, and every call is in
 * the trace once, under its own thread's number, which no other thread
 * had. Without the rings handed on, there were 1,000 of 1 MiB. */
static void recorder__rings_of_exited_threads_serve_new_threads(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	enum { WORKERS = CHURN_BATCHES * CHURN_THREADS, CALLS = WORKERS * CHURN_CALLS };
	uint32_t *thread_of = calloc(WORKERS, sizeof(*thread_of)), *thread_of_seq = calloc(CALLS + 1, sizeof(uint32_t));
	unsigned char *seen = calloc(CALLS, 1), *taken = calloc(WORKERS + 1, 1);
	ddirr_recorder_stats st;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	uint64_t entries = 0;
	int b, i;

	(void)state;
	assert_non_null(thread_of);
	assert_non_null(thread_of_seq);
	assert_non_null(seen);
	assert_non_null(taken);
	o.output = trace_path("churn");
	o.lttng = 0;
	o.buffer_bytes = 1u << 20;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	for (b = 0; b < CHURN_BATCHES; b++) {
		worker w[CHURN_THREADS];

		for (i = 0; i < CHURN_THREADS; i++) {
			w[i].index = (uint64_t)b * CHURN_THREADS + (uint64_t)i;
			w[i].calls = CHURN_CALLS;
			assert_int_equal(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
		}
		for (i = 0; i < CHURN_THREADS; i++)
			assert_int_equal(pthread_join(w[i].tid, NULL), 0);
		assert_int_equal(ddirr_recorder_sync(r), 0);
		if (rings_registered() > CHURN_THREADS)
			fail_msg("after %d threads, %u rings", (b + 1) * CHURN_THREADS, rings_registered());
	}
	ddirr_recorder_get_stats(r, &st);
	assert_int_equal(st.threads, WORKERS);
	assert_int_equal(st.issued, 2 * CALLS);
	assert_int_equal(st.recorded, 2 * CALLS);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, trace_path("churn")), 0);
	while (ddirr_trace_next(t, &ev) == 1) {
		const ddirr_frame_DestroyContext *f = ev->frame;
		uint64_t call, who;

		assert_true(ev->thread >= 1 && ev->thread <= WORKERS);
		assert_true(ev->seq >= 1 && ev->seq <= CALLS);
		if (ev->phase == DDIRR_PHASE_EXIT) { /* on its entry's thread */
			assert_int_equal(ev->thread, thread_of_seq[ev->seq]);
			continue;
		}
		call = (uint64_t)(uintptr_t)f->hContext - 1;
		assert_true(call < CALLS);
		assert_false(seen[call]);
		seen[call] = 1;
		entries++;
		who = call / CHURN_CALLS;
		if (!thread_of[who]) {
			assert_false(taken[ev->thread]); /* a number is one thread's */
			taken[ev->thread] = 1;
			thread_of[who] = ev->thread;
		}
		assert_int_equal(ev->thread, thread_of[who]);
		thread_of_seq[ev->seq] = ev->thread;
	}
	assert_int_equal(entries, CALLS);
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	ddirr_trace_free(t);
	free(thread_of);
	free(thread_of_seq);
	free(seen);
	free(taken);
}

/* ------------------------------------------------------------------ */
/* Fork                                                                */

enum { FORK_CALLS = 300, FORK_CHILD_CALLS = 20000 };

static void count_call(uint32_t id, void *frame, void *ctx)
{
	(void)id;
	(void)frame;
	(*(int *)ctx)++;
}

/* The child: recording on again, more calls than its 64 KiB ring holds
 * (recorded with no drain thread, they would block for good), a sync and
 * a flight dump, then close. Exit status 0 when every call reached the
 * driver and each answer was right; SIGALRM after 20 s. */
static void forked_child(ddirr_recorder *r)
{
	int reached = 0, ok;

	alarm(20);
	fixture_host_driver_set(count_call, &reached, 1);
	ddirr_recorder_set_enabled(r, 1);
	destroy_contexts(100000, FORK_CHILD_CALLS);
	ok = reached == FORK_CHILD_CALLS && ddirr_recorder_sync(r) == 0 && ddirr_recorder_flight_dump(r) == DDIRR_EINVAL &&
	     strstr(ddirr_error_last(), "is a fork of") && ddirr_recorder_close(r) == 0;
	_exit(ok ? 0 : 1);
}

/* The child of a fork has the parent's rings and trace file but no drain
 * thread: it records nothing, and nothing it does reaches the parent's
 * trace, which holds the parent's calls, complete and without problems. */
static void recorder__a_forked_child_records_nothing_and_leaves_the_trace_alone(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	uint64_t n = 0, before = 0, after = 0;
	ddirr_recorder *r;
	int status;
	pid_t pid;

	(void)state;
	o.output = trace_path("fork");
	o.lttng = 0;
	o.buffer_bytes = 64u << 10;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	destroy_contexts(0, FORK_CALLS);
	/* Past the flush interval: the drain thread is idle at the fork. */
	usleep(250 * 1000);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		forked_child(r);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	destroy_contexts(FORK_CALLS, FORK_CALLS);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, trace_path("fork")), 0);
	while (ddirr_trace_next(t, &ev) == 1) {
		assert_int_equal(ev->ddi, DDIRR_DDI_DestroyContext);
		assert_int_equal(ev->seq, n / 2 + 1);
		if (ev->seq == FORK_CALLS && ev->phase == DDIRR_PHASE_EXIT)
			before = ev->time_ns;
		if (ev->seq == FORK_CALLS + 1 && ev->phase == DDIRR_PHASE_ENTRY)
			after = ev->time_ns;
		n++;
	}
	assert_int_equal(n, 2 * 2 * FORK_CALLS);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
	assert_int_equal(v->n_problems, 0);
	/* The trailer notes the fork, between the calls it came between;
	   the pid only the shim's fork() learns (test_preload.sh). */
	assert_int_equal(v->forks_total, 1);
	assert_int_equal(v->n_forks, 1);
	assert_int_equal(v->forks[0].after_seq, FORK_CALLS);
	assert_int_equal(v->forks[0].child_pid, 0);
	assert_true(before <= v->forks[0].time_ns && v->forks[0].time_ns <= after);
	assert_non_null(strstr(v->summary, "the process forked 1 time, its children were not recorded"));
	ddirr_trace_free(t);
}

/* ------------------------------------------------------------------ */
/* Signals: the process's own handlers                                 */

static sigjmp_buf host_jmp;
static volatile sig_atomic_t host_faults, host_usr2;
/* Read through a volatile pointer, so that the compiler sees no constant. */
static volatile int *volatile bad_address = (volatile int *)(uintptr_t)8;

/* A test harness's way with a driver's fault: note it, jump out. */
static void host_on_fault(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	host_faults++;
	siglongjmp(host_jmp, 1);
}

static void host_on_usr2(int sig)
{
	(void)sig;
	host_usr2++;
}

static void host_on_fault_later(int sig)
{
	(void)sig;
	_exit(9);
}

/* The host's own handler for sig, as a host installs it (in a child:
 * exits 8 when it cannot). */
static void install_host_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | flags;
	sa.sa_sigaction = fn;
	if (sigaction(sig, &sa, NULL))
		_exit(8);
}

static void install_host_fault_handler(void)
{
	install_host_handler(SIGSEGV, host_on_fault, 0);
}

/* Runs fn in a child (signal dispositions are the process's) and checks
 * that it ended with exit status 0. */
static void in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20); /* a wait for ever fails the test */
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("the child ended with status 0x%x", status);
}

/* in_child(fn), then the trace fn recorded under name, opened. */
static ddirr_trace *trace_of_child(void (*fn)(void), const char *name)
{
	ddirr_trace *t = NULL;

	in_child(fn);
	assert_int_equal(ddirr_trace_open(&t, trace_path(name)), 0);
	return t;
}

static ddirr_recorder *open_with_crash_handlers(const char *name)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;

	o.output = trace_path(name);
	o.crash_handlers = 1;
	o.lttng = 0;
	return open_recorder(&o);
}

/* Twice: 100 calls, then a fault that the process's handler (installed
 * before the recorder) catches and jumps out of. */
static void faults_caught_by_the_host(void)
{
	ddirr_recorder *r;
	int round;

	install_host_fault_handler();
	r = open_with_crash_handlers("host_handler");
	fixture_host_driver_set(NULL, NULL, 1);
	for (round = 0; round < 2; round++) {
		destroy_contexts(round * 100, 100);
		if (!sigsetjmp(host_jmp, 1))
			*bad_address = 1;
		/* The recorder flushed before the host's handler ran. */
		if (records_in(trace_path("host_handler")) != 2 * 100 * ((uint64_t)round + 1))
			_exit(2);
	}
	destroy_contexts(200, 100);
	if (ddirr_recorder_close(r) || host_faults != 2)
		_exit(3);
}

/* The crash handler flushes, then hands the fault to the handler the
 * process had installed (here one that jumps out, as a test harness that
 * catches a driver's faults does), and stays for the next fault: the
 * process goes on recording. Before, it took the default action (the
 * process died of the first fault). */
static void recorder__the_process_s_own_crash_handler_still_runs(void **state)
{
	(void)state;
	in_child(faults_caught_by_the_host);
	assert_int_equal(records_in(trace_path("host_handler")), 600);
}

/* 100 calls, then one whose argument pointer is bad: the recorder's copy
 * faults before the driver sees it, and the host's handler (installed
 * before) jumps out of the copy. Then a sync, and r's stats in *st. No
 * record after it on this thread, which would clear what the record left
 * set. */
static void bad_pointer_jumped_out_of(ddirr_recorder *r, ddirr_recorder_stats *st)
{
	DXGKARG_MAPCPUHOSTAPERTURE args = {(HANDLE)0x7, 1, 0, 4, (UINT32 *)(uintptr_t)8, NULL};
	ddirr_frame_MapCpuHostAperture f = {FIXTURE_DRIVER_CONTEXT, &args, 0};

	fixture_host_driver_set(NULL, NULL, 1);
	destroy_contexts(0, 100);
	if (!sigsetjmp(host_jmp, 1))
		fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
	if (ddirr_recorder_sync(r))
		_exit(2);
	ddirr_recorder_get_stats(r, st);
}

/* The bad pointer with the recorder's crash handler installed. */
static void fault_in_the_copy(void)
{
	ddirr_recorder_stats st;
	ddirr_recorder *r;

	install_host_fault_handler();
	r = open_with_crash_handlers("bad_pointer");
	bad_pointer_jumped_out_of(r, &st);
	if (host_faults != 1 || st.issued != 201 || st.recorded != 200 || st.dropped != 1 ||
	    strcmp(st.drops[DROP_INTERRUPTED].cause, "interrupted") || st.drops[DROP_INTERRUPTED].records != 1)
		_exit(3);
	if (ddirr_recorder_close(r)) /* it waited for ever on the given-up record */
		_exit(4);
}

/* The record given up is counted as a drop ("interrupted"), its seq is a
 * gap, and close does not wait for it. Without the giving up (the fault
 * handed on as it now is), its `writing` flag stayed set and close waited
 * for ever. */
/* Runs fn in a child, then checks the trace it left under name: the 200
 * DestroyContext records of bad_pointer_jumped_out_of, complete, and the
 * bad call as one `interrupted` drop. */
static void check_bad_pointer_given_up(void (*fn)(void), const char *name)
{
	ddirr_trace *t = trace_of_child(fn, name);
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	uint64_t n = 0;

	while (ddirr_trace_next(t, &ev) == 1) {
		assert_int_equal(ev->ddi, DDIRR_DDI_DestroyContext);
		n++;
	}
	assert_int_equal(n, 200);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
	assert_int_equal(v->dropped_records, 1);
	assert_int_equal(v->n_drops, 1);
	assert_string_equal(v->drops[0].cause, "interrupted");
	ddirr_trace_free(t);
}

static void recorder__a_fault_in_the_copy_that_the_host_jumps_out_of_is_a_counted_drop(void **state)
{
	(void)state;
	check_bad_pointer_given_up(fault_in_the_copy, "bad_pointer");
}

/* The same bad pointer with no recorder handler installed (the API's
 * default): nobody gives the record up before the host's handler jumps
 * out, so its `writing` flag stays set. close gives it up after its limit
 * with no progress (recorder.c, wait_for_records); before, it waited for
 * ever (the child's 20 s alarm). */
static void fault_in_the_copy_with_no_recorder_handler(void)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder_stats st;
	ddirr_recorder *r;
	struct timespec a, b;

	install_host_fault_handler();
	o.output = trace_path("bad_pointer_unhandled");
	o.lttng = 0;
	r = open_recorder(&o);
	bad_pointer_jumped_out_of(r, &st);
	if (host_faults != 1 || st.issued != 201 || st.recorded != 200 || st.dropped != 0)
		_exit(3);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ddirr_recorder_close(r))
		_exit(4);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* It waited its limit (10 s) for the record, not less. */
	if (b.tv_sec - a.tv_sec < 9)
		_exit(5);
}

static void recorder__close_gives_up_a_record_a_jump_left_unfinished(void **state)
{
	(void)state;
	check_bad_pointer_given_up(fault_in_the_copy_with_no_recorder_handler, "bad_pointer_unhandled");
}

/* What damage_the_ring writes over the fifth entry of the ring: a size
 * and a kind (KEEP: as they were), or, with `frame`, the frame's pointer
 * to its args instead. With `big`, that entry's call maps 4,096 pages
 * through a 64 KiB ring, so the entry is an INDIRECT one (its record, 48
 * KiB, is a heap copy), and `forge` puts the address of a copy of that
 * copy in its place. */
#define KEEP UINT32_MAX
#define INDIRECT_BYTES (uint32_t)(sizeof(ddirr_ring_hdr) + sizeof(void *))
static const struct ring_damage {
	uint32_t size, kind;
	int frame, big, forge;
	uint64_t records, lost; /* what the trace must hold, and count as lost */
} ring_damages[] = {
	{0, DDIRR_RING_PAD, 0, 0, 0, 404, 16},    /* a padding entry of size 0 */
	{0, DDIRR_RING_RECORD, 0, 0, 0, 404, 16}, /* a record of size 0 */
	{0x7ffffff8u, KEEP, 0, 0, 0, 404, 16},    /* past the buffer */
	{44, KEEP, 0, 0, 0, 404, 16},             /* not a multiple of 8 */
	{KEEP, 9, 0, 0, 0, 404, 16},              /* an unknown kind, the size as it was */
	{KEEP, KEEP, 1, 0, 0, 419, 1},            /* the header whole, the frame's args pointer far out */
	/* a record made an INDIRECT entry: the frame's first bytes its address */
	{INDIRECT_BYTES, DDIRR_RING_INDIRECT, 0, 0, 0, 404, 16},
	{KEEP, KEEP, 0, 1, 1, 404, 16},           /* an INDIRECT entry's address, another well-formed record's */
	{KEEP, DDIRR_RING_PAD, 0, 1, 0, 419, 1},  /* an INDIRECT entry made padding: its copy unclaimed */
};
static size_t ring_damage;

/* 100 DestroyContext calls, synced; then, with the drain held back (its
 * lock taken, as the crash handler does), 10 MapCpuHostAperture calls and
 * the fifth of their 20 entries written over as ring_damages[ring_damage]
 * says; a sync; then 100 more DestroyContext calls. */
static void damage_the_ring(void)
{
	const struct ring_damage *dm = &ring_damages[ring_damage];
	static UINT32 slots[4096];
	static UINT64 segment_pages[4096];
	DXGKARG_MAPCPUHOSTAPERTURE args = {(HANDLE)0x7, 1, 0, 4, slots, segment_pages};
	ddirr_frame_MapCpuHostAperture f = {FIXTURE_DRIVER_CONTEXT, &args, 0};
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_thread_ring *t;
	ddirr_ring_hdr *h;
	ddirr_recorder *r;
	void *forged = NULL;
	uint64_t at;
	int i;

	for (i = 0; i < 4096; i++) {
		slots[i] = 100 + (UINT32)i;
		segment_pages[i] = 7 + (UINT64)i;
	}
	o.output = trace_path("damaged_ring");
	o.lttng = 0;
	if (dm->big)
		o.buffer_bytes = 64u << 10;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	destroy_contexts(0, 100);
	if (ddirr_recorder_sync(r))
		_exit(2);
	while (atomic_flag_test_and_set(&r->drain_lock))
		usleep(100);
	for (i = 0; i < 10; i++) {
		args.NumberOfPages = dm->big && i == 2 ? 4096 : 4;
		fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
	}
	t = atomic_load(&g_rec.rings); /* the one thread's main ring, then its nested ring */
	if (!t || t->is_nested || t->next != t->nested || t->nested->next)
		_exit(3);
	at = atomic_load(&t->ring.tail);
	for (i = 0; i < 4; i++) {
		h = (ddirr_ring_hdr *)(t->ring.data + (at & (t->ring.size - 1)));
		if (h->kind != DDIRR_RING_RECORD)
			_exit(4); /* the test expects no padding here */
		at += h->size;
	}
	h = (ddirr_ring_hdr *)(t->ring.data + (at & (t->ring.size - 1)));
	if (h->ddi != DDIRR_DDI_MapCpuHostAperture || h->phase != DDIRR_PHASE_ENTRY ||
	    h->kind != (dm->big ? DDIRR_RING_INDIRECT : DDIRR_RING_RECORD))
		_exit(5);
	if (dm->forge) {
		const ddirr_ring_hdr *copy;

		memcpy(&copy, h + 1, sizeof(copy));
		if (!(forged = malloc(copy->size)))
			_exit(5);
		memcpy(forged, copy, copy->size);
		memcpy(h + 1, &forged, sizeof(forged));
	}
	if (dm->frame) {
		uint64_t far = 0xfffffff0u;

		/* The flat copy keeps pointers as offsets (frame_copy.h). */
		memcpy((char *)(h + 1) + offsetof(ddirr_frame_MapCpuHostAperture, pArgs), &far, sizeof(far));
	}
	if (dm->size != KEEP)
		h->size = dm->size;
	if (dm->kind != KEEP)
		h->kind = dm->kind;
	atomic_flag_clear(&r->drain_lock);
	if (ddirr_recorder_sync(r))
		_exit(6);
	destroy_contexts(110, 100);
	if (ddirr_recorder_sync(r))
		_exit(7);
	/* The drain freed the heap copy, whether it claimed it or not, and
	   left the forged one alone (free() would abort on a double free). */
	if (atomic_load(&t->heaps_taken) != atomic_load(&t->heaps_added) || atomic_load(&t->heaps_added) != !!dm->big)
		_exit(8);
	free(forged);
	if (ddirr_recorder_close(r))
		_exit(9);
}

/* Ring memory that something else wrote over (a stray store of a buggy
 * driver, the kind ddirr is used to chase) costs records, never the
 * process: a damaged header costs what was published after it (the four
 * records before it and every call after the sync are in the trace, and
 * the 16 lost are counted as `ring-damaged`); a damaged frame costs its
 * record. Before the drain checked headers, the first two hung it (close
 * waited for ever: the child's alarm), the third read past the ring.
 * Before it checked INDIRECT entries against the thread's list of heap
 * copies, it followed the address in any entry marked INDIRECT (a wild
 * read, then a free of it), took the forged record for the real one, and
 * lost the record of an entry made padding without a count. */
static void recorder__a_damaged_ring_costs_records_not_the_process(void **state)
{
	(void)state;
	for (ring_damage = 0; ring_damage < sizeof(ring_damages) / sizeof(ring_damages[0]); ring_damage++) {
		ddirr_trace *t = trace_of_child(damage_the_ring, "damaged_ring");
		const struct ring_damage *dm = &ring_damages[ring_damage];
		const ddirr_trace_verdict *v;
		const ddirr_event *ev;
		uint64_t n = 0;

		while (ddirr_trace_next(t, &ev) == 1)
			n++;
		v = ddirr_trace_get_verdict(t);
		print_message("damage %zu: %llu records, verdict %s\n", ring_damage, (unsigned long long)n, v->summary);
		assert_int_equal(n, dm->records);
		assert_int_equal(v->kind, DDIRR_VERDICT_GAP); /* the seqs lost, from 103 on */
		assert_int_equal(v->dropped_records, dm->lost);
		assert_int_equal(v->n_drops, 1);
		assert_string_equal(v->drops[0].cause, "ring-damaged");
		ddirr_trace_free(t);
	}
}

/* A host whose callback calls a DDI again, 70 deep: more DDIs than the
 * thread's stack of them keeps (64, wrappers.c). A callback's parent is
 * its DDI's seq while that DDI is one of the 64 outermost, and 0 (not
 * known) deeper. Before, a callback at depth 65 or more read its parent
 * from past the end of the stack: in the normal build that memory held
 * zeros, and the test passed; the sanitizer build (UBSan's bounds check)
 * stops there, "index 64 out of bounds for type 'uint64_t [64]'". */
enum { DEEP_CALLS = 70, DEEP_KEPT = 64 };
static int deep_made;

static void call_deeper(uint32_t id, void *frame, void *ctx)
{
	DXGKARG_CREATECONTEXT cc;
	ddirr_frame_CreateContext f = {(HANDLE)(uintptr_t)1, &cc, 0};

	(void)frame;
	(void)ctx;
	if (id != DDIRR_DDI_CreateContextAllocation || deep_made >= DEEP_CALLS)
		return;
	memset(&cc, 0, sizeof(cc));
	cc.hContext = (HANDLE)(uintptr_t)++deep_made;
	fixture_host_call(DDIRR_DDI_CreateContext, &f);
}

static void recorder__callbacks_deeper_than_the_ddi_stack_have_no_parent(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	uint64_t depth_of[3 * DEEP_CALLS + 1] = {0}; /* a seq for each DDI and each of its callbacks */
	int callbacks[DEEP_CALLS + 1] = {0};
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	int rc, k;

	(void)state;
	o.output = trace_path("deep");
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 0); /* CreateContext makes its two callbacks */
	fixture_host_set_check(call_deeper, NULL);
	deep_made = 0;
	call_deeper(DDIRR_DDI_CreateContextAllocation, NULL, NULL);
	fixture_host_set_check(NULL, NULL);
	assert_int_equal(deep_made, DEEP_CALLS);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		if (ev->phase != DDIRR_PHASE_ENTRY)
			continue;
		assert_true(ev->seq < sizeof(depth_of) / sizeof(depth_of[0]));
		if (ev->ddi == DDIRR_DDI_CreateContext) {
			const ddirr_frame_CreateContext *b = ev->frame;

			depth_of[ev->seq] = (uint64_t)(uintptr_t)b->pCreateContext->hContext;
			continue;
		}
		/* CreateContextAllocation, then MapContextAllocation once the
		   deeper calls have returned: both made from the DDI at the
		   depth the parent names, or from one deeper than 64. */
		k = ev->parent_seq ? (int)depth_of[ev->parent_seq] : 0;
		if (ev->parent_seq)
			assert_in_range(k, 1, DEEP_KEPT);
		callbacks[k]++;
	}
	assert_int_equal(rc, 0);
	for (k = 1; k <= DEEP_KEPT; k++)
		assert_int_equal(callbacks[k], 2);
	assert_int_equal(callbacks[0], 2 * (DEEP_CALLS - DEEP_KEPT));
	ddirr_trace_free(t);
}

/* Block mode keeps a record too large for the ring as a heap copy, and a
 * thread lists at most DDIRR_HEAP_SLOTS of them for the drain (state.h):
 * with the drain held back, a thread's next such call waits, and once the
 * drain runs again every call is recorded whole and every copy freed. */
enum { BIG_CALLS = 20, BIG_PAGES = 4096 };
static _Atomic int big_made;

static void *make_big_calls(void *arg)
{
	static UINT32 slots[BIG_PAGES];
	static UINT64 pages[BIG_PAGES];
	DXGKARG_MAPCPUHOSTAPERTURE args = {(HANDLE)0x7, 1, 0, BIG_PAGES, slots, pages};
	ddirr_frame_MapCpuHostAperture f = {FIXTURE_DRIVER_CONTEXT, &args, 0};
	int i, k;

	(void)arg;
	for (i = 0; i < BIG_CALLS; i++) {
		for (k = 0; k < BIG_PAGES; k++) {
			slots[k] = (UINT32)k;
			pages[k] = (UINT64)i * BIG_PAGES + (UINT64)k * 3;
		}
		fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
		atomic_fetch_add(&big_made, 1);
	}
	return NULL;
}

static void heap_copies_wait_for_a_slot(void)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder_stats st;
	ddirr_thread_ring *t;
	ddirr_recorder *r;
	pthread_t th;
	int i;

	o.output = trace_path("heap_slots");
	o.lttng = 0;
	o.buffer_bytes = 64u << 10;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	while (atomic_flag_test_and_set(&r->drain_lock))
		usleep(100);
	if (pthread_create(&th, NULL, make_big_calls, NULL))
		_exit(2);
	for (i = 0; i < 10000 && atomic_load(&big_made) < DDIRR_HEAP_SLOTS; i++)
		usleep(1000);
	usleep(100 * 1000); /* time for a ninth call, if it did not wait */
	t = atomic_load(&g_rec.rings);
	if (!t || t->is_nested)
		_exit(3);
	if (atomic_load(&big_made) != DDIRR_HEAP_SLOTS || atomic_load(&t->heaps_added) != DDIRR_HEAP_SLOTS)
		_exit(4);
	atomic_flag_clear(&r->drain_lock);
	pthread_join(th, NULL);
	if (ddirr_recorder_sync(r))
		_exit(5);
	ddirr_recorder_get_stats(r, &st);
	if (atomic_load(&t->heaps_added) != BIG_CALLS || atomic_load(&t->heaps_taken) != BIG_CALLS ||
	    st.issued != 2 * BIG_CALLS || st.recorded != 2 * BIG_CALLS || st.dropped)
		_exit(6);
	if (ddirr_recorder_close(r))
		_exit(7);
}

static void recorder__a_thread_waits_for_a_heap_slot_and_loses_nothing(void **state)
{
	ddirr_trace *t;
	const ddirr_event *ev;
	int entries = 0, rc, k;

	(void)state;
	t = trace_of_child(heap_copies_wait_for_a_slot, "heap_slots");
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		const ddirr_frame_MapCpuHostAperture *b = ev->frame;

		if (ev->phase != DDIRR_PHASE_ENTRY)
			continue;
		assert_int_equal(b->pArgs->NumberOfPages, BIG_PAGES);
		for (k = 0; k < BIG_PAGES; k++)
			if (b->pArgs->pMemorySegmentPages[k] != (UINT64)entries * BIG_PAGES + (UINT64)k * 3 ||
			    b->pArgs->pCpuHostAperturePages[k] != (UINT32)k)
				fail_msg("call %d: page %d differs", entries, k);
		entries++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(entries, BIG_CALLS);
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	ddirr_trace_free(t);
}

/* A host that emulates an interrupt with a signal, whose handler calls
 * the driver: the call may land inside a record the interrupted thread is
 * writing. */
enum { NESTED_CALLS = 300000, NESTED_PAGES = 64, NESTED_HANDLE_BASE = 0x40000000 };
static _Atomic uint64_t nested_made;
static _Atomic int nested_stop;
static pthread_t nested_target;

static void interrupt_calls_the_driver(int sig, siginfo_t *info, void *uc)
{
	ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)(NESTED_HANDLE_BASE + atomic_fetch_add(&nested_made, 1)), 0};

	(void)sig;
	(void)info;
	(void)uc;
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
}

/* Interrupts nested_target every few microseconds until told to stop. */
static void *interrupter(void *arg)
{
	struct timespec ts = {0, 5000};

	(void)arg;
	while (!atomic_load(&nested_stop)) {
		pthread_kill(nested_target, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* A recorder on trace `name`, in a child whose SIGUSR1 handler is fn,
 * over the fixture driver, plain (no callbacks) or not. */
static ddirr_recorder *open_interrupted(const char *name, void (*fn)(int, siginfo_t *, void *), int plain)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder *r;

	install_host_handler(SIGUSR1, fn, SA_RESTART);
	o.output = trace_path(name);
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, plain);
	return r;
}

/* NESTED_CALLS MapCpuHostAperture calls of NESTED_PAGES pages (call i maps
 * allocation i + 1, slots from i), interrupted all along by SIGUSR1, whose
 * handler records a DestroyContext. Exits 2 when no handler call went to
 * the nested ring (the test would then prove nothing). */
static void records_under_interrupts(void)
{
	static UINT32 slots[NESTED_PAGES];
	static UINT64 pages[NESTED_PAGES];
	ddirr_recorder *r = open_interrupted("nested", interrupt_calls_the_driver, 1);
	ddirr_thread_ring *t;
	pthread_t th;
	uint64_t i, nested_taken;
	int k;

	nested_target = pthread_self();
	/* The thread's first record registers its rings under the platform
	   lock, with the recorder's guard on: a handler's call then is
	   forwarded unrecorded and counted as dropped (docs/recorder.md,
	   Signals). So the first call comes before the interrupts. */
	for (i = 0; i < NESTED_CALLS; i++) {
		DXGKARG_MAPCPUHOSTAPERTURE args = {(HANDLE)(uintptr_t)(i + 1), 1, 0, NESTED_PAGES, slots, pages};
		ddirr_frame_MapCpuHostAperture f = {FIXTURE_DRIVER_CONTEXT, &args, 0};

		for (k = 0; k < NESTED_PAGES; k++)
			slots[k] = (UINT32)(i + (uint64_t)k), pages[k] = i * 1000 + (uint64_t)k;
		fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
		if (i == 0 && pthread_create(&th, NULL, interrupter, NULL))
			_exit(9);
	}
	atomic_store(&nested_stop, 1);
	pthread_join(th, NULL);
	if (ddirr_recorder_sync(r))
		_exit(3);
	t = atomic_load(&g_rec.rings);
	nested_taken = t && t->nested ? t->nested->taken : 0;
	fprintf(stderr, "%llu handler calls, %llu of their records in the nested ring\n",
	       (unsigned long long)atomic_load(&nested_made), (unsigned long long)nested_taken);
	if (!nested_taken)
		_exit(2);
	if (ddirr_recorder_close(r))
		_exit(4);
	/* The count, for the parent: in a file beside the trace. */
	{
		FILE *f = fopen(trace_path("nested_count"), "w");

		if (!f || fprintf(f, "%llu\n", (unsigned long long)atomic_load(&nested_made)) < 0 || fclose(f))
			_exit(5);
	}
}

/* Every call of the thread and of its handler is in the trace once, whole
 * and right: the handler's records went to the thread's nested ring while
 * the thread was inside a record (state.h). Before, the two records were
 * written over each other in the thread's one ring. */
static void recorder__a_driver_call_from_a_signal_handler_mid_record_is_recorded_whole(void **state)
{
	ddirr_trace *t = trace_of_child(records_under_interrupts, "nested");
	unsigned char *seen = calloc(NESTED_CALLS, 1), *seen_h;
	unsigned long long made = 0;
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	uint64_t n_main = 0, n_handler = 0;
	FILE *f;

	(void)state;
	assert_non_null(seen);
	f = fopen(trace_path("nested_count"), "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &made), 1);
	fclose(f);
	seen_h = calloc(made + 1, 1);
	assert_non_null(seen_h);
	while (ddirr_trace_next(t, &ev) == 1) {
		if (ev->phase != DDIRR_PHASE_ENTRY)
			continue;
		if (ev->ddi == DDIRR_DDI_MapCpuHostAperture) {
			const ddirr_frame_MapCpuHostAperture *fr = ev->frame;
			const DXGKARG_MAPCPUHOSTAPERTURE *a = fr->pArgs;
			uint64_t i;
			int k;

			assert_non_null(a);
			assert_non_null(a->pCpuHostAperturePages);
			assert_non_null(a->pMemorySegmentPages);
			i = (uint64_t)(uintptr_t)a->hAllocation - 1;
			assert_true(i < NESTED_CALLS);
			assert_int_equal(a->NumberOfPages, NESTED_PAGES);
			for (k = 0; k < NESTED_PAGES; k++) {
				assert_int_equal(a->pCpuHostAperturePages[k], (UINT32)(i + (uint64_t)k));
				assert_int_equal(a->pMemorySegmentPages[k], i * 1000 + (uint64_t)k);
			}
			assert_int_equal(seen[i]++, 0);
			n_main++;
		} else {
			const ddirr_frame_DestroyContext *fr = ev->frame;
			uint64_t k = (uint64_t)(uintptr_t)fr->hContext - NESTED_HANDLE_BASE;

			assert_int_equal(ev->ddi, DDIRR_DDI_DestroyContext);
			assert_true(k < made);
			assert_int_equal(seen_h[k]++, 0);
			n_handler++;
		}
	}
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
	assert_int_equal(v->dropped_records, 0);
	assert_int_equal(n_main, NESTED_CALLS);
	assert_int_equal(n_handler, made);
	ddirr_trace_free(t);
	free(seen);
	free(seen_h);
}

#ifndef sigev_notify_thread_id /* glibc before 2.35 names it only so */
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* A timer that sends SIGUSR1 to the calling thread every `ns` from now
 * (in a child: exits 9 when it cannot). */
static timer_t thread_timer_start(long ns)
{
	struct itimerspec every = {{0, ns}, {0, ns}};
	struct sigevent sev;
	timer_t timer;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &every, NULL))
		_exit(9);
	return timer;
}

static void thread_timer_stop(timer_t timer)
{
	struct itimerspec off;

	memset(&off, 0, sizeof(off));
	timer_settime(timer, 0, &off, NULL);
	timer_delete(timer);
}

static void count_usr1(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	atomic_fetch_add(&nested_made, 1);
}

/* The recorder's waits (ring room in block mode, sync, close, the clock's
 * calibration at open) sleep 1 ms or 5 ms at a time, under a timer signal
 * every 20 us here: faster than Linux's timer slack. */
static void sleeps_under_a_fast_signal(void)
{
	timer_t timer;
	int i;

	install_host_handler(SIGUSR1, count_usr1, SA_RESTART);
	timer = thread_timer_start(20000);
	for (i = 0; i < 20; i++)
		ddirr_platform_sleep_ms(1);
	ddirr_platform_sleep_ms(5);
	thread_timer_stop(timer);
	if (atomic_load(&nested_made) < 100) /* too few signals to prove anything */
		_exit(2);
}

/* Each sleep ends. It slept with a relative nanosleep restarted with its
 * remainder, which Linux reports to the end of the slack: under a signal
 * more often than that, the remainder grew and the sleep never ended (the
 * child's alarm killed it). */
static void recorder__a_wait_ends_under_a_signal_more_often_than_the_timer_slack(void **state)
{
	(void)state;
	in_child(sleeps_under_a_fast_signal);
}

/* CreateContext calls, each of which the fixture driver makes two
 * callbacks from, interrupted by SIGUSR1 from a timer aimed at the thread
 * every 20 us, whose handler calls the DDI DestroyContext
 * (interrupt_calls_the_driver). The window the test is after is two
 * stores wide, and about one interrupt in a thousand landed in it: the calls go
 * on until PARENT_INTERRUPTS handler calls, and at least PARENT_CALLS. */
enum { PARENT_CALLS = 100000, PARENT_INTERRUPTS = 20000 };

static void callbacks_under_interrupts(void)
{
	ddirr_recorder *r = open_interrupted("parents", interrupt_calls_the_driver, 0);
	timer_t timer;
	uint64_t i;

	for (i = 0; i < PARENT_CALLS || atomic_load(&nested_made) < PARENT_INTERRUPTS; i++) {
		DXGKARG_CREATECONTEXT cc;
		ddirr_frame_CreateContext f = {(HANDLE)(uintptr_t)1, &cc, 0};

		memset(&cc, 0, sizeof(cc));
		cc.hContext = (HANDLE)(uintptr_t)(i + 1);
		fixture_host_call(DDIRR_DDI_CreateContext, &f);
		/* After the first call, as in records_under_interrupts. */
		if (i == 0)
			timer = thread_timer_start(20000);
	}
	thread_timer_stop(timer);
	fprintf(stderr, "%llu calls, %llu handler calls\n", (unsigned long long)i,
		(unsigned long long)atomic_load(&nested_made));
	if (ddirr_recorder_close(r))
		_exit(4);
}

/* Every callback's parent is the CreateContext it was made from, however
 * the handler's DDIs land. Before, a handler's DDI that came between
 * enter()'s store of the DDI's seq and its depth++ took the DDI's slot of
 * the thread's stack, and left its own seq as the parent of the DDI's
 * callbacks. */
static void recorder__a_signal_handler_s_ddi_never_becomes_the_parent_of_the_ddi_it_interrupted(void **state)
{
	ddirr_trace *t = trace_of_child(callbacks_under_interrupts, "parents");
	const ddirr_event *ev;
	uint64_t calls = 0, callbacks = 0, handler_calls = 0, wrong = 0;
	/* Seqs: a call and its two callbacks, a handler call each. */
	uint64_t cap = 64u * PARENT_CALLS;
	uint32_t *ddi_of = calloc(cap + 1, sizeof(*ddi_of));
	uint64_t *context_of = calloc(cap + 1, sizeof(*context_of));

	(void)state;
	assert_non_null(ddi_of);
	assert_non_null(context_of);
	while (ddirr_trace_next(t, &ev) == 1) {
		if (ev->phase != DDIRR_PHASE_ENTRY)
			continue;
		assert_true(ev->seq <= cap);
		ddi_of[ev->seq] = ev->ddi;
		if (ev->ddi == DDIRR_DDI_CreateContext) {
			const ddirr_frame_CreateContext *fr = ev->frame;

			calls++;
			context_of[ev->seq] = (uint64_t)(uintptr_t)fr->pCreateContext->hContext;
		} else if (ev->ddi == DDIRR_DDI_CreateContextAllocation) {
			const ddirr_frame_CreateContextAllocation *fr = ev->frame;

			callbacks++;
			assert_true(ev->parent_seq < ev->seq);
			/* The driver passes its CreateContext's handle on. */
			if (ddi_of[ev->parent_seq] != DDIRR_DDI_CreateContext ||
			    context_of[ev->parent_seq] != (uint64_t)(uintptr_t)fr->pArgs->hContext)
				wrong++;
		} else if (ev->ddi == DDIRR_DDI_MapContextAllocation) {
			callbacks++;
			assert_true(ev->parent_seq < ev->seq);
			if (ddi_of[ev->parent_seq] != DDIRR_DDI_CreateContext)
				wrong++;
		} else {
			assert_int_equal(ev->ddi, DDIRR_DDI_DestroyContext);
			assert_int_equal(ev->parent_seq, 0);
			handler_calls++;
		}
	}
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	assert_true(calls >= PARENT_CALLS);
	assert_true(handler_calls >= PARENT_INTERRUPTS);
	assert_int_equal(callbacks, 2 * calls);
	assert_int_equal(wrong, 0);
	ddirr_trace_free(t);
	free(ddi_of);
	free(context_of);
}

/* A thread's first call, made while the test holds the platform lock:
 * the thread registers its rings under that lock, so it waits there, with
 * the recorder's guard on, and SIGUSR1 meanwhile makes its handler call
 * the driver (registering_handler). */
static _Atomic int handled_while_registering;
static pthread_t first_caller;

static void registering_handler(int sig, siginfo_t *info, void *uc)
{
	ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)NESTED_HANDLE_BASE, 0};

	(void)sig;
	(void)info;
	(void)uc;
	/* Only once the thread is inside the registration (the test's aim),
	   and only once. */
	if (ddirr_wrappers_guarded() != GUARD_REGISTERING || atomic_load(&handled_while_registering))
		return;
	fixture_host_call(DDIRR_DDI_DestroyContext, &f);
	atomic_store(&handled_while_registering, 1);
}

static void *first_call(void *arg)
{
	(void)arg;
	destroy_contexts(0, 1);
	return NULL;
}

static void a_handler_call_while_registering(void)
{
	ddirr_recorder *r = open_interrupted("registering", registering_handler, 1);
	ddirr_recorder_stats st;
	struct timespec ms = {0, 1000000};
	int i;

	/* Seq 1: the reader looks for holes from the first entry on. */
	destroy_contexts(1, 1);
	ddirr_platform_lock();
	if (pthread_create(&first_caller, NULL, first_call, NULL))
		_exit(9);
	for (i = 0; i < 10000 && !atomic_load(&handled_while_registering); i++) {
		pthread_kill(first_caller, SIGUSR1);
		nanosleep(&ms, NULL);
	}
	ddirr_platform_unlock();
	pthread_join(first_caller, NULL);
	if (!atomic_load(&handled_while_registering))
		_exit(2);
	ddirr_recorder_get_stats(r, &st);
	/* This thread's call, the other's (entry, exit each) and the
	   handler's, dropped. */
	if (st.issued != 6 || st.dropped != 2 || st.drops[DROP_NESTED].records != 2)
		_exit(3);
	if (ddirr_recorder_close(r))
		_exit(4);
}

/* The handler's call is forwarded unrecorded, as before, but it is no
 * longer silent: its entry takes a seq, so the trace shows a gap, and its
 * two records are counted as `nested` drops in the stats and the trailer.
 * Before, it left no trace at all. */
static void recorder__a_handler_call_while_its_thread_registers_is_a_counted_drop(void **state)
{
	ddirr_trace *t = trace_of_child(a_handler_call_while_registering, "registering");
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	uint64_t seqs = 0;

	(void)state;
	while (ddirr_trace_next(t, &ev) == 1) {
		const ddirr_frame_DestroyContext *fr = ev->frame;

		if (ev->phase == DDIRR_PHASE_EXIT)
			continue;
		/* The main thread's call (context 2), seq 1; the other
		   thread's (context 1), seq 3, after the handler's seq 2. */
		assert_int_equal(ev->ddi, DDIRR_DDI_DestroyContext);
		assert_int_equal(ev->seq, ev->seq == 1 ? 1 : 3);
		assert_int_equal((uintptr_t)fr->hContext, ev->seq == 1 ? 2 : 1);
		seqs |= 1u << ev->seq;
	}
	assert_int_equal(seqs, (1u << 1) | (1u << 3));
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_GAP);
	assert_int_equal(v->dropped_records, 2);
	assert_int_equal(v->n_drops, 1);
	assert_string_equal(v->drops[0].cause, "nested");
	assert_int_equal(v->n_gaps, 1);
	assert_int_equal(v->gaps[0].first_seq, 2);
	assert_int_equal(v->gaps[0].records, 1);
	ddirr_trace_free(t);
}

static char *lazy_page;

/* A process that maps memory on demand: its handler makes the page
 * readable and returns, and the faulting instruction runs again. */
static void host_maps_the_page(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	host_faults++;
	mprotect(lazy_page, 4096, PROT_READ | PROT_WRITE);
}

static void fault_in_the_copy_then_resumed(void)
{
	UINT64 segment_pages[4] = {7, 8, 9, 10};
	DXGKARG_MAPCPUHOSTAPERTURE args = {(HANDLE)0x7, 1, 0, 4, NULL, segment_pages};
	ddirr_frame_MapCpuHostAperture f = {FIXTURE_DRIVER_CONTEXT, &args, 0};
	ddirr_recorder_stats st;
	struct sigaction sa;
	ddirr_recorder *r;
	UINT32 *slots;

	lazy_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lazy_page == MAP_FAILED)
		_exit(7);
	slots = (UINT32 *)lazy_page;
	slots[0] = 100, slots[1] = 101, slots[2] = 102, slots[3] = 103;
	mprotect(lazy_page, 4096, PROT_NONE);
	args.pCpuHostAperturePages = slots;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = host_maps_the_page;
	sigaction(SIGSEGV, &sa, NULL);
	r = open_with_crash_handlers("resumed");
	fixture_host_driver_set(NULL, NULL, 1);
	destroy_contexts(0, 10);
	fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &f);
	if (ddirr_recorder_sync(r))
		_exit(2);
	ddirr_recorder_get_stats(r, &st);
	if (host_faults != 1 || st.issued != 22 || st.recorded != 22 || st.dropped != 0)
		_exit(3);
	if (ddirr_recorder_close(r))
		_exit(4);
}

/* The same fault, but the process's handler returns (it mapped the page):
 * the copy runs again and the record is whole, neither given up nor
 * counted as a drop. */
static void recorder__a_fault_in_the_copy_that_the_host_fixes_keeps_the_record(void **state)
{
	ddirr_trace *t = trace_of_child(fault_in_the_copy_then_resumed, "resumed");
	const DXGKARG_MAPCPUHOSTAPERTURE *got = NULL;
	const ddirr_event *ev;

	(void)state;
	while (ddirr_trace_next(t, &ev) == 1)
		if (ev->ddi == DDIRR_DDI_MapCpuHostAperture && ev->phase == DDIRR_PHASE_ENTRY)
			got = ((const ddirr_frame_MapCpuHostAperture *)ev->frame)->pArgs;
	assert_non_null(got);
	assert_int_equal(got->NumberOfPages, 4);
	assert_int_equal(got->pCpuHostAperturePages[0], 100);
	assert_int_equal(got->pCpuHostAperturePages[3], 103);
	assert_int_equal(got->pMemorySegmentPages[3], 10);
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	ddirr_trace_free(t);
}

static void fault_on_destroy(uint32_t id, void *frame, void *ctx)
{
	(void)ctx;
	if (id == DDIRR_DDI_DestroyContext && ((ddirr_frame_DestroyContext *)frame)->hContext == (HANDLE)0xBAD)
		*bad_address = 1;
}

/* The driver faults inside a DDI, and the host's handler jumps out of it;
 * then the host thread makes a callback. */
static void fault_in_the_driver(void)
{
	ddirr_frame_DestroyContext bad = {(HANDLE)0xBAD, 0};
	fill_opts fo = {.mode = FILL_RANDOM, .len = 2, .blob_len = 8, .seed = 7};
	ddirr_arena a = DDIRR_ARENA_INIT;
	ddirr_recorder *r;

	install_host_fault_handler();
	r = open_with_crash_handlers("driver_fault");
	fixture_host_driver_set(fault_on_destroy, NULL, 1);
	if (!sigsetjmp(host_jmp, 1))
		fixture_host_call(DDIRR_DDI_DestroyContext, &bad);
	fixture_host_call(DDIRR_DDI_ReserveGpuVirtualAddressRange, frame_fill(DDIRR_DDI_ReserveGpuVirtualAddressRange, &fo, &a));
	ddirr_arena_release(&a);
	if (host_faults != 1 || ddirr_recorder_close(r))
		_exit(3);
}

/* The jump left the thread inside the DDI as far as the recorder knew, and
 * the callback was recorded as made from it (parent_seq 1); it is made
 * from nothing (0). The DDI has its entry and no exit. */
static void recorder__a_jump_out_of_a_faulting_ddi_leaves_the_ddi(void **state)
{
	ddirr_trace *t = trace_of_child(fault_in_the_driver, "driver_fault");
	const ddirr_event *ev;
	int callbacks = 0;

	(void)state;
	while (ddirr_trace_next(t, &ev) == 1) {
		if (ev->ddi != DDIRR_DDI_ReserveGpuVirtualAddressRange)
			continue;
		assert_int_equal(ev->parent_seq, 0);
		callbacks++;
	}
	assert_int_equal(callbacks, 2);
	ddirr_trace_free(t);
}

/* Flight mode's SIGUSR2 with a SIGUSR2 handler of the process's own, and a
 * SIGSEGV handler the process installs after the recorder. */
static void usr2_and_a_later_handler(void)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	struct sigaction sa, cur;
	ddirr_recorder_stats st;
	ddirr_recorder *r;
	int i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = host_on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	o.output = trace_path("usr2_chain");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.flight_triggers = DDIRR_TRIGGER_SIGNAL;
	o.crash_handlers = 1;
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	destroy_contexts(0, 10);
	ddirr_recorder_sync(r);
	raise(SIGUSR2);
	ddirr_recorder_get_stats(r, &st);
	for (i = 0; i < 5000 && st.recorded < 20; i++) {
		usleep(1000);
		ddirr_recorder_get_stats(r, &st);
	}
	if (st.recorded != 20 || host_usr2 != 1)
		_exit(2);
	sa.sa_handler = host_on_fault_later;
	sigaction(SIGSEGV, &sa, NULL);
	if (ddirr_recorder_close(r))
		_exit(3);
	/* close put SIGUSR2's handler back, and left SIGSEGV's new one. */
	if (sigaction(SIGUSR2, NULL, &cur) || cur.sa_handler != host_on_usr2 || sigaction(SIGSEGV, NULL, &cur) ||
	    cur.sa_handler != host_on_fault_later)
		_exit(4);
}

/* The dump happens and the process's SIGUSR2 handler runs too (before, it
 * never did while the recorder was open); close leaves a handler the
 * process installed after the recorder's (before, it put back the one from
 * before the recorder). */
static void recorder__sigusr2_reaches_the_process_s_handler_too(void **state)
{
	(void)state;
	in_child(usr2_and_a_later_handler);
}

/* Crash handlers without flight mode's signal trigger: the recorder
 * takes the crash signals and leaves SIGUSR2 alone, so a SIGUSR2 still
 * ends a process that has no handler for it, as it would without ddirr.
 * Before, the recorder installed its SIGUSR2 handler with the crash
 * handlers (the shim's default), and the signal did nothing. */
static void usr2_without_the_trigger(void)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	struct sigaction cur;
	ddirr_recorder *r;

	signal(SIGUSR2, SIG_DFL);
	o.output = trace_path("usr2_default");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.flight_triggers = DDIRR_TRIGGER_API | DDIRR_TRIGGER_FAILURE;
	o.crash_handlers = 1;
	o.lttng = 0;
	r = open_recorder(&o);
	if (sigaction(SIGUSR2, NULL, &cur) || (cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL ||
	    sigaction(SIGSEGV, NULL, &cur) || !(cur.sa_flags & SA_SIGINFO))
		_exit(2);
	fixture_host_driver_set(NULL, NULL, 1);
	destroy_contexts(0, 10);
	raise(SIGUSR2);
	(void)r;
	_exit(3); /* not reached: SIGUSR2's default action ends the child */
}

static void recorder__sigusr2_keeps_its_default_action_without_the_signal_trigger(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		usr2_without_the_trigger();
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGUSR2)
		fail_msg("the child ended with status 0x%x, not by SIGUSR2", status);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static const char *const vars[] = {"DDIRR_ENABLE", "DDIRR_OUTPUT", "DDIRR_MODE", "DDIRR_BUFFER_SIZE",
				   "DDIRR_FLIGHT_SIZE", "DDIRR_FLUSH_MS", "DDIRR_PRIVACY", "DDIRR_LTTNG",
				   "DDIRR_FLIGHT_TRIGGER", "DDIRR_CRASH_HANDLERS", "DDIRR_DRIVER_VERSION",
				   "DDIRR_ZSTD_LEVEL"};

static void clear_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void recorder__environment_sets_every_option(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	int enabled = -1;

	(void)state;
	clear_env();
	setenv("DDIRR_OUTPUT", "/tmp/x-%p-%t.ddirr", 1);
	setenv("DDIRR_MODE", "flight", 1);
	setenv("DDIRR_BUFFER_SIZE", "8M", 1);
	setenv("DDIRR_FLIGHT_SIZE", "32MiB", 1);
	setenv("DDIRR_FLUSH_MS", "250", 1);
	setenv("DDIRR_PRIVACY", "hashed", 1);
	setenv("DDIRR_LTTNG", "off", 1);
	setenv("DDIRR_FLIGHT_TRIGGER", "signal,failure", 1);
	setenv("DDIRR_CRASH_HANDLERS", "0", 1);
	setenv("DDIRR_DRIVER_VERSION", "v7", 1);
	setenv("DDIRR_ZSTD_LEVEL", "-3", 1);
	assert_int_equal(ddirr_recorder_options_from_env(&o, &enabled), 0);
	assert_int_equal(enabled, 1);
	assert_string_equal(o.output, "/tmp/x-%p-%t.ddirr");
	assert_int_equal(o.mode, DDIRR_RECORDER_FLIGHT);
	assert_int_equal(o.buffer_bytes, 8u << 20);
	assert_int_equal(o.flight_bytes, 32u << 20);
	assert_int_equal(o.flush_interval_ms, 250);
	assert_int_equal(o.privacy, DDIRR_PRIVACY_HASHED);
	assert_int_equal(o.lttng, 0);
	assert_int_equal(o.flight_triggers, DDIRR_TRIGGER_SIGNAL | DDIRR_TRIGGER_FAILURE);
	assert_int_equal(o.crash_handlers, 0);
	assert_string_equal(o.driver_version, "v7");
	assert_int_equal(o.zstd_level, -3);
	setenv("DDIRR_ZSTD_LEVEL", "19", 1);
	assert_int_equal(ddirr_recorder_options_from_env(&o, &enabled), 0);
	assert_int_equal(o.zstd_level, 19);
	setenv("DDIRR_ENABLE", "0", 1);
	assert_int_equal(ddirr_recorder_options_from_env(&o, &enabled), 0);
	assert_int_equal(enabled, 0);
	clear_env();
}

static void recorder__bad_environment_value_is_named_in_one_line(void **state)
{
	static const char *const bad[][2] = {
		{"DDIRR_MODE", "fast"},        {"DDIRR_BUFFER_SIZE", "12Q"}, {"DDIRR_BUFFER_SIZE", "1K"},
		{"DDIRR_FLUSH_MS", "0"},       {"DDIRR_FLUSH_MS", "ten"},    {"DDIRR_PRIVACY", "all"},
		{"DDIRR_PRIVACY", "sha1"},     {"DDIRR_LTTNG", "maybe"},     {"DDIRR_FLIGHT_TRIGGER", "crash"},
		{"DDIRR_OUTPUT", "t-%q.ddirr"}, {"DDIRR_ENABLE", "2"},       {"DDIRR_FLIGHT_SIZE", "-1"},
		{"DDIRR_ZSTD_LEVEL", "0"},     {"DDIRR_ZSTD_LEVEL", "20"},   {"DDIRR_ZSTD_LEVEL", "-8"},
		{"DDIRR_ZSTD_LEVEL", "fast"},  {"DDIRR_ZSTD_LEVEL", "5x"},   {"DDIRR_ZSTD_LEVEL", "-"},
		{"DDIRR_ZSTD_LEVEL", ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
		char want[128];
		int enabled;

		clear_env();
		setenv(bad[i][0], bad[i][1], 1);
		assert_int_equal(ddirr_recorder_options_from_env(&o, &enabled), DDIRR_EINVAL);
		snprintf(want, sizeof(want), "%s=%s: ", bad[i][0], bad[i][1]);
		if (strncmp(ddirr_error_last(), want, strlen(want)))
			fail_msg("%s gave \"%s\"", want, ddirr_error_last());
		assert_null(strchr(ddirr_error_last(), '\n'));
	}
	clear_env();
}

static void recorder__output_pattern_expands_pid_and_time(void **state)
{
	char out[64];

	(void)state;
	/* 2026-11-21 05:26:53 UTC */
	assert_int_equal(ddirr_recorder_expand_path(out, sizeof(out), "t-%p-%t-100%%.ddirr", 4242, 1795238813),
			 (int)strlen("t-4242-20261121-052653-100%.ddirr"));
	assert_string_equal(out, "t-4242-20261121-052653-100%.ddirr");
	assert_int_equal(ddirr_recorder_expand_path(out, sizeof(out), "t-%x", 1, 0), DDIRR_EINVAL);
	assert_int_equal(ddirr_recorder_expand_path(out, 8, "toolongforit", 1, 0), DDIRR_EINVAL);
}

/* The header says which driver, from where, and how it was captured. */
static void recorder__header_names_the_driver_and_the_settings(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	const ddirr_trace_info *info;
	uint8_t want[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	ddirr_trace *t = NULL;
	char host[256] = "";
	ddirr_recorder *r;
	uint8_t *so;
	size_t len;

	(void)state;
	assert_non_null(so = test_slurp(FIXTURE_DRIVER_PATH, &len));
	o.output = trace_path("header");
	o.mode = DDIRR_RECORDER_DROP;
	o.chaos_seed = 77;
	o.chaos_seed_set = 1;
	o.scenario = "unit";
	r = open_recorder(&o);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	info = ddirr_trace_get_info(t);
	assert_non_null(strstr(info->provenance.driver_path, "libddirr_fixture_driver.so"));
	assert_string_equal(info->provenance.driver_version, "fixture-driver 1.0");
	assert_int_equal(info->provenance.driver_sha256_len, 32);
	sha256_init(&ctx);
	sha256_update(&ctx, len, so);
	sha256_digest(&ctx, sizeof(want), want);
	assert_memory_equal(info->provenance.driver_sha256, want, sizeof(want));
	/* set at link time (tests/recorder/CMakeLists.fragment.cmake) */
	assert_string_equal(info->provenance.driver_build, FIXTURE_DRIVER_BUILD_ID);
	assert_int_equal(info->provenance.interface_version, DXGKDDI_INTERFACE_VERSION);
	assert_int_equal(info->provenance.pid, (uint32_t)getpid());
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	assert_string_equal(info->provenance.host, host);
	assert_string_equal(info->provenance.process_name, "test_recorder");
	assert_string_equal(info->settings.mode, "drop");
	assert_string_equal(info->settings.privacy, "metadata");
	assert_int_equal(info->settings.chaos_seed, 77);
	assert_int_equal(info->settings.chaos_seed_set, 1);
	assert_string_equal(info->settings.scenario, "unit");
	assert_int_equal(info->settings.buffer_bytes, 4u << 20);
	assert_int_equal(info->settings.flight_bytes, 0);
	assert_string_equal(info->settings.flight_triggers, "");
	assert_int_equal(info->settings.crash_handlers, 0);
	assert_string_equal(info->provenance.recorder_version, ddirr_recorder_version());
	assert_int_equal(info->settings.zstd_level, 3); /* ddirr's default: level 3, smaller tables */
	assert_int_equal(info->settings.zstd_hash_log, DDIRR_TRACE_DEFAULT_HASH_LOG);
	assert_int_equal(info->settings.zstd_chain_log, DDIRR_TRACE_DEFAULT_CHAIN_LOG);
	ddirr_trace_free(t);
	free(so);
}

/* In a child (crash handlers are the process's): a flight recorder with a
 * ring, a flight size and triggers of its own, and no chaos seed. */
static void flight_settings_child(void)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;

	o.output = trace_path("header-flight");
	o.mode = DDIRR_RECORDER_FLIGHT;
	o.buffer_bytes = 100u << 10; /* rounded up to 128 KiB */
	o.flight_bytes = 3u << 20;
	o.flight_triggers = DDIRR_TRIGGER_API | DDIRR_TRIGGER_FAILURE;
	o.crash_handlers = 1;
	o.lttng = 0;
	if (ddirr_recorder_close(open_recorder(&o)) != 0)
		_exit(3);
}

/* Flight mode's header keeps both sizes and names the triggers; a capture
 * no host gave a seed has none (not a seed of 0). */
static void recorder__header_keeps_the_flight_settings(void **state)
{
	ddirr_trace *t = trace_of_child(flight_settings_child, "header-flight");
	const ddirr_trace_settings *s = &ddirr_trace_get_info(t)->settings;

	(void)state;
	assert_string_equal(s->mode, "flight");
	assert_int_equal(s->buffer_bytes, 128u << 10);
	assert_int_equal(s->flight_bytes, 3u << 20);
	assert_string_equal(s->flight_triggers, "api,failure");
	assert_int_equal(s->crash_handlers, 1);
	assert_int_equal(s->chaos_seed_set, 0);
	ddirr_trace_free(t);
}

/* The zstd level chosen reaches the header; one out of range is refused at
 * open, before anything is recorded. */
static void recorder__zstd_level_is_used_and_recorded(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder *r = NULL;
	ddirr_trace *t = NULL;
	int bad[] = {-8, 20};
	size_t i;

	(void)state;
	o.output = trace_path("level");
	o.zstd_level = 1;
	r = open_recorder(&o);
	assert_int_equal(ddirr_recorder_close(r), 0);
	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	assert_int_equal(ddirr_trace_get_info(t)->settings.zstd_level, 1);
	ddirr_trace_free(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.zstd_level = bad[i];
		r = NULL;
		assert_int_equal(ddirr_recorder_open(&r, &o), DDIRR_EINVAL);
		assert_null(r);
		assert_non_null(strstr(ddirr_error_last(), "zstd level"));
	}
}

/* ------------------------------------------------------------------ */
/* Timestamps                                                          */

/* Whether this machine's TSC passes the recorder's test (platform.h). */
static int tsc_expected(void)
{
#if defined(__x86_64__)
	char line[8192] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	int ok;

	if (!f)
		return 0;
	ok = fgets(line, sizeof(line), f) && !strcmp(line, "tsc\n");
	fclose(f);
	if (!ok || !(f = fopen("/proc/cpuinfo", "r")))
		return 0;
	ok = 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
			break;
		}
	fclose(f);
	return ok;
#else
	return 0;
#endif
}

/* Records CALLS DestroyContext calls on this thread, reading
 * CLOCK_MONOTONIC around each, with pauses that let the drain take new
 * anchors; every record's time must lie within TIME_BOUND_NS of its
 * call's window. DDIRR_CLOCK is `clock` (NULL: unset). */
static void check_times(const char *clock, int mode, const char *name)
{
	enum { CALLS = 4000 };
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	uint64_t *before = calloc(CALLS + 1, sizeof(uint64_t)), *after = calloc(CALLS + 1, sizeof(uint64_t));
	uint64_t records = 0, worst = 0, i;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	ddirr_recorder *r;
	int rc;

	if (clock)
		setenv("DDIRR_CLOCK", clock, 1);
	else
		unsetenv("DDIRR_CLOCK");
	o.output = trace_path(name);
	o.mode = mode;
	o.lttng = 0;
	r = open_recorder(&o);
	fixture_host_driver_set(NULL, NULL, 1);
	for (i = 1; i <= CALLS; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)i, 0};

		if (i % 500 == 0)
			usleep(3000); /* a drain pass or two: new anchors */
		before[i] = mono_ns();
		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
		after[i] = mono_ns();
	}
	fixture_host_driver_set(NULL, NULL, 0);
	assert_int_equal(ddirr_recorder_close(r), 0); /* flight: dumps */
	unsetenv("DDIRR_CLOCK");

	assert_int_equal(ddirr_trace_open(&t, o.output), 0);
	/* The header names the tick source the times came from. */
	assert_string_equal(ddirr_trace_get_info(t)->settings.clock,
			    clock && !strcmp(clock, "monotonic") ? "monotonic" : tsc_expected() ? "tsc" : "monotonic");
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		uint64_t lo, hi, off;

		records++;
		assert_true(ev->seq >= 1 && ev->seq <= CALLS);
		lo = before[ev->seq];
		hi = after[ev->seq];
		off = ev->time_ns < lo ? lo - ev->time_ns : ev->time_ns > hi ? ev->time_ns - hi : 0;
		if (off > worst)
			worst = off;
		if (off > TIME_BOUND_NS)
			fail_msg("%s: seq %llu phase %u at %llu ns, %llu ns outside its call's [%llu, %llu]", name,
				 (unsigned long long)ev->seq, ev->phase, (unsigned long long)ev->time_ns,
				 (unsigned long long)off, (unsigned long long)lo, (unsigned long long)hi);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(records, 2 * CALLS);
	print_message("%s: %llu records, the farthest %llu ns outside its call's CLOCK_MONOTONIC window\n", name,
		      (unsigned long long)records, (unsigned long long)worst);
	ddirr_trace_free(t);
	free(before);
	free(after);
}

static void recorder__times_lie_within_50us_of_clock_monotonic_around_the_call(void **state)
{
	(void)state;
	check_times(NULL, DDIRR_RECORDER_BLOCK, "times_auto");
}

static void recorder__flight_dump_times_lie_within_50us_of_clock_monotonic(void **state)
{
	(void)state;
	check_times(NULL, DDIRR_RECORDER_FLIGHT, "times_flight");
}

static void recorder__monotonic_clock_times_lie_within_50us_of_the_call(void **state)
{
	(void)state;
	check_times("monotonic", DDIRR_RECORDER_BLOCK, "times_monotonic");
}


static void recorder__clock_is_the_tsc_when_trusted_unless_ddirr_clock_says_monotonic(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_recorder *r = NULL;
	const char *name = NULL;
	uint64_t a, tick, b;
	int is_ns = -1;

	(void)state;
	unsetenv("DDIRR_CLOCK");
	assert_int_equal(ddirr_platform_ticks_init(&name, &is_ns), 0);
	print_message("clock: %s\n", name);
	assert_string_equal(name, tsc_expected() ? "tsc" : "monotonic");
	assert_int_equal(is_ns, !tsc_expected());
	setenv("DDIRR_CLOCK", "auto", 1);
	assert_int_equal(ddirr_platform_ticks_init(&name, &is_ns), 0);
	assert_string_equal(name, tsc_expected() ? "tsc" : "monotonic");

	setenv("DDIRR_CLOCK", "monotonic", 1);
	assert_int_equal(ddirr_platform_ticks_init(&name, &is_ns), 0);
	assert_string_equal(name, "monotonic");
	assert_int_equal(is_ns, 1);
	a = mono_ns();
	tick = ddirr_platform_ticks();
	b = mono_ns();
	assert_true(a <= tick && tick <= b); /* ticks are CLOCK_MONOTONIC ns */

	/* A bad value: the recorder does not open, and says why. */
	setenv("DDIRR_CLOCK", "rdtsc", 1);
	o.output = trace_path("bad_clock");
	assert_int_equal(ddirr_recorder_open(&r, &o), DDIRR_EINVAL);
	assert_null(r);
	assert_non_null(strstr(ddirr_error_last(), "DDIRR_CLOCK=rdtsc"));
	unsetenv("DDIRR_CLOCK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recorder__every_ddi_and_callback_passes_through_bit_exact),
		cmocka_unit_test(recorder__disabled_recorder_still_forwards),
		cmocka_unit_test(recorder__start_device_passes_the_whole_interface_but_the_wrapped_callbacks),
		cmocka_unit_test(recorder__8_threads_block_mode_records_every_call_once),
		cmocka_unit_test(recorder__close_while_threads_record_loses_no_record),
		cmocka_unit_test(recorder__8_threads_times_never_go_back_on_the_monotonic_clock),
		cmocka_unit_test(recorder__8_threads_drop_mode_counts_every_drop),
		cmocka_unit_test(recorder__8_threads_flight_mode_counts_every_eviction),
		cmocka_unit_test(recorder__flight_mode_keeps_exactly_the_newest_records_that_fit),
		cmocka_unit_test(recorder__failure_status_triggers_a_flight_dump),
		cmocka_unit_test(recorder__flight_trace_keeps_the_adapter_caps_of_evicted_records),
		cmocka_unit_test(recorder__sigusr2_triggers_a_flight_dump),
		cmocka_unit_test(recorder__hashed_tier_keeps_a_digest_instead_of_private_data),
		cmocka_unit_test(recorder__metadata_tier_keeps_only_the_size_of_private_data),
		cmocka_unit_test(recorder__full_tier_keeps_private_data),
		cmocka_unit_test(recorder__map_of_65536_pages_round_trips),
		cmocka_unit_test(recorder__record_larger_than_the_ring_is_kept_in_block_mode),
		cmocka_unit_test(recorder__record_larger_than_the_ring_is_counted_in_drop_mode),
		cmocka_unit_test(recorder__write_failure_keeps_forwarding_and_says_why),
		cmocka_unit_test(recorder__enospc_mid_capture_keeps_forwarding_and_names_it),
		cmocka_unit_test(recorder__eio_mid_capture_keeps_forwarding_and_names_it),
		cmocka_unit_test(recorder__unwritable_output_keeps_forwarding_and_says_why),
		cmocka_unit_test(recorder__a_descriptor_the_host_takes_over_is_never_written),
		cmocka_unit_test(recorder__block_mode_keeps_no_record_older_than_half_the_interval),
		cmocka_unit_test(recorder__abort_flushes_the_rings_then_dies_of_it),
		cmocka_unit_test(recorder__sigkill_loses_at_most_the_flush_interval),
		cmocka_unit_test(recorder__rings_of_exited_threads_serve_new_threads),
		cmocka_unit_test(recorder__a_forked_child_records_nothing_and_leaves_the_trace_alone),
		cmocka_unit_test(recorder__the_process_s_own_crash_handler_still_runs),
		cmocka_unit_test(recorder__a_fault_in_the_copy_that_the_host_jumps_out_of_is_a_counted_drop),
		cmocka_unit_test(recorder__a_fault_in_the_copy_that_the_host_fixes_keeps_the_record),
		cmocka_unit_test(recorder__close_gives_up_a_record_a_jump_left_unfinished),
		cmocka_unit_test(recorder__a_damaged_ring_costs_records_not_the_process),
		cmocka_unit_test(recorder__a_thread_waits_for_a_heap_slot_and_loses_nothing),
		cmocka_unit_test(recorder__callbacks_deeper_than_the_ddi_stack_have_no_parent),
		cmocka_unit_test(recorder__a_driver_call_from_a_signal_handler_mid_record_is_recorded_whole),
		cmocka_unit_test(recorder__a_signal_handler_s_ddi_never_becomes_the_parent_of_the_ddi_it_interrupted),
		cmocka_unit_test(recorder__a_wait_ends_under_a_signal_more_often_than_the_timer_slack),
		cmocka_unit_test(recorder__a_handler_call_while_its_thread_registers_is_a_counted_drop),
		cmocka_unit_test(recorder__a_jump_out_of_a_faulting_ddi_leaves_the_ddi),
		cmocka_unit_test(recorder__sigusr2_reaches_the_process_s_handler_too),
		cmocka_unit_test(recorder__sigusr2_keeps_its_default_action_without_the_signal_trigger),
		cmocka_unit_test(recorder__environment_sets_every_option),
		cmocka_unit_test(recorder__bad_environment_value_is_named_in_one_line),
		cmocka_unit_test(recorder__output_pattern_expands_pid_and_time),
		cmocka_unit_test(recorder__header_names_the_driver_and_the_settings),
		cmocka_unit_test(recorder__header_keeps_the_flight_settings),
		cmocka_unit_test(recorder__zstd_level_is_used_and_recorded),
		cmocka_unit_test(recorder__times_lie_within_50us_of_clock_monotonic_around_the_call),
		cmocka_unit_test(recorder__flight_dump_times_lie_within_50us_of_clock_monotonic),
		cmocka_unit_test(recorder__monotonic_clock_times_lie_within_50us_of_the_call),
		cmocka_unit_test(recorder__clock_is_the_tsc_when_trusted_unless_ddirr_clock_says_monotonic),
	};

	if (getenv("DDIRR_TEST_FILTER"))
		cmocka_set_test_filter(getenv("DDIRR_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
