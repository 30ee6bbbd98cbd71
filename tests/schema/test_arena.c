/* Tests for schema/arena.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"

static void arena__allocations_are_zeroed_aligned_and_distinct(void **state)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	char *p = ddirr_arena_alloc(&a, 10), *q = ddirr_arena_alloc(&a, 100000);
	size_t i;

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	assert_int_equal((uintptr_t)q % _Alignof(max_align_t), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(q[i], 0);
	assert_true(q >= p + 10 || q + 100000 <= p);
	ddirr_arena_release(&a);
}

static void arena__reset_reuses_memory_and_rezeroes(void **state)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	char *p, *q;

	(void)state;
	p = ddirr_arena_alloc(&a, 64);
	memset(p, 0xAB, 64);
	ddirr_arena_reset(&a);
	q = ddirr_arena_alloc(&a, 64);
	assert_ptr_equal(p, q);
	assert_int_equal(q[0], 0);
	ddirr_arena_release(&a);
}

static void arena__raw_allocations_count_against_the_limit_and_stay_distinct(void **state)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	char *p, *q;

	(void)state;
	a.limit = 4096;
	p = ddirr_arena_alloc_raw(&a, 3000);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	memset(p, 0xAB, 3000);
	assert_null(ddirr_arena_alloc_raw(&a, 2000)); /* past the limit */
	q = ddirr_arena_alloc(&a, 1000);              /* the zeroing form after a raw one */
	assert_non_null(q);
	assert_true(q >= p + 3000);
	assert_int_equal(q[0], 0);
	assert_int_equal(q[999], 0);
	ddirr_arena_release(&a);
}

static void arena__limit_refuses_before_allocating(void **state)
{
	ddirr_arena a = DDIRR_ARENA_INIT;

	(void)state;
	a.limit = 1024;
	assert_non_null(ddirr_arena_alloc(&a, 512));
	assert_null(ddirr_arena_alloc(&a, 4096));
	assert_null(ddirr_arena_alloc(&a, SIZE_MAX));
	assert_int_equal(a.used, 512); /* the refused requests took nothing */
	ddirr_arena_release(&a);
}

/* After a reset the limit counts from zero again, on the fast path too:
 * small allocations up to the limit succeed, in the block kept, and the
 * next one is refused. Also after the head block filled and another took
 * over. */
static void arena__limit_holds_across_resets_and_blocks(void **state)
{
	ddirr_arena a = DDIRR_ARENA_INIT;
	const size_t unit = DDIRR_ARENA_ALIGN;
	size_t round, i;

	(void)state;
	a.limit = 96 * 1024;
	for (round = 0; round < 3; round++) {
		char *first = ddirr_arena_alloc_raw(&a, unit), *p = first;

		assert_non_null(first);
		for (i = 1; i < a.limit / unit; i++) {
			char *q = ddirr_arena_alloc_raw(&a, unit);

			assert_non_null(q);
			assert_true(q != p);
			p = q;
		}
		assert_int_equal(a.used, a.limit);
		assert_null(ddirr_arena_alloc_raw(&a, 1));
		assert_null(ddirr_arena_alloc(&a, unit));
		assert_int_equal(a.used, a.limit);
		ddirr_arena_reset(&a);
		assert_int_equal(a.used, 0);
	}
	ddirr_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena__allocations_are_zeroed_aligned_and_distinct),
		cmocka_unit_test(arena__reset_reuses_memory_and_rezeroes),
		cmocka_unit_test(arena__limit_holds_across_resets_and_blocks),
		cmocka_unit_test(arena__raw_allocations_count_against_the_limit_and_stay_distinct),
		cmocka_unit_test(arena__limit_refuses_before_allocating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
