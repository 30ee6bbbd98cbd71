/* SPSC byte ring (see ring.h). */
#include "ring.h"

#include <string.h>

void ddirr_ring_init(ddirr_ring *r, void *data, uint64_t size)
{
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->cached_tail = 0;
	r->check_at = UINT64_MAX;
	r->prefetched = 0;
	r->damaged_bytes = r->damaged_times = r->damaged_noted = r->damaged_until = 0;
	r->data = data;
	r->size = size;
}

/* The view of `tail` the fast path keeps: the free room it shows is the
 * real one, cut at check_at (none once the head is there). The result may
 * be "below 0": positions are compared by difference, modulo 2^64. */
static uint64_t view(const ddirr_ring *r, uint64_t head, uint64_t tail)
{
	uint64_t free_ = r->size - (head - tail);

	if (r->check_at == UINT64_MAX)
		return tail;
	if (head >= r->check_at)
		free_ = 0;
	else if (free_ > r->check_at - head)
		free_ = r->check_at - head;
	return head + free_ - r->size;
}

uint64_t ddirr_ring_view_tail(ddirr_ring *r, uint64_t head)
{
	return view(r, head, atomic_load_explicit(&r->tail, memory_order_acquire));
}

void ddirr_ring_set_check(ddirr_ring *r, uint64_t at)
{
	r->check_at = at;
	r->cached_tail = ddirr_ring_view_tail(r, atomic_load_explicit(&r->head, memory_order_relaxed));
}

/* The slow path's test: against the real free room (the check position
 * holds back only the fast path, so that a caller waiting here for room
 * is never kept waiting by it). */
static int fits(ddirr_ring *r, uint64_t head, uint64_t need)
{
	uint64_t tail;

	if (head + need - r->cached_tail <= r->size)
		return 1;
	/* Only now look at the consumer's counter: one shared cache line
	   read per ring-full check rather than per record. */
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head + need - tail > r->size)
		return 0;
	/* The view may end before these bytes (check_at): it must still
	   cover what the caller takes now, or the fast path's free room would
	   go below zero once they are published. */
	r->cached_tail = view(r, head, tail);
	if (head + need - r->cached_tail > r->size)
		r->cached_tail = head + need - r->size;
	return 1;
}

/* Whether the entry at position `at` (before head) has a header the
 * producer could have written: a size that is a multiple of 8, holds the
 * entry's kind, stays within what was published (itself at most a ring)
 * and within the buffer (no entry wraps); a known kind. The drain trusts
 * nothing else a ring holds without a check: the frame is checked as it is
 * rebuilt (ddirr_frame_rebuild_call), the call and phase with it. A stray store of
 * the process into a ring (a driver's memory bug, the kind of bug ddirr is
 * used to chase), or a record made by a signal handler over the one it
 * interrupted on the same thread (docs/recorder.md, Signals), must cost
 * records, not the process: without this, a size of 0 kept the drain on
 * one entry for ever, and a large one read past the buffer. */
static inline int entry_ok(const ddirr_ring *r, uint64_t at, uint64_t head)
{
	const ddirr_ring_hdr *h = (const ddirr_ring_hdr *)(r->data + (at & (r->size - 1)));
	uint64_t n = h->size, published = head - at, room = r->size - (at & (r->size - 1));

	if (published > r->size)
		return 0;
	if (published < room)
		room = published;
	/* One test for the usual case, a record (about 20 instructions an
	   entry in all, measured by callgrind in the drain thread). */
	if (h->kind == DDIRR_RING_RECORD)
		return n >= sizeof(*h) && n <= room && !(n & 7);
	if (n < 8 || n > room || (n & 7))
		return 0;
	return h->kind == DDIRR_RING_PAD || (h->kind == DDIRR_RING_INDIRECT && n == sizeof(*h) + sizeof(void *));
}

