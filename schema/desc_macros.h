/* Spec macros: how a field specification in structs.def or ddi.def becomes
 * the initializers of a ddirr_field_desc. Included only by the files that
 * expand the descriptions into tables. */
#ifndef DDIRR_DESC_MACROS_H
#define DDIRR_DESC_MACROS_H

#include <stddef.h>

#include "desc.h"

#define DDIRR_MSIZE(T, m) ((uint32_t)sizeof(((T *)0)->m))
#define DDIRR_OFF(T, m) ((uint32_t)offsetof(T, m))

/* Scalars */
#define DDIRR_S_EXACT .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_EXACT
#define DDIRR_S_HEX .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_EXACT, .fmt = DDIRR_FMT_HEX
#define DDIRR_S_SIGNED .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_EXACT, .fmt = DDIRR_FMT_SIGNED
#define DDIRR_S_COUNT .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_COUNT
#define DDIRR_S_STATUS .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_EXACT, .fmt = DDIRR_FMT_STATUS
#define DDIRR_S_FLAGS(d) .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_EXACT, .fmt = DDIRR_FMT_FLAGS, .decoder = &ddirr_dec_##d
#define DDIRR_S_ENUM(d) .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_EXACT, .fmt = DDIRR_FMT_ENUM, .decoder = &ddirr_dec_##d
#define DDIRR_S_HANDLE(n) .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_HANDLE, .ns = DDIRR_NS_##n, .fmt = DDIRR_FMT_HEX
#define DDIRR_S_GPU_VA .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_GPU_VA, .fmt = DDIRR_FMT_HEX
#define DDIRR_S_APERTURE_SLOT .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_APERTURE_SLOT
#define DDIRR_S_SEGMENT_PAGE .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_SEGMENT_PAGE
#define DDIRR_S_VOLATILE .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_VOLATILE
#define DDIRR_S_POINTER .kind = DDIRR_FK_SCALAR, .cls = DDIRR_CLASS_VOLATILE, .fmt = DDIRR_FMT_HEX

/* Compounds. DDIRR_T is the struct being described (structs.def defines it
 * around each block) so that counts and strides name sibling members. */
#define DDIRR_S_STRUCT(N) .kind = DDIRR_FK_STRUCT, .cls = DDIRR_CLASS_EXACT, .sub = &ddirr_desc_##N
#define DDIRR_S_REF(N) .kind = DDIRR_FK_REF, .cls = DDIRR_CLASS_EXACT, .sub = &ddirr_desc_##N
#define DDIRR_S_REF_SCALAR_EXACT .kind = DDIRR_FK_REF_SCALAR, .cls = DDIRR_CLASS_EXACT, .elem_size = 4
#define DDIRR_S_REF_SCALAR_HANDLE(n)                                                                   \
	.kind = DDIRR_FK_REF_SCALAR, .cls = DDIRR_CLASS_HANDLE, .ns = DDIRR_NS_##n, .fmt = DDIRR_FMT_HEX, \
	.elem_size = sizeof(void *)
#define DDIRR_COUNT_OF(c) .count_offset = DDIRR_OFF(DDIRR_T, c), .count_size = DDIRR_MSIZE(DDIRR_T, c)
#define DDIRR_S_ARRAY(c, esize, k)                                                                 \
	.kind = DDIRR_FK_ARRAY, .cls = DDIRR_CLASS_##k, .elem_size = esize, DDIRR_COUNT_OF(c)
#define DDIRR_S_ARRAY_HANDLE(c, n)                                                                  \
	.kind = DDIRR_FK_ARRAY, .cls = DDIRR_CLASS_HANDLE, .ns = DDIRR_NS_##n, .fmt = DDIRR_FMT_HEX, \
	.elem_size = sizeof(void *), DDIRR_COUNT_OF(c)
#define DDIRR_S_ARRAY_OF(c, N) .kind = DDIRR_FK_ARRAY, .cls = DDIRR_CLASS_EXACT, .sub = &ddirr_desc_##N, DDIRR_COUNT_OF(c)
#define DDIRR_S_ARRAY_OF_REPEAT(c, N, flags, mask)                                                   \
	.kind = DDIRR_FK_ARRAY, .cls = DDIRR_CLASS_EXACT, .sub = &ddirr_desc_##N, DDIRR_COUNT_OF(c),     \
	.repeat_offset = DDIRR_OFF(DDIRR_T, flags), .repeat_size = DDIRR_MSIZE(DDIRR_T, flags),        \
	.repeat_mask = mask
#define DDIRR_S_ARRAY_STRIDED(c, stride, N)                                                          \
	.kind = DDIRR_FK_ARRAY, .cls = DDIRR_CLASS_EXACT, .sub = &ddirr_desc_##N, DDIRR_COUNT_OF(c),     \
	.stride_offset = DDIRR_OFF(DDIRR_T, stride), .stride_size = DDIRR_MSIZE(DDIRR_T, stride)
#define DDIRR_S_ARRAY_RAW(c, stride)                                                                 \
	.kind = DDIRR_FK_ARRAY, .cls = DDIRR_CLASS_EXACT, .raw_elements = 1, DDIRR_COUNT_OF(c),          \
	.stride_offset = DDIRR_OFF(DDIRR_T, stride), .stride_size = DDIRR_MSIZE(DDIRR_T, stride)
#define DDIRR_S_BYTES(c) .kind = DDIRR_FK_BYTES, .cls = DDIRR_CLASS_OPAQUE, DDIRR_COUNT_OF(c)
#define DDIRR_S_REF_BYTES(c, N) .kind = DDIRR_FK_REF, .cls = DDIRR_CLASS_EXACT, .sub = &ddirr_desc_##N, DDIRR_COUNT_OF(c)
#define DDIRR_S_MDL(c, first)                                                                      \
	.kind = DDIRR_FK_MDL, .cls = DDIRR_CLASS_EXACT, .elem_size = 8, DDIRR_COUNT_OF(c),            \
	.mdl_offset_offset = DDIRR_OFF(DDIRR_T, first), .mdl_offset_size = DDIRR_MSIZE(DDIRR_T, first)
#define DDIRR_S_INLINE .kind = DDIRR_FK_INLINE, .cls = DDIRR_CLASS_EXACT

/* Guards */
#define DDIRR_G_ALWAYS .guard_op = DDIRR_GUARD_NONE
#define DDIRR_G_SEL(op, s, v)                                                                   \
	.guard_op = op, .guard_offset = DDIRR_OFF(DDIRR_T, s), .guard_size = DDIRR_MSIZE(DDIRR_T, s), \
	.guard_value = v
#define DDIRR_G_WHEN_EQ(s, v) DDIRR_G_SEL(DDIRR_GUARD_EQ, s, v)
#define DDIRR_G_WHEN_BITS(s, m) DDIRR_G_SEL(DDIRR_GUARD_BITS, s, m)
#define DDIRR_G_WHEN_NOBITS(s, m) DDIRR_G_SEL(DDIRR_GUARD_NOBITS, s, m)
#define DDIRR_G_OTHERWISE(s) DDIRR_G_SEL(DDIRR_GUARD_OTHERWISE, s, 0)

#define DDIRR_DIR_BOTH_ DDIRR_DIR_BOTH

/* One field */
#define DDIRR_FIELD_(num, nm, off, sz, d, spec, guard)                                                \
	{.name = nm, .number = num, .dir = DDIRR_DIR_##d, .offset = (uint32_t)(off), .size = (uint32_t)(sz), \
	 DDIRR_S_##spec, DDIRR_G_##guard},

#endif
