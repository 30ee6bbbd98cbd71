/* Tests for replayer/: traces written with the writer API (kmd_script.c)
 * replayed against the model and against the test driver's variants
 * (kmd.c), for every verdict, every namespace, a divergence in every field
 * class (aperture slots, inputs only, through the probe; opaque data where
 * the trace kept the bytes) and none in a volatile field that differs,
 * callback divergences (a gpu_va in a callback's arguments among them),
 * truncation, lockstep and drivers that cannot be tested. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/replay.h"
#include "ddirr/trace.h"
#include "desc.h"
#include "kmd.h"
#include "test_files.h"

static char trace_path[4096];

/* Writes the scenario with options o and replays it to target (and
 * against, when not NULL). */
static ddirr_replay_result *replay(const kmd_script_options *o, const char *target, const char *against, int keep_going)
{
	ddirr_replay_options ro = DDIRR_REPLAY_OPTIONS_INIT;
	ddirr_replay_result *r = NULL;

	test_temp_path(trace_path, sizeof(trace_path), "replay.ddirr");
	assert_int_equal(kmd_script_write(trace_path, o), 0);
	ro.trace = trace_path;
	ro.target = target;
	ro.against = against;
	ro.keep_going = keep_going;
	assert_int_equal(ddirr_replay_run(&r, &ro), 0);
	return r;
}

static void print(const ddirr_replay_result *r)
{
	ddirr_replay_write_text(stderr, r);
}

static void expect_verdict(const ddirr_replay_result *r, int verdict)
{
	if (r->verdict != verdict) {
		print(r);
		fail_msg("verdict %s, expected %s", ddirr_replay_verdict_name(r->verdict), ddirr_replay_verdict_name(verdict));
	}
}

/* The first divergence of kind (violations aside, unless kind is one) is
 * at seq, and its field contains field. */
static const ddirr_replay_divergence *expect_first(const ddirr_replay_result *r, int kind, uint64_t seq,
						   const char *field)
{
	const ddirr_replay_divergence *d = NULL;
	size_t i;

	for (i = 0; i < r->n_divergences && !d; i++)
		if (kind == DDIRR_DIV_VIOLATION || r->divergences[i].kind != DDIRR_DIV_VIOLATION)
			d = &r->divergences[i];
	if (!d) {
		print(r);
		fail_msg("no divergence");
	}
	if (d->kind != kind || d->seq != seq || (field && !strstr(d->field, field))) {
		print(r);
		fail_msg("first divergence: %s at seq %llu field %s; expected %s at seq %llu field %s",
			 ddirr_divergence_kind_name(d->kind), (unsigned long long)d->seq, d->field,
			 ddirr_divergence_kind_name(kind), (unsigned long long)seq, field ? field : "*");
	}
	return d;
}

/* The verdict is divergence and the first divergence is of kind, at seq,
 * at exactly this field path, of this class, with these values. */
static void expect_divergence(const ddirr_replay_result *r, int kind, uint64_t seq, const char *field, int cls,
			      const char *expected, const char *actual)
{
	const ddirr_replay_divergence *d;

	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	d = expect_first(r, kind, seq, NULL);
	assert_string_equal(d->field, field);
	assert_int_equal(d->cls, cls);
	assert_string_equal(d->expected, expected);
	assert_string_equal(d->actual, actual);
}

#define DRIVER(v) "driver:" KMD_DIR "/libkmd_" v ".so"

/* ---- the model target: every verdict */

static void replay__model_passes_a_correct_trace(void **state)
{
	ddirr_replay_result *r = replay(NULL, "model", NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->calls, 17);
	assert_int_equal(r->callbacks, 4);
	assert_int_equal(r->last_seq, KMD_SEQ_LAST);
	assert_int_equal(ddirr_replay_exit_code(r, 0), 0);
	ddirr_replay_result_free(r);
}

static void replay__model_reports_a_double_map_as_violation(void **state)
{
	kmd_script_options o = {.double_map = 1};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_VIOLATION);
	d = expect_first(r, DDIRR_DIV_VIOLATION, KMD_SEQ_UNMAP1, "APERTURE_DOUBLE_MAP");
	/* the history names the allocation by its recorded handle */
	assert_non_null(strstr(d->history, "created by seq 10 CreateAllocation"));
	assert_int_equal(ddirr_replay_exit_code(r, 0), 1);
	ddirr_replay_result_free(r);
}

