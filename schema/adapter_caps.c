/* The adapter's caps, learned from QueryAdapterInfo records (see
 * adapter_caps.h), and their protobuf form. Only what the driver answered
 * is kept; nothing is filled in. The segment list is physical adapter 0's
 * (AdapterCaps.segments has no adapter index); the other adapters count in
 * physical_adapters. */
#include "adapter_caps.h"

#include <stdlib.h>
#include <string.h>

#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "desc.h"
#include "event_codec.h"

extern const ddirr_struct_desc ddirr_desc_DXGK_SEGMENTDESCRIPTOR4;
extern const ddirr_struct_desc ddirr_desc_DXGK_GPUMMUCAPS;
extern const ddirr_struct_desc ddirr_desc_DXGK_PAGE_TABLE_LEVEL_DESC;

void ddirr_caps_init(ddirr_caps *c)
{
	memset(c, 0, sizeof(*c));
}

void ddirr_caps_free(ddirr_caps *c)
{
	free(c->raw);
	ddirr_caps_init(c);
}

int ddirr_caps_known(const ddirr_caps *c)
{
	return c->n_segments || c->have_mmu || c->level_mask || c->physical_adapters || c->dxgkrnl_version;
}

static int is_adapter_query(uint32_t type)
{
	return type == DXGKQAITYPE_QUERYSEGMENT4 || type == DXGKQAITYPE_GPUMMUCAPS ||
	       type == DXGKQAITYPE_PAGETABLELEVELDESC || type == DXGKQAITYPE_PHYSICALADAPTERCAPS;
}

/* The entry: what is asked, of which physical adapter. */
static void note_entry(ddirr_caps *c, uint64_t seq, const DXGKARG_QUERYADAPTERINFO *q)
{
	ddirr_caps_pending *p = &c->pending[c->next_pending];
	const uint8_t *in = q->pInputData;

	memset(p, 0, sizeof(*p));
	p->seq = seq;
	p->type = q->Type;
	if (in && q->InputDataSize >= 4) {
		switch (q->Type) {
		case DXGKQAITYPE_PAGETABLELEVELDESC: {
			DXGK_QUERYPAGETABLELEVELDESCIN pin;

			memcpy(&pin, in, sizeof(pin));
			p->level = pin.LevelIndex;
			p->adapter = pin.PhysicalAdapterIndex;
			break;
		}
		default: /* QUERYSEGMENTIN4, QUERYGPUMMUCAPSIN, QUERYPHYSICALADAPTERCAPSIN: a UINT first */
			memcpy(&p->adapter, in, sizeof(p->adapter));
			break;
		}
	}
	c->next_pending = (c->next_pending + 1) % DDIRR_CAPS_MAX_PENDING;
	if (c->n_pending < DDIRR_CAPS_MAX_PENDING)
		c->n_pending++;
}

/* Moves the entry of call seq to *out; 0 when there is none. */
static int take_pending(ddirr_caps *c, uint64_t seq, ddirr_caps_pending *out)
{
	uint32_t i;

	for (i = 0; i < c->n_pending; i++)
		if (c->pending[i].seq == seq && c->pending[i].type) {
			*out = c->pending[i];
			memset(&c->pending[i], 0, sizeof(c->pending[i]));
			return 1;
		}
	return 0;
}

static int learn_segments(ddirr_caps *c, const DXGK_QUERYSEGMENTOUT4 *q)
{
	size_t n = q->NbSegment, stride = q->SegmentDescriptorStride;
	uint8_t *raw;

	/* The first call asks for the count only. */
	if (!q->pSegmentDescriptor || !n || !stride || stride > DDIRR_CAPS_MAX_STRIDE)
		return 0;
	if (n > DDIRR_CAPS_MAX_SEGMENTS)
		n = DDIRR_CAPS_MAX_SEGMENTS;
	if (c->raw && c->n_segments == n && c->stride == stride && !memcmp(c->raw, q->pSegmentDescriptor, n * stride))
		return 0;
	raw = malloc(n * stride);
	if (!raw)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory keeping %zu segment descriptors", n);
	memcpy(raw, q->pSegmentDescriptor, n * stride);
	free(c->raw);
	c->raw = raw;
	c->n_segments = (uint32_t)n;
	c->stride = (uint32_t)stride;
	return 1;
}

