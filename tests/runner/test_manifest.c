/* Tests for runner/manifest.c: the expected verdicts read from a manifest,
 * malformed manifests refused with the line, and set + save rewriting only
 * the cells set (comments and order kept, new targets as new columns). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "ddirr/runner.h"
#include "test_files.h"

static const char good[] = "# a comment\n"
			   "trace\tscenario\tseed\tmodel\tkmd-1.0\n"
			   "\n"
			   "a.ddirr\tboot\t1\tpass\tdivergence\n"
			   "b.ddirr\tboot\t2\tpass\tcrash\n";

static ddirr_manifest *load(const char *text, int expect_rc)
{
	char path[1024];
	ddirr_manifest *m = NULL;

	test_temp_path(path, sizeof(path), "manifest");
	test_put_file(path, text, strlen(text));
	assert_int_equal(ddirr_manifest_load(&m, path), expect_rc);
	remove(path);
	return m;
}

static void manifest__gives_the_expected_verdict_of_a_trace_and_target(void **state)
{
	ddirr_manifest *m = load(good, 0);

	(void)state;
	assert_int_equal(ddirr_manifest_expect(m, "a.ddirr", "model"), DDIRR_REPLAY_PASS);
	assert_int_equal(ddirr_manifest_expect(m, "/some/where/a.ddirr", "kmd-1.0"), DDIRR_REPLAY_DIVERGENCE);
	assert_int_equal(ddirr_manifest_expect(m, "b.ddirr", "kmd-1.0"), DDIRR_RUN_CRASH);
	assert_int_equal(ddirr_manifest_expect(m, "c.ddirr", "model"), -1);
	assert_int_equal(ddirr_manifest_expect(m, "a.ddirr", "kmd-2.0"), -1);
	assert_string_equal(ddirr_manifest_get(m, "b.ddirr", "seed"), "2");
	ddirr_manifest_free(m);
}

static void manifest__malformed_ones_are_refused_with_the_line(void **state)
{
	(void)state;
	assert_null(load("a.ddirr\tboot\n", DDIRR_EINVAL));
	assert_non_null(strstr(ddirr_error_last(), ":1: the first row must be the header"));
	assert_null(load("trace\tmodel\na.ddirr\tpass\textra\n", DDIRR_EINVAL));
	assert_non_null(strstr(ddirr_error_last(), ":2: 3 cells, the header has 2"));
	assert_null(load("# only a comment\n", DDIRR_EINVAL));
}

static void manifest__set_and_save_rewrite_only_those_cells(void **state)
{
	char path[1024];
	ddirr_manifest *m = NULL, *again = NULL;
	size_t len;
	char *text;

	(void)state;
	test_temp_path(path, sizeof(path), "manifest");
	test_put_file(path, good, strlen(good));
	assert_int_equal(ddirr_manifest_load(&m, path), 0);
	assert_int_equal(ddirr_manifest_set(m, "a.ddirr", "kmd-1.0", DDIRR_REPLAY_PASS), 0);
	assert_int_equal(ddirr_manifest_set(m, "b.ddirr", "kmd-1.1", DDIRR_REPLAY_VIOLATION), 0);
	assert_int_equal(ddirr_manifest_set(m, "nope.ddirr", "model", DDIRR_REPLAY_PASS), DDIRR_EINVAL);
	assert_int_equal(ddirr_manifest_save(m, path), 0);
	text = (char *)test_slurp(path, &len);
	text[len] = '\0'; /* test_slurp leaves a spare byte */
	assert_string_equal(text, "# a comment\n"
				  "trace\tscenario\tseed\tmodel\tkmd-1.0\tkmd-1.1\n"
				  "\n"
				  "a.ddirr\tboot\t1\tpass\tpass\t\n"
				  "b.ddirr\tboot\t2\tpass\tcrash\tviolation\n");
	free(text);
	assert_int_equal(ddirr_manifest_load(&again, path), 0);
	assert_int_equal(ddirr_manifest_expect(again, "b.ddirr", "kmd-1.1"), DDIRR_REPLAY_VIOLATION);
	assert_int_equal(ddirr_manifest_expect(again, "a.ddirr", "kmd-1.1"), -1); /* empty: no expectation */
	ddirr_manifest_free(m);
	ddirr_manifest_free(again);
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(manifest__gives_the_expected_verdict_of_a_trace_and_target),
		cmocka_unit_test(manifest__malformed_ones_are_refused_with_the_line),
		cmocka_unit_test(manifest__set_and_save_rewrite_only_those_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
