/* ddirr dump: one line per record. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"

/* Parses an unsigned decimal that is the whole of [s, end). */
static int parse_seq(const char *s, const char *end, uint64_t *out)
{
	char buf[32];
	char *stop;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(buf) || s[0] == '-' || s[0] == '+')
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtoull(buf, &stop, 10);
	return (errno || *stop) ? -1 : 0;
}

/* "A:B", "A:", ":B" or "A". */
static int parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *colon = strchr(s, ':');
	const char *end = s + strlen(s);

	*lo = 0;
	*hi = UINT64_MAX;
	if (!colon)
		return parse_seq(s, end, lo) ? -1 : (*hi = *lo, 0);
	if (colon > s && parse_seq(s, colon, lo))
		return -1;
	if (colon + 1 < end && parse_seq(colon + 1, end, hi))
		return -1;
	if (colon == s && colon + 1 == end)
		return -1;
	return *lo <= *hi ? 0 : -1;
}

int cmd_dump(int argc, char **argv)
{
	const char *path = NULL;
	unsigned flags = 0;
	uint64_t lo = 0, hi = UINT64_MAX;
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	const ddirr_trace_verdict *v;
	int i, rc, status = EXIT_OK;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			flags |= DDIRR_DUMP_JSON;
		else if (!strcmp(argv[i], "--full"))
			flags |= DDIRR_DUMP_FULL_ARRAYS;
		else if (!strcmp(argv[i], "--range")) {
			if (++i == argc)
				return cli_usage_error("--range needs A:B");
			if (parse_range(argv[i], &lo, &hi))
				return cli_usage_error("--range '%s': expected A:B with seqs A <= B", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("dump: unknown option '%s'", argv[i]);
		else if (path)
			return cli_usage_error("dump: one trace at a time ('%s' and '%s')", path, argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return cli_usage_error("dump: no trace given");
	rc = ddirr_trace_open(&t, path);
	if (rc) {
		cli_print_error();
		return EXIT_USAGE;
	}
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		if (ev->seq < lo || ev->seq > hi)
			continue;
		if (ddirr_dump_event(stdout, ev, flags)) {
			cli_print_error();
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (rc < 0) {
		cli_print_error();
		status = EXIT_USAGE;
		goto out;
	}
	v = ddirr_trace_get_verdict(t);
	if (!v) {
		cli_print_error();
		status = EXIT_USAGE;
	} else if (v->kind != DDIRR_VERDICT_COMPLETE) {
		fprintf(stderr, "ddirr: %s: %s\n", path, v->summary);
		status = EXIT_DAMAGED;
	}
out:
	if (fflush(stdout) && status == EXIT_OK)
		status = EXIT_USAGE;
	ddirr_trace_free(t);
	return status;
}
