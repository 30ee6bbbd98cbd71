/* ddirr-bench-recorder: the ddirr recorder against LTTng-UST, side by side.
 *
 *   ddirr-bench-recorder payload --pages N --trace PATH [--calls K] [--burst B] [--rounds R]
 *   ddirr-bench-recorder disabled --trace PATH [--calls K] [--rounds R]
 *   ddirr-bench-recorder profile --variant direct|lttng|ddirr|copy --pages N --trace PATH [--calls K]
 *   ddirr-bench-recorder smoke --trace PATH
 *
 * `payload` interleaves four variants of the same DxgkDdiMapCpuHostAperture
 * call (N pages: 12 bytes of page arrays a page), in alternating order, round
 * after round:
 *   direct  the driver's function, called through its table;
 *   lttng   one `bench:payload` tracepoint carrying the call's argument
 *           bytes (bench_tp.h), then the direct call;
 *   ddirr   the recorder's wrapper (recording on, default options), which
 *           copies the same bytes into its ring and forwards the call;
 *   copy    the floor of the caller's side: a bare memcpy of the same
 *           bytes into a 4 MiB ring nobody reads, then the direct call
 *           (copy_args()): the least a recorder that copies a call's bytes
 *           in the caller's thread pays, whatever else it does. Its ratio
 *           to LTTng shows where the caller target stands against that.
 * A phase (one variant, one round) makes K calls in bursts of B (at most
 * 512 KiB of arguments), pausing between bursts until the drain thread has
 * taken every record, so that no call finds a full buffer on either side:
 * the figures are the cost of recording, not of back-pressure (which the two
 * handle differently: LTTng's blocking mode retries every 100 ms).
 *
 * Per phase it measures:
 *   - the caller thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per call,
 *     summed over the bursts only;
 *   - after the phase, once the drain thread has written everything and the
 *     LTTng daemons are quiet, the CPU time of this whole process (caller,
 *     drain thread, LTTng-UST's threads) plus the LTTng daemons (their pids
 *     in BENCH_LTTNG_PIDS: session daemon, consumer daemon and helpers) over
 *     the phase, less what both burn idle (measured in the same round's
 *     direct phase, per ns of wall time), per call.
 * It prints the medians over rounds of each value and of the per-round
 * ratios ddirr/lttng, as key=value lines (bench/run.sh reads them).
 *
 * Then, once the recorder has closed, the floor of any drain built on
 * protobuf-c and zstd: it reads back the trace just written, chunk by chunk
 * (the writer's own batches: every record as the writer encoded it, deltas
 * included), and times, in this thread's CPU clock, only what such a drain
 * cannot avoid: protobuf_c_message_pack of every record as the writer packs
 * it (a one-record EventBatch; the packs must give back the chunk byte for
 * byte), and ZSTD_compress2 of every chunk at the writer's level and
 * parameters. Per recorded call, that is floor_ns; floor_ratio is (the
 * ddirr caller's ns + floor_ns) / LTTng's total ns, the lowest total ratio
 * such a drain could reach. It also compresses every chunk at zstd level 1
 * with a minimum match of 5 and prints that time and the bytes it gives
 * against the writer's (zstd_fast_*): what a faster setting would save and
 * cost, measured on the same chunks.
 *
 * `disabled` interleaves the direct call with the wrapper with recording off
 * (ddirr_recorder_set_enabled(r, 0)), K calls each, and prints the medians of
 * ns per call and of the per-round difference.
 *
 * `profile --variant V` makes K calls of one variant in bursts, then waits
 * until everything is written: a workload for callgrind or perf (see
 * bench/RESULTS.md), which count what the caller and the drain thread do.
 *
 * `smoke` makes 1000 calls of each variant and checks nothing but that they
 * work and that every recorded call was written (ctest runs it; no timing is
 * checked anywhere).
 *
 * The LTTng session (a private session daemon, the `bench:*` event enabled
 * in a blocking channel) is set up by bench/run.sh. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>
#include <zstd.h>

#include "bench_clock.h"
#include "bench_driver.h"
#include "bench_pool.h"
#include "bench_tp.h"
#include "bench_ddirr.h"
#include "chunk_zstd.h"
#include "ddirr.pb-c.h"
#include "ddirr/error.h"
#include "ddirr/trace.h"
#include "event_codec.h"
#include "trace_format.h"

enum variant { V_DIRECT, V_LTTNG, V_DDIRR, V_COPY, V_DDIRR_OFF, V_COUNT };
static const char *const variant_name[V_COUNT] = {"direct", "lttng", "ddirr", "copy", "ddirr-off"};

struct ctx {
	struct bench_pool pool;
	size_t next; /* the next argument set; runs on across variants and rounds */
	DRIVER_INITIALIZATION_DATA drv;
	PDXGKDDI_MAPCPUHOSTAPERTURE direct;
	struct bench_ddirr *rec;
	PDXGKDDI_MAPCPUHOSTAPERTURE wrapped;
	HANDLE hAdapter;
	struct bench_pids daemons;
	unsigned long long failures; /* calls that did not return STATUS_SUCCESS */
	unsigned long long calls[V_COUNT];
	double caller_ddirr_ns, total_lttng_ns; /* payload's medians, for the floor */
	char *copy_ring; /* the copy variant's: COPY_RING bytes */
	size_t copy_pos;
};

