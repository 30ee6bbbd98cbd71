/* Tests for schema/event_codec.c: every DDI's arguments survive
 * frame -> protobuf -> bytes -> protobuf -> frame, in both phases, with
 * extreme values; and hostile messages are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "event_codec.h"
#include "frame_fill.h"

/* The writer packs an event through ddirr_event_pack_descriptor(): its bytes
 * must be those Event's own descriptor gives less the ddi field, unpack to
 * the same event once ddirr_event_pb_ddi() gives the ddi back (packed again
 * the usual way, the very bytes Event's descriptor gives), and end with the
 * record's time; it must find the fields it kept by name, and none by
 * number. It keeps seq and time_ns only for a record that has one of them
 * (the first of a chunk), and parent_seq only for a record that has one:
 * each of the four, with the same args. */
static void check_pack_variant(Ddirr__Event *pb, ddirr_arena *scratch)
{
	const ProtobufCMessageDescriptor *trim = ddirr_event_pack_descriptor(pb);
	size_t len = protobuf_c_message_get_packed_size(&pb->base);
	uint8_t *buf = ddirr_arena_alloc(scratch, len ? len : 1);
	uint8_t *again = ddirr_arena_alloc(scratch, len ? len : 1);
	uint8_t *canon = ddirr_arena_alloc(scratch, len ? len : 1);
	uint8_t time[32];
	Ddirr__Event only_time = DDIRR__EVENT__INIT;
	Ddirr__Event *back;
	size_t time_len, len_trim;
	ddirr_event dec;
	unsigned i;

	assert_non_null(buf);
	assert_non_null(again);
	assert_non_null(canon);
	assert_int_equal(protobuf_c_message_pack(&pb->base, buf), len);
	assert_ptr_not_equal(trim, &ddirr__event__descriptor);
	assert_true(trim->n_fields < ddirr__event__descriptor.n_fields);
	pb->base.descriptor = trim;
	len_trim = protobuf_c_message_get_packed_size(&pb->base);
	assert_int_equal(len_trim, len - 2); /* the key and the value of ddi */
	assert_int_equal(protobuf_c_message_pack(&pb->base, again), len_trim);
	pb->base.descriptor = &ddirr__event__descriptor;

	/* No ddi on the wire (format 3): the args member gives it. */
	back = ddirr__event__unpack(NULL, len_trim, again);
	assert_non_null(back);
	assert_int_equal(back->ddi, DDIRR__DDI_ID__DDI_NONE);
	assert_int_equal(ddirr_event_pb_ddi(back), pb->ddi);
	assert_int_equal(back->seq, pb->seq);
	assert_int_equal(back->parent_seq, pb->parent_seq);
	assert_true(back->time_ns == pb->time_ns);
	assert_int_equal(back->seq_delta, pb->seq_delta);
	assert_int_equal(back->time_delta_ns, pb->time_delta_ns);
	assert_int_equal(ddirr_event_from_pb(&dec, back, scratch, "test"), 0);
	assert_int_equal(dec.ddi, pb->ddi);
	back->ddi = (Ddirr__DdiId)ddirr_event_pb_ddi(back);
	assert_int_equal(protobuf_c_message_pack(&back->base, canon), len);
	ddirr__event__free_unpacked(back, NULL);
	assert_memory_equal(canon, buf, len);

	only_time.time_ns = pb->time_ns;
	only_time.time_delta_ns = pb->time_delta_ns;
	time_len = protobuf_c_message_pack(&only_time.base, time);
	assert_true(time_len <= len_trim);
	assert_memory_equal(again + len_trim - time_len, time, time_len);

	for (i = 0; i < ddirr__event__descriptor.n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &ddirr__event__descriptor.fields[i];
		const ProtobufCFieldDescriptor *t = protobuf_c_message_descriptor_get_field_by_name(trim, f->name);
		int absolute = pb->seq || pb->time_ns;
		int kept = strcmp(f->name, "ddi") &&
			   (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->id == DDIRR_EVENT_ARGS_BASE + pb->ddi) &&
			   (absolute || (strcmp(f->name, "seq") && strcmp(f->name, "time_ns"))) &&
			   (pb->parent_seq || strcmp(f->name, "parent_seq")) &&
			   (pb->phase == DDIRR__PHASE__CALL || strcmp(f->name, "exit_time_delta_ns"));

		assert_null(protobuf_c_message_descriptor_get_field(trim, f->id));
		if (kept) {
			assert_non_null(t);
			assert_int_equal(t->id, f->id);
		} else {
			assert_null(t);
		}
	}
}

