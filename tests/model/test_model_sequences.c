/* Tests for model/: long seeded sequences made from the model's own VidMm
 * decisions, under every chaos flag, are valid (no violation), reproducible,
 * and leave the model's memory bounded by its live objects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vidmm_host.h"

typedef struct checker {
	ddirr_model *m;
	uint64_t records;
	uint64_t hash;            /* of the record stream, for reproducibility */
	size_t memory_at[2];      /* model memory after the first tenth, and at the end */
	size_t peak_early;        /* the highest memory during the first tenth */
	uint64_t tenth;
	char first[400];
} checker;

static void on_violation(void *ctx, const ddirr_violation *v)
{
	checker *c = ctx;

	if (!c->first[0])
		snprintf(c->first, sizeof(c->first), "%s: %s", ddirr_invariant_name(v->invariant), v->message);
}

static int check_record(void *ctx, const ddirr_event *ev)
{
	checker *c = ctx;
	size_t mem;

	if (ddirr_model_apply(c->m, ev) < 0)
		return -1;
	c->records++;
	c->hash = (c->hash ^ (ev->seq * 31 + ev->ddi * 7 + ev->phase)) * 0x100000001B3ull;
	mem = ddirr_model_memory(c->m);
	if (c->records <= c->tenth && mem > c->peak_early)
		c->peak_early = mem;
	if (c->records == c->tenth)
		c->memory_at[0] = mem;
	c->memory_at[1] = mem;
	return 0;
}

/* Runs one sequence through an independent checking model. */
static void run(checker *c, uint64_t seed, unsigned chaos, uint64_t calls, size_t max_live)
{
	host_options o = {.seed = seed, .chaos = chaos, .calls = calls, .max_live = max_live};
	ddirr_model_options mo = DDIRR_MODEL_OPTIONS_INIT;

	memset(c, 0, sizeof(*c));
	c->tenth = calls / 5; /* about two records per call */
	mo.on_violation = on_violation;
	mo.ctx = c;
	assert_int_equal(ddirr_model_new(&c->m, &mo), 0);
	assert_int_equal(host_run(&o, check_record, c), 0);
	if (ddirr_model_violations(c->m))
		fail_msg("seed %llu chaos 0x%x: %llu violation(s), the first: %s", (unsigned long long)seed, chaos,
			 (unsigned long long)ddirr_model_violations(c->m), c->first);
}

static void model__seeded_sequences_under_every_chaos_flag_are_valid(void **state)
{
	static const unsigned chaos[] = {0,
					 DDIRR_CHAOS_EVICT,
					 DDIRR_CHAOS_RELOCATE,
					 DDIRR_CHAOS_PRESSURE,
					 DDIRR_CHAOS_VA_ROTATE,
					 DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE | DDIRR_CHAOS_PRESSURE | DDIRR_CHAOS_VA_ROTATE};
	checker c;
	uint64_t seed;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(chaos) / sizeof(chaos[0]); i++) {
		for (seed = 1; seed <= 4; seed++) {
			run(&c, seed * 7919 + i, chaos[i], 20000, 48);
			assert_true(c.records > 20000);
			ddirr_model_free(c.m);
		}
	}
}

static void model__a_seed_reproduces_the_same_sequence(void **state)
{
	checker a, b;

	(void)state;
	run(&a, 42, DDIRR_CHAOS_EVICT | DDIRR_CHAOS_PRESSURE, 5000, 32);
	run(&b, 42, DDIRR_CHAOS_EVICT | DDIRR_CHAOS_PRESSURE, 5000, 32);
	assert_int_equal(a.records, b.records);
	assert_true(a.hash == b.hash);
	ddirr_model_free(b.m);
	run(&b, 43, DDIRR_CHAOS_EVICT | DDIRR_CHAOS_PRESSURE, 5000, 32);
	assert_true(a.hash != b.hash);
	ddirr_model_free(a.m);
	ddirr_model_free(b.m);
}

/* Ten times more records must not need more memory than the live objects
 * did early on: nothing may grow with the length of the trace. */
static void model__memory_is_bounded_by_live_objects_not_trace_length(void **state)
{
	checker c;
	ddirr_model_counts n;

	(void)state;
	run(&c, 7, DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE | DDIRR_CHAOS_PRESSURE, 200000, 64);
	ddirr_model_get_counts(c.m, &n);
	print_message("model memory: %zu bytes after %llu records (peak %zu in the first %llu); live: %zu allocations, "
		      "%zu mapped slots, %zu pending\n",
		      c.memory_at[1], (unsigned long long)c.records, c.peak_early, (unsigned long long)c.tenth,
		      n.allocations, n.mapped_slots, n.pending_calls);
	assert_true(c.records > 200000);
	assert_true(n.allocations <= 64);
	assert_int_equal(n.pending_calls, 0);
	if (c.memory_at[1] > c.peak_early + c.peak_early / 4)
		fail_msg("memory grew with the trace: %zu bytes at the end, peak %zu in the first tenth",
			 c.memory_at[1], c.peak_early);
	ddirr_model_free(c.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model__seeded_sequences_under_every_chaos_flag_are_valid),
		cmocka_unit_test(model__a_seed_reproduces_the_same_sequence),
		cmocka_unit_test(model__memory_is_bounded_by_live_objects_not_trace_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