/* The copy variant's ring: as large as a ddirr ring by default. */
enum { COPY_RING = 4u << 20, COPY_HEADER = 48 };

/* The copy variant: what any recorder that keeps a call's bytes must do in
 * the caller's thread, and nothing more: one memcpy each of the argument
 * struct and of both page arrays into a ring, after room for a header, at
 * 8-byte granularity as in a ddirr ring. Nobody reads the ring. */
static void copy_args(struct ctx *c, const DXGKARG_MAPCPUHOSTAPERTURE *a)
{
	size_t slots = a->NumberOfPages * sizeof(*a->pCpuHostAperturePages);
	size_t pages = a->NumberOfPages * sizeof(*a->pMemorySegmentPages);
	size_t need = (COPY_HEADER + sizeof(*a) + slots + pages + 7) & ~(size_t)7;
	char *d;

	if (c->copy_pos + need > COPY_RING)
		c->copy_pos = 0;
	d = c->copy_ring + c->copy_pos + COPY_HEADER;
	memcpy(d, a, sizeof(*a));
	memcpy(d + sizeof(*a), a->pCpuHostAperturePages, slots);
	memcpy(d + sizeof(*a) + slots, a->pMemorySegmentPages, pages);
	c->copy_pos += need;
}

/* One loop per variant, so that the loop body holds nothing but the call. */
static void run_variant(struct ctx *c, enum variant v, size_t calls)
{
	const DXGKARG_MAPCPUHOSTAPERTURE *args = c->pool.args;
	size_t n = c->pool.n, k = c->next;
	PDXGKDDI_MAPCPUHOSTAPERTURE fn = v == V_DIRECT || v == V_LTTNG || v == V_COPY ? c->direct : c->wrapped;
	HANDLE h = c->hAdapter;
	unsigned long long bad = 0;

	switch (v) {
	case V_COPY:
		for (size_t i = 0; i < calls; i++) {
			copy_args(c, &args[k]);
			bad += fn(h, &args[k]) != STATUS_SUCCESS;
			if (++k == n)
				k = 0;
		}
		break;
	case V_LTTNG:
		for (size_t i = 0; i < calls; i++) {
			lttng_ust_tracepoint(bench, payload, h, &args[k]);
			bad += fn(h, &args[k]) != STATUS_SUCCESS;
			if (++k == n)
				k = 0;
		}
		break;
	default:
		for (size_t i = 0; i < calls; i++) {
			bad += fn(h, &args[k]) != STATUS_SUCCESS;
			if (++k == n)
				k = 0;
		}
		break;
	}
	c->next = k;
	c->failures += bad;
	c->calls[v] += calls;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* CPU time of everything that works for the measured calls: this process
 * (caller, drain thread, LTTng-UST's listener threads) and the LTTng daemons. */
static uint64_t total_ns(const struct ctx *c)
{
	return bench_process_ns() + bench_pids_ns(&c->daemons);
}

/* Waits until the drain thread and the consumer daemon have done the work
 * the last phase left them: until every ddirr record is written, then at
 * least 50 ms, then until the total CPU clock advances by less than 1 ms in
 * 20 ms (5 % of a core; idle, the drain thread's polling takes about 1 %),
 * or 3 s have passed. The LTTng consumer takes only full sub-buffers; the
 * partial one is consumed in a later round, the same amount every round. */
static void settle(struct ctx *c)
{
	uint64_t prev;

	if (c->rec)
		bench_ddirr_flush(c->rec);
	sleep_ms(50);
	prev = total_ns(c);
	for (int i = 0; i < 150; i++) {
		uint64_t now;

		sleep_ms(20);
		now = total_ns(c);
		if (now - prev < 1000000)
			break;
		prev = now;
	}
}

struct opts {
	const char *mode;
	size_t pages, calls, rounds, burst;
	enum variant variant;
	const char *trace;
};

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ddirr-bench-recorder payload --pages N --trace PATH [--calls K] [--burst B] [--rounds R]\n"
	                "       ddirr-bench-recorder disabled --trace PATH [--calls K] [--rounds R]\n"
	                "       ddirr-bench-recorder profile --variant direct|lttng|ddirr --pages N --trace PATH [--calls K]\n"
	                "       ddirr-bench-recorder smoke --trace PATH\n"
	                "env:   BENCH_LTTNG_PIDS=\"PID ...\"  LTTng daemons whose CPU time counts (payload)\n");
	return 2;
}

