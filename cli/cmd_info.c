/* ddirr info: what a trace holds, where it came from, and whether it is
 * whole. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ddirr/ddi.h"
#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"

static void hex(FILE *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

static const char *interface_name(uint32_t v)
{
	switch (v) {
	case 0x5022: return "WDDM2_0 (10240 headers)";
	case 0x5023: return "WDDM2_0";
	case 0x6003: return "WDDM2_1";
	case 0x700A: return "WDDM2_2";
	case 0x8001: return "WDDM2_3";
	default: return v ? "?" : "not recorded";
	}
}

static void utc(char *buf, size_t size, uint64_t unix_ns)
{
	time_t secs = (time_t)(unix_ns / 1000000000u);
	struct tm tm;

	if (!unix_ns || !gmtime_r(&secs, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "unknown");
}

static void print_chunks(const ddirr_trace_chunk *chunks, size_t n)
{
	size_t i;

	printf("chunk  state        offset     frame   content      records  seq\n");
	for (i = 0; i < n; i++) {
		const ddirr_trace_chunk *c = &chunks[i];

		printf("%5u  %-7s %11" PRIu64 " %9" PRIu64 " %9" PRIu64 " %12" PRIu64 "  %" PRIu64 "..%" PRIu64 "%s\n",
		       c->index, c->state == DDIRR_CHUNK_OK ? "ok" : "damaged", c->offset, c->frame_size, c->content_size,
		       c->records, c->first_seq, c->last_seq, c->has_info ? "" : " (no chunk info)");
	}
}

static void print_text(const char *path, const ddirr_trace_info *info, const ddirr_trace_stats *st,
		       const ddirr_trace_verdict *v)
{
	const ddirr_trace_provenance *p = &info->provenance;
	const ddirr_trace_settings *s = &info->settings;
	char when[64];
	size_t i;

	utc(when, sizeof(when), p->start_unix_ns);
	printf("trace          %s\n", path);
	printf("verdict        %s\n", v->summary);
	printf("format         %u, schema %zu bytes embedded\n", info->format_version, info->schema_len);
	printf("recorder       %s\n", *p->recorder_version ? p->recorder_version : "?");
	printf("driver         %s", *p->driver_path ? p->driver_path : "?");
	if (*p->driver_version)
		printf(" version %s", p->driver_version);
	if (*p->driver_build)
		printf(" build %s", p->driver_build);
	putchar('\n');
	if (p->driver_sha256_len) {
		printf("driver sha256  ");
		hex(stdout, p->driver_sha256, p->driver_sha256_len);
		putchar('\n');
	}
	printf("interface      0x%x %s\n", p->interface_version, interface_name(p->interface_version));
	printf("captured       %s on %s (%s), process %s pid %u\n", when, *p->host ? p->host : "?",
	       *p->os ? p->os : "?", *p->process_name ? p->process_name : "?", p->pid);
	printf("settings       mode %s, buffer %" PRIu64 " bytes, flush %u ms, privacy %s, lttng %s, clock %s, ",
	       *s->mode ? s->mode : "?", s->buffer_bytes, s->flush_interval_ms, *s->privacy ? s->privacy : "?",
	       s->lttng ? "on" : "off", s->clock && *s->clock ? s->clock : "not recorded");
	if (s->zstd_level)
		printf("zstd level %d", s->zstd_level);
	else
		printf("zstd level not recorded");
	if (s->zstd_hash_log && s->zstd_chain_log)
		printf(" (hash log %u, chain log %u)", s->zstd_hash_log, s->zstd_chain_log);
	printf(", crash handlers %s\n", s->crash_handlers ? "on" : "off");
	if (s->flight_bytes)
		printf("flight         %" PRIu64 " bytes kept, written on %s\n", s->flight_bytes,
		       *s->flight_triggers ? s->flight_triggers : "nothing but close");
	/* A seed of 0 from a trace before chaos_seed_set reads as none. */
	if (*s->scenario || s->chaos_seed_set || s->chaos_seed || *s->chaos_flags) {
		printf("scenario       %s, seed ", *s->scenario ? s->scenario : "-");
		if (s->chaos_seed_set || s->chaos_seed)
			printf("%" PRIu64, s->chaos_seed);
		else
			printf("none");
		printf(", chaos %s\n", *s->chaos_flags ? s->chaos_flags : "none");
	}
	if (*s->command_line)
		printf("command        %s\n", s->command_line);
	if (info->adapter_caps_pb) {
		printf("adapter        ");
		if (ddirr_dump_adapter_caps(stdout, info->adapter_caps_pb, info->adapter_caps_len, "               ", 0))
			printf("damaged: %s\n", ddirr_error_last());
	} else {
		printf("adapter        not recorded (no QueryAdapterInfo answer about segments or the GPU MMU)\n");
	}
	printf("size           %" PRIu64 " bytes: header %" PRIu64 ", %" PRIu64 " chunks (%" PRIu64
	       " damaged), %" PRIu64 " compressed, %" PRIu64 " uncompressed\n",
	       st->file_size, st->header_size, st->chunks, st->damaged_chunks, st->compressed_bytes, st->content_bytes);
	printf("records        %" PRIu64 " (%" PRIu64 " calls), %.1f bytes/record compressed, %.1f uncompressed\n",
	       st->records, st->entries, st->compressed_bytes_per_record, st->content_bytes_per_record);
	if (st->records)
		printf("seq            %" PRIu64 " .. %" PRIu64 ", %.6f s\n", st->min_seq, st->max_seq,
		       (double)(st->max_time_ns - st->min_time_ns) / 1e9);
	printf("calls          %s\n", st->counts_from_trailer ? "(from the trailer)" : "(counted while reading)");
	for (i = 0; i < st->n_ddi_counts; i++) {
		const ddirr_trace_ddi_count *c = &st->ddi_counts[i];
		const char *name = ddirr_ddi_name(c->ddi);

		printf("  %-32s %10" PRIu64 " entries %10" PRIu64 " exits\n", name ? name : "?", c->entries, c->exits);
	}
	for (i = 0; i < st->n_drops; i++)
		printf("dropped        %" PRIu64 " records: %s\n", st->drops[i].records, st->drops[i].cause);
	if (*v->stop_reason)
		printf("stopped        %s\n", v->stop_reason);
	if (v->forks_total)
		printf("forks          %" PRIu64 " (their children were not recorded)%s\n", v->forks_total,
		       v->n_forks < v->forks_total ? "; the first ones:" : "");
	for (i = 0; i < v->n_forks; i++) {
		printf("  after seq %" PRIu64 ", child pid ", v->forks[i].after_seq);
		if (v->forks[i].child_pid)
			printf("%u\n", v->forks[i].child_pid);
		else
			printf("not known\n");
	}
	for (i = 0; i < v->n_problems; i++)
		printf("problem        %s\n", v->problems[i].message);
}

