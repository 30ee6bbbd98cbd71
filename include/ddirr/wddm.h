/* The Windows WDDM kernel-mode display driver (KMD) types that ddirr records,
 * rebuilt for Linux.
 *
 * On Linux a "driver" is a shared object compiled against this header, and
 * the recorder sits between it and a user-mode stand-in for dxgkrnl. Every
 * type here therefore has the member names, member types, member order and
 * enum values of the genuine Windows headers (d3dukmdt.h, d3dkmddi.h,
 * dispmprt.h of SDK 10.0.16299, i.e. WDDM 2.3), so that the in-memory layout
 * matches Windows x64 and a driver's source compiles unchanged.
 *
 * Sources: /work/shared/reference/wddm-ddi.md §1-§14 and §16 (the x64 sizes
 * and offsets asserted at the end), with the members the reference elides
 * taken from the genuine H16299 headers. Facts the reference marks
 * [UNCONFIRMED] or [INFERRED] keep their raw member or value and say so.
 *
 * Layouts are those of DXGKDDI_INTERFACE_VERSION_WDDM2_3 whatever
 * DXGKDDI_INTERFACE_VERSION is set to: the version guards of the genuine
 * headers are not reproduced, only named in comments ("since 2.0").
 * Bits and values newer than 2.3 (from the reference's secondary sources) are
 * named but marked [post-2.3, UNCONFIRMED].
 *
 * Type mapping (LP64 Linux, matching Windows x64 sizes):
 *   BYTE, UCHAR, BOOLEAN, UINT8   uint8_t      WORD, USHORT, WCHAR  uint16_t
 *   CSHORT, SHORT                 int16_t      UINT, ULONG, DWORD   uint32_t
 *   INT, LONG, BOOL, NTSTATUS     int32_t      UINT64, ULONGLONG    uint64_t
 *   LONGLONG                      int64_t      ULONG_PTR, PFN_NUMBER uint64_t
 *   SIZE_T                        size_t       HANDLE, PVOID        void *
 *   LARGE_INTEGER, PHYSICAL_ADDRESS: the Windows union (8 bytes).
 *   APIENTRY expands to nothing; DEVICE_OBJECT and DRIVER_OBJECT are opaque.
 * ULONG is never `unsigned long` (64-bit on LP64). Enums are 4 bytes, as on
 * Windows. C bitfields are laid out by GCC exactly as MSVC lays them out for
 * a run of bitfields of one type, which is all the WDDM headers use. */
#ifndef DDIRR_WDDM_H
#define DDIRR_WDDM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Anonymous structs in unions are C11, but an extension in C++; 64-bit
 * bitfields are a GCC extension under -pedantic. */
#if defined(__GNUC__)
#define DDIRR_ANON __extension__
#else
#define DDIRR_ANON
#endif

/* clang++ -pedantic also reports the anonymous structs that __extension__
 * covers for g++; C clang reports an unused static inline in a lone header. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnested-anon-types"
#pragma clang diagnostic ignored "-Wgnu-anonymous-struct"
#endif

#if defined(__GNUC__)
#define DDIRR_MAYBE_UNUSED __attribute__((unused))
#else
#define DDIRR_MAYBE_UNUSED
#endif

#ifdef __cplusplus
#define DDIRR_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define DDIRR_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ------------------------------------------------------------------------ */
/* Windows base types                                                        */
/* ------------------------------------------------------------------------ */

#ifndef APIENTRY
#define APIENTRY
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef CONST
#define CONST const
#endif

typedef uint8_t BYTE;
typedef uint8_t UCHAR;
typedef uint8_t UINT8;
typedef uint8_t BOOLEAN;
typedef uint16_t WORD;
typedef uint16_t USHORT;
typedef uint16_t UINT16;
typedef uint16_t WCHAR;
typedef int16_t SHORT;
typedef int16_t CSHORT;
typedef uint32_t UINT;
typedef uint32_t UINT32;
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef int32_t INT;
typedef int32_t LONG;
typedef int32_t BOOL;
typedef uint64_t UINT64;
typedef uint64_t ULONG64;
typedef uint64_t ULONGLONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONG_PTR;
typedef size_t SIZE_T;
typedef void *PVOID;
typedef void *HANDLE;
typedef HANDLE *PHANDLE;
typedef ULONG *PULONG;
typedef UINT *PUINT;
typedef SIZE_T *PSIZE_T;
typedef WCHAR *PWSTR;

typedef int32_t NTSTATUS;