/* One variant's phase in one round. */
struct sample {
	double caller;   /* caller thread CPU ns per call */
	double wall;     /* wall ns per call of the caller's loop */
	double proc_ns;  /* this process's CPU over the phase (loop + settle) */
	double daem_ns;  /* the LTTng daemons' CPU over the phase */
	double window_ns; /* wall time of the phase */
};

/* Between two bursts: 1 ms, and until the drain thread has taken every
 * record, so that no burst finds a full ring or a full LTTng buffer. */
static void pause_between_bursts(struct ctx *c)
{
	sleep_ms(1);
	for (int i = 0; i < 1000 && bench_ddirr_pending(c->rec); i++)
		sleep_ms(1);
}

static void run_phase(struct ctx *c, enum variant v, size_t calls, size_t burst, struct sample *s)
{
	uint64_t q0, d0, w0, cpu = 0, wall = 0;

	q0 = bench_process_ns();
	d0 = bench_pids_ns(&c->daemons);
	w0 = bench_wall_ns();
	for (size_t done = 0; done < calls;) {
		size_t n = calls - done < burst ? calls - done : burst;
		uint64_t t0 = bench_thread_ns(), t1, w1 = bench_wall_ns(), w2;

		run_variant(c, v, n);
		t1 = bench_thread_ns();
		w2 = bench_wall_ns();
		cpu += t1 - t0;
		wall += w2 - w1;
		done += n;
		pause_between_bursts(c);
	}
	settle(c);
	s->caller = (double)cpu / (double)calls;
	s->wall = (double)wall / (double)calls;
	s->proc_ns = (double)(bench_process_ns() - q0);
	s->daem_ns = (double)(bench_pids_ns(&c->daemons) - d0);
	s->window_ns = (double)(bench_wall_ns() - w0);
}

/* The median over rounds of f(round). */
#define MEDIAN_OF(out, rounds, expr)                                                                                   \
	do {                                                                                                           \
		for (size_t r_ = 0; r_ < (rounds); r_++) {                                                             \
			size_t r = r_;                                                                                 \
			tmp[r_] = (expr);                                                                              \
		}                                                                                                      \
		(out) = bench_median(tmp, (rounds));                                                                   \
	} while (0)

