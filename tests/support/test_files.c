/* Test support: files (see test_files.h). */
#include "test_files.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

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