static void check_pack_descriptor(Ddirr__Event *pb, ddirr_arena *scratch)
{
	Ddirr__Event v = *pb;
	unsigned variant;

	for (variant = 0; variant < 4; variant++) {
		v.seq = variant & 1 ? pb->seq : 0;
		v.time_ns = variant & 1 ? pb->time_ns : 0;
		v.seq_delta = variant & 1 ? 0 : 1;
		v.time_delta_ns = variant & 1 ? 0 : -12345;
		v.parent_seq = variant & 2 ? pb->parent_seq : 0;
		check_pack_variant(&v, scratch);
	}
}

/* Encodes ev, packs it, unpacks it and decodes it into *out (frame memory from
 * `into`). Returns the decoder's result. Encoded as the trace writer does
 * (the messages under args with their pack descriptors), and the bytes are
 * those of the plain encoding. */
static int round_trip(const ddirr_event *ev, ddirr_event *out, ddirr_arena *into)
{
	ddirr_arena scratch = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT, plain = DDIRR__EVENT__INIT;
	Ddirr__Event *back;
	uint8_t *buf, *plain_buf;
	size_t len, bound;
	int rc;

	assert_int_equal(ddirr_event_to_pb_bound(&pb, ev, &scratch, &bound), 0);
	assert_int_equal(ddirr_event_to_pb(&plain, ev, &scratch), 0);
	len = protobuf_c_message_get_packed_size(&pb.base);
	assert_true(len <= bound);
	assert_int_equal(protobuf_c_message_get_packed_size(&plain.base), len);
	plain_buf = ddirr_arena_alloc(&scratch, len ? len : 1);
	assert_non_null(plain_buf);
	assert_int_equal(protobuf_c_message_pack(&plain.base, plain_buf), len);
	buf = ddirr_arena_alloc(&scratch, len ? len : 1);
	assert_non_null(buf);
	assert_int_equal(protobuf_c_message_pack(&pb.base, buf), len);
	assert_memory_equal(buf, plain_buf, len);
	check_pack_descriptor(&pb, &scratch);
	back = ddirr__event__unpack(NULL, len, buf);
	assert_non_null(back);
	rc = ddirr_event_from_pb(out, back, into, "test");
	ddirr__event__free_unpacked(back, NULL);
	ddirr_arena_release(&scratch);
	return rc;
}

/* A record without its args member has only `ddi` to say which call it
 * is: it packs through Event's own descriptor, which writes it. So does one
 * whose ddi and args member disagree (the reader then refuses it). */
static void codec__record_without_args_packs_its_ddi(void **state)
{
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	Ddirr__MapCpuHostApertureCall call = DDIRR__MAP_CPU_HOST_APERTURE_CALL__INIT;
	uint8_t buf[64];
	Ddirr__Event *back;
	size_t len;

	(void)state;
	pb.seq = 5;
	pb.phase = DDIRR__PHASE__ENTRY;
	pb.ddi = DDIRR__DDI_ID__DDI_UnmapCpuHostAperture;
	assert_ptr_equal(ddirr_event_pack_descriptor(&pb), &ddirr__event__descriptor);
	len = protobuf_c_message_pack(&pb.base, buf);
	back = ddirr__event__unpack(NULL, len, buf);
	assert_non_null(back);
	assert_int_equal(ddirr_event_pb_ddi(back), DDIRR__DDI_ID__DDI_UnmapCpuHostAperture);
	ddirr__event__free_unpacked(back, NULL);

	pb.args_case = DDIRR__EVENT__ARGS_MAP_CPU_HOST_APERTURE;
	pb.mapcpuhostaperture = &call;
	assert_ptr_equal(ddirr_event_pack_descriptor(&pb), &ddirr__event__descriptor);
	pb.ddi = DDIRR__DDI_ID__DDI_MapCpuHostAperture;
	assert_ptr_not_equal(ddirr_event_pack_descriptor(&pb), &ddirr__event__descriptor);
	pb.ddi = DDIRR__DDI_ID__DDI_NONE;
	assert_int_equal(ddirr_event_pb_ddi(&pb), DDIRR__DDI_ID__DDI_MapCpuHostAperture);
	assert_ptr_not_equal(ddirr_event_pack_descriptor(&pb), &ddirr__event__descriptor);
}