static int bench_payload(struct ctx *c, const struct opts *o)
{
	enum { NV = 4 };
	static const enum variant order[NV] = {V_DIRECT, V_DDIRR, V_LTTNG, V_COPY};
	struct sample *s[V_COUNT] = {0};
	double *tmp = NULL, *idle_p = NULL, *idle_d = NULL, m;
	uint64_t stat0, stat1, clk0, clk1;
	int rv = 1;

	for (int v = 0; v < V_COUNT; v++)
		if (!(s[v] = calloc(o->rounds, sizeof(struct sample))))
			goto out;
	tmp = calloc(o->rounds, sizeof(double));
	idle_p = calloc(o->rounds, sizeof(double));
	idle_d = calloc(o->rounds, sizeof(double));
	if (!tmp || !idle_p || !idle_d)
		goto out;

	/* warm-up: fault in the pool, the ring and LTTng's buffers */
	for (int i = 0; i < NV; i++)
		run_variant(c, order[i], o->calls / 4 + 1);
	settle(c);
	stat0 = bench_pids_stat_ns(&c->daemons);
	clk0 = bench_pids_ns(&c->daemons);

	for (size_t r = 0; r < o->rounds; r++) {
		for (int i = 0; i < NV; i++) {
			enum variant v = order[r % 2 ? NV - 1 - i : i];

			run_phase(c, v, o->calls, o->burst, &s[v][r]);
		}
		/* What both sides burn doing nothing (the drain thread's polling,
		 * LTTng's timers), per ns of wall time: the direct phase records
		 * nothing. It is taken off the phases that do, in proportion to
		 * their length, so that the total figure counts the calls' work. */
		idle_p[r] = s[V_DIRECT][r].proc_ns / s[V_DIRECT][r].window_ns;
		idle_d[r] = s[V_DIRECT][r].daem_ns / s[V_DIRECT][r].window_ns;
		fprintf(stderr,
		        "round %zu: caller ns/call direct %.1f lttng %.1f ddirr %.1f copy %.1f | phase ms (process+daemons/wall) "
		        "direct %.1f+%.1f/%.0f lttng %.1f+%.1f/%.0f ddirr %.1f+%.1f/%.0f\n",
		        r, s[V_DIRECT][r].caller, s[V_LTTNG][r].caller, s[V_DDIRR][r].caller, s[V_COPY][r].caller,
		        s[V_DIRECT][r].proc_ns / 1e6,
		        s[V_DIRECT][r].daem_ns / 1e6, s[V_DIRECT][r].window_ns / 1e6, s[V_LTTNG][r].proc_ns / 1e6,
		        s[V_LTTNG][r].daem_ns / 1e6, s[V_LTTNG][r].window_ns / 1e6, s[V_DDIRR][r].proc_ns / 1e6,
		        s[V_DDIRR][r].daem_ns / 1e6, s[V_DDIRR][r].window_ns / 1e6);
	}
	clk1 = bench_pids_ns(&c->daemons);
	stat1 = bench_pids_stat_ns(&c->daemons);

#define NET(v, r) ((s[v][r].proc_ns + s[v][r].daem_ns - (idle_p[r] + idle_d[r]) * s[v][r].window_ns) / (double)o->calls)
#define GROSS(v, r) ((s[v][r].proc_ns + s[v][r].daem_ns) / (double)o->calls)
	printf("pages=%zu call_bytes=%zu calls_per_round=%zu burst=%zu rounds=%zu pool_sets=%zu\n", o->pages,
	       bench_pool_call_bytes(&c->pool), o->calls, o->burst, o->rounds, c->pool.n);
	for (int i = 0; i < NV; i++) {
		MEDIAN_OF(m, o->rounds, s[order[i]][r].caller);
		printf("caller_ns.%s=%.1f\n", variant_name[order[i]], m);
		if (order[i] == V_DDIRR)
			c->caller_ddirr_ns = m;
	}
	/* the ratios' spread over rounds: MEDIAN_OF leaves tmp sorted */
	MEDIAN_OF(m, o->rounds, s[V_DDIRR][r].caller / s[V_LTTNG][r].caller);
	printf("caller_ratio=%.4f caller_ratio_range=%.2f-%.2f\n", m, tmp[0], tmp[o->rounds - 1]);
	MEDIAN_OF(m, o->rounds, s[V_COPY][r].caller / s[V_LTTNG][r].caller);
	printf("copy_ratio=%.3f copy_ratio_range=%.2f-%.2f\n", m, tmp[0], tmp[o->rounds - 1]);
	/* Wall time of the caller's loop: shows stalls (a full ring or a full
	 * LTTng buffer makes the caller wait, which costs little CPU). */
	for (int i = 0; i < NV; i++) {
		MEDIAN_OF(m, o->rounds, s[order[i]][r].wall);
		printf("caller_wall_ns.%s=%.1f\n", variant_name[order[i]], m);
	}
	for (int i = 1; i < NV; i++) {
		if (order[i] == V_COPY)
			continue; /* no drain: its total is its caller */
		MEDIAN_OF(m, o->rounds, NET(order[i], r));
		printf("total_ns.%s=%.1f\n", variant_name[order[i]], m);
		if (order[i] == V_LTTNG)
			c->total_lttng_ns = m;
		MEDIAN_OF(m, o->rounds, GROSS(order[i], r));
		printf("total_gross_ns.%s=%.1f\n", variant_name[order[i]], m);
	}
	MEDIAN_OF(m, o->rounds, NET(V_DDIRR, r) / NET(V_LTTNG, r));
	printf("total_ratio=%.4f total_ratio_range=%.2f-%.2f\n", m, tmp[0], tmp[o->rounds - 1]);
	MEDIAN_OF(m, o->rounds, GROSS(V_DDIRR, r) / GROSS(V_LTTNG, r));
	printf("total_gross_ratio=%.3f\n", m);
	/* the LTTng daemons' share of LTTng's total, and the drain's of ddirr's */
	MEDIAN_OF(m, o->rounds, (s[V_LTTNG][r].daem_ns - idle_d[r] * s[V_LTTNG][r].window_ns) / (double)o->calls);
	printf("lttng_daemons_ns=%.1f\n", m);
	MEDIAN_OF(m, o->rounds, idle_p[r] * 100);
	printf("idle_pct.process=%.2f\n", m);
	MEDIAN_OF(m, o->rounds, idle_d[r] * 100);
	printf("idle_pct.daemons=%.2f\n", m);
	/* The daemons' CPU over the measured rounds, from their CPU clocks and
	 * from /proc/PID/stat (10 ms ticks): the second checks the first. */
	printf("daemons_cpu_ms.clock=%.1f daemons_cpu_ms.proc_stat=%.1f\n", (double)(clk1 - clk0) / 1e6,
	       (double)(stat1 - stat0) / 1e6);
	printf("calls.lttng=%llu calls.ddirr=%llu\n", c->calls[V_LTTNG], c->calls[V_DDIRR]);
#undef NET
#undef GROSS
	bench_ddirr_flush(c->rec);
	rv = c->failures || bench_ddirr_print_stats(c->rec) ? 1 : 0;
out:
	for (int v = 0; v < V_COUNT; v++)
		free(s[v]);
	free(tmp);
	free(idle_p);
	free(idle_d);
	return rv;
}

