/* The argument-struct description (structs.def) expanded into tables, and
 * the generic helpers every walker of those tables shares. */
#include "desc.h"

#include <string.h>

#include "desc_macros.h"

/* Decoders are defined in decoders.c. */
#define DDIRR_FLAGS_BEGIN(id, ctype) extern const ddirr_decoder ddirr_dec_##id;
#define DDIRR_BIT(name, shift, width)
#define DDIRR_FLAGS_END(id)
#define DDIRR_ENUM_BEGIN(id, ctype) extern const ddirr_decoder ddirr_dec_##id;
#define DDIRR_VAL(name, value)
#define DDIRR_ENUM_END(id)
#include "decoders.def"
#undef DDIRR_FLAGS_BEGIN
#undef DDIRR_BIT
#undef DDIRR_FLAGS_END
#undef DDIRR_ENUM_BEGIN
#undef DDIRR_VAL
#undef DDIRR_ENUM_END

/* Pass 1: declare every struct description, so fields can refer to any. */
#define DDIRR_STRUCT(name, ref) extern const ddirr_struct_desc ddirr_desc_##name;
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
#include "structs.def"
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT

/* Pass 2: the field tables and the struct descriptions. */
#define DDIRR_STRUCT(name, ref)                                  \
	static const char ref_##name[] = ref;                    \
	static const ddirr_field_desc fields_##name[] = {
#define DDIRR_F(num, m, d, spec) DDIRR_FIELD_(num, #m, DDIRR_OFF(DDIRR_T, m), DDIRR_MSIZE(DDIRR_T, m), d, spec, ALWAYS)
#define DDIRR_FA(num, path, alias, d, spec, guard) \
	DDIRR_FIELD_(num, #alias, DDIRR_OFF(DDIRR_T, path), DDIRR_MSIZE(DDIRR_T, path), d, spec, guard)
#define DDIRR_FX(num, nm, off, sz, d, spec) DDIRR_FIELD_(num, #nm, off, sz, d, spec, ALWAYS)
#define DDIRR_END_STRUCT(name)                                                              \
	};                                                                                  \
	const ddirr_struct_desc ddirr_desc_##name = {#name, sizeof(DDIRR_T), fields_##name, \
						     sizeof(fields_##name) / sizeof(fields_##name[0]), ref_##name};
#include "structs.def"
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT

/* Pass 3: the list of every struct description. */
const ddirr_struct_desc *const ddirr_desc_structs[] = {
#define DDIRR_STRUCT(name, ref) &ddirr_desc_##name,
#define DDIRR_F(num, m, dir, spec)
#define DDIRR_FA(num, path, alias, dir, spec, guard)
#define DDIRR_FX(num, nm, off, sz, dir, spec)
#define DDIRR_END_STRUCT(name)
#include "structs.def"
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT
};
const size_t ddirr_desc_n_structs = sizeof(ddirr_desc_structs) / sizeof(ddirr_desc_structs[0]);

void ddirr_desc_write(void *p, uint32_t size, uint64_t v)
{
	switch (size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	case 8: memcpy(p, &v, 8); break;
	default: break;
	}
}

/* A typed alternative of a sized buffer (REF with a count) is only usable
 * when the buffer is large enough to hold the type. */
static int ref_fits(const ddirr_field_desc *f, const void *base)
{
	if (f->kind != DDIRR_FK_REF || !f->count_size)
		return 1;
	return ddirr_desc_read((const char *)base + f->count_offset, f->count_size) >= f->sub->size;
}

static int guard_holds(const ddirr_field_desc *f, const void *base)
{
	uint64_t sel;

	if (f->guard_op == DDIRR_GUARD_NONE)
		return ref_fits(f, base);
	sel = ddirr_desc_read((const char *)base + f->guard_offset, f->guard_size);
	switch (f->guard_op) {
	case DDIRR_GUARD_EQ: return sel == f->guard_value && ref_fits(f, base);
	case DDIRR_GUARD_BITS: return (sel & f->guard_value) != 0 && ref_fits(f, base);
	case DDIRR_GUARD_NOBITS: return (sel & f->guard_value) == 0 && ref_fits(f, base);
	default: return 0;
	}
}

int ddirr_desc_field_present_slow(const ddirr_struct_desc *s, const ddirr_field_desc *f, const void *base)
{
	uint64_t sel;
	size_t i;

	if (f->guard_op != DDIRR_GUARD_OTHERWISE)
		return guard_holds(f, base);
	/* The fallback of a union: none of the alternatives over the same
	 * member, chosen by the same selector, holds. The selector is read
	 * once; BuildPagingBuffer's fallback has seventeen alternatives. */
	sel = ddirr_desc_read((const char *)base + f->guard_offset, f->guard_size);
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *g = &s->fields[i];
		int holds;

		if (g->offset != f->offset || g->guard_offset != f->guard_offset)
			continue;
		switch (g->guard_op) {
		case DDIRR_GUARD_EQ: holds = sel == g->guard_value; break;
		case DDIRR_GUARD_BITS: holds = (sel & g->guard_value) != 0; break;
		case DDIRR_GUARD_NOBITS: holds = (sel & g->guard_value) == 0; break;
		default: holds = 0; break;
		}
		if (holds && ref_fits(g, base))
			return 0;
	}
	return 1;
}

const char *ddirr_class_name(int cls)
{
	static const char *const names[] = {
		[DDIRR_CLASS_EXACT] = "exact",
		[DDIRR_CLASS_HANDLE] = "handle",
		[DDIRR_CLASS_GPU_VA] = "gpu_va",
		[DDIRR_CLASS_APERTURE_SLOT] = "aperture_slot",
		[DDIRR_CLASS_SEGMENT_PAGE] = "segment_page",
		[DDIRR_CLASS_COUNT] = "count",
		[DDIRR_CLASS_VOLATILE] = "volatile",
		[DDIRR_CLASS_OPAQUE] = "opaque",
	};

	if (cls <= 0 || cls >= DDIRR_CLASS_MAX_PLUS_ONE)
		return "?";
	return names[cls];
}

const char *ddirr_ns_name(int ns)
{
	static const char *const names[] = {
		[DDIRR_NS_NONE] = "raw",
		[DDIRR_NS_ADAPTER_KMD] = "adapter.kmd",
		[DDIRR_NS_ADAPTER_DXGK] = "adapter.dxgk",
		[DDIRR_NS_ALLOCATION_KMD] = "alloc.kmd",
		[DDIRR_NS_CONTEXT_ALLOCATION_DXGK] = "ctxalloc.dxgk",
		[DDIRR_NS_ALLOCATION_D3DKMT] = "alloc.d3dkmt",
		[DDIRR_NS_DEVICE_ALLOCATION_KMD] = "devalloc.kmd",
		[DDIRR_NS_RESOURCE_KMD] = "resource.kmd",
		[DDIRR_NS_DEVICE_KMD] = "device.kmd",
		[DDIRR_NS_DEVICE_DXGK] = "device.dxgk",
		[DDIRR_NS_CONTEXT_KMD] = "context.kmd",
		[DDIRR_NS_CONTEXT_DXGK] = "context.dxgk",
		[DDIRR_NS_PROCESS_KMD] = "process.kmd",
		[DDIRR_NS_PROCESS_DXGK] = "process.dxgk",
	};

	if (ns < 0 || ns >= DDIRR_NS_MAX_PLUS_ONE)
		return "?";
	return names[ns];
}
