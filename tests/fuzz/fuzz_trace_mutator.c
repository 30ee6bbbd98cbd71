/* A libFuzzer custom mutator for targets whose input is a whole trace file
 * (fuzz_trace_reader, fuzz_replay_model, fuzz_info_dump).
 *
 * Why: every data frame of a trace is a zstd frame with a checksum, so a
 * byte mutated inside one makes the reader refuse the chunk at the checksum
 * and the protobuf decoder, the event decoder and the model behind it never
 * see the change. This mutator splits the file into frames, picks one,
 * and for a data frame decompresses it, mutates the serialized EventBatch
 * with LLVMFuzzerMutate and compresses it again with a valid checksum and
 * content size; for a ddirr skippable frame (header, chunk info, trailer)
 * it mutates the payload after the tag and fixes the frame's size. One
 * mutation in RAW_ONE_IN is left to LLVMFuzzerMutate on the raw bytes, so
 * framing and checksum handling stay fuzzed too. The frame layout is
 * docs/format.md, section 2. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

enum {
	MAX_FRAMES = 4096,
	RAW_ONE_IN = 8,
	MAX_CONTENT = 1 << 20, /* decompressed size this mutator works on */
	ZSTD_MAGIC = 0xFD2FB528u,
	SKIP_MAGIC_MIN = 0x184D2A50u,
	SKIP_MAGIC_MAX = 0x184D2A5Fu,
	SKIP_HEADER = 8
};

typedef struct frame {
	size_t off, len;
	int zstd; /* 1: a zstd frame; 0: a skippable frame */
} frame;

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* xorshift32: libFuzzer passes a seed so that a mutation can be replayed. */
static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9E3779B9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Splits data into whole frames; stops at the first byte that does not
 * start one (what follows is left alone). */
static size_t split(const uint8_t *data, size_t size, frame *f)
{
	size_t off = 0, n = 0;

	while (n < MAX_FRAMES && size - off >= SKIP_HEADER) {
		uint32_t magic = rd32(data + off);
		size_t len;

		if (magic >= SKIP_MAGIC_MIN && magic <= SKIP_MAGIC_MAX) {
			len = SKIP_HEADER + (size_t)rd32(data + off + 4);
			if (len > size - off)
				break;
			f[n++] = (frame){off, len, 0};
		} else if (magic == ZSTD_MAGIC) {
			len = ZSTD_findFrameCompressedSize(data + off, size - off);
			if (ZSTD_isError(len))
				break;
			f[n++] = (frame){off, len, 1};
		} else {
			break;
		}
		off += len;
	}
	return n;
}

/* Replaces data[f->off, f->off + f->len) by repl (n bytes); 0 when the
 * result would not fit max_size. */
static size_t splice(uint8_t *data, size_t size, size_t max_size, const frame *f, const uint8_t *repl, size_t n)
{
	size_t tail = size - f->off - f->len;

	if (f->off + n + tail > max_size)
		return 0;
	memmove(data + f->off + n, data + f->off + f->len, tail);
	memcpy(data + f->off, repl, n);
	return f->off + n + tail;
}

static size_t mutate_data_frame(uint8_t *data, size_t size, size_t max_size, const frame *f)
{
	static ZSTD_CCtx *cctx;
	unsigned long long content = ZSTD_getFrameContentSize(data + f->off, f->len);
	size_t cap, got, n, bound, csize, out = 0;
	uint8_t *plain = NULL, *packed = NULL;

	if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || content > MAX_CONTENT / 2)
		return 0;
	if (!cctx) {
		cctx = ZSTD_createCCtx();
		/* The writer's parameters (schema/trace_writer.c): what a reader
		   expects of every data frame. */
		if (!cctx || ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)))
			abort();
	}
	cap = (size_t)content * 2 + 64;
	if (!(plain = malloc(cap)))
		goto out;
	got = ZSTD_decompress(plain, (size_t)content, data + f->off, f->len);
	if (ZSTD_isError(got))
		goto out; /* already damaged: leave it to the raw mutation */
	n = LLVMFuzzerMutate(plain, got, cap);
	bound = ZSTD_compressBound(n);
	if (!(packed = malloc(bound)))
		goto out;
	csize = ZSTD_compress2(cctx, packed, bound, plain, n);
	if (!ZSTD_isError(csize))
		out = splice(data, size, max_size, f, packed, csize);
out:
	free(plain);
	free(packed);
	return out;
}

static size_t mutate_skippable(uint8_t *data, size_t size, size_t max_size, const frame *f)
{
	/* Keep the magic, the size (fixed below) and the 4-byte tag, so the
	   reader still sees a header, chunk-info or trailer frame. */
	size_t keep = SKIP_HEADER + 4, body = f->len - keep, cap, n, out;
	uint8_t *buf;

	if (f->len < keep)
		return 0;
	cap = body * 2 + 64;
	if (!(buf = malloc(keep + cap)))
		return 0;
	memcpy(buf, data + f->off, f->len);
	n = LLVMFuzzerMutate(buf + keep, body, cap);
	wr32(buf + 4, (uint32_t)(n + 4));
	out = splice(data, size, max_size, f, buf, keep + n);
	free(buf);
	return out;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static frame frames[MAX_FRAMES];
	uint32_t r = seed;
	size_t n, out = 0;
	const frame *f;

	n = split(data, size, frames);
	if (n && next_rand(&r) % RAW_ONE_IN) {
		f = &frames[next_rand(&r) % n];
		/* Three times in four, prefer a data frame: the decoders behind
		   it are what the raw mutations cannot reach. */
		if (!f->zstd && next_rand(&r) % 4) {
			size_t i, k = next_rand(&r) % n;

			for (i = 0; i < n && !frames[(k + i) % n].zstd; i++)
				;
			if (i < n)
				f = &frames[(k + i) % n];
		}
		out = f->zstd ? mutate_data_frame(data, size, max_size, f) : mutate_skippable(data, size, max_size, f);
	}
	return out ? out : LLVMFuzzerMutate(data, size, max_size);
}
