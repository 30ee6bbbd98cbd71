/* The recorder's hot path in steady state takes no lock, makes no system
 * call and allocates nothing (wrappers.c, top). Observed here, in each
 * mode, with LTTng off: a thread of a forked child whose rings already
 * exist makes thousands of recorded calls of several kinds (entries and
 * exits, callbacks the driver makes from inside a DDI, a page array),
 * wrapping its ring many times, and meanwhile
 *   - a seccomp filter on that thread alone traps every system call; a
 *     SIGSYS handler counts them and names the first (mmap and brk, and so
 *     an allocation that reaches the kernel, are system calls too);
 *   - malloc and the other allocation functions, defined in this program,
 *     count that thread's calls (not under ASan, which defines them);
 *   - pthread_mutex_lock and the other lock functions, defined in this
 *     program, count its calls: an uncontended lock makes no system call,
 *     so the filter alone would miss one. The recorder is a static library
 *     linked into this program, so its calls bind to these definitions; a
 *     control window before the measured one checks that the counters see
 *     the recorder's own lock, allocation and system call.
 * A lock written by hand on atomics is seen by none of this. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "fixture.h"
#include "platform.h"
#include "state.h"
#include "test_files.h"

#if defined(__SANITIZE_ADDRESS__)
#define HOTPATH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOTPATH_ASAN 1
#endif
#endif

#if defined(__x86_64__)
#define HOTPATH_AUDIT_ARCH AUDIT_ARCH_X86_64
#define HOTPATH_SET_RESULT(uc, v) ((uc)->uc_mcontext.gregs[REG_RAX] = (v))
#elif defined(__aarch64__)
#define HOTPATH_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define HOTPATH_SET_RESULT(uc, v) ((uc)->uc_mcontext.regs[0] = (v))
#endif

/* ------------------------------------------------------------------ */
/* What the measuring thread does in its window                        */

/* Calls of one kind: how many, and the first one's name. */
typedef struct tally {
	_Atomic unsigned n; /* the child's main thread reads it after a timeout */
	const char *first;
} tally;

/* Set by the measuring thread around its windows: the counters below
 * count that thread only, and only then. Everything else runs as usual. */
static _Thread_local int measuring;
static tally allocations, locks, syscalls;
static _Atomic long first_syscall = -1;

static void note(tally *t, const char *fn)
{
	if (measuring && !atomic_fetch_add_explicit(&t->n, 1, memory_order_relaxed))
		t->first = fn;
}

#ifndef HOTPATH_ASAN
/* The allocation functions, counted, then glibc's. ASan defines these
 * itself (its allocator is how it finds bad accesses), so the sanitizer
 * build leaves them out and counts no allocation; the filter still sees
 * one that reaches the kernel. */
#define HOTPATH_COUNTS_ALLOCATIONS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