static void check_ddi(uint32_t id, const fill_opts *o)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	ddirr_arena a = DDIRR_ARENA_INIT, b = DDIRR_ARENA_INIT;
	uint32_t phase;

	for (phase = DDIRR_PHASE_ENTRY; phase <= DDIRR_PHASE_EXIT; phase++) {
		ddirr_event ev = {.seq = 7, .parent_seq = 3, .time_ns = UINT64_MAX, .thread = 2, .ddi = id, .phase = phase};
		ddirr_event out;
		char where[512];

		ev.frame = frame_fill(id, o, &a);
		if (round_trip(&ev, &out, &b) != 0)
			fail_msg("%s phase %u mode %d len %zu variant %u: %s", d->name, phase, o->mode, o->len, o->variant,
				 ddirr_error_last());
		assert_int_equal(out.seq, 7);
		assert_int_equal(out.parent_seq, 3);
		assert_true(out.time_ns == UINT64_MAX);
		assert_int_equal(out.thread, 2);
		assert_int_equal(out.ddi, id);
		assert_int_equal(out.phase, phase);
		assert_non_null(out.frame);
		if (struct_compare(d->frame, ev.frame, out.frame, phase, where, sizeof(where)))
			fail_msg("%s phase %u mode %d len %zu variant %u: %s", d->name, phase, o->mode, o->len, o->variant,
				 where);
		ddirr_arena_reset(&a);
		ddirr_arena_reset(&b);
	}
	ddirr_arena_release(&a);
	ddirr_arena_release(&b);
}

static void for_every_ddi(const fill_opts *base, unsigned variants)
{
	frame_fill_every_ddi(base, variants, check_ddi);
}

static void codec__every_ddi_round_trips_with_zero_values_and_empty_arrays(void **state)
{
	fill_opts o = {.mode = FILL_ZERO};

	(void)state;
	for_every_ddi(&o, 32);
}

static void codec__every_ddi_round_trips_with_maximum_values(void **state)
{
	fill_opts o = {.mode = FILL_MAX, .len = 3, .blob_len = 5};

	(void)state;
	/* 32 variants visit every alternative of every union (BuildPagingBuffer
	 * has 18 of them, plus the raw fallback). */
	for_every_ddi(&o, 32);
}

static void codec__every_ddi_round_trips_with_random_values(void **state)
{
	fill_opts o = {.mode = FILL_RANDOM, .len = 7, .blob_len = 33};

	(void)state;
	for_every_ddi(&o, 32);
}

static void codec__every_ddi_round_trips_with_65536_element_arrays(void **state)
{
	fill_opts o = {.mode = FILL_RANDOM, .len = 65536, .blob_len = 2};

	(void)state;
	for_every_ddi(&o, 2);
}

