/* ddirr corpus DIR --driver D...: every trace of DIR against every target,
 * in parallel, one shard of the pairs, each verdict checked against the
 * manifest (DIR/manifest.tsv unless told otherwise) (runner.h,
 * docs/corpus.md).
 * Exit codes: 0 every pair of the shard got its expected verdict (without a
 * manifest: passed); 1 some did not; 2 usage or input error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ddirr/error.h"
#include "ddirr/runner.h"

int cmd_corpus(int argc, char **argv)
{
	ddirr_corpus_options o = DDIRR_CORPUS_OPTIONS_INIT;
	ddirr_corpus_result r;
	ddirr_manifest *m = NULL;
	const char **args = calloc((size_t)argc, sizeof(*args));
	const char *manifest = NULL, *shard = NULL;
	char **targets = NULL, path[4096];
	size_t n_args = 0, n = 0;
	int no_manifest = 0, update = 0, from_env = 0, code = EXIT_USAGE, k;

	if (!args)
		return EXIT_USAGE;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k];

		if (!strcmp(a, "--driver") || !strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--shard") ||
		    !strcmp(a, "--junit") || !strcmp(a, "--manifest") || !strcmp(a, "--timeout")) {
			const char *v;

			if (k + 1 >= argc) {
				cli_usage_error("corpus: %s needs a value", a);
				goto out;
			}
			v = argv[++k];
			if (!strcmp(a, "--driver"))
				args[n_args++] = v;
			else if (!strcmp(a, "-j") || !strcmp(a, "--jobs"))
				o.jobs = (unsigned)strtoul(v, NULL, 10);
			else if (!strcmp(a, "--shard"))
				shard = v;
			else if (!strcmp(a, "--junit"))
				o.junit = v;
			else if (!strcmp(a, "--manifest"))
				manifest = v;
			else
				o.timeout_s = (unsigned)strtoul(v, NULL, 10);
		} else if (!strncmp(a, "-j", 2) && a[2]) {
			o.jobs = (unsigned)strtoul(a + 2, NULL, 10);
		} else if (!strcmp(a, "--no-manifest")) {
			no_manifest = 1;
		} else if (!strcmp(a, "--update-manifest")) {
			update = 1;
		} else if (!strcmp(a, "--strict")) {
			o.strict = 1;
		} else if (a[0] == '-' && a[1]) {
			cli_usage_error("corpus: unknown option '%s'", a);
			goto out;
		} else if (!o.dir) {
			o.dir = a;
		} else {
			cli_usage_error("corpus: more than one folder given ('%s')", a);
			goto out;
		}
	}
	if (!o.dir || !n_args) {
		cli_usage_error("corpus: a folder of traces and at least one --driver (a .so, a folder, or model)");
		goto out;
	}
	if (shard ? ddirr_shard_parse(&o.shard, shard) : ddirr_shard_from_env(&o.shard, &from_env)) {
		cli_usage_error("corpus: %s", ddirr_error_last());
		goto out;
	}
	if (update && o.shard.total > 1) {
		cli_usage_error("corpus: --update-manifest needs every pair: no shard");
		goto out;
	}
	if (!manifest && !no_manifest) {
		snprintf(path, sizeof(path), "%s/manifest.tsv", o.dir);
		if (access(path, R_OK) == 0)
			manifest = path;
	}
	if (manifest && !no_manifest && ddirr_manifest_load(&m, manifest)) {
		cli_print_error();
		goto out;
	}
	if (update && !m) {
		cli_usage_error("corpus: --update-manifest needs a manifest");
		goto out;
	}
	if (ddirr_target_list(&targets, &n, args, n_args)) {
		cli_print_error();
		goto out;
	}
	o.targets = (const char *const *)targets;
	o.n_targets = n;
	o.manifest = m;
	o.update = update ? m : NULL;
	o.out = stdout;
	if (from_env)
		printf("corpus: shard %u/%u from the environment\n", o.shard.index + 1, o.shard.total);
	if (ddirr_corpus_run(&r, &o)) {
		cli_print_error();
		goto out;
	}
	if (update) {
		if (ddirr_manifest_save(m, manifest)) {
			cli_print_error();
			goto out;
		}
		printf("corpus: wrote the verdicts into %s\n", manifest);
		code = EXIT_OK;
	} else {
		code = r.unexpected ? EXIT_DAMAGED : EXIT_OK;
	}
out:
	ddirr_manifest_free(m);
	ddirr_target_list_free(targets, n);
	free(args);
	return code;
}
