/* A single-producer single-consumer byte ring of variable-size records.
 *
 * The thread that records produces; the drain thread consumes. Positions
 * are byte counts that only grow; the producer publishes with a release
 * store of `head`, the consumer frees space with a release store of `tail`,
 * and each reads the other's counter with an acquire load. No lock, no
 * system call. A record never wraps: when it would, the producer fills the
 * end of the buffer with a padding record and starts again at 0.
 *
 * Every record starts with a ddirr_ring_hdr and takes a multiple of 8
 * bytes. C11 and a compiler's prefetch hint: the Windows port keeps this
 * file as it is. */
#ifndef DDIRR_RECORDER_RING_H
#define DDIRR_RECORDER_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A hint that the cache line at p is about to be written; it changes
 * nothing the program does. GCC and Clang emit prefetchw where the target
 * has it; MSVC (the Windows port) has _m_prefetchw. */
#if defined(__GNUC__)
#define DDIRR_PREFETCH_WRITE(p) __builtin_prefetch((p), 1, 3)
#elif defined(_MSC_VER)
#include <intrin.h>
#define DDIRR_PREFETCH_WRITE(p) _m_prefetchw((p))
#else
#define DDIRR_PREFETCH_WRITE(p) ((void)(p))
#endif

/* The producer asks for the ring's lines this many bytes ahead of what it
 * writes, at most this many lines a record (ddirr_ring_reserve_room).
 * Measured on a Xeon (bench/RESULTS.md, session 12; caller ns a call,
 * medians of alternating runs): 4 KiB ahead against 2 KiB, 71.6 against
 * 73.9 at 21 pages and 724.6 against 731.3 at 341; 1 KiB, 76.9 against
 * 72.8 at 21; 64 lines a record, 750.4 against 706.2 at 341. */
enum { DDIRR_RING_PREFETCH_AHEAD = 4096, DDIRR_RING_PREFETCH_LINES = 16 };

enum ddirr_ring_kind {
	DDIRR_RING_PAD = 0,     /* skip `size` bytes */
	DDIRR_RING_RECORD = 1,  /* a record: the flat frame follows the header */
	DDIRR_RING_INDIRECT = 2 /* a record too large for the ring: the header is
	                           followed by a pointer to a heap copy of the
	                           whole record (header included) */
};

typedef struct ddirr_ring_hdr {
	uint32_t size; /* bytes of this entry, header included; multiple of 8 */
	uint32_t kind; /* enum ddirr_ring_kind */
	uint32_t ddi;
	uint32_t phase;
	uint64_t seq;
	uint64_t parent_seq;
	uint64_t time; /* the producer's ddirr_platform_ticks(); monotonic ns once the drain takes it */
	uint32_t thread;
	uint32_t reserved;
} ddirr_ring_hdr;

typedef struct ddirr_ring {
	_Alignas(64) _Atomic uint64_t head; /* bytes published by the producer */
	/* The producer's view of tail: never ahead of it, and held back so
	   that the free room it shows ends at check_at (the view's arithmetic
	   is modulo 2^64, like every position difference here). */
	uint64_t cached_tail;
	/* Producer only: the head position at which the room runs out for the
	   fast path, which then takes its slow path (block mode looks at the
	   age of the oldest record there, then moves this on;
	   ddirr_ring_set_check). UINT64_MAX: never. */
	uint64_t check_at;
	/* Producer only: the ring's lines before this position were asked
	   for (DDIRR_PREFETCH_WRITE). */
	uint64_t prefetched;
	_Alignas(64) _Atomic uint64_t tail; /* bytes released by the consumer */
	/* Consumer only: bytes skipped because an entry's header could not
	   have been written by the producer (ddirr_ring_peek), how many
	   times, and how many of those the consumer has reported; the
	   position the last skip went to. */
	uint64_t damaged_bytes, damaged_times, damaged_noted, damaged_until;
	_Alignas(64) char *data;
	uint64_t size; /* power of two */
} ddirr_ring;

/* Sets up r over data (size bytes: a power of two, 8-byte aligned), with
 * no check position. */
void ddirr_ring_init(ddirr_ring *r, void *data, uint64_t size);

/* Producer: the consumer's counter (an acquire load), as the view keeps it:
 * the free room it leaves ends at check_at. Out of line: only the slow
 * paths refresh the view. */
uint64_t ddirr_ring_view_tail(ddirr_ring *r, uint64_t head);

