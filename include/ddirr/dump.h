/* Human- and machine-readable rendering of trace records. */
#ifndef DDIRR_DUMP_H
#define DDIRR_DUMP_H

#include <stdio.h>

#include "ddirr/event.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ddirr_dump_flags {
	DDIRR_DUMP_JSON = 1 << 0,       /* one JSON object per record instead of text */
	DDIRR_DUMP_FULL_ARRAYS = 1 << 1 /* text: print every element, not the first 8 */
};

/* Writes one line for ev to out: the record header (seq, phase, DDI, thread,
 * time, parent) and every field recorded in its phase, with field names,
 * flags and enums decoded and each handle's namespace. Returns 0, or
 * DDIRR_EIO when out cannot be written. */
int ddirr_dump_event(FILE *out, const ddirr_event *ev, unsigned flags);

/* Writes s to out as a JSON string literal, quotes included: '"' and '\\'
 * escaped, control characters as \u00XX. NULL is written as "". */
void ddirr_dump_json_string(FILE *out, const char *s);

/* Writes a trace's adapter caps (ddirr_trace_info.adapter_caps_pb, a
 * serialized ddirr.AdapterCaps) to out: in text, a summary line, then one
 * line per segment, the GPU MMU caps and each page-table level, each of
 * those starting with `indent`; with DDIRR_DUMP_JSON, one JSON object (`null` when pb is NULL).
 * Returns 0, DDIRR_ECORRUPT when pb does not parse (nothing is written),
 * DDIRR_ENOMEM or DDIRR_EIO. */
int ddirr_dump_adapter_caps(FILE *out, const void *pb, size_t len, const char *indent, unsigned flags);

/* Returns the symbolic name of an NTSTATUS ddirr knows ("STATUS_SUCCESS"),
 * or NULL. */
const char *ddirr_status_name(uint32_t status);

#ifdef __cplusplus
}
#endif
#endif
