/* SIGKILL during capture at random instants (docs/reliability.md, "Kills").
 *
 * Each round forks a child that records calls as fast as it can with a
 * 10 ms flush interval; the parent kills it after a random delay, then reads
 * the trace. The file must open, read to its end without a corrupt record,
 * have no gap, and say truncated; what it holds must be exactly the first
 * records the child issued (one thread: records in seq order, entry then
 * exit). The oldest record missing from the file must have been issued
 * at most a flush interval (plus scheduling slack, see SLACK_MS, plus the
 * time the child's threads waited for a CPU and the time the VM's CPUs were
 * stopped) before the kill, and in the median case within the interval
 * itself; the issue times come from memory the child shares with the
 * parent. The VM's stops are the larger of the steal the hypervisor
 * reports and what threads pinned one to each CPU see (watch_cpu): on this
 * VM a CPU stops for 5-12 ms several times a minute, idle or not, with
 * neither steal nor a wait for a CPU to show for it (docs/reliability.md,
 * "Kills"). One kill in a run may still go beyond its bound by less than a
 * flush interval (DDIRR_TEST_KILL_OUTLIERS sets how many). Each kill beyond
 * its bound is printed with the child's threads as they were at the kill.
 *
 * DDIRR_TEST_KILLS sets the rounds (200 by default; tests/stress/kill-1000.sh
 * runs 1000), DDIRR_TEST_SEED the random delays (the time by default; the
 * seed is printed), DDIRR_TEST_RING the ring (64 KiB by default; ctest runs
 * test_kill_default_ring with 4 MiB), DDIRR_TEST_PACE_US a pace for the
 * child's calls (none by default: as fast as it can; ctest's
 * test_kill_paced: one call every 200 us). A child that saturates the
 * drain gets its chunks written because they fill; a paced one only
 * because of the flush deadline, which test_kill_paced therefore tests:
 * with the deadline 8 ms late, test_kill and test_kill_default_ring
 * still passed. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "ddirr/trace.h"
#include "fixture.h"
#include "state.h"

enum {
	FLUSH_MS = 10,
	MAX_DELAY_US = 40000,
	/* The bound asserted for every kill: the flush interval, plus the
	   time the kernel kept the child's threads waiting for a CPU between
	   the child's first sync and the kill (their run_delay in
	   /proc/PID/task/TID/schedstat: the drain meets its deadline only if
	   it runs when it wakes, and on a shared 2-CPU VM a runnable thread
	   waited up to 60 ms at a load average of 12; the drain asks for
	   nice -10, which it gets here, as root), plus the VM's steal over
	   the same time (vm_steal: the hypervisor stops the whole vCPU, and
	   no run_delay counts it), plus this slack: the flush
	   write itself (under 1 ms), the wake-up's timer slack and the
	   parent's own measurement (about 1 ms: it reads /proc before it
	   kills), with margin. A wait for a CPU still going on at the kill
	   is not in run_delay, nor excused. The ring's backlog is not in it: in block
	   mode the age rule (recorder/wrappers.c, age_wait) keeps it within
	   half the interval, which the drain's deadline already counts, and
	   the producer looks at it every 64 KiB it records (under 0.1 ms
	   here). The median must be within the interval. */
	SLACK_MS = 5,
	/* The smallest ring (64 KiB, about 1,000 of these records) by
	   default; DDIRR_TEST_RING changes it (ctest's test_kill_default_ring:
	   4 MiB, which a saturating producer fills in about 2 ms). */
	RING_BYTES = 64 << 10
};

/* Shared with the child: when call i (seq i) returned, at
 * issued_at[i & ISSUED_MASK]; both its records were stamped before. Lets
 * the parent tell (at least) how long the oldest
 * record missing from the file had been waiting when the kill came. */
enum { ISSUED_MASK = (1 << 21) - 1 };
static _Atomic uint64_t *issued_at;
static uint64_t *per_kill; /* the per-kill figures: wait, gap, starved, stolen, stopped */
/* And when call i started: its records were stamped after. */
static _Atomic uint64_t *called_at;
/* Also shared: the child's calls that waited for age so far (block mode's
 * age bound, recorder/wrappers.c), copied every AGE_COPY_CALLS calls. */
