/* Tests for schema/trace_writer.c and the reader's normal path: what is
 * written comes back, record by record and field by field, with its header
 * and statistics; chunks are cut where the options say; the file is one
 * zstd stream whose content parses as one EventBatch; a write failure is
 * sticky and loses no chunk already written. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "ddirr.pb-c.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "test_files.h"
#include "trace_format.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */


/* Record k of a test stream: calls in seq order, each an entry then an exit. */
static ddirr_event make_event(uint64_t k)
{
	ddirr_event ev = {0};

	ev.seq = k / 2 + 1;
	ev.phase = k % 2 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY;
	ev.ddi = 1 + (uint32_t)(ev.seq % 3);
	ev.thread = (uint32_t)(ev.seq % 4);
	ev.time_ns = 1000000 + k * 37;
	ev.parent_seq = ev.seq % 5 == 0 ? ev.seq - 1 : 0;
	return ev;
}

static void assert_event_is(const ddirr_event *got, uint64_t k)
{
	ddirr_event want = make_event(k);

	assert_non_null(got);
	assert_int_equal(got->seq, want.seq);
	assert_int_equal(got->phase, want.phase);
	assert_int_equal(got->ddi, want.ddi);
	assert_int_equal(got->thread, want.thread);
	assert_int_equal(got->time_ns, want.time_ns);
	assert_int_equal(got->parent_seq, want.parent_seq);
	assert_null(got->frame);
}

/* The last failure of append_records() (or of the writer around it in
 * write_chunks_counting_faults): the thread that made it may not be the
 * one that reports it. */
static char append_error[512];

/* Appends records [*k, *k + n), moving *k on; returns 0, or -1 with
 * append_error set. No cmocka assert: a thread other than the test's
 * uses it too, and an assert must not jump out of another thread. */
static int append_records(ddirr_trace_writer *w, uint64_t *k, uint64_t n)
{
	for (; n; n--, ++*k) {
		ddirr_event ev = make_event(*k);

		if (ddirr_trace_writer_append(w, &ev)) {
			snprintf(append_error, sizeof(append_error), "append %llu: %s", (unsigned long long)*k,
				 ddirr_error_last());
			return -1;
		}
	}
	return 0;
}

static void write_events(ddirr_trace_writer *w, uint64_t from, uint64_t to)
{
	if (append_records(w, &from, to - from))
		fail_msg("%s", append_error);
}

/* Writes records [0, n) to a new trace at path with opts, and closes it. */
static void write_trace(const char *path, const ddirr_trace_writer_options *opts, uint64_t n)
{
	ddirr_trace_writer *w;

	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, opts), 0);
	write_events(w, 0, n);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
}

/* Reads every record of path, checking that record i is make_event(i).
 * Returns the number read; leaves the trace open in *out. */
static uint64_t read_all(const char *path, ddirr_trace **out)
{
	const ddirr_event *ev;
	uint64_t n = 0;
	int rc;

	if (ddirr_trace_open(out, path))
		fail_msg("open: %s", ddirr_error_last());
	while ((rc = ddirr_trace_next(*out, &ev)) == 1)
		assert_event_is(ev, n++);
	assert_int_equal(rc, 0);
	assert_null(ev);
	return n;
}


/* ------------------------------------------------------------------ */
/* Round trips                                                         */

