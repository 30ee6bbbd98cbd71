/* The replayer: reissues a trace's DDIs to a target (the aperture model or a
 * driver build), answers the driver's callbacks from the trace, remaps
 * handles and GPU VAs, compares every call by field class, and gives a
 * verdict that CI and `git bisect run` understand (docs/replay.md).
 *
 * Errors are negative DDIRR_E* codes with a message from ddirr_error_last()
 * (ddirr/error.h): they mean the replay could not even start or read its
 * input. Everything the replay finds (a divergence, a violation, a truncated
 * trace, a driver that will not load) is a verdict in the result instead. */
#ifndef DDIRR_REPLAY_H
#define DDIRR_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DDIRR_REPLAY_OPTIONS_VERSION 1

typedef struct ddirr_replay_options {
	unsigned int version; /* DDIRR_REPLAY_OPTIONS_VERSION */
	const char *trace;    /* the trace file */
	/* "model", or "driver:PATH" (a driver .so, loaded as dxgkrnl loads a KMD). */
	const char *target;
	/* Lockstep: NULL, or a second target in the same syntax. The trace then
	   drives both targets, and their results are compared with each other
	   call by call instead of with the trace. */
	const char *against;
	int shadow;      /* 1 (default): run the shadow model beside driver targets */
	int keep_going;  /* 1: list every divergence instead of stopping at the first */
	int strict;      /* 1: a truncated trace fails (exit 1) instead of passing with verdict truncated */
	int progress;    /* 1: draw a progress bar on stderr (the CLI sets it only on a TTY) */
	size_t lookahead; /* records the reorder stage may hold while a seq is missing; 0 = 1 << 20 */
	size_t max_divergences; /* kept in the result; later ones are only counted; 0 = 1000 */
} ddirr_replay_options;

#define DDIRR_REPLAY_OPTIONS_INIT {.version = DDIRR_REPLAY_OPTIONS_VERSION, .shadow = 1}

/* The verdict of one replay. */
enum ddirr_replay_verdict {
	DDIRR_REPLAY_PASS = 1,        /* every call matched */
	DDIRR_REPLAY_DIVERGENCE = 2,  /* a call, callback or probe answer differs */
	DDIRR_REPLAY_VIOLATION = 3,   /* no divergence, but an invariant of the aperture model broke */
	DDIRR_REPLAY_TRUNCATED = 4,   /* everything replayed matched, but the trace stops early */
	DDIRR_REPLAY_CANNOT_TEST = 5  /* the target could not run (driver will not load, ...) */
};

enum ddirr_divergence_kind {
	DDIRR_DIV_FIELD = 1,         /* an out-field or the return value differs */
	DDIRR_DIV_UNKNOWN_HANDLE,    /* a recorded handle no earlier call created (in its namespace) */
	DDIRR_DIV_CALLBACK,          /* the driver made another callback, other args, or one too few or many */
	DDIRR_DIV_PROBE,             /* the driver's probe translates differently from the model */
	DDIRR_DIV_VIOLATION          /* an aperture-model invariant broke (shadow model or model target) */
};

typedef struct ddirr_replay_divergence {
	int kind;             /* enum ddirr_divergence_kind */
	uint64_t seq;         /* the call; for a callback, the callback's own seq */
	uint64_t parent_seq;  /* for a callback: its DDI's seq; 0 otherwise */
	uint32_t ddi;         /* enum ddirr_ddi of the call (the recorded one) */
	int cls;              /* field class (schema/desc.h enum ddirr_field_class); 0 if none */
	int ns;               /* handle namespace for a handle; 0 otherwise */
	int invariant;        /* enum ddirr_invariant for a violation; 0 otherwise */
	char target[64];      /* which target: "model", "driver", or "driver vs model" in lockstep */
	char field[192];      /* e.g. "pCreateAllocation.pAllocationInfo[2].hAllocation" */
	char expected[96];    /* recorded value (translated to live values) */
	char actual[96];      /* what the target gave */
	char message[400];    /* one line that says it all */
	char history[400];    /* the object's history: created by, latest mapping calls */
} ddirr_replay_divergence;

typedef struct ddirr_replay_result {
	int verdict;              /* enum ddirr_replay_verdict */
	char reason[512];         /* truncated: "replayed up to seq N: ..."; cannot-test: why */
	char trace[256];
	char target[256];
	char against[256];        /* "" without lockstep */
	uint64_t records;         /* records read */
	uint64_t calls;           /* DDIs replayed (callbacks not counted) */
	uint64_t callbacks;       /* callbacks answered */
	uint64_t last_seq;        /* seq of the last DDI replayed */
	uint64_t violations;      /* invariant violations (shadow model or model target) */
	uint64_t n_divergences_total; /* divergences found, violations included */
	const ddirr_replay_divergence *divergences; /* the first max_divergences, in order */
	size_t n_divergences;
	double seconds;
} ddirr_replay_result;

/* Replays. On success (return 0) *out holds the result, whatever the
 * verdict; free it with ddirr_replay_result_free().
 * Errors: DDIRR_EINVAL (bad options: an unknown target syntax, no trace),
 * the trace reader's errors (DDIRR_EIO, DDIRR_ENOTTRACE, DDIRR_EVERSION,
 * DDIRR_ECORRUPT, ...: the input cannot be read), DDIRR_ENOMEM. */
int ddirr_replay_run(ddirr_replay_result **out, const ddirr_replay_options *opts);

/* Frees a result; NULL is a no-op. */
void ddirr_replay_result_free(ddirr_replay_result *r);

/* "pass", "divergence", "violation", "truncated", "cannot-test". */
const char *ddirr_replay_verdict_name(int verdict);
/* "field", "unknown handle", "callback", "probe", "violation". */
const char *ddirr_divergence_kind_name(int kind);

/* The process exit code for a verdict: 0 pass (and truncated unless
 * strict), 1 divergence or violation (and truncated when strict), 125
 * cannot test (git bisect's "skip"). Usage and input errors are 2; that is
 * the caller's business, since they come with no result. */
int ddirr_replay_exit_code(const ddirr_replay_result *r, int strict);

/* Reports. Text: the verdict line, then each divergence with its history.
 * JSON: one object. JUnit: one testsuite with one testcase for the trace;
 * a failure (divergence, violation, or truncated with strict) or a skip
 * (cannot test) carries the first divergence as its message.
 * Return 0, or DDIRR_EIO (naming the file for JUnit). */
int ddirr_replay_write_text(FILE *f, const ddirr_replay_result *r);
int ddirr_replay_write_json(FILE *f, const ddirr_replay_result *r);
int ddirr_replay_write_junit(const char *path, const ddirr_replay_result *r, int strict);

#ifdef __cplusplus
}
#endif
#endif