#define COUNT_ALLOCATION(ret, name, params, forward) \
	ret name params                              \
	{                                            \
		note(&allocations, #name);           \
		return forward;                      \
	}
COUNT_ALLOCATION(void *, malloc, (size_t n), __libc_malloc(n))
COUNT_ALLOCATION(void *, calloc, (size_t n, size_t size), __libc_calloc(n, size))
COUNT_ALLOCATION(void *, realloc, (void *p, size_t n), __libc_realloc(p, n))
COUNT_ALLOCATION(void *, reallocarray, (void *p, size_t n, size_t size),
		 size && n > SIZE_MAX / size ? (errno = ENOMEM, NULL) : __libc_realloc(p, n * size))
COUNT_ALLOCATION(void *, memalign, (size_t align, size_t n), __libc_memalign(align, n))
COUNT_ALLOCATION(void *, aligned_alloc, (size_t align, size_t n), __libc_memalign(align, n))
COUNT_ALLOCATION(void *, valloc, (size_t n), __libc_valloc(n))
COUNT_ALLOCATION(void *, pvalloc, (size_t n), __libc_pvalloc(n))
#undef COUNT_ALLOCATION

void free(void *p)
{
	note(&allocations, "free");
	__libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	note(&allocations, "posix_memalign");
	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	if (!(p = __libc_memalign(align, n)))
		return ENOMEM;
	*out = p;
	return 0;
}
#endif

/* The lock functions, counted, then the next definition (libc's, or
 * ASan's, which hands on to libc's). Looked up at the first call: some
 * libraries lock in their constructors, before this program's run. */
#define COUNT_LOCK(name, params, args)                                                   \
	int name params                                                                  \
	{                                                                                \
		static int(*_Atomic next) params;                                        \
		int(*fn) params = atomic_load_explicit(&next, memory_order_relaxed);    \
                                                                                         \
		note(&locks, #name);                                                     \
		if (!fn) {                                                               \
			*(void **)&fn = dlsym(RTLD_NEXT, #name);                         \
			atomic_store_explicit(&next, fn, memory_order_relaxed);          \
		}                                                                        \
		return fn args;                                                          \
	}
/* A kind of lock's blocking, trying and timed calls. */
#define COUNT_LOCKS_OF(type, lock, trylock, timedlock)                                              \
	COUNT_LOCK(lock, (type *l), (l))                                                           \
	COUNT_LOCK(trylock, (type *l), (l))                                                        \
	COUNT_LOCK(timedlock, (type *l, const struct timespec *at), (l, at))
COUNT_LOCKS_OF(pthread_mutex_t, pthread_mutex_lock, pthread_mutex_trylock, pthread_mutex_timedlock)
COUNT_LOCKS_OF(pthread_rwlock_t, pthread_rwlock_rdlock, pthread_rwlock_tryrdlock, pthread_rwlock_timedrdlock)
COUNT_LOCKS_OF(pthread_rwlock_t, pthread_rwlock_wrlock, pthread_rwlock_trywrlock, pthread_rwlock_timedwrlock)
COUNT_LOCKS_OF(sem_t, sem_wait, sem_trywait, sem_timedwait)
COUNT_LOCKS_OF(mtx_t, mtx_lock, mtx_trylock, mtx_timedlock)
COUNT_LOCK(pthread_spin_lock, (pthread_spinlock_t *l), (l))
COUNT_LOCK(pthread_spin_trylock, (pthread_spinlock_t *l), (l))
#undef COUNT_LOCKS_OF
#undef COUNT_LOCK

/* The system calls a hot path could plausibly make, by name; any other by
 * number. */
static const struct syscall_name {
	long nr;
	const char *name;
} syscall_names[] = {
#define SYSCALL_NAME(name) {SYS_##name, #name},
	SYSCALL_NAME(getpid) SYSCALL_NAME(gettid) SYSCALL_NAME(clock_gettime) SYSCALL_NAME(gettimeofday)
	SYSCALL_NAME(futex) SYSCALL_NAME(mmap) SYSCALL_NAME(munmap) SYSCALL_NAME(mremap) SYSCALL_NAME(brk)
	SYSCALL_NAME(madvise) SYSCALL_NAME(mprotect) SYSCALL_NAME(sched_yield) SYSCALL_NAME(nanosleep)
	SYSCALL_NAME(clock_nanosleep) SYSCALL_NAME(write) SYSCALL_NAME(read) SYSCALL_NAME(rt_sigprocmask)
	SYSCALL_NAME(membarrier) SYSCALL_NAME(getcpu) SYSCALL_NAME(ioctl) SYSCALL_NAME(openat) SYSCALL_NAME(close)
	SYSCALL_NAME(tgkill) SYSCALL_NAME(exit_group)
#undef SYSCALL_NAME
};

static const char *syscall_name(long nr)
{
	static char number[32];
	size_t i;

	for (i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]); i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	snprintf(number, sizeof(number), "system call %ld", nr);
	return number;
}

#ifdef HOTPATH_AUDIT_ARCH
/* A system call the filter trapped: counted (in a window), and failed with
 * ENOSYS, as the kernel left the call's number where its result goes. No
 * system call here: one would kill the process (SIGSYS is blocked while
 * this runs). */
static void on_sigsys(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	if (measuring && !syscalls.n)
		first_syscall = info->si_syscall;
	note(&syscalls, "");
	HOTPATH_SET_RESULT(uc, -ENOSYS);
}

/* From now on, every system call of the calling thread (of it alone: no
 * TSYNC) traps but two: rt_sigreturn, with which on_sigsys returns, and
 * exit, with which the thread ends (its window over). Returns 0 or -errno. */
static int trap_every_system_call(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, HOTPATH_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(code) / sizeof(code[0])), code};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}
#endif