static void trace__round_trip_keeps_records_header_and_counts(void **state)
{
	static const uint8_t sha[32] = {0xde, 0xad, 0xbe, 0xef, [31] = 0x42};
	Ddirr__AdapterCaps caps = DDIRR__ADAPTER_CAPS__INIT;
	Ddirr__AdapterCaps *caps_back;
	uint8_t caps_pb[64];
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_writer *w;
	ddirr_trace *t;
	const ddirr_trace_info *back;
	const ddirr_trace_stats *st;
	const ddirr_trace_verdict *v;
	const ddirr_trace_chunk *chunks;
	uint64_t want[4][2] = {{0}};
	uint64_t k, records = 0;
	const uint64_t n = 3001; /* odd: the last call has no exit */
	size_t n_chunks, i;
	char path[512];

	(void)state;
	caps.physical_adapter_count = 2;
	caps.segment_descriptor_stride = 88;
	assert_true(protobuf_c_message_get_packed_size(&caps.base) <= sizeof(caps_pb));
	info.adapter_caps_len = protobuf_c_message_pack(&caps.base, caps_pb);
	info.adapter_caps_pb = caps_pb;
	info.provenance.driver_path = "/opt/drivers/kmd-v3.so";
	info.provenance.driver_version = "3.1.4";
	info.provenance.driver_sha256 = sha;
	info.provenance.driver_sha256_len = sizeof(sha);
	info.provenance.driver_build = "g1234abcd";
	info.provenance.interface_version = 0x1234;
	info.provenance.host = "capture-host";
	info.provenance.process_name = "ddirr-capture";
	info.provenance.pid = 4242;
	info.provenance.recorder_version = "9.8.7";
	info.provenance.start_unix_ns = 1700000000123456789ull;
	info.provenance.os = "Linux 6.1";
	info.settings.mode = "drop";
	info.settings.buffer_bytes = 1 << 20;
	info.settings.flush_interval_ms = 250;
	info.settings.privacy = "hashed";
	info.settings.lttng = 1;
	info.settings.chaos_seed = UINT64_MAX;
	info.settings.chaos_seed_set = 1;
	info.settings.flight_bytes = 3u << 20;
	info.settings.flight_triggers = "api,failure";
	info.settings.crash_handlers = 1;
	info.settings.chaos_flags = "evict,relocate";
	info.settings.scenario = "eviction-storm";
	info.settings.command_line = "ddirr capture --scenario eviction-storm";
	opts.chunk_bytes = 4096; /* several chunks */

	test_temp_path(path, sizeof(path), "test_trace_writer");
	if (ddirr_trace_writer_open(&w, path, &info, &opts))
		fail_msg("%s", ddirr_error_last());
	write_events(w, 0, n);
	assert_int_equal(ddirr_trace_writer_note_drops(w, "ring-full", 3), 0);
	assert_int_equal(ddirr_trace_writer_note_drops(w, "ring-full", 4), 0);
	assert_int_equal(ddirr_trace_writer_note_drops(w, "oversize", 1), 0);
	assert_int_equal(ddirr_trace_writer_set_stop_reason(w, "first reason"), 0);
	assert_int_equal(ddirr_trace_writer_set_stop_reason(w, "disk quota"), 0);
	for (k = 0; k < DDIRR_TRACE_MAX_FORKS + 6; k++) {
		ddirr_trace_fork f = {100 + k, 5000 + k, 4000 + (uint32_t)k};

		assert_int_equal(ddirr_trace_writer_note_fork(w, &f), 0);
	}
	assert_int_equal(ddirr_trace_writer_note_fork(w, NULL), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);

	assert_int_equal(read_all(path, &t), n);

	back = ddirr_trace_get_info(t);
	assert_int_equal(back->format_version, DDIRR_FORMAT_VERSION);
	assert_string_equal(back->provenance.driver_path, "/opt/drivers/kmd-v3.so");
	assert_string_equal(back->provenance.driver_version, "3.1.4");
	assert_int_equal(back->provenance.driver_sha256_len, 32);
	assert_memory_equal(back->provenance.driver_sha256, sha, 32);
	assert_string_equal(back->provenance.driver_build, "g1234abcd");
	assert_int_equal(back->provenance.interface_version, 0x1234);
	assert_string_equal(back->provenance.host, "capture-host");
	assert_string_equal(back->provenance.process_name, "ddirr-capture");
	assert_int_equal(back->provenance.pid, 4242);
	assert_string_equal(back->provenance.recorder_version, "9.8.7");
	assert_true(back->provenance.start_unix_ns == 1700000000123456789ull);
	assert_string_equal(back->provenance.os, "Linux 6.1");
	assert_string_equal(back->settings.mode, "drop");
	assert_int_equal(back->settings.buffer_bytes, 1 << 20);
	assert_int_equal(back->settings.flush_interval_ms, 250);
	assert_string_equal(back->settings.privacy, "hashed");
	assert_int_equal(back->settings.lttng, 1);
	assert_true(back->settings.chaos_seed == UINT64_MAX);
	assert_int_equal(back->settings.chaos_seed_set, 1);
	assert_int_equal(back->settings.flight_bytes, 3u << 20);
	assert_string_equal(back->settings.flight_triggers, "api,failure");
	assert_int_equal(back->settings.crash_handlers, 1);
	assert_string_equal(back->settings.chaos_flags, "evict,relocate");
	assert_string_equal(back->settings.scenario, "eviction-storm");
	assert_string_equal(back->settings.command_line, "ddirr capture --scenario eviction-storm");
	assert_int_equal(back->schema_len, ddirr_schema_descriptor_set_size);
	assert_memory_equal(back->schema, ddirr_schema_descriptor_set, ddirr_schema_descriptor_set_size);
	assert_non_null(back->adapter_caps_pb);
	caps_back = ddirr__adapter_caps__unpack(NULL, back->adapter_caps_len, back->adapter_caps_pb);
	assert_non_null(caps_back);
	assert_int_equal(caps_back->physical_adapter_count, 2);
	assert_int_equal(caps_back->segment_descriptor_stride, 88);
	ddirr__adapter_caps__free_unpacked(caps_back, NULL);

	v = ddirr_trace_get_verdict(t);
	assert_non_null(v);
	assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
	assert_true(v->final);
	assert_false(v->truncated);
	assert_true(v->trailer && v->clean_close);
	assert_int_equal(v->n_gaps, 0);
	assert_int_equal(v->n_problems, 0);
	assert_int_equal(v->last_seq, (n - 1) / 2 + 1);
	assert_string_equal(v->stop_reason, "disk quota");
	assert_int_equal(v->n_drops, 2);
	assert_string_equal(v->drops[0].cause, "ring-full");
	assert_int_equal(v->drops[0].records, 7);
	assert_string_equal(v->drops[1].cause, "oversize");
	assert_int_equal(v->drops[1].records, 1);
	assert_int_equal(v->dropped_records, 8);
	assert_non_null(strstr(v->summary, "complete"));
	/* The first 64 forks kept, every one counted. */
	assert_int_equal(v->forks_total, DDIRR_TRACE_MAX_FORKS + 6);
	assert_int_equal(v->n_forks, DDIRR_TRACE_MAX_FORKS);
	for (k = 0; k < v->n_forks; k++) {
		assert_int_equal(v->forks[k].after_seq, 100 + k);
		assert_int_equal(v->forks[k].time_ns, 5000 + k);
		assert_int_equal(v->forks[k].child_pid, 4000 + k);
	}
	assert_non_null(strstr(v->summary, "the process forked 70 times"));

	for (k = 0; k < n; k++) {
		ddirr_event ev = make_event(k);

		want[ev.ddi][ev.phase - 1]++;
	}
	st = ddirr_trace_get_stats(t);
	assert_non_null(st);
	chunks = ddirr_trace_get_chunks(t, &n_chunks);
	assert_true(n_chunks > 3);
	assert_int_equal(st->chunks, n_chunks);
	assert_int_equal(st->damaged_chunks, 0);
	assert_int_equal(st->records, n);
	assert_int_equal(st->entries, (n + 1) / 2);
	assert_int_equal(st->min_seq, 1);
	assert_int_equal(st->max_seq, (n - 1) / 2 + 1);
	assert_int_equal(st->min_time_ns, make_event(0).time_ns);
	assert_int_equal(st->max_time_ns, make_event(n - 1).time_ns);
	assert_true(st->trailer && st->clean_close && st->counts_from_trailer);
	assert_true(st->header_size > ddirr_schema_descriptor_set_size);
	assert_true(st->compressed_bytes > 0 && st->compressed_bytes < st->content_bytes);
	assert_true(st->compressed_bytes_per_record > 0);
	assert_int_equal(st->n_ddi_counts, 3);
	for (i = 0; i < st->n_ddi_counts; i++) {
		const ddirr_trace_ddi_count *c = &st->ddi_counts[i];

		assert_int_equal(c->ddi, i + 1);
		assert_int_equal(c->entries, want[c->ddi][0]);
		assert_int_equal(c->exits, want[c->ddi][1]);
	}
	for (i = 0; i < n_chunks; i++) {
		assert_int_equal(chunks[i].index, i);
		assert_int_equal(chunks[i].state, DDIRR_CHUNK_OK);
		assert_true(chunks[i].has_info);
		assert_true(chunks[i].content_size <= 4096);
		assert_true(i == 0 || chunks[i].offset > chunks[i - 1].offset + chunks[i - 1].frame_size);
		records += chunks[i].records;
	}
	assert_int_equal(chunks[0].offset, st->header_size);
	assert_int_equal(records, n);
	ddirr_trace_free(t);
	unlink(path);
}

