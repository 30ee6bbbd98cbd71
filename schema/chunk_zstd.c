/* The writer's zstd parameters (see chunk_zstd.h). */
#include "chunk_zstd.h"

ZSTD_compressionParameters ddirr_chunk_zstd_params(int level, size_t chunk_bytes, unsigned hash_log, unsigned chain_log)
{
	ZSTD_compressionParameters cp = ZSTD_getCParams(level, chunk_bytes, 0);

	if (hash_log && cp.hashLog > hash_log)
		cp.hashLog = hash_log;
	if (chain_log && cp.chainLog > chain_log)
		cp.chainLog = chain_log;
	return cp;
}

int ddirr_chunk_zstd_pin(ZSTD_CCtx *cctx, int level, ZSTD_compressionParameters cp)
{
	const struct {
		ZSTD_cParameter param;
		int value;
	} pins[] = {
	    {ZSTD_c_compressionLevel, level},
	    {ZSTD_c_windowLog, (int)cp.windowLog},
	    {ZSTD_c_chainLog, (int)cp.chainLog},
	    {ZSTD_c_hashLog, (int)cp.hashLog},
	    {ZSTD_c_searchLog, (int)cp.searchLog},
	    {ZSTD_c_minMatch, (int)cp.minMatch},
	    {ZSTD_c_targetLength, (int)cp.targetLength},
	    {ZSTD_c_strategy, (int)cp.strategy},
	    /* Checksums let the reader tell a damaged chunk from a good one;
	       the content size lets it bound the allocation before
	       decompressing. */
	    {ZSTD_c_checksumFlag, 1},
	    {ZSTD_c_contentSizeFlag, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, pins[i].param, pins[i].value)))
			return -1;
	return 0;
}
