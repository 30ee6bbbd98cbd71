/* Tick-to-nanosecond conversion for the drain.
 *
 * The hot path stamps records with ddirr_platform_ticks() (a raw TSC read
 * where that is trustworthy: about 10 ns against 24 for clock_gettime on
 * the bench VM); the drain, off the hot path, turns ticks into the
 * CLOCK_MONOTONIC nanoseconds the trace format has always carried, so no
 * reader changes.
 *
 * Anchors are (ticks, monotonic ns) pairs: one at recorder open plus one
 * after a short calibration wait, then one per drain pass. The rate is taken
 * over the longest baseline (first anchor to latest), where the anchors'
 * own read error (tens of ns) weighs least; the offset comes from the
 * latest anchor, so the converted times follow CLOCK_MONOTONIC as NTP slews
 * it. When ticks already are monotonic ns (the fallback), conversion is the
 * identity.
 *
 * One user at a time: whoever holds the drain lock. Portable C11 plus
 * platform.h (integer arithmetic only: the Windows kernel drain avoids
 * floating point). */
#ifndef DDIRR_RECORDER_CLOCK_H
#define DDIRR_RECORDER_CLOCK_H

#include <stdint.h>

typedef struct ddirr_clock {
	int ticks_are_ns;
	uint64_t first_ticks, first_ns; /* the baseline's start */
	uint64_t last_ticks, last_ns;   /* the latest anchor: the offset */
	uint64_t mult;                  /* ns per tick, 32.32 fixed point */
} ddirr_clock;

/* How long open waits between its two anchors when ticks are not ns: the
 * first rate's error is the anchors' read error over this span. */
enum { DDIRR_CLOCK_CALIBRATE_MS = 5 };

/* Takes the first anchors and the first rate (sleeps
 * DDIRR_CLOCK_CALIBRATE_MS unless ticks_are_ns). At recorder open. */
void ddirr_clock_start(ddirr_clock *c, int ticks_are_ns);

/* Takes a new anchor: a new offset and a rate over a longer baseline. */
void ddirr_clock_anchor(ddirr_clock *c);

/* Monotonic ns of a tick count taken on this machine since the start. */
uint64_t ddirr_clock_ns(const ddirr_clock *c, uint64_t ticks);

/* (a * m) / 2^32 rounded to nearest, without overflow of the intermediate
 * product (the result must fit 64 bits). Exposed for the tests. */
uint64_t ddirr_clock_mul_shr32(uint64_t a, uint64_t m);

/* floor(n * 2^32 / d) for d > 0 (the result must fit 64 bits). Exposed
 * for the tests. */
uint64_t ddirr_clock_rate(uint64_t n, uint64_t d);

#endif