/* ------------------------------------------------------------------ */
/* The calls                                                           */

enum {
	PAGES = 16,
	/* Per round: CreateContext (and the two callbacks the driver makes
	   from inside it), MapCpuHostAperture, CreateProcess (and its
	   callback), DestroyContext; an entry and an exit each. */
	RECORDS_PER_ROUND = 2 * 7,
	ROUNDS = 1000,
	RING = 256u << 10,
	/* Drop and flight mode: ring-full drops the overfill makes. */
	OVERFILL_DROPS = 64,
	OVERFILL_MAX_CALLS = 1000000,
};

/* MapCpuHostAperture's page arrays: copied into each record, whatever
 * they hold. */
static UINT32 aperture_pages[PAGES];
static UINT64 segment_pages[PAGES];

/* One round: RECORDS_PER_ROUND records. */
static void one_round(uint64_t i)
{
	uint8_t priv[16] = {(uint8_t)i};
	DXGKARG_CREATECONTEXT cc = {.hContext = (HANDLE)(uintptr_t)(i + 1), .pPrivateDriverData = priv,
				    .PrivateDriverDataSize = sizeof(priv)};
	DXGKARG_MAPCPUHOSTAPERTURE map = {.hAllocation = (HANDLE)(uintptr_t)0x1234, .SegmentId = 2,
					  .NumberOfPages = PAGES, .pCpuHostAperturePages = aperture_pages,
					  .pMemorySegmentPages = segment_pages};
	DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = (HANDLE)(uintptr_t)(i + 1)};
	ddirr_frame_CreateContext create = {(HANDLE)(uintptr_t)0x77, &cc, 0};
	ddirr_frame_MapCpuHostAperture mapf = {(HANDLE)(uintptr_t)0x10, &map, 0};
	ddirr_frame_CreateProcess process = {(HANDLE)(uintptr_t)0x10, &cp, 0};
	ddirr_frame_DestroyContext destroy = {(HANDLE)(uintptr_t)(i + 1), 0};

	fixture_host_call(DDIRR_DDI_CreateContext, &create);
	fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &mapf);
	fixture_host_call(DDIRR_DDI_CreateProcess, &process);
	fixture_host_call(DDIRR_DDI_DestroyContext, &destroy);
}

/* Spins, with no system call, until the drain (which polls) has taken
 * every record of ring t. */
static void wait_for_the_drain(ddirr_thread_ring *t)
{
	uint64_t head = atomic_load_explicit(&t->ring.head, memory_order_relaxed);

	while (atomic_load_explicit(&t->ring.tail, memory_order_acquire) != head)
		;
}

/* Keeps the window in steady state while its records wrap the ring many
 * times: once the ring holds half the bytes block mode lets a thread
 * record between two looks at its oldest record (age_check_bytes, also
 * the least backlog block mode allows), waits for the drain. No call then
 * waits for room or for age, in any mode (a round is a few KiB). */
static void pace(ddirr_thread_ring *t)
{
	uint64_t head = atomic_load_explicit(&t->ring.head, memory_order_relaxed);

	if (head - atomic_load_explicit(&t->ring.tail, memory_order_acquire) >= g_rec.age_check_bytes / 2)
		wait_for_the_drain(t);
}

