/* u64 -> u64 hash map with open addressing, shared by the model (handle and
 * slot tables) and the replayer (remap tables, reorder index). Keys may be 0.
 * Memory is counted into *bytes (may be NULL) so the model can report its size. */
#ifndef DDIRR_U64MAP_H
#define DDIRR_U64MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *state; /* 0 empty, 1 used (deletion leaves no tombstones) */
	size_t cap;     /* a power of two, or 0 */
	size_t n;       /* used */
	size_t *bytes;  /* memory accounting, may be NULL */
} u64map;

/* Returns 1 and *val when key is present, 0 otherwise. */
int u64map_get(const u64map *m, uint64_t key, uint64_t *val);
/* Inserts or replaces. Returns 0 or -1 when out of memory. */
int u64map_put(u64map *m, uint64_t key, uint64_t val);
/* Removes key; returns 1 when it was present. Shrinks when mostly empty. */
int u64map_del(u64map *m, uint64_t key);
void u64map_free(u64map *m);

/* Iteration: for (i = 0; u64map_next(m, &i, &k, &v); ) ... */
int u64map_next(const u64map *m, size_t *i, uint64_t *key, uint64_t *val);

#endif