static void replay__model_status_divergence_names_seq_and_field(void **state)
{
	kmd_script_options o = {.status_at = KMD_SEQ_MAP2};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	d = expect_first(r, DDIRR_DIV_FIELD, KMD_SEQ_MAP2, "ReturnValue");
	assert_string_equal(d->expected, "0xc0000001");
	assert_string_equal(d->actual, "0x00000000");
	assert_int_equal(d->cls, DDIRR_CLASS_EXACT);
	/* stops at the first divergence */
	assert_int_equal(r->last_seq, KMD_SEQ_MAP2);
	ddirr_replay_result_free(r);
}

static void replay__truncated_trace_replays_up_to_the_last_whole_call(void **state)
{
	kmd_script_options o = {.stop_after = KMD_SEQ_MAP2};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_TRUNCATED);
	assert_int_equal(r->last_seq, KMD_SEQ_UNMAP1);
	assert_non_null(strstr(r->reason, "replayed up to seq 14"));
	assert_int_equal(ddirr_replay_exit_code(r, 0), 0);
	assert_int_equal(ddirr_replay_exit_code(r, 1), 1);
	ddirr_replay_result_free(r);
}

/* A damaged trace whose exit names another call than its entry (same seq):
 * the exit is left out, as if lost, and nothing is read through the entry's
 * frame with the exit's layout (before the fix, a QueryAdapterInfo exit
 * after a MapCpuHostAperture entry read past the map's args; ASan builds
 * stop there). The call then has no exit: the replay is truncated before
 * it. */
static void replay__exit_of_another_call_than_its_entry_is_left_out(void **state)
{
	UINT32 slot = 7;
	UINT64 page = 9;
	DXGKARG_MAPCPUHOSTAPERTURE map = {.hAllocation = (HANDLE)0x10, .SegmentId = 1, .NumberOfPages = 1,
					  .pCpuHostAperturePages = &slot, .pMemorySegmentPages = &page};
	ddirr_frame_MapCpuHostAperture entry = {.hAdapter = (HANDLE)0x1, .pArgs = &map};
	DXGKARG_QUERYADAPTERINFO qai = {.Type = DXGKQAITYPE_QUERYSEGMENT4};
	ddirr_frame_QueryAdapterInfo exit_frame = {.hAdapter = (HANDLE)0x1, .pQueryAdapterInfo = &qai};
	ddirr_event e1 = {.seq = 1, .time_ns = 10, .thread = 1, .ddi = DDIRR_DDI_MapCpuHostAperture,
			  .phase = DDIRR_PHASE_ENTRY, .frame = &entry};
	ddirr_event e2 = {.seq = 1, .time_ns = 20, .thread = 1, .ddi = DDIRR_DDI_QueryAdapterInfo,
			  .phase = DDIRR_PHASE_EXIT, .frame = &exit_frame};
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	ddirr_replay_options ro = DDIRR_REPLAY_OPTIONS_INIT;
	ddirr_replay_result *r = NULL;
	ddirr_trace_writer *w = NULL;

	(void)state;
	test_temp_path(trace_path, sizeof(trace_path), "mismatched-exit.ddirr");
	assert_int_equal(ddirr_trace_writer_open(&w, trace_path, &info, NULL), 0);
	assert_int_equal(ddirr_trace_writer_append(w, &e1), 0);
	assert_int_equal(ddirr_trace_writer_append(w, &e2), 0);
	assert_int_equal(ddirr_trace_writer_close(w), 0);
	ddirr_trace_writer_free(w);
	ro.trace = trace_path;
	ro.target = "model";
	assert_int_equal(ddirr_replay_run(&r, &ro), 0);
	expect_verdict(r, DDIRR_REPLAY_TRUNCATED);
	assert_int_equal(r->calls, 0);
	assert_int_equal(r->n_divergences, 0);
	ddirr_replay_result_free(r);
}

