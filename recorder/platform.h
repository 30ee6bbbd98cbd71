/* What the recorder core needs from the operating system, and nothing more.
 *
 * The core (wrappers, rings, sequence numbers, record copies, the drain
 * loop) is C11 and calls only this interface; platform_posix.c implements
 * it for Linux. The Windows kernel port implements it with
 * KeQueryPerformanceCounter, a PASSIVE_LEVEL system worker thread,
 * KeDelayExecutionThread and a fast mutex (docs/windows-port.md). */
#ifndef DDIRR_RECORDER_PLATFORM_H
#define DDIRR_RECORDER_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic nanoseconds. Hot path: must not take a lock (a vDSO read on
 * Linux, the performance counter on Windows). */
uint64_t ddirr_platform_now_ns(void);

/* The hot path's timestamp: a raw tick count, no lock, no system call.
 * What a tick is depends on ddirr_platform_ticks_init(): on x86-64 with a
 * trustworthy TSC a plain rdtsc (unfenced: the seq orders calls, and the
 * drain keeps each thread's times from going back), otherwise
 * ddirr_platform_now_ns(). The Windows kernel port returns
 * KeQueryPerformanceCounter where the TSC is not used. Ticks never reach
 * the trace: the drain converts them to monotonic ns (clock.h).
 *
 * Inline, as the wrappers take two a call (out of line, 6 instructions a
 * call more: callgrind, bench/RESULTS.md, session 12). __rdtsc is the
 * compilers' own intrinsic (GCC and Clang in x86intrin.h, MSVC in intrin.h). A
 * plain rdtsc, not the kernel's rdtsc_ordered (lfence; rdtsc): the fence
 * cost 15 of the 19 ns a read took (bench/RESULTS.md), and it buys nothing
 * a record needs. The order of calls is the seq's (one atomic fetch-add); a
 * timestamp times a call, and an unfenced read can only move by the few
 * cycles of instructions around it in the pipeline. Per thread, time never
 * goes back: the drain clamps each record to its thread's last time
 * (drain.c, stamp()). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <x86intrin.h>
#define DDIRR_PLATFORM_HAS_TSC 1
#elif defined(_M_X64)
#include <intrin.h>
#define DDIRR_PLATFORM_HAS_TSC 1
#endif

/* Set by ddirr_platform_ticks_init() only, while nothing records: the
 * ticks are the TSC's. */
extern int ddirr_platform_ticks_tsc;

static inline uint64_t ddirr_platform_ticks(void)
{
#if defined(DDIRR_PLATFORM_HAS_TSC)
	if (ddirr_platform_ticks_tsc)
		return __rdtsc();
#endif
	return ddirr_platform_now_ns();
}

/* Chooses what ddirr_platform_ticks() counts, at recorder open (never on
 * the hot path, and before anything records). DDIRR_CLOCK=monotonic forces
 * monotonic ns; auto (the default, or unset) takes the TSC when it is
 * trustworthy: x86-64, the kernel's clocksource is tsc, and /proc/cpuinfo
 * has constant_tsc and nonstop_tsc. Sets *name ("tsc" or "monotonic", a
 * static string) and *ticks_are_ns. Returns 0, or DDIRR_EINVAL for a bad
 * DDIRR_CLOCK value (then nothing changes). */
int ddirr_platform_ticks_init(const char **name, int *ticks_are_ns);

/* One anchor: a tick count and the monotonic ns of the same instant, to
 * within the few tens of ns one read of each takes. Off the hot path. */
void ddirr_platform_ticks_anchor(uint64_t *ticks, uint64_t *ns);

/* The heavy side of an asymmetric barrier. Once ddirr_platform_barrier_init()
 * has returned 1, ddirr_platform_barrier_all() makes every thread of the
 * process go through a full memory barrier before it returns, as if each
 * had executed one where it stood; so a hot path whose only order is the
 * compiler's (atomic_signal_fence) is still ordered against the caller of
 * barrier_all (close). Linux: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED),
 * registered by init; Windows: FlushProcessWriteBuffers in user mode, an
 * IPI to every processor (KeIpiGenericCall) in the kernel. init returns 0
 * where there is no such barrier (membarrier not available or refused):
 * then the hot path must fence itself. Both off the hot path. */
