/* ddirr-bench-zstd-tables: zstd settings side by side on the data chunks
 * of a trace.
 *
 *   ddirr-bench-zstd-tables TRACE CALLS [--rounds R]
 *
 * Decompresses every data chunk of TRACE (the writer's own chunks, as a
 * capture made them) and compresses it again at each setting below, the
 * settings taking turns chunk by chunk, R times each (default 3), in this
 * thread's CPU clock. Prints, per setting, zstd's parameters, its ns per
 * call (CALLS: the trace's calls, from `ddirr info` or the recorder
 * bench's calls.ddirr) and its bytes against zstd's level 3.
 *
 * The settings are zstd's levels 1 to 3 with the parameters zstd picks for
 * a 256 KiB chunk, pinned as the writer pins them (chunk_zstd.c),
 * and level 3 with smaller match tables (hashLog/chainLog), among them
 * ddirr's default, DDIRR_TRACE_DEFAULT_HASH_LOG and _CHAIN_LOG. With them
 * session 10 chose that default (bench/RESULTS.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "chunk_zstd.h"
#include "ddirr/trace.h"
#include "trace_format.h"

typedef struct setting {
	const char *name;
	int level;
	unsigned hash_log, chain_log; /* 0: the level's own */
	ZSTD_CCtx *cctx;
	ZSTD_compressionParameters cp;
	uint64_t ns, bytes;
} setting;

static setting settings[] = {
    {.name = "level 3 (zstd's own)", .level = 3, .hash_log = 0, .chain_log = 0},
    {.name = "level 2", .level = 2, .hash_log = 0, .chain_log = 0},
    {.name = "level 1", .level = 1, .hash_log = 0, .chain_log = 0},
    {.name = "level 3, hash log 16, chain log 12", .level = 3, .hash_log = 16, .chain_log = 12},
    {.name = "level 3, hash log 15, chain log 12", .level = 3, .hash_log = 15, .chain_log = 12},
    {.name = "level 3, hash log 14, chain log 14", .level = 3, .hash_log = 14, .chain_log = 14},
    {.name = "level 3, hash log 14, chain log 13", .level = 3, .hash_log = 14, .chain_log = 13},
    {.name = "level 3, hash log 14, chain log 12 (ddirr's default)",
     .level = 3,
     .hash_log = DDIRR_TRACE_DEFAULT_HASH_LOG,
     .chain_log = DDIRR_TRACE_DEFAULT_CHAIN_LOG},
    {.name = "level 3, hash log 14, chain log 11", .level = 3, .hash_log = 14, .chain_log = 11},
    {.name = "level 3, hash log 13, chain log 12", .level = 3, .hash_log = 13, .chain_log = 12},
    {.name = "level 3, hash log 12, chain log 12", .level = 3, .hash_log = 12, .chain_log = 12},
};
enum { N_SETTINGS = sizeof(settings) / sizeof(settings[0]) };

/* s's context, with every parameter pinned as the writer pins them. */
static int setup(setting *s)
{
	s->cp = ddirr_chunk_zstd_params(s->level, DDIRR_TRACE_DEFAULT_CHUNK_BYTES, 0, 0);
	if (s->hash_log)
		s->cp.hashLog = s->hash_log;
	if (s->chain_log)
		s->cp.chainLog = s->chain_log;
	return (s->cctx = ZSTD_createCCtx()) ? ddirr_chunk_zstd_pin(s->cctx, s->level, s->cp) : -1;
}

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*size = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	uint8_t *file, *content = NULL, *out = NULL;
	size_t size = 0, at = 0, cap = 0, out_cap = 0;
	unsigned rounds = 3, chunks = 0, r, k;
	double calls;

	if (argc == 5 && !strcmp(argv[3], "--rounds"))
		rounds = (unsigned)strtoul(argv[4], NULL, 10);
	if ((argc != 3 && argc != 5) || (calls = strtod(argv[2], NULL)) <= 0 || rounds == 0) {
		fprintf(stderr, "usage: ddirr-bench-zstd-tables TRACE CALLS [--rounds R]\n");
		return 2;
	}
	if (!(file = slurp(argv[1], &size))) {
		fprintf(stderr, "ddirr-bench-zstd-tables: %s: cannot read it\n", argv[1]);
		return 1;
	}
	for (k = 0; k < N_SETTINGS; k++)
		if (setup(&settings[k])) {
			fprintf(stderr, "ddirr-bench-zstd-tables: zstd refused the setting '%s'\n", settings[k].name);
			return 1;
		}
	while (at + 8 <= size) {
		const uint8_t *p = file + at;
		size_t fsize = ZSTD_findFrameCompressedSize(p, size - at);
		unsigned long long len;

		if (ZSTD_isError(fsize)) {
			fprintf(stderr, "ddirr-bench-zstd-tables: %s: byte %zu: not a frame\n", argv[1], at);
			return 1;
		}
		at += fsize;
		if ((ddirr_le32_get(p) & DDIRR_SKIPPABLE_MASK) == DDIRR_SKIPPABLE_ANY)
			continue; /* the header, chunk index, trailer */
		len = ZSTD_getFrameContentSize(p, fsize);
		if (len == ZSTD_CONTENTSIZE_UNKNOWN || len == ZSTD_CONTENTSIZE_ERROR || len > (1u << 30)) {
			fprintf(stderr, "ddirr-bench-zstd-tables: %s: byte %zu: no content size\n", argv[1],
			        at - fsize);
			return 1;
		}
		if (len > cap) {
			free(content);
			free(out);
			cap = (size_t)len;
			out_cap = ZSTD_compressBound(cap);
			content = malloc(cap);
			out = malloc(out_cap);
			if (!content || !out) {
				fprintf(stderr, "ddirr-bench-zstd-tables: out of memory\n");
				return 1;
			}
		}
		if (ZSTD_decompress(content, cap, p, fsize) != len) {
			fprintf(stderr, "ddirr-bench-zstd-tables: %s: byte %zu: does not decompress\n", argv[1],
			        at - fsize);
			return 1;
		}
		chunks++;
		/* Each setting in turn, in one order and then the other. */
		for (r = 0; r < rounds; r++)
			for (k = 0; k < N_SETTINGS; k++) {
				setting *s = &settings[r & 1 ? N_SETTINGS - 1 - k : k];
				uint64_t t0 = bench_thread_ns();
				size_t c = ZSTD_compress2(s->cctx, out, out_cap, content, (size_t)len);

				s->ns += bench_thread_ns() - t0;
				if (ZSTD_isError(c)) {
					fprintf(stderr, "ddirr-bench-zstd-tables: %s: %s\n", s->name,
					        ZSTD_getErrorName(c));
					return 1;
				}
				if (r == 0)
					s->bytes += c;
			}
	}
	printf("%s: %u data chunks, %.0f calls, %u rounds\n", argv[1], chunks, calls, rounds);
	printf("| setting | window/hash/chain log, min match, strategy | zstd ns a call | bytes vs level 3 |\n");
	printf("|---|---|---|---|\n");
	for (k = 0; k < N_SETTINGS; k++) {
		const setting *s = &settings[k];

		printf("| %s | %u/%u/%u, %u, %d | %.1f | %.4f |\n", s->name, s->cp.windowLog, s->cp.hashLog,
		       s->cp.chainLog, s->cp.minMatch, (int)s->cp.strategy, (double)s->ns / rounds / calls,
		       settings[0].bytes ? (double)s->bytes / (double)settings[0].bytes : 0.0);
		ZSTD_freeCCtx(settings[k].cctx);
	}
	free(content);
	free(out);
	free(file);
	return 0;
}