static void replay__unknown_handle_is_a_divergence(void **state)
{
	kmd_script_options o = {.stray_handle = 1};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	d = expect_first(r, DDIRR_DIV_UNKNOWN_HANDLE, KMD_SEQ_DESTROY_ALLOCATION, "pDestroyAllocation.pAllocationList[0]");
	assert_int_equal(d->ns, DDIRR_NS_ALLOCATION_KMD);
	ddirr_replay_result_free(r);
}

static void replay__destroyed_handle_still_maps_for_the_model_to_catch(void **state)
{
	kmd_script_options o = {.destroy_twice = 1};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_VIOLATION);
	/* seq 17 destroyed it: it left the live maps for the retired tail,
	   so the model gets its live value and names the use after destroy;
	   its history is gone */
	d = expect_first(r, DDIRR_DIV_VIOLATION, KMD_SEQ_DESTROY_DEVICE, NULL);
	assert_non_null(strstr(d->message, "was destroyed at seq 17"));
	assert_string_equal(d->history, "");
	ddirr_replay_result_free(r);
}

/* ---- a divergence in every field class the model answers */

static void replay__handle_class_divergence(void **state)
{
	kmd_script_options o = {.zero_handle_at = KMD_SEQ_CREATE_ALLOCATION};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	d = expect_first(r, DDIRR_DIV_FIELD, KMD_SEQ_CREATE_ALLOCATION, "pCreateAllocation.pAllocationInfo[0].hAllocation");
	assert_int_equal(d->cls, DDIRR_CLASS_HANDLE);
	assert_int_equal(d->ns, DDIRR_NS_ALLOCATION_KMD);
	ddirr_replay_result_free(r);
}

static void replay__gpu_va_class_divergence_in_a_callback(void **state)
{
	kmd_script_options o = {.zero_va = 1};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	d = expect_first(r, DDIRR_DIV_FIELD, KMD_SEQ_CREATE_CONTEXT + 2, "ReturnValue");
	assert_int_equal(d->cls, DDIRR_CLASS_GPU_VA);
	assert_int_equal(d->parent_seq, KMD_SEQ_CREATE_CONTEXT);
	ddirr_replay_result_free(r);
}

static void replay__count_class_divergence(void **state)
{
	kmd_script_options o = {.nb_segment = 3};
	ddirr_replay_result *r = replay(&o, "driver:" KMD_DIR "/libkmd_good.so", NULL, 0);

	(void)state;
	expect_divergence(r, DDIRR_DIV_FIELD, KMD_SEQ_QUERY_SEGMENTS, "pQueryAdapterInfo.QuerySegmentOut4.NbSegment",
			  DDIRR_CLASS_COUNT, "3", "2");
	ddirr_replay_result_free(r);
}

/* ---- a divergence in every other field class, through a driver */

static void replay__exact_class_divergence_in_an_out_field(void **state)
{
	kmd_script_options o = {.dma_buffer_size = 8192};
	ddirr_replay_result *r = replay(&o, DRIVER("good"), NULL, 0);

	(void)state;
	expect_divergence(r, DDIRR_DIV_FIELD, KMD_SEQ_CREATE_CONTEXT, "pCreateContext.ContextInfo.DmaBufferSize",
			  DDIRR_CLASS_EXACT, "8192", "4096");
	ddirr_replay_result_free(r);
}

/* No output field is an aperture slot: the slots a call names are inputs,
 * checked after the call by asking the driver's probe what each one maps,
 * against the shadow model. The probe reports the segment page it finds,
 * and tags every answer segment_page (probe.c). */
static void replay__aperture_slot_divergence_is_a_probe_divergence(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("wrong_slot"), NULL, 0);

	(void)state;
	/* DDIRR_PROBE_NOT_FOUND: the driver mapped slot 1 */
	expect_divergence(r, DDIRR_DIV_PROBE, KMD_SEQ_MAP1, "aperture segment 1 slot 0",
			  DDIRR_CLASS_APERTURE_SLOT, "segment page 0", "status 0xc0000225");
	ddirr_replay_result_free(r);
}