/* Drop and flight mode never stall: with the drain held off (by its lock,
 * which it polls for), DestroyContext calls until OVERFILL_DROPS records
 * have found the ring full. Returns the calls made. */
static uint64_t overfill(ddirr_thread_ring *t)
{
	atomic_flag *drain = &g_rec.rec->drain_lock;
	uint64_t drops = atomic_load(&t->drops[DROP_RING_FULL]), calls = 0;

	while (atomic_flag_test_and_set(drain))
		; /* the drain is in a pass */
	while (atomic_load(&t->drops[DROP_RING_FULL]) - drops < OVERFILL_DROPS && calls < OVERFILL_MAX_CALLS) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)(calls + 1), 0};

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
		calls++;
	}
	atomic_flag_clear(drain);
	wait_for_the_drain(t);
	return calls;
}

/* ------------------------------------------------------------------ */
/* The measuring thread, in a forked child                             */

typedef struct hotpath_case {
	const char *name;  /* of the trace, and in messages */
	int mode;          /* enum ddirr_recorder_mode */
	const char *clock; /* DDIRR_CLOCK; NULL: auto */
	int overfill;      /* also fill the ring with the drain held off */
} hotpath_case;

/* What a window saw. */
typedef struct window {
	unsigned syscalls, allocations, locks;
	long first_syscall;
	char first_allocation[32], first_lock[32];
} window;

/* What the child reports, in memory it shares with the parent. */
typedef struct hotpath_result {
	char trace[4096]; /* where the child's recorder writes */
	char why[512];    /* the child could not measure: why */
	_Atomic uint64_t round; /* progress of the measured window */
	_Atomic int finished;   /* the measuring thread is done (it then ends) */
	int counts_syscalls, counts_allocations;
	window control, measured;
	uint64_t records, expected, bytes, ring_size, ring_full_drops, other_drops, overfill_calls, age_waits;
	ddirr_recorder_stats st; /* after the window (and a sync, but in flight mode) */
} hotpath_result;

static hotpath_result *result;

/* What t counted (the first one's name into first), counted again from 0. */
static unsigned take(tally *t, char *first, size_t size)
{
	unsigned n = atomic_exchange(&t->n, 0);

	snprintf(first, size, "%s", n ? t->first : "");
	return n;
}

static void take_window(window *w)
{
	w->first_syscall = atomic_exchange(&first_syscall, -1);
	w->syscalls = take(&syscalls, NULL, 0);
	w->allocations = take(&allocations, w->first_allocation, sizeof(w->first_allocation));
	w->locks = take(&locks, w->first_lock, sizeof(w->first_lock));
}

/* The calling thread's ring: the one main ring registered since open (the
 * child has no other recording thread). */
static ddirr_thread_ring *own_ring(void)
{
	ddirr_thread_ring *t, *found = NULL;

	for (t = atomic_load(&g_rec.rings); t; t = t->next)
		if (!t->is_nested) {
			if (found)
				return NULL;
			found = t;
		}
	return found;
}

