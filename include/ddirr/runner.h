/* Running many replays: one replay isolated in a child process, driver
 * lists in version order, `ddirr bisect` over driver builds, shards of a
 * corpus for CI engines, the corpus manifest of expected verdicts, and
 * `ddirr corpus` itself (docs/corpus.md).
 *
 * Each replay runs in a child process (fork), so a driver that crashes,
 * hangs on a lock or corrupts memory costs one verdict, not the run, and
 * every replay starts from a freshly loaded driver.
 *
 * Errors are negative DDIRR_E* codes with a message from ddirr_error_last(). */
#ifndef DDIRR_RUNNER_H
#define DDIRR_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * One isolated replay. The verdict is an enum ddirr_replay_verdict
 * (ddirr/replay.h), or one of these, which only an isolated run can see. */
enum ddirr_run_verdict {
	DDIRR_RUN_CRASH = 16, /* the replay process died (a signal): the driver crashed */
	DDIRR_RUN_ERROR = 17  /* the replay could not start: the trace cannot be read, bad options */
};

typedef struct ddirr_run {
	int verdict;       /* enum ddirr_replay_verdict or enum ddirr_run_verdict */
	int exit_code;     /* what `ddirr replay` exits with for it: 0, 1, 2 or 125 */
	char summary[512]; /* the first divergence, the reason, or "" for a pass */
	double seconds;
} ddirr_run;

/* Replays trace against target ("model" or "driver:PATH") in a child
 * process and waits for it. strict: a truncated trace fails. Returns 0
 * with *out filled whatever the verdict, or DDIRR_EIO (fork or pipe failed).
 * timeout_s > 0 kills a replay that runs longer (verdict crash). */
int ddirr_run_replay(ddirr_run *out, const char *trace, const char *target, int strict, unsigned timeout_s);

/* "pass", "divergence", "violation", "truncated", "cannot-test", "crash",
 * "error"; NULL for an unknown verdict. */
const char *ddirr_run_verdict_name(int verdict);
/* The verdict for a name, or -1. */
int ddirr_run_verdict_lookup(const char *name);
/* 1 for the verdicts that pass (pass, and truncated unless strict). */
int ddirr_run_verdict_passes(int verdict, int strict);

/* ------------------------------------------------------------------------
 * Driver lists. */

/* Expands args into a list of targets: a directory stands for the driver
 * shared objects (*.so) in it, in version order; "model" stays "model";
 * a file becomes "driver:FILE"; "driver:FILE" stays. *out is an array of
 * *n strings the caller frees with ddirr_target_list_free().
 * Errors: DDIRR_EINVAL (an argument that is none of these, an empty
 * directory), DDIRR_EIO, DDIRR_ENOMEM. */
int ddirr_target_list(char ***out, size_t *n, const char *const *args, size_t n_args);
void ddirr_target_list_free(char **list, size_t n);

/* Compares two names in version order: runs of digits compare as numbers,
 * so "samplekmd-1.10" comes after "samplekmd-1.9". Like strcmp's sign. */
int ddirr_version_compare(const char *a, const char *b);

/* The name of a target in reports and manifests: "model", or the driver
 * file's name without a "lib" prefix and the ".so" suffix
 * ("driver:/x/samplekmd-1.3.so" is "samplekmd-1.3"). */
void ddirr_target_name(char *buf, size_t size, const char *target);

/* ------------------------------------------------------------------------
 * Bisect: the first build whose verdict differs from the first build's. */

/* Replays against build i (0 = the first, oldest) and gives its verdict and
 * a one-line summary. Returns 0, or a negative error that stops the bisect. */
typedef int (*ddirr_bisect_oracle_fn)(void *ctx, size_t build, int *verdict, char *summary, size_t size);

enum ddirr_bisect_status {
	DDIRR_BISECT_FOUND = 1,      /* first_diff is the first build whose verdict differs */
	DDIRR_BISECT_NONE = 2,       /* every build gives the first build's verdict */
	DDIRR_BISECT_UNTESTABLE = 3  /* the first build, or every build that could decide, cannot be tested */
};

#define DDIRR_BISECT_MAX_STEPS 64

typedef struct ddirr_bisect_step {
	size_t build;
	int verdict;
	char summary[256];
} ddirr_bisect_step;

typedef struct ddirr_bisect_result {
	int status;            /* enum ddirr_bisect_status */
	int reference;         /* the first build's verdict */
	size_t first_diff;     /* FOUND: the first build whose verdict differs */
	size_t last_same;      /* FOUND: the build before it (all between were skipped, if any) */
	size_t replays;        /* oracle calls made, the reference included */
	ddirr_bisect_step steps[DDIRR_BISECT_MAX_STEPS];
	size_t n_steps;
} ddirr_bisect_result;

