/* Tests for schema/trace_reader.c on damaged and hostile files: a cut at
 * every byte, a flipped byte anywhere in a chunk, lost index frames, seq
 * holes, files that are not traces, a newer format, and sizes meant to make
 * the reader allocate without bound. Run under ASan+UBSan by the asan
 * preset: "never crash, never leak" is checked there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "ddirr.pb-c.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "test_files.h"
#include "trace_format.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

typedef struct sample {
	uint8_t *bytes; /* the whole file */
	size_t len;
	size_t header_size;
	size_t n_chunks;
	ddirr_trace_chunk chunks[64];
	uint64_t records;
} sample;




/* Record k of a test stream: calls in seq order, entry then exit. */
static ddirr_event make_event(uint64_t k)
{
	ddirr_event ev = {0};

	ev.seq = k / 2 + 1;
	ev.phase = k % 2 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY;
	ev.ddi = 1 + (uint32_t)(ev.seq % 3);
	ev.thread = (uint32_t)(ev.seq % 4);
	ev.time_ns = 5000 + k * 11;
	return ev;
}

static void write_trace(const char *path, const ddirr_event *evs, size_t n, uint32_t chunk_records)
{
	ddirr_trace_writer_options opts = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	ddirr_trace_writer *w;
	size_t i;

	info.provenance.driver_path = "kmd.so";
	opts.chunk_records = chunk_records;
	if (ddirr_trace_writer_open(&w, path, &info, &opts))
		fail_msg("%s", ddirr_error_last());
	for (i = 0; i < n; i++)
		if (ddirr_trace_writer_append(w, &evs[i]))
			fail_msg("%s", ddirr_error_last());
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
}

/* Reads path to the end. Returns the number of records; checks that they
 * are a subsequence of make_event(0..) in order, and counts them per chunk
 * of s into per_chunk (when not NULL). */
static uint64_t read_back(const char *path, ddirr_trace *t, const sample *s, uint64_t *per_chunk)
{
	const ddirr_event *ev;
	uint64_t n = 0, k = 0;
	int rc;

	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		while (k < 100000 && make_event(k).time_ns != ev->time_ns)
			k++;
		if (k == 100000)
			fail_msg("%s: record seq %llu is not one that was written", path, (unsigned long long)ev->seq);
		assert_int_equal(ev->seq, make_event(k).seq);
		assert_int_equal(ev->phase, make_event(k).phase);
		if (per_chunk && s) {
			size_t c = 0;
			uint64_t before = 0;

			while (c < s->n_chunks && before + s->chunks[c].records <= k)
				before += s->chunks[c++].records;
			per_chunk[c]++;
		}
		n++;
		k++;
	}
	if (rc != 0)
		fail_msg("%s: next: %d %s", path, rc, ddirr_error_last());
	return n;
}