/* The floor (see the top of this file): packs every record of every data
 * chunk of the trace at path and compresses every chunk, timing only the
 * packs and the compressions. */
struct floor {
	uint64_t pack_ns, zstd_ns;
	unsigned long long records, chunks, mismatches;
	/* The same chunks compressed at the writer's level and at FAST_LEVEL
	   with FAST_MIN_MATCH, for the record: what a faster setting would
	   save and cost (bench/RESULTS.md). */
	uint64_t zstd_fast_ns, zstd_bytes, zstd_fast_bytes;
};

enum { FAST_LEVEL = 1, FAST_MIN_MATCH = 5 };

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int floor_chunk(struct floor *f, ZSTD_CCtx *cctx, ZSTD_CCtx *fast, const uint8_t *content, size_t len,
		       uint8_t *pack, uint8_t *out, size_t out_cap)
{
	Ddirr__EventBatch *b = ddirr__event_batch__unpack(NULL, len, content);
	Ddirr__EventBatch one = DDIRR__EVENT_BATCH__INIT;
	size_t at = 0, csize;
	uint64_t t0;

	if (!b)
		return -1;
	one.n_events = 1;
	/* Each record with the descriptor the writer packs it with. */
	for (size_t i = 0; i < b->n_events; i++)
		b->events[i]->base.descriptor = ddirr_event_pack_descriptor(b->events[i]);
	t0 = bench_thread_ns();
	for (size_t i = 0; i < b->n_events; i++) {
		one.events = &b->events[i];
		at += protobuf_c_message_pack(&one.base, pack + at); /* room: the chunk's size, checked below */
	}
	f->pack_ns += bench_thread_ns() - t0;
	f->mismatches += at != len || memcmp(pack, content, len) != 0;
	for (size_t i = 0; i < b->n_events; i++) /* a record of phase CALL stands for an entry and its exit */
		f->records += b->events[i]->phase == DDIRR__PHASE__CALL ? 2 : 1;
	for (size_t i = 0; i < b->n_events; i++)
		b->events[i]->base.descriptor = &ddirr__event__descriptor; /* as unpacked, for the free */
	ddirr__event_batch__free_unpacked(b, NULL);
	t0 = bench_thread_ns();
	csize = ZSTD_compress2(cctx, out, out_cap, content, len);
	f->zstd_ns += bench_thread_ns() - t0;
	f->chunks++;
	if (ZSTD_isError(csize))
		return -1;
	f->zstd_bytes += csize;
	t0 = bench_thread_ns();
	csize = ZSTD_compress2(fast, out, out_cap, content, len);
	f->zstd_fast_ns += bench_thread_ns() - t0;
	if (ZSTD_isError(csize))
		return -1;
	f->zstd_fast_bytes += csize;
	return 0;
}

