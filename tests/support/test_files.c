/* Test support: files (see test_files.h). */
#include "test_files.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include <zstd.h>

#include "ddirr.pb-c.h"

void test_temp_path(char *buf, size_t n, const char *stem)
{
	const char *dir = getenv("DDIRR_TEST_TMP");
	int fd;

	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir)
		dir = "/tmp";
	snprintf(buf, n, "%s/%s.XXXXXX", dir, stem);
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	close(fd);
}

void test_put_file(const char *path, const void *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

uint8_t *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

size_t test_call_records(const char *path, size_t *records)
{
	size_t len, clen, i, at, calls = 0;
	uint8_t *file = test_slurp(path, &len), *content;
	unsigned long long want = 0;
	Ddirr__EventBatch *b;

	for (at = 0; at < len; at += ZSTD_findFrameCompressedSize(file + at, len - at)) {
		unsigned long long n = ZSTD_getFrameContentSize(file + at, len - at);

		assert_false(ZSTD_isError(ZSTD_findFrameCompressedSize(file + at, len - at)));
		assert_true(n != ZSTD_CONTENTSIZE_ERROR && n != ZSTD_CONTENTSIZE_UNKNOWN);
		want += n;
	}
	content = malloc(want ? want : 1);
	assert_non_null(content);
	clen = ZSTD_decompress(content, want, file, len);
	assert_false(ZSTD_isError(clen));
	b = ddirr__event_batch__unpack(NULL, clen, content);
	assert_non_null(b);
	for (i = 0; i < b->n_events; i++)
		calls += b->events[i]->phase == DDIRR__PHASE__CALL;
	*records = b->n_events;
	ddirr__event_batch__free_unpacked(b, NULL);
	free(content);
	free(file);
	return calls;
}

void test_append_data_frame(const char *path, const void *content, size_t len)
{
	size_t cap = ZSTD_compressBound(len), n;
	void *frame = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	FILE *f;

	assert_non_null(frame);
	assert_non_null(c);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(c, frame, cap, content, len);
	assert_false(ZSTD_isError(n));
	ZSTD_freeCCtx(c);
	f = fopen(path, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(frame, 1, n, f), n);
	fclose(f);
	free(frame);
}
