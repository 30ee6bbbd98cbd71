/* Tests for schema/dump.c: field names, decoded flags, enums and handle
 * namespaces in text; one well-formed object per record in JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/dump.h"
#include "ddirr/error.h"

static char *dump(const ddirr_event *ev, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ddirr_dump_event(f, ev, flags), 0);
	fclose(f);
	return buf;
}

static void expect(const char *text, const char *piece)
{
	if (!strstr(text, piece))
		fail_msg("expected \"%s\" in:\n%s", piece, text);
}

/* JSON well-formedness, to the extent a test without a JSON library can
 * check it: balanced brackets outside strings, one line, no trailing comma. */
static void expect_json_object_line(const char *s)
{
	int depth = 0, in_string = 0;
	const char *p;

	assert_int_equal(s[0], '{');
	for (p = s; *p && *p != '\n'; p++) {
		if (in_string) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_string = 0;
			continue;
		}
		if (*p == '"')
			in_string = 1;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		if ((*p == '}' || *p == ']') && p[-1] == ',')
			fail_msg("trailing comma at %ld in %s", (long)(p - s), s);
		assert_true(depth >= 0);
	}
	assert_int_equal(depth, 0);
	assert_int_equal(*p, '\n');
	assert_int_equal(p[1], '\0');
}

static void dump__text_names_fields_namespaces_and_arrays(void **state)
{
	UINT32 slots[10] = {17, 18, 19, 20, 21, 22, 23, 24, 25, 26};
	UINT64 pages[10] = {100, 101, 102, 103, 104, 105, 106, 107, 108, 109};
	DXGKARG_MAPCPUHOSTAPERTURE args = {.hAllocation = (HANDLE)0x1234, .SegmentId = 1, .NumberOfPages = 10,
					   .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.hAdapter = (HANDLE)0xA0, .pArgs = &args};
	ddirr_event ev = {.seq = 5120, .ddi = DDIRR_DDI_MapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY,
			  .thread = 3, .time_ns = 1500000000, .frame = &frame};
	char *s = dump(&ev, 0);

	(void)state;
	expect(s, "5120 entry");
	expect(s, "t3");
	expect(s, "1.500000000");
	expect(s, "MapCpuHostAperture");
	expect(s, "hAdapter=0xa0 [adapter.kmd]");
	expect(s, "hAllocation=0x1234 [alloc.kmd]");
	expect(s, "SegmentId=1");
	expect(s, "NumberOfPages=10");
	expect(s, "pCpuHostAperturePages=[17, 18, 19, 20, 21, 22, 23, 24, ... (+2 more)]");
	assert_null(strstr(s, "ReturnValue")); /* an entry has no result */
	free(s);
	s = dump(&ev, DDIRR_DUMP_FULL_ARRAYS);
	expect(s, "pMemorySegmentPages=[100, 101, 102, 103, 104, 105, 106, 107, 108, 109]");
	free(s);
}

static void dump__text_decodes_flags_enums_and_status(void **state)
{
	DXGK_SEGMENTDESCRIPTOR4 seg[1];
	DXGK_QUERYSEGMENTOUT4 out = {.NbSegment = 1, .pSegmentDescriptor = (BYTE *)seg,
				     .SegmentDescriptorStride = sizeof(seg[0])};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pOutputData = &out,
				      .OutputDataSize = sizeof(out)};
	ddirr_frame_QueryAdapterInfo frame = {.hAdapter = (HANDLE)1, .pQueryAdapterInfo = &q,
					      .ReturnValue = (NTSTATUS)0xC0000001};
	ddirr_event ev = {.seq = 2, .ddi = DDIRR_DDI_QueryAdapterInfo, .phase = DDIRR_PHASE_EXIT, .frame = &frame};
	char *s;

	(void)state;
	memset(seg, 0, sizeof(seg));
	seg[0].Flags.Value = 0x2800; /* Use64KBPages | SupportsCpuHostAperture */
	seg[0].Flags.Value |= 3u << 29; /* two bits no name covers... bits 29-30 */
	seg[0].CpuHostAperture.SizeInPages = 256;
	s = dump(&ev, 0);
	expect(s, "Type=11 (QUERYSEGMENT4)");
	expect(s, "Flags=0x60002800 {Use64KBPages|SupportsCpuHostAperture|0x60000000}");
	expect(s, "CpuHostAperture={PhysicalAddress=0x0 SizeInPages=256}");
	expect(s, "ReturnValue=0xc0000001 (STATUS_UNSUCCESSFUL)");
	assert_null(strstr(s, "CpuTranslatedAddress")); /* the other union member */
	free(s);
}

static void dump__json_is_one_object_per_record_with_every_element(void **state)
{
	UINT32 slots[10] = {17, 18, 19, 20, 21, 22, 23, 24, 25, 26};
	UINT64 pages[10] = {0};
	DXGKARG_MAPCPUHOSTAPERTURE args = {.hAllocation = (HANDLE)0x1234, .SegmentId = 1, .NumberOfPages = 10,
					   .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.hAdapter = (HANDLE)0xA0, .pArgs = &args};
	ddirr_event ev = {.seq = 9, .ddi = DDIRR_DDI_MapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &frame};
	DXGKARGCB_MAPCONTEXTALLOCATION m = {.hAllocation = (HANDLE)0x55, .SizeInPages = 16};
	ddirr_frame_MapContextAllocation cb = {.hAdapter = (HANDLE)0xB0, .pArgs = &m, .ReturnValue = 0x10000};
	char *s;

	(void)state;
	s = dump(&ev, DDIRR_DUMP_JSON);
	expect_json_object_line(s);
	expect(s, "\"seq\":9");
	expect(s, "\"ddi\":\"MapCpuHostAperture\"");
	expect(s, "\"pCpuHostAperturePages\":[17, 18, 19, 20, 21, 22, 23, 24, 25, 26]");
	expect(s, "\"hAllocation\":\"0x1234\"");
	free(s);
	m.Protection.Write = 1;
	ev = (ddirr_event){.seq = 10, .parent_seq = 9, .ddi = DDIRR_DDI_MapContextAllocation,
			   .phase = DDIRR_PHASE_EXIT, .frame = &cb};
	s = dump(&ev, DDIRR_DUMP_JSON);
	expect_json_object_line(s);
	expect(s, "\"kind\":\"callback\"");
	expect(s, "\"parent_seq\":9");
	expect(s, "\"ReturnValue\":\"0x10000\"");
	free(s);
	ev.phase = DDIRR_PHASE_ENTRY;
	s = dump(&ev, DDIRR_DUMP_JSON);
	expect_json_object_line(s);
	expect(s, "\"Protection\":{\"value\":\"0x1\",\"flags\":[\"Write\"]}");
	free(s);
}

static void dump__unknown_ddi_is_shown_by_number(void **state)
{
	ddirr_event ev = {.seq = 1, .ddi = 999, .phase = DDIRR_PHASE_ENTRY};
	char *s;

	(void)state;
	s = dump(&ev, 0);
	expect(s, "ddi#999");
	free(s);
	s = dump(&ev, DDIRR_DUMP_JSON);
	expect_json_object_line(s);
	expect(s, "\"ddi\":999");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump__text_names_fields_namespaces_and_arrays),
		cmocka_unit_test(dump__text_decodes_flags_enums_and_status),
		cmocka_unit_test(dump__json_is_one_object_per_record_with_every_element),
		cmocka_unit_test(dump__unknown_ddi_is_shown_by_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
