/* A bump allocator for per-event and per-chunk scratch memory: many small
 * allocations, freed all at once. Internal to the schema library. */
#ifndef DDIRR_ARENA_H
#define DDIRR_ARENA_H

#include <stddef.h>

typedef struct ddirr_arena_block ddirr_arena_block;

typedef struct ddirr_arena {
	ddirr_arena_block *head; /* block being filled */
	ddirr_arena_block *free; /* blocks kept for reuse after a reset */
	size_t limit;            /* total bytes this arena may hold; 0 = no limit */
	size_t used;             /* bytes handed out since the last reset */
} ddirr_arena;

#define DDIRR_ARENA_INIT {NULL, NULL, 0, 0}

/* Returns zeroed memory aligned for any type, or NULL when out of memory or
 * past the arena's limit. */
void *ddirr_arena_alloc(ddirr_arena *a, size_t size);

/* The same, not zeroed: for memory the caller writes whole before reading
 * it (the encoder's messages, which protobuf-c initialises, and arrays it
 * fills). */
void *ddirr_arena_alloc_raw(ddirr_arena *a, size_t size);

/* Frees every allocation but keeps the blocks for reuse. */
void ddirr_arena_reset(ddirr_arena *a);

/* Frees every block. The arena can be used again afterwards. */
void ddirr_arena_release(ddirr_arena *a);

#endif