static void replay__opaque_class_divergence_when_the_trace_kept_the_bytes(void **state)
{
	kmd_script_options o = {.private_data = 1};
	ddirr_replay_result *r = replay(&o, DRIVER("wrong_private"), NULL, 0);

	(void)state;
	/* FNV-1a of "kmd private v1" and "kmd private v2", NUL-padded to 16 */
	expect_divergence(r, DDIRR_DIV_FIELD, KMD_SEQ_QUERY_PRIVATE, "pQueryAdapterInfo.pOutputData",
			  DDIRR_CLASS_OPAQUE, "16 bytes, hash 0c4db7a94c784901", "16 bytes, hash f25146a93dc04d00");
	ddirr_replay_result_free(r);
}

static void replay__opaque_bytes_kept_whole_match_the_same_driver(void **state)
{
	kmd_script_options o = {.private_data = 1};
	ddirr_replay_result *r = replay(&o, DRIVER("good"), NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->last_seq, KMD_SEQ_QUERY_PRIVATE);
	ddirr_replay_result_free(r);
}

static void replay__private_data_kept_as_size_gets_zeroed_room(void **state)
{
	kmd_script_options o = {.private_data = 1, .private_size_only = 1};
	ddirr_replay_result *r = replay(&o, DRIVER("wrong_private"), NULL, 0);

	(void)state;
	/* The driver is handed 16 zeroed bytes to fill, not NULL (it would
	   answer STATUS_BUFFER_TOO_SMALL); with no bytes recorded, any answer
	   matches. */
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->last_seq, KMD_SEQ_QUERY_PRIVATE);
	ddirr_replay_result_free(r);
}

static void replay__opaque_class_divergence_by_digest_in_tier_hashed(void **state)
{
	kmd_script_options o = {.private_data = 1, .private_hashed = 1};
	ddirr_replay_result *r = replay(&o, DRIVER("wrong_private"), NULL, 0);

	(void)state;
	/* first 8 bytes of the SHA-256 of "kmd private v1" and "... v2",
	   NUL-padded to 16 */
	expect_divergence(r, DDIRR_DIV_FIELD, KMD_SEQ_QUERY_PRIVATE, "pQueryAdapterInfo.pOutputData",
			  DDIRR_CLASS_OPAQUE, "16 bytes, sha256 " KMD_PRIVATE_SHA256_V1,
			  "16 bytes, sha256 " KMD_PRIVATE_SHA256_V2);
	ddirr_replay_result_free(r);
}

static void replay__opaque_digest_matches_the_same_driver(void **state)
{
	kmd_script_options o = {.private_data = 1, .private_hashed = 1};
	ddirr_replay_result *r = replay(&o, DRIVER("good"), NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->last_seq, KMD_SEQ_QUERY_PRIVATE);
	ddirr_replay_result_free(r);
}

/* The trace holds the capture's host pointer (KMD_CAPTURED_USAGE_HINT),
 * the driver returns the address of its own hint: every replay differs
 * there, and nothing may say so. */
static void replay__volatile_field_that_differs_does_not_diverge(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("good"), NULL, 1);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->n_divergences, 0);
	assert_int_equal(r->last_seq, KMD_SEQ_LAST);
	ddirr_replay_result_free(r);
}

/* A callback's arguments are what the driver passes to dxgkrnl: the
 * recorded ones, translated, against the live ones. The trace says the
 * driver asked for its context allocation at a VA inside its reservation;
 * kmd_good passes BaseAddress 0 (VidMm chooses). */
static void replay__gpu_va_class_divergence_in_a_callback_argument(void **state)
{
	kmd_script_options o = {.map_base_va = KMD_RESERVE_VA + 0x10000};
	ddirr_replay_result *r = replay(&o, DRIVER("good"), NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_divergence(r, DDIRR_DIV_CALLBACK, KMD_SEQ_CREATE_CONTEXT + 2, "pArgs.BaseAddress", DDIRR_CLASS_GPU_VA,
			  "0x100010000", "0x0");
	d = expect_first(r, DDIRR_DIV_CALLBACK, KMD_SEQ_CREATE_CONTEXT + 2, NULL);
	assert_int_equal(d->parent_seq, KMD_SEQ_CREATE_CONTEXT);
	assert_int_equal(d->ddi, DDIRR_DDI_MapContextAllocation);
	assert_non_null(strstr(d->message, "(callback argument)"));
	assert_int_equal(r->last_seq, KMD_SEQ_CREATE_CONTEXT);
	ddirr_replay_result_free(r);
}

/* ---- driver targets */

static void replay__correct_driver_passes_with_shadow_and_probe(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("good"), NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->calls, 17);
	assert_int_equal(r->callbacks, 4);
	assert_int_equal(r->violations, 0);
	ddirr_replay_result_free(r);
}

