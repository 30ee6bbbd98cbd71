/* The drain: takes records out of every thread's ring, rebuilds their
 * frames and hands them to the trace writer (which encodes with protobuf-c
 * and compresses with zstd), or, in flight mode, keeps them in flight
 * memory until a trigger. It also flushes the pending chunk at the flush
 * interval, passes drop counts to the writer, and answers sync and dump
 * requests.
 *
 * One thread runs it at a time: the drain thread, or close() after joining
 * it, or the crash handler after taking drain_lock from it. Portable C11
 * plus platform.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "frame_copy.h"
#include "state.h"

enum {
	IDLE_SLEEP_MS = 1,
	BUSY_PASS_RECORDS = 1024, /* a pass this big means load: no sleep before the next */
	PASS_RECORD_LIMIT = 1 << 16, /* records per pass before requests are looked at again */
	DUE_CHECK_RECORDS = 64,      /* records drained between two looks at the flush deadline */
	RATE_RECORDS = 1024          /* records per measure of the drain's rate (fewer: mostly its overhead) */
};

/* The loss bound (docs/recorder.md): a record is in a written chunk at most
 * one flush interval after its timestamp. So the deadline is set by the
 * oldest record of the pending chunk, not by the last flush, and it is
 * brought forward by the time a flush takes, plus a margin for the wake-up,
 * capped at half the interval so that chunks do not shrink to nothing. */
static const uint64_t WAKE_MARGIN_NS = 300000; /* a timer wake-up's lateness on a loaded host */

static uint64_t flush_budget_ns(const ddirr_recorder *r)
{
	uint64_t interval = (uint64_t)r->opts.flush_interval_ms * 1000000u;
	uint64_t early = 2 * r->flush_cost_ns + WAKE_MARGIN_NS;

	return early > interval / 2 ? interval - interval / 2 : interval - early;
}

/* Writes the pending chunk and learns what a flush costs: the slowest of
 * the recent flushes, decaying by 1/8 per flush so that one stall does not
 * shorten every chunk after it. */
static void flush_now(ddirr_recorder *r)
{
	uint64_t t0 = ddirr_platform_now_ns(), cost;

	if (ddirr_trace_writer_flush(r->writer) == DDIRR_EIO)
		ddirr_drain_fail(r, ddirr_error_last());
	r->appended_since_flush = 0;
	r->last_flush_ns = ddirr_platform_now_ns();
	cost = r->last_flush_ns - t0;
	r->flush_cost_ns -= r->flush_cost_ns / 8;
	if (cost > r->flush_cost_ns)
		r->flush_cost_ns = cost;
}

/* When the pending chunk is to be written: at its deadline, but never
 * sooner after the last flush than that flush took, so that the drain
 * spends at least half its time taking records. Without that, a slow disk
 * is a spiral: the records taken are already past their deadline, each
 * look at it (every DUE_CHECK_RECORDS) writes a chunk of a few records,
 * and the drain falls further behind (measured with 5 ms writes: chunks of
 * 64 records, records a second old in the ring; test_recorder,
 * recorder__block_mode_keeps_no_record_older_than_half_the_interval). The
 * deadline's budget (flush_budget_ns) has room for that wait: twice the
 * slowest flush. */
static uint64_t flush_at(const ddirr_recorder *r)
{
	uint64_t spaced = r->last_flush_ns + r->flush_cost_ns;

	return spaced > r->flush_due_ns ? spaced : r->flush_due_ns;
}

static int flush_due(const ddirr_recorder *r, uint64_t now)
{
	return r->writer && !atomic_load(&r->stopped) && r->appended_since_flush && now >= flush_at(r);
}

static void drop(ddirr_recorder *r, int cause)
{
	atomic_fetch_add_explicit(&r->drain_drops[cause], 1, memory_order_relaxed);
}