/* The level reaches the compressor (the same records take fewer bytes at
 * 19 than at -7) and the header, which says 3 for ddirr's default, with
 * its smaller match tables; level 3 asked for gets zstd's own (2^16 each
 * for 256 KiB chunks), and the default compresses these records to within
 * a few percent of it. */
static void trace__zstd_level_is_used_and_recorded(void **state)
{
	static const int levels[] = {-7, 19, 0, 3};
	long size[4];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
		ddirr_trace *t;
		struct stat st;
		char path[512];

		opts.level = levels[i];
		test_temp_path(path, sizeof(path), "test_trace_writer");
		write_trace(path, &opts, 20000);
		assert_int_equal(read_all(path, &t), 20000);
		assert_int_equal(ddirr_trace_get_info(t)->settings.zstd_level, levels[i] ? levels[i] : 3);
		if (levels[i] == 0) {
			assert_int_equal(ddirr_trace_get_info(t)->settings.zstd_hash_log, DDIRR_TRACE_DEFAULT_HASH_LOG);
			assert_int_equal(ddirr_trace_get_info(t)->settings.zstd_chain_log, DDIRR_TRACE_DEFAULT_CHAIN_LOG);
		} else if (levels[i] == 3) {
			assert_int_equal(ddirr_trace_get_info(t)->settings.zstd_hash_log, 16);
			assert_int_equal(ddirr_trace_get_info(t)->settings.zstd_chain_log, 16);
		}
		ddirr_trace_free(t);
		assert_int_equal(stat(path, &st), 0);
		size[i] = (long)st.st_size;
		unlink(path);
	}
	if (size[1] >= size[0])
		fail_msg("level 19 gave %ld bytes, level -7 %ld", size[1], size[0]);
	if (size[2] > size[3] + size[3] / 20)
		fail_msg("the default gave %ld bytes, more than 5 %% over level 3's %ld", size[2], size[3]);
}