enum { AGE_COPY_CALLS = 1024 };
static _Atomic uint64_t *age_waits_seen;

static DRIVER_INITIALIZATION_DATA driver_table;
static ddirr_recorder *loading_recorder;
static char path[4096];

static void on_initialize(DRIVER_INITIALIZATION_DATA *did)
{
	assert_int_equal(ddirr_recorder_wrap(loading_recorder, did), 0);
	driver_table = *did;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 10) : dflt;
}

static int group_setup(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	const char *dir = getenv("DDIRR_TEST_TMP");

	(void)state;
	snprintf(path, sizeof(path), "%s/kill.ddirr", dir ? dir : "/tmp");
	o.output = path;
	o.lttng = 0;
	assert_int_equal(ddirr_recorder_open(&loading_recorder, &o), 0);
	assert_int_equal(fixture_host_load(FIXTURE_DRIVER_PATH, on_initialize), 0);
	assert_int_equal(fixture_host_start(), 0);
	assert_int_equal(ddirr_recorder_close(loading_recorder), 0);
	return 0;
}

/* The ASan build sets DDIRR_TEST_SLACK_MS (tests/recorder/CMakeLists.fragment.cmake)
 * there the drain encodes and compresses several times slower, so the
 * ring's backlog and each flush take longer. */
static int slack_ms(void)
{
	return (int)env_u64("DDIRR_TEST_SLACK_MS", SLACK_MS);
}

static size_t ring_bytes(void)
{
	return (size_t)env_u64("DDIRR_TEST_RING", RING_BYTES);
}

/* The child's calls one every this many ns (0: as fast as it can), each
 * slot from the last: a late slot is not made up. */
static uint64_t pace_ns(void)
{
	return env_u64("DDIRR_TEST_PACE_US", 0) * 1000u;
}

/* The child: records DestroyContext(i) for i = 1, 2, ... until killed;
 * writes a byte to `ready` once the first chunk is on disk. */
static void record_until_killed(int ready)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	DRIVER_INITIALIZATION_DATA d = driver_table;
	ddirr_recorder *r = NULL;
	uint64_t i, pace = pace_ns(), next = 0;

	o.output = path;
	o.lttng = 0;
	o.flush_interval_ms = FLUSH_MS;
	o.buffer_bytes = ring_bytes();
	if (ddirr_recorder_open(&r, &o) || ddirr_recorder_wrap(r, &d)) {
		fprintf(stderr, "test_kill child: open or wrap failed: %s\n", ddirr_error_last());
		_exit(3);
	}
	fixture_host_driver_set(NULL, NULL, 1);
	for (i = 1;; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)i, 0};

		atomic_store_explicit(&called_at[i & ISSUED_MASK], now_ns(), memory_order_relaxed);
		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
		atomic_store_explicit(&issued_at[i & ISSUED_MASK], now_ns(), memory_order_relaxed);
		if (i % AGE_COPY_CALLS == 0)
			atomic_store_explicit(age_waits_seen, ddirr_recorder_age_waits(), memory_order_relaxed);
		if (i == 100) {
			if (ddirr_recorder_sync(r) || write(ready, "r", 1) != 1) {
				/* The parent then says "did not start": this says why. */
				fprintf(stderr, "test_kill child: the first sync failed: %s\n", ddirr_error_last());
				_exit(4);
			}
		}
		if (pace) {
			struct timespec ts;

			next = next ? next + pace : now_ns() + pace;
			if (next < now_ns())
				next = now_ns();
			ts.tv_sec = (time_t)(next / 1000000000u);
			ts.tv_nsec = (long)(next % 1000000000u);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
		}
	}
}

typedef struct round_result {
	uint64_t records, bytes;
	uint64_t wait_ns; /* how long the oldest record missing had waited at the kill */
	uint64_t starved_ns; /* the child's threads' wait for a CPU meanwhile */
	uint64_t gap_ns;  /* the kill instant minus the last recovered record's time */
	int in_flight;    /* the oldest record lost was of a call that had not returned */
	uint64_t over_ns; /* how far wait_ns is beyond the kill's bound, 0 when within */
} round_result;

