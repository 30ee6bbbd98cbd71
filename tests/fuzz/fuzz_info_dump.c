/* Fuzz target: the `ddirr info` and `ddirr dump` paths, exactly as the CLI
 * runs them (cli/cmd_info.c and cli/cmd_dump.c are compiled in), in text and
 * JSON, with their output going to /dev/null. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fuzz_input.h"

/* cli/main.c holds main(), so the two helpers it defines live here, quiet. */
int cli_usage_error(const char *fmt, ...)
{
	(void)fmt;
	return EXIT_USAGE;
}

void cli_print_error(void)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FILE *devnull = fopen("/dev/null", "w");

	if (!devnull || !freopen("/dev/null", "w", stdout))
		abort();
	/* The commands print verdicts on stderr. Only this process's stdio
	   stream is redirected: libFuzzer keeps the stream it captured at
	   start-up, and the sanitizers write to fd 2 directly. */
	stderr = devnull;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = (char *)fuzz_input_file(data, size);
	char *info_text[] = {"info", "--chunks", path, NULL};
	char *info_json[] = {"info", "--json", path, NULL};
	char *dump_text[] = {"dump", "--full", path, NULL};
	char *dump_json[] = {"dump", "--json", path, NULL};

	cmd_info(3, info_text);
	cmd_info(3, info_json);
	cmd_dump(3, dump_text);
	cmd_dump(3, dump_json);
	return 0;
}
