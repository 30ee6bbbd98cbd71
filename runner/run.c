/* One replay in a child process (ddirr_run_replay, runner.h). The child
 * replays with the public API and writes a fixed-size ddirr_run into a
 * pipe before it exits; the parent reads it after the child is gone. A
 * child that dies first (a crash, the timeout's SIGALRM) leaves fewer
 * bytes, and that is the crash verdict. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "runner_internal.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void replay_in_child(int fd, const char *trace, const char *target, int strict, unsigned timeout_s)
{
	ddirr_replay_options o = DDIRR_REPLAY_OPTIONS_INIT;
	ddirr_replay_result *res = NULL;
	ddirr_run r;
	const char *p;
	size_t done = 0;

	memset(&r, 0, sizeof(r));
	if (timeout_s)
		alarm(timeout_s);
	o.trace = trace;
	o.target = target;
	o.strict = strict;
	if (ddirr_replay_run(&res, &o)) {
		r.verdict = DDIRR_RUN_ERROR;
		r.exit_code = 2;
		snprintf(r.summary, sizeof(r.summary), "%s", ddirr_error_last());
	} else {
		r.verdict = res->verdict;
		r.exit_code = ddirr_replay_exit_code(res, strict);
		if (res->n_divergences)
			snprintf(r.summary, sizeof(r.summary), "%s", res->divergences[0].message);
		else if (res->verdict != DDIRR_REPLAY_PASS) {
			snprintf(r.summary, sizeof(r.summary), "%s", res->reason);
		}
		ddirr_replay_result_free(res);
	}
	for (p = (const char *)&r; done < sizeof(r);) {
		ssize_t n = write(fd, p + done, sizeof(r) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	/* No exit handlers: the parent's buffers and atexit work are not ours. */
	_exit(0);
}

int run_start(run_child *c, const char *trace, const char *target, int strict, unsigned timeout_s)
{
	int fds[2];

	memset(c, 0, sizeof(*c));
	if (pipe(fds))
		return ddirr_error_set(DDIRR_EIO, "runner: pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	c->started = now_s();
	c->timeout_s = timeout_s;
	c->pid = fork();
	if (c->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ddirr_error_set(DDIRR_EIO, "runner: fork: %s", strerror(errno));
	}
	if (c->pid == 0) {
		close(fds[0]);
		replay_in_child(fds[1], trace, target, strict, timeout_s);
	}
	close(fds[1]);
	c->fd = fds[0];
	return 0;
}

void run_finish(run_child *c, int status, ddirr_run *out)
{
	size_t got = 0;

	memset(out, 0, sizeof(*out));
	while (got < sizeof(*out)) {
		ssize_t n = read(c->fd, (char *)out + got, sizeof(*out) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(c->fd);
	c->fd = -1;
	if (got != sizeof(*out) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

		memset(out, 0, sizeof(*out));
		out->verdict = DDIRR_RUN_CRASH;
		out->exit_code = 1;
		if (sig == SIGALRM && c->timeout_s)
			snprintf(out->summary, sizeof(out->summary), "the replay did not finish within %u s", c->timeout_s);
		else if (sig)
			snprintf(out->summary, sizeof(out->summary), "the replay died of signal %d (%s)", sig, strsignal(sig));
		else
			snprintf(out->summary, sizeof(out->summary), "the replay exited with %d before it gave a verdict",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	out->seconds = now_s() - c->started;
}

int ddirr_run_replay(ddirr_run *out, const char *trace, const char *target, int strict, unsigned timeout_s)
{
	run_child c;
	int status = 0, rc;

	if ((rc = run_start(&c, trace, target, strict, timeout_s)))
		return rc;
	while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR)
		;
	run_finish(&c, status, out);
	return 0;
}

static const char *const verdict_names[] = {
	[DDIRR_REPLAY_PASS] = "pass",
	[DDIRR_REPLAY_DIVERGENCE] = "divergence",
	[DDIRR_REPLAY_VIOLATION] = "violation",
	[DDIRR_REPLAY_TRUNCATED] = "truncated",
	[DDIRR_REPLAY_CANNOT_TEST] = "cannot-test",
	[DDIRR_RUN_CRASH] = "crash",
	[DDIRR_RUN_ERROR] = "error",
};

const char *ddirr_run_verdict_name(int verdict)
{
	if (verdict < 0 || (size_t)verdict >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return NULL;
	return verdict_names[verdict];
}

int ddirr_run_verdict_lookup(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++)
		if (verdict_names[i] && !strcmp(verdict_names[i], name))
			return (int)i;
	return -1;
}

int ddirr_run_verdict_passes(int verdict, int strict)
{
	return verdict == DDIRR_REPLAY_PASS || (verdict == DDIRR_REPLAY_TRUNCATED && !strict);
}
