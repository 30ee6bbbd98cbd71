/* Tests for runner/bisect.c with a made-up oracle: for every number of
 * builds and every place the verdict changes, the bisect names the first
 * build that differs within ceil(log2 n) + 1 replays; it says when none
 * differs; it skips builds that cannot be tested the way git bisect does;
 * and it stops at an oracle error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "ddirr/runner.h"

typedef struct fake {
	size_t change;      /* first build with the other verdict; n = none */
	int before, after;
	const unsigned char *untestable; /* NULL, or one flag per build */
	size_t calls;
	int fail_at;        /* the call that fails, 0 = none */
} fake;

static int oracle(void *ctx, size_t build, int *verdict, char *summary, size_t size)
{
	fake *f = ctx;

	if (f->fail_at && (int)++f->calls == f->fail_at)
		return ddirr_error_set(DDIRR_EIO, "the oracle broke");
	if (!f->fail_at)
		f->calls++;
	*verdict = f->untestable && f->untestable[build] ? DDIRR_REPLAY_CANNOT_TEST
		   : build < f->change                  ? f->before
							: f->after;
	snprintf(summary, size, "build %zu", build);
	return 0;
}

static size_t ceil_log2(size_t n)
{
	size_t k = 0;

	while (((size_t)1 << k) < n)
		k++;
	return k;
}

static void bisect__finds_every_change_within_log2_n_plus_one_replays(void **state)
{
	size_t n, k;

	(void)state;
	for (n = 2; n <= 40; n++)
		for (k = 1; k <= n; k++) {
			fake f = {.change = k, .before = DDIRR_REPLAY_PASS, .after = DDIRR_REPLAY_DIVERGENCE};
			ddirr_bisect_result r;

			assert_int_equal(ddirr_bisect(&r, n, oracle, &f, NULL, NULL), 0);
			if (k == n) {
				assert_int_equal(r.status, DDIRR_BISECT_NONE);
			} else {
				assert_int_equal(r.status, DDIRR_BISECT_FOUND);
				assert_int_equal(r.first_diff, k);
				assert_int_equal(r.last_same, k - 1);
			}
			assert_int_equal(r.reference, DDIRR_REPLAY_PASS);
			assert_int_equal(r.replays, f.calls);
			if (r.replays > ceil_log2(n) + 1)
				fail_msg("n %zu change %zu: %zu replays, more than %zu", n, k, r.replays, ceil_log2(n) + 1);
			assert_int_equal(r.steps[0].build, 0);
		}
}

/* A failing first build: the first build that passes is the one that
   differs (a fix is found the same way as a regression). */
static void bisect__finds_a_fix_from_a_failing_reference(void **state)
{
	fake f = {.change = 3, .before = DDIRR_REPLAY_DIVERGENCE, .after = DDIRR_REPLAY_PASS};
	ddirr_bisect_result r;

	(void)state;
	assert_int_equal(ddirr_bisect(&r, 6, oracle, &f, NULL, NULL), 0);
	assert_int_equal(r.status, DDIRR_BISECT_FOUND);
	assert_int_equal(r.first_diff, 3);
	assert_int_equal(r.reference, DDIRR_REPLAY_DIVERGENCE);
}

/* Another kind of failure counts as a different verdict too. */
static void bisect__a_different_failure_is_a_difference(void **state)
{
	fake f = {.change = 5, .before = DDIRR_REPLAY_VIOLATION, .after = DDIRR_REPLAY_DIVERGENCE};
	ddirr_bisect_result r;

	(void)state;
	assert_int_equal(ddirr_bisect(&r, 8, oracle, &f, NULL, NULL), 0);
	assert_int_equal(r.status, DDIRR_BISECT_FOUND);
	assert_int_equal(r.first_diff, 5);
}

static void bisect__skips_untestable_builds_and_still_finds_the_change(void **state)
{
	unsigned char skip[16] = {0};
	size_t k, s;

	(void)state;
	for (k = 1; k < 16; k++)
		for (s = 1; s < 16; s++) {
			fake f = {.change = k, .before = DDIRR_REPLAY_PASS, .after = DDIRR_REPLAY_DIVERGENCE,
				  .untestable = skip};
			ddirr_bisect_result r;

			memset(skip, 0, sizeof(skip));
			skip[s] = 1;
			assert_int_equal(ddirr_bisect(&r, 16, oracle, &f, NULL, NULL), 0);
			if (s == k || s + 1 == k) {
				/* The untestable build sits right at the change: the
				   first to differ is it or its neighbour, and nobody
				   can tell which (git bisect says the same). */
				assert_int_equal(r.status, DDIRR_BISECT_UNTESTABLE);
				assert_int_equal(r.last_same, s - 1);
				assert_int_equal(r.first_diff, s + 1);
			} else {
				assert_int_equal(r.status, DDIRR_BISECT_FOUND);
				assert_int_equal(r.first_diff, k);
			}
		}
}

static void bisect__an_untestable_reference_cannot_tell(void **state)
{
	unsigned char skip[4] = {1, 0, 0, 0};
	fake f = {.change = 2, .before = DDIRR_REPLAY_PASS, .after = DDIRR_REPLAY_DIVERGENCE, .untestable = skip};
	ddirr_bisect_result r;

	(void)state;
	assert_int_equal(ddirr_bisect(&r, 4, oracle, &f, NULL, NULL), 0);
	assert_int_equal(r.status, DDIRR_BISECT_UNTESTABLE);
	assert_int_equal(r.replays, 1);
}

static void bisect__stops_at_an_oracle_error_and_needs_two_builds(void **state)
{
	fake f = {.change = 2, .before = DDIRR_REPLAY_PASS, .after = DDIRR_REPLAY_DIVERGENCE, .fail_at = 2};
	ddirr_bisect_result r;

	(void)state;
	assert_int_equal(ddirr_bisect(&r, 8, oracle, &f, NULL, NULL), DDIRR_EIO);
	assert_int_equal(ddirr_bisect(&r, 1, oracle, &f, NULL, NULL), DDIRR_EINVAL);
}

static void bisect__prints_every_step_with_the_build_names(void **state)
{
	static const char *const names[] = {"v1", "v2", "v3", "v4"};
	fake f = {.change = 2, .before = DDIRR_REPLAY_PASS, .after = DDIRR_REPLAY_DIVERGENCE};
	ddirr_bisect_result r;
	char buf[4096] = "";
	FILE *log = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	assert_non_null(log);
	assert_int_equal(ddirr_bisect(&r, 4, oracle, &f, names, log), 0);
	fclose(log);
	assert_non_null(strstr(buf, "replay 1: v1: pass (the reference)"));
	assert_non_null(strstr(buf, "v3: divergence (differs from the reference"));
	assert_int_equal(r.n_steps, r.replays);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bisect__finds_every_change_within_log2_n_plus_one_replays),
		cmocka_unit_test(bisect__finds_a_fix_from_a_failing_reference),
		cmocka_unit_test(bisect__a_different_failure_is_a_difference),
		cmocka_unit_test(bisect__skips_untestable_builds_and_still_finds_the_change),
		cmocka_unit_test(bisect__an_untestable_reference_cannot_tell),
		cmocka_unit_test(bisect__stops_at_an_oracle_error_and_needs_two_builds),
		cmocka_unit_test(bisect__prints_every_step_with_the_build_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
