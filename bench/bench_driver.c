#include "bench_driver.h"

#include <string.h>

static unsigned long long pages_mapped;

static NTSTATUS APIENTRY bench_map(IN_CONST_HANDLE hAdapter, IN_CONST_PDXGKARG_MAPCPUHOSTAPERTURE pArgs)
{
	(void)hAdapter;
	pages_mapped += pArgs->NumberOfPages;
	return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY bench_unmap(IN_CONST_HANDLE hAdapter, IN_CONST_PDXGKARG_UNMAPCPUHOSTAPERTURE pArgs)
{
	(void)hAdapter;
	pages_mapped -= pArgs->NumberOfPages;
	return STATUS_SUCCESS;
}

void bench_driver_table(DRIVER_INITIALIZATION_DATA *d)
{
	memset(d, 0, sizeof(*d));
	d->Version = DXGKDDI_INTERFACE_VERSION_WDDM2_0;
	d->DxgkDdiMapCpuHostAperture = bench_map;
	d->DxgkDdiUnmapCpuHostAperture = bench_unmap;
}

unsigned long long bench_driver_pages(void)
{
	return pages_mapped;
}