static void *measure(void *arg)
{
	const hotpath_case *c = arg;
	hotpath_result *res = result;
	uint64_t issued, head, drops[DROP_N_CAUSES], i;
	ddirr_thread_ring *t;
	int rc = 0, k;

	/* The thread's first records register its rings: the one allocation
	   and the one lock of its life (wrappers.c, register_thread). A
	   round of every kind of call, so that nothing is done for the first
	   time in the window (lazy binding included). */
	one_round(0);
	if (!(t = own_ring())) {
		snprintf(res->why, sizeof(res->why), "no ring, or more than one, after the first round");
		goto out;
	}
#ifdef HOTPATH_AUDIT_ARCH
	if (res->counts_syscalls && (rc = trap_every_system_call())) {
		snprintf(res->why, sizeof(res->why), "seccomp filter: %s", strerror(-rc));
		goto out;
	}
#endif
	/* The control: the recorder's own system call (a sched_yield), lock
	   and allocation must show, or the counts below mean nothing. The
	   allocation last: it may make a system call too (mmap, failed by
	   the filter: malloc copes). Not under ASan, whose allocator dies
	   of a failed mmap. */
	measuring = 1;
	ddirr_platform_yield();
	ddirr_platform_lock();
	ddirr_platform_unlock();
#ifdef HOTPATH_COUNTS_ALLOCATIONS
	ddirr_platform_free(ddirr_platform_alloc(64, 64));
#endif
	measuring = 0;
	take_window(&res->control);

	issued = atomic_load(&t->issued);
	head = atomic_load(&t->ring.head);
	for (k = 0; k < DROP_N_CAUSES; k++)
		drops[k] = atomic_load(&t->drops[k]);
	wait_for_the_drain(t);
	measuring = 1;
	for (i = 1; i <= ROUNDS; i++) {
		one_round(i);
		pace(t);
		atomic_store_explicit(&res->round, i, memory_order_relaxed);
	}
	if (c->overfill)
		res->overfill_calls = overfill(t);
	measuring = 0;
	take_window(&res->measured);

	res->records = atomic_load(&t->issued) - issued;
	res->expected = (uint64_t)ROUNDS * RECORDS_PER_ROUND + 2 * res->overfill_calls;
	res->bytes = atomic_load(&t->ring.head) - head;
	res->ring_size = t->ring.size;
	res->age_waits = atomic_load(&t->age_waits);
	for (k = 0; k < DROP_N_CAUSES; k++) {
		uint64_t n = atomic_load(&t->drops[k]) - drops[k];

		if (k == DROP_RING_FULL)
			res->ring_full_drops = n;
		else
			res->other_drops += n;
	}
out:
	atomic_store_explicit(&res->finished, 1, memory_order_release);
	/* Its exit path (key destructors, the stack's madvise, a lock that
	   may be contended) would make system calls, which the filter traps;
	   the filter lets this one through. */
	if (res->counts_syscalls && !rc)
		syscall(SYS_exit, 0);
	return NULL;
}

static ddirr_recorder *child_recorder;
static int driver_wrapped;

/* Inside DxgkInitialize, before the host copies the driver's table. */
static void wrap_driver(DRIVER_INITIALIZATION_DATA *did)
{
	driver_wrapped = ddirr_recorder_wrap(child_recorder, did) == 0;
}

/* The child: a recorder in c's mode over the fixture driver, the
 * measuring thread, its report. */
static void measure_in_child(const hotpath_case *c)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	struct timespec pause = {0, 1000000L};
	ddirr_recorder *r = NULL;
	pthread_t tid;
	int waited = 0;

#ifdef HOTPATH_AUDIT_ARCH
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = on_sigsys;
	if (sigaction(SIGSYS, &sa, NULL))
		_exit(8);
