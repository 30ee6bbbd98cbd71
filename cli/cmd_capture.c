/* ddirr capture: drive a driver build through a scenario as dxgkrnl and
 * VidMm would, and record the trace (include/ddirr/capture.h).
 * Exit codes: 0 the trace is written and the host saw nothing wrong;
 * 1 the trace is written, but the driver broke an invariant, its probe
 * disagreed with the model, it failed a call, or the scenario could not
 * run to its end; 2 usage error, or no trace
 * (the driver will not load, the file cannot be written). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddirr/capture.h"
#include "ddirr/error.h"
#include "ddirr/model.h"

static int list_scenarios(void)
{
	const char *const *s;

	for (s = ddirr_capture_scenarios(); *s; s++)
		printf("%-18s %s\n", *s, ddirr_capture_scenario_text(*s));
	return EXIT_OK;
}

int cmd_capture(int argc, char **argv)
{
	ddirr_capture_options o = DDIRR_CAPTURE_OPTIONS_INIT;
	ddirr_capture_result r;
	char chaos[96];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--list"))
			return list_scenarios();
		if (!strcmp(a, "--lttng")) {
			o.lttng = 1;
			continue;
		}
		if (!strcmp(a, "--driver") || !strcmp(a, "--scenario") || !strcmp(a, "--seed") ||
		    !strcmp(a, "--chaos") || !strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--scale")) {
			const char *v;

			if (i + 1 >= argc)
				return cli_usage_error("capture: %s needs a value", a);
			v = argv[++i];
			if (!strcmp(a, "--driver")) {
				o.driver = v;
			} else if (!strcmp(a, "--scenario")) {
				o.scenario = v;
			} else if (!strcmp(a, "--seed")) {
				char *end;

				errno = 0;
				o.seed = strtoull(v, &end, 0);
				if (errno || !*v || *end || *v == '-')
					return cli_usage_error("capture: --seed %s: not a number", v);
			} else if (!strcmp(a, "--scale")) {
				char *end;
				unsigned long n;

				errno = 0;
				n = strtoul(v, &end, 10);
				if (errno || !*v || *end || *v == '-' || n < 1 || n > DDIRR_CAPTURE_MAX_SCALE)
					return cli_usage_error("capture: --scale %s: not a number from 1 to %u", v,
							       DDIRR_CAPTURE_MAX_SCALE);
				o.scale = (unsigned)n;
			} else if (!strcmp(a, "--chaos")) {
				if (ddirr_chaos_parse(&o.chaos, v))
					return cli_usage_error("capture: --chaos: %s", ddirr_error_last());
			} else {
				o.output = v;
			}
		} else {
			return cli_usage_error("capture: unknown argument '%s'", a);
		}
	}
	if (!o.driver || !o.scenario || !o.output)
		return cli_usage_error("capture: --driver, --scenario and -o are required (--list shows the scenarios)");
	if (!ddirr_capture_scenario_text(o.scenario))
		return cli_usage_error("capture: no scenario '%s' (--list shows them)", o.scenario);
	o.log = stderr;
	if (ddirr_capture_run(&r, &o)) {
		cli_print_error();
		return EXIT_USAGE;
	}
	ddirr_chaos_format(chaos, sizeof(chaos), o.chaos);
	printf("captured %s: scenario %s, seed %" PRIu64 ", chaos %s, driver %s\n", o.output, o.scenario, o.seed, chaos,
	       r.driver_version[0] ? r.driver_version : "(no version)");
	printf("  %" PRIu64 " calls, %" PRIu64 " callbacks, %" PRIu64 " failed; model: %" PRIu64
	       " violation(s); probe: %s%" PRIu64 " mismatch(es)\n",
	       r.calls, r.callbacks, r.failed_calls, r.violations, r.has_probe ? "" : "(none exported) ",
	       r.probe_mismatches);
	if (r.first_finding[0])
		printf("  first: %s\n", r.first_finding);
	return r.violations || r.probe_mismatches || r.failed_calls || r.incomplete ? EXIT_DAMAGED : EXIT_OK;
}
