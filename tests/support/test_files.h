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

/* Appends to path a data frame holding the len bytes of content, as the
 * trace writer frames them (zstd, with the content checksum). */
void test_append_data_frame(const char *path, const void *content, size_t len);

/* The records of phase CALL (format 5: a call's entry and exit as one) in
 * the trace at path, counted in its data frames as a generic tool sees them
 * (zstd skips the skippable frames); *records: every record of those
 * frames, as written. */
size_t test_call_records(const char *path, size_t *records);

#endif
