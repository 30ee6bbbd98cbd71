/* Records as text or JSON lines, walking the DDI description. */
#include "ddirr/dump.h"

#include <inttypes.h>
#include <string.h>

#include "ddirr/error.h"
#include "desc.h"

enum { TEXT_ARRAY_ELEMENTS = 8, TEXT_BYTES = 16 };

typedef struct dumper {
	FILE *out;
	unsigned flags;
	uint32_t phase;
	const ddirr_event *ev;
} dumper;

static int json(const dumper *d)
{
	return (d->flags & DDIRR_DUMP_JSON) != 0;
}

const char *ddirr_status_name(uint32_t status)
{
	switch (status) {
	case 0x00000000u: return "STATUS_SUCCESS";
	case 0xC0000001u: return "STATUS_UNSUCCESSFUL";
	case 0xC000000Du: return "STATUS_INVALID_PARAMETER";
	case 0xC0000017u: return "STATUS_NO_MEMORY";
	case 0xC0000023u: return "STATUS_BUFFER_TOO_SMALL";
	case 0xC00000BBu: return "STATUS_NOT_SUPPORTED";
	case 0xC01E0001u: return "STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER";
	case 0xC01E0102u: return "STATUS_GRAPHICS_ALLOCATION_BUSY";
	default: return NULL;
	}
}

void ddirr_dump_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *enum_name(const ddirr_decoder *dec, uint64_t v)
{
	size_t i;

	for (i = 0; i < dec->n_entries; i++)
		if (dec->entries[i].value == v)
			return dec->entries[i].name;
	return NULL;
}

/* Flag words: single bits by name, wider ranges as name=value, and any bits
 * the decoder does not name as a hex remainder. */
static void put_flags(const dumper *d, const ddirr_decoder *dec, uint64_t v)
{
	uint64_t named = 0;
	size_t i;
	int first = 1;

	fputs(json(d) ? "[" : " {", d->out);
	for (i = 0; i < dec->n_entries; i++) {
		const ddirr_decoder_entry *e = &dec->entries[i];
		uint64_t mask = (e->width >= 64 ? ~0ull : ((1ull << e->width) - 1)) << e->value;
		uint64_t x = (v & mask) >> e->value;

		named |= mask;
		if (!x)
			continue;
		if (json(d))
			fprintf(d->out, "%s\"%s%s", first ? "" : ",", e->name, e->width > 1 ? "=" : "");
		else
			fprintf(d->out, "%s%s%s", first ? "" : "|", e->name, e->width > 1 ? "=" : "");
		if (e->width > 1)
			fprintf(d->out, "%" PRIu64, x);
		if (json(d))
			fputc('"', d->out);
		first = 0;
	}
	if (v & ~named)
		fprintf(d->out, json(d) ? "%s\"0x%" PRIx64 "\"" : "%s0x%" PRIx64, first ? "" : json(d) ? "," : "|",
			v & ~named);
	fputs(json(d) ? "]" : "}", d->out);
}

static void put_scalar(const dumper *d, const ddirr_field_desc *f, uint64_t v)
{
	const char *name;

	switch (f->fmt) {
	case DDIRR_FMT_HEX:
		fprintf(d->out, json(d) ? "\"0x%" PRIx64 "\"" : "0x%" PRIx64, v);
		break;
	case DDIRR_FMT_FLAGS:
		if (json(d)) {
			fprintf(d->out, "{\"value\":\"0x%" PRIx64 "\",\"flags\":", v);
			put_flags(d, f->decoder, v);
			fputc('}', d->out);
		} else {
			fprintf(d->out, "0x%" PRIx64, v);
			if (v)
				put_flags(d, f->decoder, v);
		}
		break;
	case DDIRR_FMT_ENUM:
		name = enum_name(f->decoder, v);
		if (json(d))
			fprintf(d->out, "{\"value\":%" PRIu64 ",\"name\":\"%s\"}", v, name ? name : "?");
		else
			fprintf(d->out, "%" PRIu64 " (%s)", v, name ? name : "?");
		break;
	case DDIRR_FMT_STATUS:
		name = ddirr_status_name((uint32_t)v);
		if (json(d))
			fprintf(d->out, "{\"value\":\"0x%08" PRIx64 "\",\"name\":\"%s\"}", v, name ? name : "?");
		else
			fprintf(d->out, "0x%08" PRIx64 " (%s)", v, name ? name : "?");
		break;
	case DDIRR_FMT_SIGNED:
		fprintf(d->out, "%" PRId64, (int64_t)v);
		break;
	default:
		fprintf(d->out, "%" PRIu64, v);
		break;
	}
	if (f->cls == DDIRR_CLASS_HANDLE && !json(d))
		fprintf(d->out, " [%s]", ddirr_ns_name(f->ns));
}

