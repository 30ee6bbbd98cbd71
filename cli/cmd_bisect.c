/* ddirr bisect --trace T DRIVER...: the first driver build whose verdict on
 * the trace differs from the first build's (runner.h). Builds are given
 * oldest first, or as a folder whose *.so files sort by version. Each step
 * is printed.
 * Exit codes: 0 found (it is printed); 1 every build gives the first
 * build's verdict; 2 usage or input error; 125 cannot tell (the first build,
 * or builds the answer depends on, cannot be tested). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "ddirr/runner.h"

typedef struct oracle_ctx {
	const char *trace;
	char **targets;
	int strict;
	unsigned timeout_s;
} oracle_ctx;

static int replay_build(void *ctx, size_t build, int *verdict, char *summary, size_t size)
{
	oracle_ctx *c = ctx;
	ddirr_run r;
	int rc = ddirr_run_replay(&r, c->trace, c->targets[build], c->strict, c->timeout_s);

	if (rc)
		return rc;
	/* An unreadable trace is the same for every build: stop there. */
	if (r.verdict == DDIRR_RUN_ERROR)
		return ddirr_error_set(DDIRR_EINVAL, "%s", r.summary);
	*verdict = r.verdict;
	snprintf(summary, size, "%s", r.summary);
	return 0;
}

static unsigned ceil_log2(size_t n)
{
	unsigned k = 0;

	while (((size_t)1 << k) < n)
		k++;
	return k;
}

int cmd_bisect(int argc, char **argv)
{
	oracle_ctx c = {0};
	const char **args = calloc((size_t)argc, sizeof(*args));
	char **names = NULL;
	size_t n_args = 0, n = 0, i;
	ddirr_bisect_result r;
	int code = EXIT_USAGE, k;

	if (!args)
		return EXIT_USAGE;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k];

		if (!strcmp(a, "--trace") || !strcmp(a, "--timeout")) {
			if (k + 1 >= argc) {
				free(args);
				return cli_usage_error("bisect: %s needs a value", a);
			}
			if (!strcmp(a, "--trace"))
				c.trace = argv[++k];
			else
				c.timeout_s = (unsigned)strtoul(argv[++k], NULL, 10);
		} else if (!strcmp(a, "--strict")) {
			c.strict = 1;
		} else if (a[0] == '-' && a[1]) {
			free(args);
			return cli_usage_error("bisect: unknown option '%s'", a);
		} else {
			args[n_args++] = a;
		}
	}
	if (!c.trace || !n_args) {
		free(args);
		return cli_usage_error("bisect: --trace T and the builds (oldest first, or a folder) are needed");
	}
	if (ddirr_target_list(&c.targets, &n, args, n_args)) {
		cli_print_error();
		goto out;
	}
	if (n < 2) {
		cli_usage_error("bisect: needs at least two builds, got %zu", n);
		goto out;
	}
	if (!(names = calloc(n, sizeof(*names))))
		goto out;
	for (i = 0; i < n; i++) {
		if (!(names[i] = malloc(128)))
			goto out;
		ddirr_target_name(names[i], 128, c.targets[i]);
	}
	printf("bisect: %s over %zu builds, %s .. %s\n", c.trace, n, names[0], names[n - 1]);
	if (ddirr_bisect(&r, n, replay_build, &c, (const char *const *)names, stdout)) {
		cli_print_error();
		goto out;
	}
	switch (r.status) {
	case DDIRR_BISECT_FOUND: {
		const ddirr_bisect_step *d = NULL;

		for (i = 0; i < r.n_steps; i++)
			if (r.steps[i].build == r.first_diff)
				d = &r.steps[i];
		printf("bisect: the first build whose verdict differs is %s: %s, where %s gives %s\n",
		       names[r.first_diff], d ? ddirr_run_verdict_name(d->verdict) : "?", names[r.last_same],
		       ddirr_run_verdict_name(r.reference));
		if (d && d->summary[0])
			printf("        %s\n", d->summary);
		code = EXIT_OK;
		break;
	}
	case DDIRR_BISECT_NONE:
		printf("bisect: every build gives the first build's verdict (%s)\n", ddirr_run_verdict_name(r.reference));
		code = EXIT_DAMAGED;
		break;
	default:
		if (r.reference == DDIRR_REPLAY_CANNOT_TEST)
			printf("bisect: cannot tell: the first build, %s, cannot be tested\n", names[0]);
		else
			printf("bisect: cannot tell: the change is between %s and %s, and the builds between cannot be "
			       "tested\n",
			       names[r.last_same], names[r.first_diff < n ? r.first_diff : n - 1]);
		code = EXIT_SKIP;
		break;
	}
	printf("bisect: %zu replay(s) for %zu builds (at most %u without skips)\n", r.replays, n, ceil_log2(n) + 1);
out:
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	ddirr_target_list_free(c.targets, n);
	free(args);
	return code;
}