typedef union _LARGE_INTEGER {
	DDIRR_ANON struct {
		ULONG LowPart;
		LONG HighPart;
	};
	struct {
		ULONG LowPart;
		LONG HighPart;
	} u;
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _GUID {
	uint32_t Data1;
	uint16_t Data2;
	uint16_t Data3;
	uint8_t Data4[8];
} GUID;

typedef struct _LUID {
	ULONG LowPart;
	LONG HighPart;
} LUID, *PLUID;

typedef struct _UNICODE_STRING {
	USHORT Length;        /* bytes, without a terminator */
	USHORT MaximumLength; /* bytes */
	PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

/* Opaque kernel objects: only pointers to them cross the DDI. */
typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
struct _EPROCESS;

typedef ULONG_PTR PFN_NUMBER, *PPFN_NUMBER;

/* A memory descriptor list, as wdm.h lays it out; the page frame numbers
 * follow the header (48 bytes on x64). */
typedef struct _MDL {
	struct _MDL *Next;
	CSHORT Size; /* bytes: header plus the PFN array */
	CSHORT MdlFlags;
	struct _EPROCESS *Process;
	PVOID MappedSystemVa;
	PVOID StartVa;
	ULONG ByteCount;
	ULONG ByteOffset;
} MDL, *PMDL;

DDIRR_MAYBE_UNUSED static inline PFN_NUMBER *MmGetMdlPfnArray(MDL *Mdl)
{
	return (PFN_NUMBER *)(Mdl + 1);
}

/* NTSTATUS values the slice uses. */
#ifndef STATUS_SUCCESS
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#endif
#ifndef STATUS_UNSUCCESSFUL
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#endif
#ifndef STATUS_INVALID_PARAMETER
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#endif
#ifndef STATUS_NO_MEMORY
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#endif
#ifndef STATUS_BUFFER_TOO_SMALL
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L)
#endif
#ifndef STATUS_NOT_SUPPORTED
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#endif
/* The two graphics codes match an ntstatus.h listing (MessageId form). */
#ifndef STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER
#define STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER ((NTSTATUS)0xC01E0001L)
#endif
#ifndef STATUS_GRAPHICS_ALLOCATION_BUSY
#define STATUS_GRAPHICS_ALLOCATION_BUSY ((NTSTATUS)0xC01E0102L)
#endif
#ifndef NT_SUCCESS
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#endif

/* Parameter types of the DDI prototypes (d3dkmddi.h, dispmprt.h). The SAL
 * annotation is dropped; the CONST stays where the genuine typedef has it. */
typedef BOOLEAN IN_BOOLEAN;
typedef UCHAR IN_UCHAR;
typedef const HANDLE IN_CONST_HANDLE;
typedef UINT *INOUT_PUINT;
typedef UINT *OUT_PUINT;
typedef ULONG IN_ULONG;
typedef PULONG OUT_PULONG;
typedef PVOID IN_PVOID;
typedef const PVOID IN_CONST_PVOID;
typedef PVOID *OUT_PPVOID;
typedef const SIZE_T IN_CONST_SIZE_T;
typedef SIZE_T *OUT_PSIZE_T;
typedef const PDEVICE_OBJECT IN_CONST_PDEVICE_OBJECT;

/* ------------------------------------------------------------------------ */
/* §1 Common types, constants, versions                                      */
/* ------------------------------------------------------------------------ */

/* §1.3 Interface versions (d3dukmdt.h). */
#define DXGKDDI_INTERFACE_VERSION_VISTA 0x1052
#define DXGKDDI_INTERFACE_VERSION_VISTA_SP1 0x1053
#define DXGKDDI_INTERFACE_VERSION_WIN7 0x2005
#define DXGKDDI_INTERFACE_VERSION_WIN8 0x300E
#define DXGKDDI_INTERFACE_VERSION_WDDM1_3 0x4002
#define DXGKDDI_INTERFACE_VERSION_WDDM1_3_PATH_INDEPENDENT_ROTATION 0x4003
#define DXGKDDI_INTERFACE_VERSION_WDDM2_0 0x5023        /* H14393, H16299 */
#define DXGKDDI_INTERFACE_VERSION_WDDM2_0_H10240 0x5022 /* WDDM2_0 in H10240; accept both */
#define DXGKDDI_INTERFACE_VERSION_WDDM2_1 0x6003
#define DXGKDDI_INTERFACE_VERSION_WDDM2_2 0x700A
#define DXGKDDI_INTERFACE_VERSION_WDDM2_3 0x8001
/* Later values: third-party translations only [UNCONFIRMED]. */
#define DXGKDDI_INTERFACE_VERSION_WDDM2_1_5 0x6010
#define DXGKDDI_INTERFACE_VERSION_WDDM2_1_6 0x6011
#define DXGKDDI_INTERFACE_VERSION_WDDM2_4 0x9006
#define DXGKDDI_INTERFACE_VERSION_WDDM2_5 0xA00B
#define DXGKDDI_INTERFACE_VERSION_WDDM2_6 0xB004
#define DXGKDDI_INTERFACE_VERSION_WDDM2_7 0xC004
#define DXGKDDI_INTERFACE_VERSION_WDDM2_8 0xD001
#define DXGKDDI_INTERFACE_VERSION_WDDM2_9 0xE003
#define DXGKDDI_INTERFACE_VERSION_WDDM3_0 0xF003
#define DXGKDDI_INTERFACE_VERSION_WDDM3_1 0x10004
#define DXGKDDI_INTERFACE_VERSION_WDDM3_2 0x11007

#ifndef DXGKDDI_INTERFACE_VERSION
#define DXGKDDI_INTERFACE_VERSION DXGKDDI_INTERFACE_VERSION_WDDM2_3
#endif

/* §1.1 Scalar types and constants. */
typedef ULONGLONG D3DGPU_VIRTUAL_ADDRESS;
typedef ULONGLONG D3DGPU_SIZE_T;
#define D3DGPU_NULL 0
#define D3DGPU_UNIQUE_DRIVER_PROTECTION 0x8000000000000000ULL /* meaning [UNCONFIRMED] */

typedef UINT D3DKMT_HANDLE; /* dxgkrnl-assigned, user/kernel thunk handles */

#define DXGK_MAX_PAGE_TABLE_LEVEL_COUNT 6
#define DXGK_MIN_PAGE_TABLE_LEVEL_COUNT 2
#define DXGK_MAX_GPU_VA_BIT_COUNT 63 /* third-party only [UNCONFIRMED] */

typedef struct _D3DGPU_PHYSICAL_ADDRESS {
	UINT SegmentId;
	UINT64 SegmentOffset;
} D3DGPU_PHYSICAL_ADDRESS;

/* Segment constants "for WDDM v2" (d3dkmddi.h). The concept docs say the
 * system-memory segment is 0; the header says 31: keep the raw value. */
#define DXGK_SEGMENT_ID_INVALID 0
#define DXGK_SEGMENT_ID_SYSTEMMEMORY 31
#define DXGK_SEGMENT_SET_SYSTEMMEMORY 0x80000000

/* §1.2 Page table entry. */
typedef enum _DXGK_PTE_PAGE_SIZE {
	DXGK_PTE_PAGE_TABLE_PAGE_4KB = 0,
	DXGK_PTE_PAGE_TABLE_PAGE_64KB = 1
} DXGK_PTE_PAGE_SIZE;

typedef struct _DXGK_PTE {
	union {
		DDIRR_ANON struct {
			ULONGLONG Valid : 1;
			ULONGLONG Zero : 1;
			ULONGLONG CacheCoherent : 1;
			ULONGLONG ReadOnly : 1;
			ULONGLONG NoExecute : 1;
			ULONGLONG Segment : 5;
			ULONGLONG LargePage : 1;
			ULONGLONG PhysicalAdapterIndex : 6;
			ULONGLONG PageTablePageSize : 2; /* DXGK_PTE_PAGE_SIZE */
			ULONGLONG SystemReserved0 : 1;
			ULONGLONG Reserved : 44;
		};
		ULONGLONG Flags;
	};
	union {
		ULONGLONG PageAddress;      /* physical address >> 12 */
		ULONGLONG PageTableAddress; /* physical address >> 12 */
	};
} DXGK_PTE;

/* ------------------------------------------------------------------------ */
/* §2 DxgkDdiMapCpuHostAperture (since 2.0)                                  */
/* ------------------------------------------------------------------------ */

typedef struct _DXGKARG_MAPCPUHOSTAPERTURE {
	HANDLE hAllocation; /* KMD handle; NULL for implicit allocations */
	WORD SegmentId;     /* driver segment id, 1-based */
	WORD PhysicalAdapterIndex;
	UINT64 NumberOfPages; /* segment-page-size pages; length of both arrays */
	UINT32 *pCpuHostAperturePages;
	UINT64 *pMemorySegmentPages; /* segment-relative indexes [INFERRED] */
} DXGKARG_MAPCPUHOSTAPERTURE;

typedef const DXGKARG_MAPCPUHOSTAPERTURE *IN_CONST_PDXGKARG_MAPCPUHOSTAPERTURE;

typedef NTSTATUS APIENTRY DXGKDDI_MAPCPUHOSTAPERTURE(IN_CONST_HANDLE hAdapter,
                                                     IN_CONST_PDXGKARG_MAPCPUHOSTAPERTURE pArgs);
typedef DXGKDDI_MAPCPUHOSTAPERTURE *PDXGKDDI_MAPCPUHOSTAPERTURE;

/* ------------------------------------------------------------------------ */
/* §3 DxgkDdiUnmapCpuHostAperture (since 2.0); member order differs from §2  */
/* ------------------------------------------------------------------------ */

typedef struct _DXGKARG_UNMAPCPUHOSTAPERTURE {
	UINT64 NumberOfPages;
	UINT32 *pCpuHostAperturePages;
	WORD SegmentId;
	WORD PhysicalAdapterIndex;
} DXGKARG_UNMAPCPUHOSTAPERTURE;

typedef const DXGKARG_UNMAPCPUHOSTAPERTURE *IN_CONST_PDXGKARG_UNMAPCPUHOSTAPERTURE;

typedef NTSTATUS APIENTRY DXGKDDI_UNMAPCPUHOSTAPERTURE(IN_CONST_HANDLE hAdapter,
                                                       IN_CONST_PDXGKARG_UNMAPCPUHOSTAPERTURE pArgs);
typedef DXGKDDI_UNMAPCPUHOSTAPERTURE *PDXGKDDI_UNMAPCPUHOSTAPERTURE;

/* ------------------------------------------------------------------------ */
/* §4 Segment capabilities and the CPU host aperture                         */
/* ------------------------------------------------------------------------ */

/* §4.1 (since 2.0) */
typedef struct _DXGK_CPUHOSTAPERTURE {
	UINT64 PhysicalAddress; /* CPU physical base */
	UINT32 SizeInPages;     /* in segment-page-size pages */
} DXGK_CPUHOSTAPERTURE;

/* §4.2 */
typedef struct _DXGK_SEGMENTFLAGS {
	union {
		DDIRR_ANON struct {
			UINT Aperture : 1;                          /* 0x00000001 */
			UINT Agp : 1;                               /* 0x00000002 */
			UINT CpuVisible : 1;                        /* 0x00000004 */
			UINT UseBanking : 1;                        /* 0x00000008 */
			UINT CacheCoherent : 1;                     /* 0x00000010 */
			UINT PitchAlignment : 1;                    /* 0x00000020 */
			UINT PopulatedFromSystemMemory : 1;         /* 0x00000040 */
			UINT PreservedDuringStandby : 1;            /* 0x00000080 */
			UINT PreservedDuringHibernate : 1;          /* 0x00000100 */
			UINT PartiallyPreservedDuringHibernate : 1; /* 0x00000200 */
			UINT DirectFlip : 1;                        /* 0x00000400 since WIN8 */
			UINT Use64KBPages : 1;                      /* 0x00000800 since 2.0 */
			UINT ReservedSysMem : 1;                    /* 0x00001000 */
			UINT SupportsCpuHostAperture : 1;           /* 0x00002000 */
			UINT SupportsCachedCpuHostAperture : 1;     /* 0x00004000 */
			UINT ApplicationTarget : 1;                 /* 0x00008000 deprecated */
			UINT VprSupported : 1;                      /* 0x00010000 */
			UINT VprPreservedDuringStandby : 1;         /* 0x00020000 */
			UINT EncryptedPagingSupported : 1;          /* 0x00040000 */
			UINT LocalBudgetGroup : 1;                  /* 0x00080000 */
			UINT NonLocalBudgetGroup : 1;               /* 0x00100000 */
			UINT PopulatedByReservedDDRByFirmware : 1;  /* 0x00200000 [post-2.3, UNCONFIRMED] */
			UINT Reserved : 10;                         /* 0xFFC00000 */
		};
		UINT Value;
	};
} DXGK_SEGMENTFLAGS;

/* §4.3 Returned for DXGKQAITYPE_QUERYSEGMENT4; walk the array by
 * DXGK_QUERYSEGMENTOUT4.SegmentDescriptorStride, not by sizeof. */
typedef struct _DXGK_SEGMENTDESCRIPTOR4 {
	DXGK_SEGMENTFLAGS Flags;
	PHYSICAL_ADDRESS BaseAddress; /* GPU logical base */
	SIZE_T Size;
	SIZE_T CommitLimit; /* aperture segments only */
	SIZE_T SystemMemoryEndAddress;
	union {
		PHYSICAL_ADDRESS CpuTranslatedAddress; /* when !SupportsCpuHostAperture */
		DXGK_CPUHOSTAPERTURE CpuHostAperture;  /* when SupportsCpuHostAperture */
	};
	UINT NumInvalidMemoryRanges;
	SIZE_T VprRangeStartOffset;
	SIZE_T VprRangeSize;
	UINT VprAlignment;
	UINT NumVprSupported;
	UINT VprReserveSize;           /* absent in H10240 */
	UINT NumUEFIFrameBufferRanges; /* since 2.2 */
} DXGK_SEGMENTDESCRIPTOR4;

typedef struct _DXGK_QUERYSEGMENTIN4 {
	UINT PhysicalAdapterIndex;
} DXGK_QUERYSEGMENTIN4;

typedef struct _DXGK_QUERYSEGMENTOUT4 {
	UINT NbSegment;           /* 0 on the first call: return the count */
	BYTE *pSegmentDescriptor; /* NbSegment elements of SegmentDescriptorStride bytes */
	UINT PagingBufferSegmentId;
	UINT PagingBufferSize;
	UINT PagingBufferPrivateDataSize;
	SIZE_T SegmentDescriptorStride;
} DXGK_QUERYSEGMENTOUT4;

/* §4.4 DXGK_DRIVERCAPS.MemoryManagementCaps */
typedef struct _DXGK_VIDMMCAPS {
	union {
		DDIRR_ANON struct {
			UINT OutOfOrderLock : 1;
			UINT DedicatedPagingEngine : 1;       /* since WIN7 */
			UINT PagingEngineCanSwizzle : 1;
			UINT SectionBackedPrimary : 1;
			UINT CrossAdapterResource : 1;        /* since 1.3 */
			UINT VirtualAddressingSupported : 1;  /* since 2.0 */
			UINT GpuMmuSupported : 1;
			UINT IoMmuSupported : 1;
			UINT ReplicateGdiContent : 1;
			UINT NonCpuVisiblePrimary : 1;
			UINT ParavirtualizationSupported : 1; /* since 2.2 */
			/* bits 11-17 [post-2.3, UNCONFIRMED] */
			UINT IoMmuSecureModeSupported : 1;
			UINT DisableSelfRefreshVRAMInS3 : 1;
			UINT IoMmuSecureModeRequired : 1;
			UINT MapAperture2Supported : 1;
			UINT CrossAdapterResourceTexture : 1;
			UINT CrossAdapterResourceScanout : 1;
			UINT AlwaysPoweredVRAM : 1;
			UINT Reserved : 14;
		};
		UINT Value;
	};
	UINT PagingNode; /* WDDM 1.x only */
} DXGK_VIDMMCAPS;

/* ------------------------------------------------------------------------ */
/* §6, §9.1 Segment preferences and allocation flags (shared by §6 and §9)   */
/* ------------------------------------------------------------------------ */

typedef struct _D3DDDI_SEGMENTPREFERENCE {
	union {
		DDIRR_ANON struct {
			UINT SegmentId0 : 5; /* 0x0000001F */
			UINT Direction0 : 1; /* 0x00000020 */
			UINT SegmentId1 : 5; /* 0x000007C0 */
			UINT Direction1 : 1; /* 0x00000800 */
			UINT SegmentId2 : 5; /* 0x0001F000 */
			UINT Direction2 : 1; /* 0x00020000 */
			UINT SegmentId3 : 5; /* 0x007C0000 */
			UINT Direction3 : 1; /* 0x00800000 */
			UINT SegmentId4 : 5; /* 0x1F000000 */
			UINT Direction4 : 1; /* 0x20000000 */
			UINT Reserved : 2;   /* 0xC0000000 */
		};
		UINT Value;
	};
} D3DDDI_SEGMENTPREFERENCE;

typedef D3DDDI_SEGMENTPREFERENCE DXGK_SEGMENTPREFERENCE;

typedef struct _DXGK_SEGMENTBANKPREFERENCE {
	union {
		DDIRR_ANON struct {
			UINT Bank0 : 7;      /* 0x0000007F */
			UINT Direction0 : 1; /* 0x00000080 */
			UINT Bank1 : 7;      /* 0x00007F00 */
			UINT Direction1 : 1; /* 0x00008000 */
			UINT Bank2 : 7;      /* 0x007F0000 */
			UINT Direction2 : 1; /* 0x00800000 */
			UINT Bank3 : 7;      /* 0x7F000000 */
			UINT Direction3 : 1; /* 0x80000000 */
		};
		UINT Value;
	};
} DXGK_SEGMENTBANKPREFERENCE;

/* The genuine header names reserved bits through these macros; a driver may
 * predefine DXGK_ALLOCATIONINFOFLAGS_EXT / DXGK_DEVICEFLAGS_EXT to rename
 * them. DXGK_ALLOC_RESERVED16 and 17 have no mapping there either. */
#ifndef DXGK_ALLOCATIONINFOFLAGS_EXT
#define DXGK_ALLOCATIONINFOFLAGS_EXT
#define DXGK_ALLOC_RESERVED0 Reserved0
#define DXGK_ALLOC_RESERVED1 Reserved1
#define DXGK_ALLOC_RESERVED2 Reserved2
#define DXGK_ALLOC_RESERVED3 Reserved3
#define DXGK_ALLOC_RESERVED4 Reserved4
#define DXGK_ALLOC_RESERVED5 Reserved5
#define DXGK_ALLOC_RESERVED6 Reserved6
#define DXGK_ALLOC_RESERVED7 Reserved7
#define DXGK_ALLOC_RESERVED8 Reserved8
#define DXGK_ALLOC_RESERVED9 Reserved9
#define DXGK_ALLOC_RESERVED10 Reserved10
#define DXGK_ALLOC_RESERVED11 Reserved11
#define DXGK_ALLOC_RESERVED12 Reserved12
#define DXGK_ALLOC_RESERVED13 Reserved13
#define DXGK_ALLOC_RESERVED14 Reserved14
#define DXGK_ALLOC_RESERVED15 Reserved15
#endif
#ifndef DXGK_DEVICEFLAGS_EXT
#define DXGK_DEVICEFLAGS_EXT
#define DXGK_DEVICE_RESERVED0 Reserved0
#endif

/* The pre-WDDM 2.0 layout; also DXGKARGCB_CREATECONTEXTALLOCATION.Flags. */
typedef struct _DXGK_ALLOCATIONINFOFLAGS {
	union {
		DDIRR_ANON struct {
			UINT CpuVisible : 1;                    /* 0x00000001 */
			UINT PermanentSysMem : 1;               /* 0x00000002 */
			UINT Cached : 1;                        /* 0x00000004 */
			UINT Protected : 1;                     /* 0x00000008 */
			UINT ExistingSysMem : 1;                /* 0x00000010 */
			UINT ExistingKernelSysMem : 1;          /* 0x00000020 */
			UINT FromEndOfSegment : 1;              /* 0x00000040 */
			UINT Swizzled : 1;                      /* 0x00000080 */
			UINT Overlay : 1;                       /* 0x00000100 */
			UINT Capture : 1;                       /* 0x00000200 */
			UINT UseAlternateVA : 1;                /* 0x00000400 */
			UINT SynchronousPaging : 1;             /* 0x00000800 */
			UINT LinkMirrored : 1;                  /* 0x00001000 */
			UINT LinkInstanced : 1;                 /* 0x00002000 */
			UINT HistoryBuffer : 1;                 /* 0x00004000 */
			UINT AccessedPhysically : 1;            /* 0x00008000 since 2.0 */
			UINT ExplicitResidencyNotification : 1; /* 0x00010000 */
			UINT HardwareProtected : 1;             /* 0x00020000 */
			UINT CpuVisibleOnDemand : 1;            /* 0x00040000 */
			UINT DXGK_ALLOC_RESERVED16 : 1;
			UINT DXGK_ALLOC_RESERVED15 : 1;
			UINT DXGK_ALLOC_RESERVED14 : 1;
			UINT DXGK_ALLOC_RESERVED13 : 1;
			UINT DXGK_ALLOC_RESERVED12 : 1;
			UINT DXGK_ALLOC_RESERVED11 : 1;
			UINT DXGK_ALLOC_RESERVED10 : 1;
			UINT DXGK_ALLOC_RESERVED9 : 1;
			UINT DXGK_ALLOC_RESERVED4 : 1;
			UINT DXGK_ALLOC_RESERVED3 : 1;
			UINT DXGK_ALLOC_RESERVED2 : 1;
			UINT DXGK_ALLOC_RESERVED1 : 1;
			UINT DXGK_ALLOC_RESERVED0 : 1;
		};
		UINT Value;
	};
} DXGK_ALLOCATIONINFOFLAGS;

typedef struct _DXGK_ALLOCATIONINFOFLAGS_WDDM2_0 {
	union {
		DDIRR_ANON struct {
			UINT CpuVisible : 1;                    /* 0x00000001 */
			UINT PermanentSysMem : 1;               /* 0x00000002 */
			UINT Cached : 1;                        /* 0x00000004 */
			UINT Protected : 1;                     /* 0x00000008 */
			UINT ExistingSysMem : 1;                /* 0x00000010 */
			UINT ExistingKernelSysMem : 1;          /* 0x00000020 */
			UINT FromEndOfSegment : 1;              /* 0x00000040 */
			UINT DisableLargePageMapping : 1;       /* 0x00000080 */
			UINT Overlay : 1;                       /* 0x00000100 */
			UINT Capture : 1;                       /* 0x00000200 */
			UINT CreateInVpr : 1;                   /* 0x00000400 since 2.1 (Reserved00 before) */
			UINT DXGK_ALLOC_RESERVED17 : 1;         /* 0x00000800 */
			UINT Reserved02 : 1;                    /* 0x00001000 */
			UINT MapApertureCpuVisible : 1;         /* 0x00002000 2.9; H16299 names it Reserved03 */
			UINT HistoryBuffer : 1;                 /* 0x00004000 */
			UINT AccessedPhysically : 1;            /* 0x00008000 */
			UINT ExplicitResidencyNotification : 1; /* 0x00010000 */
			UINT HardwareProtected : 1;             /* 0x00020000 */
			UINT CpuVisibleOnDemand : 1;            /* 0x00040000 */
			UINT DXGK_ALLOC_RESERVED16 : 1;
			UINT DXGK_ALLOC_RESERVED15 : 1;
			UINT DXGK_ALLOC_RESERVED14 : 1;
			UINT DXGK_ALLOC_RESERVED13 : 1;
			UINT DXGK_ALLOC_RESERVED12 : 1;
			UINT DXGK_ALLOC_RESERVED11 : 1;
			UINT DXGK_ALLOC_RESERVED10 : 1;
			UINT DXGK_ALLOC_RESERVED9 : 1;
			UINT DXGK_ALLOC_RESERVED4 : 1;
			UINT DXGK_ALLOC_RESERVED3 : 1;
			UINT DXGK_ALLOC_RESERVED2 : 1;
			UINT DXGK_ALLOC_RESERVED1 : 1;
			UINT DXGK_ALLOC_RESERVED0 : 1;
		};
		UINT Value;
	};
} DXGK_ALLOCATIONINFOFLAGS_WDDM2_0;

/* WDDM 3.0+; bit positions from a secondary source, version guard
 * [UNCONFIRMED]. Not in H16299. */
typedef struct _DXGK_ALLOCATIONINFOFLAGS2 {
	union {
		DDIRR_ANON struct {
			UINT ShareBackingStoreWithKmd : 1;  /* 0x00000001 */
			UINT NoImplicitSynchronization : 1; /* 0x00000002 */
			UINT DisablePartialResidency : 1;   /* 0x00000004 */
			UINT RestrictedToSingleSegment : 1; /* 0x00000008 */
			UINT NotifyEviction : 1;            /* 0x00000010 */
			UINT NotifyIoMmuUnmap : 1;          /* 0x00000020 */
			UINT Reserved : 26;
		};
		UINT Value;
	};
} DXGK_ALLOCATIONINFOFLAGS2;

/* ------------------------------------------------------------------------ */
/* §6 Context allocations (since WIN8; extended in 2.0)                      */
/* ------------------------------------------------------------------------ */

typedef struct _DXGK_CREATECONTEXTALLOCATIONFLAGS {
	union {
		DDIRR_ANON struct {
			UINT SharedAcrossContexts : 1; /* 0x00000001 */
			UINT MapGpuVirtualAddress : 1; /* 0x00000002 since 2.0 */
			UINT Reserved : 30;
		};
		UINT Value;
	};
} DXGK_CREATECONTEXTALLOCATIONFLAGS;

typedef struct _DXGKARGCB_CREATECONTEXTALLOCATION {
	DXGK_CREATECONTEXTALLOCATIONFLAGS ContextAllocationFlags;
	HANDLE hAdapter;          /* DXGKRNL_INTERFACE.DeviceHandle */
	HANDLE hDevice;           /* dxgkrnl device; NULL = system device */
	HANDLE hContext;          /* dxgkrnl context; NULL if SharedAcrossContexts */
	HANDLE hDriverAllocation; /* the KMD's own handle */
	SIZE_T Size;
	UINT Alignment;
	UINT SupportedSegmentSet;
	UINT EvictionSegmentSet;
	DXGK_SEGMENTPREFERENCE PreferredSegment;
	DXGK_SEGMENTBANKPREFERENCE HintedBank;
	DXGK_ALLOCATIONINFOFLAGS Flags;
	HANDLE hAllocation;        /* out: dxgkrnl context-allocation handle */
	UINT PhysicalAdapterIndex; /* since 2.0 */
} DXGKARGCB_CREATECONTEXTALLOCATION;

typedef DXGKARGCB_CREATECONTEXTALLOCATION *INOUT_PDXGKARGCB_CREATECONTEXTALLOCATION;

/* Takes only the struct: the adapter handle is inside it. */
typedef NTSTATUS(APIENTRY *DXGKCB_CREATECONTEXTALLOCATION)(INOUT_PDXGKARGCB_CREATECONTEXTALLOCATION);
typedef NTSTATUS(APIENTRY *DXGKCB_DESTROYCONTEXTALLOCATION)(IN_CONST_HANDLE hAdapter,
                                                           IN_CONST_HANDLE hAllocation);

/* ------------------------------------------------------------------------ */
/* §8 UMD/thunk GPU VA services (since 2.0; d3dukmdt.h)                      */
/* ------------------------------------------------------------------------ */

/* §8.1 Read access is always implied. */
typedef struct _D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE {
	union {
		DDIRR_ANON struct {
			UINT64 Write : 1;
			UINT64 Execute : 1;
			UINT64 Zero : 1;
			UINT64 NoAccess : 1;
			UINT64 SystemUseOnly : 1; /* the UMD must not set it */
			UINT64 Reserved : 59;
		};
		UINT64 Value;
	};
} D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE;

typedef enum _D3DDDIGPUVIRTUALADDRESS_RESERVATION_TYPE {
	D3DDDIGPUVIRTUALADDRESS_RESERVE_NO_ACCESS = 0,
	D3DDDIGPUVIRTUALADDRESS_RESERVE_ZERO = 1,
	D3DDDIGPUVIRTUALADDRESS_RESERVE_NO_COMMIT = 2 /* system use */
} D3DDDIGPUVIRTUALADDRESS_RESERVATION_TYPE;

/* §8.2 Offsets and sizes in 4 KB pages. */
typedef struct D3DDDI_MAPGPUVIRTUALADDRESS {
	D3DKMT_HANDLE hPagingQueue;
	D3DGPU_VIRTUAL_ADDRESS BaseAddress;
	D3DGPU_VIRTUAL_ADDRESS MinimumAddress;
	D3DGPU_VIRTUAL_ADDRESS MaximumAddress;
	D3DKMT_HANDLE hAllocation; /* 0 for Zero/NoAccess */
	D3DGPU_SIZE_T OffsetInPages;
	D3DGPU_SIZE_T SizeInPages;
	D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE Protection;
	UINT64 DriverProtection;
	UINT Reserved0;
	UINT64 Reserved1;
	D3DGPU_VIRTUAL_ADDRESS VirtualAddress; /* out */
	UINT64 PagingFenceValue;               /* out */
} D3DDDI_MAPGPUVIRTUALADDRESS;

/* §8.3 */
typedef struct D3DDDI_RESERVEGPUVIRTUALADDRESS {
	union {
		D3DKMT_HANDLE hPagingQueue;
		D3DKMT_HANDLE hAdapter;
	};
	D3DGPU_VIRTUAL_ADDRESS BaseAddress;
	D3DGPU_VIRTUAL_ADDRESS MinimumAddress;
	D3DGPU_VIRTUAL_ADDRESS MaximumAddress;
	D3DGPU_SIZE_T Size; /* bytes */
	union {
		D3DDDIGPUVIRTUALADDRESS_RESERVATION_TYPE ReservationType;
		UINT Reserved0;
	};
	union {
		UINT64 DriverProtection;
		UINT64 Reserved1;
	};
	D3DGPU_VIRTUAL_ADDRESS VirtualAddress; /* out */
	union {
		UINT64 PagingFenceValue; /* out */
		UINT64 Reserved2;
	};
} D3DDDI_RESERVEGPUVIRTUALADDRESS;

/* §8.4 Bytes, 4 KB aligned. */
typedef struct _D3DDDICB_FREEGPUVIRTUALADDRESS {
	D3DGPU_VIRTUAL_ADDRESS BaseAddress;
	D3DGPU_SIZE_T Size;
} D3DDDICB_FREEGPUVIRTUALADDRESS;

typedef struct _D3DKMT_FREEGPUVIRTUALADDRESS {
	D3DKMT_HANDLE hAdapter;
	D3DGPU_VIRTUAL_ADDRESS BaseAddress;
	D3DGPU_SIZE_T Size;
} D3DKMT_FREEGPUVIRTUALADDRESS;

/* §8.5 Bytes, 4 KB aligned. */
typedef enum _D3DDDI_UPDATEGPUVIRTUALADDRESS_OPERATION_TYPE {
	D3DDDI_UPDATEGPUVIRTUALADDRESS_MAP = 0,
	D3DDDI_UPDATEGPUVIRTUALADDRESS_UNMAP = 1,
	D3DDDI_UPDATEGPUVIRTUALADDRESS_COPY = 2,
	D3DDDI_UPDATEGPUVIRTUALADDRESS_MAP_PROTECT = 3
} D3DDDI_UPDATEGPUVIRTUALADDRESS_OPERATION_TYPE;

typedef struct _D3DDDI_UPDATEGPUVIRTUALADDRESS_OPERATION {
	D3DDDI_UPDATEGPUVIRTUALADDRESS_OPERATION_TYPE OperationType;
	union {
		struct {
			D3DGPU_VIRTUAL_ADDRESS BaseAddress;
			D3DGPU_SIZE_T SizeInBytes;
			D3DKMT_HANDLE hAllocation;
			D3DGPU_SIZE_T AllocationOffsetInBytes;
			D3DGPU_SIZE_T AllocationSizeInBytes;
		} Map;
		struct {
			D3DGPU_VIRTUAL_ADDRESS BaseAddress;
			D3DGPU_SIZE_T SizeInBytes;
			D3DKMT_HANDLE hAllocation;
			D3DGPU_SIZE_T AllocationOffsetInBytes;
			D3DGPU_SIZE_T AllocationSizeInBytes;
			D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE Protection;
			UINT64 DriverProtection;
		} MapProtect;
		struct {
			D3DGPU_VIRTUAL_ADDRESS BaseAddress;
			D3DGPU_SIZE_T SizeInBytes;
			D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE Protection;
		} Unmap;
		struct {
			D3DGPU_VIRTUAL_ADDRESS SourceAddress;
			D3DGPU_SIZE_T SizeInBytes;
			D3DGPU_VIRTUAL_ADDRESS DestAddress;
		} Copy;
	};
} D3DDDI_UPDATEGPUVIRTUALADDRESS_OPERATION;

/* ------------------------------------------------------------------------ */
/* §7 GPU VA callbacks for the KMD (since 2.0)                               */
/* ------------------------------------------------------------------------ */

/* §7.1 Offsets and sizes in 4 KB pages, whatever the segment page size. */
typedef struct _DXGKARGCB_MAPCONTEXTALLOCATION {
	D3DGPU_VIRTUAL_ADDRESS BaseAddress;    /* optional */
	D3DGPU_VIRTUAL_ADDRESS MinimumAddress; /* optional */
	D3DGPU_VIRTUAL_ADDRESS MaximumAddress; /* optional; 0 = no limit */
	HANDLE hAllocation;                    /* dxgkrnl context-allocation handle */
	D3DGPU_SIZE_T OffsetInPages;
	D3DGPU_SIZE_T SizeInPages;
	D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE Protection;
	UINT64 DriverProtection;
} DXGKARGCB_MAPCONTEXTALLOCATION;

typedef const DXGKARGCB_MAPCONTEXTALLOCATION *IN_CONST_PDXGKARGCB_MAPCONTEXTALLOCATION;

/* Returns the mapped VA, or 0 (D3DGPU_NULL) on failure. */
typedef D3DGPU_VIRTUAL_ADDRESS(APIENTRY *DXGKCB_MAPCONTEXTALLOCATION)(
	IN_CONST_HANDLE hAdapter, IN_CONST_PDXGKARGCB_MAPCONTEXTALLOCATION pArgs);

/* §7.2 */
typedef struct _DXGKARGCB_UPDATECONTEXTALLOCATION {
	HANDLE hAllocation; /* dxgkrnl context-allocation handle */
	PVOID pPrivateDriverData;
	UINT PrivateDriverDataSize;
} DXGKARGCB_UPDATECONTEXTALLOCATION;

typedef const DXGKARGCB_UPDATECONTEXTALLOCATION *IN_CONST_PDXGKARGCB_UPDATECONTEXTALLOCATION;

typedef NTSTATUS(APIENTRY *DXGKCB_UPDATECONTEXTALLOCATION)(
	IN_CONST_HANDLE hAdapter, IN_CONST_PDXGKARGCB_UPDATECONTEXTALLOCATION pArgs);

/* §7.3 Valid only inside DxgkDdiCreateProcess. */
typedef struct _DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE {
	HANDLE hDxgkProcess; /* the hDxgkProcess given to DxgkDdiCreateProcess */
	UINT64 SizeInBytes;  /* multiple of the leaf page table coverage */
	UINT Alignment;      /* power of 2 */
	UINT64 StartVirtualAddress; /* out */
	UINT64 BaseAddress;         /* what 0 means is [UNCONFIRMED] */
	union {
		DDIRR_ANON struct {
			UINT AllowUserModeMapping : 1;
		};
		UINT Flags;
	};
} DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE;

typedef DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE *INOUT_PDXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE;

typedef NTSTATUS(APIENTRY *DXGKCB_RESERVEGPUVIRTUALADDRESSRANGE)(
	IN_CONST_HANDLE hAdapter, INOUT_PDXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE pArgs);

/* ------------------------------------------------------------------------ */
/* §9 Allocation lifecycle DDIs                                              */
/* ------------------------------------------------------------------------ */

/* D3DDDIFORMAT is a large enum in d3dukmdt.h; only its 4-byte type matters
 * here, so only the bounding values are given. */
typedef enum _D3DDDIFORMAT {
	D3DDDIFMT_UNKNOWN = 0,
	D3DDDIFMT_FORCE_UINT = 0x7fffffff
} D3DDDIFORMAT;

typedef struct _DXGK_ALLOCATIONUSAGEINFO1 {
	union {
		DDIRR_ANON struct {
			UINT PrivateFormat : 1; /* 0x00000001 */
			UINT Swizzled : 1;      /* 0x00000002 */
			UINT MipMap : 1;        /* 0x00000004 */
			UINT Cube : 1;          /* 0x00000008 */
			UINT Volume : 1;        /* 0x00000010 */
			UINT Vertex : 1;        /* 0x00000020 */
			UINT Index : 1;         /* 0x00000040 */
			UINT Reserved : 25;
		};
		UINT Value;
	} Flags;
	union {
		D3DDDIFORMAT Format; /* Flags.PrivateFormat == 0 */
		UINT PrivateFormat;  /* Flags.PrivateFormat == 1 */
	};
	UINT SwizzledFormat;
	UINT ByteOffset;
	UINT Width;
	UINT Height;
	UINT Pitch;
	UINT Depth;
	UINT SlicePitch;
} DXGK_ALLOCATIONUSAGEINFO1;

typedef struct _DXGK_ALLOCATIONUSAGEHINT {
	UINT Version;
	DXGK_ALLOCATIONUSAGEINFO1 v1;
} DXGK_ALLOCATIONUSAGEHINT;

/* §9.1 The H16299 layout. Newer SDKs turn Alignment into a union with
 * {UINT16 MinimumPageSize; UINT16 RecommendedPageSize;} and
 * SupportedReadSegmentSet into a union with UINT MmuSet [UNCONFIRMED guard];
 * the offsets do not change. */
typedef struct _DXGK_ALLOCATIONINFO {
	VOID *pPrivateDriverData;   /* in */
	UINT PrivateDriverDataSize; /* in */
	UINT Alignment;             /* out, bytes */
	SIZE_T Size;                /* out */
	SIZE_T PitchAlignedSize;    /* out */
	DXGK_SEGMENTBANKPREFERENCE HintedBank;
	DXGK_SEGMENTPREFERENCE PreferredSegment;
	UINT SupportedReadSegmentSet; /* ignored by WDDM 2 */
	UINT SupportedWriteSegmentSet;
	UINT EvictionSegmentSet;
	union {
		UINT MaximumRenamingListLength; /* before 2.0 */
		UINT PhysicalAdapterIndex;      /* since 2.0 */
	};
	HANDLE hAllocation; /* out: the KMD's handle */
	union {
		DXGK_ALLOCATIONINFOFLAGS Flags;
		DXGK_ALLOCATIONINFOFLAGS_WDDM2_0 FlagsWddm2; /* since 2.0 */
	};
	DXGK_ALLOCATIONUSAGEHINT *pAllocationUsageHint;
	UINT AllocationPriority;
	/* WDDM 3.0+ [UNCONFIRMED guard]; absent in H16299, where these bytes
	 * are tail padding: meaningful only for a 3.0+ driver. */
	DXGK_ALLOCATIONINFOFLAGS2 Flags2;
} DXGK_ALLOCATIONINFO;

typedef struct _DXGK_CREATEALLOCATIONFLAGS {
	union {
		DDIRR_ANON struct {
			UINT Resource : 1; /* 0x00000001 */
			UINT Reserved : 31;
		};
		UINT Value;
	};
} DXGK_CREATEALLOCATIONFLAGS;

typedef struct _DXGKARG_CREATEALLOCATION {
	CONST VOID *pPrivateDriverData;
	UINT PrivateDriverDataSize;
	UINT NumAllocations;
	DXGK_ALLOCATIONINFO *pAllocationInfo;
	HANDLE hResource;
	DXGK_CREATEALLOCATIONFLAGS Flags;
} DXGKARG_CREATEALLOCATION;

typedef DXGKARG_CREATEALLOCATION *INOUT_PDXGKARG_CREATEALLOCATION;

typedef NTSTATUS APIENTRY DXGKDDI_CREATEALLOCATION(IN_CONST_HANDLE hAdapter,
                                                   INOUT_PDXGKARG_CREATEALLOCATION pCreateAllocation);
typedef DXGKDDI_CREATEALLOCATION *PDXGKDDI_CREATEALLOCATION;

/* §9.2 */
typedef struct _DXGK_DESTROYALLOCATIONFLAGS {
	union {
		DDIRR_ANON struct {
			UINT DestroyResource : 1; /* 0x00000001 */
			UINT Reserved : 31;
		};
		UINT Value;
	};
} DXGK_DESTROYALLOCATIONFLAGS;

typedef struct _DXGKARG_DESTROYALLOCATION {
	UINT NumAllocations;
	CONST HANDLE *pAllocationList; /* KMD allocation handles */
	HANDLE hResource;
	DXGK_DESTROYALLOCATIONFLAGS Flags;
} DXGKARG_DESTROYALLOCATION;

typedef const DXGKARG_DESTROYALLOCATION *IN_CONST_PDXGKARG_DESTROYALLOCATION;

typedef NTSTATUS APIENTRY DXGKDDI_DESTROYALLOCATION(IN_CONST_HANDLE hAdapter,
                                                    IN_CONST_PDXGKARG_DESTROYALLOCATION pDestroyAllocation);
typedef DXGKDDI_DESTROYALLOCATION *PDXGKDDI_DESTROYALLOCATION;

/* §9.3 Per device. */
typedef struct _DXGK_OPENALLOCATIONINFO {
	D3DKMT_HANDLE hAllocation;
	VOID *pPrivateDriverData;
	UINT PrivateDriverDataSize;
	HANDLE hDeviceSpecificAllocation; /* out */
} DXGK_OPENALLOCATIONINFO;

typedef struct _DXGK_OPENALLOCATIONFLAGS {
	union {
		DDIRR_ANON struct {
			UINT Create : 1;   /* 0x00000001 */
			UINT ReadOnly : 1; /* 0x00000002 */
			UINT Reserved : 30;
		};
		UINT Value;
	};
} DXGK_OPENALLOCATIONFLAGS;

typedef struct _DXGKARG_OPENALLOCATION {
	UINT NumAllocations;
	DXGK_OPENALLOCATIONINFO *pOpenAllocation;
	VOID *pPrivateDriverData;
	UINT PrivateDriverSize;
	DXGK_OPENALLOCATIONFLAGS Flags;
	UINT SubresourceIndex;    /* since WIN8 */
	SIZE_T SubresourceOffset; /* out */
	UINT Pitch;               /* out */
} DXGKARG_OPENALLOCATION;

typedef const DXGKARG_OPENALLOCATION *IN_CONST_PDXGKARG_OPENALLOCATION;

typedef NTSTATUS APIENTRY DXGKDDI_OPENALLOCATIONINFO(IN_CONST_HANDLE hDevice,
                                                     IN_CONST_PDXGKARG_OPENALLOCATION pOpenAllocation);
typedef DXGKDDI_OPENALLOCATIONINFO *PDXGKDDI_OPENALLOCATIONINFO;

typedef struct _DXGKARG_CLOSEALLOCATION {
	UINT NumAllocations;
	CONST HANDLE *pOpenHandleList; /* hDeviceSpecificAllocation values */
} DXGKARG_CLOSEALLOCATION;

typedef const DXGKARG_CLOSEALLOCATION *IN_CONST_PDXGKARG_CLOSEALLOCATION;

typedef NTSTATUS APIENTRY DXGKDDI_CLOSEALLOCATION(IN_CONST_HANDLE hDevice,
                                                  IN_CONST_PDXGKARG_CLOSEALLOCATION pCloseAllocation);
typedef DXGKDDI_CLOSEALLOCATION *PDXGKDDI_CLOSEALLOCATION;

/* ------------------------------------------------------------------------ */
/* §10 DxgkDdiCreateContext / DxgkDdiDestroyContext                          */
/* ------------------------------------------------------------------------ */

typedef struct _DXGK_CREATECONTEXTFLAGS {
	union {
		DDIRR_ANON struct {
			UINT SystemContext : 1;
			UINT GdiContext : 1;
			UINT VirtualAddressing : 1;      /* since 2.0 */
			UINT SystemProtectedContext : 1; /* since 2.1 */
			UINT HwQueueSupported : 1;       /* since 2.3 */
			UINT TestContext : 1;            /* [post-2.3, UNCONFIRMED] */
			UINT Reserved : 26;
		};
		UINT Value;
	};
} DXGK_CREATECONTEXTFLAGS;

typedef struct _DXGK_CONTEXTINFO_CAPS {
	union {
		DDIRR_ANON struct {
			UINT NoPatchingRequired : 1;
			UINT DriverManagesResidency : 1;
			UINT UseIoMmu : 1;
			UINT Reserved : 29;
		};
		UINT Value;
	};
} DXGK_CONTEXTINFO_CAPS;

typedef struct _DXGK_CONTEXTINFO {
	UINT DmaBufferSize;
	UINT DmaBufferSegmentSet;
	UINT DmaBufferPrivateDataSize;
	UINT AllocationListSize;
	UINT PatchLocationListSize;
	UINT Reserved;                /* since WIN7 */
	DXGK_CONTEXTINFO_CAPS Caps;   /* since 2.0 */
	ULONG PagingCompanionNodeId;  /* since 2.0 */
} DXGK_CONTEXTINFO;

typedef struct _DXGKARG_CREATECONTEXT {
	HANDLE hContext; /* in: dxgkrnl handle; out: driver handle */
	UINT NodeOrdinal;
	UINT EngineAffinity;
	DXGK_CREATECONTEXTFLAGS Flags;
	VOID *pPrivateDriverData;
	UINT PrivateDriverDataSize;
	DXGK_CONTEXTINFO ContextInfo; /* out */
} DXGKARG_CREATECONTEXT;

typedef DXGKARG_CREATECONTEXT *INOUT_PDXGKARG_CREATECONTEXT;

typedef NTSTATUS APIENTRY DXGKDDI_CREATECONTEXT(IN_CONST_HANDLE hDevice,
                                                INOUT_PDXGKARG_CREATECONTEXT pCreateContext);
typedef DXGKDDI_CREATECONTEXT *PDXGKDDI_CREATECONTEXT;

typedef NTSTATUS APIENTRY DXGKDDI_DESTROYCONTEXT(IN_CONST_HANDLE hContext);
typedef DXGKDDI_DESTROYCONTEXT *PDXGKDDI_DESTROYCONTEXT;

/* ------------------------------------------------------------------------ */
/* §11 Process and page-table DDIs (since 2.0)                               */
/* ------------------------------------------------------------------------ */

typedef struct _DXGK_CREATEPROCESSFLAGS {
	union {
		DDIRR_ANON struct {
			UINT SystemProcess : 1;
			UINT GdiProcess : 1;
			UINT VirtualMachineProcess : 1;       /* since 2.2 */
			UINT VirtualMachineWorkerProcess : 1; /* [post-2.3, UNCONFIRMED] */
			UINT SessionIsolatedContainer : 1;    /* [post-2.3, UNCONFIRMED] */
			UINT Reserved : 27;
		};
		UINT Value;
	};
} DXGK_CREATEPROCESSFLAGS;

/* The H16299 layout (32 bytes on x64). Later SDKs append
 * HANDLE hKmdVmWorkerProcess; UINT ProcessNameLength; WCHAR *pProcessName;
 * (56 bytes) [version guard UNCONFIRMED]; they are not declared here. */
typedef struct _DXGKARG_CREATEPROCESS {
	HANDLE hDxgkProcess; /* in */
	HANDLE hKmdProcess;  /* out */
	DXGK_CREATEPROCESSFLAGS Flags;
	UINT NumPasid;
	ULONG *pPasid; /* NumPasid entries, one per physical GPU */
} DXGKARG_CREATEPROCESS;

typedef DXGKARG_CREATEPROCESS *INOUT_PDXGKARG_CREATEPROCESS;

typedef NTSTATUS APIENTRY DXGKDDI_CREATEPROCESS(IN_CONST_HANDLE hAdapter, INOUT_PDXGKARG_CREATEPROCESS pArgs);
typedef DXGKDDI_CREATEPROCESS *PDXGKDDI_CREATEPROCESS;

typedef NTSTATUS APIENTRY DXGKDDI_DESTROYPROCESS(IN_CONST_HANDLE hAdapter, IN_CONST_HANDLE hKmdProcess);
typedef DXGKDDI_DESTROYPROCESS *PDXGKDDI_DESTROYPROCESS;

typedef struct _DXGKARG_SETROOTPAGETABLE {
	HANDLE hContext; /* KMD context handle */
	D3DGPU_PHYSICAL_ADDRESS Address;
	UINT NumEntries;
} DXGKARG_SETROOTPAGETABLE;

typedef const DXGKARG_SETROOTPAGETABLE *IN_CONST_PDXGKARG_SETROOTPAGETABLE;

typedef VOID APIENTRY DXGKDDI_SETROOTPAGETABLE(IN_CONST_HANDLE hAdapter,
                                               IN_CONST_PDXGKARG_SETROOTPAGETABLE pSetPageTable);
typedef DXGKDDI_SETROOTPAGETABLE *PDXGKDDI_SETROOTPAGETABLE;

typedef struct _DXGKARG_GETROOTPAGETABLESIZE {
	UINT NumberOfPte;          /* in/out */
	UINT PhysicalAdapterIndex; /* in */
} DXGKARG_GETROOTPAGETABLESIZE;

typedef DXGKARG_GETROOTPAGETABLESIZE *INOUT_PDXGKARG_GETROOTPAGETABLESIZE;

/* Returns bytes. */
typedef SIZE_T APIENTRY DXGKDDI_GETROOTPAGETABLESIZE(IN_CONST_HANDLE hAdapter,
                                                     INOUT_PDXGKARG_GETROOTPAGETABLESIZE pArgs);
typedef DXGKDDI_GETROOTPAGETABLESIZE *PDXGKDDI_GETROOTPAGETABLESIZE;

/* MMU description (DXGKQAITYPE_GPUMMUCAPS, _PAGETABLELEVELDESC). */
typedef enum _DXGK_PAGETABLEUPDATEMODE {
	DXGK_PAGETABLEUPDATE_CPU_VIRTUAL = 0,
	DXGK_PAGETABLEUPDATE_GPU_VIRTUAL = 1,
	DXGK_PAGETABLEUPDATE_GPU_PHYSICAL = 2
} DXGK_PAGETABLEUPDATEMODE;

typedef struct _DXGK_PAGETABLEUPDATEADDRESS {
	union {
		PVOID CpuVirtual;
		D3DGPU_PHYSICAL_ADDRESS GpuPhysical;
		D3DGPU_VIRTUAL_ADDRESS GpuVirtual;
	};
} DXGK_PAGETABLEUPDATEADDRESS;

typedef struct _DXGK_PAGE_TABLE_LEVEL_DESC {
	UINT PageTableIndexBitCount;
	UINT PageTableSegmentId;
	UINT PagingProcessPageTableSegmentId;
	UINT PageTableSizeInBytes;
	UINT PageTableAlignmentInBytes; /* 0 = the segment page size */
} DXGK_PAGE_TABLE_LEVEL_DESC;

/* A plain bitfield struct: no Value member in the genuine header. */
typedef struct _DXGK_UPDATEPAGETABLEFLAGS {
	UINT Repeat : 1;
	UINT InitialUpdate : 1;
	UINT NotifyEviction : 1;
	UINT Use64KBPages : 1;
	UINT NativeFence : 1; /* [post-2.3, UNCONFIRMED] */
	UINT Reserved : 27;
} DXGK_UPDATEPAGETABLEFLAGS;

typedef struct _DXGK_QUERYGPUMMUCAPSIN {
	UINT PhysicalAdapterIndex;
} DXGK_QUERYGPUMMUCAPSIN;

typedef struct _DXGK_QUERYPAGETABLELEVELDESCIN {
	WORD LevelIndex;
	WORD PhysicalAdapterIndex;
} DXGK_QUERYPAGETABLELEVELDESCIN;

/* The leading bitfield union is anonymous: its word is `Value`. */
typedef struct _DXGK_GPUMMUCAPS {
	union {
		DDIRR_ANON struct {
			UINT ReadOnlyMemorySupported : 1;
			UINT NoExecuteMemorySupported : 1;
			UINT ZeroInPteSupported : 1;
			UINT ExplicitPageTableInvalidation : 1;
			UINT CacheCoherentMemorySupported : 1;
			UINT PageTableUpdateRequireAddressSpaceIdle : 1;
			UINT LargePageSupported : 1;
			UINT DualPteSupported : 1;
			UINT AllowNonAlignedLargePageAddress : 1; /* since 2.1 */
			UINT SysMem64KBPageSupported : 1;         /* since 2.1 */
			UINT InvalidTlbEntriesNotCached : 1;      /* [post-2.3, UNCONFIRMED] */
			UINT SysMemLargePageSupported : 1;        /* [post-2.3, UNCONFIRMED] */
			UINT CachedPageTables : 1;                /* [post-2.3, UNCONFIRMED] */
			UINT Reserved : 19;
		};
		UINT Value;
	};
	DXGK_PAGETABLEUPDATEMODE PageTableUpdateMode;
	UINT VirtualAddressBitCount;
	UINT LeafPageTableSizeFor64KPagesInBytes;
	UINT PageTableLevelCount;
	struct {
		UINT SourcePageTableVaInTransfer : 1;
		UINT Reserved : 31;
	} LegacyBehaviors;
} DXGK_GPUMMUCAPS;

/* ------------------------------------------------------------------------ */
/* §12 DxgkDdiBuildPagingBuffer                                              */
/* ------------------------------------------------------------------------ */

/* §12.1 Accept every value. */
typedef enum _DXGK_BUILDPAGINGBUFFER_OPERATION {
	DXGK_OPERATION_TRANSFER = 0,                   /* header: WDDMv1 only */
	DXGK_OPERATION_FILL = 1,                       /* header: WDDMv1 only */
	DXGK_OPERATION_DISCARD_CONTENT = 2,            /* header: WDDMv1 only */
	DXGK_OPERATION_READ_PHYSICAL = 3,              /* header: WDDMv1 only */
	DXGK_OPERATION_WRITE_PHYSICAL = 4,             /* header: WDDMv1 only */
	DXGK_OPERATION_MAP_APERTURE_SEGMENT = 5,       /* v1 and v2 */
	DXGK_OPERATION_UNMAP_APERTURE_SEGMENT = 6,     /* v1 and v2 */
	DXGK_OPERATION_SPECIAL_LOCK_TRANSFER = 7,      /* WDDMv1 only */
	DXGK_OPERATION_VIRTUAL_TRANSFER = 8,           /* WDDMv2 only */
	DXGK_OPERATION_VIRTUAL_FILL = 9,               /* WDDMv2 only */
	DXGK_OPERATION_INIT_CONTEXT_RESOURCE = 10,     /* since WIN8 */
	DXGK_OPERATION_UPDATE_PAGE_TABLE = 11,         /* since 2.0 */
	DXGK_OPERATION_FLUSH_TLB = 12,
	DXGK_OPERATION_UPDATE_CONTEXT_ALLOCATION = 13,
	DXGK_OPERATION_COPY_PAGE_TABLE_ENTRIES = 14,
	DXGK_OPERATION_NOTIFY_RESIDENCY = 15,
	DXGK_OPERATION_SIGNAL_MONITORED_FENCE = 16,    /* since 2.2 */
	/* 17-22 [post-2.3]: not in H16299 */
	DXGK_OPERATION_MAP_APERTURE_SEGMENT2 = 17,
	DXGK_OPERATION_NOTIFY_FENCE_RESIDENCY = 18,
	DXGK_OPERATION_MAP_MMU = 19,
	DXGK_OPERATION_UNMAP_MMU = 20,
	DXGK_OPERATION_NOTIFY_RESIDENCY2 = 21,
	DXGK_OPERATION_NOTIFY_ALLOC = 22
} DXGK_BUILDPAGINGBUFFER_OPERATION;

typedef struct _DXGK_TRANSFERFLAGS {
	union {
		DDIRR_ANON struct {
			UINT Swizzle : 1;          /* 0x00000001 */
			UINT Unswizzle : 1;        /* 0x00000002 */
			UINT AllocationIsIdle : 1; /* 0x00000004 */
			UINT TransferStart : 1;    /* 0x00000008 */
			UINT TransferEnd : 1;      /* 0x00000010 */
			UINT Reserved : 27;
		};
		UINT Value;
	};
} DXGK_TRANSFERFLAGS;

typedef struct _DXGK_DISCARDCONTENTFLAGS {
	union {
		DDIRR_ANON struct {
			UINT AllocationIsIdle : 1; /* 0x00000001 */
			UINT Reserved : 31;
		};
		UINT Value;
	};
} DXGK_DISCARDCONTENTFLAGS;

typedef struct _DXGK_MAPAPERTUREFLAGS {
	union {
		DDIRR_ANON struct {
			UINT CacheCoherent : 1; /* 0x00000001 */
			UINT Reserved : 31;
		};
		UINT Value;
	};
} DXGK_MAPAPERTUREFLAGS;

typedef struct _DXGK_BUILDPAGINGBUFFER_COPY_RANGE {
	UINT NumPageTableEntries;
	D3DGPU_VIRTUAL_ADDRESS SrcPageTableAddress;
	D3DGPU_VIRTUAL_ADDRESS DstPageTableAddress;
	UINT SrcStartPteIndex;
	UINT DstStartPteIndex;
} DXGK_BUILDPAGINGBUFFER_COPY_RANGE;

typedef struct _DXGK_BUILDPAGINGBUFFER_FLUSHTLB {
	D3DGPU_PHYSICAL_ADDRESS RootPageTableAddress;
	HANDLE hProcess;
	D3DGPU_VIRTUAL_ADDRESS StartVirtualAddress;
	D3DGPU_VIRTUAL_ADDRESS EndVirtualAddress;
} DXGK_BUILDPAGINGBUFFER_FLUSHTLB;

typedef struct _DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE {
	UINT PageTableLevel;
	HANDLE hAllocation; /* KMD handle of the mapped allocation; NULL for page tables */
	DXGK_PAGETABLEUPDATEADDRESS PageTableAddress; /* read according to UpdateMode */
	DXGK_PTE *pPageTableEntries;                  /* [0] goes to StartIndex */
	UINT StartIndex;
	UINT NumPageTableEntries;
	UINT Reserved0;
	DXGK_UPDATEPAGETABLEFLAGS Flags;
	UINT64 DriverProtection;
	UINT64 AllocationOffsetInBytes;
	HANDLE hProcess; /* KMD process handle */
	DXGK_PAGETABLEUPDATEMODE UpdateMode;
	DXGK_PTE *pPageTableEntries64KB; /* only with DualPteSupported */
	D3DGPU_VIRTUAL_ADDRESS FirstPteVirtualAddress;
} DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE;

typedef struct _DXGK_BUILDPAGINGBUFFER_FILLVIRTUAL {
	HANDLE hAllocation;
	UINT64 AllocationOffsetInBytes;
	UINT64 FillSizeInBytes;
	UINT FillPattern;
	D3DGPU_VIRTUAL_ADDRESS DestinationVirtualAddress;
} DXGK_BUILDPAGINGBUFFER_FILLVIRTUAL;

typedef enum _DXGK_MEMORY_TRANSFER_DIRECTION {
	DXGK_MEMORY_TRANSFER_LOCAL_TO_SYSTEM = 0,
	DXGK_MEMORY_TRANSFER_SYSTEM_TO_LOCAL = 1,
	DXGK_MEMORY_TRANSFER_LOCAL_TO_LOCAL = 2
} DXGK_MEMORY_TRANSFER_DIRECTION;

/* The word of this union is named Flags, not Value. */
typedef struct _DXGK_TRANSFERVIRTUALFLAGS {
	union {
		DDIRR_ANON struct {
			UINT Src64KBPages : 1;
			UINT Dst64KBPages : 1;
			UINT Reserved : 30;
		};
		UINT Flags;
	};
} DXGK_TRANSFERVIRTUALFLAGS;

typedef struct _DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL {
	HANDLE hAllocation;
	UINT64 AllocationOffsetInBytes;
	UINT64 TransferSizeInBytes;
	D3DGPU_VIRTUAL_ADDRESS SourceVirtualAddress;
	D3DGPU_VIRTUAL_ADDRESS DestinationVirtualAddress;
	D3DGPU_VIRTUAL_ADDRESS SourcePageTable;
	DXGK_MEMORY_TRANSFER_DIRECTION TransferDirection;
	DXGK_TRANSFERVIRTUALFLAGS Flags;
	D3DGPU_VIRTUAL_ADDRESS DestinationPageTable;
} DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL;

/* The genuine header declares an anonymous union of two bitfields (both
 * start at bit 0): Resident is bit 0 of the UINT after PhysicalAddress. */
typedef struct _DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY {
	HANDLE hAllocation;
	D3DGPU_PHYSICAL_ADDRESS PhysicalAddress; /* (0, 0) when evicting */
	union {
		UINT Resident : 1;
		UINT Reserved : 31;
	};
} DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY;

typedef struct _DXGK_BUILDPAGINGBUFFER_COPYPAGETABLEENTRIES {
	UINT NumRanges;
	DXGK_BUILDPAGINGBUFFER_COPY_RANGE *pRanges;
} DXGK_BUILDPAGINGBUFFER_COPYPAGETABLEENTRIES;

typedef struct _DXGK_BUILDPAGINGBUFFER_UPDATECONTEXTALLOCATION {
	D3DGPU_VIRTUAL_ADDRESS ContextAllocation;
	UINT64 ContextAllocationSize;
	PVOID pDriverPrivateData;
	UINT DriverPrivateDataSize;
} DXGK_BUILDPAGINGBUFFER_UPDATECONTEXTALLOCATION;

/* since 2.2 */
typedef struct _DXGK_BUILDPAGINGBUFFER_SIGNALMONITOREDFENCE {
	D3DGPU_VIRTUAL_ADDRESS MonitoredFenceGpuVa;
	UINT64 MonitoredFenceValue;
} DXGK_BUILDPAGINGBUFFER_SIGNALMONITOREDFENCE;

/* §12.2 Operation selects the union member. */
typedef struct _DXGKARG_BUILDPAGINGBUFFER {
	VOID *pDmaBuffer; /* in/out: advanced past what the KMD wrote */
	UINT DmaSize;
	VOID *pDmaBufferPrivateData;
	UINT DmaBufferPrivateDataSize;
	DXGK_BUILDPAGINGBUFFER_OPERATION Operation;
	UINT MultipassOffset; /* zeroed before the first call, kept across retries */
	union {
		struct {
			HANDLE hAllocation;
			UINT TransferOffset;
			SIZE_T TransferSize;
			struct {
				UINT SegmentId; /* 0: pMdl */
				union {
					LARGE_INTEGER SegmentAddress;
					MDL *pMdl;
				};
			} Source;
			struct {
				UINT SegmentId; /* 0: pMdl */
				union {
					LARGE_INTEGER SegmentAddress;
					MDL *pMdl;
				};
			} Destination;
			DXGK_TRANSFERFLAGS Flags;
			UINT MdlOffset;
		} Transfer;

		struct {
			HANDLE hAllocation;
			SIZE_T FillSize;
			UINT FillPattern;
			struct {
				UINT SegmentId;
				LARGE_INTEGER SegmentAddress;
			} Destination;
		} Fill;

		struct {
			HANDLE hAllocation;
			DXGK_DISCARDCONTENTFLAGS Flags;
			UINT SegmentId;
			PHYSICAL_ADDRESS SegmentAddress;
		} DiscardContent;

		struct {
			UINT SegmentId;
			PHYSICAL_ADDRESS PhysicalAddress;
		} ReadPhysical;

		struct {
			UINT SegmentId;
			PHYSICAL_ADDRESS PhysicalAddress;
		} WritePhysical;

		/* The GPU-side aperture segment, not the CPU host aperture. */
		struct {
			HANDLE hDevice;
			HANDLE hAllocation;   /* NULL when a DMA buffer is mapped */
			UINT SegmentId;       /* the aperture segment */
			SIZE_T OffsetInPages; /* within the aperture segment */
			SIZE_T NumberOfPages;
			PMDL pMdl; /* first page: MmGetMdlPfnArray(pMdl)[MdlOffset] */
			DXGK_MAPAPERTUREFLAGS Flags;
			ULONG MdlOffset;
		} MapApertureSegment;

		struct {
			HANDLE hDevice;
			HANDLE hAllocation;
			UINT SegmentId;
			SIZE_T OffsetInPages;
			SIZE_T NumberOfPages;
			PHYSICAL_ADDRESS DummyPage; /* unmapped slots point here */
		} UnmapApertureSegment;

		struct {
			HANDLE hAllocation;
			UINT TransferOffset;
			SIZE_T TransferSize;
			struct {
				UINT SegmentId;
				union {
					LARGE_INTEGER SegmentAddress;
					MDL *pMdl;
				};
			} Source;
			struct {
				UINT SegmentId;
				union {
					LARGE_INTEGER SegmentAddress;
					MDL *pMdl;
				};
			} Destination;
			DXGK_TRANSFERFLAGS Flags;
			UINT SwizzlingRangeId;
			UINT SwizzlingRangeData;
		} SpecialLockTransfer;

		/* since WIN8. Whether hAllocation is the KMD's or dxgkrnl's handle
		 * is [UNCONFIRMED] (header comment and docs disagree). */
		struct {
			HANDLE hAllocation;
			struct {
				UINT SegmentId;
				union {
					LARGE_INTEGER SegmentAddress;
					MDL *pMdl;
				};
				PVOID VirtualAddress;
				D3DGPU_VIRTUAL_ADDRESS GpuVirtualAddress; /* since 2.0 */
			} Destination;
		} InitContextResource;

		/* since 2.0 */
		DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL TransferVirtual;
		DXGK_BUILDPAGINGBUFFER_FILLVIRTUAL FillVirtual;
		DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE UpdatePageTable;
		DXGK_BUILDPAGINGBUFFER_FLUSHTLB FlushTlb;
		DXGK_BUILDPAGINGBUFFER_COPYPAGETABLEENTRIES CopyPageTableEntries;
		DXGK_BUILDPAGINGBUFFER_UPDATECONTEXTALLOCATION UpdateContextAllocation;
		DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY NotifyResidency;

		/* since 2.2 */
		DXGK_BUILDPAGINGBUFFER_SIGNALMONITOREDFENCE SignalMonitoredFence;

		/* Newer SDKs add MapApertureSegment2, NotifyFenceResidency, MapMmu,
		 * UnmapMmu, NotifyResidency2 and NotifyAllocation here [post-2.3];
		 * Reserved keeps the union at 256 bytes. */
		struct {
			UINT Reserved[64];
		} Reserved;
	};
	HANDLE hSystemContext;
	D3DGPU_VIRTUAL_ADDRESS DmaBufferGpuVirtualAddress; /* since 2.0 */
	UINT DmaBufferWriteOffset;                         /* since 2.0 (0x5012) */
} DXGKARG_BUILDPAGINGBUFFER;

typedef DXGKARG_BUILDPAGINGBUFFER *IN_PDXGKARG_BUILDPAGINGBUFFER;

/* Allowed failures: STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER and (Transfer,
 * DiscardContent) STATUS_GRAPHICS_ALLOCATION_BUSY. */
typedef NTSTATUS APIENTRY DXGKDDI_BUILDPAGINGBUFFER(IN_CONST_HANDLE hAdapter,
                                                    IN_PDXGKARG_BUILDPAGINGBUFFER pBuildPagingBuffer);
typedef DXGKDDI_BUILDPAGINGBUFFER *PDXGKDDI_BUILDPAGINGBUFFER;

/* ------------------------------------------------------------------------ */
/* §13 DxgkDdiQueryAdapterInfo; DxgkDdiCreateDevice / DestroyDevice          */
/* ------------------------------------------------------------------------ */

typedef enum _DXGK_QUERYADAPTERINFOTYPE {
	DXGKQAITYPE_UMDRIVERPRIVATE = 0,
	DXGKQAITYPE_DRIVERCAPS = 1,
	DXGKQAITYPE_QUERYSEGMENT = 2,
	DXGKQAITYPE_RESERVED = 3,                      /* since WIN7 */
	DXGKQAITYPE_QUERYSEGMENT2 = 4,
	DXGKQAITYPE_QUERYSEGMENT3 = 5,                 /* since WIN8 */
	DXGKQAITYPE_NUMPOWERCOMPONENTS = 6,
	DXGKQAITYPE_POWERCOMPONENTINFO = 7,
	DXGKQAITYPE_PREFERREDGPUNODE = 8,
	DXGKQAITYPE_POWERCOMPONENTPSTATEINFO = 9,      /* since 1.3 */
	DXGKQAITYPE_HISTORYBUFFERPRECISION = 10,
	DXGKQAITYPE_QUERYSEGMENT4 = 11,                /* since 2.0 */
	DXGKQAITYPE_SEGMENTMEMORYSTATE = 12,
	DXGKQAITYPE_GPUMMUCAPS = 13,
	DXGKQAITYPE_PAGETABLELEVELDESC = 14,
	DXGKQAITYPE_PHYSICALADAPTERCAPS = 15,
	DXGKQAITYPE_DISPLAY_DRIVERCAPS_EXTENSION = 16,
	DXGKQAITYPE_INTEGRATED_DISPLAY_DESCRIPTOR = 17, /* since 2.2 */
	DXGKQAITYPE_UEFIFRAMEBUFFERRANGES = 18,
	DXGKQAITYPE_QUERYCOLORIMETRYOVERRIDES = 19,
	DXGKQAITYPE_DISPLAYID_DESCRIPTOR = 20           /* since 2.3 */
} DXGK_QUERYADAPTERINFOTYPE;

/* since 2.2 */
typedef struct _DXGK_QUERYADAPTERINFOFLAGS {
	union {
		DDIRR_ANON struct {
			UINT VirtualMachineData : 1; /* 0x00000001 */
			UINT Reserved : 31;
		};
		UINT Value;
	};
} DXGK_QUERYADAPTERINFOFLAGS;

typedef struct _DXGKARG_QUERYADAPTERINFO {
	DXGK_QUERYADAPTERINFOTYPE Type;
	VOID *pInputData;
	UINT InputDataSize;
	VOID *pOutputData;
	UINT OutputDataSize;
	DXGK_QUERYADAPTERINFOFLAGS Flags; /* since 2.2 */
} DXGKARG_QUERYADAPTERINFO;

typedef const DXGKARG_QUERYADAPTERINFO *IN_CONST_PDXGKARG_QUERYADAPTERINFO;

typedef NTSTATUS APIENTRY DXGKDDI_QUERYADAPTERINFO(IN_CONST_HANDLE hAdapter,
                                                   IN_CONST_PDXGKARG_QUERYADAPTERINFO pQueryAdapterInfo);
typedef DXGKDDI_QUERYADAPTERINFO *PDXGKDDI_QUERYADAPTERINFO;

typedef struct _DXGK_QUERYPHYSICALADAPTERCAPSIN {
	UINT PhysicalAdapterIndex;
} DXGK_QUERYPHYSICALADAPTERCAPSIN;

typedef struct _DXGK_PHYSICALADAPTERFLAGS {
	union {
		DDIRR_ANON struct {
			UINT IoMmuSupported : 1;
			UINT GpuMmuSupported : 1;
			UINT MovePagingSupported : 1;         /* since 2.1 */
			UINT VPRPagingContextRequired : 1;    /* since 2.1 */
			UINT AllowHardwareProtectedNoVpr : 1; /* since 2.2 */
			UINT Reserved : 27;
		};
		UINT Value;
	};
} DXGK_PHYSICALADAPTERFLAGS;

typedef struct _DXGK_PHYSICALADAPTERCAPS {
	WORD NumExecutionNodes;
	WORD PagingNodeIndex;
	HANDLE DxgkPhysicalAdapterHandle;
	DXGK_PHYSICALADAPTERFLAGS Flags;
	UINT VPRPagingNode; /* since 2.1 */
} DXGK_PHYSICALADAPTERCAPS;

/* CreateDevice: not in the reference; from the genuine H16299 header. */
typedef struct _DXGK_DEVICEINFOFLAGS {
	union {
		DDIRR_ANON struct {
			UINT GuaranteedDmaBufferContract : 1; /* 0x00000001 */
			UINT Reserved : 31;
		};
		UINT Value;
	};
} DXGK_DEVICEINFOFLAGS;

typedef struct _DXGK_DEVICEINFO {
	UINT DmaBufferSize;
	UINT DmaBufferSegmentSet;
	UINT DmaBufferPrivateDataSize;
	UINT AllocationListSize;
	UINT PatchLocationListSize;
	DXGK_DEVICEINFOFLAGS Flags;
} DXGK_DEVICEINFO;

typedef struct _DXGK_CREATEDEVICEFLAGS {
	union {
		DDIRR_ANON struct {
			UINT SystemDevice : 1;          /* 0x00000001 */
			UINT GdiDevice : 1;             /* 0x00000002 */
			UINT Reserved : 29;             /* 0x7FFFFFFC */
			UINT DXGK_DEVICE_RESERVED0 : 1; /* 0x80000000 */
		};
		UINT Value;
	};
} DXGK_CREATEDEVICEFLAGS;

typedef struct _DXGKARG_CREATEDEVICE {
	HANDLE hDevice; /* in: dxgkrnl handle; out: driver handle */
	union {
		DXGK_CREATEDEVICEFLAGS Flags; /* in */
		DXGK_DEVICEINFO *pInfo;       /* out, obsolete */
	};
	ULONG Pasid;        /* since 2.0 */
	HANDLE hKmdProcess; /* since 2.0 */
} DXGKARG_CREATEDEVICE;

typedef DXGKARG_CREATEDEVICE *INOUT_PDXGKARG_CREATEDEVICE;

typedef NTSTATUS APIENTRY DXGKDDI_CREATEDEVICE(IN_CONST_HANDLE hAdapter,
                                               INOUT_PDXGKARG_CREATEDEVICE pCreateDevice);
typedef DXGKDDI_CREATEDEVICE *PDXGKDDI_CREATEDEVICE;

typedef NTSTATUS APIENTRY DXGKDDI_DESTROYDEVICE(IN_CONST_HANDLE hDevice);
typedef DXGKDDI_DESTROYDEVICE *PDXGKDDI_DESTROYDEVICE;

/* ------------------------------------------------------------------------ */
/* §14 How the DDI table reaches dxgkrnl (dispmprt.h)                        */
/* ------------------------------------------------------------------------ */

typedef struct _DXGK_START_INFO {
	ULONG RequiredDmaQueueEntry;
	GUID AdapterGuid;
	LUID AdapterLuid; /* since WIN8 */
} DXGK_START_INFO, *PDXGK_START_INFO;

/* §14.3 Handed to DxgkDdiStartDevice. The slice's callbacks are typed; the
 * others are PVOID so that every offset matches Windows x64. */
typedef struct _DXGKRNL_INTERFACE {
	ULONG Size;          /* bytes */
	ULONG Version;       /* a DXGKDDI_INTERFACE_VERSION_* value */
	HANDLE DeviceHandle; /* the hAdapter of every DXGKCB_* call */

	PVOID DxgkCbEvalAcpiMethod;
	PVOID DxgkCbGetDeviceInformation;
	PVOID DxgkCbIndicateChildStatus;
	PVOID DxgkCbMapMemory;
	PVOID DxgkCbQueueDpc;
	PVOID DxgkCbQueryServices;
	PVOID DxgkCbReadDeviceSpace;
	PVOID DxgkCbSynchronizeExecution;
	PVOID DxgkCbUnmapMemory;
	PVOID DxgkCbWriteDeviceSpace;
	PVOID DxgkCbIsDevicePresent;

	PVOID DxgkCbGetHandleData;
	PVOID DxgkCbGetHandleParent;
	PVOID DxgkCbEnumHandleChildren;
	PVOID DxgkCbNotifyInterrupt;
	PVOID DxgkCbNotifyDpc;
	PVOID DxgkCbQueryVidPnInterface;
	PVOID DxgkCbQueryMonitorInterface;
	PVOID DxgkCbGetCaptureAddress;

	PVOID DxgkCbLogEtwEvent;

	PVOID DxgkCbExcludeAdapterAccess;

	/* since WIN8 */
	DXGKCB_CREATECONTEXTALLOCATION DxgkCbCreateContextAllocation;
	DXGKCB_DESTROYCONTEXTALLOCATION DxgkCbDestroyContextAllocation;
	PVOID DxgkCbSetPowerComponentActive;
	PVOID DxgkCbSetPowerComponentIdle;
	PVOID DxgkCbAcquirePostDisplayOwnership;
	PVOID DxgkCbPowerRuntimeControlRequest;
	PVOID DxgkCbSetPowerComponentLatency;
	PVOID DxgkCbSetPowerComponentResidency;
	PVOID DxgkCbCompleteFStateTransition;

	/* since 1.3 */
	PVOID DxgkCbCompletePStateTransition;

	/* since 2.0 */
	DXGKCB_MAPCONTEXTALLOCATION DxgkCbMapContextAllocation;
	DXGKCB_UPDATECONTEXTALLOCATION DxgkCbUpdateContextAllocation;
	DXGKCB_RESERVEGPUVIRTUALADDRESSRANGE DxgkCbReserveGpuVirtualAddressRange;
	PVOID DxgkCbAcquireHandleData;
	PVOID DxgkCbReleaseHandleData;
	PVOID DxgkCbHardwareContentProtectionTeardown;

	/* since 2.1 */
	PVOID DxgkCbMultiPlaneOverlayDisabled;
	PVOID DxgkCbMitigatedRangeUpdate;

	/* since 2.2 */
	PVOID DxgkCbInvalidateHwContext;
	PVOID DxgkCbIndicateConnectorChange;
	PVOID DxgkCbUnblockUEFIFrameBufferRanges;
	PVOID DxgkCbAcquirePostDisplayOwnership2;

	/* since 2.3; later SDKs append more callbacks after this one */
	PVOID DxgkCbSetProtectedSessionStatus;
} DXGKRNL_INTERFACE, *PDXGKRNL_INTERFACE;

typedef PDXGK_START_INFO IN_PDXGK_START_INFO;
typedef PDXGKRNL_INTERFACE IN_PDXGKRNL_INTERFACE;

typedef NTSTATUS DXGKDDI_ADD_DEVICE(IN_CONST_PDEVICE_OBJECT PhysicalDeviceObject,
                                    OUT_PPVOID MiniportDeviceContext);
typedef NTSTATUS DXGKDDI_START_DEVICE(IN_CONST_PVOID MiniportDeviceContext, IN_PDXGK_START_INFO DxgkStartInfo,
                                      IN_PDXGKRNL_INTERFACE DxgkInterface, OUT_PULONG NumberOfVideoPresentSources,
                                      OUT_PULONG NumberOfChildren);
typedef NTSTATUS DXGKDDI_STOP_DEVICE(IN_CONST_PVOID MiniportDeviceContext);
typedef NTSTATUS DXGKDDI_REMOVE_DEVICE(IN_CONST_PVOID MiniportDeviceContext);

typedef DXGKDDI_ADD_DEVICE *PDXGKDDI_ADD_DEVICE;
typedef DXGKDDI_START_DEVICE *PDXGKDDI_START_DEVICE;
typedef DXGKDDI_STOP_DEVICE *PDXGKDDI_STOP_DEVICE;
typedef DXGKDDI_REMOVE_DEVICE *PDXGKDDI_REMOVE_DEVICE;

/* §14.2 Every member of the genuine WDDM 2.3 table, in order; the slice's
 * DDIs are typed and the others are PVOID, so that every offset matches
 * Windows x64. */
typedef struct _DRIVER_INITIALIZATION_DATA {
	ULONG Version; /* DXGKDDI_INTERFACE_VERSION */
	PDXGKDDI_ADD_DEVICE DxgkDdiAddDevice;
	PDXGKDDI_START_DEVICE DxgkDdiStartDevice;
	PDXGKDDI_STOP_DEVICE DxgkDdiStopDevice;
	PDXGKDDI_REMOVE_DEVICE DxgkDdiRemoveDevice;
	PVOID DxgkDdiDispatchIoRequest;
	PVOID DxgkDdiInterruptRoutine;
	PVOID DxgkDdiDpcRoutine;
	PVOID DxgkDdiQueryChildRelations;
	PVOID DxgkDdiQueryChildStatus;
	PVOID DxgkDdiQueryDeviceDescriptor;
	PVOID DxgkDdiSetPowerState;
	PVOID DxgkDdiNotifyAcpiEvent;
	PVOID DxgkDdiResetDevice;
	PVOID DxgkDdiUnload;
	PVOID DxgkDdiQueryInterface;
	PVOID DxgkDdiControlEtwLogging;

	PDXGKDDI_QUERYADAPTERINFO DxgkDdiQueryAdapterInfo;
	PDXGKDDI_CREATEDEVICE DxgkDdiCreateDevice;
	PDXGKDDI_CREATEALLOCATION DxgkDdiCreateAllocation;
	PDXGKDDI_DESTROYALLOCATION DxgkDdiDestroyAllocation;
	PVOID DxgkDdiDescribeAllocation;
	PVOID DxgkDdiGetStandardAllocationDriverData;
	PVOID DxgkDdiAcquireSwizzlingRange;
	PVOID DxgkDdiReleaseSwizzlingRange;
	PVOID DxgkDdiPatch;
	PVOID DxgkDdiSubmitCommand;
	PVOID DxgkDdiPreemptCommand;
	PDXGKDDI_BUILDPAGINGBUFFER DxgkDdiBuildPagingBuffer;
	PVOID DxgkDdiSetPalette;
	PVOID DxgkDdiSetPointerPosition;
	PVOID DxgkDdiSetPointerShape;
	PVOID DxgkDdiResetFromTimeout;
	PVOID DxgkDdiRestartFromTimeout;
	PVOID DxgkDdiEscape;
	PVOID DxgkDdiCollectDbgInfo;
	PVOID DxgkDdiQueryCurrentFence;
	PVOID DxgkDdiIsSupportedVidPn;
	PVOID DxgkDdiRecommendFunctionalVidPn;
	PVOID DxgkDdiEnumVidPnCofuncModality;
	PVOID DxgkDdiSetVidPnSourceAddress;
	PVOID DxgkDdiSetVidPnSourceVisibility;
	PVOID DxgkDdiCommitVidPn;
	PVOID DxgkDdiUpdateActiveVidPnPresentPath;
	PVOID DxgkDdiRecommendMonitorModes;
	PVOID DxgkDdiRecommendVidPnTopology;
	PVOID DxgkDdiGetScanLine;
	PVOID DxgkDdiStopCapture;
	PVOID DxgkDdiControlInterrupt;
	PVOID DxgkDdiCreateOverlay;

	/* device functions */
	PDXGKDDI_DESTROYDEVICE DxgkDdiDestroyDevice;
	PDXGKDDI_OPENALLOCATIONINFO DxgkDdiOpenAllocation;
	PDXGKDDI_CLOSEALLOCATION DxgkDdiCloseAllocation;
	PVOID DxgkDdiRender;
	PVOID DxgkDdiPresent;

	/* overlay functions */
	PVOID DxgkDdiUpdateOverlay;
	PVOID DxgkDdiFlipOverlay;
	PVOID DxgkDdiDestroyOverlay;

	/* contexts */
	PDXGKDDI_CREATECONTEXT DxgkDdiCreateContext;
	PDXGKDDI_DESTROYCONTEXT DxgkDdiDestroyContext;

	/* linked display adapters */
	PVOID DxgkDdiLinkDevice;
	PVOID DxgkDdiSetDisplayPrivateDriverFormat;

	/* since WIN7; the first six are unused placeholders */
	PVOID DxgkDdiDescribePageTable;
	PVOID DxgkDdiUpdatePageTable;
	PVOID DxgkDdiUpdatePageDirectory;
	PVOID DxgkDdiMovePageDirectory;
	PVOID DxgkDdiSubmitRender;
	PVOID DxgkDdiCreateAllocation2;
	PVOID DxgkDdiRenderKm;
	VOID *Reserved;
	PVOID DxgkDdiQueryVidPnHWCapability;

	/* since WIN8 */
	PVOID DxgkDdiSetPowerComponentFState;
	PVOID DxgkDdiQueryDependentEngineGroup;
	PVOID DxgkDdiQueryEngineStatus;
	PVOID DxgkDdiResetEngine;
	PVOID DxgkDdiStopDeviceAndReleasePostDisplayOwnership;
	PVOID DxgkDdiSystemDisplayEnable;
	PVOID DxgkDdiSystemDisplayWrite;
	PVOID DxgkDdiCancelCommand;
	PVOID DxgkDdiGetChildContainerId;
	PVOID DxgkDdiPowerRuntimeControlRequest;
	PVOID DxgkDdiSetVidPnSourceAddressWithMultiPlaneOverlay;
	PVOID DxgkDdiNotifySurpriseRemoval;

	/* since 1.3 */
	PVOID DxgkDdiGetNodeMetadata;
	PVOID DxgkDdiSetPowerPState;
	PVOID DxgkDdiControlInterrupt2;
	PVOID DxgkDdiCheckMultiPlaneOverlaySupport;
	PVOID DxgkDdiCalibrateGpuClock;
	PVOID DxgkDdiFormatHistoryBuffer;

	/* since 2.0 */
	PVOID DxgkDdiRenderGdi;
	PVOID DxgkDdiSubmitCommandVirtual;
	PDXGKDDI_SETROOTPAGETABLE DxgkDdiSetRootPageTable;
	PDXGKDDI_GETROOTPAGETABLESIZE DxgkDdiGetRootPageTableSize;
	PDXGKDDI_MAPCPUHOSTAPERTURE DxgkDdiMapCpuHostAperture;
	PDXGKDDI_UNMAPCPUHOSTAPERTURE DxgkDdiUnmapCpuHostAperture;
	PVOID DxgkDdiCheckMultiPlaneOverlaySupport2;
	PDXGKDDI_CREATEPROCESS DxgkDdiCreateProcess;
	PDXGKDDI_DESTROYPROCESS DxgkDdiDestroyProcess;
	PVOID DxgkDdiSetVidPnSourceAddressWithMultiPlaneOverlay2;
	void *Reserved1;
	void *Reserved2;
	PVOID DxgkDdiPowerRuntimeSetDeviceHandle;
	PVOID DxgkDdiSetStablePowerState;
	PVOID DxgkDdiSetVideoProtectedRegion;

	/* since 2.1 */
	PVOID DxgkDdiCheckMultiPlaneOverlaySupport3;
	PVOID DxgkDdiSetVidPnSourceAddressWithMultiPlaneOverlay3;
	PVOID DxgkDdiPostMultiPlaneOverlayPresent;
	PVOID DxgkDdiValidateUpdateAllocationProperty;
	PVOID DxgkDdiControlModeBehavior;
	PVOID DxgkDdiUpdateMonitorLinkInfo;

	/* since 2.2 */
	PVOID DxgkDdiCreateHwContext;
	PVOID DxgkDdiDestroyHwContext;
	PVOID DxgkDdiCreateHwQueue;
	PVOID DxgkDdiDestroyHwQueue;
	PVOID DxgkDdiSubmitCommandToHwQueue;
	PVOID DxgkDdiSwitchToHwContextList;
	PVOID DxgkDdiResetHwEngine;
	PVOID DxgkDdiCreatePeriodicFrameNotification;
	PVOID DxgkDdiDestroyPeriodicFrameNotification;
	PVOID DxgkDdiSetTimingsFromVidPn;
	PVOID DxgkDdiSetTargetGamma;
	PVOID DxgkDdiSetTargetContentType;
	PVOID DxgkDdiSetTargetAnalogCopyProtection;
	PVOID DxgkDdiSetTargetAdjustedColorimetry;
	PVOID DxgkDdiDisplayDetectControl;
	PVOID DxgkDdiQueryConnectionChange;
	PVOID DxgkDdiExchangePreStartInfo;
	PVOID DxgkDdiGetMultiPlaneOverlayCaps;
	PVOID DxgkDdiGetPostCompositionCaps;

	/* since 2.3; later SDKs append more blocks after this one */
	PVOID DxgkDdiUpdateHwContextState;
	PVOID DxgkDdiCreateProtectedSession;
	PVOID DxgkDdiDestroyProtectedSession;
} DRIVER_INITIALIZATION_DATA, *PDRIVER_INITIALIZATION_DATA;

/* §14.1 Called from the KMD's DriverEntry. On Windows it comes from
 * displib; on Linux the host or the shim provides it. dxgkrnl copies the
 * table, which need not outlive the call. */
NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
                        PDRIVER_INITIALIZATION_DATA DriverInitializationData);