static void put_bytes(const dumper *d, const uint8_t *p, uint64_t n)
{
	uint64_t i, shown = json(d) ? n : (n < TEXT_BYTES ? n : TEXT_BYTES);

	if (json(d)) {
		fputc('"', d->out);
		for (i = 0; i < n; i++)
			fprintf(d->out, "%02x", p[i]);
		fputc('"', d->out);
		return;
	}
	fprintf(d->out, "<%" PRIu64 " bytes", n);
	if (n)
		fputc(' ', d->out);
	for (i = 0; i < shown; i++)
		fprintf(d->out, "%02x", p[i]);
	fputs(shown < n ? "...>" : ">", d->out);
}

static void put_struct(const dumper *d, const ddirr_struct_desc *s, const char *base);

/* Private data kept as a digest only: `<N bytes sha256:HEX>`, or in JSON
 * {"size":N,"sha256":"HEX"}. Returns 0 when no digest stands for the slot. */
static int put_digest(const dumper *d, const void *slot, uint64_t n)
{
	uint32_t i, k;

	for (k = 0; k < d->ev->n_digests; k++) {
		const ddirr_opaque_digest *dg = &d->ev->digests[k];

		if (dg->slot != slot)
			continue;
		fprintf(d->out, json(d) ? "{\"size\":%" PRIu64 ",\"sha256\":\"" : "<%" PRIu64 " bytes sha256:", n);
		for (i = 0; i < sizeof(dg->sha256); i++)
			fprintf(d->out, "%02x", dg->sha256[i]);
		fputs(json(d) ? "\"}" : ">", d->out);
		return 1;
	}
	return 0;
}

static uint64_t count_of(const ddirr_field_desc *f, const char *base)
{
	uint64_t n = ddirr_desc_read(base + f->count_offset, f->count_size);

	if (n && f->repeat_size && (ddirr_desc_read(base + f->repeat_offset, f->repeat_size) & f->repeat_mask))
		n = 1;
	return n;
}

static void put_array(const dumper *d, const ddirr_field_desc *f, const char *base)
{
	const char *arr = *(const char *const *)(base + f->offset);
	uint64_t n = arr ? count_of(f, base) : 0;
	uint64_t stride = f->stride_size ? ddirr_desc_read(base + f->stride_offset, f->stride_size)
					 : f->sub ? f->sub->size : f->elem_size;
	uint64_t first = 0, i, shown;

	if (f->kind == DDIRR_FK_MDL) {
		first = ddirr_desc_read(base + f->mdl_offset_offset, f->mdl_offset_size);
		arr = arr ? (const char *)(MmGetMdlPfnArray((MDL *)arr) + first) : NULL;
		stride = sizeof(PFN_NUMBER);
	}
	shown = (json(d) || (d->flags & DDIRR_DUMP_FULL_ARRAYS) || n <= TEXT_ARRAY_ELEMENTS) ? n : TEXT_ARRAY_ELEMENTS;
	fputc('[', d->out);
	for (i = 0; i < shown; i++) {
		const char *e = arr + i * stride;

		if (i)
			fputs(", ", d->out);
		if (f->raw_elements)
			put_bytes(d, (const uint8_t *)e, stride);
		else if (f->sub)
			put_struct(d, f->sub, e);
		else
			put_scalar(d, f, ddirr_desc_read(e, f->kind == DDIRR_FK_MDL ? 8 : f->elem_size));
	}
	if (shown < n)
		fprintf(d->out, ", ... (+%" PRIu64 " more)", n - shown);
	fputc(']', d->out);
}

