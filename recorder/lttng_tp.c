/* trace_hooks.h on Linux: the LTTng-UST provider `ddirr` (lttng_tp.h).
 * The DDI name is looked up only when a session listens to the event. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "lttng_tp.h"

#include "ddirr/ddi.h"
#include "trace_hooks.h"

const volatile int *const ddirr_hook_ddi_entry_on = &lttng_ust_tracepoint_ddirr___ddi_entry.state;
const volatile int *const ddirr_hook_ddi_exit_on = &lttng_ust_tracepoint_ddirr___ddi_exit.state;

static const char *name_of(uint32_t ddi)
{
	const char *n = ddirr_ddi_name(ddi);

	return n ? n : "?";
}

void ddirr_hook_ddi_entry(uint64_t seq, uint32_t ddi, uint32_t thread, uint64_t parent_seq, uint64_t key)
{
	if (lttng_ust_tracepoint_enabled(ddirr, ddi_entry))
		lttng_ust_do_tracepoint(ddirr, ddi_entry, seq, ddi, name_of(ddi), thread, parent_seq, key);
}

void ddirr_hook_ddi_exit(uint64_t seq, uint32_t ddi, uint32_t thread, int64_t status, uint64_t ret)
{
	if (lttng_ust_tracepoint_enabled(ddirr, ddi_exit))
		lttng_ust_do_tracepoint(ddirr, ddi_exit, seq, ddi, name_of(ddi), thread, status, ret);
}
