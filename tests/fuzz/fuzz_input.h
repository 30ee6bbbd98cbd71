/* The fuzz targets' common plumbing: the trace API reads files by path, so
 * each input goes into one anonymous in-memory file (memfd) that is reused
 * for every run, and is opened again through /proc/self/fd. No disk I/O, no
 * temporary files left behind by a crash. */
#ifndef DDIRR_FUZZ_INPUT_H
#define DDIRR_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Replaces the in-memory file's content with data and returns a path that
 * opens it. Aborts (a harness failure, not a finding) when the file cannot
 * be written. */
const char *fuzz_input_file(const uint8_t *data, size_t size);

#endif
