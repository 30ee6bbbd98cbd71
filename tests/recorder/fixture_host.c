/* The host side of the recorder fixtures: plays dxgkrnl. See fixture.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "desc.h"
#include "fixture.h"

static DRIVER_INITIALIZATION_DATA table;  /* the host's copy, as dxgkrnl copies it */
static DXGKRNL_INTERFACE host_iface;
static void (*on_init)(DRIVER_INITIALIZATION_DATA *did);
static fixture_check_fn check;
static void *check_ctx;
static fixture_driver_set_fn driver_set;
static fixture_driver_interface_fn driver_interface;

/* Exported by the executable (-rdynamic), so the driver binds to it. */
__attribute__((visibility("default"))) NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject,
							      PUNICODE_STRING RegistryPath,
							      PDRIVER_INITIALIZATION_DATA did)
{
	(void)DriverObject;
	(void)RegistryPath;
	if (!did)
		return STATUS_INVALID_PARAMETER;
	if (on_init)
		on_init(did);
	table = *did;
	return STATUS_SUCCESS;
}

/* The callbacks: every slice callback, generated; they hand their frame to
 * the check, which may set the return value. */
static void host_handle(uint32_t id, void *frame)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const ddirr_field_desc *rf = &d->frame->fields[d->frame->n_fields - 1];

	ddirr_desc_write((char *)frame + rf->offset, rf->size, 0);
	if (id == DDIRR_DDI_CreateContextAllocation) {
		ddirr_frame_CreateContextAllocation *f = frame;

		if (f->pArgs)
			f->pArgs->hAllocation = (HANDLE)(uintptr_t)0xCA110Cu;
	}
	if (id == DDIRR_DDI_MapContextAllocation) {
		ddirr_frame_MapContextAllocation *f = frame;

		f->ReturnValue = f->pArgs ? f->pArgs->BaseAddress : 0;
	}
	if (check)
		check(id, frame, check_ctx);
}

#define DDIRR_THUNK_NAME(name) host_##name
#define DDIRR_THUNK_TABLE calls
#define DDIRR_THUNK_BODY(name, ret_kind, RETURN) \
	host_handle(DDIRR_DDI_##name, &fr);       \
	RETURN;
#include "frame_thunks.h"

int fixture_host_load(const char *path, void (*on_initialize)(DRIVER_INITIALIZATION_DATA *did))
{
	NTSTATUS (*entry)(PDRIVER_OBJECT, PUNICODE_STRING);
	void *h = dlopen(path, RTLD_NOW);
	size_t i;

	if (!h) {
		fprintf(stderr, "fixture host: %s\n", dlerror());
		return -1;
	}
	*(void **)&entry = dlsym(h, "DriverEntry");
	*(void **)&driver_set = dlsym(h, "fixture_driver_set");
	*(void **)&driver_interface = dlsym(h, "fixture_driver_interface");
	if (!entry || !driver_set || !driver_interface) {
		fprintf(stderr, "fixture host: %s is not the fixture driver\n", path);
		return -1;
	}
	memset(&host_iface, 0, sizeof(host_iface));
	host_iface.Size = sizeof(host_iface);
	host_iface.Version = DXGKDDI_INTERFACE_VERSION;
	host_iface.DeviceHandle = FIXTURE_DXGK_ADAPTER;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].kind == DDIRR_KIND_CB)
			memcpy((char *)&host_iface + calls[i].offset, &calls[i].fn, sizeof(calls[i].fn));
	on_init = on_initialize;
	return entry(NULL, NULL) < 0 ? -1 : 0;
}

int fixture_host_start(void)
{
	ddirr_frame_AddDevice add = {0};
	DXGK_START_INFO info = {0};
	PVOID ctx = NULL;
	ULONG sources = 0, children = 0;

	add.MiniportDeviceContext = &ctx;
	fixture_host_call(DDIRR_DDI_AddDevice, &add);
	if (add.ReturnValue < 0)
		return -1;
	ddirr_frame_StartDevice start = {ctx, &info, &host_iface, &sources, &children, 0};

	fixture_host_call(DDIRR_DDI_StartDevice, &start);
	return start.ReturnValue < 0 ? -1 : 0;
}

void fixture_host_set_check(fixture_check_fn fn, void *ctx)
{
	check = fn;
	check_ctx = ctx;
}

void fixture_host_driver_set(fixture_check_fn fn, void *ctx, int plain)
{
	driver_set(fn, ctx, plain);
}

const DXGKRNL_INTERFACE *fixture_host_driver_interface(void)
{
	return driver_interface();
}

const DXGKRNL_INTERFACE *fixture_host_interface(void)
{
	return &host_iface;
}

void fixture_host_call(uint32_t id, void *frame)
{
	const DXGKRNL_INTERFACE *drv = driver_interface();
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		ddirr_thunk_fn fn;

		if (calls[i].id != id)
			continue;
		memcpy(&fn, (calls[i].kind == DDIRR_KIND_DDI ? (const char *)&table : (const char *)drv) + calls[i].offset,
		       sizeof(fn));
		ddirr_call_by_id(id, fn, frame);
		return;
	}
}