void ddirr_drain_fail(ddirr_recorder *r, const char *why)
{
	char line[512];

	if (atomic_exchange(&r->stopped, 1))
		return;
	atomic_store(&g_rec.enabled, 0);
	if (r->writer)
		ddirr_trace_writer_set_stop_reason(r->writer, why);
	/* snprintf is not async-signal-safe, but fail() runs on the drain
	   thread or in close(), never in a signal handler's first step. */
	snprintf(line, sizeof(line), "ddirr: recording stopped, the driver keeps running: %s", why);
	ddirr_platform_error_line(line);
}

/* Scratch room for one record made contiguous (flight memory, indirect
 * records are used in place). */
static char *scratch(ddirr_recorder *r, size_t n)
{
	if (n > r->scratch_size) {
		size_t size = r->scratch_size ? r->scratch_size : 4096;
		void *p = NULL;

		while (size < n)
			size *= 2;
		if (posix_memalign(&p, 8, size))
			return NULL;
		free(r->scratch);
		r->scratch = p;
		r->scratch_size = size;
	}
	return r->scratch;
}

/* Privacy tier hashed: replaces private data by its SHA-256. A record
 * with more private blobs than digest room keeps the rest as metadata. */
static void hash_private_data(void *slot, const void *bytes, uint64_t n, void *ctx)
{
	ddirr_recorder *r = ctx;
	const void *none = NULL;

	if (r->n_digests == r->digests_cap) {
		uint32_t cap = r->digests_cap ? 2 * r->digests_cap : 16;
		ddirr_opaque_digest *p = realloc(r->digests, cap * sizeof(*p));

		if (p) {
			r->digests = p;
			r->digests_cap = cap;
		}
	}
	if (r->n_digests < r->digests_cap) {
		ddirr_opaque_digest *dg = &r->digests[r->n_digests++];

		dg->slot = slot;
		ddirr_platform_sha256(bytes, (size_t)n, dg->sha256);
	}
	memcpy(slot, &none, sizeof(none));
}

/* Rebuilds the record at h (contiguous, h->size bytes) in place as *ev,
 * with its time in monotonic ns (h->time may still be ticks: the drain
 * never writes a ring's header, see take()). Returns 0, or -1 having
 * counted the record dropped. */
static int rebuild(ddirr_recorder *r, ddirr_ring_hdr *h, uint64_t time_ns, ddirr_event *ev)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(h->ddi);

	if (atomic_load(&r->stopped) || !r->writer) {
		drop(r, DROP_WRITE_FAILED);
		return -1;
	}
	if (!d || ddirr_frame_rebuild_call(h + 1, h->size - sizeof(*h), h->ddi, h->phase)) {
		/* Not the recorder's copy any more: something else wrote
		   into the ring (ring.c, entry_ok). */
		drop(r, DROP_RING_DAMAGED);
		return -1;
	}
	ev->seq = h->seq;
	ev->parent_seq = h->parent_seq;
	ev->time_ns = time_ns;
	ev->thread = h->thread;
	ev->ddi = h->ddi;
	ev->phase = h->phase;
	ev->frame = h + 1;
	ev->digests = NULL;
	ev->n_digests = 0;
	if (r->opts.privacy == DDIRR_PRIVACY_HASHED) {
		/* The ring holds the bytes; the trace gets their digests. */
		r->n_digests = 0;
		ddirr_frame_visit_opaque(d->frame, h + 1, h->phase, hash_private_data, r);
		ev->digests = r->digests;
		ev->n_digests = r->n_digests;
	}
	return 0;
}

/* What the writer made of n records appended at once, the oldest stamped
 * time_ns: rc is its return. */
static void appended(ddirr_recorder *r, int rc, uint64_t time_ns, unsigned n)
{
	if (rc == 0) {
		uint64_t due = time_ns + flush_budget_ns(r);

		atomic_fetch_add_explicit(&r->recorded, n, memory_order_relaxed);
		/* Rings are drained one after the other, so the oldest record
		   of the chunk is not always the first appended. */
		if (!r->appended_since_flush || due < r->flush_due_ns)
			r->flush_due_ns = due;
		r->appended_since_flush += n;
		return;
	}
	while (n--)
		drop(r, rc == DDIRR_ELIMIT ? DROP_TOO_LARGE : DROP_WRITE_FAILED);
	if (rc == DDIRR_EIO)
		ddirr_drain_fail(r, ddirr_error_last());
}

