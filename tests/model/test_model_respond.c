/* Tests for model/respond.c: the model answers calls the way a correct
 * driver and VidMm would, and its answers keep the state valid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/ddi.h"
#include "model_calls.h"

#define P(x) ((HANDLE)(uintptr_t)(x))

static void apply(calls *c, uint64_t seq, uint32_t ddi, uint32_t phase, const void *frame)
{
	ddirr_event ev = {.seq = seq, .parent_seq = ddirr_ddi_kind(ddi) == DDIRR_KIND_CB ? c->parent : 0,
			  .thread = 1, .ddi = ddi, .phase = phase, .frame = frame};

	assert_true(ddirr_model_apply(c->m, &ev) >= 0);
}

/* Entry, the model's answer, exit: as a replayer with the model as target. */
static void answered_call(calls *c, uint32_t ddi, const void *in, void *out)
{
	uint64_t seq = ++c->seq;
	ddirr_event entry = {.seq = seq, .parent_seq = ddirr_ddi_kind(ddi) == DDIRR_KIND_CB ? c->parent : 0,
			     .thread = 1, .ddi = ddi, .phase = DDIRR_PHASE_ENTRY, .frame = in};

	apply(c, seq, ddi, DDIRR_PHASE_ENTRY, in);
	assert_int_equal(ddirr_model_respond(c->m, &entry, out), 0);
	apply(c, seq, ddi, DDIRR_PHASE_EXIT, out);
}

/* A process with a device and a context holding context allocation 0x900
 * (driver handle 0xC01) of 64 KB, not mapped. */
static void context_setup(calls *c)
{
	calls_adapter(c);
	calls_create_process(c, 0x500, 0x600, 0x100000000ull, 2u << 20);
	calls_create_device(c, 0x700, 0x710, 0x600);
	calls_create_context(c, 0x710, 0x700, 0x800, 0x810, 0xC01, 0x900, 64u << 10, 0);
}

static uint64_t answered_map(calls *c, uint64_t base, uint64_t min, uint64_t max, uint64_t pages)
{
	DXGKARGCB_MAPCONTEXTALLOCATION a = {.BaseAddress = base, .MinimumAddress = min, .MaximumAddress = max,
					    .hAllocation = P(0x900), .SizeInPages = pages};
	ddirr_frame_MapContextAllocation in = {.hAdapter = P(c->dxgk_adapter), .pArgs = &a}, out = {0};

	answered_call(c, DDIRR_DDI_MapContextAllocation, &in, &out);
	return out.ReturnValue;
}

static void model__respond_picks_a_va_within_min_and_max(void **state)
{
	calls c;
	uint64_t va1, va2;

	(void)state;
	calls_init(&c, 0, 3);
	context_setup(&c);
	va1 = answered_map(&c, 0, 0x300000000ull, 0x400000000ull, 16);
	va2 = answered_map(&c, 0, 0x300000000ull, 0x400000000ull, 16);
	assert_true(va1 >= 0x300000000ull && va1 + 16 * 4096 <= 0x400000000ull);
	assert_true(va2 >= 0x300000000ull && va2 + 16 * 4096 <= 0x400000000ull);
	assert_int_equal(va1 % 4096, 0);
	assert_true(va2 >= va1 + 16 * 4096 || va2 + 16 * 4096 <= va1); /* no overlap */
	calls_expect_none(&c);
	calls_fini(&c);
}

static void model__respond_honors_base_and_refuses_a_taken_one(void **state)
{
	calls c;

	(void)state;
	calls_init(&c, 0, 3);
	context_setup(&c);
	assert_true(answered_map(&c, 0x500000000ull, 0, 0, 4) == 0x500000000ull);
	/* the same base again is taken: VidMm answers 0, and that is no
	   violation of the driver's */
	assert_true(answered_map(&c, 0x500000000ull, 0, 0, 4) == 0);
	/* a window too small for the size cannot be served either */
	assert_true(answered_map(&c, 0, 0x600000000ull, 0x600002000ull, 4) == 0);
	calls_expect_none(&c);
	calls_fini(&c);
}

