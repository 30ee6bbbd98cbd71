/* fixture_host: a stand-in for dxgkrnl that loads the fixture driver and
 * issues every slice call, for the preload test (test_preload.sh).
 *
 *   fixture_host run DRIVER.so ROUNDS COUNTS_OUT
 *       loads the driver, starts the adapter, issues ROUNDS rounds of every
 *       DDI (random arguments from the description) and of every callback,
 *       and writes the calls per id to COUNTS_OUT ("id count" lines).
 *   fixture_host run-fork DRIVER.so ROUNDS COUNTS_OUT exit|abort|usr2
 *       the same, but forks after half the rounds. The child issues ROUNDS
 *       rounds of its own, then ends: exit(0) (destructors run), abort()
 *       (the crash handlers run), or SIGUSR2 to itself (the flight trigger)
 *       then exit(0). The parent waits for it (at most 30 s, then kills it
 *       and fails), checks how it ended, and issues the other half. The
 *       counts are the parent's calls only; COUNTS_OUT.fork gets "PID N":
 *       the child's pid and the calls the parent made before the fork.
 *   fixture_host run-exec DRIVER.so ROUNDS COUNTS_OUT execl|execvp|fail MARKER
 *       run, then the process replaces itself: with execl or execvp of
 *       this program (`exec-done MARKER`, which writes MARKER), or, for
 *       `fail`, with an exec of a path that does not exist, after which it
 *       issues one more round (not counted) and ends with 0.
 *   fixture_host exec-done MARKER
 *       writes "exec" to MARKER.
 *   fixture_host check TRACE COUNTS
 *       reads TRACE back and checks it has exactly an entry and an exit per
 *       counted call, entry seqs 1..N each once, every callback the
 *       driver made from inside a DDI carrying that DDI's seq, and a
 *       complete verdict without problems. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "fixture.h"
#include "frame_fill.h"

static uint64_t counts[DDIRR_DDI_MAX_PLUS_ONE];

static void count_callback(uint32_t id, void *frame, void *ctx)
{
	(void)frame;
	(void)ctx;
	if (ddirr_ddi_kind(id) == DDIRR_KIND_CB)
		counts[id]++;
}

/* Rounds [from, to) of every DDI but the adapter's start and stop. */
static void issue_rounds(ddirr_arena *a, int from, int to)
{
	uint32_t id;
	int r;

	for (r = from; r < to; r++) {
		for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
			fill_opts o = {.mode = FILL_RANDOM, .len = 4, .blob_len = 8, .variant = (unsigned)r,
				       .seed = (uint64_t)r * 100 + id};
			void *frame;

			if (id == DDIRR_DDI_AddDevice || id == DDIRR_DDI_StartDevice || id == DDIRR_DDI_StopDevice ||
			    id == DDIRR_DDI_RemoveDevice)
				continue;
			frame = frame_fill(id, &o, a);
			fixture_host_call(id, frame);
			if (ddirr_ddi_kind(id) == DDIRR_KIND_DDI)
				counts[id]++; /* callbacks count where they arrive */
			ddirr_arena_reset(a);
		}
	}
}

/* The child of run-fork: its own rounds, then the end asked for. */
static void child(ddirr_arena *a, int rounds, const char *end)
{
	issue_rounds(a, 1000, 1000 + rounds);
	if (!strcmp(end, "abort"))
		abort();
	if (!strcmp(end, "usr2"))
		raise(SIGUSR2);
	exit(0);
}

/* Waits for the child of run-fork (30 s at most) and checks how it ended. */
static int reap(pid_t pid, const char *end)
{
	int status, waited;

	for (waited = 0; waited < 30000; waited += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			int ok = !strcmp(end, "abort") ? WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT
							 : WIFEXITED(status) && WEXITSTATUS(status) == 0;

			if (!ok)
				fprintf(stderr, "fixture_host run-fork: the child (%s) ended with status 0x%x\n", end,
					status);
			return ok ? 0 : 1;
		}
		if (w < 0) {
			perror("fixture_host run-fork: waitpid");
			return 1;
		}
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fprintf(stderr, "fixture_host run-fork: the child (%s) still ran after 30 s: killed\n", end);
	return 1;
}

