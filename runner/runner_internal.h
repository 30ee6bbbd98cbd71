/* The runner's insides (include/ddirr/runner.h). */
#ifndef DDIRR_RUNNER_INTERNAL_H
#define DDIRR_RUNNER_INTERNAL_H

#include <sys/types.h>

#include "ddirr/runner.h"

/* A replay running in a child process. */
typedef struct run_child {
	pid_t pid;
	int fd; /* the child's result comes through here */
	double started;
	unsigned timeout_s;
} run_child;

/* Starts a replay in a child. Returns 0 or DDIRR_EIO. */
int run_start(run_child *c, const char *trace, const char *target, int strict, unsigned timeout_s);
/* Once waitpid gave the child's status: its result (crash if it died). */
void run_finish(run_child *c, int status, ddirr_run *out);

#endif
