/* ddirr_capture_run: the recorder, the driver, the scenario (capture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "host.h"

#define DMA_BYTES (64u << 10)
#define MDL_BYTES 64u

static ddirr_recorder *recorder;
static int captured, wrap_rc;
static char wrap_error[512];

/* Inside DxgkInitialize, before the host copies the table. */
static void wrap_table(DRIVER_INITIALIZATION_DATA *did)
{
	if (recorder && (wrap_rc = ddirr_recorder_wrap(recorder, did)))
		snprintf(wrap_error, sizeof(wrap_error), "%s", ddirr_error_last());
}

static void on_violation(void *ctx, const ddirr_violation *v)
{
	host *h = ctx;

	h->res->violations++;
	host_finding(h, "%s: %s", ddirr_invariant_name(v->invariant), v->message);
}

int ddirr_capture_run(ddirr_capture_result *out, const ddirr_capture_options *opts)
{
	ddirr_recorder_options ro = DDIRR_RECORDER_OPTIONS_INIT;
	ddirr_model_options mo = DDIRR_MODEL_OPTIONS_INIT;
	const host_scenario *sc;
	char chaos[96], scenario[96];
	host *h = NULL;
	uint8_t *fixed;
	int rc = 0, i;

	if (!out || !opts || opts->version != DDIRR_CAPTURE_OPTIONS_VERSION || !opts->driver || !opts->output ||
	    !opts->scenario)
		return ddirr_error_set(DDIRR_EINVAL, "capture: driver, scenario and output are required");
	if (opts->scale > DDIRR_CAPTURE_MAX_SCALE)
		return ddirr_error_set(DDIRR_EINVAL, "capture: scale %u is above %u", opts->scale, DDIRR_CAPTURE_MAX_SCALE);
	memset(out, 0, sizeof(*out));
	if (!(sc = host_scenario_find(opts->scenario)))
		return ddirr_error_set(DDIRR_EINVAL, "capture: no scenario '%s' (boot, texture-streaming, "
						     "aperture-pressure, multi-process, eviction-storm)",
				       opts->scenario);
	if (opts->chaos & ~(unsigned)(DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE | DDIRR_CHAOS_PRESSURE |
				       DDIRR_CHAOS_VA_ROTATE))
		return ddirr_error_set(DDIRR_EINVAL, "capture: unknown chaos flags 0x%x", opts->chaos);
	if (captured++)
		return ddirr_error_set(DDIRR_EINVAL, "capture: one capture per process (the recorder is one per process)");
	h = calloc(1, sizeof(*h));
	fixed = fixed_memory(DMA_BYTES + (size_t)HOST_MAX_ALLOCATIONS * MDL_BYTES);
	if (!h || !fixed) {
		rc = ddirr_error_set(DDIRR_ENOMEM, "capture: out of memory");
		goto out;
	}
	h->opts = opts;
	h->res = out;
	h->dma = fixed;
	h->dma_size = DMA_BYTES;
	h->mdls = fixed + DMA_BYTES;
	mo.seed = opts->seed;
	mo.chaos = opts->chaos;
	mo.on_violation = on_violation;
	mo.ctx = h;
	if ((rc = ddirr_model_new(&h->m, &mo)))
		goto out;
	ddirr_chaos_format(chaos, sizeof(chaos), opts->chaos);
	ro.output = opts->output;
	ro.mode = DDIRR_RECORDER_BLOCK;
	/* The UMD's private data is the scenario's own (no customer secrets),
	   and the driver needs it on replay to size its allocations. */
	ro.privacy = DDIRR_PRIVACY_FULL;
	ro.lttng = opts->lttng != 0;
	ro.crash_handlers = 1;
	ro.chaos_seed = opts->seed;
	ro.chaos_seed_set = 1;
	ro.chaos_flags = chaos;
	if (opts->scale > 1) {
		snprintf(scenario, sizeof(scenario), "%s x%u", opts->scenario, opts->scale);
		ro.scenario = scenario;
	} else {
		ro.scenario = opts->scenario;
	}
	ro.command_line = opts->command_line;
	if ((rc = ddirr_recorder_open(&recorder, &ro)))
		goto out;
	host_current = h;
	if ((rc = port_load(&h->port, opts->driver, wrap_table)))
		goto out;
	if (wrap_rc) {
		rc = ddirr_error_set(wrap_rc, "capture: %s", wrap_error);
		goto out;
	}
	snprintf(out->driver_version, sizeof(out->driver_version), "%s", h->port.version);
	out->has_probe = h->port.probe_aperture || h->port.probe_va;
	if (sc->run(h)) {
		out->incomplete = 1;
		host_finding(h, "the scenario stopped early: the driver failed during adapter bring-up");
	}
out:
	host_current = NULL;
	if (recorder) {
		int crc = ddirr_recorder_close(recorder);

		recorder = NULL;
		if (!rc && crc)
			rc = crc;
	}
	if (h) {
		ddirr_model_free(h->m);
		for (i = 0; i < HOST_MAX_PROCESSES; i++)
			free(h->proc[i].tables);
		free(h->pt_used);
		free(h);
	}
	fixed_memory_release();
	/* The driver stays loaded: dxgkrnl does not unload a KMD mid-run
	   either, and its code may still be referenced by the recorder's
	   wrappers. */
	return rc;
}
