/* The LTTng-UST provider `ddirr`: the live view of what the recorder
 * records. Events and fields (stable: the integration test and users'
 * babeltrace2 filters name them):
 *
 *   ddirr:ddi_entry  seq (u64), ddi (u32, enum ddirr_ddi), ddi_name
 *                    (string), thread (u32), parent_seq (u64, 0 when none),
 *                    key (u64 hex, the first parameter: a handle)
 *   ddirr:ddi_exit   seq (u64), ddi (u32), ddi_name (string), thread (u32),
 *                    status (s64, NTSTATUS or 0), ret (u64 hex, raw return)
 *
 * seq and thread are the same numbers as in the ddirr trace. Only
 * lttng_tp.c includes this header; the core calls trace_hooks.h. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER ddirr

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "lttng_tp.h"

#if !defined(DDIRR_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define DDIRR_LTTNG_TP_H

#include <stdint.h>

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(
	ddirr,
	ddi_entry,
	LTTNG_UST_TP_ARGS(
		uint64_t, seq,
		uint32_t, ddi,
		const char *, ddi_name,
		uint32_t, thread,
		uint64_t, parent_seq,
		uint64_t, key
	),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, seq, seq)
		lttng_ust_field_integer(uint32_t, ddi, ddi)
		lttng_ust_field_string(ddi_name, ddi_name)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_integer(uint64_t, parent_seq, parent_seq)
		lttng_ust_field_integer_hex(uint64_t, key, key)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(
	ddirr,
	ddi_exit,
	LTTNG_UST_TP_ARGS(
		uint64_t, seq,
		uint32_t, ddi,
		const char *, ddi_name,
		uint32_t, thread,
		int64_t, status,
		uint64_t, ret
	),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, seq, seq)
		lttng_ust_field_integer(uint32_t, ddi, ddi)
		lttng_ust_field_string(ddi_name, ddi_name)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_integer(int64_t, status, status)
		lttng_ust_field_integer_hex(uint64_t, ret, ret)
	)
)

#endif /* DDIRR_LTTNG_TP_H */

#include <lttng/tracepoint-event.h>
