/* Tests for recorder/clock.c: the fixed-point arithmetic against 128-bit
 * arithmetic, and the conversion from hand-set anchors. The recorder tests
 * (test_recorder.c, "Timestamps") check converted times against
 * CLOCK_MONOTONIC end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void clock__mul_shr32_is_the_rounded_128_bit_product(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		/* Results that fit 64 bits: a below 2^40, m below 2^56. */
		uint64_t a = next() >> 24, m = next() >> 8;
		unsigned __int128 want = ((unsigned __int128)a * m + ((uint64_t)1 << 31)) >> 32;

		if (ddirr_clock_mul_shr32(a, m) != (uint64_t)want)
			fail_msg("a=%llu m=%llu", (unsigned long long)a, (unsigned long long)m);
	}
	assert_int_equal(ddirr_clock_mul_shr32(UINT64_MAX, 1), (UINT64_MAX >> 32) + 1);
	assert_int_equal(ddirr_clock_mul_shr32(3, (uint64_t)1 << 31), 2); /* 1.5 rounds up */
}

static void clock__rate_is_the_floor_of_the_128_bit_quotient(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		/* ns and ticks of a baseline from 1 ms to a week, at 0.01 to
		   100 ns a tick. */
		uint64_t d = 1000000 + next() % ((uint64_t)1 << 50);
		uint64_t n = (uint64_t)((unsigned __int128)d * (1 + next() % 10000) / 100);
		unsigned __int128 want = ((unsigned __int128)n << 32) / d;

		if (ddirr_clock_rate(n, d) != (uint64_t)want)
			fail_msg("n=%llu d=%llu", (unsigned long long)n, (unsigned long long)d);
	}
	assert_int_equal(ddirr_clock_rate(5, 2), (uint64_t)5 << 31);
	assert_int_equal(ddirr_clock_rate(UINT64_MAX - 1, UINT64_MAX), UINT32_MAX); /* the overflowing doubling */
}

/* A 2.5 GHz counter: 0.4 ns a tick. */
static ddirr_clock two_anchors(void)
{
	ddirr_clock c = {0};

	c.first_ticks = 1000;
	c.first_ns = 7000000000u;
	c.last_ticks = c.first_ticks + 2500000000u; /* one second later */
	c.last_ns = c.first_ns + 1000000000u;
	c.mult = ddirr_clock_rate(c.last_ns - c.first_ns, c.last_ticks - c.first_ticks);
	return c;
}

static void clock__times_count_from_the_latest_anchor_at_the_baseline_rate(void **state)
{
	ddirr_clock c = two_anchors();

	(void)state;
	assert_int_equal(ddirr_clock_ns(&c, c.last_ticks), c.last_ns);
	assert_int_equal(ddirr_clock_ns(&c, c.last_ticks + 2500), c.last_ns + 1000);
	/* Stamped before the anchor the drain took: counted back from it. */
	assert_int_equal(ddirr_clock_ns(&c, c.last_ticks - 2500), c.last_ns - 1000);
	assert_int_equal(ddirr_clock_ns(&c, c.first_ticks), c.first_ns);
	/* An hour past the anchor (a flight record dumped late): the rate's
	   2^-32 resolution, 0.4 ns a tick here, costs under 1 us. */
	{
		uint64_t t = ddirr_clock_ns(&c, c.last_ticks + 9000000000000u), want = c.last_ns + 3600000000000u;

		assert_true(t <= want + 1000 && t + 1000 >= want);
	}
}

static void clock__a_slewed_anchor_moves_the_offset(void **state)
{
	ddirr_clock c = two_anchors();

	(void)state;
	/* NTP slowed CLOCK_MONOTONIC: the latest anchor reads 50 us less than
	   the rate predicts. Times near it follow the anchor, not the rate. */
	c.last_ns -= 50000;
	assert_int_equal(ddirr_clock_ns(&c, c.last_ticks + 2500), c.last_ns + 1000);
}

static void clock__monotonic_ticks_pass_through(void **state)
{
	ddirr_clock c = two_anchors();

	(void)state;
	c.ticks_are_ns = 1;
	assert_int_equal(ddirr_clock_ns(&c, 123456789), 123456789);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clock__mul_shr32_is_the_rounded_128_bit_product),
		cmocka_unit_test(clock__rate_is_the_floor_of_the_128_bit_quotient),
		cmocka_unit_test(clock__times_count_from_the_latest_anchor_at_the_baseline_rate),
		cmocka_unit_test(clock__a_slewed_anchor_moves_the_offset),
		cmocka_unit_test(clock__monotonic_ticks_pass_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
