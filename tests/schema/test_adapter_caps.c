/* Tests for the adapter caps a trace carries (schema/adapter_caps.c and the
 * CAPS frame): the writer learns them from QueryAdapterInfo records, entry
 * and exit paired by seq, and only from successful answers; they reach the
 * file after the chunk that holds those records, so a file cut after that
 * chunk still has them; the reader hands back the latest, skips a damaged
 * one as a problem, and the printer shows what the driver said. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddirr.pb-c.h"
#include "ddirr/dump.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "test_files.h"
#include "trace_format.h"

/* ------------------------------------------------------------------ */
/* A small adapter: two segments, a 3-level MMU, two physical adapters  */

typedef struct qai {
	DXGKARG_QUERYADAPTERINFO q;
	ddirr_frame_QueryAdapterInfo f;
	union {
		DXGK_QUERYSEGMENTIN4 seg;
		DXGK_QUERYGPUMMUCAPSIN mmu;
		DXGK_QUERYPAGETABLELEVELDESCIN level;
		DXGK_QUERYPHYSICALADAPTERCAPSIN pa;
	} in;
	union {
		DXGK_QUERYSEGMENTOUT4 seg;
		DXGK_GPUMMUCAPS mmu;
		DXGK_PAGE_TABLE_LEVEL_DESC level;
		DXGK_PHYSICALADAPTERCAPS pa;
	} out;
} qai;

static DXGK_SEGMENTDESCRIPTOR4 g_segs[2];

static void init_segments(uint64_t second_size)
{
	memset(g_segs, 0, sizeof(g_segs));
	g_segs[0].Flags.CpuVisible = 1;
	g_segs[0].Flags.SupportsCpuHostAperture = 1;
	g_segs[0].BaseAddress.QuadPart = 0x100000000ll;
	g_segs[0].Size = 64u << 20;
	g_segs[0].CpuHostAperture.PhysicalAddress = 0xd0000000ull;
	g_segs[0].CpuHostAperture.SizeInPages = 512;
	g_segs[1].Flags.Aperture = 1;
	g_segs[1].BaseAddress.QuadPart = 0x400000000ll;
	g_segs[1].Size = second_size;
	g_segs[1].CommitLimit = second_size;
}

static void init_qai(qai *c, DXGK_QUERYADAPTERINFOTYPE type, uint32_t adapter, uint32_t level)
{
	memset(c, 0, sizeof(*c));
	c->q.Type = type;
	c->q.pInputData = &c->in;
	c->q.pOutputData = &c->out;
	switch (type) {
	case DXGKQAITYPE_QUERYSEGMENT4:
		c->in.seg.PhysicalAdapterIndex = adapter;
		c->q.InputDataSize = sizeof(c->in.seg);
		c->q.OutputDataSize = sizeof(c->out.seg);
		c->out.seg.NbSegment = 2;
		c->out.seg.pSegmentDescriptor = (BYTE *)g_segs;
		c->out.seg.SegmentDescriptorStride = sizeof(g_segs[0]);
		break;
	case DXGKQAITYPE_GPUMMUCAPS:
		c->in.mmu.PhysicalAdapterIndex = adapter;
		c->q.InputDataSize = sizeof(c->in.mmu);
		c->q.OutputDataSize = sizeof(c->out.mmu);
		c->out.mmu.VirtualAddressBitCount = 39;
		c->out.mmu.PageTableLevelCount = 3;
		c->out.mmu.LeafPageTableSizeFor64KPagesInBytes = 256;
		break;
	case DXGKQAITYPE_PAGETABLELEVELDESC:
		c->in.level.LevelIndex = (WORD)level;
		c->in.level.PhysicalAdapterIndex = (WORD)adapter;
		c->q.InputDataSize = sizeof(c->in.level);
		c->q.OutputDataSize = sizeof(c->out.level);
		c->out.level.PageTableIndexBitCount = 9 + level;
		c->out.level.PageTableSegmentId = 1;
		c->out.level.PageTableSizeInBytes = 4096u << level;
		break;
	default:
		c->in.pa.PhysicalAdapterIndex = adapter;
		c->q.InputDataSize = sizeof(c->in.pa);
		c->q.OutputDataSize = sizeof(c->out.pa);
		break;
	}
	c->f.hAdapter = (HANDLE)(uintptr_t)0xA000;
	c->f.pQueryAdapterInfo = &c->q;
}

