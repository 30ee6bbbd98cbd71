/* ddirr check: apply a trace to the aperture model alone and report every
 * broken invariant. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ddirr/ddi.h"
#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "ddirr/model.h"
#include "ddirr/trace.h"

typedef struct check_ctx {
	int json;
	uint64_t printed;
} check_ctx;

static void print_violation(void *vctx, const ddirr_violation *v)
{
	check_ctx *c = vctx;
	const char *earlier = v->earlier_seq ? ddirr_ddi_name(v->earlier_ddi) : NULL;

	c->printed++;
	if (!c->json) {
		printf("%s: %s\n", ddirr_invariant_name(v->invariant), v->message);
		return;
	}
	printf("{\"invariant\":\"%s\",\"id\":%d,\"seq\":%" PRIu64 ",\"ddi\":\"%s\",\"thread\":%u,\"phase\":\"%s\"",
	       ddirr_invariant_name(v->invariant), v->invariant, v->seq, ddirr_ddi_name(v->ddi) ? ddirr_ddi_name(v->ddi) : "?",
	       v->thread, v->phase == DDIRR_PHASE_EXIT ? "exit" : "entry");
	if (v->earlier_seq)
		printf(",\"earlier_seq\":%" PRIu64 ",\"earlier_ddi\":\"%s\"", v->earlier_seq, earlier ? earlier : "?");
	if (v->handle)
		printf(",\"handle\":\"0x%" PRIx64 "\"", v->handle);
	if (v->segment)
		printf(",\"segment\":%u", v->segment);
	if (v->slot || v->invariant == DDIRR_INV_APERTURE_DOUBLE_MAP)
		printf(",\"slot\":%" PRIu64, v->slot);
	if (v->page)
		printf(",\"page\":%" PRIu64, v->page);
	if (v->va)
		printf(",\"va\":\"0x%" PRIx64 "\"", v->va);
	if (v->size)
		printf(",\"size\":%" PRIu64, v->size);
	fputs(",\"message\":", stdout);
	ddirr_dump_json_string(stdout, v->message);
	fputs("}\n", stdout);
}

int cmd_check(int argc, char **argv)
{
	const char *path = NULL;
	check_ctx c = {0};
	ddirr_model_options mo = DDIRR_MODEL_OPTIONS_INIT;
	ddirr_model *m = NULL;
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	const ddirr_trace_verdict *v;
	uint64_t records = 0;
	int i, rc, status = EXIT_OK;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			c.json = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("check: unknown option '%s'", argv[i]);
		else if (path)
			return cli_usage_error("check: one trace at a time ('%s' and '%s')", path, argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return cli_usage_error("check: no trace given");
	if (ddirr_trace_open(&t, path)) {
		cli_print_error();
		return EXIT_USAGE;
	}
	mo.on_violation = print_violation;
	mo.ctx = &c;
	/* A flight-mode trace holds the last records only: objects made before
	   its first record are not unknown, just older than the trace. */
	mo.partial = !strcmp(ddirr_trace_get_info(t)->settings.mode, "flight");
	if (ddirr_model_new(&m, &mo)) {
		cli_print_error();
		ddirr_trace_free(t);
		return EXIT_USAGE;
	}
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		records++;
		if (ddirr_model_apply(m, ev) < 0) {
			rc = -1;
			break;
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
		goto out;
	}
	if (c.json) {
		fputs("{\"summary\":{\"trace\":", stdout);
		ddirr_dump_json_string(stdout, path);
		printf(",\"records\":%" PRIu64 ",\"violations\":%" PRIu64 ",\"verdict\":\"%s\"}}\n", records,
		       ddirr_model_violations(m), ddirr_trace_verdict_name(v->kind));
	} else
		printf("%s: %" PRIu64 " records, %" PRIu64 " violation%s; trace %s\n", path, records,
		       ddirr_model_violations(m), ddirr_model_violations(m) == 1 ? "" : "s", v->summary);
	if (ddirr_model_violations(m) || v->kind != DDIRR_VERDICT_COMPLETE)
		status = EXIT_DAMAGED;
out:
	if (fflush(stdout) && status == EXIT_OK)
		status = EXIT_USAGE;
	ddirr_model_free(m);
	ddirr_trace_free(t);
	return status;
}