static void print_json(const char *path, const ddirr_trace_info *info, const ddirr_trace_stats *st,
		       const ddirr_trace_verdict *v, const ddirr_trace_chunk *chunks, size_t n_chunks)
{
	const ddirr_trace_provenance *p = &info->provenance;
	const ddirr_trace_settings *s = &info->settings;
	size_t i;

	printf("{\"trace\":");
	ddirr_dump_json_string(stdout, path);
	printf(",\"verdict\":{\"kind\":\"%s\",\"summary\":", ddirr_trace_verdict_name(v->kind));
	ddirr_dump_json_string(stdout, v->summary);
	printf(",\"last_seq\":%" PRIu64 ",\"missing_records\":%" PRIu64 ",\"dropped_records\":%" PRIu64
	       ",\"clean_close\":%s,\"problems\":[",
	       v->last_seq, v->missing_records, v->dropped_records, v->clean_close ? "true" : "false");
	for (i = 0; i < v->n_problems; i++) {
		if (i)
			putchar(',');
		printf("{\"offset\":%" PRIu64 ",\"message\":", v->problems[i].offset);
		ddirr_dump_json_string(stdout, v->problems[i].message);
		putchar('}');
	}
	printf("],\"forks_total\":%" PRIu64 ",\"forks\":[", v->forks_total);
	for (i = 0; i < v->n_forks; i++)
		printf("%s{\"after_seq\":%" PRIu64 ",\"time_ns\":%" PRIu64 ",\"child_pid\":%u}", i ? "," : "",
		       v->forks[i].after_seq, v->forks[i].time_ns, v->forks[i].child_pid);
	printf("]},\"format_version\":%u,\"provenance\":{\"driver_path\":", info->format_version);
	ddirr_dump_json_string(stdout, p->driver_path);
	printf(",\"driver_version\":");
	ddirr_dump_json_string(stdout, p->driver_version);
	printf(",\"driver_sha256\":\"");
	hex(stdout, p->driver_sha256, p->driver_sha256_len);
	printf("\",\"driver_build\":");
	ddirr_dump_json_string(stdout, p->driver_build);
	printf(",\"interface_version\":%u,\"host\":", p->interface_version);
	ddirr_dump_json_string(stdout, p->host);
	printf(",\"process_name\":");
	ddirr_dump_json_string(stdout, p->process_name);
	printf(",\"pid\":%u,\"recorder_version\":", p->pid);
	ddirr_dump_json_string(stdout, p->recorder_version);
	printf(",\"start_unix_ns\":%" PRIu64 ",\"os\":", p->start_unix_ns);
	ddirr_dump_json_string(stdout, p->os);
	printf("},\"settings\":{\"mode\":");
	ddirr_dump_json_string(stdout, s->mode);
	printf(",\"buffer_bytes\":%" PRIu64 ",\"flush_interval_ms\":%u,\"privacy\":", s->buffer_bytes,
	       s->flush_interval_ms);
	ddirr_dump_json_string(stdout, s->privacy);
	printf(",\"lttng\":%s,\"clock\":", s->lttng ? "true" : "false");
	ddirr_dump_json_string(stdout, s->clock);
	if (s->zstd_level)
		printf(",\"zstd_level\":%d", s->zstd_level);
	else
		printf(",\"zstd_level\":null");
	if (s->zstd_hash_log && s->zstd_chain_log)
		printf(",\"zstd_hash_log\":%u,\"zstd_chain_log\":%u", s->zstd_hash_log, s->zstd_chain_log);
	else
		printf(",\"zstd_hash_log\":null,\"zstd_chain_log\":null");
	printf(",\"crash_handlers\":%s,\"flight_bytes\":%" PRIu64 ",\"flight_triggers\":",
	       s->crash_handlers ? "true" : "false", s->flight_bytes);
	ddirr_dump_json_string(stdout, s->flight_triggers);
	if (s->chaos_seed_set || s->chaos_seed)
		printf(",\"chaos_seed\":%" PRIu64, s->chaos_seed);
	else
		printf(",\"chaos_seed\":null");
	printf(",\"chaos_flags\":");
	ddirr_dump_json_string(stdout, s->chaos_flags);
	printf(",\"scenario\":");
	ddirr_dump_json_string(stdout, s->scenario);
	printf(",\"command_line\":");
	ddirr_dump_json_string(stdout, s->command_line);
	printf("},\"adapter\":");
	if (ddirr_dump_adapter_caps(stdout, info->adapter_caps_pb, info->adapter_caps_len, NULL, DDIRR_DUMP_JSON))
		printf("null");
	printf(",\"sizes\":{\"file\":%" PRIu64 ",\"header\":%" PRIu64 ",\"compressed\":%" PRIu64
	       ",\"uncompressed\":%" PRIu64 ",\"bytes_per_record_compressed\":%.3f"
	       ",\"bytes_per_record_uncompressed\":%.3f},",
	       st->file_size, st->header_size, st->compressed_bytes, st->content_bytes, st->compressed_bytes_per_record,
	       st->content_bytes_per_record);
	printf("\"records\":%" PRIu64 ",\"calls\":%" PRIu64 ",\"min_seq\":%" PRIu64 ",\"max_seq\":%" PRIu64
	       ",\"counts\":[",
	       st->records, st->entries, st->min_seq, st->max_seq);
	for (i = 0; i < st->n_ddi_counts; i++) {
		const char *name = ddirr_ddi_name(st->ddi_counts[i].ddi);

		printf("%s{\"ddi\":", i ? "," : "");
		if (name)
			ddirr_dump_json_string(stdout, name);
		else
			printf("%u", st->ddi_counts[i].ddi);
		printf(",\"entries\":%" PRIu64 ",\"exits\":%" PRIu64 "}", st->ddi_counts[i].entries,
		       st->ddi_counts[i].exits);
	}
	printf("],\"drops\":[");
	for (i = 0; i < st->n_drops; i++) {
		printf("%s{\"cause\":", i ? "," : "");
		ddirr_dump_json_string(stdout, st->drops[i].cause);
		printf(",\"records\":%" PRIu64 "}", st->drops[i].records);
	}
	printf("],\"chunks\":[");
	for (i = 0; i < n_chunks; i++) {
		const ddirr_trace_chunk *c = &chunks[i];

		printf("%s{\"index\":%u,\"state\":\"%s\",\"offset\":%" PRIu64 ",\"frame_size\":%" PRIu64
		       ",\"content_size\":%" PRIu64 ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64
		       ",\"records\":%" PRIu64 "}",
		       i ? "," : "", c->index, c->state == DDIRR_CHUNK_OK ? "ok" : "damaged", c->offset, c->frame_size,
		       c->content_size, c->first_seq, c->last_seq, c->records);
	}
	printf("]}\n");
}