/* One call, entry then exit, with the given status. */
static void call(ddirr_trace_writer *w, uint64_t seq, qai *c, NTSTATUS status)
{
	ddirr_event ev = {0};

	ev.seq = seq;
	ev.ddi = DDIRR_DDI_QueryAdapterInfo;
	ev.thread = 1;
	ev.time_ns = seq * 100;
	ev.frame = &c->f;
	ev.phase = DDIRR_PHASE_ENTRY;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0);
	c->f.ReturnValue = status;
	ev.phase = DDIRR_PHASE_EXIT;
	ev.time_ns += 50;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0);
}

static void write_adapter(ddirr_trace_writer *w, uint64_t *seq)
{
	DXGKRNL_INTERFACE iface = {.Size = sizeof(iface), .Version = 0x8001};
	ddirr_frame_StartDevice sf = {.DxgkInterface = &iface};
	ddirr_event ev = {.ddi = DDIRR_DDI_StartDevice, .phase = DDIRR_PHASE_ENTRY, .frame = &sf};
	qai c;
	uint32_t l;

	ev.seq = (*seq)++;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0);
	ev.phase = DDIRR_PHASE_EXIT;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0);

	init_qai(&c, DXGKQAITYPE_QUERYSEGMENT4, 0, 0);
	c.out.seg.pSegmentDescriptor = NULL; /* the first call asks for the count */
	call(w, (*seq)++, &c, STATUS_SUCCESS);
	init_qai(&c, DXGKQAITYPE_QUERYSEGMENT4, 0, 0);
	call(w, (*seq)++, &c, STATUS_SUCCESS);
	init_qai(&c, DXGKQAITYPE_GPUMMUCAPS, 0, 0);
	call(w, (*seq)++, &c, STATUS_SUCCESS);
	for (l = 0; l < 3; l++) {
		init_qai(&c, DXGKQAITYPE_PAGETABLELEVELDESC, 0, l);
		call(w, (*seq)++, &c, STATUS_SUCCESS);
	}
	init_qai(&c, DXGKQAITYPE_PHYSICALADAPTERCAPS, 1, 0);
	call(w, (*seq)++, &c, STATUS_SUCCESS);
}

static ddirr_trace_writer *open_writer(const char *path, size_t chunk_records)
{
	ddirr_trace_writer_options o = DDIRR_TRACE_WRITER_OPTIONS_INIT;
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	ddirr_trace_writer *w = NULL;

	o.chunk_records = (uint32_t)chunk_records;
	assert_int_equal(ddirr_trace_writer_open(&w, path, &info, &o), 0);
	return w;
}

/* Writes a whole trace of the adapter (second segment of second_size
 * bytes) to a new file named after stem; returns the records written. */
static uint64_t write_adapter_trace(char *path, size_t n, const char *stem, uint64_t second_size)
{
	ddirr_trace_writer *w;
	uint64_t seq = 1;

	init_segments(second_size);
	test_temp_path(path, n, stem);
	w = open_writer(path, 0);
	write_adapter(w, &seq);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
	return 2 * (seq - 1);
}

/* Reads path to its end; returns its caps, unpacked (free with
 * ddirr__adapter_caps__free_unpacked), or NULL; and the record count. */