/* ------------------------------------------------------------------------ */
/* §16 and per-section x64 layouts                                           */
/* ------------------------------------------------------------------------ */

#if defined(__x86_64__) || defined(__aarch64__) || defined(_WIN64)

#define DDIRR_WDDM_SIZE(t, n) DDIRR_STATIC_ASSERT(sizeof(t) == (n), "x64 size of " #t)
#define DDIRR_WDDM_OFF(t, m, n) DDIRR_STATIC_ASSERT(offsetof(t, m) == (n), "x64 offset of " #t "." #m)

/* base types */
DDIRR_WDDM_SIZE(LARGE_INTEGER, 8);
DDIRR_WDDM_SIZE(GUID, 16);
DDIRR_WDDM_SIZE(LUID, 8);
DDIRR_WDDM_SIZE(UNICODE_STRING, 16);
DDIRR_WDDM_SIZE(MDL, 48);
DDIRR_WDDM_OFF(MDL, Size, 8);
DDIRR_WDDM_OFF(MDL, Process, 16);
DDIRR_WDDM_OFF(MDL, ByteCount, 40);
DDIRR_WDDM_OFF(MDL, ByteOffset, 44);

/* §1 */
DDIRR_WDDM_SIZE(D3DGPU_PHYSICAL_ADDRESS, 16);
DDIRR_WDDM_OFF(D3DGPU_PHYSICAL_ADDRESS, SegmentOffset, 8);
DDIRR_WDDM_SIZE(DXGK_PTE, 16);
DDIRR_WDDM_OFF(DXGK_PTE, PageAddress, 8);