int cmd_info(int argc, char **argv)
{
	const char *path = NULL;
	int json = 0, list_chunks = 0, i, rc, status;
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	const ddirr_trace_verdict *v;
	const ddirr_trace_stats *st;
	const ddirr_trace_chunk *chunks;
	size_t n_chunks;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--chunks"))
			list_chunks = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("info: unknown option '%s'", argv[i]);
		else if (path)
			return cli_usage_error("info: one trace at a time ('%s' and '%s')", path, argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return cli_usage_error("info: no trace given");
	if (ddirr_trace_open(&t, path)) {
		cli_print_error();
		return EXIT_USAGE;
	}
	/* The verdict and the counts need the whole file read. */
	while ((rc = ddirr_trace_next(t, &ev)) == 1)
		;
	if (rc < 0) {
		cli_print_error();
		ddirr_trace_free(t);
		return EXIT_USAGE;
	}
	v = ddirr_trace_get_verdict(t);
	st = ddirr_trace_get_stats(t);
	if (!v || !st) {
		cli_print_error();
		ddirr_trace_free(t);
		return EXIT_USAGE;
	}
	chunks = ddirr_trace_get_chunks(t, &n_chunks);
	if (json)
		print_json(path, ddirr_trace_get_info(t), st, v, chunks, n_chunks);
	else
		print_text(path, ddirr_trace_get_info(t), st, v);
	if (!json && list_chunks)
		print_chunks(chunks, n_chunks);
	status = v->kind == DDIRR_VERDICT_COMPLETE ? EXIT_OK : EXIT_DAMAGED;
	if (fflush(stdout))
		status = EXIT_USAGE;
	ddirr_trace_free(t);
	return status;
}