/* Reads the trace a killed child left: returns what it holds. */
static round_result check_trace(uint64_t started_at, uint64_t killed_at, uint64_t starved_ns, uint64_t stolen_ns,
				uint64_t stopped_ns, const char *seen, int round)
{
	round_result res = {0, 0, 0, starved_ns, 0, 0, 0};
	/* The VM's stops: steal and the watchers see the same ones. */
	uint64_t vm_ns = stolen_ns > stopped_ns ? stolen_ns : stopped_ns;
	uint64_t bound_ns = (uint64_t)(FLUSH_MS + slack_ms()) * 1000000u + starved_ns + vm_ns;
	uint64_t first_missing, issued;
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	uint64_t last_ns = 0;
	size_t i;
	int rc;

	if (ddirr_trace_open(&t, path))
		fail_msg("kill %d: %s", round, ddirr_error_last());
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		const ddirr_frame_DestroyContext *f = ev->frame;
		uint64_t k = res.records++;

		if (ev->seq != k / 2 + 1 || ev->phase != (k % 2 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY) ||
		    ev->ddi != DDIRR_DDI_DestroyContext ||
		    (ev->phase == DDIRR_PHASE_ENTRY && (uint64_t)(uintptr_t)f->hContext != ev->seq))
			fail_msg("kill %d: record %llu is not the one issued", round, (unsigned long long)k);
		last_ns = ev->time_ns;
	}
	if (rc != 0)
		fail_msg("kill %d: next: %s", round, ddirr_error_last());
	v = ddirr_trace_get_verdict(t);
	/* The kill may cut the last write short: a frame that runs past the
	   end is a truncation, anything else is damage. */
	if (v->kind != DDIRR_VERDICT_TRUNCATED || v->n_gaps)
		fail_msg("kill %d: %s", round, v->summary);
	for (i = 0; i < v->n_problems; i++)
		if (v->problems[i].code != DDIRR_ETRUNC)
			fail_msg("kill %d: %s", round, v->problems[i].message);
	if (res.records < 200 || v->last_seq != res.records / 2 + res.records % 2)
		fail_msg("kill %d: %llu records, last seq %llu", round, (unsigned long long)res.records,
			 (unsigned long long)v->last_seq);
	res.bytes = ddirr_trace_get_stats(t)->file_size;
	res.gap_ns = killed_at > last_ns ? killed_at - last_ns : 0;
	/* The oldest record the file lacks: the exit of the last call when
	   only its entry is there, else the entry of the next call. It was
	   stamped before its call returned, so the kill instant minus the
	   return time is at most its wait (a microsecond less, unless the
	   producer was preempted inside the call). A call that had not
	   returned at the kill (in block mode it may be waiting for the
	   drain, with its entry stamped before the wait) is counted from
	   when it started, before which its record cannot have been
	   stamped: an upper bound of its wait, which is then asserted. A call
	   that had not started has no record to lose. */
	first_missing = res.records % 2 ? v->last_seq : v->last_seq + 1;
	issued = atomic_load(&issued_at[first_missing & ISSUED_MASK]);
	if (issued < started_at || issued >= killed_at) { /* a previous round's, or after the kill */
		issued = atomic_load(&called_at[first_missing & ISSUED_MASK]);
		res.in_flight = issued >= started_at && killed_at > issued;
	}
	if (issued >= started_at && killed_at > issued)
		res.wait_ns = killed_at - issued;
	if (res.wait_ns > bound_ns) {
		res.over_ns = res.wait_ns - bound_ns;
		print_message("kill %d: seq %llu (%s), missing from the file, stamped at most %.2f ms before the kill, "
			      "%.2f ms beyond the bound (the %d ms flush interval + %d ms + %.2f ms the child waited "
			      "for a CPU + %.2f ms the VM's CPUs were stopped: %.0f ms of steal, %.2f ms seen by the "
			      "watchers; %llu calls had waited for age, %.2f ms after the start; the child's threads at "
			      "the kill: %s)\n",
			      round, (unsigned long long)first_missing,
			      res.in_flight ? "its call had not returned" : "its call had returned", res.wait_ns / 1e6,
			      res.over_ns / 1e6, FLUSH_MS, slack_ms(), starved_ns / 1e6, vm_ns / 1e6, stolen_ns / 1e6,
			      stopped_ns / 1e6,
			      (unsigned long long)atomic_load(age_waits_seen), (killed_at - started_at) / 1e6, seen);
	}
	ddirr_trace_free(t);
	return res;
}

