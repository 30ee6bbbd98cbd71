/* Tests for runner/shard.c: K/N and the CI engines' variables give the
 * right 0-based shard, and the shards of any count partition the pairs:
 * every pair in exactly one shard. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/runner.h"

static void clear_env(void)
{
	unsetenv("CI_NODE_INDEX");
	unsetenv("CI_NODE_TOTAL");
	unsetenv("JOB_COMPLETION_INDEX");
	unsetenv("DDIRR_SHARD_TOTAL");
}

static void shard__k_of_n_is_one_based(void **state)
{
	ddirr_shard s;

	(void)state;
	assert_int_equal(ddirr_shard_parse(&s, "1/4"), 0);
	assert_int_equal(s.index, 0);
	assert_int_equal(s.total, 4);
	assert_int_equal(ddirr_shard_parse(&s, "4/4"), 0);
	assert_int_equal(s.index, 3);
	assert_int_equal(ddirr_shard_parse(&s, "1/1"), 0);
	assert_int_equal(s.total, 1);
}

static void shard__bad_k_of_n_is_refused(void **state)
{
	static const char *const bad[] = {"0/4", "5/4", "2", "/4", "2/", "a/4", "2/0", "-1/4", "1/4x", ""};
	ddirr_shard s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ddirr_shard_parse(&s, bad[i]), DDIRR_EINVAL);
		assert_non_null(strstr(ddirr_error_last(), "shard"));
	}
}

static void shard__every_pair_is_in_exactly_one_shard(void **state)
{
	size_t pairs, p;
	unsigned n, k;

	(void)state;
	for (n = 1; n <= 9; n++)
		for (pairs = 0; pairs <= 40; pairs += 1 + pairs / 4)
			for (p = 0; p < pairs; p++) {
				unsigned owners = 0;

				for (k = 0; k < n; k++) {
					ddirr_shard s = {k, n};

					owners += (unsigned)ddirr_shard_owns(&s, p);
				}
				assert_int_equal(owners, 1);
			}
}

/* Round robin: shard sizes differ by at most one. */
static void shard__shards_are_balanced(void **state)
{
	size_t pairs = 108, p;
	unsigned n, k;

	(void)state;
	for (n = 1; n <= 7; n++) {
		size_t lo = pairs, hi = 0;

		for (k = 0; k < n; k++) {
			ddirr_shard s = {k, n};
			size_t c = 0;

			for (p = 0; p < pairs; p++)
				c += (size_t)ddirr_shard_owns(&s, p);
			lo = c < lo ? c : lo;
			hi = c > hi ? c : hi;
		}
		assert_true(hi - lo <= 1);
	}
}

static void shard__gitlab_ci_node_index_is_one_based(void **state)
{
	ddirr_shard s;
	int found;

	(void)state;
	clear_env();
	setenv("CI_NODE_INDEX", "3", 1);
	setenv("CI_NODE_TOTAL", "5", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), 0);
	assert_true(found);
	assert_int_equal(s.index, 2);
	assert_int_equal(s.total, 5);
	setenv("CI_NODE_INDEX", "0", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), DDIRR_EINVAL);
	setenv("CI_NODE_INDEX", "6", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), DDIRR_EINVAL);
	unsetenv("CI_NODE_TOTAL");
	setenv("CI_NODE_INDEX", "1", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), DDIRR_EINVAL);
	clear_env();
}

static void shard__kubernetes_job_completion_index_is_zero_based(void **state)
{
	ddirr_shard s;
	int found;

	(void)state;
	clear_env();
	setenv("JOB_COMPLETION_INDEX", "0", 1);
	setenv("DDIRR_SHARD_TOTAL", "4", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), 0);
	assert_true(found);
	assert_int_equal(s.index, 0);
	assert_int_equal(s.total, 4);
	setenv("JOB_COMPLETION_INDEX", "3", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), 0);
	assert_int_equal(s.index, 3);
	setenv("JOB_COMPLETION_INDEX", "4", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), DDIRR_EINVAL);
	/* Without a total there is no telling how many shards there are. */
	unsetenv("DDIRR_SHARD_TOTAL");
	setenv("JOB_COMPLETION_INDEX", "1", 1);
	assert_int_equal(ddirr_shard_from_env(&s, &found), DDIRR_EINVAL);
	assert_non_null(strstr(ddirr_error_last(), "DDIRR_SHARD_TOTAL"));
	clear_env();
}

static void shard__no_variable_means_no_sharding(void **state)
{
	ddirr_shard s = {7, 9};
	int found = 1;

	(void)state;
	clear_env();
	assert_int_equal(ddirr_shard_from_env(&s, &found), 0);
	assert_false(found);
	assert_int_equal(s.index, 0);
	assert_int_equal(s.total, 1);
	assert_true(ddirr_shard_owns(&s, 12345));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shard__k_of_n_is_one_based),
		cmocka_unit_test(shard__bad_k_of_n_is_refused),
		cmocka_unit_test(shard__every_pair_is_in_exactly_one_shard),
		cmocka_unit_test(shard__shards_are_balanced),
		cmocka_unit_test(shard__gitlab_ci_node_index_is_one_based),
		cmocka_unit_test(shard__kubernetes_job_completion_index_is_zero_based),
		cmocka_unit_test(shard__no_variable_means_no_sharding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