/* A 64K-page map is recorded whole: every slot and page comes back. */
static void codec__map_of_65536_pages_keeps_every_page(void **state)
{
	static UINT32 slots[65536];
	static UINT64 pages[65536];
	DXGKARG_MAPCPUHOSTAPERTURE args = {.hAllocation = (HANDLE)0x1234, .SegmentId = 1, .NumberOfPages = 65536,
					   .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.hAdapter = (HANDLE)0x10, .pArgs = &args};
	ddirr_event ev = {.seq = 1, .ddi = DDIRR_DDI_MapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &frame};
	ddirr_arena a = DDIRR_ARENA_INIT;
	ddirr_event out;
	const ddirr_frame_MapCpuHostAperture *back;
	size_t i;

	(void)state;
	for (i = 0; i < 65536; i++) {
		slots[i] = (UINT32)(65535 - i);
		pages[i] = 0x100000000ull + i * 3;
	}
	assert_int_equal(round_trip(&ev, &out, &a), 0);
	back = out.frame;
	assert_int_equal(back->pArgs->NumberOfPages, 65536);
	assert_memory_equal(back->pArgs->pCpuHostAperturePages, slots, sizeof(slots));
	assert_memory_equal(back->pArgs->pMemorySegmentPages, pages, sizeof(pages));
	ddirr_arena_release(&a);
}

/* Only the fields of the record's phase travel: an exit record of
 * CreateContext carries the driver's context handle, not dxgkrnl's. */
static void codec__exit_record_carries_out_fields_only(void **state)
{
	DXGKARG_CREATECONTEXT cc = {.hContext = (HANDLE)0xD1, .NodeOrdinal = 5};
	ddirr_frame_CreateContext frame = {.hDevice = (HANDLE)0x77, .pCreateContext = &cc, .ReturnValue = 0};
	ddirr_event ev = {.seq = 4, .ddi = DDIRR_DDI_CreateContext, .phase = DDIRR_PHASE_EXIT, .frame = &frame};
	ddirr_arena a = DDIRR_ARENA_INIT;
	ddirr_event out;
	const ddirr_frame_CreateContext *back;

	(void)state;
	cc.ContextInfo.DmaBufferSize = 4096;
	assert_int_equal(round_trip(&ev, &out, &a), 0);
	back = out.frame;
	assert_null(back->hDevice); /* an input: not on the exit record */
	assert_ptr_equal(back->pCreateContext->hContext, (HANDLE)0xD1);
	assert_int_equal(back->pCreateContext->NodeOrdinal, 0);
	assert_int_equal(back->pCreateContext->ContextInfo.DmaBufferSize, 4096);
	ddirr_arena_release(&a);
}

/* Operations the description does not decode keep the union's raw bytes. */
static void codec__unknown_paging_operation_keeps_raw_union(void **state)
{
	DXGKARG_BUILDPAGINGBUFFER bpb;
	ddirr_frame_BuildPagingBuffer frame = {.hAdapter = (HANDLE)1, .pBuildPagingBuffer = &bpb};
	ddirr_event ev = {.seq = 9, .ddi = DDIRR_DDI_BuildPagingBuffer, .phase = DDIRR_PHASE_ENTRY, .frame = &frame};
	ddirr_arena a = DDIRR_ARENA_INIT;
	ddirr_event out;
	const ddirr_frame_BuildPagingBuffer *back;
	size_t i;

	(void)state;
	memset(&bpb, 0, sizeof(bpb));
	bpb.Operation = (DXGK_BUILDPAGINGBUFFER_OPERATION)22;
	for (i = 0; i < sizeof(bpb.Reserved.Reserved) / sizeof(UINT); i++)
		bpb.Reserved.Reserved[i] = (UINT)(i * 0x01010101u);
	assert_int_equal(round_trip(&ev, &out, &a), 0);
	back = out.frame;
	assert_int_equal(back->pBuildPagingBuffer->Operation, 22);
	assert_memory_equal(&back->pBuildPagingBuffer->Reserved, &bpb.Reserved, sizeof(bpb.Reserved));
	ddirr_arena_release(&a);
}