static void write_record(ddirr_recorder *r, ddirr_ring_hdr *h, uint64_t time_ns)
{
	ddirr_event ev;

	if (rebuild(r, h, time_ns, &ev) == 0)
		appended(r, ddirr_trace_writer_append(r->writer, &ev), time_ns, 1);
}

/* A call's entry h and its exit x, taken together: one record in the trace
 * when the writer can make one of them (format 5), else two. */
static void write_call(ddirr_recorder *r, ddirr_ring_hdr *h, uint64_t h_ns, ddirr_ring_hdr *x, uint64_t x_ns)
{
	ddirr_event in, out;
	int rc;

	if (rebuild(r, h, h_ns, &in)) {
		write_record(r, x, x_ns);
		return;
	}
	if (rebuild(r, x, x_ns, &out)) {
		appended(r, ddirr_trace_writer_append(r->writer, &in), h_ns, 1);
		return;
	}
	rc = ddirr_trace_writer_append_call(r->writer, &in, &out);
	if (rc != 1) {
		appended(r, rc, h_ns, 2);
		return;
	}
	appended(r, ddirr_trace_writer_append(r->writer, &in), h_ns, 1);
	appended(r, ddirr_trace_writer_append(r->writer, &out), x_ns, 1);
}

/* ------------------------------------------------------------------ */
/* Flight memory: a byte ring of whole records, oldest first, a record
 * possibly split at the end. Eviction frees exactly the oldest records
 * needed, so what stays is the newest records that fit. */

static void flight_copy_in(ddirr_recorder *r, uint64_t at, const void *src, uint64_t n)
{
	uint64_t pos = at % r->flight_size, first = r->flight_size - pos < n ? r->flight_size - pos : n;

	memcpy(r->flight + pos, src, first);
	memcpy(r->flight, (const char *)src + first, n - first);
}

static void flight_copy_out(const ddirr_recorder *r, uint64_t at, void *dst, uint64_t n)
{
	uint64_t pos = at % r->flight_size, first = r->flight_size - pos < n ? r->flight_size - pos : n;

	memcpy(dst, r->flight + pos, first);
	memcpy((char *)dst + first, r->flight, n - first);
}

/* Flight mode: a QueryAdapterInfo record may be evicted before any
 * trigger, so the writer learns the adapter's caps from a copy of it now
 * (they reach the file in a CAPS frame; docs/format.md). */
static void flight_note(ddirr_recorder *r, const ddirr_ring_hdr *h)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(h->ddi);
	ddirr_event ev;
	char *rec;

	if (h->ddi != DDIRR_DDI_QueryAdapterInfo || !d || !r->writer || atomic_load(&r->stopped))
		return;
	rec = scratch(r, h->size);
	if (!rec)
		return;
	memcpy(rec, h, h->size);
	if (ddirr_frame_rebuild_call(rec + sizeof(*h), h->size - sizeof(*h), h->ddi, h->phase))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.seq = h->seq;
	ev.ddi = h->ddi;
	ev.phase = h->phase;
	ev.frame = rec + sizeof(*h);
	if (ddirr_trace_writer_note(r->writer, &ev) == DDIRR_EIO)
		ddirr_drain_fail(r, ddirr_error_last());
}

