/* A fixture driver: every slice DDI, generated from ddi.def, registered
 * through DxgkInitialize from DriverEntry, as a KMD registers. See
 * fixture.h. */
#include <stddef.h>
#include <string.h>

#include "desc.h"
#include "fixture.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT const char ddirr_driver_version[] = "fixture-driver 1.0";

static fixture_check_fn check;
static void *check_ctx;
static int plain;
static DXGKRNL_INTERFACE iface; /* saved at StartDevice, as a KMD must */

EXPORT void fixture_driver_set(fixture_check_fn fn, void *ctx, int p)
{
	check = fn;
	check_ctx = ctx;
	plain = p;
}

EXPORT const DXGKRNL_INTERFACE *fixture_driver_interface(void)
{
	return &iface;
}

/* The call's return value slot (a NULL when it returns nothing). */
static const ddirr_field_desc *return_slot(uint32_t id)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);

	return d->ret_kind == DDIRR_RET_VOID ? NULL : &d->frame->fields[d->frame->n_fields - 1];
}

/* What a KMD does in the few DDIs that call back or hand out handles, and
 * one it refuses: OpenAllocation fails with STATUS_INVALID_PARAMETER, so
 * that a capture holds a negative NTSTATUS (the LTTng test compares its
 * sign-extended status). */
static void behave(uint32_t id, void *frame)
{
	switch (id) {
	case DDIRR_DDI_OpenAllocation:
		ddirr_desc_write((char *)frame + return_slot(id)->offset, return_slot(id)->size, 0xC000000Du);
		break;
	case DDIRR_DDI_AddDevice: {
		ddirr_frame_AddDevice *f = frame;

		if (f->MiniportDeviceContext)
			*f->MiniportDeviceContext = FIXTURE_DRIVER_CONTEXT;
		break;
	}
	case DDIRR_DDI_StartDevice: {
		ddirr_frame_StartDevice *f = frame;

		if (f->DxgkInterface)
			iface = *f->DxgkInterface;
		if (f->NumberOfVideoPresentSources)
			*f->NumberOfVideoPresentSources = 1;
		if (f->NumberOfChildren)
			*f->NumberOfChildren = 0;
		break;
	}
	case DDIRR_DDI_CreateContext: {
		ddirr_frame_CreateContext *f = frame;
		DXGKARGCB_CREATECONTEXTALLOCATION cca;
		DXGKARGCB_MAPCONTEXTALLOCATION mca;

		if (!iface.DxgkCbCreateContextAllocation || !f->pCreateContext)
			break;
		memset(&cca, 0, sizeof(cca));
		cca.hAdapter = iface.DeviceHandle;
		cca.hContext = f->pCreateContext->hContext;
		cca.ContextAllocationFlags.Value = 1;
		cca.Size = 4096;
		cca.Alignment = 4096;
		if (iface.DxgkCbCreateContextAllocation(&cca) < 0)
			break;
		memset(&mca, 0, sizeof(mca));
		mca.hAllocation = cca.hAllocation;
		mca.SizeInPages = 1;
		mca.BaseAddress = 0x100000000ull;
		iface.DxgkCbMapContextAllocation(iface.DeviceHandle, &mca);
		f->pCreateContext->hContext = (HANDLE)(uintptr_t)0xC0A7E47u;
		break;
	}
	case DDIRR_DDI_CreateProcess: {
		ddirr_frame_CreateProcess *f = frame;
		DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r;

		if (!iface.DxgkCbReserveGpuVirtualAddressRange || !f->pArgs)
			break;
		memset(&r, 0, sizeof(r));
		r.hDxgkProcess = f->pArgs->hDxgkProcess;
		r.BaseAddress = 0x200000000ull;
		r.SizeInBytes = 0x10000;
		r.Alignment = 0x10000;
		iface.DxgkCbReserveGpuVirtualAddressRange(iface.DeviceHandle, &r);
		f->pArgs->hKmdProcess = (HANDLE)(uintptr_t)0x9A0Cu;
		break;
	}
	default:
		break;
	}
}

static void handle(uint32_t id, void *frame)
{
	const ddirr_field_desc *rf = return_slot(id);

	if (rf)
		ddirr_desc_write((char *)frame + rf->offset, rf->size, 0);
	if (!plain)
		behave(id, frame);
	if (check)
		check(id, frame, check_ctx);
}

#define DDIRR_THUNK_NAME(name) drv_##name
#define DDIRR_THUNK_TABLE ddis
#define DDIRR_THUNK_BODY(name, ret_kind, RETURN) \
	handle(DDIRR_DDI_##name, &fr);            \
	RETURN;
#include "frame_thunks.h"

EXPORT NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
	DRIVER_INITIALIZATION_DATA did;
	size_t i;

	memset(&did, 0, sizeof(did));
	did.Version = DXGKDDI_INTERFACE_VERSION;
	for (i = 0; i < sizeof(ddis) / sizeof(ddis[0]); i++)
		if (ddis[i].kind == DDIRR_KIND_DDI)
			memcpy((char *)&did + ddis[i].offset, &ddis[i].fn, sizeof(ddis[i].fn));
	return DxgkInitialize(DriverObject, RegistryPath, &did);
}
