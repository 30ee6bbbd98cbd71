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
		if (m->state[i] == 1 && m->keys[i] == key)
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
	/* keep the load (used + deleted) under 3/4 */
	if ((m->n + m->deleted + 1) * 4 > m->cap * 3 && rehash(m, m->cap ? (m->n + 1) * 4 > m->cap * 2 ? m->cap * 2 : m->cap : 16))
		return -1;
	for (i = slot_of(key, m->cap); m->state[i] == 1; i = (i + 1) & (m->cap - 1))
		;
	if (m->state[i] == 2)
		m->deleted--;
	m->state[i] = 1;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

int u64map_del(u64map *m, uint64_t key)
{
	size_t i = find(m, key);

	if (i == (size_t)-1)
		return 0;
	m->state[i] = 2;
	m->n--;
	m->deleted++;
	/* Shrink so memory follows the live objects down again. A failed
	   shrink leaves a valid, larger table. */
	if (m->cap > 16 && m->n * 8 < m->cap)
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
	m->cap = m->n = m->deleted = 0;
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
