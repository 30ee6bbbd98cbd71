/* ddirr-bench-copy-floor: what copying a call's argument bytes into a ring
 * costs the caller, with nothing else of a recorder around it.
 *
 *   ddirr-bench-copy-floor [--bytes N] [--rounds R] [--calls K] [--pause MS] [--pretouch 1]
 *
 * Two variants, alternating round after round:
 *   alone    memcpy of N bytes into a 4 MiB ring nobody reads;
 *   drained  the same, with a second thread reading every line of what was
 *            published after each burst (as a drain thread does), on the
 *            other CPU when there is one.
 * Calls go in bursts of at most 512 KiB, and between bursts the producer
 * waits until the reader has caught up, as in ddirr-bench-recorder. The
 * figure is the caller's CPU time (CLOCK_THREAD_CPUTIME_ID) per copy,
 * measured over whole bursts, median over rounds.
 *
 * --pause MS sleeps that long before each burst, as ddirr-bench-recorder
 * does between bursts; --pretouch 1 then writes the ring lines the burst
 * will fill, before its timing starts. Together they show what the
 * recorder bench's 4 KiB caller figure is made of: the same copy costs
 * several times more after a sleep, because the ring's lines it writes
 * are no longer in this core's caches (bench/RESULTS.md). The difference between
 * the two is the price of handing cache lines to another core, which every
 * recorder that keeps the bytes and drains them elsewhere pays, LTTng-UST
 * included (bench/RESULTS.md, 4 KiB caller figure). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { RING = 4u << 20, SOURCES = 64, LINE = 64 };

struct ring {
	char *data;
	_Alignas(64) _Atomic uint64_t head;   /* bytes published */
	_Alignas(64) _Atomic uint64_t bursts; /* bursts done; UINT64_MAX: stop */
	_Alignas(64) _Atomic uint64_t tail;   /* bytes read */
	_Atomic unsigned long sink;
};

/* Like a drain thread, the reader takes what was published once a burst is
 * over (a drain that polled the head on every call would make the caller
 * pay for that line too), and reads every line of it. */
