/* Fuzz target: the trace reader on a whole file. Opens the input as a
 * trace, reads every record, and asks for everything the reader reports
 * (info, verdict, stats, chunks), touching every string and array it hands
 * back so that ASan sees a bad pointer or length. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddirr/trace.h"
#include "fuzz_input.h"

static volatile size_t sink;

static void touch(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i, s = 0;

	for (i = 0; i < n; i++)
		s += b[i];
	sink += s;
}

static void touch_str(const char *s)
{
	if (s)
		sink += strlen(s);
}

static void touch_info(const ddirr_trace_info *i)
{
	touch_str(i->provenance.driver_path);
	touch_str(i->provenance.driver_version);
	touch(i->provenance.driver_sha256, i->provenance.driver_sha256_len);
	touch_str(i->provenance.driver_build);
	touch_str(i->provenance.host);
	touch_str(i->provenance.process_name);
	touch_str(i->provenance.recorder_version);
	touch_str(i->provenance.os);
	touch_str(i->settings.mode);
	touch_str(i->settings.privacy);
	touch_str(i->settings.chaos_flags);
	touch_str(i->settings.scenario);
	touch_str(i->settings.command_line);
	touch(i->adapter_caps_pb, i->adapter_caps_len);
	touch(i->schema, i->schema_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	const ddirr_trace_verdict *v;
	const ddirr_trace_stats *st;
	const ddirr_trace_chunk *chunks;
	size_t n, i;
	int rc, records = 0;

	if (ddirr_trace_open(&t, fuzz_input_file(data, size)))
		return 0;
	touch_info(ddirr_trace_get_info(t));
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		sink += ev->seq + ev->ddi + ev->phase;
		touch(ev->digests, ev->n_digests * sizeof(*ev->digests));
		/* The verdict must be available mid-stream too. */
		if (++records == 7)
			touch_str(ddirr_trace_get_verdict(t)->summary);
	}
	v = ddirr_trace_get_verdict(t);
	st = ddirr_trace_get_stats(t);
	if (v) {
		touch(v->gaps, v->n_gaps * sizeof(*v->gaps));
		touch_str(v->stop_reason);
		touch_str(v->summary);
		touch_str(ddirr_trace_verdict_name(v->kind));
		for (i = 0; i < v->n_drops; i++)
			touch_str(v->drops[i].cause);
		for (i = 0; i < v->n_problems; i++)
			touch_str(v->problems[i].message);
	}
	if (st) {
		touch(st->ddi_counts, st->n_ddi_counts * sizeof(*st->ddi_counts));
		for (i = 0; i < st->n_drops; i++)
			touch_str(st->drops[i].cause);
	}
	chunks = ddirr_trace_get_chunks(t, &n);
	touch(chunks, n * sizeof(*chunks));
	ddirr_trace_free(t);
	return 0;
}