/* Records enter flight memory with their time converted. */
static void flight_put(ddirr_recorder *r, const ddirr_ring_hdr *h, uint64_t time_ns)
{
	ddirr_ring_hdr hdr = *h;

	hdr.time = time_ns;
	flight_note(r, h);
	if (h->size > r->flight_size) {
		drop(r, DROP_TOO_LARGE);
		return;
	}
	while (r->flight_used + h->size > r->flight_size) {
		ddirr_ring_hdr old;

		flight_copy_out(r, r->flight_start, &old, sizeof(old));
		r->flight_start = (r->flight_start + old.size) % r->flight_size;
		r->flight_used -= old.size;
		drop(r, DROP_FLIGHT_EVICTED);
	}
	flight_copy_in(r, r->flight_start + r->flight_used, &hdr, sizeof(hdr));
	flight_copy_in(r, r->flight_start + r->flight_used + sizeof(hdr), h + 1, h->size - sizeof(hdr));
	r->flight_used += h->size;
}

int64_t ddirr_drain_flight_dump(ddirr_recorder *r)
{
	int64_t n = 0;

	while (r->flight_used) {
		ddirr_ring_hdr hdr;
		char *rec;

		flight_copy_out(r, r->flight_start, &hdr, sizeof(hdr));
		rec = scratch(r, hdr.size);
		if (rec) {
			flight_copy_out(r, r->flight_start, rec, hdr.size);
			write_record(r, (ddirr_ring_hdr *)rec, ((ddirr_ring_hdr *)rec)->time);
			n++;
		} else {
			drop(r, DROP_WRITE_FAILED);
		}
		r->flight_start = (r->flight_start + hdr.size) % r->flight_size;
		r->flight_used -= hdr.size;
	}
	r->flight_start = 0;
	if (r->writer && !atomic_load(&r->stopped) && r->appended_since_flush)
		flush_now(r);
	return n;
}

/* ------------------------------------------------------------------ */

/* The record's ticks as monotonic ns, never earlier than the thread's
 * previous record: a new anchor may move the conversion back by its read
 * error (tens of ns), and a thread's times must not go back. Every path to
 * the trace (the drain thread, close, the crash handler, flight memory and
 * its dumps) goes through here, once per record. */
static uint64_t stamp(ddirr_recorder *r, ddirr_thread_ring *t, const ddirr_ring_hdr *rec)
{
	uint64_t ns = ddirr_clock_ns(&r->clock, rec->time);

	if (ns < t->last_time_ns)
		ns = t->last_time_ns;
	t->last_time_ns = ns;
	return ns;
}

/* The time goes beside the record, not into its header: the producer
 * reads the header of the oldest record in its ring while the drain holds
 * it (block mode's age check, ring.c), so the drain never writes one. */
static void take(ddirr_recorder *r, ddirr_thread_ring *t, ddirr_ring_hdr *h, void *heap)
{
	ddirr_ring_hdr *rec = heap ? (ddirr_ring_hdr *)heap : h;
	uint64_t time_ns;

	time_ns = stamp(r, t, rec);
	if (g_rec.mode == DDIRR_RECORDER_FLIGHT)
		flight_put(r, rec, time_ns);
	else
		write_record(r, rec, time_ns);
	free(heap);
}

/* Frees the heap copies t lists (state.h) for entries before ring
 * position `at` (all of them with `all`): the drain has passed those
 * entries without claiming their copies, so a stray store skipped them
 * or took their kind. Such a copy counts as damage unless a skip already
 * covered its entry (its record is then among the ones close counts). */
static void reap_heaps(ddirr_thread_ring *t, uint64_t at, int all)
{
	uint64_t added = atomic_load_explicit(&t->heaps_added, memory_order_acquire);
	uint64_t k = atomic_load_explicit(&t->heaps_taken, memory_order_relaxed);

	for (; k != added; k++) {
		const uint64_t slot_at = t->heaps[k % DDIRR_HEAP_SLOTS].at;

		if (!all && (int64_t)(slot_at - at) >= 0)
			break;
		if ((int64_t)(slot_at - t->ring.damaged_until) >= 0) {
			t->ring.damaged_bytes += sizeof(ddirr_ring_hdr) + sizeof(void *);
			t->ring.damaged_times++;
		}
		free(t->heaps[k % DDIRR_HEAP_SLOTS].copy);
	}
	atomic_store_explicit(&t->heaps_taken, k, memory_order_release);
}