static int note_exit(ddirr_caps *c, const ddirr_caps_pending *p, const DXGKARG_QUERYADAPTERINFO *q)
{
	int changed = 0;

	if (!q->pOutputData || q->Type != p->type)
		return 0;
	if (p->adapter + 1 > c->physical_adapters && p->adapter < 64) {
		c->physical_adapters = p->adapter + 1;
		changed = 1;
	}
	switch (q->Type) {
	case DXGKQAITYPE_QUERYSEGMENT4:
		if (p->adapter == 0) {
			int rc = learn_segments(c, q->pOutputData);

			if (rc < 0)
				return rc;
			changed |= rc;
		}
		break;
	case DXGKQAITYPE_GPUMMUCAPS:
		if (p->adapter == 0 && q->OutputDataSize >= sizeof(DXGK_GPUMMUCAPS) &&
		    (!c->have_mmu || memcmp(&c->mmu, q->pOutputData, sizeof(c->mmu)))) {
			memcpy(&c->mmu, q->pOutputData, sizeof(c->mmu));
			c->have_mmu = 1;
			changed = 1;
		}
		break;
	case DXGKQAITYPE_PAGETABLELEVELDESC:
		if (p->adapter == 0 && p->level < DDIRR_CAPS_MAX_LEVELS &&
		    q->OutputDataSize >= sizeof(DXGK_PAGE_TABLE_LEVEL_DESC) &&
		    (!(c->level_mask & 1u << p->level) ||
		     memcmp(&c->levels[p->level], q->pOutputData, sizeof(c->levels[0])))) {
			memcpy(&c->levels[p->level], q->pOutputData, sizeof(c->levels[0]));
			c->level_mask |= 1u << p->level;
			changed = 1;
		}
		break;
	default:
		break;
	}
	return changed;
}

int ddirr_caps_note(ddirr_caps *c, const ddirr_event *ev)
{
	const ddirr_frame_QueryAdapterInfo *f = ev->frame;
	ddirr_caps_pending p;

	if (ev->ddi == DDIRR_DDI_StartDevice && ev->phase == DDIRR_PHASE_ENTRY && ev->frame) {
		const DXGKRNL_INTERFACE *i = ((const ddirr_frame_StartDevice *)ev->frame)->DxgkInterface;

		if (!i || i->Version == c->dxgkrnl_version)
			return 0;
		c->dxgkrnl_version = i->Version;
		return 1;
	}
	if (ev->ddi != DDIRR_DDI_QueryAdapterInfo || !f || !f->pQueryAdapterInfo ||
	    !is_adapter_query(f->pQueryAdapterInfo->Type))
		return 0;
	if (ev->phase == DDIRR_PHASE_ENTRY) {
		note_entry(c, ev->seq, f->pQueryAdapterInfo);
		return 0;
	}
	if (!take_pending(c, ev->seq, &p) || !NT_SUCCESS(f->ReturnValue))
		return 0;
	return note_exit(c, &p, f->pQueryAdapterInfo);
}

/* ------------------------------------------------------------------ */
/* The AdapterCaps message                                             */

static void *sub_message(const ProtobufCMessageDescriptor *d, ddirr_arena *a)
{
	ProtobufCMessage *m = ddirr_arena_alloc(a, d->sizeof_message);

	if (m)
		protobuf_c_message_init(d, m);
	return m;
}

