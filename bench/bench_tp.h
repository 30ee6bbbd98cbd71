/* The benchmarks' own LTTng-UST tracepoint provider, `bench:payload`: the
 * LTTng side of the "same bytes" comparison with the ddirr recorder.
 *
 * One event carries exactly the argument bytes of one
 * DxgkDdiMapCpuHostAperture call, as the recorder copies them: the adapter
 * handle, the fixed fields of DXGKARG_MAPCPUHOSTAPERTURE and both page
 * arrays (4 + 8 bytes per page). LTTng adds its own event header (id,
 * timestamp); ddirr adds its own seq, thread, time and an exit record. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./bench_tp.h"

#if !defined(DDIRR_BENCH_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define DDIRR_BENCH_TP_H

#include <lttng/tracepoint.h>
#include <stdint.h>

#include <ddirr/wddm.h>

LTTNG_UST_TRACEPOINT_EVENT(bench, payload,
	LTTNG_UST_TP_ARGS(const void *, hAdapter, const DXGKARG_MAPCPUHOSTAPERTURE *, a),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, hAdapter, (uintptr_t)hAdapter)
		lttng_ust_field_integer_hex(uint64_t, hAllocation, (uintptr_t)a->hAllocation)
		lttng_ust_field_integer(uint16_t, SegmentId, a->SegmentId)
		lttng_ust_field_integer(uint16_t, PhysicalAdapterIndex, a->PhysicalAdapterIndex)
		lttng_ust_field_integer(uint64_t, NumberOfPages, a->NumberOfPages)
		lttng_ust_field_sequence(uint32_t, pCpuHostAperturePages, a->pCpuHostAperturePages,
		                         uint32_t, (uint32_t)a->NumberOfPages)
		lttng_ust_field_sequence(uint64_t, pMemorySegmentPages, a->pMemorySegmentPages,
		                         uint32_t, (uint32_t)a->NumberOfPages)
	)
)

#endif /* DDIRR_BENCH_TP_H */

#include <lttng/tracepoint-event.h>