void ddirr_drain_free_heaps(ddirr_thread_ring *t)
{
	reap_heaps(t, 0, 1);
}

/* The heap copy of the INDIRECT entry h, which peek left at the ring's
 * tail, taken off t's list; NULL when the list has no copy at h's
 * position with h's address: a stray store made h, or wrote over its
 * address. */
static void *claim_heap(ddirr_thread_ring *t, const ddirr_ring_hdr *h)
{
	uint64_t at = atomic_load_explicit(&t->ring.tail, memory_order_relaxed), k;
	void *p;

	reap_heaps(t, at, 0);
	k = atomic_load_explicit(&t->heaps_taken, memory_order_relaxed);
	memcpy(&p, h + 1, sizeof(p));
	if (k == atomic_load_explicit(&t->heaps_added, memory_order_acquire) ||
	    t->heaps[k % DDIRR_HEAP_SLOTS].at != at || t->heaps[k % DDIRR_HEAP_SLOTS].copy != p)
		return NULL;
	atomic_store_explicit(&t->heaps_taken, k + 1, memory_order_release);
	return p;
}

/* The exit right after the entry h in its ring, when the two can be taken
 * together (write_call): not in flight mode, whose memory keeps records
 * one by one, nor with private data hashed (its digests go record by
 * record), nor for records too large for the ring. NULL otherwise, and
 * when the exit is not published yet: the entry never waits for it. */
static ddirr_ring_hdr *exit_after(ddirr_recorder *r, ddirr_thread_ring *t, const ddirr_ring_hdr *h)
{
	ddirr_ring_hdr *x;

	if (h->phase != DDIRR_PHASE_ENTRY || h->kind != DDIRR_RING_RECORD || g_rec.mode == DDIRR_RECORDER_FLIGHT ||
	    r->opts.privacy == DDIRR_PRIVACY_HASHED || !(x = ddirr_ring_peek_next(&t->ring, h)))
		return NULL;
	return x->kind == DDIRR_RING_RECORD && x->phase == DDIRR_PHASE_EXIT && x->seq == h->seq ? x : NULL;
}

static void note_rate(ddirr_recorder *r);

/* A ring skipped a damaged stretch (ddirr_ring_peek): one line. How many
 * records the stretch held is known only once nothing is in flight, at
 * close (ddirr_drain_count_damage). (snprintf: also on the crash path,
 * which is best effort already: docs/recorder.md, "Crash safety".) */
static void note_damage(ddirr_thread_ring *t)
{
	char line[256];

	t->ring.damaged_noted = t->ring.damaged_times;
	snprintf(line, sizeof(line),
		 "ddirr: thread %u's ring held an entry the recorder did not write (a stray store into its memory?): "
		 "%llu bytes of records skipped so far",
		 t->thread, (unsigned long long)t->ring.damaged_bytes);
	ddirr_platform_error_line(line);
}