int ddirr_platform_barrier_init(void);
void ddirr_platform_barrier_all(void);

/* Gives up the processor once (a full ring in block mode). */
void ddirr_platform_yield(void);

/* Sleeps for at least ms milliseconds. */
void ddirr_platform_sleep_ms(uint32_t ms);

/* Sleeps until ddirr_platform_now_ns() reaches deadline_ns (returns at
 * once if it has). The drain thread only: it wakes for a flush deadline
 * that is closer than its polling period. */
void ddirr_platform_sleep_until_ns(uint64_t deadline_ns);

/* The drain thread. start returns 0 or DDIRR_ENOMEM/DDIRR_EIO. */
typedef struct ddirr_platform_thread ddirr_platform_thread;
int ddirr_platform_thread_start(ddirr_platform_thread **out, void (*fn)(void *), void *arg);
void ddirr_platform_thread_join(ddirr_platform_thread *t);
/* Frees the handle of a thread that does not run in this process: the
 * child of a fork has only the thread that forked. */
void ddirr_platform_thread_forget(ddirr_platform_thread *t);

/* One lock, taken when a thread registers its ring (once per thread) and by
 * the control paths; never on the steady-state hot path. */
void ddirr_platform_lock(void);
void ddirr_platform_unlock(void);

/* Memory for rings, taken once per thread, 64-byte aligned; its first
 * `zeroed` bytes are zeroed. NULL when out of memory. */
void *ddirr_platform_alloc(size_t size, size_t zeroed);
void ddirr_platform_free(void *p);

/* Calls fn(arg) when the calling thread exits, after its own code: the
 * last call's arg for this thread. fn is the same function every time
 * (one per process). Returns 0, or DDIRR_ENOMEM (then nothing is called).
 * POSIX: a pthread key's destructor. Windows kernel: per-CPU rings are
 * never a thread's (docs/windows-port.md), so nothing. */
int ddirr_platform_on_thread_exit(void (*fn)(void *), void *arg);

/* Calls child() in the child of every fork() from now on, and parent() in
 * the parent, for the life of the process (a second call with the same
 * functions changes nothing). The platform keeps its lock
 * (ddirr_platform_lock) across the fork, so the child finds it free.
 * Both run before fork() returns (parent() also after a fork that failed)
 * and must only set flags and counters. POSIX: pthread_atfork. Windows: a
 * kernel has no fork, so nothing. */
void ddirr_platform_on_fork(void (*parent)(void), void (*child)(void));

/* Crash and trigger signals, handed on to what the process had installed
 * before (docs/recorder.md, "Signals"). on_crash runs on the crashing
 * thread, inside the handler; then the signal goes to the handler that was
 * there before, or, where there was none, is raised again with its default
 * action. When that handler returns (it fixed the cause, and the faulting
 * instruction runs again), on_resume runs. A second crash inside on_crash
 * takes the default action at once (the recorder's state is held there).
 * on_dump runs inside the SIGUSR2 handler and must only set flags; a
 * SIGUSR2 handler installed before then runs too (not the default action,
 * which would end the process). Any may be NULL: with on_crash NULL the
 * crash signals, with on_dump NULL SIGUSR2, keep what they had.
 * Installing twice replaces the callbacks. Removing puts back what was
 * there before, except where the process has installed a handler since. */
void ddirr_platform_install_signals(void (*on_crash)(int sig), void (*on_resume)(void), void (*on_dump)(void));
void ddirr_platform_remove_signals(void);

/* SHA-256 of n bytes (the "hashed" privacy tier; the drain thread only). */
void ddirr_platform_sha256(const void *bytes, size_t n, uint8_t out[32]);

/* Writes one line to the error stream (stderr), without allocating. */
void ddirr_platform_error_line(const char *line);

#endif
