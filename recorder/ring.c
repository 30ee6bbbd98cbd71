/* SPSC byte ring (see ring.h). */
#include "ring.h"

#include <string.h>

void ddirr_ring_init(ddirr_ring *r, void *data, uint64_t size)
{
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->cached_tail = 0;
	r->data = data;
	r->size = size;
}

static int fits(ddirr_ring *r, uint64_t head, uint64_t need)
{
	if (head + need - r->cached_tail <= r->size)
		return 1;
	/* Only now look at the consumer's counter: one shared cache line
	   read per ring-full check rather than per record. */
	r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	return head + need - r->cached_tail <= r->size;
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

ddirr_ring_hdr *ddirr_ring_peek(ddirr_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	while (tail != head) {
		ddirr_ring_hdr *h = (ddirr_ring_hdr *)(r->data + (tail & (r->size - 1)));

		if (h->kind != DDIRR_RING_PAD)
			return h;
		tail += h->size;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	return NULL;
}

void ddirr_ring_release(ddirr_ring *r, const ddirr_ring_hdr *h)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + h->size, memory_order_release);
}