/* The child's threads just before the kill: the time the kernel has kept
 * them (the producer and the drain) runnable but off the CPU, in ns (the
 * second field of their schedstat, which counts a wait once it has ended:
 * a wait still going on at the kill is not in it; 0 where the kernel does
 * not keep it), and, in `seen`, each one's name, state and wait channel
 * (/proc/PID/task/TID/stat and wchan), which a kill beyond its bound
 * prints: a drain in D state was blocked in the kernel, one in R was
 * running or waiting for a CPU, with its page faults so far. */
static uint64_t child_threads(pid_t pid, char *seen, size_t seen_size)
{
	char dir[64], file[384], line[512], wchan[64];
	unsigned long long run, delay;
	unsigned long minflt;
	struct dirent *e;
	uint64_t sum = 0;
	size_t used = 0;
	DIR *d;

	if (seen_size)
		seen[0] = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		const char *comm_end;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/schedstat", dir, e->d_name);
		run = delay = 0;
		if ((f = fopen(file, "r"))) {
			if (fscanf(f, "%llu %llu", &run, &delay) == 2)
				sum += delay;
			fclose(f);
		}
		if (!seen_size)
			continue;
		line[0] = wchan[0] = 0;
		snprintf(file, sizeof(file), "%s/%s/stat", dir, e->d_name);
		if ((f = fopen(file, "r"))) {
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			fclose(f);
		}
		snprintf(file, sizeof(file), "%s/%s/wchan", dir, e->d_name);
		if ((f = fopen(file, "r"))) {
			if (!fgets(wchan, sizeof(wchan), f))
				wchan[0] = 0;
			fclose(f);
		}
		comm_end = strrchr(line, ')');
		minflt = 0;
		if (comm_end && comm_end[1])
			(void)sscanf(comm_end + 2, "%*c %*d %*d %*d %*d %*d %*u %lu", &minflt);
		if (used < seen_size)
			used += (size_t)snprintf(seen + used, seen_size - used,
						 "%s%s: state %c, wchan %s, ran %.2f ms, waited %.2f ms, %lu page faults",
						 used ? "; " : "", e->d_name, comm_end && comm_end[1] ? comm_end[2] : '?',
						 wchan[0] ? wchan : "-", run / 1e6, delay / 1e6, minflt);
	}
	closedir(d);
	return sum;
}

/* The VM's stops as the guest sees them: a thread pinned to each CPU
 * sleeps to an absolute deadline every WATCH_PERIOD_NS and, on waking,
 * counts how late it is beyond its own wait for that CPU (its run_delay,
 * which also holds any time the CPU spent on other threads, interrupts
 * included). What is left is time the CPU did not run at all: the
 * hypervisor had stopped it, whether or not it reports that as steal (on
 * this VM it mostly does not: idle, each CPU stopped 5-12 ms several times a
 * minute with no steal counted). A late wake-up over WATCH_LATE_NS is kept as a stop
 * from the deadline on. A stop that began during the sleep is seen only
 * from the deadline, so each one may be counted up to a period short. */
enum { WATCH_PERIOD_NS = 1000000, WATCH_LATE_NS = 500000, WATCH_STOPS = 64, WATCH_CPUS = 64 };

typedef struct cpu_watch {
	pthread_t thread;
	int cpu, running;
	_Atomic uint64_t woke_at; /* its latest wake-up */
	_Atomic uint64_t n;       /* stops seen so far; the last WATCH_STOPS are kept */
	_Atomic uint64_t from[WATCH_STOPS], to[WATCH_STOPS];
} cpu_watch;