static void *reader(void *arg)
{
	struct ring *r = arg;
	uint64_t t = 0, h, seen = 0, b;
	unsigned long s = 0;

	while ((b = atomic_load_explicit(&r->bursts, memory_order_acquire)) != UINT64_MAX) {
		if (b == seen)
			continue;
		seen = b;
		h = atomic_load_explicit(&r->head, memory_order_acquire);
		for (; t < h; t += LINE)
			s += (unsigned char)r->data[t % RING];
		atomic_store_explicit(&r->tail, t, memory_order_release);
	}
	atomic_store(&r->sink, s);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int parse(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (!*s || *end || v == 0 || v > (1u << 20))
		return -1;
	*out = (size_t)v;
	return 0;
}

/* One phase: `calls` copies of n bytes (each taking `step` bytes of ring),
 * in bursts of `burst`; returns caller CPU ns per copy. */
static size_t pause_ms, pretouch, nt;

/* --nt 1: the copy with non-temporal stores, which write whole lines
 * without first reading them into this core's cache; dst and src are
 * 16-byte aligned here. A fence publishes them before the head moves. */
static void copy(char *dst, const char *src, size_t n)
{
#if defined(__SSE2__)
	if (nt) {
		size_t i;

		for (i = 0; i + 16 <= n; i += 16)
			_mm_stream_si128((__m128i *)(dst + i), _mm_load_si128((const __m128i *)(src + i)));
		memcpy(dst + i, src + i, n - i);
		_mm_sfence();
		return;
	}
#endif
	memcpy(dst, src, n);
}

static double phase(struct ring *r, const char *src, size_t n, size_t step, size_t calls, size_t burst, int drained)
{
	uint64_t pos = atomic_load(&r->head), cpu = 0;

	for (size_t done = 0; done < calls;) {
		size_t k = calls - done < burst ? calls - done : burst;
		uint64_t t0;

		if (pause_ms) {
			struct timespec ts = {(time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000L};

			nanosleep(&ts, NULL);
		}
		for (size_t q = 0; pretouch && q < k * step; q += LINE)
			r->data[(pos + q) % RING] = 0;
		t0 = bench_thread_ns();

		for (size_t i = 0; i < k; i++) {
			copy(r->data + pos % RING, src + ((done + i) % SOURCES) * step, n);
			pos += step;
			if (pos % RING + step > RING)
				pos += RING - pos % RING; /* a record never wraps */
			atomic_store_explicit(&r->head, pos, memory_order_release);
		}
		cpu += bench_thread_ns() - t0;
		done += k;
		if (drained) {
			atomic_fetch_add_explicit(&r->bursts, 1, memory_order_release);
			while (atomic_load_explicit(&r->tail, memory_order_acquire) < pos)
				;
		}
	}
	return (double)cpu / (double)calls;
}

int main(int argc, char **argv)
{
	size_t n = 4120, rounds = 11, calls = 20000, step, burst;
	struct ring alone = {0}, drained = {0};
	double *a, *d;
	char *src;
	pthread_t th;

	for (int i = 1; i < argc; i += 2) {
		size_t *v = i + 1 >= argc                   ? NULL
			    : !strcmp(argv[i], "--bytes")  ? &n
			    : !strcmp(argv[i], "--rounds") ? &rounds
			    : !strcmp(argv[i], "--calls")  ? &calls
			    : !strcmp(argv[i], "--pause")  ? &pause_ms
			    : !strcmp(argv[i], "--pretouch") ? &pretouch
			    : !strcmp(argv[i], "--nt")     ? &nt
							   : NULL;

		if (!v || parse(argv[i + 1], v)) {
			fprintf(stderr, "usage: ddirr-bench-copy-floor [--bytes N] [--rounds R] [--calls K] [--pause MS] "
					"[--pretouch 1] [--nt 1]\n");
			return 2;
		}
	}
	step = (n + 40 + LINE - 1) / LINE * LINE; /* a record header's worth more, in whole lines */
	burst = (512u << 10) / step;
	if (!burst)
		burst = 1;
	src = malloc(SOURCES * step);
	alone.data = aligned_alloc(LINE, RING);
	drained.data = aligned_alloc(LINE, RING);
	a = calloc(rounds, sizeof(*a));
	d = calloc(rounds, sizeof(*d));
	if (!src || !alone.data || !drained.data || !a || !d) {
		fprintf(stderr, "ddirr-bench-copy-floor: out of memory\n");
		return 1;
	}
	memset(src, 0x5a, SOURCES * step);
	memset(alone.data, 0, RING);
	memset(drained.data, 0, RING);
	if (pthread_create(&th, NULL, reader, &drained)) {
		fprintf(stderr, "ddirr-bench-copy-floor: cannot start the reader thread\n");
		return 1;
	}
	for (size_t r = 0; r < rounds; r++) {
		if (r % 2) {
			d[r] = phase(&drained, src, n, step, calls, burst, 1);
			a[r] = phase(&alone, src, n, step, calls, burst, 0);
		} else {
			a[r] = phase(&alone, src, n, step, calls, burst, 0);
			d[r] = phase(&drained, src, n, step, calls, burst, 1);
		}
	}
	atomic_store(&drained.bursts, UINT64_MAX);
	pthread_join(th, NULL);
	qsort(a, rounds, sizeof(*a), cmp_double);
	qsort(d, rounds, sizeof(*d), cmp_double);
	printf("bytes=%zu calls_per_round=%zu rounds=%zu burst=%zu pause_ms=%zu pretouch=%zu nt=%zu copy_ns.alone=%.1f "
	       "copy_ns.drained=%.1f\n",
	       n, calls, rounds, burst, pause_ms, pretouch, nt, a[rounds / 2], d[rounds / 2]);
	free(src);
	free(alone.data);
	free(drained.data);
	free(a);
	free(d);
	return 0;
}