/* §2 */
DDIRR_WDDM_SIZE(DXGKARG_MAPCPUHOSTAPERTURE, 40);
DDIRR_WDDM_OFF(DXGKARG_MAPCPUHOSTAPERTURE, hAllocation, 0);
DDIRR_WDDM_OFF(DXGKARG_MAPCPUHOSTAPERTURE, SegmentId, 8);
DDIRR_WDDM_OFF(DXGKARG_MAPCPUHOSTAPERTURE, PhysicalAdapterIndex, 10);
DDIRR_WDDM_OFF(DXGKARG_MAPCPUHOSTAPERTURE, NumberOfPages, 16);
DDIRR_WDDM_OFF(DXGKARG_MAPCPUHOSTAPERTURE, pCpuHostAperturePages, 24);
DDIRR_WDDM_OFF(DXGKARG_MAPCPUHOSTAPERTURE, pMemorySegmentPages, 32);

/* §3 */
DDIRR_WDDM_SIZE(DXGKARG_UNMAPCPUHOSTAPERTURE, 24);
DDIRR_WDDM_OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, NumberOfPages, 0);
DDIRR_WDDM_OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, pCpuHostAperturePages, 8);
DDIRR_WDDM_OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, SegmentId, 16);
DDIRR_WDDM_OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, PhysicalAdapterIndex, 18);

