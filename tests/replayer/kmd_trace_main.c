/* ddirr-kmd-trace OUT [--stop-after SEQ] [--status-at SEQ] [--double-map]:
 * writes the replayer test scenario (kmd.h), for the CLI tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "kmd.h"

int main(int argc, char **argv)
{
	kmd_script_options o = {0};
	const char *out = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stop-after") && i + 1 < argc)
			o.stop_after = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--status-at") && i + 1 < argc)
			o.status_at = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--double-map"))
			o.double_map = 1;
		else
			out = argv[i];
	}
	if (!out) {
		fprintf(stderr, "usage: ddirr-kmd-trace OUT [--stop-after SEQ] [--status-at SEQ] [--double-map]\n");
		return 2;
	}
	if (kmd_script_write(out, &o)) {
		fprintf(stderr, "ddirr-kmd-trace: %s\n", ddirr_error_last());
		return 1;
	}
	return 0;
}
