/* Verdicts as text, JSON and JUnit, exit codes, and the progress bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "replay_internal.h"

const char *ddirr_replay_verdict_name(int verdict)
{
	switch (verdict) {
	case DDIRR_REPLAY_PASS: return "pass";
	case DDIRR_REPLAY_DIVERGENCE: return "divergence";
	case DDIRR_REPLAY_VIOLATION: return "violation";
	case DDIRR_REPLAY_TRUNCATED: return "truncated";
	case DDIRR_REPLAY_CANNOT_TEST: return "cannot-test";
	default: return "?";
	}
}

const char *ddirr_divergence_kind_name(int kind)
{
	switch (kind) {
	case DDIRR_DIV_FIELD: return "field";
	case DDIRR_DIV_UNKNOWN_HANDLE: return "unknown handle";
	case DDIRR_DIV_CALLBACK: return "callback";
	case DDIRR_DIV_PROBE: return "probe";
	case DDIRR_DIV_VIOLATION: return "violation";
	default: return "?";
	}
}

int ddirr_replay_exit_code(const ddirr_replay_result *r, int strict)
{
	switch (r->verdict) {
	case DDIRR_REPLAY_PASS: return 0;
	case DDIRR_REPLAY_TRUNCATED: return strict ? 1 : 0;
	case DDIRR_REPLAY_CANNOT_TEST: return 125;
	default: return 1;
	}
}

/* "divergence at seq 12 MapCpuHostAperture", "truncated (replayed up to
 * seq N)" ... */
static void headline(char *buf, size_t size, const ddirr_replay_result *r)
{
	const ddirr_replay_divergence *d = r->n_divergences ? &r->divergences[0] : NULL;

	switch (r->verdict) {
	case DDIRR_REPLAY_DIVERGENCE:
	case DDIRR_REPLAY_VIOLATION:
		if (d) {
			snprintf(buf, size, "%s at seq %llu %s: %s", ddirr_replay_verdict_name(r->verdict),
				 (unsigned long long)d->seq, ddirr_ddi_name(d->ddi) ? ddirr_ddi_name(d->ddi) : "?",
				 d->message);
			return;
		}
		break;
	case DDIRR_REPLAY_TRUNCATED:
		snprintf(buf, size, "truncated (%s)", r->reason);
		return;
	case DDIRR_REPLAY_CANNOT_TEST:
		snprintf(buf, size, "cannot-test: %s", r->reason);
		return;
	default:
		break;
	}
	snprintf(buf, size, "%s", ddirr_replay_verdict_name(r->verdict));
}

int ddirr_replay_write_text(FILE *f, const ddirr_replay_result *r)
{
	char line[1024];
	size_t i;

	headline(line, sizeof(line), r);
	fprintf(f, "%s\n", line);
	fprintf(f, "  trace %s, target %s%s%s: %llu calls, %llu callbacks, last seq %llu, %.3f s\n", r->trace, r->target,
		r->against[0] ? " against " : "", r->against, (unsigned long long)r->calls,
		(unsigned long long)r->callbacks, (unsigned long long)r->last_seq, r->seconds);
	for (i = 0; i < r->n_divergences; i++) {
		const ddirr_replay_divergence *d = &r->divergences[i];

		fprintf(f, "  [%s] seq %llu", ddirr_divergence_kind_name(d->kind), (unsigned long long)d->seq);
		if (d->parent_seq)
			fprintf(f, " (inside seq %llu)", (unsigned long long)d->parent_seq);
		fprintf(f, " %s, %s: %s\n", ddirr_ddi_name(d->ddi) ? ddirr_ddi_name(d->ddi) : "?", d->target, d->message);
		if (d->kind != DDIRR_DIV_VIOLATION)
			fprintf(f, "      field %s%s%s: expected %s, actual %s\n", d->field, d->cls ? " class " : "",
				d->cls ? ddirr_class_name(d->cls) : "", d->expected, d->actual);
		if (d->history[0])
			fprintf(f, "      history: %s\n", d->history);
	}
	if (r->n_divergences_total > r->n_divergences)
		fprintf(f, "  ... %llu more not listed\n", (unsigned long long)(r->n_divergences_total - r->n_divergences));
	return ferror(f) ? ddirr_error_set(DDIRR_EIO, "cannot write the report") : 0;
}

/* ,"name":"value" */
static void json_field(FILE *f, const char *name, const char *value)
{
	fprintf(f, ",\"%s\":", name);
	ddirr_dump_json_string(f, value);
}