static uint64_t drain_rings(ddirr_recorder *r, uint64_t limit)
{
	ddirr_thread_ring *t;
	uint64_t n = 0;

	/* A fresh anchor first: the records taken now were stamped just before
	   it, so the conversion's offset is at its freshest. */
	ddirr_clock_anchor(&r->clock);
	for (t = atomic_load_explicit(&g_rec.rings, memory_order_acquire); t; t = t->next) {
		/* Read before the ring: an exited thread's last record was
		   published before it was marked (acquire). */
		int exited = atomic_load_explicit(&t->state, memory_order_acquire) == RING_EXITED;
		ddirr_ring_hdr *h;

		while (n < limit && (h = ddirr_ring_peek(&t->ring))) {
			ddirr_ring_hdr *x = exit_after(r, t, h);
			unsigned k = 1;
			void *heap = NULL;

			if (h->kind == DDIRR_RING_INDIRECT && !(heap = claim_heap(t, h))) {
				ddirr_ring_skip_damaged(&t->ring);
				continue;
			}

			r->taken_bytes += h->size;
			if (x) {
				uint64_t h_ns = stamp(r, t, h);

				r->taken_bytes += x->size;
				write_call(r, h, h_ns, x, stamp(r, t, x));
				ddirr_ring_release(&t->ring, h);
				ddirr_ring_release(&t->ring, x);
				k = 2;
			} else {
				take(r, t, h, heap);
				ddirr_ring_release(&t->ring, h);
			}
			t->taken += k;
			for (; k; k--) {
				if (++r->rate_records % RATE_RECORDS == 0)
					note_rate(r);
				/* Under load a pass can last longer than the
				   interval: the deadline is looked at while
				   draining too. */
				if (++n % DUE_CHECK_RECORDS == 0 && flush_due(r, ddirr_platform_now_ns()))
					flush_now(r);
			}
		}
		if (atomic_load_explicit(&t->heaps_added, memory_order_relaxed) !=
		    atomic_load_explicit(&t->heaps_taken, memory_order_relaxed))
			reap_heaps(t, atomic_load_explicit(&t->ring.tail, memory_order_relaxed), 0);
		if (t->ring.damaged_noted != t->ring.damaged_times)
			note_damage(t);
		if (exited && n < limit) {
			/* Empty, and nobody will add to it: the next new
			   thread takes it (wrappers.c, claim_free_ring). */
			atomic_store_explicit(&t->state, RING_FREE, memory_order_release);
			if (!t->is_nested) /* a pair counts once (state.h) */
				atomic_fetch_sub(&g_rec.rings_in_use, 1);
		}
	}
	return n;
}

void ddirr_drain_count_damage(ddirr_recorder *r)
{
	ddirr_thread_ring *t;

	for (t = atomic_load_explicit(&g_rec.rings, memory_order_acquire); t; t = t->next) {
		uint64_t issued = atomic_load_explicit(&t->issued, memory_order_relaxed), known = t->taken;
		int c;

		if (!t->ring.damaged_times)
			continue;
		for (c = 0; c < DROP_N_CAUSES; c++)
			known += atomic_load_explicit(&t->drops[c], memory_order_relaxed);
		if (issued > known)
			atomic_fetch_add_explicit(&r->drain_drops[DROP_RING_DAMAGED], issued - known,
						  memory_order_relaxed);
	}
}

void ddirr_drain_note_drops(ddirr_recorder *r)
{
	int c;

	for (c = 0; c < DROP_N_CAUSES; c++) {
		uint64_t total = atomic_load_explicit(&r->drain_drops[c], memory_order_relaxed);
		ddirr_thread_ring *t;

		for (t = atomic_load_explicit(&g_rec.rings, memory_order_acquire); t; t = t->next)
			total += atomic_load_explicit(&t->drops[c], memory_order_relaxed);
		if (c == DROP_NESTED)
			total += atomic_load_explicit(&g_rec.unringed_drops, memory_order_relaxed);
		if (total > r->noted_drops[c] && r->writer &&
		    ddirr_trace_writer_note_drops(r->writer, ddirr_drop_cause_name(c), total - r->noted_drops[c]) == 0)
			r->noted_drops[c] = total;
	}
}

/* Block mode: how many bytes a ring may hold (g_rec.backlog_cap), from
 * the drain's own rate while it works (bytes taken over the time it spent
 * taking and writing them, RATE_RECORDS at a time, not counting its sleeps: the rate of arrivals
 * would shrink the cap to what a throttled producer sends). A ring that
 * holds more than the drain takes in half the interval has records that
 * will be older than that when the drain reaches them: the age bound
 * (wrappers.c, age_wait) would come too late for them, since it can only
 * hold back new records. Shared among the rings in use (not free), as the
 * drain takes them in turn. Smoothed over passes; never below
 * the producer's look-ahead nor above the ring. */