static Ddirr__AdapterCaps *read_caps(const char *path, uint64_t *records, int *kind,
				     size_t *problems)
{
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	const ddirr_trace_info *info;
	const ddirr_trace_verdict *v;
	Ddirr__AdapterCaps *caps = NULL;
	uint64_t n = 0;
	int rc;

	assert_int_equal(ddirr_trace_open(&t, path), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1)
		n++;
	assert_int_equal(rc, 0);
	info = ddirr_trace_get_info(t);
	if (info->adapter_caps_pb)
		caps = ddirr__adapter_caps__unpack(NULL, info->adapter_caps_len, info->adapter_caps_pb);
	v = ddirr_trace_get_verdict(t);
	assert_non_null(v);
	if (kind)
		*kind = v->kind;
	if (problems)
		*problems = v->n_problems;
	if (records)
		*records = n;
	ddirr_trace_free(t);
	return caps;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void caps_come_back_from_what_the_driver_answered(void **state)
{
	char path[512];
	Ddirr__AdapterCaps *caps;
	DXGK_SEGMENTDESCRIPTOR4 d;
	uint64_t written, records;
	(void)state;

	written = write_adapter_trace(path, sizeof(path), "caps-basic", 256u << 20);
	caps = read_caps(path, &records, NULL, NULL);
	assert_int_equal(records, written);
	assert_non_null(caps);
	assert_int_equal(caps->dxgkrnl_interface_version, 0x8001); /* from StartDevice */
	assert_int_equal(caps->physical_adapter_count, 2); /* the PHYSICALADAPTERCAPS query of adapter 1 */
	assert_int_equal(caps->segment_descriptor_stride, sizeof(DXGK_SEGMENTDESCRIPTOR4));
	assert_int_equal(caps->n_segments, 2);
	assert_int_equal(caps->n_segment_descriptor_raw, 2);
	assert_int_equal(caps->segment_descriptor_raw[1].len, sizeof(d));
	memcpy(&d, caps->segment_descriptor_raw[1].data, sizeof(d));
	assert_memory_equal(&d, &g_segs[1], sizeof(d));
	assert_int_equal(caps->segments[0]->size, 64u << 20);
	assert_int_equal(caps->segments[1]->size, 256u << 20);
	assert_non_null(caps->gpu_mmu_caps);
	assert_int_equal(caps->gpu_mmu_caps->virtualaddressbitcount, 39);
	assert_int_equal(caps->gpu_mmu_caps->pagetablelevelcount, 3);
	assert_int_equal(caps->n_page_table_levels, 3);
	assert_int_equal(caps->page_table_levels[2]->pagetableindexbitcount, 11);
	assert_int_equal(caps->page_table_levels[2]->pagetablesizeinbytes, 16384);
	ddirr__adapter_caps__free_unpacked(caps, NULL);
	unlink(path);
}

static void failed_and_unrelated_queries_teach_nothing(void **state)
{
	char path[512];
	ddirr_trace_writer *w;
	qai c;
	uint64_t seq = 1;
	(void)state;

	init_segments(1u << 20);
	test_temp_path(path, sizeof(path), "caps-none");
	w = open_writer(path, 0);
	init_qai(&c, DXGKQAITYPE_QUERYSEGMENT4, 0, 0);
	call(w, seq++, &c, (NTSTATUS)0xC0000023); /* STATUS_BUFFER_TOO_SMALL */
	init_qai(&c, DXGKQAITYPE_GPUMMUCAPS, 0, 0);
	call(w, seq++, &c, (NTSTATUS)0xC0000001);
	init_qai(&c, DXGKQAITYPE_DRIVERCAPS, 0, 0);
	call(w, seq++, &c, STATUS_SUCCESS);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
	assert_null(read_caps(path, NULL, NULL, NULL));
	unlink(path);
}

static void an_exit_is_paired_with_its_own_entry(void **state)
{
	char path[512];
	ddirr_trace_writer *w;
	Ddirr__AdapterCaps *caps;
	ddirr_event ev = {0};
	qai l2, l0;
	(void)state;

	/* Two level queries in flight at once (two threads): the exits come
	   in the other order, and each answer must land at its own level. */
	test_temp_path(path, sizeof(path), "caps-pairs");
	w = open_writer(path, 0);
	init_qai(&l2, DXGKQAITYPE_PAGETABLELEVELDESC, 0, 2);
	init_qai(&l0, DXGKQAITYPE_PAGETABLELEVELDESC, 0, 0);
	ev.ddi = DDIRR_DDI_QueryAdapterInfo;
	ev.phase = DDIRR_PHASE_ENTRY;
	ev.seq = 7;
	ev.frame = &l2.f;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0);
	ev.seq = 8;
	ev.frame = &l0.f;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0);
	ev.phase = DDIRR_PHASE_EXIT;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0); /* 8: level 0 */
	ev.seq = 7;
	ev.frame = &l2.f;
	assert_int_equal(ddirr_trace_writer_append(w, &ev), 0); /* 7: level 2 */
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);

	caps = read_caps(path, NULL, NULL, NULL);
	assert_non_null(caps);
	assert_int_equal(caps->n_page_table_levels, 3);
	assert_int_equal(caps->page_table_levels[0]->pagetableindexbitcount, 9);
	assert_int_equal(caps->page_table_levels[1]->pagetableindexbitcount, 0); /* never answered */
	assert_int_equal(caps->page_table_levels[2]->pagetableindexbitcount, 11);
	ddirr__adapter_caps__free_unpacked(caps, NULL);
	unlink(path);
}

