/* Test fixtures for the recorder: a driver (libddirr_fixture_driver.so) that
 * registers every slice DDI through DxgkInitialize the way a KMD does, and
 * the host side (fixture_host.c) that plays dxgkrnl: it provides
 * DxgkInitialize and the callbacks, loads the driver and issues calls.
 *
 * Both sides hand every call they receive, as its frame, to a check
 * function the test sets, which can compare the arguments with what was
 * passed and choose the return value. */
#ifndef DDIRR_TEST_RECORDER_FIXTURE_H
#define DDIRR_TEST_RECORDER_FIXTURE_H

#include <stdint.h>

#include "ddirr/ddi.h"
#include "ddirr/recorder.h"

/* Called with the frame a DDI (driver side) or callback (host side)
 * received; it may set the frame's ReturnValue. */
typedef void (*fixture_check_fn)(uint32_t id, void *frame, void *ctx);

/* ---- Driver side (exported by libddirr_fixture_driver.so) ---- */

/* plain = 1: DDIs only call the check and return its ReturnValue (0 by
 * default). plain = 0 (default): also behave like a KMD: AddDevice returns
 * a context, StartDevice keeps the interface, CreateContext calls
 * DxgkCbCreateContextAllocation and DxgkCbMapContextAllocation,
 * CreateProcess calls DxgkCbReserveGpuVirtualAddressRange. */
typedef void (*fixture_driver_set_fn)(fixture_check_fn check, void *ctx, int plain);
typedef const DXGKRNL_INTERFACE *(*fixture_driver_interface_fn)(void);
#define FIXTURE_DRIVER_CONTEXT ((PVOID)(uintptr_t)0xADA7000u)
#define FIXTURE_DXGK_ADAPTER ((HANDLE)(uintptr_t)0xD06A000u)

/* ---- Host side (fixture_host.c) ---- */

/* Loads the driver at path and runs its DriverEntry; on_initialize (may be
 * NULL) sees the driver's table inside DxgkInitialize, before the host
 * copies it: the place for ddirr_recorder_wrap(). Returns 0 or -1 (message
 * on stderr). */
int fixture_host_load(const char *path, void (*on_initialize)(DRIVER_INITIALIZATION_DATA *did));

/* Runs AddDevice and StartDevice (with the host's callbacks). */
int fixture_host_start(void);

/* The host callbacks' check. */
void fixture_host_set_check(fixture_check_fn check, void *ctx);

/* Calls DDI `id` through the table the host copied (driver side), or
 * callback `id` through the interface the driver received, with the
 * arguments in frame; the return value lands in frame. */
void fixture_host_call(uint32_t id, void *frame);

/* The driver's controls, once loaded. */
void fixture_host_driver_set(fixture_check_fn check, void *ctx, int plain);
const DXGKRNL_INTERFACE *fixture_host_driver_interface(void);

/* The interface the host hands to StartDevice (its own callbacks). */
const DXGKRNL_INTERFACE *fixture_host_interface(void);

#endif
