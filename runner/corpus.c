/* ddirr_corpus_run (runner.h): every trace of a folder against every
 * target, `jobs` replays at a time, each in its own process; the pairs of
 * one shard only; each verdict checked against the manifest. Results are
 * printed in pair order once all are in, so that the output does not depend
 * on which replay finished first. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "ddirr/error.h"
#include "ddirr/replay.h"
#include "runner_internal.h"

typedef struct pair {
	size_t trace, target;
	int expected;
	ddirr_run run;
	int done;
} pair;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.ddirr files of dir, by name. */
static int list_traces(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **list = NULL;
	size_t k = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return ddirr_error_set(DDIRR_EIO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *path;

		if (len < 7 || strcmp(e->d_name + len - 6, ".ddirr"))
			continue;
		if (k == cap) {
			char **l = realloc(list, (cap = cap ? cap * 2 : 32) * sizeof(*l));

			if (!l)
				break;
			list = l;
		}
		if (!(path = malloc(strlen(dir) + len + 2)))
			break;
		sprintf(path, "%s/%s", dir, e->d_name);
		list[k++] = path;
	}
	closedir(d);
	if (e) {
		ddirr_target_list_free(list, k);
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory listing %s", dir);
	}
	if (!k) {
		free(list);
		return ddirr_error_set(DDIRR_EINVAL, "%s: no trace (*.ddirr) in this folder", dir);
	}
	qsort(list, k, sizeof(*list), by_name);
	*out = list;
	*n = k;
	return 0;
}

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static void xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
			break;
		}
	}
}

static int ok(const pair *p, int strict)
{
	return p->expected >= 0 ? p->run.verdict == p->expected : ddirr_run_verdict_passes(p->run.verdict, strict);
}