static void trace__chunks_are_cut_at_the_record_threshold(void **state)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace *t;
	const ddirr_trace_chunk *c;
	size_t n, i;
	char path[512];

	(void)state;
	opts.chunk_records = 10;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	write_trace(path, &opts, 95);
	assert_int_equal(read_all(path, &t), 95);
	c = ddirr_trace_get_chunks(t, &n);
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++) {
		assert_int_equal(c[i].records, i < 9 ? 10 : 5);
		assert_int_equal(c[i].first_seq, make_event(10 * i).seq);
		assert_int_equal(c[i].last_seq, make_event(i < 9 ? 10 * i + 9 : 94).seq);
	}
	ddirr_trace_free(t);
	unlink(path);
}

static void trace__chunks_are_cut_before_the_byte_threshold(void **state)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace *t;
	const ddirr_trace_chunk *c;
	size_t n, i;
	char path[512];

	(void)state;
	opts.chunk_bytes = 1000;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	write_trace(path, &opts, 2000);
	assert_int_equal(read_all(path, &t), 2000);
	c = ddirr_trace_get_chunks(t, &n);
	assert_true(n > 20);
	for (i = 0; i < n; i++) {
		assert_true(c[i].content_size <= 1000);
		/* Full chunks stop within one record (under 40 bytes) of it. */
		assert_true(i == n - 1 || c[i].content_size > 1000 - 40);
	}
	ddirr_trace_free(t);
	unlink(path);
}

