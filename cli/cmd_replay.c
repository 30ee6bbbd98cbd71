/* ddirr replay: reissue a trace to the model or a driver build and give a
 * verdict (docs/replay.md). Exit codes: 0 pass (and truncated unless
 * --strict), 1 divergence or violation, 2 usage or input error, 125 cannot
 * test. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ddirr/error.h"
#include "ddirr/replay.h"

int cmd_replay(int argc, char **argv)
{
	ddirr_replay_options o = DDIRR_REPLAY_OPTIONS_INIT;
	ddirr_replay_result *r = NULL;
	const char *junit = NULL;
	int json = 0, i, rc, code;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--target") || !strcmp(a, "--against") || !strcmp(a, "--junit")) {
			if (i + 1 >= argc)
				return cli_usage_error("replay: %s needs a value", a);
			if (!strcmp(a, "--target"))
				o.target = argv[++i];
			else if (!strcmp(a, "--against"))
				o.against = argv[++i];
			else
				junit = argv[++i];
		} else if (!strcmp(a, "--no-shadow")) {
			o.shadow = 0;
		} else if (!strcmp(a, "--keep-going")) {
			o.keep_going = 1;
		} else if (!strcmp(a, "--strict")) {
			o.strict = 1;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("replay: unknown option '%s'", a);
		} else if (!o.trace) {
			o.trace = a;
		} else {
			return cli_usage_error("replay: more than one trace given");
		}
	}
	if (!o.trace)
		return cli_usage_error("replay: no trace given");
	if (!o.target)
		return cli_usage_error("replay: no --target given (model or driver:PATH)");
	o.progress = isatty(STDERR_FILENO);
	if ((rc = ddirr_replay_run(&r, &o))) {
		cli_print_error();
		return EXIT_USAGE;
	}
	code = ddirr_replay_exit_code(r, o.strict);
	if (json)
		ddirr_replay_write_json(stdout, r);
	else
		ddirr_replay_write_text(stdout, r);
	if (junit && ddirr_replay_write_junit(junit, r, o.strict)) {
		cli_print_error();
		code = EXIT_USAGE;
	}
	ddirr_replay_result_free(r);
	return code;
}