/* The CAPS frame follows the chunk with the records: a file cut there (a
 * crash before close) keeps them. */
static void caps_survive_a_crash_after_their_chunk(void **state)
{
	char path[512];
	ddirr_trace_writer *w;
	Ddirr__AdapterCaps *caps;
	int kind;
	uint8_t *bytes;
	size_t len;
	uint64_t seq = 1;
	(void)state;

	init_segments(1u << 20);
	test_temp_path(path, sizeof(path), "caps-crash");
	w = open_writer(path, 0);
	write_adapter(w, &seq);
	assert_int_equal(ddirr_trace_writer_flush(w), 0);
	/* Stop here as a killed process would: no close, no trailer. */
	bytes = test_slurp(path, &len);
	ddirr_trace_writer_free(w);
	test_put_file(path, bytes, len);
	free(bytes);

	caps = read_caps(path, NULL, &kind, NULL);
	assert_int_not_equal(kind, DDIRR_VERDICT_COMPLETE);
	assert_non_null(caps);
	assert_int_equal(caps->n_segments, 2);
	ddirr__adapter_caps__free_unpacked(caps, NULL);
	unlink(path);
}

/* Caps that change (a driver answers again, differently) are written
 * again; the reader returns the latest. Caps noted without an append (a
 * flight recorder's evicted records) are written too. */
static void the_latest_caps_win_and_noted_records_count(void **state)
{
	char path[512];
	ddirr_trace_writer *w;
	Ddirr__AdapterCaps *caps;
	ddirr_event ev = {0};
	qai c;
	uint64_t seq = 1, records;
	(void)state;

	test_temp_path(path, sizeof(path), "caps-latest");
	w = open_writer(path, 4);
	init_segments(1u << 20);
	write_adapter(w, &seq);
	assert_int_equal(ddirr_trace_writer_flush(w), 0);
	init_segments(8u << 20);
	init_qai(&c, DXGKQAITYPE_QUERYSEGMENT4, 0, 0);
	ev.ddi = DDIRR_DDI_QueryAdapterInfo;
	ev.seq = 100;
	ev.frame = &c.f;
	ev.phase = DDIRR_PHASE_ENTRY;
	assert_int_equal(ddirr_trace_writer_note(w, &ev), 0);
	c.f.ReturnValue = STATUS_SUCCESS;
	ev.phase = DDIRR_PHASE_EXIT;
	assert_int_equal(ddirr_trace_writer_note(w, &ev), 0);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);

	caps = read_caps(path, &records, NULL, NULL);
	assert_int_equal(records, 2 * (seq - 1)); /* noted records are not appended */
	assert_non_null(caps);
	assert_int_equal(caps->segments[1]->size, 8u << 20);
	assert_int_equal(caps->n_page_table_levels, 3); /* the rest is kept */
	ddirr__adapter_caps__free_unpacked(caps, NULL);
	unlink(path);
}

/* Finds the CAPS frame of a file: its offset, or 0. */
static size_t find_caps(const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 12 <= len; i++)
		if (ddirr_le32_get(b + i) == DDIRR_SKIPPABLE_MAGIC && !memcmp(b + i + 8, DDIRR_TAG_CAPS, 4))
			return i;
	return 0;
}