/* Producer: the fast path (ddirr_ring_reserve_room) finds no room once the
 * head reaches `at`, so that the caller takes its slow path there.
 * ddirr_ring_reserve() is not held back by it. */
void ddirr_ring_set_check(ddirr_ring *r, uint64_t at);

/* Producer: the header of the oldest record still in the ring (a padding
 * entry is skipped), or NULL when the consumer has taken everything or a
 * header on the way is damaged (see ddirr_ring_peek). Only
 * its fields are to be read, and only by the producer; see ring.c for why
 * that is safe while the consumer works. */
const ddirr_ring_hdr *ddirr_ring_oldest(ddirr_ring *r);

/* Producer: returns where `n` bytes (a multiple of 8, at most size / 2) can
 * be written, or NULL when the ring has no room now. Nothing is visible to
 * the consumer until ddirr_ring_publish(). */
void *ddirr_ring_reserve(ddirr_ring *r, uint64_t n);

/* Producer: for an entry whose size is not known yet. Returns where at
 * least `want` bytes (a multiple of 8) can be written without padding, and
 * sets *room to every contiguous byte free there (a multiple of 8, at most
 * size / 2); NULL when fewer than `want` are free before the end of the
 * buffer (then use ddirr_ring_reserve() with the size). Nothing is visible
 * to the consumer until ddirr_ring_publish() of the bytes used. Inline, as
 * is publish: every record takes one of each. */
static inline void *ddirr_ring_reserve_room(ddirr_ring *r, uint64_t want, uint64_t *room)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t pos = head & (r->size - 1);
	uint64_t n = r->size - pos, free_;
	unsigned lines;

	if (n > r->size / 2)
		n = r->size / 2;
	if (n < want)
		return NULL;
	/* Look at the consumer's counter only when the last view leaves less
	   than `want`, as fits() does; the view also runs out at check_at,
	   which costs the fast path nothing. */
	free_ = r->size - (head - r->cached_tail);
	if (free_ < want) {
		r->cached_tail = ddirr_ring_view_tail(r, head);
		free_ = r->size - (head - r->cached_tail);
		if (free_ < want)
			return NULL;
	}
	*room = n < free_ ? n : free_;
	/* The lines a little ahead, so that they are this core's by the time
	   it writes them. Without, each record's first store to a line the
	   ring last held a lap ago waited for it, and the next locked
	   instruction (the seq) for that store: −17 ns a call at 16 B and −35
	   at 256 B on a Xeon (bench/RESULTS.md, session 11). */
	if (r->prefetched < head)
		r->prefetched = head & ~(uint64_t)63;
	for (lines = 0; r->prefetched < head + want + DDIRR_RING_PREFETCH_AHEAD && lines < DDIRR_RING_PREFETCH_LINES;
	     lines++, r->prefetched += 64)
		DDIRR_PREFETCH_WRITE(r->data + (r->prefetched & (r->size - 1)));
	return r->data + pos;
}

/* Producer: makes the entry reserved last (n bytes) visible. */
static inline void ddirr_ring_publish(ddirr_ring *r, uint64_t n)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	atomic_store_explicit(&r->head, head + n, memory_order_release);
}

/* Consumer: the oldest published record (padding is skipped), or NULL
 * when the ring is empty. Valid until ddirr_ring_release(). An entry whose
 * header the producer cannot have written (its size not a multiple of 8,
 * below a header, past what was published or past the buffer's end; an
 * unknown kind) means the ring's memory was written by someone else: every
 * byte published up to now is skipped and counted in damaged_bytes and
 * damaged_times, and NULL returned. */
ddirr_ring_hdr *ddirr_ring_peek(ddirr_ring *r);

/* Consumer: skips every byte published up to now, as peek does for a
 * damaged header, for an entry whose header passed but which the consumer
 * found the producer cannot have written (drain.c: an INDIRECT entry
 * whose heap copy the producer never listed). */
void ddirr_ring_skip_damaged(ddirr_ring *r);

/* Consumer: the record right after h, the one peek returned (not yet
 * released), or NULL when none is published yet, padding comes first, or
 * its header is damaged (the next peek skips it). Valid until released,
 * after h. */
ddirr_ring_hdr *ddirr_ring_peek_next(ddirr_ring *r, const ddirr_ring_hdr *h);

/* Consumer: frees the record peek returned. */
void ddirr_ring_release(ddirr_ring *r, const ddirr_ring_hdr *h);

#endif