/* Hostile input: an array whose length disagrees with its count field. */
static void codec__array_length_disagreeing_with_count_is_corrupt(void **state)
{
	UINT32 slots[4] = {1, 2, 3, 4};
	UINT64 pages[4] = {5, 6, 7, 8};
	DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = 4, .pCpuHostAperturePages = slots,
					   .pMemorySegmentPages = pages};
	ddirr_frame_MapCpuHostAperture frame = {.pArgs = &args};
	ddirr_event ev = {.seq = 11, .ddi = DDIRR_DDI_MapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &frame};
	ddirr_arena a = DDIRR_ARENA_INIT, s = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	ddirr_event out;

	(void)state;
	assert_int_equal(ddirr_event_to_pb(&pb, &ev, &s), 0);
	/* cut one array short, as a damaged or forged trace might */
	pb.mapcpuhostaperture->pargs->n_pmemorysegmentpages = 3;
	assert_int_equal(ddirr_event_from_pb(&out, &pb, &a, "forged.ddirr"), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "forged.ddirr"));
	assert_non_null(strstr(ddirr_error_last(), "seq 11"));
	assert_non_null(strstr(ddirr_error_last(), "pMemorySegmentPages"));
	ddirr_arena_release(&a);
	ddirr_arena_release(&s);
}

/* Hostile input: a record whose arguments belong to another DDI. */
static void codec__args_of_another_ddi_are_corrupt(void **state)
{
	DXGKARG_UNMAPCPUHOSTAPERTURE args = {.NumberOfPages = 0};
	ddirr_frame_UnmapCpuHostAperture frame = {.pArgs = &args};
	ddirr_event ev = {.seq = 12, .ddi = DDIRR_DDI_UnmapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &frame};
	ddirr_arena a = DDIRR_ARENA_INIT, s = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	ddirr_event out;

	(void)state;
	assert_int_equal(ddirr_event_to_pb(&pb, &ev, &s), 0);
	pb.ddi = DDIRR__DDI_ID__DDI_MapCpuHostAperture;
	assert_int_equal(ddirr_event_from_pb(&out, &pb, &a, "x"), DDIRR_ECORRUPT);
	pb.ddi = DDIRR__DDI_ID__DDI_UnmapCpuHostAperture;
	pb.phase = (Ddirr__Phase)7;
	assert_int_equal(ddirr_event_from_pb(&out, &pb, &a, "x"), DDIRR_ECORRUPT);
	ddirr_arena_release(&a);
	ddirr_arena_release(&s);
}

/* Hostile input: an absurd stride or element count is refused before any
 * allocation of that size. */
static void codec__absurd_counts_are_refused_before_allocation(void **state)
{
	DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = 1};
	UINT32 slot = 1;
	UINT64 page = 2;
	ddirr_frame_MapCpuHostAperture frame = {.pArgs = &args};
	ddirr_event ev = {.seq = 13, .ddi = DDIRR_DDI_MapCpuHostAperture, .phase = DDIRR_PHASE_ENTRY, .frame = &frame};
	ddirr_arena a = DDIRR_ARENA_INIT, s = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	ddirr_event out;

	(void)state;
	args.pCpuHostAperturePages = &slot;
	args.pMemorySegmentPages = &page;
	assert_int_equal(ddirr_event_to_pb(&pb, &ev, &s), 0);
	/* claims 2^40 elements; the data pointer is never read that far */
	pb.mapcpuhostaperture->pargs->n_pcpuhostaperturepages_delta = (size_t)1 << 40;
	pb.mapcpuhostaperture->pargs->numberofpages = (uint64_t)1 << 40;
	assert_int_equal(ddirr_event_from_pb(&out, &pb, &a, "big"), DDIRR_ELIMIT);
	assert_non_null(strstr(ddirr_error_last(), "big: seq 13: DXGKARG_MAPCPUHOSTAPERTURE.pCpuHostAperturePages: "
						     "1099511627776 elements exceed the limit of 16777216"));
	assert_true(a.used < 4096);
	ddirr_arena_release(&a);
	ddirr_arena_release(&s);
}

/* Private data kept as a digest only: the bytes stay out, the size stays
 * in, and the digest comes back bound to the same field. */
