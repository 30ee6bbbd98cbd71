/* The layout of a ddirr trace file: frame magics, tags and the reader's
 * limits. docs/format.md specifies the format byte by byte; this header is
 * its single source in code. Internal to the schema library (and its tests).
 *
 *   [header]  skippable frame, tag "HEAD", u32 format version, TraceHeader
 *   [data]    zstd frame (content size, checksum), one serialized EventBatch
 *   [info]    skippable frame, tag "CHNK", ChunkInfo of the data frame above
 *   ...       more data + info pairs
 *   [caps]    skippable frame, tag "CAPS", AdapterCaps, after a chunk's info
 *             frame when the adapter's caps changed (rarely more than once)
 *   [trailer] skippable frame, tag "TRLR", TraceTrailer (clean close only)
 *
 * Every integer outside the protobuf messages is little-endian. */
#ifndef DDIRR_TRACE_FORMAT_H
#define DDIRR_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "ddirr/trace.h" /* DDIRR_FORMAT_VERSION */

/* zstd frame magics (RFC 8878 §3.1). Skippable frames use 0x184D2A50 to
 * 0x184D2A5F; ddirr takes 0x184D2A5D and ignores the other fifteen, which
 * belong to other tools. */
#define DDIRR_ZSTD_MAGIC 0xFD2FB528u
#define DDIRR_SKIPPABLE_MAGIC 0x184D2A5Du
#define DDIRR_SKIPPABLE_MASK 0xFFFFFFF0u
#define DDIRR_SKIPPABLE_ANY 0x184D2A50u

/* A skippable frame: u32 magic, u32 payload size, payload. ddirr payloads
 * start with a 4-byte ASCII tag that says what follows. */
#define DDIRR_SKIPPABLE_HEADER_SIZE 8u
#define DDIRR_TAG_SIZE 4u
#define DDIRR_TAG_HEADER "HEAD"  /* u32 format version, then TraceHeader */
#define DDIRR_TAG_CHUNK "CHNK"   /* ChunkInfo of the data frame just before */
#define DDIRR_TAG_TRAILER "TRLR" /* TraceTrailer; the last frame of a clean file */
#define DDIRR_TAG_CAPS "CAPS"    /* AdapterCaps learned from QueryAdapterInfo records */

/* Reader limits. Every length and count read from a file is checked against
 * these before anything is allocated; the writer never produces more. */
#define DDIRR_TRACE_MAX_HEADER (16u << 20)        /* header payload bytes */
#define DDIRR_TRACE_MAX_CHUNK_CONTENT (64u << 20) /* serialized EventBatch bytes */
/* Compressed data frame bytes: the content limit plus zstd's worst-case
 * expansion (ZSTD_COMPRESSBOUND is size + size / 256 + a little). */
#define DDIRR_TRACE_MAX_CHUNK_FRAME (DDIRR_TRACE_MAX_CHUNK_CONTENT + (DDIRR_TRACE_MAX_CHUNK_CONTENT >> 7))
#define DDIRR_TRACE_MAX_CHUNK_INFO 4096u          /* ChunkInfo payload bytes */
#define DDIRR_TRACE_MAX_TRAILER (64u << 20)       /* trailer payload bytes */
#define DDIRR_TRACE_MAX_CAPS (1u << 20)           /* adapter caps payload bytes */
/* Chunks in an index: 2^19 ChunkInfos of at most ~90 bytes each fit in the
 * trailer limit. (2^19 chunks of 256 KiB hold 128 GiB of records.) */
#define DDIRR_TRACE_MAX_CHUNKS (1u << 19)
/* Memory protobuf-c may use to unpack one message (a batch, the header or
 * the trailer). A hostile 64 MiB batch of empty events would otherwise
 * unpack into gigabytes of structs. */
#define DDIRR_TRACE_MAX_DECODED (256u << 20)
#define DDIRR_TRACE_MAX_DDI_ID 4095u    /* largest DDI id counted per DDI */
#define DDIRR_TRACE_MAX_DROP_CAUSES 64u /* distinct drop causes */
#define DDIRR_TRACE_MAX_TEXT 1024u      /* drop cause and stop reason bytes */

/* Writer defaults. */
#define DDIRR_TRACE_DEFAULT_CHUNK_BYTES (256u << 10)
#define DDIRR_TRACE_DEFAULT_CHUNK_RECORDS 65536u

/* The serialized google.protobuf.FileDescriptorSet of ddirr.proto, embedded
 * by the build (cmake/embed.cmake) and copied into every header. */
extern const uint8_t ddirr_schema_descriptor_set[];
extern const size_t ddirr_schema_descriptor_set_size;

static inline uint32_t ddirr_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void ddirr_le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