/* A small trace of `n` records in chunks of `chunk_records`. */
static void make_sample(sample *s, size_t n, uint32_t chunk_records)
{
	ddirr_event *evs = calloc(n, sizeof(*evs));
	const ddirr_trace_chunk *c;
	ddirr_trace *t;
	char path[512];
	size_t i;

	assert_non_null(evs);
	for (i = 0; i < n; i++)
		evs[i] = make_event(i);
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	write_trace(path, evs, n, chunk_records);
	free(evs);
	s->bytes = test_slurp(path, &s->len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	s->records = read_back(path, t, NULL, NULL);
	assert_int_equal(s->records, n);
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	s->header_size = (size_t)ddirr_trace_get_stats(t)->header_size;
	c = ddirr_trace_get_chunks(t, &s->n_chunks);
	assert_true(s->n_chunks <= 64);
	memcpy(s->chunks, c, s->n_chunks * sizeof(*c));
	ddirr_trace_free(t);
	unlink(path);
}

static int has_problem(const ddirr_trace_verdict *v, int code, const char *text)
{
	size_t i;

	for (i = 0; i < v->n_problems; i++)
		if ((!code || v->problems[i].code == code) && strstr(v->problems[i].message, text))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Truncation                                                          */

static void trace__cut_at_every_offset_recovers_complete_chunks(void **state)
{
	sample s;
	char path[512];
	size_t cut;

	(void)state;
	make_sample(&s, 61, 8); /* 8 chunks, the last one short */
	assert_int_equal(s.n_chunks, 8);
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	for (cut = 0; cut <= s.len; cut++) {
		ddirr_trace *t = (ddirr_trace *)1;
		const ddirr_trace_verdict *v;
		uint64_t want = 0, last = 0, got;
		size_t c;
		int rc;

		test_put_file(path, s.bytes, cut);
		rc = ddirr_trace_open(&t, path);
		if (cut == 0) {
			assert_int_equal(rc, DDIRR_ENOTTRACE);
			assert_null(t);
			continue;
		}
		if (cut < s.header_size) {
			if (rc != DDIRR_ETRUNC)
				fail_msg("cut at %zu: %d %s", cut, rc, ddirr_error_last());
			assert_null(t);
			assert_non_null(strstr(ddirr_error_last(), path));
			continue;
		}
		if (rc)
			fail_msg("cut at %zu: %s", cut, ddirr_error_last());
		for (c = 0; c < s.n_chunks; c++) {
			if (s.chunks[c].offset + s.chunks[c].frame_size <= cut) {
				want += s.chunks[c].records;
				last = s.chunks[c].last_seq;
			}
		}
		got = read_back(path, t, &s, NULL);
		if (got != want)
			fail_msg("cut at %zu of %zu: %llu records, want %llu", cut, s.len, (unsigned long long)got,
				 (unsigned long long)want);
		v = ddirr_trace_get_verdict(t);
		assert_true(v->final);
		assert_int_equal(v->n_gaps, 0);
		assert_int_equal(v->last_seq, last);
		if (cut == s.len) {
			assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
		} else {
			if (v->kind != DDIRR_VERDICT_TRUNCATED)
				fail_msg("cut at %zu: %s", cut, v->summary);
			assert_true(v->stopped_at <= cut);
		}
		ddirr_trace_free(t);
	}
	unlink(path);
	free(s.bytes);
}

/* ------------------------------------------------------------------ */
/* Damage                                                              */

/* Flips each byte of one data frame in turn. Either the damage is harmless
 * (zstd decodes the same records) or exactly that chunk is lost, named by
 * its offset, and every other chunk is recovered. */
static void trace__flipped_byte_in_a_data_frame_costs_only_that_chunk(void **state)
{
	const size_t victim = 3;
	sample s;
	char path[512], at[64];
	const ddirr_trace_chunk *d;
	size_t i, lost = 0;

	(void)state;
	make_sample(&s, 400, 50); /* 8 chunks of 50 records */
	d = &s.chunks[victim];
	snprintf(at, sizeof(at), ": byte %llu: ", (unsigned long long)d->offset);
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	for (i = 0; i < d->frame_size; i++) {
		ddirr_trace *t;
		const ddirr_trace_verdict *v;
		uint64_t per_chunk[65] = {0};
		uint64_t got;
		size_t c;

		s.bytes[d->offset + i] ^= 0xA5;
		test_put_file(path, s.bytes, s.len);
		s.bytes[d->offset + i] ^= 0xA5;
		if (ddirr_trace_open(&t, path))
			fail_msg("flip at %zu: %s", i, ddirr_error_last());
		got = read_back(path, t, &s, per_chunk);
		v = ddirr_trace_get_verdict(t);
		for (c = 0; c < s.n_chunks; c++)
			if (c != victim && per_chunk[c] != s.chunks[c].records)
				fail_msg("flip at frame byte %zu: chunk %zu gave %llu of %llu records; %s", i, c,
					 (unsigned long long)per_chunk[c], (unsigned long long)s.chunks[c].records,
					 v->summary);
		if (got == s.records) {
			assert_int_not_equal(v->kind, DDIRR_VERDICT_GAP);
		} else {
			lost++;
			if (v->kind != DDIRR_VERDICT_GAP || v->n_gaps != 1)
				fail_msg("flip at frame byte %zu: %s", i, v->summary);
			assert_int_equal(per_chunk[victim], 0);
			assert_int_equal(v->gaps[0].kind, DDIRR_GAP_CHUNK);
			assert_int_equal(v->gaps[0].first_seq, d->first_seq);
			assert_int_equal(v->gaps[0].last_seq, d->last_seq);
			assert_int_equal(v->gaps[0].records, d->records);
			assert_int_equal(v->gaps[0].chunk, victim);
			assert_int_equal(v->gaps[0].offset, d->offset);
			assert_int_equal(v->missing_records, d->records);
			assert_false(v->truncated);
			if (!has_problem(v, 0, at))
				fail_msg("flip at frame byte %zu: no problem names%s: %s", i, at, v->summary);
			assert_int_equal(ddirr_trace_get_stats(t)->damaged_chunks, 1);
		}
		ddirr_trace_free(t);
	}
	/* Nearly every byte matters; a few header bits (such as the checksum
	   flag) do not change the records. */
	assert_true(lost > d->frame_size * 9 / 10);
	unlink(path);
	free(s.bytes);
}

/* Flips one bit at every byte of a whole small trace: header, data frames,
 * chunk infos and trailer. Never a crash and never a record that was not
 * written (read_back checks); every chunk that ends before the damaged byte
 * is recovered; a trace missing records never says complete; a damaged
 * header is refused with an error naming the file. */
static void trace__bit_flipped_at_every_byte_of_the_file_keeps_the_chunks_before_it(void **state)
{
	sample s;
	char path[512];
	size_t i, refused = 0, lost = 0;

	(void)state;
	make_sample(&s, 120, 20); /* 6 chunks of 20 records */
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	for (i = 0; i < s.len; i++) {
		ddirr_trace *t = NULL;
		const ddirr_trace_verdict *v;
		uint64_t per_chunk[65] = {0};
		uint64_t got;
		size_t c;
		int rc;

		s.bytes[i] ^= (uint8_t)(1u << (i % 8));
		test_put_file(path, s.bytes, s.len);
		s.bytes[i] ^= (uint8_t)(1u << (i % 8));
		rc = ddirr_trace_open(&t, path);
		if (rc) {
			if (i >= s.header_size)
				fail_msg("flip at %zu (header ends at %zu): %s", i, s.header_size, ddirr_error_last());
			assert_null(t);
			assert_non_null(strstr(ddirr_error_last(), path));
			refused++;
			continue;
		}
		got = read_back(path, t, &s, per_chunk);
		v = ddirr_trace_get_verdict(t);
		assert_true(v->final);
		for (c = 0; c < s.n_chunks; c++)
			if (s.chunks[c].offset + s.chunks[c].frame_size <= i && per_chunk[c] != s.chunks[c].records)
				fail_msg("flip at %zu: chunk %zu, before it, gave %llu of %llu records; %s", i, c,
					 (unsigned long long)per_chunk[c], (unsigned long long)s.chunks[c].records,
					 v->summary);
		if (got != s.records) {
			lost++;
			if (v->kind == DDIRR_VERDICT_COMPLETE)
				fail_msg("flip at %zu: %llu of %llu records, yet: %s", i, (unsigned long long)got,
					 (unsigned long long)s.records, v->summary);
		}
		ddirr_trace_free(t);
	}
	print_message("%zu flips: %zu refused at open (header), %zu cost records, the rest lost nothing\n", s.len,
		      refused, lost);
	assert_true(lost > 0);
	unlink(path);
	free(s.bytes);
}

static void trace__checksum_mismatch_is_reported_with_zstd_error_name(void **state)
{
	const size_t victim = 2;
	sample s;
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	char path[512], want[1024];
	const ddirr_trace_chunk *d;

	(void)state;
	make_sample(&s, 200, 50);
	d = &s.chunks[victim];
	/* The content checksum is the last 4 bytes of the frame. */
	s.bytes[d->offset + d->frame_size - 2] ^= 0x01;
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	test_put_file(path, s.bytes, s.len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, &s, NULL), s.records - d->records);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_GAP);
	snprintf(want, sizeof(want), "%s: byte %llu: data frame %zu: zstd: %s", path, (unsigned long long)d->offset,
		 victim, ZSTD_getErrorString(ZSTD_error_checksum_wrong));
	if (!has_problem(v, DDIRR_ECORRUPT, want))
		fail_msg("want \"%s\"; got %s", want, v->summary);
	assert_non_null(strstr(v->summary, "gap: 50 records missing at seq"));
	ddirr_trace_free(t);
	unlink(path);
	free(s.bytes);
}

