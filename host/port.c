/* The driver side of the capture host: loads a driver the way dxgkrnl
 * loads a KMD and calls its DDIs.
 *
 * A KMD's DriverEntry calls DxgkInitialize, which it imports. The ddirr
 * executable already exports one, the replayer's (replayer/target_driver.c),
 * and a process has one global definition of a name. So the host binds the
 * driver's import to its own function instead: after dlopen it points the
 * driver's GOT entries for DxgkInitialize at host_initialize
 * (recorder/bind_import.h, which the LD_PRELOAD shim uses for the same
 * symbol). The driver is opened RTLD_LAZY so that it loads even where
 * nothing exports the name. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "bind_import.h"
#include "ddirr/error.h"
#include "host.h"

static host_port *loading;
static void (*loading_hook)(DRIVER_INITIALIZATION_DATA *did);

static NTSTATUS host_initialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
				PDRIVER_INITIALIZATION_DATA did)
{
	(void)DriverObject;
	(void)RegistryPath;
	if (!loading || !did)
		return STATUS_INVALID_PARAMETER;
	if (loading_hook)
		loading_hook(did); /* the recorder wraps the table here, before the copy */
	loading->did = *did;     /* dxgkrnl copies the table (reference 14.1) */
	loading->initialized = 1;
	return STATUS_SUCCESS;
}

int port_load(host_port *p, const char *path, void (*on_initialize)(DRIVER_INITIALIZATION_DATA *did))
{
	NTSTATUS (*entry)(PDRIVER_OBJECT, PUNICODE_STRING);
	const char *version;
	NTSTATUS st;

	memset(p, 0, sizeof(*p));
	p->dl = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (!p->dl)
		return ddirr_error_set(DDIRR_EIO, "%s: the driver will not load: %s", path, dlerror());
	*(void **)&entry = dlsym(p->dl, "DriverEntry");
	if (!entry)
		return ddirr_error_set(DDIRR_EIO, "%s: the driver exports no DriverEntry", path);
	if (!ddirr_bind_import(p->dl, "DxgkInitialize", (void (*)(void))host_initialize))
		return ddirr_error_set(DDIRR_EIO, "%s: the driver does not import DxgkInitialize", path);
	*(void **)&p->probe_aperture = dlsym(p->dl, DDIRR_PROBE_APERTURE_SLOT_SYMBOL);
	*(void **)&p->probe_va = dlsym(p->dl, DDIRR_PROBE_GPU_VA_SYMBOL);
	version = dlsym(p->dl, "ddirr_driver_version");
	if (version)
		snprintf(p->version, sizeof(p->version), "%s", version);
	loading = p;
	loading_hook = on_initialize;
	st = entry(NULL, NULL);
	loading = NULL;
	loading_hook = NULL;
	if (st < 0)
		return ddirr_error_set(DDIRR_EIO, "%s: DriverEntry failed with status 0x%08x", path, (unsigned)st);
	if (!p->initialized)
		return ddirr_error_set(DDIRR_EIO, "%s: DriverEntry never called DxgkInitialize", path);
	return 0;
}

/* ---- the callbacks: one function per callback with its exact signature,
   generated from ddi.def; each hands its frame to host_callback(). */

#define DDIRR_THUNK_NAME(name) host_cb_##name
#define DDIRR_THUNK_TABLE host_thunks
#define DDIRR_THUNK_BODY(name, ret_kind, RETURN) \
	host_callback(DDIRR_DDI_##name, &fr);     \
	RETURN;
#include "frame_thunks.h"

void port_callbacks(DXGKRNL_INTERFACE *iface)
{
	size_t i;

	for (i = 0; i < sizeof(host_thunks) / sizeof(host_thunks[0]); i++)
		if (host_thunks[i].kind == DDIRR_KIND_CB)
			memcpy((char *)iface + host_thunks[i].offset, &host_thunks[i].fn, sizeof(host_thunks[i].fn));
}

int port_has(const host_port *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < sizeof(host_thunks) / sizeof(host_thunks[0]); i++) {
		void *fn;

		if (host_thunks[i].id != id || host_thunks[i].kind != DDIRR_KIND_DDI)
			continue;
		memcpy(&fn, (const char *)&p->did + host_thunks[i].offset, sizeof(fn));
		return fn != NULL;
	}
	return 0;
}

int port_call(host_port *p, uint32_t id, void *frame)
{
	size_t i;

	for (i = 0; i < sizeof(host_thunks) / sizeof(host_thunks[0]); i++) {
		ddirr_thunk_fn fn;

		if (host_thunks[i].id != id || host_thunks[i].kind != DDIRR_KIND_DDI)
			continue;
		memcpy(&fn, (const char *)&p->did + host_thunks[i].offset, sizeof(fn));
		if (!fn)
			return -1;
		ddirr_call_by_id(id, fn, frame);
		return 0;
	}
	return -1;
}
