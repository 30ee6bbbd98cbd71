/* CPU-time clocks for the benchmarks: this thread, this process, and other
 * processes (the LTTng daemons), all in nanoseconds.
 *
 * Every figure the benchmarks report is a ratio of two such measurements
 * taken side by side in one run, never an absolute time compared with a
 * threshold: the machines this runs on are small and noisy. */
#ifndef DDIRR_BENCH_CLOCK_H
#define DDIRR_BENCH_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* CPU time consumed so far by the calling thread / the whole process. */
uint64_t bench_thread_ns(void);
uint64_t bench_process_ns(void);

/* CLOCK_MONOTONIC, for the wall time of a loop (to show stalls). */
uint64_t bench_wall_ns(void);

/* A set of other processes whose CPU time is summed (all their threads). */
#define BENCH_MAX_PIDS 16
struct bench_pids {
	size_t n;
	pid_t pid[BENCH_MAX_PIDS];
	clockid_t clock[BENCH_MAX_PIDS];
};

/* Parses a space-separated list of pids ("12 13 40"). Returns 0, or -1 with a
 * message on stderr if a pid is malformed, there are too many, or a pid has
 * no CPU clock (the process is gone or not visible). NULL or "" is an empty
 * set. */
int bench_pids_parse(struct bench_pids *p, const char *list);

/* Sum of the CPU time of the set, in ns (clock_getcpuclockid). A process that
 * has exited counts as 0 from then on. */
uint64_t bench_pids_ns(const struct bench_pids *p);

/* Sum of utime+stime from /proc/PID/stat, in ns (tick resolution): the
 * coarse cross-check of bench_pids_ns(). */
uint64_t bench_pids_stat_ns(const struct bench_pids *p);

/* Median of n doubles; sorts v in place. n must be > 0. */
double bench_median(double *v, size_t n);

#endif /* DDIRR_BENCH_CLOCK_H */