/* The whole file decompresses as one zstd stream (skippable frames are
 * skipped) into bytes that parse as one EventBatch with every record: what
 * `zstd -dc T | protoc --decode=ddirr.EventBatch` relies on. */
static void trace__file_is_one_zstd_stream_of_one_event_batch(void **state)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ZSTD_DStream *ds;
	ZSTD_inBuffer in;
	Ddirr__EventBatch *batch;
	uint8_t *file, *out = NULL;
	size_t len, cap = 0, used = 0, k;
	uint64_t seq = 0, time_ns = 0;
	char path[512];

	(void)state;
	opts.chunk_records = 7;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	write_trace(path, &opts, 100);

	file = test_slurp(path, &len);
	ds = ZSTD_createDStream();
	assert_non_null(ds);
	in = (ZSTD_inBuffer){file, len, 0};
	while (in.pos < in.size) {
		ZSTD_outBuffer o;
		size_t r;

		if (cap - used < 4096) {
			cap = cap ? cap * 2 : 65536;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		o = (ZSTD_outBuffer){out + used, cap - used, 0};
		r = ZSTD_decompressStream(ds, &o, &in);
		if (ZSTD_isError(r))
			fail_msg("zstd: %s at byte %zu", ZSTD_getErrorName(r), in.pos);
		used += o.pos;
	}
	batch = ddirr__event_batch__unpack(NULL, used, out);
	assert_non_null(batch);
	assert_int_equal(batch->n_events, 100);
	/* What a generic tool sees in format 2: a record with seq set (the
	   first of each chunk) has that seq, any other one the previous seq
	   plus seq_delta; likewise for time. */
	for (k = 0; k < batch->n_events; k++) {
		const Ddirr__Event *e = batch->events[k];

		seq = e->seq ? e->seq : seq + (uint64_t)e->seq_delta;
		time_ns = e->time_ns ? e->time_ns : time_ns + (uint64_t)e->time_delta_ns;
		assert_int_equal(seq, make_event(k).seq);
		assert_int_equal(time_ns, make_event(k).time_ns);
		if (k % 7 == 0) /* chunk_records: every chunk starts with absolute values */
			assert_true(e->seq && e->time_ns && !e->seq_delta && !e->time_delta_ns);
	}
	ddirr__event_batch__free_unpacked(batch, NULL);
	ZSTD_freeDStream(ds);
	free(out);
	free(file);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Ending without close                                                */

static void trace__flush_makes_records_readable_before_close(void **state)
{
	ddirr_trace_writer *w;
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	char path[512];

	(void)state;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);

	/* Right after open the file is an empty trace. */
	assert_int_equal(read_all(path, &t), 0);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_TRUNCATED);
	assert_int_equal(v->last_seq, 0);
	ddirr_trace_free(t);

	write_events(w, 0, 9);
	assert_int_equal(ddirr_trace_writer_flush(w), 0);
	assert_int_equal(ddirr_trace_writer_flush(w), 0); /* nothing pending: no empty chunk */
	assert_int_equal(read_all(path, &t), 9);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_TRUNCATED);
	assert_int_equal(v->last_seq, 5);
	assert_int_equal(ddirr_trace_get_stats(t)->chunks, 1);
	ddirr_trace_free(t);

	/* Freed without close: what a crash leaves. Pending records are lost,
	   flushed ones stay, and nothing is damaged. */
	write_events(w, 9, 12);
	ddirr_trace_writer_free(w);
	assert_int_equal(read_all(path, &t), 9);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_TRUNCATED);
	assert_true(v->final);
	assert_false(v->trailer);
	assert_int_equal(v->n_gaps, 0);
	assert_int_equal(v->n_problems, 0);
	assert_non_null(strstr(v->summary, "truncated after seq 5"));
	assert_false(ddirr_trace_get_stats(t)->counts_from_trailer);
	assert_int_equal(ddirr_trace_get_stats(t)->n_ddi_counts, 3);
	ddirr_trace_free(t);
	unlink(path);
}