static void put_field(const dumper *d, const ddirr_field_desc *f, const char *base)
{
	const char *src = base + f->offset;
	const char *ptr;

	switch (f->kind) {
	case DDIRR_FK_SCALAR:
		put_scalar(d, f, ddirr_desc_read(src, f->size));
		break;
	case DDIRR_FK_STRUCT:
		put_struct(d, f->sub, src);
		break;
	case DDIRR_FK_REF:
		ptr = *(const char *const *)src;
		if (ptr)
			put_struct(d, f->sub, ptr);
		else
			fputs(json(d) ? "null" : "NULL", d->out);
		break;
	case DDIRR_FK_REF_SCALAR:
		ptr = *(const char *const *)src;
		if (ptr)
			put_scalar(d, f, ddirr_desc_read(ptr, f->elem_size));
		else
			fputs(json(d) ? "null" : "NULL", d->out);
		break;
	case DDIRR_FK_ARRAY:
	case DDIRR_FK_MDL:
		put_array(d, f, base);
		break;
	case DDIRR_FK_BYTES:
		ptr = *(const char *const *)src;
		if (!ptr && put_digest(d, src, ddirr_desc_read(base + f->count_offset, f->count_size)))
			break;
		if (!ptr && ddirr_desc_read(base + f->count_offset, f->count_size)) {
			/* kept as its size only (privacy tier metadata) */
			fprintf(d->out, json(d) ? "{\"size\":%" PRIu64 "}" : "<%" PRIu64 " bytes, not recorded>",
				ddirr_desc_read(base + f->count_offset, f->count_size));
			break;
		}
		put_bytes(d, (const uint8_t *)ptr, ptr ? ddirr_desc_read(base + f->count_offset, f->count_size) : 0);
		break;
	case DDIRR_FK_INLINE:
		put_bytes(d, (const uint8_t *)src, f->size);
		break;
	}
}

static void put_struct(const dumper *d, const ddirr_struct_desc *s, const char *base)
{
	size_t i;
	int first = 1;

	fputc('{', d->out);
	for (i = 0; i < s->n_fields; i++) {
		const ddirr_field_desc *f = &s->fields[i];

		if (!ddirr_desc_field_in_phase(f, d->phase) || !ddirr_desc_field_present(s, f, base))
			continue;
		if (json(d))
			fprintf(d->out, "%s\"%s\":", first ? "" : ",", f->name);
		else
			fprintf(d->out, "%s%s=", first ? "" : " ", f->name);
		put_field(d, f, base);
		first = 0;
	}
	fputc('}', d->out);
}

int ddirr_dump_event(FILE *out, const ddirr_event *ev, unsigned flags)
{
	dumper d = {out, flags, ev->phase, ev};
	const ddirr_ddi_desc *desc = ddirr_desc_ddi(ev->ddi);
	const char *phase = ev->phase == DDIRR_PHASE_ENTRY ? "entry" : ev->phase == DDIRR_PHASE_EXIT ? "exit" : "?";

	if (json(&d)) {
		fprintf(out, "{\"seq\":%" PRIu64 ",\"phase\":\"%s\",\"ddi\":", ev->seq, phase);
		if (desc)
			fprintf(out, "\"%s\",\"kind\":\"%s\"", desc->name, desc->kind == DDIRR_KIND_DDI ? "ddi" : "callback");
		else
			fprintf(out, "%u", ev->ddi);
		fprintf(out, ",\"thread\":%u,\"time_ns\":%" PRIu64 ",\"parent_seq\":%" PRIu64, ev->thread, ev->time_ns,
			ev->parent_seq);
		if (desc && ev->frame) {
			fputs(",\"args\":", out);
			put_struct(&d, desc->frame, ev->frame);
		}
		fputs("}\n", out);
	} else {
		fprintf(out, "%8" PRIu64 " %-5s t%-2u %" PRIu64 ".%09" PRIu64 " ", ev->seq, phase, ev->thread,
			ev->time_ns / 1000000000u, ev->time_ns % 1000000000u);
		if (desc)
			fprintf(out, "%s%s", desc->kind == DDIRR_KIND_CB ? "cb:" : "", desc->name);
		else
			fprintf(out, "ddi#%u", ev->ddi);
		if (ev->parent_seq)
			fprintf(out, " (in %" PRIu64 ")", ev->parent_seq);
		if (desc && ev->frame) {
			fputc(' ', out);
			put_struct(&d, desc->frame, ev->frame);
		}
		fputc('\n', out);
	}
	if (ferror(out))
		return ddirr_error_set(DDIRR_EIO, "cannot write the dump");
	return 0;
}

void ddirr_dump_struct(FILE *out, const ddirr_struct_desc *s, const void *base, unsigned flags)
{
	static const ddirr_event none;
	dumper d = {out, flags, DDIRR_PHASE_ENTRY | DDIRR_PHASE_EXIT, &none};

	put_struct(&d, s, base);
}
