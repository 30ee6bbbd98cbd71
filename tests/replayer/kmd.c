/* A small deterministic KMD for the replayer's tests (see kmd.h): it
 * registers through DxgkInitialize, calls back into dxgkrnl where a KMD of
 * the slice does, keeps a host-aperture slot table and leaf PTEs, and
 * exports the probe (include/ddirr/probe.h). Variants come from -D flags. */
#include <stddef.h>
#include <string.h>

#include "ddirr/ddi.h"
#include "ddirr/probe.h"
#include "kmd.h"

#ifndef KMD_HANDLE_BASE
#define KMD_HANDLE_BASE KMD_GOOD_HANDLE_BASE
#endif

#define EXPORT __attribute__((visibility("default")))
#define P(x) ((HANDLE)(uintptr_t)(x))

static DXGKRNL_INTERFACE iface;
static uint64_t next_handle = KMD_HANDLE_BASE;
static HANDLE dxgk_device;
static D3DGPU_VIRTUAL_ADDRESS reserved_va;
static HANDLE context_allocation;
static int maps;
static struct {
	int mapped;
	UINT64 page;
} slots[3][1024];
static struct {
	D3DGPU_VIRTUAL_ADDRESS va;
	UINT segment;
	UINT64 page;
} ptes[64];
static size_t n_ptes;
static DXGK_ALLOCATIONUSAGEHINT usage_hint;
#ifdef KMD_WRONG_PRIVATE
static const char private_data[KMD_PRIVATE_SIZE] = KMD_PRIVATE_DATA_V2;
#else
static const char private_data[KMD_PRIVATE_SIZE] = KMD_PRIVATE_DATA;
#endif
#ifdef KMD_WRONG_SLOT
#define SLOT(k) (((k) + 1) % 1024)
#else
#define SLOT(k) ((k) % 1024)
#endif

static HANDLE fresh(void)
{
	uint64_t h = next_handle;

	next_handle += KMD_HANDLE_STEP;
	return P(h);
}

static NTSTATUS AddDevice(const PDEVICE_OBJECT pdo, PVOID *ctx)
{
	(void)pdo;
	*ctx = fresh();
	return STATUS_SUCCESS;
}

static NTSTATUS StartDevice(const PVOID ctx, DXGK_START_INFO *info, DXGKRNL_INTERFACE *i, PULONG sources, PULONG children)
{
	(void)ctx;
	(void)info;
	iface = *i;
	*sources = 1;
	*children = 0;
	return STATUS_SUCCESS;
}

static NTSTATUS QueryAdapterInfo(const HANDLE a, const DXGKARG_QUERYADAPTERINFO *q)
{
	DXGK_QUERYSEGMENTOUT4 *out = q->pOutputData;
	DXGK_SEGMENTDESCRIPTOR4 d[2];
	UINT k;

	(void)a;
	if (q->Type == DXGKQAITYPE_UMDRIVERPRIVATE) {
		if (!q->pOutputData || q->OutputDataSize < KMD_PRIVATE_SIZE)
			return STATUS_BUFFER_TOO_SMALL;
		memcpy(q->pOutputData, private_data, KMD_PRIVATE_SIZE);
		return STATUS_SUCCESS;
	}
	if (q->Type != DXGKQAITYPE_QUERYSEGMENT4 || q->OutputDataSize < sizeof(*out))
		return STATUS_NOT_SUPPORTED;
	memset(d, 0, sizeof(d));
	kmd_segments(d);
	if (out->pSegmentDescriptor)
		for (k = 0; k < 2 && k < out->NbSegment; k++)
			memcpy(out->pSegmentDescriptor + k * out->SegmentDescriptorStride, &d[k],
			       out->SegmentDescriptorStride < sizeof(d[k]) ? out->SegmentDescriptorStride : sizeof(d[k]));
	out->NbSegment = 2;
	out->PagingBufferSegmentId = 1;
	out->PagingBufferSize = 0x10000;
	return STATUS_SUCCESS;
}

