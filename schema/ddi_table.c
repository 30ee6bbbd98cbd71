/* The call list (ddi.def) expanded into frame descriptions and the DDI
 * table, and the public lookups of include/ddirr/ddi.h. */
#include <string.h>

#include "desc.h"
#include "desc_macros.h"

/* The struct descriptions the frames point at live in desc.c. */
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

/* ReturnValue is recorded on exit, with the class its kind implies. */
#define DDIRR_RETF_NTSTATUS(fn) DDIRR_FIELD_(DDIRR_RETURN_FIELD_NUMBER, "ReturnValue", DDIRR_OFF(ddirr_frame_##fn, ReturnValue), DDIRR_MSIZE(ddirr_frame_##fn, ReturnValue), OUT, STATUS, ALWAYS)
#define DDIRR_RETF_SIZE_T(fn) DDIRR_FIELD_(DDIRR_RETURN_FIELD_NUMBER, "ReturnValue", DDIRR_OFF(ddirr_frame_##fn, ReturnValue), DDIRR_MSIZE(ddirr_frame_##fn, ReturnValue), OUT, EXACT, ALWAYS)
#define DDIRR_RETF_GPUVA(fn) DDIRR_FIELD_(DDIRR_RETURN_FIELD_NUMBER, "ReturnValue", DDIRR_OFF(ddirr_frame_##fn, ReturnValue), DDIRR_MSIZE(ddirr_frame_##fn, ReturnValue), OUT, GPU_VA, ALWAYS)
#define DDIRR_RETF_VOID(fn)

#define DDIRR_DDI(id, name, kind, ret, table) static const ddirr_field_desc frame_fields_##name[] = {
#define DDIRR_ARG0(fn, num, type, name, d, spec) \
	DDIRR_FIELD_(num, #name, DDIRR_OFF(ddirr_frame_##fn, name), DDIRR_MSIZE(ddirr_frame_##fn, name), d, spec, ALWAYS)
#define DDIRR_ARG(fn, num, type, name, d, spec) DDIRR_ARG0(fn, num, type, name, d, spec)
#define DDIRR_END(name, ret)                                                                          \
	DDIRR_RETF_##ret(name)                                                                        \
	};                                                                                            \
	static const ddirr_struct_desc frame_desc_##name = {#name "Call", sizeof(ddirr_frame_##name), frame_fields_##name, \
		sizeof(frame_fields_##name) / sizeof(frame_fields_##name[0]), "ddi.def"};
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END

static const ddirr_ddi_desc ddi_table[DDIRR_DDI_MAX_PLUS_ONE] = {
#define DDIRR_DDI(id, name, kind, ret, table) \
	[id] = {id, #name, DDIRR_KIND_##kind, DDIRR_RET_##ret, #table, &frame_desc_##name},
#include "ddirr/ddi_each_call.def"
};

const ddirr_ddi_desc *ddirr_desc_ddi(uint32_t id)
{
	if (id >= DDIRR_DDI_MAX_PLUS_ONE || !ddi_table[id].name)
		return NULL;
	return &ddi_table[id];
}

const char *ddirr_ddi_name(uint32_t id)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

	return d ? d->name : NULL;
}

uint32_t ddirr_ddi_lookup(const char *name)
{
	uint32_t id;

	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++)
		if (ddi_table[id].name && strcmp(ddi_table[id].name, name) == 0)
			return id;
	return DDIRR_DDI_NONE;
}

int ddirr_ddi_kind(uint32_t id)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

	return d ? d->kind : 0;
}

int ddirr_ddi_ret_kind(uint32_t id)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

	return d ? d->ret_kind : 0;
}

const char *ddirr_ddi_table_member(uint32_t id)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

	return d ? d->table_member : NULL;
}
