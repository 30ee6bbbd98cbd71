/* Tests for the DDI description (schema/desc.c, ddi_table.c): it agrees
 * with the generated wire schema, covers every field class and namespace, and
 * its union guards behave. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr.pb-c.h"
#include "ddirr/ddi.h"
#include "desc.h"

static int classes_seen[DDIRR_CLASS_MAX_PLUS_ONE];
static int namespaces_seen[DDIRR_NS_MAX_PLUS_ONE];

static void check_message(const ddirr_struct_desc *s, const ProtobufCMessageDescriptor *md)
{
	size_t i, j;

	/* full name: protobuf-c's short_name drops the underscores */
	if (strncmp(md->name, "ddirr.", 6) != 0 || strcmp(md->name + 6, s->name) != 0)
		fail_msg("struct %s maps to message %s", s->name, md->name);
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];
		const ProtobufCFieldDescriptor *pf = protobuf_c_message_descriptor_get_field(md, f->number);
		int repeated = f->kind == DDIRR_FK_ARRAY || f->kind == DDIRR_FK_MDL;

		classes_seen[f->cls] = 1;
		if (f->cls == DDIRR_CLASS_HANDLE)
			namespaces_seen[f->ns] = 1;
		if (!pf)
			fail_msg("%s.%s: number %u is not in the wire schema", s->name, f->name, f->number);
		if (strcmp(pf->name, f->name) != 0)
			fail_msg("%s: number %u is %s in the description, %s on the wire", s->name, f->number, f->name,
				 pf->name);
		if ((pf->label == PROTOBUF_C_LABEL_REPEATED) != repeated)
			fail_msg("%s.%s: repeated on one side only", s->name, f->name);
		for (j = 0; j < i; j++)
			if (s->fields[j].number == f->number)
				fail_msg("%s: number %u used twice", s->name, f->number);
		if (f->offset + f->size > s->size)
			fail_msg("%s.%s: lies outside the struct", s->name, f->name);
		if (f->sub && f->kind != DDIRR_FK_ARRAY)
			assert_int_equal(pf->type, PROTOBUF_C_TYPE_MESSAGE);
		if (f->sub && pf->type == PROTOBUF_C_TYPE_MESSAGE)
			check_message(f->sub, pf->descriptor);
		if (f->kind == DDIRR_FK_SCALAR)
			assert_int_equal(pf->type, f->size == 8 ? PROTOBUF_C_TYPE_UINT64 : PROTOBUF_C_TYPE_UINT32);
		if (f->kind == DDIRR_FK_BYTES || f->kind == DDIRR_FK_INLINE)
			assert_int_equal(pf->type, PROTOBUF_C_TYPE_BYTES);
		if ((f->kind == DDIRR_FK_ARRAY || f->kind == DDIRR_FK_BYTES || f->kind == DDIRR_FK_MDL) &&
		    (f->count_size == 0 || f->count_offset + f->count_size > s->size))
			fail_msg("%s.%s: has no count field inside the struct", s->name, f->name);
		if (f->fmt == DDIRR_FMT_FLAGS || f->fmt == DDIRR_FMT_ENUM)
			assert_non_null(f->decoder);
	}
	/* and nothing on the wire that the description does not know */
	for (i = 0; i < md->n_fields; i++) {
		int found = 0;

		for (j = 0; j < s->n_fields; j++) {
			const ddirr_field_desc *f = &s->fields[j];

			found |= f->number == md->fields[i].id;
			/* the digest that may stand for private data (privacy tier hashed) */
			found |= f->kind == DDIRR_FK_BYTES && f->cls == DDIRR_CLASS_OPAQUE &&
				 f->number + DDIRR_DIGEST_FIELD_OFFSET == md->fields[i].id &&
				 md->fields[i].type == PROTOBUF_C_TYPE_BYTES;
			/* the delta form of an array whose values come in runs (format 2) */
			/* ... and its runs form (format 4) */
			found |= ddirr_desc_field_delta(f) &&
				 (f->number + DDIRR_DELTA_FIELD_OFFSET == md->fields[i].id ||
				  f->number + DDIRR_RUNS_FIELD_OFFSET == md->fields[i].id) &&
				 md->fields[i].type == PROTOBUF_C_TYPE_SINT64 &&
				 md->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
				 (md->fields[i].flags & PROTOBUF_C_FIELD_FLAG_PACKED);
		}
		if (!found)
			fail_msg("%s.%s (%u) is on the wire but not described", md->name, md->fields[i].name,
				 md->fields[i].id);
	}
}

static void desc__every_field_matches_the_wire_schema(void **state)
{
	uint32_t id;
	size_t n = 0;

	(void)state;
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
		const ProtobufCFieldDescriptor *pf;

		if (!d)
			continue;
		pf = protobuf_c_message_descriptor_get_field(&ddirr__event__descriptor, DDIRR_EVENT_ARGS_BASE + id);
		assert_non_null(pf);
		assert_string_equal(pf->name, d->name);
		check_message(d->frame, pf->descriptor);
		n++;
	}
	assert_int_equal(n, DDIRR_DDI_MAX_PLUS_ONE - 1); /* ids are dense so far */
}