static void replay__remap_absorbs_another_handle_scheme(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("rebased"), NULL, 0);

	(void)state;
	/* adapter, process, device, context, allocation and the driver's
	   context-allocation handle all differ from the recording */
	expect_verdict(r, DDIRR_REPLAY_PASS);
	ddirr_replay_result_free(r);
}

static void replay__probe_catches_a_wrong_translation(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("wrong_translation"), NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	d = expect_first(r, DDIRR_DIV_PROBE, KMD_SEQ_MAP1, "aperture segment 1 slot 0");
	assert_int_equal(d->cls, DDIRR_CLASS_SEGMENT_PAGE);
	assert_string_equal(d->expected, "segment page 0");
	assert_string_equal(d->actual, "segment page 1");
	ddirr_replay_result_free(r);
}

static void replay__probe_catches_a_wrong_page_table_entry(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("wrong_pte"), NULL, 0);

	(void)state;
	/* the first PTE UpdatePageTable wrote: KMD_RESERVE_VA + 1 MiB -> page 0 */
	expect_divergence(r, DDIRR_DIV_PROBE, KMD_SEQ_UPDATE_PAGE_TABLE, "GPU VA 0x100100000",
			  DDIRR_CLASS_SEGMENT_PAGE, "segment 1 page 0x0", "segment 1 page 0x1");
	ddirr_replay_result_free(r);
}

static void replay__extra_callback_is_a_callback_divergence(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("extra_callback"), NULL, 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	d = expect_first(r, DDIRR_DIV_CALLBACK, KMD_SEQ_CREATE_CONTEXT, "(callback)");
	assert_int_equal(d->ddi, DDIRR_DDI_MapContextAllocation);
	assert_non_null(strstr(d->message, "no further callback"));
	ddirr_replay_result_free(r);
}

static void replay__wrong_status_stops_at_its_seq(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("wrong_status"), NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	expect_first(r, DDIRR_DIV_FIELD, KMD_SEQ_MAP2, "ReturnValue");
	assert_int_equal(r->last_seq, KMD_SEQ_MAP2);
	ddirr_replay_result_free(r);
}

static void replay__keep_going_lists_every_divergence(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("wrong_translation"), NULL, 1);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	assert_int_equal(r->last_seq, KMD_SEQ_LAST);
	assert_int_equal(r->n_divergences, 4); /* two slots in each of the two maps */
	ddirr_replay_result_free(r);
}

static void replay__driver_without_driver_entry_cannot_be_tested(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("no_entry"), NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_CANNOT_TEST);
	assert_non_null(strstr(r->reason, "DriverEntry"));
	assert_int_equal(ddirr_replay_exit_code(r, 0), 125);
	ddirr_replay_result_free(r);
}

static void replay__missing_driver_file_cannot_be_tested(void **state)
{
	ddirr_replay_result *r = replay(NULL, "driver:/nonexistent/kmd.so", NULL, 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_CANNOT_TEST);
	assert_int_equal(ddirr_replay_exit_code(r, 0), 125);
	ddirr_replay_result_free(r);
}

/* ---- lockstep */

static void replay__lockstep_identical_drivers_pass(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("good"), DRIVER("good"), 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	assert_int_equal(r->calls, 17);
	ddirr_replay_result_free(r);
}

static void replay__lockstep_handle_schemes_do_not_matter(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("good"), DRIVER("rebased"), 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	ddirr_replay_result_free(r);
}