/* §4 */
DDIRR_WDDM_SIZE(DXGK_CPUHOSTAPERTURE, 16);
DDIRR_WDDM_SIZE(DXGK_SEGMENTFLAGS, 4);
DDIRR_WDDM_SIZE(DXGK_SEGMENTDESCRIPTOR4, 96);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, Flags, 0);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, BaseAddress, 8);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, Size, 16);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, CommitLimit, 24);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, SystemMemoryEndAddress, 32);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, CpuTranslatedAddress, 40);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, CpuHostAperture, 40);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, NumInvalidMemoryRanges, 56);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, VprRangeStartOffset, 64);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, VprRangeSize, 72);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, VprAlignment, 80);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, NumVprSupported, 84);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, VprReserveSize, 88);
DDIRR_WDDM_OFF(DXGK_SEGMENTDESCRIPTOR4, NumUEFIFrameBufferRanges, 92);
DDIRR_WDDM_SIZE(DXGK_QUERYSEGMENTOUT4, 40);
DDIRR_WDDM_OFF(DXGK_QUERYSEGMENTOUT4, SegmentDescriptorStride, 32);
DDIRR_WDDM_SIZE(DXGK_VIDMMCAPS, 8);

/* §6 */
DDIRR_WDDM_SIZE(DXGK_SEGMENTPREFERENCE, 4);
DDIRR_WDDM_SIZE(DXGK_SEGMENTBANKPREFERENCE, 4);
DDIRR_WDDM_SIZE(DXGKARGCB_CREATECONTEXTALLOCATION, 88);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, ContextAllocationFlags, 0);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hAdapter, 8);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hDevice, 16);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hContext, 24);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hDriverAllocation, 32);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, Size, 40);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, Alignment, 48);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, SupportedSegmentSet, 52);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, EvictionSegmentSet, 56);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, PreferredSegment, 60);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, HintedBank, 64);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, Flags, 68);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hAllocation, 72);
DDIRR_WDDM_OFF(DXGKARGCB_CREATECONTEXTALLOCATION, PhysicalAdapterIndex, 80);