#endif
	if (c->clock)
		setenv("DDIRR_CLOCK", c->clock, 1);
	else
		unsetenv("DDIRR_CLOCK");
	o.output = result->trace;
	o.mode = c->mode;
	o.buffer_bytes = RING;
	o.privacy = DDIRR_PRIVACY_FULL; /* the private data's bytes are copied too */
	o.lttng = 0;
	/* Block mode's age bound is half of this: a thread descheduled for
	   longer than the bound mid-window (a loaded machine) would wait for
	   the drain, with system calls. */
	o.flush_interval_ms = 2000;
	if (ddirr_recorder_open(&r, &o)) {
		snprintf(result->why, sizeof(result->why), "open: %s", ddirr_error_last());
		_exit(1);
	}
	child_recorder = r;
	if (fixture_host_load(FIXTURE_DRIVER_PATH, wrap_driver) || !driver_wrapped) {
		snprintf(result->why, sizeof(result->why), "loading the fixture driver: %s", ddirr_error_last());
		_exit(1);
	}
	/* Recording off while this thread starts the device (its interface
	   is wrapped all the same): the measuring thread is then the only
	   one with rings. */
	ddirr_recorder_set_enabled(r, 0);
	if (fixture_host_start()) {
		snprintf(result->why, sizeof(result->why), "the fixture driver did not start");
		_exit(1);
	}
	ddirr_recorder_set_enabled(r, 1);
	fixture_host_driver_set(NULL, NULL, 0); /* a KMD's callbacks from CreateContext and CreateProcess */
	if (pthread_create(&tid, NULL, measure, (void *)c))
		_exit(9);
	while (!atomic_load_explicit(&result->finished, memory_order_acquire)) {
		if (++waited > 30000) {
			/* Under ASan, an allocation that needs memory from the
			   kernel ends here: ASan's allocator dies of the failed
			   mmap, and its death makes system calls too. */
			snprintf(result->why, sizeof(result->why),
				 "the measuring thread is still at round %llu of %d after 30 s, with %u system calls "
				 "trapped, the first %s",
				 (unsigned long long)atomic_load(&result->round), ROUNDS, atomic_load(&syscalls.n),
				 syscall_name(atomic_load(&first_syscall)));
			_exit(1);
		}
		nanosleep(&pause, NULL);
	}
	/* Not joined: with the filter it ended by a bare exit. */
	if (c->mode != DDIRR_RECORDER_FLIGHT)
		ddirr_recorder_sync(r);
	ddirr_recorder_get_stats(r, &result->st);
	ddirr_recorder_close(r);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* The checks, in the parent                                           */

/* Why the hot path's clock_gettime may be a system call here. */
static const char *clock_note(long nr)
{
	static char text[512];
	char source[64] = "?";
	FILE *f;

	if (nr != SYS_clock_gettime && nr != SYS_gettimeofday)
		return "";
	if ((f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r"))) {
		if (fgets(source, sizeof(source), f))
			source[strcspn(source, "\n")] = 0;
		fclose(f);
	}
	snprintf(text, sizeof(text),
		 "; the kernel's clocksource is %s: where the vDSO cannot read the clocksource, each record's "
		 "timestamp on the monotonic clock is a system call",
		 source);
	return text;
}

/* Fails, naming the first of them, when the measured window made a system
 * call, an allocation or a lock. */
static void check_window(const char *name, const hotpath_result *res)
{
	const window *w = &res->measured;

	/* A wait for the drain (block mode's age bound) is made of system
	   calls, but is no steady state: said, not hidden. */
	if (w->syscalls)
		fail_msg("%s: the hot path made %u system calls, the first %s%s%s", name, w->syscalls,
			 syscall_name(w->first_syscall), clock_note(w->first_syscall),
			 res->age_waits ? "; block mode waited for the drain to take old records" : "");
	if (w->allocations)
		fail_msg("%s: the hot path made %u allocation calls, the first %s", name, w->allocations,
			 w->first_allocation);
	if (w->locks)
		fail_msg("%s: the hot path took %u locks, the first with %s", name, w->locks, w->first_lock);
	assert_int_equal(res->age_waits, 0);
}

static void check_hot_path(const hotpath_case *c)
{
	hotpath_result *res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	assert_true(res != MAP_FAILED);
	memset(res, 0, sizeof(*res));
	test_temp_path(res->trace, sizeof(res->trace), c->name);
#ifdef HOTPATH_AUDIT_ARCH
	res->counts_syscalls = 1;
#else
	print_message("%s: system calls not counted: no seccomp return register known for this architecture\n",
		      c->name);
#endif
#ifdef HOTPATH_COUNTS_ALLOCATIONS
	res->counts_allocations = 1;
#else
	print_message("%s: allocations not counted: ASan defines malloc and free itself (one that reaches the "
		      "kernel is still trapped)\n",
		      c->name);
#endif
	result = res;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60); /* a wait for ever fails the test */
		measure_in_child(c);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (res->why[0])
		fail_msg("%s: %s", c->name, res->why);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("%s: the child ended with status 0x%x at round %llu of %d", c->name, status,
			 (unsigned long long)res->round, ROUNDS);

	/* The instruments see the recorder's own calls. */
	if (res->counts_syscalls && res->control.first_syscall != SYS_sched_yield)
		fail_msg("%s: the filter did not trap the recorder's sched_yield (%u trapped)", c->name,
			 res->control.syscalls);
	if (res->counts_allocations && res->control.allocations < 2)
		fail_msg("%s: %u allocation calls counted around the recorder's posix_memalign and free", c->name,
			 res->control.allocations);
	if (res->control.locks != 1 || strcmp(res->control.first_lock, "pthread_mutex_lock"))
		fail_msg("%s: %u locks counted around the recorder's own lock, the first with %s", c->name,
			 res->control.locks, res->control.first_lock);

	print_message("%s: %llu records, %llu bytes in a %llu-byte ring (%llu times round), %llu ring-full drops; "
		      "%u system calls, %u allocation calls, %u locks (the control's: %u, %u, %u)\n",
		      c->name, (unsigned long long)res->records, (unsigned long long)res->bytes,
		      (unsigned long long)res->ring_size, (unsigned long long)(res->bytes / res->ring_size),
		      (unsigned long long)res->ring_full_drops, res->measured.syscalls, res->measured.allocations,
		      res->measured.locks, res->control.syscalls, res->control.allocations, res->control.locks);
	check_window(c->name, res);

	/* And it recorded: every call, every kind. */
	assert_int_equal(res->records, res->expected);
	assert_true(res->bytes > 2 * res->ring_size);
	assert_int_equal(res->other_drops, 0);
	if (c->overfill)
		assert_true(res->ring_full_drops >= OVERFILL_DROPS);
	else
		assert_int_equal(res->ring_full_drops, 0);
	assert_int_equal(res->st.issued, res->expected + RECORDS_PER_ROUND);
	assert_int_equal(res->st.dropped, res->ring_full_drops);
	if (c->mode != DDIRR_RECORDER_FLIGHT)
		assert_int_equal(res->st.recorded + res->st.dropped, res->st.issued);
	unlink(res->trace);
	assert_int_equal(munmap(res, sizeof(*res)), 0);
	result = NULL;
}