/* Why the producer may read a header the consumer may be holding: every
 * byte of the ring is written by the producer only. The consumer reads the
 * records it takes and rebuilds their frames in place (the bytes after the
 * header), but never writes a header (drain.c converts a record's time
 * outside the ring for that reason), so the producer's reads of `kind`,
 * `size` and `time` race with nothing. And a record's bytes are reused only
 * when the producer itself reserves them again, which it cannot be doing
 * while it reads here: a record the consumer releases meanwhile keeps its
 * header, the answer is merely stale (a record already taken, older than
 * any left, so the caller waits a little longer and looks again). The
 * acquire load of tail pairs with the consumer's release store, as in
 * fits(): whatever the consumer did with the bytes before tail happens
 * before the producer goes on to reuse them. */
const ddirr_ring_hdr *ddirr_ring_oldest(ddirr_ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	while (tail != head) {
		const ddirr_ring_hdr *h = (const ddirr_ring_hdr *)(r->data + (tail & (r->size - 1)));

		if (!entry_ok(r, tail, head))
			return NULL;
		/* A padding entry may have only its size and kind written. */
		if (h->kind != DDIRR_RING_PAD)
			return h;
		tail += h->size;
	}
	return NULL;
}

void *ddirr_ring_reserve(ddirr_ring *r, uint64_t n)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t pos = head & (r->size - 1);
	uint64_t to_end = r->size - pos;

	if (n <= to_end)
		return fits(r, head, n) ? r->data + pos : NULL;
	/* Pad to the end, then the record starts at 0. */
	if (!fits(r, head, to_end + n))
		return NULL;
	{
		ddirr_ring_hdr pad;

		memset(&pad, 0, sizeof(pad));
		pad.size = (uint32_t)to_end;
		pad.kind = DDIRR_RING_PAD;
		/* to_end >= 8: positions and sizes are multiples of 8, and a
		   padding entry needs only its size and kind. */
		memcpy(r->data + pos, &pad, to_end < sizeof(pad) ? 8 : sizeof(pad));
		atomic_store_explicit(&r->head, head + to_end, memory_order_release);
	}
	return r->data;
}

/* Consumer: everything published from tail to head is damaged. */
static void skip(ddirr_ring *r, uint64_t tail, uint64_t head)
{
	/* Unless more was published than the ring holds: then the positions
	   themselves were written over (a size changed between its look and
	   its release, and the tail went past the head), and the count would
	   wrap. */
	if (head - tail <= r->size)
		r->damaged_bytes += head - tail;
	r->damaged_times++;
	r->damaged_until = head;
	atomic_store_explicit(&r->tail, head, memory_order_release);
}

void ddirr_ring_skip_damaged(ddirr_ring *r)
{
	skip(r, atomic_load_explicit(&r->tail, memory_order_relaxed),
	     atomic_load_explicit(&r->head, memory_order_acquire));
}

ddirr_ring_hdr *ddirr_ring_peek(ddirr_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	while (tail != head) {
		ddirr_ring_hdr *h = (ddirr_ring_hdr *)(r->data + (tail & (r->size - 1)));

		if (!entry_ok(r, tail, head)) {
			skip(r, tail, head);
			return NULL;
		}
		if (h->kind != DDIRR_RING_PAD)
			return h;
		tail += h->size;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	return NULL;
}

ddirr_ring_hdr *ddirr_ring_peek_next(ddirr_ring *r, const ddirr_ring_hdr *h)
{
	/* peek left the tail at h */
	uint64_t at = atomic_load_explicit(&r->tail, memory_order_relaxed) + h->size;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	ddirr_ring_hdr *next;

	if (at == head || !entry_ok(r, at, head))
		return NULL;
	next = (ddirr_ring_hdr *)(r->data + (at & (r->size - 1)));
	return next->kind == DDIRR_RING_PAD ? NULL : next;
}

void ddirr_ring_release(ddirr_ring *r, const ddirr_ring_hdr *h)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + h->size, memory_order_release);
}