static cpu_watch watches[WATCH_CPUS];
static int n_watches;
static _Atomic int watch_stop;

/* This thread's run_delay (the second field of its schedstat), in ns. */
static uint64_t own_run_delay(int fd)
{
	char buf[128];
	unsigned long long run, delay;
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return sscanf(buf, "%llu %llu", &run, &delay) == 2 ? delay : 0;
}

static void *watch_cpu(void *arg)
{
	cpu_watch *w = arg;
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	uint64_t waited0 = own_run_delay(fd), due = now_ns() + WATCH_PERIOD_NS;

	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	while (!atomic_load(&watch_stop)) {
		struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
		uint64_t t, waited, late;

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		t = now_ns();
		waited = own_run_delay(fd);
		late = t > due ? t - due : 0;
		late = late > waited - waited0 ? late - (waited - waited0) : 0;
		waited0 = waited;
		if (late > WATCH_LATE_NS) {
			uint64_t k = atomic_load_explicit(&w->n, memory_order_relaxed) % WATCH_STOPS;

			atomic_store_explicit(&w->from[k], due, memory_order_relaxed);
			atomic_store_explicit(&w->to[k], due + late, memory_order_relaxed);
			atomic_fetch_add_explicit(&w->n, 1, memory_order_release);
		}
		atomic_store_explicit(&w->woke_at, t, memory_order_release);
		due = t + WATCH_PERIOD_NS;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* One watcher on each CPU this process may run on (none where pinning
 * fails: a watcher that moves would see another CPU's stops). Returns
 * once each has woken once, so that none is still starting when the test
 * forks: under ASan (GCC 12's libsanitizer, which takes none of its locks
 * around a fork) a thread starts by allocating, and a fork meanwhile left
 * the child an allocator lock that nobody would let go. The child's drain
 * thread then hung in its first malloc, and the child's first sync timed
 * out (seen 4 times in 60 one-kill runs, gdb showing the drain in
 * SizeClassAllocator64::GetFromAllocator). Afterwards a watcher only
 * sleeps, reads and parses, which takes no allocator lock. */
static void watchers_start(void)
{
	uint64_t give_up;
	cpu_set_t allowed;
	int cpu, i;

	atomic_store(&watch_stop, 0);
	n_watches = 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	for (cpu = 0; cpu < CPU_SETSIZE && n_watches < WATCH_CPUS; cpu++) {
		cpu_watch *w = &watches[n_watches];
		pthread_attr_t attr;
		cpu_set_t one;

		if (!CPU_ISSET(cpu, &allowed))
			continue;
		memset(w, 0, sizeof(*w));
		w->cpu = cpu;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (pthread_attr_init(&attr))
			continue;
		if (!pthread_attr_setaffinity_np(&attr, sizeof(one), &one) &&
		    !pthread_create(&w->thread, &attr, watch_cpu, w)) {
			w->running = 1;
			n_watches++;
		}
		pthread_attr_destroy(&attr);
	}
	give_up = now_ns() + 10000000000u;
	for (i = 0; i < n_watches; i++)
		while (!atomic_load_explicit(&watches[i].woke_at, memory_order_acquire))
			if (now_ns() > give_up)
				fail_msg("cpu watcher %d did not start within 10 s", i);
			else
				usleep(200);
}

static void watchers_stop(void)
{
	int i;

	atomic_store(&watch_stop, 1);
	for (i = 0; i < n_watches; i++)
		pthread_join(watches[i].thread, NULL);
	n_watches = 0;
}

/* The VM's stops between `from` and `to`, summed over the CPUs (the drain
 * may have run on any of them), in ns. Waits (up to 100 ms) until every
 * watcher has woken after `to`, so that a stop going on at `to` is seen. */
static uint64_t vm_stopped(uint64_t from, uint64_t to)
{
	uint64_t sum = 0, give_up = now_ns() + 100000000u;
	int i;

	for (i = 0; i < n_watches; i++) {
		cpu_watch *w = &watches[i];
		uint64_t n, k;

		while (atomic_load_explicit(&w->woke_at, memory_order_acquire) <= to && now_ns() < give_up)
			usleep(200);
		n = atomic_load_explicit(&w->n, memory_order_acquire);
		for (k = n > WATCH_STOPS ? n - WATCH_STOPS : 0; k < n; k++) {
			uint64_t a = atomic_load_explicit(&w->from[k % WATCH_STOPS], memory_order_relaxed);
			uint64_t b = atomic_load_explicit(&w->to[k % WATCH_STOPS], memory_order_relaxed);

			if (a < from)
				a = from;
			if (b > to)
				b = to;
			if (b > a)
				sum += b - a;
		}
	}
	return sum;
}

/* The time the hypervisor has run something else while this VM's CPUs
 * had work ("steal", the eighth number of each cpuN line of /proc/stat),
 * summed over the CPUs, in ns; and in *tick, the unit /proc/stat counts
 * it in (10 ms). The guest's threads do not run then, and neither their
 * run time nor their run_delay counts it: the drain stops as if frozen
 * (seen: 8-20 ms with the drain's CPU time still and its state R). A
 * host backing fresh pages for the guest seemed to show here too (an
 * 11 ms stall on 165 faults came with 10 ms of steal read). */
static uint64_t vm_steal(uint64_t *tick)
{
	char line[512];
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t sum = 0;
	FILE *f = fopen("/proc/stat", "r");

	*tick = 1000000000u / (uint64_t)(hz > 0 ? hz : 100);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[8];

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(strchr(line, ' '), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) == 8)
			sum += v[7];
	}
	fclose(f);
	return sum * *tick;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void recorder__sigkill_at_random_instants_leaves_a_readable_prefix(void **state)
{
	uint64_t kills = env_u64("DDIRR_TEST_KILLS", 200), seed = env_u64("DDIRR_TEST_SEED", (uint64_t)time(NULL));
	uint64_t *wait, *gap, *starved, *stolen, *stopped, records = 0, age_waits = 0, in_flight = 0;
	uint64_t stolen_rounds = 0, outliers = 0, stopped_rounds = 0;
	uint64_t outliers_allowed = env_u64("DDIRR_TEST_KILL_OUTLIERS", 1);
	uint64_t i;

	(void)state;
	/* One block, freed by kills_teardown also when a check fails. */
	per_kill = calloc(5 * kills, sizeof(*per_kill));
	assert_non_null(per_kill);
	wait = per_kill;
	gap = wait + kills;
	starved = gap + kills;
	stolen = starved + kills;
	stopped = stolen + kills;
	issued_at = mmap(NULL, (2 * ISSUED_MASK + 3) * sizeof(*issued_at), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(issued_at != MAP_FAILED);
	called_at = &issued_at[ISSUED_MASK + 1];
	age_waits_seen = &issued_at[2 * ISSUED_MASK + 2];
	srand((unsigned)seed);
	watchers_start();
	print_message("seed %llu, %llu kills, %d CPUs watched\n", (unsigned long long)seed, (unsigned long long)kills,
		      n_watches);
	for (i = 0; i < kills; i++) {
		int ready[2], status;
		uint64_t killed_at, started_at = now_ns(), ready_at, delay0;
		round_result res;
		char c, seen[768];
		uint64_t steal0, tick;
		pid_t pid;

		unlink(path);
		atomic_store(age_waits_seen, 0);
		assert_int_equal(pipe(ready), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(ready[0]);
			record_until_killed(ready[1]);
		}
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			fail_msg("kill %llu: the child did not start", (unsigned long long)i);
		close(ready[0]);
		ready_at = now_ns();
		delay0 = child_threads(pid, NULL, 0);
		steal0 = vm_steal(&tick);
		usleep((useconds_t)(rand() % MAX_DELAY_US));
		starved[i] = child_threads(pid, seen, sizeof(seen)) - delay0;
		killed_at = now_ns();
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* Read after the kill: a CPU's steal is counted at its next tick
		   after the hypervisor gives it back. Whole ticks, so a reading
		   that moved can be a tick short. */
		stolen[i] = vm_steal(&tick) - steal0;
		if (stolen[i]) {
			stolen[i] += tick;
			stolen_rounds++;
		}
		if ((stopped[i] = vm_stopped(ready_at, killed_at)))
			stopped_rounds++;
		res = check_trace(started_at, killed_at, starved[i], stolen[i], stopped[i], seen, (int)i);
		if (res.over_ns) {
			outliers++;
			if (res.over_ns >= (uint64_t)FLUSH_MS * 1000000u)
				fail_msg("kill %llu: beyond its bound by %.2f ms, a flush interval or more",
					 (unsigned long long)i, res.over_ns / 1e6);
		}
		age_waits += atomic_load(age_waits_seen);
		in_flight += res.in_flight;
		wait[i] = res.wait_ns;
		gap[i] = res.gap_ns;
		records += res.records;
	}
	qsort(wait, kills, sizeof(*wait), cmp_u64);
	qsort(gap, kills, sizeof(*gap), cmp_u64);
	qsort(starved, kills, sizeof(*starved), cmp_u64);
	qsort(stolen, kills, sizeof(*stolen), cmp_u64);
	qsort(stopped, kills, sizeof(*stopped), cmp_u64);
	watchers_stop();
	print_message("%llu kills survived, %llu records recovered (ring %zu bytes, flush interval %d ms)\n"
		      "oldest record lost, its wait at the kill: median %.2f ms, p99 %.2f ms, max %.2f ms (bound %d ms "
		      "+ the child's wait for a CPU + the VM's stops; %llu of these calls had not returned: counted from their start)\n"
		      "kill instant - last record recovered: median %.2f ms, p99 %.2f ms, max %.2f ms\n"
		      "the child's threads' wait for a CPU before the kill: median %.2f ms, p99 %.2f ms, max %.2f ms\n"
		      "kills with hypervisor steal (excused, to the tick + a tick): %llu, at most %.0f ms\n"
		      "kills with CPU stops the watchers saw (excused unless steal covers them): %llu, at most %.2f ms\n"
		      "kills beyond their bound (by less than the interval): %llu (allowed: %llu)\n"
		      "calls that waited for the drain to take a record older than half the interval: %llu (sampled "
		      "every %d calls)\n",
		      (unsigned long long)kills, (unsigned long long)records, ring_bytes(), FLUSH_MS,
		      wait[kills / 2] / 1e6, wait[kills * 99 / 100] / 1e6, wait[kills - 1] / 1e6, FLUSH_MS + slack_ms(),
		      (unsigned long long)in_flight,
		      gap[kills / 2] / 1e6, gap[kills * 99 / 100] / 1e6, gap[kills - 1] / 1e6, starved[kills / 2] / 1e6,
		      starved[kills * 99 / 100] / 1e6, starved[kills - 1] / 1e6, (unsigned long long)stolen_rounds,
		      stolen[kills - 1] / 1e6, (unsigned long long)stopped_rounds, stopped[kills - 1] / 1e6,
		      (unsigned long long)outliers, (unsigned long long)outliers_allowed,
		      (unsigned long long)age_waits,
		      AGE_COPY_CALLS);
	if (outliers > outliers_allowed)
		fail_msg("%llu kills beyond their bound, %llu allowed", (unsigned long long)outliers,
			 (unsigned long long)outliers_allowed);
	if (wait[kills / 2] > (uint64_t)FLUSH_MS * 1000000u)
		fail_msg("the median wait of the oldest record lost is %.2f ms, above the %d ms flush interval",
			 wait[kills / 2] / 1e6, FLUSH_MS);
}

/* Also after a failed check, which leaves the test function midway. */
static int kills_teardown(void **state)
{
	(void)state;
	watchers_stop();
	unlink(path);
	if (issued_at && issued_at != MAP_FAILED)
		munmap((void *)issued_at, (2 * ISSUED_MASK + 3) * sizeof(*issued_at));
	issued_at = NULL;
	free(per_kill);
	per_kill = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(recorder__sigkill_at_random_instants_leaves_a_readable_prefix, kills_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