static void desc__every_field_class_and_namespace_is_used(void **state)
{
	int c;

	(void)state;
	desc__every_field_matches_the_wire_schema(state);
	for (c = DDIRR_CLASS_EXACT; c < DDIRR_CLASS_MAX_PLUS_ONE; c++)
		if (!classes_seen[c])
			fail_msg("field class %s is used by no field", ddirr_class_name(c));
	for (c = DDIRR_NS_ADAPTER_KMD; c < DDIRR_NS_MAX_PLUS_ONE; c++)
		if (!namespaces_seen[c])
			fail_msg("handle namespace %s is used by no field", ddirr_ns_name(c));
}

static void desc__ddi_lookups_agree_with_the_list(void **state)
{
	(void)state;
	assert_string_equal(ddirr_ddi_name(DDIRR_DDI_MapCpuHostAperture), "MapCpuHostAperture");
	assert_int_equal(ddirr_ddi_lookup("ReserveGpuVirtualAddressRange"), DDIRR_DDI_ReserveGpuVirtualAddressRange);
	assert_int_equal(ddirr_ddi_lookup("NoSuchDdi"), DDIRR_DDI_NONE);
	assert_null(ddirr_ddi_name(0));
	assert_null(ddirr_ddi_name(100000));
	assert_int_equal(ddirr_ddi_kind(DDIRR_DDI_MapContextAllocation), DDIRR_KIND_CB);
	assert_int_equal(ddirr_ddi_kind(DDIRR_DDI_BuildPagingBuffer), DDIRR_KIND_DDI);
	assert_int_equal(ddirr_ddi_ret_kind(DDIRR_DDI_MapContextAllocation), DDIRR_RET_GPUVA);
	assert_int_equal(ddirr_ddi_ret_kind(DDIRR_DDI_SetRootPageTable), DDIRR_RET_VOID);
	assert_int_equal(ddirr_ddi_ret_kind(DDIRR_DDI_GetRootPageTableSize), DDIRR_RET_SIZE_T);
	assert_string_equal(ddirr_ddi_table_member(DDIRR_DDI_UnmapCpuHostAperture), "DxgkDdiUnmapCpuHostAperture");
	/* wire ids are fixed: renumbering one breaks every old trace */
	assert_int_equal(DDIRR_DDI_MapCpuHostAperture, 1);
	assert_int_equal(DDIRR_DDI_BuildPagingBuffer, 14);
	assert_int_equal(DDIRR_DDI_ReserveGpuVirtualAddressRange, 25);
}

static const ddirr_field_desc *field(const ddirr_struct_desc *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	fail_msg("%s has no field %s", s->name, name);
	return NULL;
}

static const ddirr_struct_desc *struct_named(const char *name)
{
	size_t i;

	for (i = 0; i < ddirr_desc_n_structs; i++)
		if (strcmp(ddirr_desc_structs[i]->name, name) == 0)
			return ddirr_desc_structs[i];
	fail_msg("no struct %s", name);
	return NULL;
}

static void desc__union_guards_pick_one_alternative(void **state)
{
	const ddirr_struct_desc *bpb = struct_named("DXGKARG_BUILDPAGINGBUFFER");
	const ddirr_struct_desc *seg = struct_named("DXGK_SEGMENTDESCRIPTOR4");
	const ddirr_struct_desc *qai = struct_named("DXGKARG_QUERYADAPTERINFO");
	DXGKARG_BUILDPAGINGBUFFER b = {0};
	DXGK_SEGMENTDESCRIPTOR4 sd = {0};
	DXGKARG_QUERYADAPTERINFO q = {0};

	(void)state;
	b.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
	assert_true(ddirr_desc_field_present(bpb, field(bpb, "UpdatePageTable"), &b));
	assert_false(ddirr_desc_field_present(bpb, field(bpb, "Transfer"), &b));
	assert_false(ddirr_desc_field_present(bpb, field(bpb, "RawOperation"), &b));
	b.Operation = (DXGK_BUILDPAGINGBUFFER_OPERATION)19; /* MAP_MMU: not decoded */
	assert_true(ddirr_desc_field_present(bpb, field(bpb, "RawOperation"), &b));
	assert_false(ddirr_desc_field_present(bpb, field(bpb, "UpdatePageTable"), &b));

	sd.Flags.SupportsCpuHostAperture = 1;
	assert_true(ddirr_desc_field_present(seg, field(seg, "CpuHostAperture"), &sd));
	assert_false(ddirr_desc_field_present(seg, field(seg, "CpuTranslatedAddress"), &sd));
	sd.Flags.Value = 0;
	assert_false(ddirr_desc_field_present(seg, field(seg, "CpuHostAperture"), &sd));

	/* A typed view needs a buffer large enough for the type. */
	q.Type = DXGKQAITYPE_GPUMMUCAPS;
	q.OutputDataSize = sizeof(DXGK_GPUMMUCAPS);
	assert_true(ddirr_desc_field_present(qai, field(qai, "GpuMmuCaps"), &q));
	assert_false(ddirr_desc_field_present(qai, field(qai, "pOutputData"), &q));
	q.OutputDataSize = 4;
	assert_false(ddirr_desc_field_present(qai, field(qai, "GpuMmuCaps"), &q));
	assert_true(ddirr_desc_field_present(qai, field(qai, "pOutputData"), &q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(desc__every_field_matches_the_wire_schema),
		cmocka_unit_test(desc__every_field_class_and_namespace_is_used),
		cmocka_unit_test(desc__ddi_lookups_agree_with_the_list),
		cmocka_unit_test(desc__union_guards_pick_one_alternative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
