/* The capture host: plays dxgkrnl and VidMm against a real driver build
 * (a shared object that registers through DxgkInitialize), drives it
 * through a named scenario, and records every DDI and callback with the
 * recorder into a trace (DESIGN.md, "Sample driver and capture host").
 *
 * VidMm's decisions (placement, aperture slots, GPU VAs, evictions) come
 * from the aperture model, seeded and perturbed by chaos flags, so a seed
 * and a set of flags reproduce the same trace: the same records in the same
 * order with the same values, apart from timestamps. The seed, the flags
 * and the scenario go into the trace header.
 *
 * While it captures, the host applies every call to its own model and asks
 * the driver's probe (ddirr/probe.h), when it exports one, what its tables
 * translate to: a capture reports the invariants the driver broke and the
 * wrong translations it made, without needing a replay.
 *
 * Errors are negative DDIRR_E* codes with a message from ddirr_error_last(). */
#ifndef DDIRR_CAPTURE_H
#define DDIRR_CAPTURE_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DDIRR_CAPTURE_OPTIONS_VERSION 1

typedef struct ddirr_capture_options {
	unsigned version;     /* DDIRR_CAPTURE_OPTIONS_VERSION */
	const char *driver;   /* the driver's shared object */
	const char *scenario; /* one of ddirr_capture_scenarios() */
	const char *output;   /* the trace to write */
	uint64_t seed;        /* VidMm's decisions and the scenario's choices */
	unsigned chaos;       /* enum ddirr_chaos flags (ddirr/model.h) */
	/* For the trace header; NULL: the process's own command line. */
	const char *command_line;
	/* Findings (invariant violations, probe mismatches) as they happen,
	   one line each, at most 20; NULL: none printed. */
	FILE *log;
	/* The scenario's work loop runs this many times as long (bring-up and
	   teardown once): traces of any length from the same scenario.
	   0 = 1; at most DDIRR_CAPTURE_MAX_SCALE. */
	unsigned scale;
	/* Also emit the recorder's ddirr:* LTTng-UST tracepoints. */
	int lttng;
} ddirr_capture_options;

#define DDIRR_CAPTURE_MAX_SCALE 1000000u

#define DDIRR_CAPTURE_OPTIONS_INIT {.version = DDIRR_CAPTURE_OPTIONS_VERSION}

typedef struct ddirr_capture_result {
	char driver_version[128]; /* the driver's `ddirr_driver_version`, or "" */
	uint64_t calls;            /* DDIs issued */
	uint64_t callbacks;        /* callbacks the driver made and the host answered */
	uint64_t failed_calls;     /* DDIs that returned a failure status */
	uint64_t violations;       /* invariants the host's model saw broken */
	uint64_t probe_mismatches; /* probe answers that differ from the model */
	int has_probe;             /* the driver exports at least one probe function */
	int incomplete;            /* the scenario stopped early: the driver failed its bring-up */
	char first_finding[512];   /* the first violation or mismatch, or "" */
} ddirr_capture_result;

/* Loads the driver, runs the scenario and writes the trace. Returns 0 when
 * the trace was written, whatever the driver did (its failures and the
 * findings are counted in *out); then the trace holds every call made.
 * A process can capture once: the recorder is one per process.
 * Errors: DDIRR_EINVAL (bad options, an unknown scenario or chaos, a second
 * capture in this process), DDIRR_EIO (the driver will not load or never
 * registers, or the trace cannot be written), DDIRR_ENOMEM. */
int ddirr_capture_run(ddirr_capture_result *out, const ddirr_capture_options *opts);

/* The scenario names, NULL-terminated: "boot", "texture-streaming",
 * "aperture-pressure", "multi-process", "eviction-storm". */
const char *const *ddirr_capture_scenarios(void);

/* One line saying what a scenario does, or NULL for an unknown name. */
const char *ddirr_capture_scenario_text(const char *name);

#ifdef __cplusplus
}
#endif
#endif