/* §7 */
DDIRR_WDDM_SIZE(DXGKARGCB_MAPCONTEXTALLOCATION, 64);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, BaseAddress, 0);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, MinimumAddress, 8);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, MaximumAddress, 16);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, hAllocation, 24);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, OffsetInPages, 32);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, SizeInPages, 40);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, Protection, 48);
DDIRR_WDDM_OFF(DXGKARGCB_MAPCONTEXTALLOCATION, DriverProtection, 56);
DDIRR_WDDM_SIZE(DXGKARGCB_UPDATECONTEXTALLOCATION, 24);
DDIRR_WDDM_SIZE(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, 48);
DDIRR_WDDM_OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, StartVirtualAddress, 24);
DDIRR_WDDM_OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, BaseAddress, 32);
DDIRR_WDDM_OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, Flags, 40);

/* §8 */
DDIRR_WDDM_SIZE(D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE, 8);
DDIRR_WDDM_SIZE(D3DDDI_MAPGPUVIRTUALADDRESS, 104);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, hPagingQueue, 0);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, BaseAddress, 8);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, MinimumAddress, 16);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, MaximumAddress, 24);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, hAllocation, 32);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, OffsetInPages, 40);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, SizeInPages, 48);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, Protection, 56);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, DriverProtection, 64);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, Reserved0, 72);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, Reserved1, 80);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, VirtualAddress, 88);
DDIRR_WDDM_OFF(D3DDDI_MAPGPUVIRTUALADDRESS, PagingFenceValue, 96);
DDIRR_WDDM_SIZE(D3DDDI_RESERVEGPUVIRTUALADDRESS, 72);
DDIRR_WDDM_SIZE(D3DKMT_FREEGPUVIRTUALADDRESS, 24);
DDIRR_WDDM_SIZE(D3DDDICB_FREEGPUVIRTUALADDRESS, 16);

