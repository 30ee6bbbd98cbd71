/* ddirr_gen_proto TEMPLATE OUT: writes ddirr.proto from the template and the
 * DDI description. Run by the build; its output is compared with the
 * committed schema/ddirr.proto by ctest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"

static const char *scalar_type(uint32_t size)
{
	return size == 8 ? "uint64" : "uint32";
}

static const char *dir_name(int dir)
{
	switch (dir) {
	case DDIRR_DIR_IN: return "in";
	case DDIRR_DIR_OUT: return "out";
	default: return "inout";
	}
}

static void field_comment(FILE *out, const ddirr_struct_desc *s, const ddirr_field_desc *f)
{
	fprintf(out, "  // %s, %s", dir_name(f->dir), ddirr_class_name(f->cls));
	if (f->cls == DDIRR_CLASS_HANDLE)
		fprintf(out, " %s", ddirr_ns_name(f->ns));
	if (f->decoder)
		fprintf(out, ", %s %s", f->decoder->is_flags ? "flags" : "enum", f->decoder->name);
	if (f->guard_op != DDIRR_GUARD_NONE) {
		size_t i;
		const char *sel = "?";

		for (i = 0; i < s->n_fields; i++)
			if (s->fields[i].offset == f->guard_offset && s->fields[i].kind == DDIRR_FK_SCALAR)
				sel = s->fields[i].name;
		switch (f->guard_op) {
		case DDIRR_GUARD_EQ: fprintf(out, "; when %s == %llu", sel, (unsigned long long)f->guard_value); break;
		case DDIRR_GUARD_BITS: fprintf(out, "; when %s & 0x%llx", sel, (unsigned long long)f->guard_value); break;
		case DDIRR_GUARD_NOBITS: fprintf(out, "; unless %s & 0x%llx", sel, (unsigned long long)f->guard_value); break;
		default: fprintf(out, "; otherwise (by %s)", sel); break;
		}
	}
	fputc('\n', out);
}

static void emit_message(FILE *out, const ddirr_struct_desc *s)
{
	size_t i;

	fprintf(out, "// %s (reference %s)\nmessage %s {\n", s->name, s->ref, s->name);
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		switch (f->kind) {
		case DDIRR_FK_SCALAR:
			fprintf(out, "  %s %s = %u;", scalar_type(f->size), f->name, f->number);
			break;
		case DDIRR_FK_STRUCT:
		case DDIRR_FK_REF:
			fprintf(out, "  %s %s = %u;", f->sub->name, f->name, f->number);
			break;
		case DDIRR_FK_REF_SCALAR:
			fprintf(out, "  %s %s = %u;", scalar_type(f->elem_size), f->name, f->number);
			break;
		case DDIRR_FK_ARRAY:
			if (f->raw_elements)
				fprintf(out, "  repeated bytes %s = %u;", f->name, f->number);
			else if (f->sub)
				fprintf(out, "  repeated %s %s = %u;", f->sub->name, f->name, f->number);
			else
				fprintf(out, "  repeated %s %s = %u;", scalar_type(f->elem_size), f->name, f->number);
			break;
		case DDIRR_FK_BYTES:
		case DDIRR_FK_INLINE:
			fprintf(out, "  bytes %s = %u;", f->name, f->number);
			break;
		case DDIRR_FK_MDL:
			fprintf(out, "  repeated uint64 %s = %u;", f->name, f->number);
			break;
		default:
			fprintf(stderr, "gen_proto: %s.%s: unknown field kind %d\n", s->name, f->name, f->kind);
			exit(1);
		}
		field_comment(out, s, f);
		/* Arrays whose values come in runs: their delta form (format 2)
		   and their runs form (format 4). */
		if (ddirr_desc_field_delta(f)) {
			fprintf(out, "  repeated sint64 %s_delta = %u; // %s as deltas: element i - element i-1 (element -1 = 0)\n",
				f->name, f->number + DDIRR_DELTA_FIELD_OFFSET, f->name);
			fprintf(out,
				"  repeated sint64 %s_runs = %u; // %s as runs: pairs (d, k), an element d above the one "
				"before, then k more each 1 above the one before\n",
				f->name, f->number + DDIRR_RUNS_FIELD_OFFSET, f->name);
		}
		/* Private data kept as a digest only (privacy tier "hashed"). */
		if (f->kind == DDIRR_FK_BYTES && f->cls == DDIRR_CLASS_OPAQUE)
			fprintf(out, "  bytes %s_sha256 = %u; // SHA-256 standing for %s when its bytes are not kept\n",
				f->name, f->number + DDIRR_DIGEST_FIELD_OFFSET, f->name);
	}
	fprintf(out, "}\n\n");
}

static void emit_schema(FILE *out)
{
	uint32_t id;
	size_t i;

	fprintf(out, "enum DdiId {\n  DDI_NONE = 0;\n");
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

		if (d)
			fprintf(out, "  DDI_%s = %u;  // %s %s\n", d->name, id,
				d->kind == DDIRR_KIND_DDI ? "DDI" : "callback", d->table_member);
	}
	fprintf(out, "}\n\n// Calls: the parameters of each DDI or callback, and its return value.\n\n");
	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

		if (d)
			emit_message(out, d->frame);
	}
	fprintf(out, "// Argument structs.\n\n");
	for (i = 0; i < ddirr_desc_n_structs; i++)
		emit_message(out, ddirr_desc_structs[i]);
}

static void emit_event_args(FILE *out)
{
	uint32_t id;

	for (id = 1; id < DDIRR_DDI_MAX_PLUS_ONE; id++) {
		const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

		if (d)
			fprintf(out, "    %s %s = %u;\n", d->frame->name, d->name, DDIRR_EVENT_ARGS_BASE + id);
	}
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	char line[1024];

	if (argc != 3) {
		fprintf(stderr, "usage: ddirr_gen_proto TEMPLATE OUT\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 2;
	}
	out = fopen(argv[2], "w");
	if (!out) {
		perror(argv[2]);
		fclose(in);
		return 2;
	}
	while (fgets(line, sizeof(line), in)) {
		if (strstr(line, "@EVENT_ARGS@"))
			emit_event_args(out);
		else if (strstr(line, "@DDI_SCHEMA@"))
			emit_schema(out);
		else
			fputs(line, out);
	}
	fclose(in);
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
