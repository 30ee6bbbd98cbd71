/* Bump allocator (see arena.h). */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ddirr_arena_block {
	ddirr_arena_block *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	max_align_t data[];
};

enum { ARENA_MIN_BLOCK = 64 * 1024 };

static size_t align_up(size_t n)
{
	const size_t a = _Alignof(max_align_t);

	return (n + a - 1) / a * a;
}

void *ddirr_arena_alloc_raw(ddirr_arena *a, size_t size)
{
	ddirr_arena_block *b = a->head;
	size_t need = align_up(size ? size : 1);
	void *p;

	if (need < size) /* overflow */
		return NULL;
	if (a->limit && (need > a->limit || a->used > a->limit - need))
		return NULL;
	if (!b || b->size - b->used < need) {
		/* Reuse a kept block when it is big enough; otherwise make one. */
		ddirr_arena_block **pp = &a->free;

		while (*pp && (*pp)->size < need)
			pp = &(*pp)->next;
		if (*pp) {
			b = *pp;
			*pp = b->next;
		} else {
			size_t bsize = need > ARENA_MIN_BLOCK ? need : ARENA_MIN_BLOCK;

			if (bsize > SIZE_MAX - sizeof(*b))
				return NULL;
			b = malloc(sizeof(*b) + bsize);
			if (!b)
				return NULL;
			b->size = bsize;
		}
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	a->used += need;
	return p;
}

void *ddirr_arena_alloc(ddirr_arena *a, size_t size)
{
	void *p = ddirr_arena_alloc_raw(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void ddirr_arena_reset(ddirr_arena *a)
{
	while (a->head) {
		ddirr_arena_block *b = a->head;

		a->head = b->next;
		b->next = a->free;
		a->free = b;
	}
	a->used = 0;
}

static void free_list(ddirr_arena_block *b)
{
	while (b) {
		ddirr_arena_block *next = b->next;

		free(b);
		b = next;
	}
}

void ddirr_arena_release(ddirr_arena *a)
{
	free_list(a->head);
	free_list(a->free);
	a->head = a->free = NULL;
	a->used = 0;
}
