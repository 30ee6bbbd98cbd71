/* Fuzz target: replay on the aperture model. The input is a whole trace
 * file; ddirr_replay_run reads it, reorders, remaps and reissues every call
 * to the model, and the reports are written out. Whatever the trace holds,
 * the replay must end with an error code or a verdict. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ddirr/replay.h"
#include "fuzz_input.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ddirr_replay_options o = DDIRR_REPLAY_OPTIONS_INIT;
	ddirr_replay_result *r = NULL;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	o.trace = fuzz_input_file(data, size);
	o.target = "model";
	o.keep_going = 1;
	/* Keep a hostile trace from making each run slow: a few thousand
	   records of lookahead are plenty for inputs of this size. */
	o.lookahead = 4096;
	o.max_divergences = 64;
	if (ddirr_replay_run(&r, &o))
		return 0;
	if (r->verdict < DDIRR_REPLAY_PASS || r->verdict > DDIRR_REPLAY_CANNOT_TEST)
		abort();
	ddirr_replay_write_text(devnull, r);
	ddirr_replay_write_json(devnull, r);
	ddirr_replay_exit_code(r, 1);
	ddirr_replay_result_free(r);
	return 0;
}
