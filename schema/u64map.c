/* Open-addressing hash map (see u64map.h). */
#include "u64map.h"

#include <stdlib.h>

static size_t slot_of(uint64_t key, size_t cap)
{
	/* a 64-bit mix so that sequential handles spread */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static size_t footprint(size_t cap)
{
	return cap * (2 * sizeof(uint64_t) + 1);
}

static int rehash(u64map *m, size_t cap)
{
	u64map n = {0};
	size_t i;

	n.keys = malloc(cap * sizeof(uint64_t));
	n.vals = malloc(cap * sizeof(uint64_t));
	n.state = calloc(cap, 1);
	if (!n.keys || !n.vals || !n.state) {
		free(n.keys);
		free(n.vals);
		free(n.state);
		return -1;
	}
	n.cap = cap;
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (m->state[i] != 1)
			continue;
		for (j = slot_of(m->keys[i], cap); n.state[j]; j = (j + 1) & (cap - 1))
			;
		n.state[j] = 1;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.n++;
	}
	if (m->bytes)
		*m->bytes = *m->bytes - footprint(m->cap) + footprint(cap);
	free(m->keys);
	free(m->vals);
	free(m->state);
	n.bytes = m->bytes;
	*m = n;
	return 0;
}

static size_t find(const u64map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return (size_t)-1;
	for (i = slot_of(key, m->cap); m->state[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return i;
	return (size_t)-1;
}

int u64map_get(const u64map *m, uint64_t key, uint64_t *val)
{
	size_t i = find(m, key);

	if (i == (size_t)-1)
		return 0;
	if (val)
		*val = m->vals[i];
	return 1;
}

int u64map_put(u64map *m, uint64_t key, uint64_t val)
{
	size_t i = find(m, key);

	if (i != (size_t)-1) {
		m->vals[i] = val;
		return 0;
	}
	/* keep the load under 3/4 */
	if ((m->n + 1) * 4 > m->cap * 3 && rehash(m, m->cap ? m->cap * 2 : 16))
		return -1;
	for (i = slot_of(key, m->cap); m->state[i]; i = (i + 1) & (m->cap - 1))
		;
	m->state[i] = 1;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

/* Least capacity a shrink goes down to: a table whose size swings between
 * none and a few dozen (a map and unmap of a few aperture pages, one
 * pending call) would otherwise be rebuilt on every swing. */
#define SHRINK_FLOOR 256

int u64map_del(u64map *m, uint64_t key)
{
	size_t i = find(m, key), j, mask = m->cap - 1;

	if (i == (size_t)-1)
		return 0;
	/* Backward-shift deletion: entries after i in its probe run move
	   back into the hole unless that would put them before their home
	   slot, so no tombstone is left and probes stay short under churn. */
	for (j = (i + 1) & mask; m->state[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], m->cap);

		/* j moves when the hole lies cyclically in [home, j) */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->state[i] = 0;
	m->n--;
	/* Shrink so memory follows the live objects down again. A failed
	   shrink leaves a valid, larger table. */
	if (m->cap > SHRINK_FLOOR && m->n * 8 < m->cap)
		(void)rehash(m, m->cap / 2);
	return 1;
}

void u64map_free(u64map *m)
{
	if (m->bytes)
		*m->bytes -= footprint(m->cap);
	free(m->keys);
	free(m->vals);
	free(m->state);
	m->keys = m->vals = NULL;
	m->state = NULL;
	m->cap = m->n = 0;
}

int u64map_next(const u64map *m, size_t *i, uint64_t *key, uint64_t *val)
{
	for (; *i < m->cap; (*i)++) {
		if (m->state[*i] == 1) {
			if (key)
				*key = m->keys[*i];
			if (val)
				*val = m->vals[*i];
			(*i)++;
			return 1;
		}
	}
	return 0;
}
