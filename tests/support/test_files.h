/* Test support: temporary files and whole-file reads and writes. Failures
 * abort the current CMocka test. */
#ifndef DDIRR_TEST_FILES_H
#define DDIRR_TEST_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Creates an empty file named after `stem` under $DDIRR_TEST_TMP, $TMPDIR or
 * /tmp, and writes its path into buf. */
void test_temp_path(char *buf, size_t n, const char *stem);

/* Writes len bytes to path, replacing it. */
void test_put_file(const char *path, const void *bytes, size_t len);

/* Returns the whole file (malloc'd; one spare byte) and its length. */
uint8_t *test_slurp(const char *path, size_t *len);

#endif