/* §9 */
DDIRR_WDDM_SIZE(DXGK_ALLOCATIONINFO, 88);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, pPrivateDriverData, 0);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, PrivateDriverDataSize, 8);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, Alignment, 12);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, Size, 16);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, PitchAlignedSize, 24);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, HintedBank, 32);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, PreferredSegment, 36);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, SupportedReadSegmentSet, 40);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, SupportedWriteSegmentSet, 44);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, EvictionSegmentSet, 48);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, MaximumRenamingListLength, 52);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, PhysicalAdapterIndex, 52);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, hAllocation, 56);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, Flags, 64);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, FlagsWddm2, 64);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, pAllocationUsageHint, 72);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, AllocationPriority, 80);
DDIRR_WDDM_OFF(DXGK_ALLOCATIONINFO, Flags2, 84);
DDIRR_WDDM_SIZE(DXGKARG_CREATEALLOCATION, 40);
DDIRR_WDDM_OFF(DXGKARG_CREATEALLOCATION, pPrivateDriverData, 0);
DDIRR_WDDM_OFF(DXGKARG_CREATEALLOCATION, PrivateDriverDataSize, 8);
DDIRR_WDDM_OFF(DXGKARG_CREATEALLOCATION, NumAllocations, 12);
DDIRR_WDDM_OFF(DXGKARG_CREATEALLOCATION, pAllocationInfo, 16);
DDIRR_WDDM_OFF(DXGKARG_CREATEALLOCATION, hResource, 24);
DDIRR_WDDM_OFF(DXGKARG_CREATEALLOCATION, Flags, 32);
DDIRR_WDDM_SIZE(DXGKARG_DESTROYALLOCATION, 32);
DDIRR_WDDM_SIZE(DXGK_OPENALLOCATIONINFO, 32);
DDIRR_WDDM_SIZE(DXGKARG_OPENALLOCATION, 56);
DDIRR_WDDM_SIZE(DXGKARG_CLOSEALLOCATION, 16);