/* The zstd level and tables the trace at path was written with. */
static int writer_tables(const char *path, int *level, unsigned *hash_log, unsigned *chain_log)
{
	ddirr_trace *t = NULL;
	const ddirr_trace_settings *s;

	if (ddirr_trace_open(&t, path) < 0) {
		fprintf(stderr, "bench: %s\n", ddirr_error_last());
		return -1;
	}
	s = &ddirr_trace_get_info(t)->settings;
	*level = s->zstd_level;
	*hash_log = s->zstd_hash_log;
	*chain_log = s->zstd_chain_log;
	ddirr_trace_free(t);
	if (!*level || !*hash_log || !*chain_log) {
		fprintf(stderr, "bench: %s: the header does not record the zstd parameters\n", path);
		return -1;
	}
	return 0;
}

static int floor_measure(struct floor *f, const char *path)
{
	int level = 0;
	unsigned hash_log = 0, chain_log = 0;
	uint8_t *file = NULL, *content = NULL, *pack = NULL, *out = NULL;
	size_t size = 0, at = 0, cap = 0;
	ZSTD_CCtx *cctx = ZSTD_createCCtx(), *fast = ZSTD_createCCtx();
	FILE *fp = fopen(path, "rb");
	int rv = -1;

	memset(f, 0, sizeof(*f));
	if (!fp || !cctx || !fast || fseek(fp, 0, SEEK_END) || (long)(size = (size_t)ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) ||
	    !(file = malloc(size ? size : 1)) || fread(file, 1, size, fp) != size)
		goto out;
	/* The writer's parameters (chunk_zstd.c, pinned for its default chunk
	   size): its level and match tables, as the header records them. */
	if (writer_tables(path, &level, &hash_log, &chain_log) ||
	    ddirr_chunk_zstd_pin(cctx, level,
				 ddirr_chunk_zstd_params(level, DDIRR_TRACE_DEFAULT_CHUNK_BYTES, hash_log, chain_log)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(fast, ZSTD_c_compressionLevel, FAST_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(fast, ZSTD_c_minMatch, FAST_MIN_MATCH)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(fast, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(fast, ZSTD_c_contentSizeFlag, 1)))
		goto out;
	while (at + 8 <= size) {
		const uint8_t *p = file + at;
		size_t fsize;
		unsigned long long len;

		if ((le32(p) & DDIRR_SKIPPABLE_MASK) == DDIRR_SKIPPABLE_ANY) {
			at += DDIRR_SKIPPABLE_HEADER_SIZE + le32(p + 4);
			continue;
		}
		fsize = ZSTD_findFrameCompressedSize(p, size - at);
		len = ZSTD_getFrameContentSize(p, size - at);
		if (ZSTD_isError(fsize) || len == ZSTD_CONTENTSIZE_UNKNOWN || len == ZSTD_CONTENTSIZE_ERROR ||
		    len > DDIRR_TRACE_MAX_CHUNK_CONTENT)
			goto out;
		if (len > cap) {
			free(content), free(pack), free(out);
			cap = (size_t)len;
			content = malloc(cap);
			pack = malloc(cap);
			out = malloc(ZSTD_compressBound(cap));
			if (!content || !pack || !out)
				goto out;
		}
		if (ZSTD_decompress(content, cap, p, fsize) != len ||
		    floor_chunk(f, cctx, fast, content, (size_t)len, pack, out, ZSTD_compressBound(cap)))
			goto out;
		at += fsize;
	}
	rv = at == size ? 0 : -1;
out:
	if (rv)
		fprintf(stderr, "bench: floor: cannot read back %s\n", path);
	if (fp)
		fclose(fp);
	ZSTD_freeCCtx(cctx);
	ZSTD_freeCCtx(fast);
	free(file);
	free(content);
	free(pack);
	free(out);
	return rv;
}

static int print_floor(const struct ctx *c, const char *path)
{
	struct floor f;
	double calls, pack, zstd;

	if (floor_measure(&f, path))
		return 1;
	calls = (double)c->calls[V_DDIRR];
	pack = (double)f.pack_ns / calls;
	zstd = (double)f.zstd_ns / calls;
	printf("floor_records=%llu floor_chunks=%llu floor_pack_mismatches=%llu\n", f.records, f.chunks, f.mismatches);
	printf("floor_pack_ns=%.1f floor_zstd_ns=%.1f floor_ns=%.1f\n", pack, zstd, pack + zstd);
	printf("floor_ratio=%.3f\n", (c->caller_ddirr_ns + pack + zstd) / c->total_lttng_ns);
	printf("zstd_fast_level=%d zstd_fast_min_match=%d zstd_fast_ns=%.1f zstd_fast_bytes_ratio=%.4f\n", FAST_LEVEL,
	       FAST_MIN_MATCH, (double)f.zstd_fast_ns / calls, (double)f.zstd_fast_bytes / (double)f.zstd_bytes);
	/* every record of the run is in the trace, an entry and an exit a call */
	return f.mismatches || f.records != 2 * c->calls[V_DDIRR];
}

static int bench_disabled(struct ctx *c, const struct opts *o)
{
	double *d = calloc(o->rounds, sizeof(double)), *w = calloc(o->rounds, sizeof(double));
	double *diff = calloc(o->rounds, sizeof(double));
	int rv = 1;

	if (!d || !w || !diff)
		goto out;
	run_variant(c, V_DIRECT, o->calls / 4 + 1);
	run_variant(c, V_DDIRR_OFF, o->calls / 4 + 1);
	for (size_t r = 0; r < o->rounds; r++) {
		for (int i = 0; i < 2; i++) {
			enum variant v = (r + i) % 2 ? V_DDIRR_OFF : V_DIRECT;
			uint64_t t0 = bench_thread_ns();

			run_variant(c, v, o->calls);
			(v == V_DIRECT ? d : w)[r] = (double)(bench_thread_ns() - t0) / (double)o->calls;
		}
		diff[r] = w[r] - d[r];
	}
	printf("calls_per_round=%zu rounds=%zu\n", o->calls, o->rounds);
	printf("disabled_ns.direct=%.2f\n", bench_median(d, o->rounds));
	printf("disabled_ns.wrapper_off=%.2f\n", bench_median(w, o->rounds));
	printf("disabled_ns.difference=%.2f", bench_median(diff, o->rounds));
	printf(" disabled_ns.difference_range=%.2f-%.2f\n", diff[0], diff[o->rounds - 1]); /* sorted by the median */
	rv = c->failures ? 1 : 0;
out:
	free(d);
	free(w);
	free(diff);
	return rv;
}

static int bench_profile(struct ctx *c, const struct opts *o)
{
	struct sample s;

	run_phase(c, o->variant, o->calls, o->burst, &s);
	bench_ddirr_flush(c->rec);
	printf("profile: %zu calls of %s, caller %.1f ns/call (thread CPU), process %.1f ns/call\n", o->calls,
	       variant_name[o->variant], s.caller, s.proc_ns / (double)o->calls);
	return c->failures ? 1 : 0;
}

static int bench_smoke(struct ctx *c)
{
	for (int v = 0; v < V_COUNT; v++) {
		bench_ddirr_set_recording(c->rec, v != V_DDIRR_OFF);
		run_variant(c, (enum variant)v, 1000);
	}
	bench_ddirr_flush(c->rec);
	printf("smoke: %d variants x 1000 calls, %llu failures, driver saw %llu pages\n", V_COUNT, c->failures,
	       bench_driver_pages());
	/* only the 1000 recorded calls leave records: an entry and an exit each */
	return c->failures || bench_driver_pages() != V_COUNT * 1000ull * c->pool.pages || bench_ddirr_print_stats(c->rec) ? 1
	                                                                                                         : 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct ctx c = {0};
	int rv = 2;

	if (argc < 2)
		return usage();
	o.mode = argv[1];
	o.pages = 1;
	o.rounds = 11;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return usage();
		if (!strcmp(a, "--pages") && parse_size(v, &o.pages) == 0)
			i++;
		else if (!strcmp(a, "--calls") && parse_size(v, &o.calls) == 0)
			i++;
		else if (!strcmp(a, "--rounds") && parse_size(v, &o.rounds) == 0)
			i++;
		else if (!strcmp(a, "--burst") && parse_size(v, &o.burst) == 0)
			i++;
		else if (!strcmp(a, "--variant") && !strcmp(v, "direct"))
			o.variant = V_DIRECT, i++;
		else if (!strcmp(a, "--variant") && !strcmp(v, "lttng"))
			o.variant = V_LTTNG, i++;
		else if (!strcmp(a, "--variant") && !strcmp(v, "ddirr"))
			o.variant = V_DDIRR, i++;
		else if (!strcmp(a, "--trace"))
			o.trace = argv[++i];
		else
			return usage();
	}
	if (strcmp(o.mode, "payload") && strcmp(o.mode, "disabled") && strcmp(o.mode, "profile") &&
	    strcmp(o.mode, "smoke"))
		return usage();
	if (!o.trace)
		return usage();
	if (!o.calls)
		o.calls = !strcmp(o.mode, "disabled") ? 20000000 : 100000;

	if (bench_pids_parse(&c.daemons, getenv("BENCH_LTTNG_PIDS")) != 0)
		return 2;
	/* The disabled bench keeps its pool in cache: it measures the wrapper,
	 * not memory. The others never repeat an argument set within 16 MiB,
	 * far more than a zstd chunk (256 KiB) sees. */
	if (bench_pool_init(&c.pool, o.pages, 64, strcmp(o.mode, "payload") && strcmp(o.mode, "profile") ? 0 : 16u << 20, 1) != 0) {
		fprintf(stderr, "bench: out of memory for the argument pool\n");
		return 2;
	}
	/* A burst fills at most 512 KiB of arguments: a quarter of LTTng's
	 * default per-CPU buffer (4 x 512 KiB), an eighth of a ddirr ring. */
	if (!o.burst) {
		o.burst = (512u << 10) / bench_pool_call_bytes(&c.pool);
		if (o.burst > 4096)
			o.burst = 4096;
	}
	if (!(c.copy_ring = malloc(COPY_RING))) {
		fprintf(stderr, "bench: out of memory for the copy variant's ring\n");
		bench_pool_free(&c.pool);
		return 2;
	}
	bench_driver_table(&c.drv);
	c.direct = c.drv.DxgkDdiMapCpuHostAperture;
	c.hAdapter = (HANDLE)(uintptr_t)0xada0;
	if (bench_ddirr_open(&c.rec, &c.wrapped, &c.drv, o.trace) != 0)
		goto out;
	bench_ddirr_set_recording(c.rec, strcmp(o.mode, "disabled") != 0);

	if (!strcmp(o.mode, "payload"))
		rv = bench_payload(&c, &o);
	else if (!strcmp(o.mode, "disabled"))
		rv = bench_disabled(&c, &o);
	else if (!strcmp(o.mode, "profile"))
		rv = bench_profile(&c, &o);
	else
		rv = bench_smoke(&c);
	if (bench_ddirr_close(c.rec) != 0 && rv == 0)
		rv = 1;
	c.rec = NULL;
	if (rv == 0 && !strcmp(o.mode, "payload"))
		rv = print_floor(&c, o.trace);
out:
	free(c.copy_ring);
	bench_pool_free(&c.pool);
	return rv;
}
