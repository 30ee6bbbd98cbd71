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

/* One lock, taken when a thread registers its ring (once per thread) and by
 * the control paths; never on the steady-state hot path. */
void ddirr_platform_lock(void);
void ddirr_platform_unlock(void);

/* Memory for rings, taken once per thread, 64-byte aligned; its first
 * `zeroed` bytes are zeroed. NULL when out of memory. */
void *ddirr_platform_alloc(size_t size, size_t zeroed);
void ddirr_platform_free(void *p);

/* Crash and trigger signals. on_crash runs on the crashing thread, inside
 * the signal handler; after it returns the signal is re-raised with its
 * default action. on_dump runs inside the SIGUSR2 handler and must only set
 * flags. Either may be NULL. Installing twice replaces the callbacks. */
void ddirr_platform_install_signals(void (*on_crash)(int sig), void (*on_dump)(void));
void ddirr_platform_remove_signals(void);

/* SHA-256 of n bytes (the "hashed" privacy tier; the drain thread only). */
void ddirr_platform_sha256(const void *bytes, size_t n, uint8_t out[32]);

/* Writes one line to the error stream (stderr), without allocating. */
void ddirr_platform_error_line(const char *line);

#endif
