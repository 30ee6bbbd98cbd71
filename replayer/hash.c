/* A u64 -> u64 map (see replay_internal.h): the remap tables and the
 * object histories. Entries are never removed: a replay's handles only
 * accumulate, and a handle value reused by a later create is replaced. */
#include <stdlib.h>

#include "ddirr/error.h"
#include "replay_internal.h"

static size_t slot_of(const rhash *h, uint64_t key)
{
	/* Fibonacci hashing: handles are often multiples of 0x40 or 0x1000. */
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (h->cap - 1);
}

int rhash_get(const rhash *h, uint64_t key, uint64_t *val)
{
	size_t i;

	if (!h->cap)
		return 0;
	for (i = slot_of(h, key); h->used[i]; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key) {
			*val = h->vals[i];
			return 1;
		}
	return 0;
}

static int grow(rhash *h)
{
	rhash n = {0};
	size_t i;

	n.cap = h->cap ? h->cap * 2 : 64;
	n.keys = malloc(n.cap * sizeof(*n.keys));
	n.vals = malloc(n.cap * sizeof(*n.vals));
	n.used = calloc(n.cap, 1);
	if (!n.keys || !n.vals || !n.used) {
		rhash_free(&n);
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory for the handle maps");
	}
	for (i = 0; i < h->cap; i++)
		if (h->used[i])
			rhash_put(&n, h->keys[i], h->vals[i]); /* cannot grow again */
	rhash_free(h);
	*h = n;
	return 0;
}

int rhash_put(rhash *h, uint64_t key, uint64_t val)
{
	size_t i;

	if ((h->n + 1) * 4 > h->cap * 3 && grow(h))
		return DDIRR_ENOMEM;
	for (i = slot_of(h, key); h->used[i]; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key) {
			h->vals[i] = val;
			return 0;
		}
	h->used[i] = 1;
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
	return 0;
}

void rhash_free(rhash *h)
{
	free(h->keys);
	free(h->vals);
	free(h->used);
	h->keys = h->vals = NULL;
	h->used = NULL;
	h->cap = h->n = 0;
}