static void a_damaged_caps_frame_is_a_problem_not_a_loss(void **state)
{
	char path[512];
	int kind;
	uint8_t *bytes;
	size_t len, at, problems;
	uint64_t written, records;
	(void)state;

	written = write_adapter_trace(path, sizeof(path), "caps-damaged", 1u << 20);
	bytes = test_slurp(path, &len);
	at = find_caps(bytes, len);
	assert_int_not_equal(at, 0);
	memset(bytes + at + 12, 0xff, 8); /* the message no longer parses */
	test_put_file(path, bytes, len);
	free(bytes);

	assert_null(read_caps(path, &records, &kind, &problems));
	assert_int_equal(records, written);
	assert_int_equal(problems, 1);
	assert_int_equal(kind, DDIRR_VERDICT_COMPLETE); /* every record is there: the verdict says so, the problem is listed */
	unlink(path);
}

static void the_printer_shows_what_the_driver_said(void **state)
{
	char path[512], out_path[512];
	ddirr_trace *t = NULL;
	const ddirr_event *ev;
	const ddirr_trace_info *info;
	FILE *out;
	char *text;
	size_t len;
	(void)state;

	write_adapter_trace(path, sizeof(path), "caps-print", 1u << 20);
	test_temp_path(out_path, sizeof(out_path), "caps-print-out");
	assert_int_equal(ddirr_trace_open(&t, path), 0);
	while (ddirr_trace_next(t, &ev) == 1)
		;
	info = ddirr_trace_get_info(t);
	out = fopen(out_path, "w");
	assert_non_null(out);
	assert_int_equal(ddirr_dump_adapter_caps(out, info->adapter_caps_pb, info->adapter_caps_len, "  ", 0), 0);
	fputs("\n--\n", out);
	assert_int_equal(
		ddirr_dump_adapter_caps(out, info->adapter_caps_pb, info->adapter_caps_len, NULL, DDIRR_DUMP_JSON), 0);
	fputs("\n--\n", out);
	assert_int_equal(ddirr_dump_adapter_caps(out, NULL, 0, NULL, DDIRR_DUMP_JSON), 0);
	assert_int_equal(ddirr_dump_adapter_caps(out, "\xff\xff\xff", 3, NULL, 0), DDIRR_ECORRUPT);
	fclose(out);
	ddirr_trace_free(t);

	text = (char *)test_slurp(out_path, &len);
	text[len] = 0;
	assert_non_null(strstr(text, "2 physical adapter(s), 2 segment(s)"));
	assert_non_null(strstr(text, "DXGKRNL_INTERFACE.Version 0x8001\n"));
	assert_non_null(strstr(text, "  segment 1 {Flags=0x2004 {CpuVisible|SupportsCpuHostAperture}"));
	assert_non_null(strstr(text, "CpuHostAperture={PhysicalAddress=0xd0000000 SizeInPages=512}"));
	assert_non_null(strstr(text, "  segment 2 {Flags=0x1 {Aperture}"));
	assert_non_null(strstr(text, "VirtualAddressBitCount=39"));
	assert_non_null(strstr(text, "  level 2   {PageTableIndexBitCount=11"));
	assert_non_null(strstr(text, "{\"dxgkrnl_interface_version\":32769,\"physical_adapter_count\":2,\"segment_descriptor_stride\":"));
	assert_non_null(strstr(text, "\"page_table_levels\":[{\"PageTableIndexBitCount\":9"));
	assert_non_null(strstr(text, "\n--\nnull"));
	free(text);
	unlink(path);
	unlink(out_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(caps_come_back_from_what_the_driver_answered),
		cmocka_unit_test(failed_and_unrelated_queries_teach_nothing),
		cmocka_unit_test(an_exit_is_paired_with_its_own_entry),
		cmocka_unit_test(caps_survive_a_crash_after_their_chunk),
		cmocka_unit_test(the_latest_caps_win_and_noted_records_count),
		cmocka_unit_test(a_damaged_caps_frame_is_a_problem_not_a_loss),
		cmocka_unit_test(the_printer_shows_what_the_driver_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
