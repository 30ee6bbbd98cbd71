/* Tables built lazily, once, on whichever thread first needs them: the
 * frame-copy plans (frame_copy.c) and the encoding plans (event_codec.c).
 * Portable C11: the recorder's Windows port keeps it as it is. */
#ifndef DDIRR_ONCE_H
#define DDIRR_ONCE_H

#include <stdatomic.h>

enum ddirr_once_state {
	DDIRR_ONCE_NONE = 0, /* not built; the zero of a static atomic_int */
	DDIRR_ONCE_BUILDING,
	DDIRR_ONCE_BUILT,
	DDIRR_ONCE_FAILED /* build() returned 0; never tried again */
};

/* Runs build() the first time any thread asks, and returns 1 when what it
 * builds may be read: published by the release store of *state, seen by
 * the acquire load here. Returns 0 when the build failed, or, for a caller
 * that will not wait (wait == 0), while another thread is building: that
 * caller does without the tables for now (event_codec.c encodes without
 * plans). With wait != 0 it spins until the build ends: for builds of a
 * few microseconds, made once per process. */
static inline int ddirr_once(atomic_int *state, int (*build)(void), int wait)
{
	int s = atomic_load_explicit(state, memory_order_acquire), expected = DDIRR_ONCE_NONE;

	if (s == DDIRR_ONCE_BUILT || s == DDIRR_ONCE_FAILED)
		return s == DDIRR_ONCE_BUILT;
	if (!atomic_compare_exchange_strong_explicit(state, &expected, DDIRR_ONCE_BUILDING, memory_order_acquire,
						     memory_order_acquire)) {
		while (wait && expected == DDIRR_ONCE_BUILDING)
			expected = atomic_load_explicit(state, memory_order_acquire);
		return expected == DDIRR_ONCE_BUILT;
	}
	s = build() ? DDIRR_ONCE_BUILT : DDIRR_ONCE_FAILED;
	atomic_store_explicit(state, s, memory_order_release);
	return s == DDIRR_ONCE_BUILT;
}

#endif
