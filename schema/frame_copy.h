/* Deep copy of a call frame into one flat, position-independent buffer, and
 * back, driven by the DDI description.
 *
 * The recorder's hot path measures a frame (ddirr_frame_copy_size), copies
 * it and everything it points to into its ring (ddirr_frame_copy) with no
 * allocation, and the drain thread turns the bytes back into a frame in
 * place (ddirr_frame_rebuild) for the trace writer.
 *
 * Layout: the frame struct sits at offset 0; every block it points to
 * follows, each at an 8-byte aligned offset. A pointer is stored as its
 * block's offset from the start of the buffer (0 = NULL; no block can start
 * at 0). Only the fields of one phase are copied, where their guards hold;
 * everything else in a copied struct reads 0. Arrays keep their elements'
 * stride; a Repeat array keeps one element; an MDL keeps its header with
 * ByteCount and the PFNs [first, first + count) at their own index (the
 * slots before `first` read 0). An array element narrower than its
 * description (a stride below sizeof) is copied raw. Internal to ddirr. */
#ifndef DDIRR_FRAME_COPY_H
#define DDIRR_FRAME_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "desc.h"

enum ddirr_frame_copy_flags {
	/* Private driver data (BYTES fields of class opaque) keeps its size
	   field but not its bytes: the pointer reads NULL. */
	DDIRR_FRAME_COPY_NO_OPAQUE = 1u << 0
};

/* Bytes ddirr_frame_copy() will write for this frame, phase and flags: a
 * multiple of 8. */
size_t ddirr_frame_copy_size(const ddirr_struct_desc *s, const void *frame, uint32_t phase, unsigned flags);

/* Copies the frame into dst, which must be 8-byte aligned and hold the
 * size ddirr_frame_copy_size() returned for the same arguments (the frame's
 * memory must not change in between). Returns that size. */
size_t ddirr_frame_copy(void *dst, const ddirr_struct_desc *s, const void *frame, uint32_t phase, unsigned flags);

/* Copies the frame into dst (8-byte aligned, cap bytes) when the copy fits
 * there, in one walk, and returns the size the copy takes either way. A
 * size above cap means dst holds no usable copy (only its first cap bytes
 * were written): copy again with ddirr_frame_copy() into room of that
 * size. */
size_t ddirr_frame_copy_bounded(void *dst, size_t cap, const ddirr_struct_desc *s, const void *frame, uint32_t phase,
				unsigned flags);

/* Builds, once, a copy plan for every call, struct and phase: the walk's
 * decisions that do not depend on the frame (which fields, which kinds,
 * which guards), made ahead, for the structs the generated copies do not
 * handle themselves. Call it before any copy that may use the plans (the
 * recorder does so when it opens, the replayer's reorder when it starts).
 * Idempotent and safe from several threads: one builds, the others wait. */
void ddirr_frame_plans_build(void);

/* ddirr_frame_copy_bounded() for the frame of call `ddi` (enum ddirr_ddi)
 * and phase (DDIRR_PHASE_ENTRY or _EXIT): the same bytes and the same size,
 * through code generated per call and struct from the description, and for
 * the rest the plans once ddirr_frame_plans_build() has run (the walk
 * before). Allocation-free. 0 for an unknown call or phase. */
size_t ddirr_frame_copy_call_bounded(void *dst, size_t cap, uint32_t ddi, uint32_t phase, const void *frame,
				     unsigned flags);

/* The same for one call, entry (_1) and exit (_2), with no dispatch on
 * the call: what the recorder's wrappers take, each its own. */
#define DDIRR_DDI(id, name, kind, ret, table)                                                        \
	size_t ddirr_frame_copy_##name##_1(void *dst, size_t cap, const void *frame, unsigned flags); \
	size_t ddirr_frame_copy_##name##_2(void *dst, size_t cap, const void *frame, unsigned flags);
#include "ddirr/ddi_each_call.def"

/* The slots of a copy that hold a pointer in offset form: the byte offset,
 * from the start of the copy, of every non-NULL pointer member it stored,
 * each once. The caller owns `at` (room for `cap` entries); the copy sets
 * n, which may exceed cap: then only the first cap entries were written. */
typedef struct ddirr_frame_relocs {
	uint32_t *at;
	size_t cap;
	size_t n;
} ddirr_frame_relocs;

/* ddirr_frame_copy_call_bounded() that also lists, in *rel, the slots it
 * stored an offset into, so the copy becomes a frame by
 * ddirr_frame_relocate() instead of a walk of the description
 * (ddirr_frame_rebuild). The list is whole when the returned size is at
 * most cap and rel->n at most rel->cap; otherwise copy again with more
 * room. The copy must be smaller than 4 GiB. */
size_t ddirr_frame_copy_call_relocs(void *dst, size_t cap, uint32_t ddi, uint32_t phase, const void *frame,
				    unsigned flags, ddirr_frame_relocs *rel);

/* Turns a copy at buf into a frame in place: adds buf's address to the n
 * slots listed in `at` (a whole list from ddirr_frame_copy_call_relocs()
 * for these bytes). Nothing is checked: the list is trusted. */
void ddirr_frame_relocate(void *buf, const uint32_t *at, size_t n);

/* Turns the flat copy in buf (len bytes, 8-byte aligned, as written by
 * ddirr_frame_copy for `phase`) back into a frame in place: every stored
 * offset becomes a pointer into buf. Every offset and every block's extent
 * is checked against len first. Returns 0, or DDIRR_ECORRUPT (the buffer
 * is not such a copy) with a message naming the field. */
int ddirr_frame_rebuild(void *buf, size_t len, const ddirr_struct_desc *s, uint32_t phase);

/* ddirr_frame_rebuild() for the frame of call `ddi` (enum ddirr_ddi) and
 * phase (DDIRR_PHASE_ENTRY or _EXIT), through code generated per call and
 * struct from the description: the same checks and the same result, a few
 * times faster. DDIRR_EINVAL for an unknown call or phase. */
int ddirr_frame_rebuild_call(void *buf, size_t len, uint32_t ddi, uint32_t phase);

/* Calls fn for every BYTES field of class opaque (private driver data) that
 * the frame holds for `phase` with a non-NULL pointer: slot is the address
 * of the pointer member, bytes and n what it points to. fn may set the
 * member to NULL. */
typedef void (*ddirr_frame_opaque_fn)(void *slot, const void *bytes, uint64_t n, void *ctx);
void ddirr_frame_visit_opaque(const ddirr_struct_desc *s, void *frame, uint32_t phase, ddirr_frame_opaque_fn fn,
			      void *ctx);
/* The same for the opposite case: every such field whose pointer is NULL
 * while its size field says n > 0 bytes (a trace that kept sizes only);
 * bytes is NULL. fn may set the member. phase may be a mask of both. */
void ddirr_frame_visit_missing_opaque(const ddirr_struct_desc *s, void *frame, uint32_t phase,
				      ddirr_frame_opaque_fn fn, void *ctx);

#endif