static void replay__lockstep_different_drivers_stop_at_the_right_seq(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("good"), DRIVER("wrong_status"), 0);
	const ddirr_replay_divergence *d;

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_DIVERGENCE);
	d = expect_first(r, DDIRR_DIV_FIELD, KMD_SEQ_MAP2, "ReturnValue");
	assert_string_equal(d->target, "driver vs driver");
	assert_int_equal(r->last_seq, KMD_SEQ_MAP2);
	ddirr_replay_result_free(r);
}

static void replay__lockstep_driver_against_model(void **state)
{
	ddirr_replay_result *r = replay(NULL, DRIVER("good"), "model", 0);

	(void)state;
	expect_verdict(r, DDIRR_REPLAY_PASS);
	ddirr_replay_result_free(r);
}

/* ---- reports */

static void replay__junit_names_the_divergence(void **state)
{
	kmd_script_options o = {.status_at = KMD_SEQ_MAP2};
	ddirr_replay_result *r = replay(&o, "model", NULL, 0);
	char path[4096], buf[8192];
	FILE *f;
	size_t n;

	(void)state;
	test_temp_path(path, sizeof(path), "replay.junit.xml");
	assert_int_equal(ddirr_replay_write_junit(path, r, 0), 0);
	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	assert_non_null(strstr(buf, "failures=\"1\""));
	assert_non_null(strstr(buf, "<failure message=\"divergence at seq 15 MapCpuHostAperture: ReturnValue"));
	ddirr_replay_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay__model_passes_a_correct_trace),
		cmocka_unit_test(replay__model_reports_a_double_map_as_violation),
		cmocka_unit_test(replay__model_status_divergence_names_seq_and_field),
		cmocka_unit_test(replay__truncated_trace_replays_up_to_the_last_whole_call),
		cmocka_unit_test(replay__exit_of_another_call_than_its_entry_is_left_out),
		cmocka_unit_test(replay__unknown_handle_is_a_divergence),
		cmocka_unit_test(replay__destroyed_handle_still_maps_for_the_model_to_catch),
		cmocka_unit_test(replay__handle_class_divergence),
		cmocka_unit_test(replay__gpu_va_class_divergence_in_a_callback),
		cmocka_unit_test(replay__count_class_divergence),
		cmocka_unit_test(replay__exact_class_divergence_in_an_out_field),
		cmocka_unit_test(replay__aperture_slot_divergence_is_a_probe_divergence),
		cmocka_unit_test(replay__opaque_class_divergence_when_the_trace_kept_the_bytes),
		cmocka_unit_test(replay__opaque_bytes_kept_whole_match_the_same_driver),
		cmocka_unit_test(replay__private_data_kept_as_size_gets_zeroed_room),
		cmocka_unit_test(replay__opaque_class_divergence_by_digest_in_tier_hashed),
		cmocka_unit_test(replay__opaque_digest_matches_the_same_driver),
		cmocka_unit_test(replay__volatile_field_that_differs_does_not_diverge),
		cmocka_unit_test(replay__gpu_va_class_divergence_in_a_callback_argument),
		cmocka_unit_test(replay__correct_driver_passes_with_shadow_and_probe),
		cmocka_unit_test(replay__remap_absorbs_another_handle_scheme),
		cmocka_unit_test(replay__probe_catches_a_wrong_translation),
		cmocka_unit_test(replay__probe_catches_a_wrong_page_table_entry),
		cmocka_unit_test(replay__extra_callback_is_a_callback_divergence),
		cmocka_unit_test(replay__wrong_status_stops_at_its_seq),
		cmocka_unit_test(replay__keep_going_lists_every_divergence),
		cmocka_unit_test(replay__driver_without_driver_entry_cannot_be_tested),
		cmocka_unit_test(replay__missing_driver_file_cannot_be_tested),
		cmocka_unit_test(replay__lockstep_identical_drivers_pass),
		cmocka_unit_test(replay__lockstep_handle_schemes_do_not_matter),
		cmocka_unit_test(replay__lockstep_different_drivers_stop_at_the_right_seq),
		cmocka_unit_test(replay__lockstep_driver_against_model),
		cmocka_unit_test(replay__junit_names_the_divergence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
