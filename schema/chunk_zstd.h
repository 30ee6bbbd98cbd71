/* How a data chunk is compressed: the writer's zstd parameters, in one
 * place for the writer and for the benches that measure them. */
#ifndef DDIRR_CHUNK_ZSTD_H
#define DDIRR_CHUNK_ZSTD_H

#ifndef ZSTD_STATIC_LINKING_ONLY
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_compressionParameters, ZSTD_getCParams */
#endif
#include <stddef.h>
#include <zstd.h>

/* zstd's parameters for chunks of chunk_bytes at level (never 0), with the
 * match tables at most 2^hash_log and 2^chain_log entries where those are
 * not 0 (the writer's default: DDIRR_TRACE_DEFAULT_HASH_LOG, _CHAIN_LOG). */
ZSTD_compressionParameters ddirr_chunk_zstd_params(int level, size_t chunk_bytes, unsigned hash_log,
                                                   unsigned chain_log);

/* Pins every parameter of cp (and level) on cctx, with checksums and the
 * content size on: chunks of any size then compress with the same
 * parameters. Returns 0, or -1 when zstd refuses one. */
int ddirr_chunk_zstd_pin(ZSTD_CCtx *cctx, int level, ZSTD_compressionParameters cp);

#endif