int ddirr_replay_write_json(FILE *f, const ddirr_replay_result *r)
{
	char line[1024];
	size_t i;

	headline(line, sizeof(line), r);
	fputs("{\"verdict\":", f);
	ddirr_dump_json_string(f, ddirr_replay_verdict_name(r->verdict));
	json_field(f, "summary", line);
	json_field(f, "reason", r->reason);
	json_field(f, "trace", r->trace);
	json_field(f, "target", r->target);
	json_field(f, "against", r->against);
	fprintf(f, ",\"exit_code\":%d,\"records\":%llu,\"calls\":%llu,\"callbacks\":%llu,\"last_seq\":%llu,\"violations\":%llu,"
		   "\"divergences_total\":%llu,\"seconds\":%.6f,\"divergences\":[",
		ddirr_replay_exit_code(r, 0), (unsigned long long)r->records, (unsigned long long)r->calls,
		(unsigned long long)r->callbacks, (unsigned long long)r->last_seq, (unsigned long long)r->violations,
		(unsigned long long)r->n_divergences_total, r->seconds);
	for (i = 0; i < r->n_divergences; i++) {
		const ddirr_replay_divergence *d = &r->divergences[i];

		fprintf(f, "%s{\"kind\":", i ? "," : "");
		ddirr_dump_json_string(f, ddirr_divergence_kind_name(d->kind));
		fprintf(f, ",\"seq\":%llu,\"parent_seq\":%llu,\"ddi\":", (unsigned long long)d->seq,
			(unsigned long long)d->parent_seq);
		ddirr_dump_json_string(f, ddirr_ddi_name(d->ddi) ? ddirr_ddi_name(d->ddi) : "?");
		json_field(f, "target", d->target);
		json_field(f, "field", d->field);
		json_field(f, "class", d->cls ? ddirr_class_name(d->cls) : "");
		json_field(f, "namespace", d->ns ? ddirr_ns_name(d->ns) : "");
		json_field(f, "invariant", d->invariant ? ddirr_invariant_name(d->invariant) : "");
		json_field(f, "expected", d->expected);
		json_field(f, "actual", d->actual);
		json_field(f, "message", d->message);
		json_field(f, "history", d->history);
		fputc('}', f);
	}
	fputs("]}\n", f);
	return ferror(f) ? ddirr_error_set(DDIRR_EIO, "cannot write the report") : 0;
}

static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, f);
		}
	}
}

int ddirr_replay_write_junit(const char *path, const ddirr_replay_result *r, int strict)
{
	FILE *f = fopen(path, "w");
	int failed = ddirr_replay_exit_code(r, strict) == 1, skipped = r->verdict == DDIRR_REPLAY_CANNOT_TEST;
	char line[1024];
	int bad;

	if (!f)
		return ddirr_error_set(DDIRR_EIO, "%s: cannot create the JUnit report", path);
	headline(line, sizeof(line), r);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"ddirr replay\" tests=\"1\" "
		   "failures=\"%d\" skipped=\"%d\" time=\"%.3f\">\n<testcase classname=\"",
		failed, skipped, r->seconds);
	xml_str(f, r->against[0] ? "lockstep" : r->target);
	fputs("\" name=\"", f);
	xml_str(f, r->trace);
	fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
	if (failed || skipped) {
		fputs(skipped ? "<skipped message=\"" : "<failure message=\"", f);
		xml_str(f, line);
		fprintf(f, "\" type=\"%s\">", ddirr_replay_verdict_name(r->verdict));
		if (!skipped) {
			FILE *mem;
			char *text = NULL;
			size_t len = 0;

			if ((mem = open_memstream(&text, &len))) {
				ddirr_replay_write_text(mem, r);
				fclose(mem);
				xml_str(f, text);
			}
			free(text);
		}
		fputs(skipped ? "</skipped>\n" : "</failure>\n", f);
	} else {
		fputs("<system-out>", f);
		xml_str(f, line);
		fputs("</system-out>\n", f);
	}
	fputs("</testcase>\n</testsuite>\n</testsuites>\n", f);
	bad = ferror(f);
	if (fclose(f) || bad)
		return ddirr_error_set(DDIRR_EIO, "%s: cannot write the JUnit report", path);
	return 0;
}

/* ---- progress bar: on stderr, redrawn in place; the CLI asks for it only
 * when stderr is a TTY. Progress is the byte offset of the last chunk read
 * over the file size; rate is records per second. */
typedef struct progress {
	uint64_t size;
	double start, last;
} progress;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *progress_start(const char *trace)
{
	progress *p = calloc(1, sizeof(*p));
	struct stat st;

	if (!p)
		return NULL;
	p->size = stat(trace, &st) == 0 ? (uint64_t)st.st_size : 0;
	p->start = p->last = mono();
	return p;
}

void progress_update(void *vp, ddirr_trace *t, uint64_t records, int done)
{
	progress *p = vp;
	size_t n = 0;
	const ddirr_trace_chunk *c = ddirr_trace_get_chunks(t, &n);
	double now = mono(), frac, rate, eta;
	char bar[31];
	int i, fill;

	if (!p || (!done && now - p->last < 0.2))
		return;
	p->last = now;
	frac = done ? 1.0 : (p->size && n ? (double)(c[n - 1].offset + c[n - 1].frame_size) / (double)p->size : 0.0);
	if (frac > 1.0)
		frac = 1.0;
	rate = now > p->start ? (double)records / (now - p->start) : 0.0;
	eta = frac > 0.0 ? (now - p->start) * (1.0 - frac) / frac : 0.0;
	fill = (int)(frac * 30);
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = 0;
	fprintf(stderr, "\r[%s] %3d%% %10.0f records/s ETA %4.0fs", bar, (int)(frac * 100), rate, eta);
	if (done)
		fputs("\n", stderr);
	fflush(stderr);
}