/* A data frame and its ChunkInfo are both overwritten: the reader finds
 * the next chunk by its ChunkInfo and measures the loss from the trailer. */
static void trace__chunk_lost_with_its_info_is_measured_from_the_trailer(void **state)
{
	const size_t victim = 1;
	sample s;
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	const ddirr_trace_chunk *d;
	char path[512];

	(void)state;
	make_sample(&s, 200, 50);
	d = &s.chunks[victim];
	memset(s.bytes + d->offset, 0xEE, (size_t)(s.chunks[victim + 1].offset - d->offset));
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	test_put_file(path, s.bytes, s.len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, &s, NULL), s.records - d->records);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_GAP);
	assert_true(v->n_gaps >= 1);
	assert_int_equal(v->gaps[0].first_seq, d->first_seq);
	assert_int_equal(v->gaps[0].records, d->records);
	assert_true(has_problem(v, DDIRR_ECORRUPT, "not a zstd frame"));
	ddirr_trace_free(t);
	unlink(path);
	free(s.bytes);
}

static void trace__overwritten_chunk_info_loses_no_records(void **state)
{
	sample s;
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	const ddirr_trace_chunk *d;
	char path[512];

	(void)state;
	make_sample(&s, 200, 50);
	d = &s.chunks[1];
	memset(s.bytes + d->offset + d->frame_size, 0x00, (size_t)(s.chunks[2].offset - d->offset - d->frame_size));
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	test_put_file(path, s.bytes, s.len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, &s, NULL), s.records);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_COMPLETE);
	assert_true(v->n_problems >= 1);
	ddirr_trace_free(t);
	unlink(path);
	free(s.bytes);
}

