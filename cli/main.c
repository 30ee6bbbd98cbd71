/* ddirr: record, inspect and replay WDDM DDI traces. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"

#ifndef DDIRR_VERSION
#define DDIRR_VERSION "unknown"
#endif

static const char usage[] =
	"usage: ddirr COMMAND [OPTIONS] TRACE\n"
	"\n"
	"commands:\n"
	"  info TRACE [--json] [--chunks]      header, provenance, counts per DDI, sizes,\n"
	"                                      the verdict; --chunks lists the chunk index\n"
	"  dump TRACE [--json] [--range A:B] [--full]\n"
	"                                      one line per record; --range selects seqs\n"
	"                                      A to B (A:, :B and A also work); --full\n"
	"                                      prints whole arrays in text\n"
	"  check TRACE [--json]                apply the trace to the aperture model and\n"
	"                                      report every broken invariant\n"
	"  replay TRACE --target model|driver:PATH [--against model|driver:PATH]\n"
	"         [--no-shadow] [--keep-going] [--strict] [--json] [--junit FILE]\n"
	"                                      reissue the trace to the model or a driver\n"
	"                                      build and compare every call; --against\n"
	"                                      replays to two targets in lockstep\n"
	"  capture --driver PATH --scenario NAME [--seed N] [--chaos FLAGS] [--scale N] [--lttng] -o TRACE\n"
	"                                      play dxgkrnl against a driver build through\n"
	"                                      a scenario (--list) and record the trace\n"
	"  bisect --trace TRACE BUILD... | DIR [--strict] [--timeout S]\n"
	"                                      the first driver build (oldest first, or a\n"
	"                                      folder in version order) whose verdict\n"
	"                                      differs from the first build's\n"
	"  corpus DIR --driver D... [-j N] [--shard K/N] [--junit FILE] [--manifest M]\n"
	"         [--no-manifest] [--update-manifest] [--strict] [--timeout S]\n"
	"                                      every trace of DIR against every target (a\n"
	"                                      .so, a folder of them, or model), checked\n"
	"                                      against DIR/manifest.tsv\n"
	"\n"
	"exit codes: 0 ok (replay: pass, or truncated without --strict);\n"
	"            1 the trace was read but is damaged or incomplete, or\n"
	"            (check) it breaks an invariant, or (replay) a divergence or\n"
	"            violation;\n"
	"            2 usage error or unreadable input;\n"
	"            125 (replay) cannot test: the driver will not load\n"
	"capture: 0 clean, 1 the driver broke an invariant, failed a call or its\n"
	"         probe disagreed with the model, 2 no trace; bisect: 0 found,\n"
	"         1 no build differs, 2 error, 125 cannot tell; corpus: 0 every\n"
	"         verdict as expected, 1 not, 2 error\n";

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ddirr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see ddirr --help)\n", stderr);
	return EXIT_USAGE;
}

void cli_print_error(void)
{
	fprintf(stderr, "ddirr: %s\n", ddirr_error_last());
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ddirr %s (trace format %u)\n", DDIRR_VERSION, DDIRR_FORMAT_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bisect"))
		return cmd_bisect(argc - 1, argv + 1);
	if (!strcmp(argv[1], "corpus"))
		return cmd_corpus(argc - 1, argv + 1);
	return cli_usage_error("unknown command '%s'", argv[1]);
}