int ddirr_caps_to_pb(Ddirr__AdapterCaps *msg, const ddirr_caps *c, ddirr_arena *a)
{
	uint32_t i, n_levels = 0;
	int rc;

	msg->dxgkrnl_interface_version = c->dxgkrnl_version;
	msg->physical_adapter_count = c->physical_adapters;
	msg->segment_descriptor_stride = c->stride;
	if (c->n_segments) {
		msg->segments = ddirr_arena_alloc(a, c->n_segments * sizeof(*msg->segments));
		msg->segment_descriptor_raw = ddirr_arena_alloc(a, c->n_segments * sizeof(*msg->segment_descriptor_raw));
		if (!msg->segments || !msg->segment_descriptor_raw)
			return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding the adapter caps");
		for (i = 0; i < c->n_segments; i++) {
			DXGK_SEGMENTDESCRIPTOR4 d;
			size_t have = c->stride < sizeof(d) ? c->stride : sizeof(d);

			memset(&d, 0, sizeof(d));
			memcpy(&d, c->raw + (size_t)i * c->stride, have);
			if (!(msg->segments[i] = sub_message(&ddirr__dxgk__segmentdescriptor4__descriptor, a)))
				return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding the adapter caps");
			if ((rc = ddirr_struct_to_pb(&msg->segments[i]->base, &ddirr_desc_DXGK_SEGMENTDESCRIPTOR4, &d, a)))
				return rc;
			msg->segment_descriptor_raw[i].data = c->raw + (size_t)i * c->stride;
			msg->segment_descriptor_raw[i].len = c->stride;
		}
		msg->n_segments = msg->n_segment_descriptor_raw = c->n_segments;
	}
	if (c->have_mmu) {
		if (!(msg->gpu_mmu_caps = sub_message(&ddirr__dxgk__gpummucaps__descriptor, a)))
			return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding the adapter caps");
		if ((rc = ddirr_struct_to_pb(&msg->gpu_mmu_caps->base, &ddirr_desc_DXGK_GPUMMUCAPS, &c->mmu, a)))
			return rc;
	}
	/* Levels are listed from 0 up to the highest answered; one not
	   answered in between is an empty message. */
	for (i = 0; i < DDIRR_CAPS_MAX_LEVELS; i++)
		if (c->level_mask & 1u << i)
			n_levels = i + 1;
	if (n_levels) {
		msg->page_table_levels = ddirr_arena_alloc(a, n_levels * sizeof(*msg->page_table_levels));
		if (!msg->page_table_levels)
			return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding the adapter caps");
		for (i = 0; i < n_levels; i++) {
			static const DXGK_PAGE_TABLE_LEVEL_DESC unknown;

			if (!(msg->page_table_levels[i] = sub_message(&ddirr__dxgk__page__table__level__desc__descriptor, a)))
				return ddirr_error_set(DDIRR_ENOMEM, "out of memory encoding the adapter caps");
			if ((rc = ddirr_struct_to_pb(&msg->page_table_levels[i]->base, &ddirr_desc_DXGK_PAGE_TABLE_LEVEL_DESC,
						     c->level_mask & 1u << i ? &c->levels[i] : &unknown, a)))
				return rc;
		}
		msg->n_page_table_levels = n_levels;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */

/* Segment i of caps as a C struct: from its raw bytes when they are kept
 * (they hold every member this ddirr knows), else from its message. */
static int segment_of(const Ddirr__AdapterCaps *caps, size_t i, DXGK_SEGMENTDESCRIPTOR4 *d, ddirr_arena *a)
{
	memset(d, 0, sizeof(*d));
	if (i < caps->n_segment_descriptor_raw && caps->segment_descriptor_raw[i].len) {
		size_t n = caps->segment_descriptor_raw[i].len;

		memcpy(d, caps->segment_descriptor_raw[i].data, n < sizeof(*d) ? n : sizeof(*d));
		return 0;
	}
	if (i >= caps->n_segments)
		return 0; /* an empty raw entry and no message: nothing known */
	return ddirr_struct_from_pb(d, &ddirr_desc_DXGK_SEGMENTDESCRIPTOR4, &caps->segments[i]->base, a,
				    "adapter caps");
}

static int dump_caps(FILE *out, const Ddirr__AdapterCaps *caps, const char *indent, unsigned flags, ddirr_arena *a)
{
	int json = (flags & DDIRR_DUMP_JSON) != 0;
	size_t i, n = caps->n_segments > caps->n_segment_descriptor_raw ? caps->n_segments
									 : caps->n_segment_descriptor_raw;
	int rc;

	if (json)
		fprintf(out,
			"{\"dxgkrnl_interface_version\":%u,\"physical_adapter_count\":%u,\"segment_descriptor_stride\":%u,"
			"\"segments\":[",
			caps->dxgkrnl_interface_version, caps->physical_adapter_count, caps->segment_descriptor_stride);
	else
		fprintf(out, "%u physical adapter(s), %zu segment(s) (descriptor stride %u bytes), GPU MMU caps %s, "
			"%zu page-table level(s); DXGKRNL_INTERFACE.Version 0x%x\n",
			caps->physical_adapter_count, n, caps->segment_descriptor_stride,
			caps->gpu_mmu_caps ? "known" : "not recorded", caps->n_page_table_levels,
			caps->dxgkrnl_interface_version);
	for (i = 0; i < n; i++) {
		DXGK_SEGMENTDESCRIPTOR4 d;

		if ((rc = segment_of(caps, i, &d, a)))
			return rc;
		if (json)
			fputs(i ? "," : "", out);
		else
			fprintf(out, "%s  segment %zu ", indent, i + 1);
		ddirr_dump_struct(out, &ddirr_desc_DXGK_SEGMENTDESCRIPTOR4, &d, flags);
		if (!json)
			fputc('\n', out);
	}
	if (json)
		fputs("],\"gpu_mmu_caps\":", out);
	if (caps->gpu_mmu_caps) {
		DXGK_GPUMMUCAPS m;

		if ((rc = ddirr_struct_from_pb(&m, &ddirr_desc_DXGK_GPUMMUCAPS, &caps->gpu_mmu_caps->base, a,
					       "adapter caps")))
			return rc;
		if (!json)
			fprintf(out, "%s  gpu mmu   ", indent);
		ddirr_dump_struct(out, &ddirr_desc_DXGK_GPUMMUCAPS, &m, flags);
		if (!json)
			fputc('\n', out);
	} else if (json) {
		fputs("null", out);
	}
	if (json)
		fputs(",\"page_table_levels\":[", out);
	for (i = 0; i < caps->n_page_table_levels; i++) {
		DXGK_PAGE_TABLE_LEVEL_DESC l;

		if ((rc = ddirr_struct_from_pb(&l, &ddirr_desc_DXGK_PAGE_TABLE_LEVEL_DESC, &caps->page_table_levels[i]->base,
					       a, "adapter caps")))
			return rc;
		if (json)
			fputs(i ? "," : "", out);
		else
			fprintf(out, "%s  level %zu   ", indent, i);
		ddirr_dump_struct(out, &ddirr_desc_DXGK_PAGE_TABLE_LEVEL_DESC, &l, flags);
		if (!json)
			fputc('\n', out);
	}
	if (json)
		fputs("]}", out);
	return 0;
}

int ddirr_dump_adapter_caps(FILE *out, const void *pb, size_t len, const char *indent, unsigned flags)
{
	Ddirr__AdapterCaps *caps;
	ddirr_arena a = {0};
	int rc;

	if (!pb) {
		if (flags & DDIRR_DUMP_JSON)
			fputs("null", out);
		return ferror(out) ? ddirr_error_set(DDIRR_EIO, "cannot write the adapter caps") : 0;
	}
	caps = ddirr__adapter_caps__unpack(NULL, len, pb);
	if (!caps)
		return ddirr_error_set(DDIRR_ECORRUPT, "adapter caps (%zu bytes) do not parse as ddirr.AdapterCaps", len);
	rc = dump_caps(out, caps, indent ? indent : "", flags, &a);
	ddirr__adapter_caps__free_unpacked(caps, NULL);
	ddirr_arena_release(&a);
	if (!rc && ferror(out))
		rc = ddirr_error_set(DDIRR_EIO, "cannot write the adapter caps");
	return rc;
}