/* ------------------------------------------------------------------ */
/* Seq holes                                                           */

static void trace__seq_hole_between_chunks_is_a_gap(void **state)
{
	ddirr_event evs[40];
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	char path[512];
	size_t i, n = 0;

	(void)state;
	/* Calls 1..10 and 15..20: calls 11..14 never made it to the file. */
	for (i = 0; i < 40; i++) {
		ddirr_event ev = make_event(i);

		if (ev.seq >= 11 && ev.seq <= 14)
			continue;
		evs[n++] = ev;
	}
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	write_trace(path, evs, n, 6);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, NULL, NULL), n);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_GAP);
	assert_int_equal(v->n_gaps, 1);
	assert_int_equal(v->gaps[0].kind, DDIRR_GAP_SEQ);
	assert_int_equal(v->gaps[0].first_seq, 11);
	assert_int_equal(v->gaps[0].last_seq, 14);
	assert_int_equal(v->gaps[0].records, 4);
	assert_non_null(strstr(v->summary, "gap: 4 records missing at seq 11"));
	ddirr_trace_free(t);
	unlink(path);
}

static void trace__entries_out_of_order_across_chunks_make_no_gap(void **state)
{
	ddirr_event evs[60];
	ddirr_trace *t;
	char path[512];
	size_t i;

	(void)state;
	/* Two threads drained one after the other: odd seqs, then even ones. */
	for (i = 0; i < 30; i++) {
		evs[i] = make_event(i);
		evs[i].seq = 2 * (i / 2) + 1;
		evs[30 + i] = make_event(i);
		evs[30 + i].seq = 2 * (i / 2) + 2;
	}
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	write_trace(path, evs, 60, 7);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	{
		const ddirr_event *ev;
		size_t n = 0;

		while (ddirr_trace_next(t, &ev) == 1)
			n++;
		assert_int_equal(n, 60);
	}
	assert_int_equal(ddirr_trace_get_verdict(t)->kind, DDIRR_VERDICT_COMPLETE);
	assert_int_equal(ddirr_trace_get_verdict(t)->n_gaps, 0);
	ddirr_trace_free(t);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Not a trace, newer format                                           */

static void expect_open(const char *path, const void *bytes, size_t len, int code, const char *text)
{
	ddirr_trace *t = (ddirr_trace *)1;
	int rc;

	test_put_file(path, bytes, len);
	rc = ddirr_trace_open(&t, path);
	if (rc != code)
		fail_msg("want %s, got %s: %s", ddirr_error_name(code), ddirr_error_name(rc), ddirr_error_last());
	assert_null(t);
	assert_non_null(strstr(ddirr_error_last(), path));
	if (text && !strstr(ddirr_error_last(), text))
		fail_msg("\"%s\" lacks \"%s\"", ddirr_error_last(), text);
}

static void trace__file_that_is_not_a_trace_is_refused(void **state)
{
	static const char text[] = "hello, this is a plain text file\n";
	uint8_t random[4096], z[256];
	char path[512];
	size_t i, zlen;

	(void)state;
	srand(7);
	for (i = 0; i < sizeof(random); i++)
		random[i] = (uint8_t)rand();
	zlen = ZSTD_compress(z, sizeof(z), text, sizeof(text), 3);
	assert_false(ZSTD_isError(zlen));
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	expect_open(path, "", 0, DDIRR_ENOTTRACE, "not a ddirr trace");
	expect_open(path, random, sizeof(random), DDIRR_ENOTTRACE,
		    "not a ddirr trace: first frame is not a ddirr header");
	expect_open(path, z, zlen, DDIRR_ENOTTRACE, "not a ddirr trace: first frame is not a ddirr header");
	/* Another tool's skippable frame, and ours with another tag. */
	expect_open(path, "\x50\x2a\x4d\x18\x04\x00\x00\x00HEAD", 12, DDIRR_ENOTTRACE, "first frame");
	expect_open(path, "\x5d\x2a\x4d\x18\x08\x00\x00\x00TRLR\x01\x00\x00\x00", 16, DDIRR_ENOTTRACE, "first frame");
	/* A prefix of a header is a trace cut short. */
	expect_open(path, "\x5d\x2a\x4d", 3, DDIRR_ETRUNC, "header");
	{
		ddirr_trace *t = (ddirr_trace *)1;

		assert_int_equal(ddirr_trace_open(&t, "/nonexistent/dir/t.ddirr"), DDIRR_EIO);
		assert_null(t);
		assert_int_equal(ddirr_trace_open(&t, "/tmp"), DDIRR_EINVAL);
		assert_int_equal(ddirr_trace_open(NULL, path), DDIRR_EINVAL);
	}
	unlink(path);
}

static void trace__newer_format_version_is_refused_before_parsing(void **state)
{
	sample s;
	char path[512];
	char want[64];

	(void)state;
	snprintf(want, sizeof(want), "trace format %u, this reader knows up to %u", DDIRR_FORMAT_VERSION + 1,
		 DDIRR_FORMAT_VERSION);
	make_sample(&s, 10, 4);
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	ddirr_le32_put(s.bytes + 12, DDIRR_FORMAT_VERSION + 1);
	expect_open(path, s.bytes, s.len, DDIRR_EVERSION, want);
	/* Even when the rest of the header is no longer a TraceHeader, and
	   bigger than this reader would accept. */
	memset(s.bytes + 16, 0xFF, s.header_size - 16);
	ddirr_le32_put(s.bytes + 4, 0xFFFFFFF0u);
	expect_open(path, s.bytes, s.len, DDIRR_EVERSION, want);
	unlink(path);
	free(s.bytes);
}

/* ------------------------------------------------------------------ */
/* Hostile sizes                                                       */

/* Appends a skippable ddirr frame with tag and msg to buf at *len. */
static void put_frame(uint8_t *buf, size_t cap, size_t *len, const char *tag, const ProtobufCMessage *msg)
{
	size_t body = protobuf_c_message_get_packed_size(msg);

	assert_true(*len + 12 + body <= cap);
	ddirr_le32_put(buf + *len, DDIRR_SKIPPABLE_MAGIC);
	ddirr_le32_put(buf + *len + 4, (uint32_t)(4 + body));
	memcpy(buf + *len + 8, tag, 4);
	protobuf_c_message_pack(msg, buf + *len + 12);
	*len += 12 + body;
}

static void trace__absurd_header_size_is_refused(void **state)
{
	sample s;
	char path[512];

	(void)state;
	make_sample(&s, 4, 4);
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	ddirr_le32_put(s.bytes + 4, 0xFFFFFFF0u);
	expect_open(path, s.bytes, s.len, DDIRR_ELIMIT, "exceeds the limit");
	ddirr_le32_put(s.bytes + 4, DDIRR_TRACE_MAX_HEADER);
	expect_open(path, s.bytes, s.len, DDIRR_ETRUNC, "ends inside the header frame");
	unlink(path);
	free(s.bytes);
}

static void trace__absurd_trailer_and_chunk_info_are_refused(void **state)
{
	Ddirr__TraceTrailer tr = DDIRR__TRACE_TRAILER__INIT;
	Ddirr__ChunkInfo ci = DDIRR__CHUNK_INFO__INIT, *cip = &ci;
	Ddirr__DdiCount dc = DDIRR__DDI_COUNT__INIT, *dcp = &dc;
	uint8_t *buf;
	size_t len, cap;
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	const ddirr_trace_stats *st;
	sample s;
	char path[512];

	(void)state;
	make_sample(&s, 4, 4);
	cap = s.header_size + 4096;
	buf = malloc(cap);
	assert_non_null(buf);
	memcpy(buf, s.bytes, s.header_size);
	len = s.header_size;

	/* A data frame announcing 2^40 bytes of content, then a ChunkInfo for
	   it claiming a 4 GiB frame and 2^32-1 records. */
	{
		static const uint8_t frame[] = {0x28, 0xB5, 0x2F, 0xFD, 0xC4, 0x00, /* magic, FHD, window */
						0, 0, 0, 0, 0, 1, 0, 0, /* content size 2^40 */
						0x01, 0x00, 0x00, /* last raw block, 0 bytes */
						0, 0, 0, 0};
		memcpy(buf + len, frame, sizeof(frame));
		ci.offset = len;
		len += sizeof(frame);
		ci.frame_size = 4ull << 30;
		ci.records = UINT32_MAX;
		ci.content_size = 1ull << 40;
		put_frame(buf, cap, &len, DDIRR_TAG_CHUNK, &ci.base);
	}
	/* A trailer claiming 2^40 records in a 4 GiB chunk, and a DDI id
	   far beyond any table. */
	tr.chunks = &cip;
	tr.n_chunks = 1;
	tr.counts = &dcp;
	tr.n_counts = 1;
	dc.ddi = (Ddirr__DdiId)0x7FFFFFFF;
	dc.entries = UINT64_MAX;
	tr.records = 1ull << 40;
	tr.clean_close = 1;
	put_frame(buf, cap, &len, DDIRR_TAG_TRAILER, &tr.base);

	test_temp_path(path, sizeof(path), "test_trace_recovery");
	test_put_file(path, buf, len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, NULL, NULL), 0);
	v = ddirr_trace_get_verdict(t);
	assert_true(has_problem(v, DDIRR_ELIMIT, "content of 1099511627776 bytes exceeds the limit"));
	assert_true(has_problem(v, DDIRR_ELIMIT, "chunk info 0: frame_size 4294967296"));
	assert_true(has_problem(v, DDIRR_ELIMIT, "trailer: chunk 0: frame_size 4294967296"));
	assert_true(has_problem(v, DDIRR_ELIMIT, "DDI id 2147483647"));
	assert_true(has_problem(v, DDIRR_ECORRUPT, "trailer counts 1099511627776 records"));
	assert_int_equal(v->kind, DDIRR_VERDICT_GAP);
	st = ddirr_trace_get_stats(t);
	assert_false(st->counts_from_trailer);
	assert_int_equal(st->records, 0);
	ddirr_trace_free(t);

	/* Skippable sizes past the end of the file stop reading there. */
	len = s.header_size;
	ddirr_le32_put(buf + len, DDIRR_SKIPPABLE_MAGIC);
	ddirr_le32_put(buf + len + 4, 0xFFFFFFFFu);
	memcpy(buf + len + 8, DDIRR_TAG_TRAILER, 4);
	len += 12;
	test_put_file(path, buf, len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, NULL, NULL), 0);
	v = ddirr_trace_get_verdict(t);
	assert_int_equal(v->kind, DDIRR_VERDICT_TRUNCATED);
	assert_int_equal(v->stopped_at, s.header_size);
	assert_true(has_problem(v, DDIRR_ETRUNC, "runs past the end of the file"));
	ddirr_trace_free(t);
	unlink(path);
	free(buf);
	free(s.bytes);
}

