/* Tests for runner/run.c: a replay in a child process gives the replay's
 * verdict and exit code, its first divergence as the summary; a driver
 * that crashes gives the crash verdict and leaves the caller running; an
 * unreadable trace is an error; and the verdict names round-trip. Uses the
 * committed corpus (traces/) and the sample driver builds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/replay.h"
#include "ddirr/runner.h"

static void target(char *buf, size_t size, const char *driver)
{
	snprintf(buf, size, "driver:%s/%s.so", SAMPLEKMD_DIR, driver);
}

static void run__gives_the_replays_verdict_and_exit_code(void **state)
{
	char t[1024];
	ddirr_run r;

	(void)state;
	target(t, sizeof(t), "samplekmd-1.4");
	assert_int_equal(ddirr_run_replay(&r, TRACES_DIR "/texture-streaming.ddirr", t, 0, 0), 0);
	assert_int_equal(r.verdict, DDIRR_REPLAY_PASS);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.summary, "");
	target(t, sizeof(t), "samplekmd-1.5");
	assert_int_equal(ddirr_run_replay(&r, TRACES_DIR "/texture-streaming.ddirr", t, 0, 0), 0);
	assert_int_equal(r.verdict, DDIRR_REPLAY_DIVERGENCE);
	assert_int_equal(r.exit_code, 1);
	assert_non_null(strstr(r.summary, "UnmapCpuHostAperture"));
	assert_int_equal(ddirr_run_replay(&r, TRACES_DIR "/texture-streaming.ddirr", "model", 0, 0), 0);
	assert_int_equal(r.verdict, DDIRR_REPLAY_PASS);
}

static void run__a_crashing_driver_is_the_crash_verdict(void **state)
{
	ddirr_run r;

	(void)state;
	assert_int_equal(ddirr_run_replay(&r, TRACES_DIR "/boot.ddirr", "driver:" CRASH_DRIVER, 0, 0), 0);
	assert_int_equal(r.verdict, DDIRR_RUN_CRASH);
	assert_int_equal(r.exit_code, 1);
	assert_true(strlen(r.summary) > 0);
}

static void run__an_unreadable_trace_is_an_error(void **state)
{
	ddirr_run r;

	(void)state;
	assert_int_equal(ddirr_run_replay(&r, TRACES_DIR "/manifest.tsv", "model", 0, 0), 0);
	assert_int_equal(r.verdict, DDIRR_RUN_ERROR);
	assert_int_equal(r.exit_code, 2);
}

static void run__verdict_names_round_trip(void **state)
{
	static const int all[] = {DDIRR_REPLAY_PASS, DDIRR_REPLAY_DIVERGENCE, DDIRR_REPLAY_VIOLATION,
				  DDIRR_REPLAY_TRUNCATED, DDIRR_REPLAY_CANNOT_TEST, DDIRR_RUN_CRASH, DDIRR_RUN_ERROR};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		assert_int_equal(ddirr_run_verdict_lookup(ddirr_run_verdict_name(all[i])), all[i]);
	assert_int_equal(ddirr_run_verdict_lookup("fine"), -1);
	assert_null(ddirr_run_verdict_name(99));
	assert_true(ddirr_run_verdict_passes(DDIRR_REPLAY_TRUNCATED, 0));
	assert_false(ddirr_run_verdict_passes(DDIRR_REPLAY_TRUNCATED, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run__gives_the_replays_verdict_and_exit_code),
		cmocka_unit_test(run__a_crashing_driver_is_the_crash_verdict),
		cmocka_unit_test(run__an_unreadable_trace_is_an_error),
		cmocka_unit_test(run__verdict_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