static void note_rate(ddirr_recorder *r)
{
	uint64_t now = ddirr_platform_now_ns(), bytes = r->taken_bytes - r->rate_bytes0;
	uint64_t ns = r->rate_busy_ns + (now - r->pass_t0);
	uint64_t cap, old = atomic_load_explicit(&g_rec.backlog_cap, memory_order_relaxed);
	uint64_t threads = atomic_load(&g_rec.rings_in_use);

	/* Over at least half the age bound, so that the flushes (a chunk's
	   compression and write, every few ms) are in the measure: between
	   two of them the drain runs several times faster. */
	if (!r->age_limit_ns || ns < r->age_limit_ns / 2)
		return;
	r->rate_records = 0;
	r->rate_busy_ns = 0;
	r->pass_t0 = now;
	r->rate_bytes0 = r->taken_bytes;
	if (bytes > UINT64_MAX / r->age_limit_ns)
		return;
	cap = bytes * r->age_limit_ns / ns / (threads ? threads : 1);
	/* Down at once, up by half the difference: too small a cap costs a
	   wait, too large a one a record past its deadline. */
	if (cap > old)
		cap = old + (cap - old) / 2;
	if (cap < g_rec.age_check_bytes)
		cap = g_rec.age_check_bytes;
	if (cap > g_rec.ring_bytes)
		cap = g_rec.ring_bytes;
	atomic_store_explicit(&g_rec.backlog_cap, cap, memory_order_relaxed);
}

uint64_t ddirr_drain_pass(ddirr_recorder *r)
{
	uint64_t sync_t = atomic_load(&r->sync_req);
	uint64_t dump_t = atomic_load(&g_rec.dump_req);
	uint64_t total = 0, n, now;

	/* The rate counts the time the drain works, summed over passes, and
	   not its sleeps between them: a bursty producer's short passes add
	   up to a measure as a saturating one's long pass does. */
	r->pass_t0 = ddirr_platform_now_ns();
	do {
		n = drain_rings(r, PASS_RECORD_LIMIT);
		total += n;
	} while (n && total < 4 * PASS_RECORD_LIMIT);
	if (g_rec.mode == DDIRR_RECORDER_FLIGHT && dump_t != atomic_load(&r->dump_done)) {
		atomic_store(&r->last_dump_records, ddirr_drain_flight_dump(r));
		atomic_store(&r->dump_done, dump_t);
	}
	ddirr_drain_note_drops(r);
	now = ddirr_platform_now_ns();
	if (flush_due(r, now) || (r->appended_since_flush && sync_t != atomic_load(&r->sync_done) &&
				  r->writer && !atomic_load(&r->stopped)))
		flush_now(r);
	if (n == 0) /* everything published before the ticket was taken is in */
		atomic_store(&r->sync_done, sync_t);
	if (total)
		r->rate_busy_ns += ddirr_platform_now_ns() - r->pass_t0;
	return total;
}

void ddirr_drain_main(void *arg)
{
	ddirr_recorder *r = arg;

	ddirr_wrappers_guard(1);
	for (;;) {
		uint64_t n;
		int stop;

		while (atomic_flag_test_and_set(&r->drain_lock))
			ddirr_platform_sleep_ms(IDLE_SLEEP_MS); /* the crash handler has it */
		n = ddirr_drain_pass(r);
		stop = atomic_load(&r->stop);
		atomic_flag_clear(&r->drain_lock);
		if (stop)
			break;
		/* Keep going only under load: taking records one by one as they
		   are published would bounce the ring's cache lines between the
		   producer and the drain on every record. Idle, poll every
		   IDLE_SLEEP_MS (a record waits at most that in its ring), but
		   wake in time for a flush deadline that comes sooner. */
		if (n < BUSY_PASS_RECORDS) {
			uint64_t wake = ddirr_platform_now_ns() + (uint64_t)IDLE_SLEEP_MS * 1000000u;

			if (r->appended_since_flush && flush_at(r) < wake)
				wake = flush_at(r);
			ddirr_platform_sleep_until_ns(wake);
		}
	}
}