static int write_junit(const char *path, pair *pairs, size_t n, char **traces, char names[][128],
		       const ddirr_corpus_result *r, int strict)
{
	FILE *f = fopen(path, "w");
	size_t i, failures = 0;

	if (!f)
		return ddirr_error_set(DDIRR_EIO, "%s: %s", path, strerror(errno));
	for (i = 0; i < n; i++)
		failures += pairs[i].done && !ok(&pairs[i], strict);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", r->run, failures, r->seconds);
	fprintf(f, "  <testsuite name=\"ddirr corpus\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", r->run,
		failures, r->seconds);
	for (i = 0; i < n; i++) {
		const pair *p = &pairs[i];
		const char *got = ddirr_run_verdict_name(p->run.verdict);

		if (!p->done)
			continue;
		fprintf(f, "    <testcase classname=\"");
		xml(f, names[p->target]);
		fprintf(f, "\" name=\"");
		xml(f, base_of(traces[p->trace]));
		fprintf(f, "\" time=\"%.3f\">", p->run.seconds);
		if (!ok(p, strict)) {
			fprintf(f, "\n      <failure message=\"");
			fprintf(f, "%s, expected %s", got ? got : "?",
				p->expected >= 0 ? ddirr_run_verdict_name(p->expected) : "pass");
			fprintf(f, "\">");
			xml(f, p->run.summary);
			fprintf(f, "</failure>\n    ");
		}
		fprintf(f, "</testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f))
		return ddirr_error_set(DDIRR_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the pairs of the shard, `jobs` at a time. */
static int run_pairs(pair *pairs, size_t n, char **traces, const ddirr_corpus_options *o)
{
	unsigned jobs = o->jobs ? o->jobs : 1;
	run_child *kids = calloc(jobs, sizeof(*kids));
	size_t *which = calloc(jobs, sizeof(*which));
	size_t next = 0, running = 0;
	unsigned k;
	int rc = 0;

	if (!kids || !which) {
		free(kids);
		free(which);
		return ddirr_error_set(DDIRR_ENOMEM, "corpus: out of memory");
	}
	for (k = 0; k < jobs; k++)
		kids[k].pid = 0;
	while (next < n || running) {
		int status;
		pid_t pid;

		for (k = 0; k < jobs && next < n && !rc; k++) {
			if (kids[k].pid)
				continue;
			if ((rc = run_start(&kids[k], traces[pairs[next].trace], o->targets[pairs[next].target],
					    o->strict, o->timeout_s)))
				break;
			which[k] = next++;
			running++;
		}
		if (!running)
			break;
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			rc = ddirr_error_set(DDIRR_EIO, "corpus: waitpid: %s", strerror(errno));
			break;
		}
		for (k = 0; k < jobs; k++)
			if (kids[k].pid == pid) {
				run_finish(&kids[k], status, &pairs[which[k]].run);
				pairs[which[k]].done = 1;
				kids[k].pid = 0;
				running--;
				break;
			}
	}
	/* After an error, collect what is still running. */
	for (k = 0; k < jobs; k++)
		if (kids[k].pid) {
			int status;

			waitpid(kids[k].pid, &status, 0);
			run_finish(&kids[k], status, &pairs[which[k]].run);
			pairs[which[k]].done = 1;
		}
	free(kids);
	free(which);
	return rc;
}

int ddirr_corpus_run(ddirr_corpus_result *out, const ddirr_corpus_options *o)
{
	char **traces = NULL;
	char (*names)[128] = NULL;
	pair *pairs = NULL;
	size_t n_traces = 0, n = 0, i, t, g;
	double t0 = now_s();
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o || o->version != DDIRR_CORPUS_OPTIONS_VERSION || !o->dir || !o->n_targets || !o->targets ||
	    !o->shard.total || o->shard.index >= o->shard.total)
		return ddirr_error_set(DDIRR_EINVAL, "corpus: a folder, targets and a valid shard are required");
	if ((rc = list_traces(o->dir, &traces, &n_traces)))
		return rc;
	names = calloc(o->n_targets, sizeof(*names));
	pairs = calloc(n_traces * o->n_targets, sizeof(*pairs));
	if (!names || !pairs) {
		rc = ddirr_error_set(DDIRR_ENOMEM, "corpus: out of memory");
		goto out;
	}
	for (g = 0; g < o->n_targets; g++)
		ddirr_target_name(names[g], sizeof(names[g]), o->targets[g]);
	out->traces = n_traces;
	out->targets = o->n_targets;
	out->pairs = n_traces * o->n_targets;
	/* The canonical order: traces by name, then targets as given; pair p
	   is trace p / targets, target p % targets. */
	for (t = 0; t < n_traces; t++)
		for (g = 0; g < o->n_targets; g++) {
			size_t p = t * o->n_targets + g;
			int expected = -1;

			if (!ddirr_shard_owns(&o->shard, p))
				continue;
			if (o->manifest) {
				expected = ddirr_manifest_expect(o->manifest, traces[t], names[g]);
				if (expected < 0 && !o->update) {
					rc = ddirr_error_set(DDIRR_EINVAL,
							     "corpus: the manifest has no verdict for %s against %s",
							     base_of(traces[t]), names[g]);
					goto out;
				}
			}
			pairs[n++] = (pair){.trace = t, .target = g, .expected = expected};
		}
	if ((rc = run_pairs(pairs, n, traces, o)))
		goto out;
	out->seconds = now_s() - t0;
	for (i = 0; i < n; i++) {
		pair *p = &pairs[i];
		const char *got = ddirr_run_verdict_name(p->run.verdict);

		out->run++;
		if (ok(p, o->strict))
			out->as_expected++;
		else
			out->unexpected++;
		if (o->update && (rc = ddirr_manifest_set(o->update, traces[p->trace], names[p->target], p->run.verdict)))
			goto out;
		if (!o->out)
			continue;
		fprintf(o->out, "%-4s %-28s %-16s %s", ok(p, o->strict) ? "ok" : "FAIL", base_of(traces[p->trace]),
			names[p->target], got ? got : "?");
		if (!ok(p, o->strict))
			fprintf(o->out, ", expected %s: %s",
				p->expected >= 0 ? ddirr_run_verdict_name(p->expected) : "pass", p->run.summary);
		fputc('\n', o->out);
	}
	if (o->out)
		fprintf(o->out,
			"corpus: %zu trace(s) x %zu target(s) = %zu pair(s); shard %u/%u ran %zu: %zu as expected, "
			"%zu not, in %.1f s\n",
			out->traces, out->targets, out->pairs, o->shard.index + 1, o->shard.total, out->run,
			out->as_expected, out->unexpected, out->seconds);
	if (o->junit)
		rc = write_junit(o->junit, pairs, n, traces, names, out, o->strict);
out:
	ddirr_target_list_free(traces, n_traces);
	free(names);
	free(pairs);
	return rc;
}
