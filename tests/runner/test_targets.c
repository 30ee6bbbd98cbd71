/* Tests for runner/targets.c: version order, target names, and lists made
 * of folders, files and the model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "ddirr/error.h"
#include "ddirr/runner.h"
#include "test_files.h"

static void targets__versions_sort_numerically(void **state)
{
	(void)state;
	assert_true(ddirr_version_compare("samplekmd-1.9", "samplekmd-1.10") < 0);
	assert_true(ddirr_version_compare("samplekmd-1.10", "samplekmd-1.9") > 0);
	assert_true(ddirr_version_compare("samplekmd-2.0", "samplekmd-1.99") > 0);
	assert_int_equal(ddirr_version_compare("kmd-1.07", "kmd-1.7"), 0);
	assert_true(ddirr_version_compare("kmd-1.7", "kmd-1.7a") < 0);
	assert_true(ddirr_version_compare("a", "b") < 0);
	assert_int_equal(ddirr_version_compare("", ""), 0);
}

static void targets__names_drop_the_folder_lib_and_so(void **state)
{
	char b[64];

	(void)state;
	ddirr_target_name(b, sizeof(b), "driver:/x/y/samplekmd-1.3.so");
	assert_string_equal(b, "samplekmd-1.3");
	ddirr_target_name(b, sizeof(b), "driver:libkmd_good.so");
	assert_string_equal(b, "kmd_good");
	ddirr_target_name(b, sizeof(b), "model");
	assert_string_equal(b, "model");
}

static void touch(const char *dir, const char *name)
{
	char p[2048];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static void targets__a_folder_lists_its_drivers_in_version_order(void **state)
{
	char dir[1024];
	const char *args[3];
	char **list;
	size_t n;

	(void)state;
	test_temp_path(dir, sizeof(dir), "targets_dir");
	remove(dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	touch(dir, "samplekmd-1.10.so");
	touch(dir, "samplekmd-1.2.so");
	touch(dir, "samplekmd-1.9.so");
	touch(dir, "notes.txt");
	args[0] = "model";
	args[1] = dir;
	args[2] = "driver:/nowhere/x.so";
	assert_int_equal(ddirr_target_list(&list, &n, args, 2), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0], "model");
	assert_non_null(strstr(list[1], "samplekmd-1.2.so"));
	assert_non_null(strstr(list[2], "samplekmd-1.9.so"));
	assert_non_null(strstr(list[3], "samplekmd-1.10.so"));
	assert_int_equal(strncmp(list[1], "driver:", 7), 0);
	ddirr_target_list_free(list, n);
	/* A path that does not exist is an error, naming it. */
	assert_int_equal(ddirr_target_list(&list, &n, args + 2, 1), DDIRR_EINVAL);
	assert_non_null(strstr(ddirr_error_last(), "/nowhere/x.so"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(targets__versions_sort_numerically),
		cmocka_unit_test(targets__names_drop_the_folder_lib_and_so),
		cmocka_unit_test(targets__a_folder_lists_its_drivers_in_version_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