/* run-fork: OUT.fork gets the child's pid and the calls made before the
 * fork (each took one seq), which the trace's fork note must hold. */
static int note_fork(const char *out, pid_t pid)
{
	unsigned long long issued = 0;
	char path[4096];
	uint32_t id;
	FILE *f;

	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++)
		issued += counts[id];
	snprintf(path, sizeof(path), "%s.fork", out);
	if (!(f = fopen(path, "w")))
		return 1;
	fprintf(f, "%ld %llu\n", (long)pid, issued);
	return fclose(f) != 0;
}

/* run, and run-fork when fork_end is not NULL. */
static int run(const char *driver, int rounds, const char *out, const char *fork_end)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	FILE *f;
	uint32_t id;
	int bad = 0;

	if (fixture_host_load(driver, NULL) || fixture_host_start())
		return 1;
	counts[DDIRR_DDI_AddDevice] = counts[DDIRR_DDI_StartDevice] = 1;
	fixture_host_set_check(count_callback, NULL);
	if (fork_end) {
		pid_t pid;

		issue_rounds(&a, 0, rounds / 2);
		/* Past the flush interval (100 ms by default): the drain
		   thread has written the first half and sleeps, so a child's
		   crash handler would find the drain free to take. */
		nanosleep(&(struct timespec){0, 250 * 1000 * 1000}, NULL);
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fixture_host run-fork: fork");
			return 1;
		}
		if (pid == 0)
			child(&a, rounds, fork_end);
		bad = note_fork(out, pid) || reap(pid, fork_end);
		issue_rounds(&a, rounds / 2, rounds);
	} else {
		issue_rounds(&a, 0, rounds);
	}
	{
		ddirr_frame_StopDevice stop = {FIXTURE_DRIVER_CONTEXT, 0};
		ddirr_frame_RemoveDevice rm = {FIXTURE_DRIVER_CONTEXT, 0};

		fixture_host_call(DDIRR_DDI_StopDevice, &stop);
		fixture_host_call(DDIRR_DDI_RemoveDevice, &rm);
		counts[DDIRR_DDI_StopDevice] = counts[DDIRR_DDI_RemoveDevice] = 1;
	}
	ddirr_arena_release(&a);
	if (!(f = fopen(out, "w")))
		return 1;
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++)
		fprintf(f, "%u %llu\n", id, (unsigned long long)counts[id]);
	return fclose(f) || bad ? 1 : 0;
}

static int fail(const char *what)
{
	fprintf(stderr, "fixture_host check: %s\n", what);
	return 1;
}