static void hotpath__block_mode_takes_no_lock_makes_no_system_call_and_allocates_nothing(void **state)
{
	static const hotpath_case c = {"block", DDIRR_RECORDER_BLOCK, NULL, 0};

	(void)state;
	check_hot_path(&c);
}

/* Ticks from clock_gettime (the vDSO's) instead of the TSC: what the
 * recorder uses where the TSC is not trusted. */
static void hotpath__block_mode_on_the_monotonic_clock_makes_no_system_call(void **state)
{
	static const hotpath_case c = {"block_monotonic", DDIRR_RECORDER_BLOCK, "monotonic", 0};

	(void)state;
	check_hot_path(&c);
}

static void hotpath__drop_mode_records_and_drops_with_no_lock_system_call_or_allocation(void **state)
{
	static const hotpath_case c = {"drop", DDIRR_RECORDER_DROP, NULL, 1};

	(void)state;
	check_hot_path(&c);
}

static void hotpath__flight_mode_records_and_drops_with_no_lock_system_call_or_allocation(void **state)
{
	static const hotpath_case c = {"flight", DDIRR_RECORDER_FLIGHT, NULL, 1};

	(void)state;
	check_hot_path(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hotpath__block_mode_takes_no_lock_makes_no_system_call_and_allocates_nothing),
		cmocka_unit_test(hotpath__block_mode_on_the_monotonic_clock_makes_no_system_call),
		cmocka_unit_test(hotpath__drop_mode_records_and_drops_with_no_lock_system_call_or_allocation),
		cmocka_unit_test(hotpath__flight_mode_records_and_drops_with_no_lock_system_call_or_allocation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
