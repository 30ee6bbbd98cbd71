/* The sample KMD's private interface with its user-mode driver: what the
 * UMD puts in DXGK_ALLOCATIONINFO.pPrivateDriverData so that the KMD can
 * decide an allocation's size and segments (drivers/samplekmd.c). The
 * capture host plays the UMD, so it fills these too.
 *
 * A trace keeps these bytes only when it was recorded with privacy "full";
 * the capture host records so. Without them (or with a bad magic) the KMD
 * falls back to a 64 KB buffer in segment 1, which is still deterministic. */
#ifndef DDIRR_SAMPLEKMD_H
#define DDIRR_SAMPLEKMD_H

#include "ddirr/wddm.h"

#define SAMPLEKMD_ALLOC_MAGIC 0x444d4b53u /* "SKMD" */

enum samplekmd_alloc_kind {
	SAMPLEKMD_ALLOC_BUFFER = 1,  /* GPU-only: segment 1 */
	SAMPLEKMD_ALLOC_TEXTURE = 2, /* CPU-uploaded texture: segments 1 and 2 */
	SAMPLEKMD_ALLOC_STAGING = 3, /* CPU staging: segment 2 (4 KB pages) */
	SAMPLEKMD_ALLOC_PRIMARY = 4  /* the scan-out surface: segment 1 */
};

typedef struct samplekmd_alloc_desc {
	UINT Magic;  /* SAMPLEKMD_ALLOC_MAGIC */
	UINT Kind;   /* enum samplekmd_alloc_kind */
	UINT SizeKB; /* requested size; the KMD rounds it up to 64 KB */
	UINT Reserved;
} samplekmd_alloc_desc;

#endif
