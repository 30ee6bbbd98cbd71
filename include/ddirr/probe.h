/* The probe ABI: optional functions a driver build exports so that the
 * replayer can see what its hardware tables really hold.
 *
 * A driver can return success from DxgkDdiMapCpuHostAperture and still
 * program the wrong page. When a driver exports these symbols (found with
 * dlsym; any subset), `ddirr replay` asks them, after every mapping call,
 * what the driver's own tables translate to, and compares the answer with the
 * shadow aperture model. A wrong answer is a divergence even when the call
 * returned success (docs/replay.md, "Probe").
 *
 * Both functions are read-only, may be called at any time between DDIs, and
 * must not call back into dxgkrnl. hAdapter is the driver's own adapter
 * handle (the MiniportDeviceContext its AddDevice returned). */
#ifndef DDIRR_PROBE_H
#define DDIRR_PROBE_H

#include "ddirr/wddm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* STATUS_NOT_FOUND, which wddm.h's slice does not define. */
#define DDIRR_PROBE_NOT_FOUND ((NTSTATUS)0xC0000225L)

/* The names the replayer looks up. */
#define DDIRR_PROBE_APERTURE_SLOT_SYMBOL "ddirr_probe_aperture_slot"
#define DDIRR_PROBE_GPU_VA_SYMBOL "ddirr_probe_gpu_va"

/* What CPU host aperture slot `Slot` of segment `SegmentId` maps now.
 * Returns STATUS_SUCCESS and the segment page in *SegmentPage when the slot
 * is mapped, DDIRR_PROBE_NOT_FOUND when it is not, STATUS_INVALID_PARAMETER when
 * the segment has no such slot. */
typedef NTSTATUS (*ddirr_probe_aperture_slot_fn)(HANDLE hAdapter, UINT SegmentId, UINT Slot, UINT64 *SegmentPage);

/* What GPU virtual address Va of process hKmdProcess (the driver's process
 * handle; NULL = the system process) translates to through the driver's
 * page tables: STATUS_SUCCESS with the segment and the page as a PTE holds
 * it (DXGK_PTE.PageAddress: the address within the segment >> 12, whatever
 * the segment's page size), or DDIRR_PROBE_NOT_FOUND when no valid PTE maps
 * it. */
typedef NTSTATUS (*ddirr_probe_gpu_va_fn)(HANDLE hAdapter, HANDLE hKmdProcess, D3DGPU_VIRTUAL_ADDRESS Va,
					  UINT *SegmentId, UINT64 *SegmentPage);

#ifdef __cplusplus
}
#endif
#endif
