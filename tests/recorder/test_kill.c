/* SIGKILL during capture at random instants (docs/reliability.md, "Kills").
 *
 * Each round forks a child that records calls as fast as it can with a
 * 10 ms flush interval; the parent kills it after a random delay, then reads
 * the trace. The file must open, read to its end without a corrupt record,
 * have no gap, and say truncated; what it holds must be exactly the first
 * records the child issued (one thread: records in seq order, entry then
 * exit), and the last of them must be at most a flush interval (plus
 * scheduling slack) older than the kill.
 *
 * DDIRR_TEST_KILLS sets the rounds (200 by default; tests/stress/kill-1000.sh
 * runs 1000), DDIRR_TEST_SEED the random delays (the time by default; the
 * seed is printed). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "ddirr/trace.h"
#include "fixture.h"

enum {
	FLUSH_MS = 10,
	MAX_DELAY_US = 40000,
	/* A loaded 2-core CI machine may run the drain thread late; what is
	   asserted is the interval plus this, what is reported is measured. */
	SLACK_MS = 250
};

static DRIVER_INITIALIZATION_DATA driver_table;
static ddirr_recorder *loading_recorder;
static char path[4096];

static void on_initialize(DRIVER_INITIALIZATION_DATA *did)
{
	assert_int_equal(ddirr_recorder_wrap(loading_recorder, did), 0);
	driver_table = *did;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 10) : dflt;
}

static int group_setup(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	const char *dir = getenv("DDIRR_TEST_TMP");

	(void)state;
	snprintf(path, sizeof(path), "%s/kill.ddirr", dir ? dir : "/tmp");
	o.output = path;
	o.lttng = 0;
	assert_int_equal(ddirr_recorder_open(&loading_recorder, &o), 0);
	assert_int_equal(fixture_host_load(FIXTURE_DRIVER_PATH, on_initialize), 0);
	assert_int_equal(fixture_host_start(), 0);
	assert_int_equal(ddirr_recorder_close(loading_recorder), 0);
	return 0;
}

/* The child: records DestroyContext(i) for i = 1, 2, ... until killed;
 * writes a byte to `ready` once the first chunk is on disk. */
static void record_until_killed(int ready)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	DRIVER_INITIALIZATION_DATA d = driver_table;
	ddirr_recorder *r = NULL;
	uint64_t i;

	o.output = path;
	o.lttng = 0;
	o.flush_interval_ms = FLUSH_MS;
	if (ddirr_recorder_open(&r, &o) || ddirr_recorder_wrap(r, &d))
		_exit(3);
	fixture_host_driver_set(NULL, NULL, 1);
	for (i = 1;; i++) {
		ddirr_frame_DestroyContext f = {(HANDLE)(uintptr_t)i, 0};

		fixture_host_call(DDIRR_DDI_DestroyContext, &f);
		if (i == 100) {
			if (ddirr_recorder_sync(r) || write(ready, "r", 1) != 1)
				_exit(4);
		}
	}
}

typedef struct round_result {
	uint64_t records, loss_ns, bytes;
} round_result;

/* Reads the trace a killed child left: returns what it holds. */
static round_result check_trace(uint64_t killed_at, int round)
{
	round_result res = {0, 0, 0};
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	ddirr_trace *t = NULL;
	uint64_t last_ns = 0;
	size_t i;
	int rc;

	if (ddirr_trace_open(&t, path))
		fail_msg("kill %d: %s", round, ddirr_error_last());
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		const ddirr_frame_DestroyContext *f = ev->frame;
		uint64_t k = res.records++;

		if (ev->seq != k / 2 + 1 || ev->phase != (k % 2 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY) ||
		    ev->ddi != DDIRR_DDI_DestroyContext ||
		    (ev->phase == DDIRR_PHASE_ENTRY && (uint64_t)(uintptr_t)f->hContext != ev->seq))
			fail_msg("kill %d: record %llu is not the one issued", round, (unsigned long long)k);
		last_ns = ev->time_ns;
	}
	if (rc != 0)
		fail_msg("kill %d: next: %s", round, ddirr_error_last());
	v = ddirr_trace_get_verdict(t);
	/* The kill may cut the last write short: a frame that runs past the
	   end is a truncation, anything else is damage. */
	if (v->kind != DDIRR_VERDICT_TRUNCATED || v->n_gaps)
		fail_msg("kill %d: %s", round, v->summary);
	for (i = 0; i < v->n_problems; i++)
		if (v->problems[i].code != DDIRR_ETRUNC)
			fail_msg("kill %d: %s", round, v->problems[i].message);
	if (res.records < 200 || v->last_seq != res.records / 2 + res.records % 2)
		fail_msg("kill %d: %llu records, last seq %llu", round, (unsigned long long)res.records,
			 (unsigned long long)v->last_seq);
	res.bytes = ddirr_trace_get_stats(t)->file_size;
	res.loss_ns = killed_at > last_ns ? killed_at - last_ns : 0;
	if (res.loss_ns > (uint64_t)(FLUSH_MS + SLACK_MS) * 1000000u)
		fail_msg("kill %d: the last record recovered is %.1f ms older than the kill", round, res.loss_ns / 1e6);
	ddirr_trace_free(t);
	return res;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void recorder__sigkill_at_random_instants_leaves_a_readable_prefix(void **state)
{
	uint64_t kills = env_u64("DDIRR_TEST_KILLS", 200), seed = env_u64("DDIRR_TEST_SEED", (uint64_t)time(NULL));
	uint64_t *loss = calloc(kills, sizeof(*loss)), records = 0;
	uint64_t i;

	(void)state;
	assert_non_null(loss);
	srand((unsigned)seed);
	print_message("seed %llu, %llu kills\n", (unsigned long long)seed, (unsigned long long)kills);
	for (i = 0; i < kills; i++) {
		int ready[2], status;
		uint64_t killed_at;
		round_result res;
		char c;
		pid_t pid;

		unlink(path);
		assert_int_equal(pipe(ready), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(ready[0]);
			record_until_killed(ready[1]);
		}
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			fail_msg("kill %llu: the child did not start", (unsigned long long)i);
		close(ready[0]);
		usleep((useconds_t)(rand() % MAX_DELAY_US));
		killed_at = now_ns();
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		res = check_trace(killed_at, (int)i);
		loss[i] = res.loss_ns;
		records += res.records;
	}
	qsort(loss, kills, sizeof(*loss), cmp_u64);
	print_message("%llu kills survived, %llu records recovered; time lost per kill: median %.1f ms, "
		      "p99 %.1f ms, max %.1f ms (flush interval %d ms)\n",
		      (unsigned long long)kills, (unsigned long long)records, loss[kills / 2] / 1e6,
		      loss[kills * 99 / 100] / 1e6, loss[kills - 1] / 1e6, FLUSH_MS);
	unlink(path);
	free(loss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recorder__sigkill_at_random_instants_leaves_a_readable_prefix),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