static NTSTATUS CreateProcess(const HANDLE a, DXGKARG_CREATEPROCESS *p)
{
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r;

	(void)a;
	memset(&r, 0, sizeof(r));
	r.hDxgkProcess = p->hDxgkProcess;
	r.SizeInBytes = KMD_RESERVE_SIZE;
	r.Alignment = 2u << 20;
	if (iface.DxgkCbReserveGpuVirtualAddressRange(iface.DeviceHandle, &r) < 0)
		return STATUS_NO_MEMORY;
	reserved_va = r.StartVirtualAddress;
	p->hKmdProcess = fresh();
	return STATUS_SUCCESS;
}

static NTSTATUS CreateDevice(const HANDLE a, DXGKARG_CREATEDEVICE *d)
{
	(void)a;
	dxgk_device = d->hDevice;
	d->hDevice = fresh();
	return STATUS_SUCCESS;
}

static D3DGPU_VIRTUAL_ADDRESS map_context_allocation(void)
{
	DXGKARGCB_MAPCONTEXTALLOCATION m;

	memset(&m, 0, sizeof(m));
	m.hAllocation = context_allocation;
	m.SizeInPages = 16;
	return iface.DxgkCbMapContextAllocation(iface.DeviceHandle, &m);
}

static NTSTATUS CreateContext(const HANDLE dev, DXGKARG_CREATECONTEXT *c)
{
	DXGKARGCB_CREATECONTEXTALLOCATION a;

	(void)dev;
	memset(&a, 0, sizeof(a));
	a.hAdapter = iface.DeviceHandle;
	a.hDevice = dxgk_device;
	a.hContext = c->hContext;
	a.hDriverAllocation = fresh();
	a.Size = 64u << 10;
	a.Alignment = 64u << 10;
	a.SupportedSegmentSet = 1;
	if (iface.DxgkCbCreateContextAllocation(&a) < 0)
		return STATUS_NO_MEMORY;
	context_allocation = a.hAllocation;
	if (!map_context_allocation())
		return STATUS_NO_MEMORY;
#ifdef KMD_EXTRA_CALLBACK
	map_context_allocation();
#endif
	c->hContext = fresh();
	c->ContextInfo.DmaBufferSize = 4096;
	return STATUS_SUCCESS;
}

static NTSTATUS CreateAllocation(const HANDLE a, DXGKARG_CREATEALLOCATION *c)
{
	UINT i;

	(void)a;
	for (i = 0; i < c->NumAllocations; i++) {
		DXGK_ALLOCATIONINFO *ai = &c->pAllocationInfo[i];

		ai->Size = 1u << 20;
		ai->Alignment = 64u << 10;
		ai->SupportedReadSegmentSet = 1;
		ai->SupportedWriteSegmentSet = 1;
		ai->hAllocation = fresh();
		ai->pAllocationUsageHint = &usage_hint;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS BuildPagingBuffer(const HANDLE a, DXGKARG_BUILDPAGINGBUFFER *b)
{
	const DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE *u = &b->UpdatePageTable;
	UINT i;

	(void)a;
	if (b->Operation == DXGK_OPERATION_UPDATE_PAGE_TABLE && u->PageTableLevel == 0)
		for (i = 0; i < u->NumPageTableEntries && n_ptes < 64; i++, n_ptes++) {
			ptes[n_ptes].va = u->FirstPteVirtualAddress + (D3DGPU_VIRTUAL_ADDRESS)i * 4096;
			ptes[n_ptes].segment = (UINT)u->pPageTableEntries[i].Segment;
			ptes[n_ptes].page = u->pPageTableEntries[i].PageAddress;
		}
	return STATUS_SUCCESS;
}

static NTSTATUS MapCpuHostAperture(const HANDLE a, const DXGKARG_MAPCPUHOSTAPERTURE *m)
{
	UINT i;

	(void)a;
#ifdef KMD_WRONG_STATUS
	if (++maps == 2)
		return STATUS_UNSUCCESSFUL;
#else
	maps++;
#endif
	if (m->SegmentId < 1 || m->SegmentId > 2)
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < m->NumberOfPages; i++) {
		slots[m->SegmentId][SLOT(m->pCpuHostAperturePages[i])].mapped = 1;
		slots[m->SegmentId][SLOT(m->pCpuHostAperturePages[i])].page = m->pMemorySegmentPages[i];
	}
	return STATUS_SUCCESS;
}

static NTSTATUS UnmapCpuHostAperture(const HANDLE a, const DXGKARG_UNMAPCPUHOSTAPERTURE *u)
{
	UINT i;

	(void)a;
	if (u->SegmentId < 1 || u->SegmentId > 2)
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < u->NumberOfPages; i++)
		slots[u->SegmentId][SLOT(u->pCpuHostAperturePages[i])].mapped = 0;
	return STATUS_SUCCESS;
}

