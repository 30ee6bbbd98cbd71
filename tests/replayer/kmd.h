/* The replayer's test driver (kmd.c) and the trace of its scenario
 * (kmd_script.c), which must agree call for call.
 *
 * The driver is built in several variants from one source:
 *   kmd_good             the reference behaviour
 *   kmd_rebased          other handle values (KMD_HANDLE_BASE): remap absorbs them
 *   kmd_wrong_translation  the probe reports slot -> page + 1
 *   kmd_extra_callback   CreateContext maps its context allocation twice
 *   kmd_wrong_status     the second MapCpuHostAperture fails
 *   kmd_wrong_slot       MapCpuHostAperture and Unmap use slot + 1: the probe reports it
 *   kmd_wrong_pte        the VA probe reports PTE page + 1
 *   kmd_wrong_private    answers another private data (KMD_PRIVATE_DATA_V2)
 *   kmd_no_entry         exports no DriverEntry: cannot test */
#ifndef DDIRR_TEST_KMD_H
#define DDIRR_TEST_KMD_H

#include <stdint.h>
#include <string.h>

#include "ddirr/wddm.h"

#define KMD_GOOD_HANDLE_BASE 0x1000u
#define KMD_HANDLE_STEP 0x10u
#define KMD_DXGK_ADAPTER 0xD000u
#define KMD_RESERVE_SIZE (16u << 20)
#define KMD_RESERVE_VA 0x100000000ull
#define KMD_CONTEXT_ALLOCATION 0xCA00u
#define KMD_CONTEXT_VA 0x200000000ull /* where VidMm mapped the context allocation */
/* pAllocationUsageHint (volatile: a host pointer) as the capture saw it;
 * the driver returns the address of its own hint instead. */
#define KMD_CAPTURED_USAGE_HINT 0xFFFFA00012340000ull
/* The private data QueryAdapterInfo(UMDRIVERPRIVATE) answers (opaque). */
#define KMD_PRIVATE_SIZE 16u
#define KMD_PRIVATE_DATA "kmd private v1"
#define KMD_PRIVATE_DATA_V2 "kmd private v2"
/* First 8 bytes of the SHA-256 of each, NUL-padded to KMD_PRIVATE_SIZE */
#define KMD_PRIVATE_SHA256_V1 "bc0caf4ba2a72c9d"
#define KMD_PRIVATE_SHA256_V2 "262961d4b1ec5a73"

/* The seqs of the scenario's calls. */
enum kmd_seq {
	KMD_SEQ_ADD_DEVICE = 1,
	KMD_SEQ_START_DEVICE = 2,
	KMD_SEQ_QUERY_SEGMENTS = 3,
	KMD_SEQ_CREATE_PROCESS = 4, /* callback 5: ReserveGpuVirtualAddressRange */
	KMD_SEQ_CREATE_DEVICE = 6,
	KMD_SEQ_CREATE_CONTEXT = 7, /* callbacks 8: CreateContextAllocation, 9: MapContextAllocation */
	KMD_SEQ_CREATE_ALLOCATION = 10,
	KMD_SEQ_FILL = 11,
	KMD_SEQ_UPDATE_PAGE_TABLE = 12,
	KMD_SEQ_MAP1 = 13,
	KMD_SEQ_UNMAP1 = 14,
	KMD_SEQ_MAP2 = 15,
	KMD_SEQ_UNMAP2 = 16,
	KMD_SEQ_DESTROY_ALLOCATION = 17,
	KMD_SEQ_DESTROY_CONTEXT = 18, /* callback 19: DestroyContextAllocation */
	KMD_SEQ_DESTROY_DEVICE = 20,
	KMD_SEQ_DESTROY_PROCESS = 21,
	KMD_SEQ_LAST = 21,
	KMD_SEQ_QUERY_PRIVATE = 22 /* only with kmd_script_options.private_data */
};

typedef struct kmd_script_options {
	uint64_t stop_after; /* write no record past the entry of this seq, and no trailer (0: whole trace) */
	int double_map;      /* UNMAP1 maps slots 0 and 1 again instead (MAP2 and UNMAP2 unmap) */
	int status_at;       /* record a failure status for this seq's exit */
	int zero_handle_at;  /* record a NULL handle out of this seq's exit (CreateAllocation, CreateContext...) */
	int zero_va;         /* record MapContextAllocation as failing (VA 0) */
	uint64_t map_base_va; /* record this BaseAddress in MapContextAllocation's input (the driver passes 0) */
	int stray_handle;    /* DestroyAllocation names an allocation no call created */
	int nb_segment;      /* record this NbSegment on QUERYSEGMENT4's exit (0: 2) */
	int destroy_twice;   /* seq 20 destroys the allocation again instead of the device */
	int dma_buffer_size; /* record this ContextInfo.DmaBufferSize on CreateContext's exit (0: 4096) */
	int private_data;    /* seq 22 queries the driver's private data, kept whole (privacy tier full) */
	int private_size_only; /* with private_data: the trace keeps its size only (privacy tier metadata) */
	int private_hashed;  /* with private_data: the trace keeps its size and SHA-256 (privacy tier hashed) */
} kmd_script_options;

/* The adapter's two segments, as QUERYSEGMENT4 describes them: 256 MiB of
 * 64 KB pages with 256 aperture slots, 64 MiB of 4 KB pages with 1024. */
static inline void kmd_segments(DXGK_SEGMENTDESCRIPTOR4 d[2])
{
	memset(d, 0, 2 * sizeof(d[0]));
	d[0].Flags.Value = 0x2800;
	d[0].Size = 256u << 20;
	d[0].CpuHostAperture.PhysicalAddress = 0xE0000000u;
	d[0].CpuHostAperture.SizeInPages = 256;
	d[1].Flags.Value = 0x2000;
	d[1].Size = 64u << 20;
	d[1].CpuHostAperture.PhysicalAddress = 0xF0000000u;
	d[1].CpuHostAperture.SizeInPages = 1024;
}

/* Writes the scenario's trace to path. Returns 0 or a DDIRR_E* code. */
int kmd_script_write(const char *path, const kmd_script_options *o);

#endif
