/* A real full disk (docs/reliability.md, "Write faults"): run by
 * test_enospc.sh inside a mount namespace with a small tmpfs at
 * DDIRR_TEST_TMP. Records incompressible calls until the tmpfs is full,
 * then goes on calling: every call must reach the driver with its
 * arguments intact and return the driver's result; the recorder stops and
 * says why on stderr in one line naming ENOSPC; the trace reads back whole
 * calls up to its last chunk, cut back to a frame boundary, and ends with
 * a trailer (not clean) whose stop reason names ENOSPC, the byte and the
 * seq. The script then asks `ddirr info` for its verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "ddirr/trace.h"
#include "fixture.h"

enum {
	PAGES = 4096, /* one call: about 48 KiB of incompressible arrays */
	MAX_CALLS = 2000 /* 96 MiB: far more than the tmpfs the script mounts */
};

static DRIVER_INITIALIZATION_DATA driver_table;
static ddirr_recorder *loading_recorder;
static char dir[4096], path[4200], err_path[4200];

static void on_initialize(DRIVER_INITIALIZATION_DATA *did)
{
	assert_int_equal(ddirr_recorder_wrap(loading_recorder, did), 0);
	driver_table = *did;
}

static int group_setup(void **state)
{
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	const char *d = getenv("DDIRR_TEST_TMP"), *out = getenv("DDIRR_TEST_OUT");

	(void)state;
	if (!d || !out) {
		fprintf(stderr, "test_enospc: run by test_enospc.sh: DDIRR_TEST_TMP on a small tmpfs, "
				"DDIRR_TEST_OUT on another file system\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", d);
	snprintf(path, sizeof(path), "%s/enospc.ddirr", dir);
	/* Not on the tmpfs: it will be full. */
	snprintf(err_path, sizeof(err_path), "%s/enospc.stderr", out);
	o.output = "/dev/null";
	o.lttng = 0;
	assert_int_equal(ddirr_recorder_open(&loading_recorder, &o), 0);
	assert_int_equal(fixture_host_load(FIXTURE_DRIVER_PATH, on_initialize), 0);
	assert_int_equal(fixture_host_start(), 0);
	assert_int_equal(ddirr_recorder_close(loading_recorder), 0);
	return 0;
}

/* The driver's side of call i: the arrays are the ones passed, and the
 * result is one the caller can tell from any other call's. */
typedef struct expected {
	const UINT32 *slots;
	const UINT64 *pages;
	NTSTATUS ret;
	int calls, bad;
} expected;

static void driver_check(uint32_t id, void *frame, void *ctx)
{
	ddirr_frame_MapCpuHostAperture *f = frame;
	expected *e = ctx;

	e->calls++;
	if (id != DDIRR_DDI_MapCpuHostAperture || f->pArgs->NumberOfPages != PAGES ||
	    memcmp(f->pArgs->pCpuHostAperturePages, e->slots, PAGES * sizeof(UINT32)) ||
	    memcmp(f->pArgs->pMemorySegmentPages, e->pages, PAGES * sizeof(UINT64)))
		e->bad++;
	f->ReturnValue = e->ret;
}

static unsigned long long free_bytes(void)
{
	struct statvfs s;

	return statvfs(dir, &s) ? 0 : (unsigned long long)s.f_bavail * s.f_frsize;
}

static void recorder__real_full_disk_keeps_forwarding_and_the_trailer_names_enospc(void **state)
{
	static UINT32 slots[PAGES];
	static UINT64 pages[PAGES];
	ddirr_recorder_options o = DDIRR_RECORDER_OPTIONS_INIT;
	DRIVER_INITIALIZATION_DATA d = driver_table;
	ddirr_recorder_stats st;
	ddirr_recorder *r = NULL;
	ddirr_trace *t = NULL;
	const ddirr_trace_verdict *v;
	const ddirr_event *ev;
	expected e = {slots, pages, 0, 0, 0};
	uint64_t rng = 7, records = 0, write_failed = 0;
	int i, j, fd, saved, stopped_at = -1, rc;
	char text[8192];
	size_t n;

	(void)state;
	fd = open(err_path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	o.output = path;
	o.lttng = 0;
	rc = ddirr_recorder_open(&r, &o);
	if (!rc)
		rc = ddirr_recorder_wrap(r, &d);
	fixture_host_driver_set(driver_check, &e, 1);
	for (i = 0; !rc && i < MAX_CALLS && (stopped_at < 0 || i < stopped_at + 20); i++) {
		DXGKARG_MAPCPUHOSTAPERTURE args = {.NumberOfPages = PAGES, .pCpuHostAperturePages = slots,
						   .pMemorySegmentPages = pages};
		ddirr_frame_MapCpuHostAperture call = {(HANDLE)0x10, &args, 0};

		for (j = 0; j < PAGES; j++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			slots[j] = (UINT32)(rng >> 32);
			pages[j] = rng;
		}
		e.ret = (NTSTATUS)(0x4000 + i);
		fixture_host_call(DDIRR_DDI_MapCpuHostAperture, &call);
		if (call.ReturnValue != e.ret)
			e.bad++;
		ddirr_recorder_sync(r);
		ddirr_recorder_get_stats(r, &st);
		if (st.stopped && stopped_at < 0)
			stopped_at = i;
	}
	fixture_host_driver_set(NULL, NULL, 0);
	ddirr_recorder_get_stats(r, &st);
	if (!rc)
		rc = ddirr_recorder_close(r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = (size_t)read(fd, text, sizeof(text) - 1);
	text[n < sizeof(text) ? n : 0] = '\0';
	close(fd);
	fprintf(stderr, "stderr of the capture:\n%s", text);
	assert_int_equal(rc, 0); /* the trailer was written: close succeeds */
	print_message("%d calls, the recorder stopped at call %d; %llu bytes free on the tmpfs after close\n", i,
		      stopped_at, free_bytes());
	assert_true(stopped_at > 0); /* the disk did fill, after some chunks */
	assert_int_equal(e.calls, i);
	assert_int_equal(e.bad, 0);
	assert_true(st.stopped);
	assert_int_equal(st.recorded + st.dropped, st.issued);
	if (!strstr(text, "ddirr: recording stopped, the driver keeps running: ") || !strstr(text, "ENOSPC") ||
	    !strstr(text, strerror(ENOSPC)) || strchr(text, '\n') != text + strlen(text) - 1)
		fail_msg("stderr is not one line naming ENOSPC");

	assert_int_equal(ddirr_trace_open(&t, path), 0);
	while ((rc = ddirr_trace_next(t, &ev)) == 1) {
		if (ev->seq != records / 2 + 1 || ev->ddi != DDIRR_DDI_MapCpuHostAperture ||
		    ev->phase != (records % 2 ? DDIRR_PHASE_EXIT : DDIRR_PHASE_ENTRY))
			fail_msg("record %llu is not the one issued", (unsigned long long)records);
		records++;
	}
	assert_int_equal(rc, 0);
	v = ddirr_trace_get_verdict(t);
	print_message("ddirr verdict: %s\n", v->summary);
	assert_true(records > 0 && records % 2 == 0);
	assert_int_equal(v->kind, DDIRR_VERDICT_TRUNCATED);
	assert_int_equal(v->n_gaps, 0);
	assert_int_equal(v->n_problems, 0); /* cut back to a frame boundary */
	assert_true(v->trailer);
	assert_false(v->clean_close);
	assert_int_equal(v->last_seq, records / 2);
	if (!strstr(v->stop_reason, "ENOSPC") || !strstr(v->stop_reason, "byte ") || !strstr(v->stop_reason, "seq ") ||
	    !strstr(v->summary, "ENOSPC"))
		fail_msg("the trailer does not name ENOSPC: %s", v->summary);
	for (j = 0; j < (int)v->n_drops; j++)
		if (!strcmp(v->drops[j].cause, "write-failed"))
			write_failed = v->drops[j].records;
	/* What the file lacks of what was issued is counted as dropped. */
	assert_int_equal(records + write_failed, st.issued);
	ddirr_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recorder__real_full_disk_keeps_forwarding_and_the_trailer_names_enospc),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