/* Fresh pages the calling thread has taken so far (minor faults). */
static long thread_minor_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? -1 : ru.ru_minflt;
}

static long faults_taken;
static uint64_t full_chunk_records;
#if defined(__SANITIZE_ADDRESS__)
enum { FRESH_PAGES_ALLOWED = 48 };
#else
enum { FRESH_PAGES_ALLOWED = 16 };
#endif

/* The writer makes its working memory ready at open: after a first small
 * chunk (the protobuf arena, the chunk index and libc's first use of each
 * path are allocated on first use), chunks of every size up to chunk_bytes
 * take no fresh page, the first full one included, nor do full ones after
 * hundreds of small ones (zstd gives back a workspace it has used below a
 * third of for 128 chunks). Grown on demand, these buffers took fresh
 * pages in the middle of a capture, and a recorder's drain stalled on
 * them (docs/reliability.md, "Kills"). Faults are counted, not time. */
static void *write_chunks_counting_faults(void *arg)
{
	ddirr_trace_writer_options o = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	const char *path = arg;
	ddirr_trace_writer *w;
	uint64_t k = 0, full;
	struct stat st;
	off_t size;
	long before;
	int i;

	append_error[0] = 0;
	o.chunk_bytes = 256 << 10;
	if (ddirr_trace_writer_open(&w, path, NULL, &o)) {
		snprintf(append_error, sizeof(append_error), "open: %s", ddirr_error_last());
		return NULL;
	}
	if (append_records(w, &k, 2) || ddirr_trace_writer_flush(w) || stat(path, &st))
		goto fail;
	before = thread_minor_faults();
	/* A full chunk: records until the writer cuts one by itself (the
	   file grows). */
	for (size = st.st_size, full = 0; st.st_size == size; full++) {
		if (append_records(w, &k, 1) || stat(path, &st))
			goto fail;
	}
	for (i = 0; i < 200; i++)
		if (append_records(w, &k, 2) || ddirr_trace_writer_flush(w))
			goto fail;
	if (append_records(w, &k, 2 * full))
		goto fail;
	faults_taken = thread_minor_faults() - before;
	full_chunk_records = full;
	if (ddirr_trace_writer_close(w))
		goto fail;
	ddirr_trace_writer_free(w);
	return arg;
fail:
	if (!append_error[0])
		snprintf(append_error, sizeof(append_error), "%s", ddirr_error_last());
	ddirr_trace_writer_free(w);
	return NULL;
}