static int check(const char *trace, const char *counts_path)
{
	uint64_t want[DDIRR_DDI_MAX_PLUS_ONE] = {0}, entries[DDIRR_DDI_MAX_PLUS_ONE] = {0},
		 exits[DDIRR_DDI_MAX_PLUS_ONE] = {0};
	uint64_t total = 0, n_entries = 0, max_seq = 0, parents_ok = 0, cbs = 0;
	unsigned char *seen;
	uint32_t *ddi_of;
	const ddirr_event *ev;
	const ddirr_trace_verdict *v;
	ddirr_trace *t = NULL;
	unsigned id;
	unsigned long long n;
	FILE *f = fopen(counts_path, "r");
	int rc;

	if (!f)
		return fail("cannot read the counts");
	while (fscanf(f, "%u %llu", &id, &n) == 2)
		if (id < DDIRR_DDI_MAX_PLUS_ONE)
			total += want[id] = n;
	fclose(f);
	if (ddirr_trace_open(&t, trace))
		return fail(ddirr_error_last());
	seen = calloc(total + 1, 1);
	ddi_of = calloc(total + 1, sizeof(*ddi_of));
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		if (ev->seq == 0 || ev->seq > total || ev->ddi >= DDIRR_DDI_MAX_PLUS_ONE)
			return fail("a seq or DDI out of range");
		if (ev->phase == DDIRR_PHASE_EXIT) {
			exits[ev->ddi]++;
			continue;
		}
		if (seen[ev->seq]++)
			return fail("an entry seq appears twice");
		ddi_of[ev->seq] = ev->ddi;
		entries[ev->ddi]++;
		n_entries++;
		if (ev->seq > max_seq)
			max_seq = ev->seq;
		if (ev->parent_seq) {
			/* made by the driver inside CreateContext or CreateProcess,
			   whose entry comes first on the same thread */
			uint32_t parent = ev->parent_seq <= total ? ddi_of[ev->parent_seq] : 0;

			cbs++;
			parents_ok += (parent == DDIRR_DDI_CreateContext && (ev->ddi == DDIRR_DDI_CreateContextAllocation ||
									      ev->ddi == DDIRR_DDI_MapContextAllocation)) ||
				      (parent == DDIRR_DDI_CreateProcess && ev->ddi == DDIRR_DDI_ReserveGpuVirtualAddressRange);
		}
	}
	if (rc < 0)
		return fail(ddirr_error_last());
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++)
		if (entries[id] != want[id] || exits[id] != want[id]) {
			fprintf(stderr, "fixture_host check: %s: %llu calls, %llu entries, %llu exits\n", ddirr_ddi_name(id),
				(unsigned long long)want[id], (unsigned long long)entries[id],
				(unsigned long long)exits[id]);
			return 1;
		}
	if (n_entries != total || max_seq != total)
		return fail("entry seqs are not 1..N");
	if (parents_ok != cbs || cbs != 2 * want[DDIRR_DDI_CreateContext] + want[DDIRR_DDI_CreateProcess])
		return fail("a callback made inside a DDI does not carry its seq");
	v = ddirr_trace_get_verdict(t);
	if (!v || v->kind != DDIRR_VERDICT_COMPLETE)
		return fail("the verdict is not complete");
	if (v->n_problems || v->problems_dropped) /* such as bytes no chunk of the index accounts for */
		return fail(v->n_problems ? v->problems[0].message : "problems beyond those kept");
	printf("fixture_host check: %llu calls, %llu callbacks with their parent, complete\n",
	       (unsigned long long)total, (unsigned long long)cbs);
	free(seen);
	free(ddi_of);
	ddirr_trace_free(t);
	return 0;
}

/* The end of run-exec: the process replaces itself (see the top). */
static int replace_self(const char *how, const char *marker)
{
	char *argv[] = {"fixture_host", "exec-done", (char *)marker, NULL};
	ddirr_arena a = DDIRR_ARENA_INIT;

	fflush(NULL);
	if (!strcmp(how, "execl"))
		execl("/proc/self/exe", "fixture_host", "exec-done", marker, (char *)NULL);
	else if (!strcmp(how, "execvp"))
		execvp("/proc/self/exe", argv);
	else if (execl("/nonexistent/ddirr-no-such-program", "x", (char *)NULL) < 0 && errno == ENOENT) {
		issue_rounds(&a, 5000, 5001); /* unrecorded now */
		ddirr_arena_release(&a);
		return 0;
	}
	perror("fixture_host run-exec");
	return 1;
}

static int exec_done(const char *marker)
{
	FILE *f = fopen(marker, "w");

	return !f || fputs("exec\n", f) < 0 || fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "run"))
		return run(argv[2], atoi(argv[3]), argv[4], NULL);
	if (argc == 6 && !strcmp(argv[1], "run-fork") &&
	    (!strcmp(argv[5], "exit") || !strcmp(argv[5], "abort") || !strcmp(argv[5], "usr2")))
		return run(argv[2], atoi(argv[3]), argv[4], argv[5]);
	if (argc == 7 && !strcmp(argv[1], "run-exec") &&
	    (!strcmp(argv[5], "execl") || !strcmp(argv[5], "execvp") || !strcmp(argv[5], "fail")))
		return run(argv[2], atoi(argv[3]), argv[4], NULL) || replace_self(argv[5], argv[6]);
	if (argc == 3 && !strcmp(argv[1], "exec-done"))
		return exec_done(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "check"))
		return check(argv[2], argv[3]);
	fprintf(stderr, "usage: fixture_host run DRIVER.so ROUNDS COUNTS_OUT | run-fork DRIVER.so ROUNDS COUNTS_OUT "
			"exit|abort|usr2 | run-exec DRIVER.so ROUNDS COUNTS_OUT execl|execvp|fail MARKER | "
			"exec-done MARKER | check TRACE COUNTS\n");
	return 2;
}