static void model__respond_invents_distinct_handles_later_calls_can_use(void **state)
{
	calls c;
	DXGK_ALLOCATIONINFO ai[3], ai_out[3];
	DXGKARG_CREATEALLOCATION ca = {.NumAllocations = 3, .pAllocationInfo = ai},
				 ca_out = {.NumAllocations = 3, .pAllocationInfo = ai_out};
	ddirr_frame_CreateAllocation in = {.hAdapter = P(0xA000), .pCreateAllocation = &ca},
				     out = {.pCreateAllocation = &ca_out};
	uint64_t h[3];
	int i;

	(void)state;
	calls_init(&c, 0, 3);
	calls_adapter(&c);
	memset(ai, 0, sizeof(ai));
	memset(ai_out, 0, sizeof(ai_out));
	for (i = 0; i < 3; i++) {
		ai_out[i].Size = 1u << 20; /* driver policy, kept as recorded */
		ai_out[i].Alignment = 65536;
		ai_out[i].SupportedWriteSegmentSet = 1;
	}
	answered_call(&c, DDIRR_DDI_CreateAllocation, &in, &out);
	assert_int_equal(out.ReturnValue, 0);
	for (i = 0; i < 3; i++) {
		h[i] = (uint64_t)(uintptr_t)ai_out[i].hAllocation;
		assert_true(h[i] != 0);
		assert_int_equal(ai_out[i].Size, 1u << 20);
	}
	assert_true(h[0] != h[1] && h[1] != h[2] && h[0] != h[2]);
	calls_fill(&c, h[1], 1, 0, 1u << 20);
	calls_map_range(&c, h[1], 1, 0, 0, 16);
	calls_unmap_range(&c, 1, 0, 16);
	calls_destroy_allocation(&c, h[1]);
	calls_expect_none(&c);
	calls_fini(&c);
}

static void model__respond_answers_segment_queries_from_its_segments(void **state)
{
	static const ddirr_model_segment segs[2] = {
		{.flags = 0x2800, .size = 128u << 20, .page_size = 65536, .aperture_base = 0xC0000000u, .aperture_slots = 64},
		{.flags = 0x1, .size = 256u << 20, .page_size = 4096},
	};
	calls c;
	DXGK_SEGMENTDESCRIPTOR4 d[2];
	DXGK_QUERYSEGMENTIN4 qin = {0};
	DXGK_QUERYSEGMENTOUT4 qout = {.SegmentDescriptorStride = sizeof(d[0])};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &qin,
				      .InputDataSize = sizeof(qin), .pOutputData = &qout, .OutputDataSize = sizeof(qout)};
	ddirr_frame_QueryAdapterInfo f = {.hAdapter = P(0xA000), .pQueryAdapterInfo = &q};

	(void)state;
	calls_init(&c, 0, 3);
	assert_int_equal(ddirr_model_set_segments(c.m, segs, 2), 0);
	answered_call(&c, DDIRR_DDI_QueryAdapterInfo, &f, &f);
	assert_int_equal(qout.NbSegment, 2);
	memset(d, 0xAB, sizeof(d));
	qout.pSegmentDescriptor = (BYTE *)d;
	answered_call(&c, DDIRR_DDI_QueryAdapterInfo, &f, &f);
	assert_int_equal(d[0].Flags.Value, 0x2800);
	assert_int_equal(d[0].Size, 128u << 20);
	assert_int_equal(d[0].CpuHostAperture.SizeInPages, 64);
	assert_int_equal(d[1].Flags.Aperture, 1);
	assert_int_equal(d[1].Size, 256u << 20);
	calls_expect_none(&c);
	calls_fini(&c);
}

static void model__respond_reserves_va_inside_create_process(void **state)
{
	calls c;
	DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = P(0x501)}, cp_out = {0};
	ddirr_frame_CreateProcess in = {.hAdapter = P(0xA000), .pArgs = &cp}, out = {.pArgs = &cp_out};
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r = {.hDxgkProcess = P(0x501), .SizeInBytes = 4u << 20,
						      .Alignment = 2u << 20},
						r_out = {0};
	ddirr_frame_ReserveGpuVirtualAddressRange rin = {.hAdapter = P(0xD000), .pArgs = &r}, rout = {.pArgs = &r_out};
	uint64_t seq;
	ddirr_event entry;

	(void)state;
	calls_init(&c, 0, 3);
	calls_adapter(&c);
	seq = ++c.seq;
	apply(&c, seq, DDIRR_DDI_CreateProcess, DDIRR_PHASE_ENTRY, &in);
	c.parent = seq;
	answered_call(&c, DDIRR_DDI_ReserveGpuVirtualAddressRange, &rin, &rout);
	c.parent = 0;
	entry = (ddirr_event){.seq = seq, .thread = 1, .ddi = DDIRR_DDI_CreateProcess, .phase = DDIRR_PHASE_ENTRY,
			      .frame = &in};
	assert_int_equal(ddirr_model_respond(c.m, &entry, &out), 0);
	apply(&c, seq, DDIRR_DDI_CreateProcess, DDIRR_PHASE_EXIT, &out);
	assert_int_equal(rout.ReturnValue, 0);
	assert_true(r_out.StartVirtualAddress != 0);
	assert_int_equal(r_out.StartVirtualAddress % (2u << 20), 0);
	assert_true(cp_out.hKmdProcess != NULL);
	calls_expect_none(&c);
	calls_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model__respond_picks_a_va_within_min_and_max),
		cmocka_unit_test(model__respond_honors_base_and_refuses_a_taken_one),
		cmocka_unit_test(model__respond_invents_distinct_handles_later_calls_can_use),
		cmocka_unit_test(model__respond_answers_segment_queries_from_its_segments),
		cmocka_unit_test(model__respond_reserves_va_inside_create_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