/* §10 */
DDIRR_WDDM_SIZE(DXGK_CONTEXTINFO, 32);
DDIRR_WDDM_SIZE(DXGKARG_CREATECONTEXT, 72);
DDIRR_WDDM_OFF(DXGKARG_CREATECONTEXT, ContextInfo, 36);

/* §11; DXGKARG_CREATEPROCESS is the H16299 layout (32), not the newest (56). */
DDIRR_WDDM_SIZE(DXGKARG_CREATEPROCESS, 32);
DDIRR_WDDM_OFF(DXGKARG_CREATEPROCESS, Flags, 16);
DDIRR_WDDM_OFF(DXGKARG_CREATEPROCESS, pPasid, 24);
DDIRR_WDDM_SIZE(DXGKARG_SETROOTPAGETABLE, 32);
DDIRR_WDDM_OFF(DXGKARG_SETROOTPAGETABLE, Address, 8);
DDIRR_WDDM_OFF(DXGKARG_SETROOTPAGETABLE, NumEntries, 24);
DDIRR_WDDM_SIZE(DXGKARG_GETROOTPAGETABLESIZE, 8);
DDIRR_WDDM_SIZE(DXGK_GPUMMUCAPS, 24);
DDIRR_WDDM_SIZE(DXGK_PAGE_TABLE_LEVEL_DESC, 20);
DDIRR_WDDM_SIZE(DXGK_QUERYPAGETABLELEVELDESCIN, 4);
DDIRR_WDDM_SIZE(DXGK_UPDATEPAGETABLEFLAGS, 4);

/* §12 */
DDIRR_WDDM_SIZE(DXGK_PAGETABLEUPDATEADDRESS, 16);
DDIRR_WDDM_SIZE(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, 104);
DDIRR_WDDM_OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, PageTableAddress, 16);
DDIRR_WDDM_SIZE(DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY, 32);
DDIRR_WDDM_SIZE(DXGKARG_BUILDPAGINGBUFFER, 320);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, Operation, 28);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, MultipassOffset, 32);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, Transfer, 40);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, Reserved, 40);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, hSystemContext, 296);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, DmaBufferGpuVirtualAddress, 304);
DDIRR_WDDM_OFF(DXGKARG_BUILDPAGINGBUFFER, DmaBufferWriteOffset, 312);
DDIRR_STATIC_ASSERT(sizeof(((DXGKARG_BUILDPAGINGBUFFER *)0)->Reserved) == 256, "x64 paging-buffer union");
DDIRR_STATIC_ASSERT(sizeof(((DXGKARG_BUILDPAGINGBUFFER *)0)->MapApertureSegment) == 56, "x64 MapApertureSegment");
DDIRR_STATIC_ASSERT(offsetof(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment.pMdl) == 40 + 40, "x64 MapApertureSegment.pMdl");
DDIRR_STATIC_ASSERT(offsetof(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment.Flags) == 40 + 48, "x64 MapApertureSegment.Flags");
DDIRR_STATIC_ASSERT(offsetof(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment.MdlOffset) == 40 + 52, "x64 MapApertureSegment.MdlOffset");
DDIRR_STATIC_ASSERT(sizeof(((DXGKARG_BUILDPAGINGBUFFER *)0)->UnmapApertureSegment) == 48, "x64 UnmapApertureSegment");
DDIRR_STATIC_ASSERT(offsetof(DXGKARG_BUILDPAGINGBUFFER, UnmapApertureSegment.DummyPage) == 40 + 40, "x64 UnmapApertureSegment.DummyPage");

/* §13; CreateDevice computed from the genuine header */
DDIRR_WDDM_SIZE(DXGKARG_QUERYADAPTERINFO, 40);
DDIRR_WDDM_SIZE(DXGK_PHYSICALADAPTERCAPS, 24);
DDIRR_WDDM_SIZE(DXGK_DEVICEINFO, 24);
DDIRR_WDDM_SIZE(DXGKARG_CREATEDEVICE, 32);
DDIRR_WDDM_OFF(DXGKARG_CREATEDEVICE, Pasid, 16);
DDIRR_WDDM_OFF(DXGKARG_CREATEDEVICE, hKmdProcess, 24);

/* §14, computed from the genuine H16299 member order */
DDIRR_WDDM_SIZE(DXGK_START_INFO, 28);
DDIRR_WDDM_OFF(DXGK_START_INFO, AdapterLuid, 20);
DDIRR_WDDM_SIZE(DXGKRNL_INTERFACE, 368);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DeviceHandle, 8);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DxgkCbCreateContextAllocation, 184);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DxgkCbDestroyContextAllocation, 192);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DxgkCbMapContextAllocation, 264);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DxgkCbUpdateContextAllocation, 272);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DxgkCbReserveGpuVirtualAddressRange, 280);
DDIRR_WDDM_OFF(DXGKRNL_INTERFACE, DxgkCbSetProtectedSessionStatus, 360);
DDIRR_WDDM_SIZE(DRIVER_INITIALIZATION_DATA, 1056);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiAddDevice, 8);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiQueryAdapterInfo, 136);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiBuildPagingBuffer, 224);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyDevice, 400);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCreateContext, 464);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDescribePageTable, 496);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiSetPowerComponentFState, 568);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiGetNodeMetadata, 664);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiRenderGdi, 712);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiMapCpuHostAperture, 744);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyProcess, 776);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCheckMultiPlaneOverlaySupport3, 832);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCreateHwContext, 880);
DDIRR_WDDM_OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiUpdateHwContextState, 1032);

#undef DDIRR_WDDM_SIZE
#undef DDIRR_WDDM_OFF

#endif /* LP64 / LLP64 */

#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* DDIRR_WDDM_H */
