/* Tests for schema/u64map.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "u64map.h"

/* A small xorshift, so the sequence of operations is the same every run. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random puts and deletes on keys from a small range (so that probe runs
 * collide and wrap), checked after every step against a plain array. */
static void u64map__deletes_keep_every_other_key_reachable(void **state)
{
	enum { KEYS = 300, STEPS = 200000 };
	uint64_t want[KEYS], rng = 0x9e3779b97f4a7c15ull, v;
	int have[KEYS];
	u64map m = {0};
	size_t i, n = 0, step;

	(void)state;
	memset(have, 0, sizeof(have));
	for (step = 0; step < STEPS; step++) {
		uint64_t r = next_rand(&rng);
		size_t k = (size_t)(r % KEYS);
		/* grow towards all keys, then drain towards none, and again */
		int fill = (step / 20000) % 2 == 0;

		if ((r >> 32) % 4 < (fill ? 3u : 1u)) {
			assert_int_equal(u64map_put(&m, k * 0x10000, r), 0);
			n += !have[k];
			have[k] = 1;
			want[k] = r;
		} else {
			assert_int_equal(u64map_del(&m, k * 0x10000), have[k]);
			n -= have[k];
			have[k] = 0;
		}
		assert_int_equal(m.n, n);
		if (step % 97 == 0 || step > STEPS - 1000)
			for (i = 0; i < KEYS; i++) {
				assert_int_equal(u64map_get(&m, i * 0x10000, &v), have[i]);
				if (have[i])
					assert_int_equal(v, want[i]);
			}
	}
	u64map_free(&m);
}

static void u64map__memory_follows_the_entries_down(void **state)
{
	size_t bytes = 0, peak;
	u64map m = {.bytes = &bytes};
	uint64_t k;

	(void)state;
	for (k = 0; k < 100000; k++)
		assert_int_equal(u64map_put(&m, k, k), 0);
	peak = bytes;
	for (k = 0; k < 100000; k++)
		assert_int_equal(u64map_del(&m, k), 1);
	assert_int_equal(m.n, 0);
	assert_true(bytes * 100 < peak);
	assert_int_equal(u64map_get(&m, 5, NULL), 0);
	u64map_free(&m);
	assert_int_equal(bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(u64map__deletes_keep_every_other_key_reachable),
		cmocka_unit_test(u64map__memory_follows_the_entries_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