static void trace__chunks_up_to_chunk_bytes_take_no_fresh_memory(void **state)
{
	char path[512];
	pthread_t tid;
	void *ok;

	(void)state;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	/* In a thread of its own, as the recorder's drain: a new thread's
	   allocations come from memory no earlier test has touched. */
	assert_int_equal(pthread_create(&tid, NULL, write_chunks_counting_faults, path), 0);
	assert_int_equal(pthread_join(tid, &ok), 0);
	if (!ok)
		fail_msg("%s", append_error);
	assert_true(full_chunk_records > 1000);
	/* The chunk index still grows, a page every 40 chunks or so: 6 pages
	   here, 21 under ASan (its realloc takes fresh memory, and shadow for
	   it). The writer as it was took 228, 742 under ASan. */
	if (faults_taken > FRESH_PAGES_ALLOWED)
		fail_msg("a full chunk, 200 small ones and 2 full ones took %ld fresh pages", faults_taken);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Failures                                                            */

static void trace__writer_refuses_bad_arguments(void **state)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	ddirr_trace_writer *w = (ddirr_trace_writer *)1;
	ddirr_event ev = make_event(0);
	static const uint8_t junk[] = {0xff, 0xff, 0xff};
	char path[512];

	(void)state;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	assert_int_equal(ddirr_trace_writer_open(NULL, path, NULL, NULL), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_open(&w, NULL, NULL, NULL), DDIRR_EINVAL);
	assert_null(w);
	opts.version = 99;
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, &opts), DDIRR_EINVAL);
	opts.version = DDIRR_TRACE_WRITER_OPTIONS_VERSION;
	opts.chunk_bytes = (size_t)DDIRR_TRACE_MAX_CHUNK_CONTENT + 1;
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, &opts), DDIRR_EINVAL);
	opts.chunk_bytes = 0;
	opts.level = 1000;
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, &opts), DDIRR_EINVAL);
	info.adapter_caps_pb = junk;
	info.adapter_caps_len = sizeof(junk);
	assert_int_equal(ddirr_trace_writer_open(&w, path, &info, NULL), DDIRR_EINVAL);
	assert_non_null(strstr(ddirr_error_last(), "AdapterCaps"));
	assert_null(w);

	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, NULL), 0);
	assert_int_equal(ddirr_trace_writer_append(w, NULL), DDIRR_EINVAL);
	ev.ddi = DDIRR_TRACE_MAX_DDI_ID + 1;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), DDIRR_EINVAL);
	ev = make_event(0);
	ev.phase = 0;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_note_drops(w, NULL, 1), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_note_drops(w, "", 1), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_set_stop_reason(w, NULL), DDIRR_EINVAL);
	/* Refused records leave the writer usable. */
	write_events(w, 0, 4);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	assert_int_equal(ddirr_trace_writer_close(w), DDIRR_EINVAL);
	ev = make_event(4);
	assert_int_equal(ddirr_trace_writer_append(w, &ev), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_flush(w), DDIRR_EINVAL);
	assert_int_equal(ddirr_trace_writer_note_drops(w, "late", 1), DDIRR_EINVAL);
	ddirr_trace_writer_free(w);
	ddirr_trace_writer_free(NULL);
	unlink(path);
}

static void trace__write_failure_names_file_and_offset(void **state)
{
	ddirr_trace_writer *w = (ddirr_trace_writer *)1;

	(void)state;
	if (access("/dev/full", W_OK))
		skip();
	assert_int_equal(ddirr_trace_writer_open(&w, "/dev/full", NULL, NULL), DDIRR_EIO);
	assert_null(w);
	assert_non_null(strstr(ddirr_error_last(), "/dev/full: byte 0: write failed: "));
	assert_non_null(strstr(ddirr_error_last(), strerror(ENOSPC)));
}

/* The file-size limit makes write(2) fail part-way through a chunk, as a
 * full disk does. The failure names the errno and the seqs lost, the torn
 * frame is cut off, and close writes a trailer naming the failure; every
 * chunk written before stays readable. */
