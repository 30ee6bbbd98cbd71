/* A bump allocator for per-event and per-chunk scratch memory: many small
 * allocations, freed all at once. Internal to the schema library. */
#ifndef DDIRR_ARENA_H
#define DDIRR_ARENA_H

#include <stddef.h>

typedef struct ddirr_arena_block ddirr_arena_block;

typedef struct ddirr_arena {
	/* The bump region: the free room of the head block, cut short where
	   the limit ends it (after a reset, the whole head block). Both NULL
	   before the first allocation and after a release. */
	char *cur, *end;
	ddirr_arena_block *head; /* block being filled */
	ddirr_arena_block *free; /* blocks kept for reuse after a reset */
	size_t limit;            /* total bytes this arena may hold; 0 = no limit */
	size_t used;             /* bytes handed out since the last reset */
} ddirr_arena;

#define DDIRR_ARENA_INIT {NULL, NULL, NULL, NULL, 0, 0}

/* Every allocation's size is rounded up to this, so every one is aligned
 * for any type. */
#define DDIRR_ARENA_ALIGN _Alignof(max_align_t)

/* Returns zeroed memory aligned for any type, or NULL when out of memory or
 * past the arena's limit. */
void *ddirr_arena_alloc(ddirr_arena *a, size_t size);

/* ddirr_arena_alloc_raw() when the bump region cannot serve it: a new
 * region, a size of 0, an overflow, the limit. */
void *ddirr_arena_alloc_slow(ddirr_arena *a, size_t size);

/* The same, not zeroed: for memory the caller writes whole before reading
 * it (the encoder's messages, which protobuf-c initialises, and arrays it
 * fills). Inline: the trace writer makes several for every record. */
static inline void *ddirr_arena_alloc_raw(ddirr_arena *a, size_t size)
{
	size_t need = (size + DDIRR_ARENA_ALIGN - 1) & ~(size_t)(DDIRR_ARENA_ALIGN - 1);

	/* need - 1 wraps for 0 (a size of 0, or one that overflowed) */
	if (need - 1 < (size_t)(a->end - a->cur)) {
		void *p = a->cur;

		a->cur += need;
		a->used += need;
		return p;
	}
	return ddirr_arena_alloc_slow(a, size);
}

/* Frees every allocation but keeps the blocks for reuse. */
void ddirr_arena_reset(ddirr_arena *a);

/* Frees every block. The arena can be used again afterwards. */
void ddirr_arena_release(ddirr_arena *a);

#endif