/* Binary search over n builds, assuming verdicts change once (like git
 * bisect): the reference replay plus at most ceil(log2 n) more, when no
 * build is skipped. A build that cannot be tested (cannot-test) is skipped
 * as `git bisect skip` does, and the search tries its neighbours. log (may
 * be NULL) gets one line per step, named by names[i] (may be NULL).
 * Returns 0 with *out filled, DDIRR_EINVAL (n < 2), or the oracle's error. */
int ddirr_bisect(ddirr_bisect_result *out, size_t n, ddirr_bisect_oracle_fn oracle, void *ctx,
		 const char *const *names, FILE *log);

/* ------------------------------------------------------------------------
 * Shards: pair p of a corpus (in its canonical order) belongs to shard
 * p mod total, so shards are disjoint and cover every pair. */
typedef struct ddirr_shard {
	unsigned index; /* 0-based */
	unsigned total; /* 1 = no sharding */
} ddirr_shard;

#define DDIRR_SHARD_NONE {0, 1}

/* Parses "K/N" with K 1-based (1 <= K <= N), as CI_NODE_INDEX counts.
 * Errors: DDIRR_EINVAL naming the text. */
int ddirr_shard_parse(ddirr_shard *out, const char *text);
/* Reads the shard from the environment: CI_NODE_INDEX (1-based, GitLab
 * CI) with CI_NODE_TOTAL; else JOB_COMPLETION_INDEX (0-based, Kubernetes
 * indexed jobs) with DDIRR_SHARD_TOTAL, or CI_NODE_TOTAL (Kubernetes does
 * not export the completion count). *found is 0 (and *out no sharding)
 * when none is set. Errors: DDIRR_EINVAL (bad or inconsistent values). */
int ddirr_shard_from_env(ddirr_shard *out, int *found);
/* Whether pair p belongs to the shard. */
int ddirr_shard_owns(const ddirr_shard *s, size_t p);

/* ------------------------------------------------------------------------
 * The manifest (traces/manifest.tsv): tab-separated, '#' comments, a header
 * row starting with "trace" that names the columns; the columns that name a
 * target ("model", "samplekmd-1.3", ...) hold the expected verdicts. */
typedef struct ddirr_manifest ddirr_manifest;

/* Errors: DDIRR_EIO, DDIRR_EINVAL (malformed: the line and why), DDIRR_ENOMEM. */
int ddirr_manifest_load(ddirr_manifest **out, const char *path);
void ddirr_manifest_free(ddirr_manifest *m);
/* The expected verdict of a trace (its file name) against a target name,
 * or -1 when the manifest has no such row or column. */
int ddirr_manifest_expect(const ddirr_manifest *m, const char *trace, const char *target);
/* A cell of a row by column name ("scenario", "seed", ...), or NULL. */
const char *ddirr_manifest_get(const ddirr_manifest *m, const char *trace, const char *column);
/* Sets a verdict cell, adding the column when missing; then save writes
 * the manifest back (comments and column order kept). */
int ddirr_manifest_set(ddirr_manifest *m, const char *trace, const char *target, int verdict);
int ddirr_manifest_save(const ddirr_manifest *m, const char *path);

/* ------------------------------------------------------------------------
 * The corpus: every trace of a folder against every target. */

#define DDIRR_CORPUS_OPTIONS_VERSION 1

typedef struct ddirr_corpus_options {
	unsigned version;          /* DDIRR_CORPUS_OPTIONS_VERSION */
	const char *dir;           /* the traces: every *.ddirr in it */
	const char *const *targets; /* from ddirr_target_list() */
	size_t n_targets;
	unsigned jobs;             /* replays at once; 0 = 1 */
	ddirr_shard shard;         /* DDIRR_SHARD_NONE for all of it */
	/* Expected verdicts; NULL: every pair is expected to pass. With a
	   manifest, a trace or target it does not name is an error. */
	const ddirr_manifest *manifest;
	ddirr_manifest *update;    /* non-NULL: record every verdict into it */
	const char *junit;         /* NULL, or a JUnit XML file to write */
	int strict;                /* a truncated trace fails */
	unsigned timeout_s;        /* per replay; 0 = none */
	FILE *out;                 /* one line per pair and a summary; NULL = quiet */
} ddirr_corpus_options;

#define DDIRR_CORPUS_OPTIONS_INIT {.version = DDIRR_CORPUS_OPTIONS_VERSION, .shard = DDIRR_SHARD_NONE}

typedef struct ddirr_corpus_result {
	size_t traces, targets;
	size_t pairs;      /* traces x targets */
	size_t run;        /* pairs of this shard, replayed */
	size_t as_expected;
	size_t unexpected; /* a verdict other than the expected one */
	double seconds;
} ddirr_corpus_result;

/* Returns 0 with *out filled (the pairs' results, whatever they are), or
 * DDIRR_EINVAL (no traces, a pair the manifest does not name), DDIRR_EIO
 * (the folder or the JUnit file), DDIRR_ENOMEM. */
int ddirr_corpus_run(ddirr_corpus_result *out, const ddirr_corpus_options *opts);

#ifdef __cplusplus
}
#endif
#endif