static NTSTATUS DestroyContext(const HANDLE c)
{
	(void)c;
	return iface.DxgkCbDestroyContextAllocation(iface.DeviceHandle, context_allocation);
}

static NTSTATUS Succeed1(const HANDLE h)
{
	(void)h;
	return STATUS_SUCCESS;
}

static NTSTATUS Succeed2(const HANDLE h, const void *p)
{
	(void)h;
	(void)p;
	return STATUS_SUCCESS;
}

EXPORT NTSTATUS ddirr_probe_aperture_slot(HANDLE hAdapter, UINT SegmentId, UINT Slot, UINT64 *SegmentPage)
{
	(void)hAdapter;
	if (SegmentId < 1 || SegmentId > 2 || Slot >= 1024)
		return STATUS_INVALID_PARAMETER;
	if (!slots[SegmentId][Slot].mapped)
		return DDIRR_PROBE_NOT_FOUND;
#ifdef KMD_WRONG_TRANSLATION
	*SegmentPage = slots[SegmentId][Slot].page + 1;
#else
	*SegmentPage = slots[SegmentId][Slot].page;
#endif
	return STATUS_SUCCESS;
}

EXPORT NTSTATUS ddirr_probe_gpu_va(HANDLE hAdapter, HANDLE hKmdProcess, D3DGPU_VIRTUAL_ADDRESS Va, UINT *SegmentId,
				   UINT64 *SegmentPage)
{
	size_t i;

	(void)hAdapter;
	(void)hKmdProcess;
	for (i = n_ptes; i-- > 0;)
		if (ptes[i].va == Va) {
			*SegmentId = ptes[i].segment;
#ifdef KMD_WRONG_PTE
			*SegmentPage = ptes[i].page + 1;
#else
			*SegmentPage = ptes[i].page;
#endif
			return STATUS_SUCCESS;
		}
	return DDIRR_PROBE_NOT_FOUND;
}

/* kmd_no_entry registers under another name: a .so that is no KMD. */
#ifdef KMD_NO_ENTRY
#define KMD_ENTRY NotADriverEntry
#else
#define KMD_ENTRY DriverEntry
#endif
EXPORT NTSTATUS KMD_ENTRY(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
	DRIVER_INITIALIZATION_DATA did;

	memset(&did, 0, sizeof(did));
	did.Version = DXGKDDI_INTERFACE_VERSION;
	did.DxgkDdiAddDevice = (void *)AddDevice;
	did.DxgkDdiStartDevice = (void *)StartDevice;
	did.DxgkDdiStopDevice = (void *)Succeed1;
	did.DxgkDdiRemoveDevice = (void *)Succeed1;
	did.DxgkDdiQueryAdapterInfo = (void *)QueryAdapterInfo;
	did.DxgkDdiCreateProcess = (void *)CreateProcess;
	did.DxgkDdiDestroyProcess = (void *)Succeed2;
	did.DxgkDdiCreateDevice = (void *)CreateDevice;
	did.DxgkDdiDestroyDevice = (void *)Succeed1;
	did.DxgkDdiCreateContext = (void *)CreateContext;
	did.DxgkDdiDestroyContext = (void *)DestroyContext;
	did.DxgkDdiCreateAllocation = (void *)CreateAllocation;
	did.DxgkDdiDestroyAllocation = (void *)Succeed2;
	did.DxgkDdiBuildPagingBuffer = (void *)BuildPagingBuffer;
	did.DxgkDdiMapCpuHostAperture = (void *)MapCpuHostAperture;
	did.DxgkDdiUnmapCpuHostAperture = (void *)UnmapCpuHostAperture;
	return DxgkInitialize(DriverObject, RegistryPath, &did);
}