static void trace__write_failure_is_sticky_and_keeps_written_chunks(void **state)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_writer *w;
	ddirr_trace *t;
	struct rlimit old, lim;
	void (*old_handler)(int);
	char path[512], first[DDIRR_TRACE_MESSAGE_MAX];
	const ddirr_trace_chunk *chunks;
	uint64_t k, complete = 0;
	size_t n, i;
	int rc = 0;

	(void)state;
	opts.chunk_records = 16;
	test_temp_path(path, sizeof(path), "test_trace_writer");
	assert_int_equal(ddirr_trace_writer_open(&w, path, NULL, &opts), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	old_handler = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = ddirr_schema_descriptor_set_size + 2000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (k = 0; k < 100000 && !rc; k++) {
		ddirr_event ev = make_event(k);

		rc = ddirr_trace_writer_append(w, &ev);
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);

	assert_int_equal(rc, DDIRR_EIO);
	snprintf(first, sizeof(first), "%s", ddirr_error_last());
	assert_non_null(strstr(first, path));
	assert_non_null(strstr(first, ": byte "));
	assert_non_null(strstr(first, strerror(EFBIG)));
	assert_non_null(strstr(first, "(EFBIG); chunk "));
	assert_non_null(strstr(first, " not written"));
	{
		ddirr_event ev = make_event(k);

		assert_int_equal(ddirr_trace_writer_append(w, &ev), DDIRR_EIO);
		assert_string_equal(ddirr_error_last(), first);
	}
	assert_int_equal(ddirr_trace_writer_flush(w), DDIRR_EIO);
	assert_string_equal(ddirr_error_last(), first);
	assert_int_equal(ddirr_trace_writer_note_drops(w, "write-failed", 5), 0);
	/* Cut back under the limit, the trailer fits. */
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);

	/* Every chunk that reached the file whole comes back. */
	assert_true(ddirr_trace_open(&t, path) == 0);
	{
		const ddirr_event *ev;
		uint64_t got = 0;

		while ((rc = ddirr_trace_next(t, &ev)) == 1)
			assert_event_is(ev, got++);
		assert_int_equal(rc, 0);
		chunks = ddirr_trace_get_chunks(t, &n);
		for (i = 0; i < n; i++)
			if (chunks[i].state == DDIRR_CHUNK_OK)
				complete += chunks[i].records;
		assert_true(n >= 2);
		assert_int_equal(got, complete);
		assert_int_equal(got % 16, 0);
		assert_true(got >= 16);
		assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_TRUNCATED);
		assert_int_equal(ddirr_trace_get_verdict(t)->last_seq, make_event(got - 1).seq);
		{
			const ddirr_trace_verdict *v = ddirr_trace_get_verdict(t);

			assert_true(v->trailer);
			assert_false(v->clean_close);
			assert_int_equal(v->n_problems, 0); /* no torn frame left, the trailer agrees */
			assert_int_equal(v->n_gaps, 0);
			assert_string_equal(v->stop_reason, first);
			assert_non_null(strstr(v->summary, first));
			assert_int_equal(v->n_drops, 1);
			assert_string_equal(v->drops[0].cause, "write-failed");
			assert_true(v->drops[0].records > 5); /* the 5 noted, and the chunk lost */
			assert_int_equal(got + v->drops[0].records - 5, k);
		}
	}
	ddirr_trace_free(t);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace__round_trip_keeps_records_header_and_counts),
		cmocka_unit_test(trace__zstd_level_is_used_and_recorded),
		cmocka_unit_test(trace__chunks_are_cut_at_the_record_threshold),
		cmocka_unit_test(trace__chunks_are_cut_before_the_byte_threshold),
		cmocka_unit_test(trace__file_is_one_zstd_stream_of_one_event_batch),
		cmocka_unit_test(trace__flush_makes_records_readable_before_close),
		cmocka_unit_test(trace__chunks_up_to_chunk_bytes_take_no_fresh_memory),
		cmocka_unit_test(trace__writer_refuses_bad_arguments),
		cmocka_unit_test(trace__write_failure_names_file_and_offset),
		cmocka_unit_test(trace__write_failure_is_sticky_and_keeps_written_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
