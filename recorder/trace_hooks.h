/* Live-view hooks the recorder core calls on every recorded call: the
 * portable side of the tracepoints. On Linux they are LTTng-UST tracepoints
 * (lttng_tp.c); the Windows port implements them with ETW events
 * (docs/windows-port.md). The core never includes an LTTng header.
 *
 * When nobody listens, a hook costs the wrapper two loads and a test:
 * it calls only while the event's flag is set. */
#ifndef DDIRR_RECORDER_TRACE_HOOKS_H
#define DDIRR_RECORDER_TRACE_HOOKS_H

#include <stdint.h>

/* Nonzero while someone listens to ddirr:ddi_entry and ddirr:ddi_exit:
 * the platform's own flags (LTTng-UST: the tracepoint's state; ETW: the
 * provider's enable bits), read without a lock. The wrappers test them
 * before they call a hook; a hook called anyway does nothing. */
extern const volatile int *const ddirr_hook_ddi_entry_on;
extern const volatile int *const ddirr_hook_ddi_exit_on;

/* ddirr:ddi_entry. key is the call's first parameter (a handle or a
 * pointer) as raw bits. */
void ddirr_hook_ddi_entry(uint64_t seq, uint32_t ddi, uint32_t thread, uint64_t parent_seq, uint64_t key);

/* ddirr:ddi_exit. status is the NTSTATUS for calls that return one (0
 * otherwise); ret is the raw return value (0 for VOID calls). */
void ddirr_hook_ddi_exit(uint64_t seq, uint32_t ddi, uint32_t thread, int64_t status, uint64_t ret);

#endif
