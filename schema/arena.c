/* Bump allocator (see arena.h). */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ddirr_arena_block {
	ddirr_arena_block *next;
	size_t size; /* usable bytes in data[]; the arena's cur says how many are used */
	max_align_t data[];
};

enum { ARENA_MIN_BLOCK = 64 * 1024 };

static size_t align_up(size_t n)
{
	const size_t a = DDIRR_ARENA_ALIGN;

	return (n + a - 1) / a * a;
}

/* Makes the free room of block b, from `from`, the bump region, cut short
 * where the limit ends it. */
static void set_region(ddirr_arena *a, ddirr_arena_block *b, char *from)
{
	char *end = (char *)b->data + b->size;

	if (a->limit && (size_t)(end - from) > a->limit - a->used)
		end = from + (a->limit - a->used);
	a->cur = from;
	a->end = end;
}

void *ddirr_arena_alloc_slow(ddirr_arena *a, size_t size)
{
	ddirr_arena_block *b = a->head;
	size_t need = align_up(size ? size : 1);
	void *p;

	if (need < size) /* overflow */
		return NULL;
	if (a->limit && (need > a->limit || a->used > a->limit - need))
		return NULL;
	if (!b || (size_t)((char *)b->data + b->size - a->cur) < need) {
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
		b->next = a->head;
		a->head = b;
		a->cur = (char *)b->data;
	}
	p = a->cur;
	a->used += need;
	set_region(a, b, a->cur + need);
	return p;
}

void *ddirr_arena_alloc(ddirr_arena *a, size_t size)
{
	void *p = ddirr_arena_alloc_raw(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* The head block stays the one being filled, from its start, so that an
 * arena reset for every record (the trace writer's) bumps inline from its
 * first allocation on. */
void ddirr_arena_reset(ddirr_arena *a)
{
	ddirr_arena_block *keep = a->head;

	if (!keep)
		return;
	while (keep->next) {
		ddirr_arena_block *b = keep->next;

		keep->next = b->next;
		b->next = a->free;
		a->free = b;
	}
	a->used = 0;
	set_region(a, keep, (char *)keep->data);
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
	a->cur = a->end = NULL;
	a->used = 0;
}