/* 64 MiB of empty records compress to almost nothing but would unpack into
 * gigabytes of structs: the unpack limit refuses them. */
static void trace__batch_that_would_unpack_past_the_limit_is_refused(void **state)
{
	const size_t content = DDIRR_TRACE_MAX_CHUNK_CONTENT;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	uint8_t *batch = malloc(content), *file;
	size_t cap = ZSTD_compressBound(content) + 4096, len, z, i;
	ddirr_trace *t;
	const ddirr_trace_verdict *v;
	sample s;
	char path[512];

	(void)state;
	assert_non_null(cctx);
	assert_non_null(batch);
	make_sample(&s, 2, 2);
	for (i = 0; i < content; i += 2) {
		batch[i] = 0x0A; /* field 1 (events), length-delimited */
		batch[i + 1] = 0x00;
	}
	file = malloc(s.header_size + cap);
	assert_non_null(file);
	memcpy(file, s.bytes, s.header_size);
	len = s.header_size;
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
	z = ZSTD_compress2(cctx, file + len, cap, batch, content);
	assert_false(ZSTD_isError(z));
	len += z;
	test_temp_path(path, sizeof(path), "test_trace_recovery");
	test_put_file(path, file, len);
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	assert_int_equal(read_back(path, t, NULL, NULL), 0);
	v = ddirr_trace_get_verdict(t);
	assert_true(has_problem(v, DDIRR_ELIMIT, "EventBatch needs more than the 256 MiB unpack limit"));
	assert_int_equal(ddirr_trace_get_stats(t)->damaged_chunks, 1);
	ddirr_trace_free(t);
	unlink(path);
	ZSTD_freeCCtx(cctx);
	free(file);
	free(batch);
	free(s.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace__cut_at_every_offset_recovers_complete_chunks),
		cmocka_unit_test(trace__flipped_byte_in_a_data_frame_costs_only_that_chunk),
		cmocka_unit_test(trace__bit_flipped_at_every_byte_of_the_file_keeps_the_chunks_before_it),
		cmocka_unit_test(trace__checksum_mismatch_is_reported_with_zstd_error_name),
		cmocka_unit_test(trace__chunk_lost_with_its_info_is_measured_from_the_trailer),
		cmocka_unit_test(trace__overwritten_chunk_info_loses_no_records),
		cmocka_unit_test(trace__seq_hole_between_chunks_is_a_gap),
		cmocka_unit_test(trace__entries_out_of_order_across_chunks_make_no_gap),
		cmocka_unit_test(trace__file_that_is_not_a_trace_is_refused),
		cmocka_unit_test(trace__newer_format_version_is_refused_before_parsing),
		cmocka_unit_test(trace__absurd_header_size_is_refused),
		cmocka_unit_test(trace__absurd_trailer_and_chunk_info_are_refused),
		cmocka_unit_test(trace__batch_that_would_unpack_past_the_limit_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
