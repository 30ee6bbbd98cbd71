/* ddirr_bisect (runner.h): the first build whose verdict differs from the
 * first build's, by binary search.
 *
 * Builds [1, lo) are known to give the reference verdict (or were skipped),
 * and build hi is known to differ (hi == n: none does, so far). Each replay
 * of a build in between halves [lo, hi): with n builds that is at most
 * ceil(log2 n) replays after the reference, as long as none is skipped. A
 * build that cannot be tested is skipped, as `git bisect skip` does: the
 * search tries the nearest untried build of the same range instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "runner_internal.h"

static const char *name_of(const char *const *names, size_t i, char *buf, size_t size)
{
	if (names && names[i])
		return names[i];
	snprintf(buf, size, "build %zu", i);
	return buf;
}

static int test(ddirr_bisect_result *r, size_t i, ddirr_bisect_oracle_fn oracle, void *ctx, int *verdict)
{
	char summary[256] = "";
	int rc = oracle(ctx, i, verdict, summary, sizeof(summary));

	if (rc < 0)
		return rc;
	r->replays++;
	if (r->n_steps < DDIRR_BISECT_MAX_STEPS) {
		ddirr_bisect_step *s = &r->steps[r->n_steps++];

		s->build = i;
		s->verdict = *verdict;
		snprintf(s->summary, sizeof(s->summary), "%s", summary);
	}
	return 0;
}

static void say(FILE *log, const ddirr_bisect_result *r, const char *const *names, size_t left, int ref)
{
	const ddirr_bisect_step *s = &r->steps[r->n_steps - 1];
	char buf[32];
	const char *v = ddirr_run_verdict_name(s->verdict);

	if (!log || !r->n_steps)
		return;
	fprintf(log, "bisect: replay %zu: %s: %s", r->replays, name_of(names, s->build, buf, sizeof(buf)),
		v ? v : "?");
	if (ref)
		fprintf(log, " (the reference)");
	else if (s->verdict == DDIRR_REPLAY_CANNOT_TEST)
		fprintf(log, " (skipped)");
	else
		fprintf(log, " (%s the reference; %zu build(s) left to search)",
			s->verdict == r->reference ? "same as" : "differs from", left);
	if (s->summary[0] && s->verdict != DDIRR_REPLAY_PASS)
		fprintf(log, "\n        %s", s->summary);
	fputc('\n', log);
}

int ddirr_bisect(ddirr_bisect_result *out, size_t n, ddirr_bisect_oracle_fn oracle, void *ctx,
		 const char *const *names, FILE *log)
{
	unsigned char *skipped;
	size_t lo = 1, hi = n, i;
	int verdict, rc;

	memset(out, 0, sizeof(*out));
	if (n < 2 || !oracle)
		return ddirr_error_set(DDIRR_EINVAL, "bisect: needs at least two builds");
	if ((rc = test(out, 0, oracle, ctx, &out->reference)))
		return rc;
	say(log, out, names, n - 1, 1);
	if (out->reference == DDIRR_REPLAY_CANNOT_TEST) {
		out->status = DDIRR_BISECT_UNTESTABLE;
		return 0;
	}
	if (!(skipped = calloc(n, 1)))
		return ddirr_error_set(DDIRR_ENOMEM, "bisect: out of memory");
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, c = n, d;

		/* The middle, or the untried build nearest to it. */
		for (d = 0; c == n && (mid + d < hi || mid >= lo + d); d++) {
			if (mid + d < hi && !skipped[mid + d])
				c = mid + d;
			else if (d && mid >= lo + d && !skipped[mid - d])
				c = mid - d;
		}
		if (c == n)
			break; /* every build left is untestable */
		if ((rc = test(out, c, oracle, ctx, &verdict))) {
			free(skipped);
			return rc;
		}
		if (verdict == DDIRR_REPLAY_CANNOT_TEST) {
			skipped[c] = 1;
			say(log, out, names, hi - lo, 0);
			continue;
		}
		if (verdict == out->reference)
			lo = c + 1;
		else
			hi = c;
		say(log, out, names, hi - lo, 0);
	}
	/* Skipped builds below hi: the change may be at any of them. */
	for (i = lo; i < hi; i++)
		if (skipped[i])
			break;
	free(skipped);
	if (i < hi) {
		out->status = DDIRR_BISECT_UNTESTABLE;
		out->last_same = lo - 1;
		out->first_diff = hi;
		return 0;
	}
	if (hi == n) {
		out->status = DDIRR_BISECT_NONE;
		return 0;
	}
	out->status = DDIRR_BISECT_FOUND;
	out->first_diff = hi;
	out->last_same = hi - 1;
	return 0;
}