static void codec__digest_stands_for_private_data_not_kept(void **state)
{
	DXGKARG_CREATECONTEXT cc = {.PrivateDriverDataSize = 100, .pPrivateDriverData = NULL};
	ddirr_frame_CreateContext frame = {.hDevice = (HANDLE)0x77, .pCreateContext = &cc};
	ddirr_opaque_digest dg = {&cc.pPrivateDriverData, {0}};
	ddirr_event ev = {.seq = 5, .ddi = DDIRR_DDI_CreateContext, .phase = DDIRR_PHASE_ENTRY, .frame = &frame,
			  .digests = &dg, .n_digests = 1};
	ddirr_arena a = DDIRR_ARENA_INIT;
	const ddirr_frame_CreateContext *back;
	ddirr_event out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dg.sha256); i++)
		dg.sha256[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(round_trip(&ev, &out, &a), 0);
	back = out.frame;
	assert_int_equal(back->pCreateContext->PrivateDriverDataSize, 100);
	assert_null(back->pCreateContext->pPrivateDriverData);
	assert_int_equal(out.n_digests, 1);
	assert_ptr_equal(out.digests[0].slot, &back->pCreateContext->pPrivateDriverData);
	assert_memory_equal(out.digests[0].sha256, dg.sha256, sizeof(dg.sha256));
	ddirr_arena_release(&a);
}

/* Hostile input: a digest of the wrong length, or of data of size 0. */
static void codec__bad_digest_is_corrupt(void **state)
{
	DXGKARG_CREATECONTEXT cc = {.PrivateDriverDataSize = 100};
	ddirr_frame_CreateContext frame = {.hDevice = (HANDLE)0x77, .pCreateContext = &cc};
	ddirr_opaque_digest dg = {&cc.pPrivateDriverData, {1}};
	ddirr_event ev = {.seq = 6, .ddi = DDIRR_DDI_CreateContext, .phase = DDIRR_PHASE_ENTRY, .frame = &frame,
			  .digests = &dg, .n_digests = 1};
	ddirr_arena a = DDIRR_ARENA_INIT, s = DDIRR_ARENA_INIT;
	Ddirr__Event pb = DDIRR__EVENT__INIT;
	ddirr_event out;

	(void)state;
	assert_int_equal(ddirr_event_to_pb(&pb, &ev, &s), 0);
	pb.createcontext->pcreatecontext->pprivatedriverdata_sha256.len = 31;
	assert_int_equal(ddirr_event_from_pb(&out, &pb, &a, "d.ddirr"), DDIRR_ECORRUPT);
	assert_non_null(strstr(ddirr_error_last(), "pPrivateDriverData"));
	pb.createcontext->pcreatecontext->pprivatedriverdata_sha256.len = 32;
	pb.createcontext->pcreatecontext->privatedriverdatasize = 0;
	assert_int_equal(ddirr_event_from_pb(&out, &pb, &a, "d.ddirr"), DDIRR_ECORRUPT);
	ddirr_arena_release(&a);
	ddirr_arena_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec__record_without_args_packs_its_ddi),
		cmocka_unit_test(codec__every_ddi_round_trips_with_zero_values_and_empty_arrays),
		cmocka_unit_test(codec__every_ddi_round_trips_with_maximum_values),
		cmocka_unit_test(codec__every_ddi_round_trips_with_random_values),
		cmocka_unit_test(codec__every_ddi_round_trips_with_65536_element_arrays),
		cmocka_unit_test(codec__map_of_65536_pages_keeps_every_page),
		cmocka_unit_test(codec__exit_record_carries_out_fields_only),
		cmocka_unit_test(codec__unknown_paging_operation_keeps_raw_union),
		cmocka_unit_test(codec__array_length_disagreeing_with_count_is_corrupt),
		cmocka_unit_test(codec__args_of_another_ddi_are_corrupt),
		cmocka_unit_test(codec__absurd_counts_are_refused_before_allocation),
		cmocka_unit_test(codec__digest_stands_for_private_data_not_kept),
		cmocka_unit_test(codec__bad_digest_is_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
