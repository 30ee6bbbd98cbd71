/* ddirr/wddm.h reproduces the Windows x64 layout of the WDDM slice: sizes,
 * offsets, bitfield positions and enum values, checked at run time so that a
 * failure prints the numbers (the header's static asserts only say "no"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ddirr/wddm.h"

#define SIZE(t, n) assert_int_equal(sizeof(t), (n))
#define OFF(t, m, n) assert_int_equal(offsetof(t, m), (n))
#define MSIZE(t, m, n) assert_int_equal(sizeof(((t *)0)->m), (n))

/* The UINT behind a plain bitfield struct that has no Value member. */
static UINT word_of(const void *p)
{
	UINT v;
	memcpy(&v, p, sizeof v);
	return v;
}

static void wddm__base_types_have_windows_x64_sizes(void **state)
{
	(void)state;
	SIZE(UINT, 4);
	SIZE(ULONG, 4);
	SIZE(LONG, 4);
	SIZE(NTSTATUS, 4);
	SIZE(WORD, 2);
	SIZE(BYTE, 1);
	SIZE(BOOLEAN, 1);
	SIZE(UINT64, 8);
	SIZE(SIZE_T, 8);
	SIZE(HANDLE, 8);
	SIZE(PFN_NUMBER, 8);
	SIZE(LARGE_INTEGER, 8);
	SIZE(PHYSICAL_ADDRESS, 8);
	SIZE(GUID, 16);
	SIZE(LUID, 8);
	SIZE(UNICODE_STRING, 16);
	SIZE(DXGK_BUILDPAGINGBUFFER_OPERATION, 4);
}

static void wddm__large_integer_parts_alias_quadpart(void **state)
{
	(void)state;
	LARGE_INTEGER li;
	li.QuadPart = 0x1122334455667788LL;
	assert_int_equal(li.LowPart, 0x55667788u);
	assert_int_equal(li.HighPart, 0x11223344);
	assert_int_equal(li.u.LowPart, 0x55667788u);
}

static void wddm__mdl_header_and_pfn_array_follow_wdm(void **state)
{
	(void)state;
	SIZE(MDL, 48);
	OFF(MDL, Next, 0);
	OFF(MDL, Size, 8);
	OFF(MDL, MdlFlags, 10);
	OFF(MDL, Process, 16);
	OFF(MDL, MappedSystemVa, 24);
	OFF(MDL, StartVa, 32);
	OFF(MDL, ByteCount, 40);
	OFF(MDL, ByteOffset, 44);

	union {
		MDL mdl;
		unsigned char bytes[sizeof(MDL) + 4 * sizeof(PFN_NUMBER)];
	} buf;
	memset(&buf, 0, sizeof buf);
	PFN_NUMBER *pfns = MmGetMdlPfnArray(&buf.mdl);
	assert_ptr_equal(pfns, buf.bytes + sizeof(MDL));
	pfns[3] = 0x1234;
	assert_int_equal(MmGetMdlPfnArray(&buf.mdl)[3], 0x1234);
}

static void wddm__status_codes_and_nt_success(void **state)
{
	(void)state;
	assert_int_equal((uint32_t)STATUS_SUCCESS, 0u);
	assert_int_equal((uint32_t)STATUS_UNSUCCESSFUL, 0xC0000001u);
	assert_int_equal((uint32_t)STATUS_INVALID_PARAMETER, 0xC000000Du);
	assert_int_equal((uint32_t)STATUS_NO_MEMORY, 0xC0000017u);
	assert_int_equal((uint32_t)STATUS_BUFFER_TOO_SMALL, 0xC0000023u);
	assert_int_equal((uint32_t)STATUS_NOT_SUPPORTED, 0xC00000BBu);
	assert_int_equal((uint32_t)STATUS_GRAPHICS_INSUFFICIENT_DMA_BUFFER, 0xC01E0001u);
	assert_int_equal((uint32_t)STATUS_GRAPHICS_ALLOCATION_BUSY, 0xC01E0102u);
	assert_true(NT_SUCCESS(STATUS_SUCCESS));
	assert_true(NT_SUCCESS((NTSTATUS)0x40000000L));
	assert_false(NT_SUCCESS(STATUS_UNSUCCESSFUL));
	assert_false(NT_SUCCESS(STATUS_GRAPHICS_ALLOCATION_BUSY));
}

static void wddm__interface_versions_match_reference(void **state)
{
	(void)state;
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_VISTA, 0x1052);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WIN8, 0x300E);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WDDM2_0, 0x5023);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WDDM2_0_H10240, 0x5022);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WDDM2_1, 0x6003);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WDDM2_2, 0x700A);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WDDM2_3, 0x8001);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION, DXGKDDI_INTERFACE_VERSION_WDDM2_3);
	assert_int_equal(DXGKDDI_INTERFACE_VERSION_WDDM3_2, 0x11007);
	assert_int_equal(DXGK_SEGMENT_ID_SYSTEMMEMORY, 31);
	assert_int_equal(DXGK_SEGMENT_SET_SYSTEMMEMORY, 0x80000000u);
}

static void wddm__pte_fields_sit_at_reference_bits(void **state)
{
	(void)state;
	DXGK_PTE pte;
	SIZE(DXGK_PTE, 16);
	OFF(DXGK_PTE, Flags, 0);
	OFF(DXGK_PTE, PageAddress, 8);
	OFF(DXGK_PTE, PageTableAddress, 8);

	memset(&pte, 0, sizeof pte);
	pte.Valid = 1;
	assert_int_equal(pte.Flags, 1u);

	memset(&pte, 0, sizeof pte);
	pte.Segment = 1;
	assert_int_equal(pte.Flags, 1ull << 5);
	pte.Segment = 31;
	assert_int_equal(pte.Flags, 31ull << 5);

	memset(&pte, 0, sizeof pte);
	pte.LargePage = 1;
	assert_int_equal(pte.Flags, 1ull << 10);

	memset(&pte, 0, sizeof pte);
	pte.PhysicalAdapterIndex = 1;
	assert_int_equal(pte.Flags, 1ull << 11);

	memset(&pte, 0, sizeof pte);
	pte.PageTablePageSize = DXGK_PTE_PAGE_TABLE_PAGE_64KB;
	assert_int_equal(pte.Flags, 1ull << 17);

	memset(&pte, 0, sizeof pte);
	pte.SystemReserved0 = 1;
	assert_int_equal(pte.Flags, 1ull << 19);

	memset(&pte, 0, sizeof pte);
	pte.Reserved = 1;
	assert_int_equal(pte.Flags, 1ull << 20);
}

static void wddm__cpu_host_aperture_args_match_reference(void **state)
{
	(void)state;
	SIZE(DXGKARG_MAPCPUHOSTAPERTURE, 40);
	OFF(DXGKARG_MAPCPUHOSTAPERTURE, hAllocation, 0);
	OFF(DXGKARG_MAPCPUHOSTAPERTURE, SegmentId, 8);
	OFF(DXGKARG_MAPCPUHOSTAPERTURE, PhysicalAdapterIndex, 10);
	OFF(DXGKARG_MAPCPUHOSTAPERTURE, NumberOfPages, 16);
	OFF(DXGKARG_MAPCPUHOSTAPERTURE, pCpuHostAperturePages, 24);
	OFF(DXGKARG_MAPCPUHOSTAPERTURE, pMemorySegmentPages, 32);

	SIZE(DXGKARG_UNMAPCPUHOSTAPERTURE, 24);
	OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, NumberOfPages, 0);
	OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, pCpuHostAperturePages, 8);
	OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, SegmentId, 16);
	OFF(DXGKARG_UNMAPCPUHOSTAPERTURE, PhysicalAdapterIndex, 18);

	SIZE(DXGK_CPUHOSTAPERTURE, 16);
	OFF(DXGK_CPUHOSTAPERTURE, SizeInPages, 8);
}

static void wddm__segment_flags_bits_match_reference(void **state)
{
	(void)state;
	DXGK_SEGMENTFLAGS f;
	SIZE(DXGK_SEGMENTFLAGS, 4);

	f.Value = 0;
	f.CpuVisible = 1;
	assert_int_equal(f.Value, 0x4);
	f.Value = 0;
	f.DirectFlip = 1;
	assert_int_equal(f.Value, 0x400);
	f.Value = 0;
	f.Use64KBPages = 1;
	assert_int_equal(f.Value, 0x800);
	f.Value = 0;
	f.SupportsCpuHostAperture = 1;
	assert_int_equal(f.Value, 0x2000);
	f.Value = 0;
	f.SupportsCachedCpuHostAperture = 1;
	assert_int_equal(f.Value, 0x4000);
	f.Value = 0;
	f.NonLocalBudgetGroup = 1;
	assert_int_equal(f.Value, 0x100000);
	f.Value = 0;
	f.PopulatedByReservedDDRByFirmware = 1;
	assert_int_equal(f.Value, 0x200000);
	f.Value = 0;
	f.Reserved = 1;
	assert_int_equal(f.Value, 0x400000);
}

static void wddm__segment_descriptor4_and_query_match_reference(void **state)
{
	(void)state;
	SIZE(DXGK_SEGMENTDESCRIPTOR4, 96);
	OFF(DXGK_SEGMENTDESCRIPTOR4, Flags, 0);
	OFF(DXGK_SEGMENTDESCRIPTOR4, BaseAddress, 8);
	OFF(DXGK_SEGMENTDESCRIPTOR4, Size, 16);
	OFF(DXGK_SEGMENTDESCRIPTOR4, CommitLimit, 24);
	OFF(DXGK_SEGMENTDESCRIPTOR4, SystemMemoryEndAddress, 32);
	OFF(DXGK_SEGMENTDESCRIPTOR4, CpuTranslatedAddress, 40);
	OFF(DXGK_SEGMENTDESCRIPTOR4, CpuHostAperture, 40);
	OFF(DXGK_SEGMENTDESCRIPTOR4, NumInvalidMemoryRanges, 56);
	OFF(DXGK_SEGMENTDESCRIPTOR4, VprRangeStartOffset, 64);
	OFF(DXGK_SEGMENTDESCRIPTOR4, VprRangeSize, 72);
	OFF(DXGK_SEGMENTDESCRIPTOR4, VprAlignment, 80);
	OFF(DXGK_SEGMENTDESCRIPTOR4, NumVprSupported, 84);
	OFF(DXGK_SEGMENTDESCRIPTOR4, VprReserveSize, 88);
	OFF(DXGK_SEGMENTDESCRIPTOR4, NumUEFIFrameBufferRanges, 92);

	SIZE(DXGK_QUERYSEGMENTIN4, 4);
	SIZE(DXGK_QUERYSEGMENTOUT4, 40);
	OFF(DXGK_QUERYSEGMENTOUT4, pSegmentDescriptor, 8);
	OFF(DXGK_QUERYSEGMENTOUT4, PagingBufferSegmentId, 16);
	OFF(DXGK_QUERYSEGMENTOUT4, SegmentDescriptorStride, 32);
}

static void wddm__vidmm_caps_bits_match_reference(void **state)
{
	(void)state;
	DXGK_VIDMMCAPS c;
	SIZE(DXGK_VIDMMCAPS, 8);
	OFF(DXGK_VIDMMCAPS, PagingNode, 4);

	memset(&c, 0, sizeof c);
	c.VirtualAddressingSupported = 1;
	assert_int_equal(c.Value, 1u << 5);
	c.Value = 0;
	c.GpuMmuSupported = 1;
	assert_int_equal(c.Value, 1u << 6);
	c.Value = 0;
	c.IoMmuSupported = 1;
	assert_int_equal(c.Value, 1u << 7);
	c.Value = 0;
	c.NonCpuVisiblePrimary = 1;
	assert_int_equal(c.Value, 1u << 9);
	c.Value = 0;
	c.ParavirtualizationSupported = 1;
	assert_int_equal(c.Value, 1u << 10);
	c.Value = 0;
	c.AlwaysPoweredVRAM = 1;
	assert_int_equal(c.Value, 1u << 17);
}

static void wddm__segment_preferences_bits_match_reference(void **state)
{
	(void)state;
	DXGK_SEGMENTPREFERENCE p;
	DXGK_SEGMENTBANKPREFERENCE b;

	p.Value = 0;
	p.SegmentId0 = 31;
	assert_int_equal(p.Value, 0x1F);
	p.Value = 0;
	p.SegmentId1 = 1;
	assert_int_equal(p.Value, 1u << 6);
	p.Value = 0;
	p.Direction1 = 1;
	assert_int_equal(p.Value, 0x800);
	p.Value = 0;
	p.SegmentId4 = 31;
	assert_int_equal(p.Value, 0x1F000000u);
	p.Value = 0;
	p.Direction4 = 1;
	assert_int_equal(p.Value, 1u << 29);

	b.Value = 0;
	b.Bank1 = 0x7F;
	assert_int_equal(b.Value, 0x7F00);
	b.Value = 0;
	b.Direction3 = 1;
	assert_int_equal(b.Value, 0x80000000u);
}

static void wddm__allocation_flags_bits_match_reference(void **state)
{
	(void)state;
	DXGK_ALLOCATIONINFOFLAGS v1;
	DXGK_ALLOCATIONINFOFLAGS_WDDM2_0 v2;
	DXGK_ALLOCATIONINFOFLAGS2 f2;

	v1.Value = 0;
	v1.Swizzled = 1;
	assert_int_equal(v1.Value, 1u << 7);
	v1.Value = 0;
	v1.LinkInstanced = 1;
	assert_int_equal(v1.Value, 1u << 13);
	v1.Value = 0;
	v1.AccessedPhysically = 1;
	assert_int_equal(v1.Value, 1u << 15);
	v1.Value = 0;
	v1.CpuVisibleOnDemand = 1;
	assert_int_equal(v1.Value, 1u << 18);
	v1.Value = 0;
	v1.Reserved0 = 1; /* DXGK_ALLOC_RESERVED0 */
	assert_int_equal(v1.Value, 1u << 31);

	v2.Value = 0;
	v2.DisableLargePageMapping = 1;
	assert_int_equal(v2.Value, 1u << 7);
	v2.Value = 0;
	v2.CreateInVpr = 1;
	assert_int_equal(v2.Value, 1u << 10);
	v2.Value = 0;
	v2.DXGK_ALLOC_RESERVED17 = 1;
	assert_int_equal(v2.Value, 1u << 11);
	v2.Value = 0;
	v2.MapApertureCpuVisible = 1;
	assert_int_equal(v2.Value, 1u << 13);
	v2.Value = 0;
	v2.AccessedPhysically = 1;
	assert_int_equal(v2.Value, 1u << 15);
	v2.Value = 0;
	v2.ExplicitResidencyNotification = 1;
	assert_int_equal(v2.Value, 1u << 16);
	v2.Value = 0;
	v2.DXGK_ALLOC_RESERVED16 = 1;
	assert_int_equal(v2.Value, 1u << 19);

	f2.Value = 0;
	f2.NotifyIoMmuUnmap = 1;
	assert_int_equal(f2.Value, 1u << 5);
}

static void wddm__context_allocation_args_match_reference(void **state)
{
	(void)state;
	DXGK_CREATECONTEXTALLOCATIONFLAGS f;

	SIZE(DXGKARGCB_CREATECONTEXTALLOCATION, 88);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hAdapter, 8);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hDriverAllocation, 32);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, Size, 40);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, Alignment, 48);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, PreferredSegment, 60);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, HintedBank, 64);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, Flags, 68);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, hAllocation, 72);
	OFF(DXGKARGCB_CREATECONTEXTALLOCATION, PhysicalAdapterIndex, 80);

	f.Value = 0;
	f.MapGpuVirtualAddress = 1;
	assert_int_equal(f.Value, 2);
}

static void wddm__gpu_va_callbacks_args_match_reference(void **state)
{
	(void)state;
	DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r;
	D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE p;

	SIZE(DXGKARGCB_MAPCONTEXTALLOCATION, 64);
	OFF(DXGKARGCB_MAPCONTEXTALLOCATION, hAllocation, 24);
	OFF(DXGKARGCB_MAPCONTEXTALLOCATION, OffsetInPages, 32);
	OFF(DXGKARGCB_MAPCONTEXTALLOCATION, Protection, 48);
	OFF(DXGKARGCB_MAPCONTEXTALLOCATION, DriverProtection, 56);

	SIZE(DXGKARGCB_UPDATECONTEXTALLOCATION, 24);
	OFF(DXGKARGCB_UPDATECONTEXTALLOCATION, PrivateDriverDataSize, 16);

	SIZE(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, 48);
	OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, SizeInBytes, 8);
	OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, Alignment, 16);
	OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, StartVirtualAddress, 24);
	OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, BaseAddress, 32);
	OFF(DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE, Flags, 40);
	r.Flags = 0;
	r.AllowUserModeMapping = 1;
	assert_int_equal(r.Flags, 1);

	SIZE(D3DDDIGPUVIRTUALADDRESS_PROTECTION_TYPE, 8);
	p.Value = 0;
	p.NoAccess = 1;
	assert_int_equal(p.Value, 8);
	p.Value = 0;
	p.SystemUseOnly = 1;
	assert_int_equal(p.Value, 16);
}

static void wddm__umd_gpu_va_structs_match_reference(void **state)
{
	(void)state;
	SIZE(D3DDDI_MAPGPUVIRTUALADDRESS, 104);
	OFF(D3DDDI_MAPGPUVIRTUALADDRESS, hAllocation, 32);
	OFF(D3DDDI_MAPGPUVIRTUALADDRESS, Protection, 56);
	OFF(D3DDDI_MAPGPUVIRTUALADDRESS, Reserved0, 72);
	OFF(D3DDDI_MAPGPUVIRTUALADDRESS, Reserved1, 80);
	OFF(D3DDDI_MAPGPUVIRTUALADDRESS, VirtualAddress, 88);
	OFF(D3DDDI_MAPGPUVIRTUALADDRESS, PagingFenceValue, 96);

	SIZE(D3DDDI_RESERVEGPUVIRTUALADDRESS, 72);
	OFF(D3DDDI_RESERVEGPUVIRTUALADDRESS, Size, 32);
	OFF(D3DDDI_RESERVEGPUVIRTUALADDRESS, ReservationType, 40);
	OFF(D3DDDI_RESERVEGPUVIRTUALADDRESS, DriverProtection, 48);
	OFF(D3DDDI_RESERVEGPUVIRTUALADDRESS, VirtualAddress, 56);
	OFF(D3DDDI_RESERVEGPUVIRTUALADDRESS, PagingFenceValue, 64);

	SIZE(D3DKMT_FREEGPUVIRTUALADDRESS, 24);
	SIZE(D3DDDICB_FREEGPUVIRTUALADDRESS, 16);
	assert_int_equal(D3DDDIGPUVIRTUALADDRESS_RESERVE_NO_COMMIT, 2);
	assert_int_equal(D3DDDI_UPDATEGPUVIRTUALADDRESS_MAP_PROTECT, 3);
}

static void wddm__allocation_info_is_h16299_layout_with_flags2(void **state)
{
	(void)state;
	SIZE(DXGK_ALLOCATIONINFO, 88);
	OFF(DXGK_ALLOCATIONINFO, pPrivateDriverData, 0);
	OFF(DXGK_ALLOCATIONINFO, PrivateDriverDataSize, 8);
	OFF(DXGK_ALLOCATIONINFO, Alignment, 12);
	OFF(DXGK_ALLOCATIONINFO, Size, 16);
	OFF(DXGK_ALLOCATIONINFO, PitchAlignedSize, 24);
	OFF(DXGK_ALLOCATIONINFO, HintedBank, 32);
	OFF(DXGK_ALLOCATIONINFO, PreferredSegment, 36);
	OFF(DXGK_ALLOCATIONINFO, SupportedReadSegmentSet, 40);
	OFF(DXGK_ALLOCATIONINFO, SupportedWriteSegmentSet, 44);
	OFF(DXGK_ALLOCATIONINFO, EvictionSegmentSet, 48);
	OFF(DXGK_ALLOCATIONINFO, MaximumRenamingListLength, 52);
	OFF(DXGK_ALLOCATIONINFO, PhysicalAdapterIndex, 52);
	OFF(DXGK_ALLOCATIONINFO, hAllocation, 56);
	OFF(DXGK_ALLOCATIONINFO, Flags, 64);
	OFF(DXGK_ALLOCATIONINFO, FlagsWddm2, 64);
	OFF(DXGK_ALLOCATIONINFO, pAllocationUsageHint, 72);
	OFF(DXGK_ALLOCATIONINFO, AllocationPriority, 80);
	OFF(DXGK_ALLOCATIONINFO, Flags2, 84);

	SIZE(DXGK_ALLOCATIONUSAGEINFO1, 36);
	SIZE(DXGK_ALLOCATIONUSAGEHINT, 40);
}

static void wddm__allocation_lifecycle_args_match_reference(void **state)
{
	(void)state;
	SIZE(DXGKARG_CREATEALLOCATION, 40);
	OFF(DXGKARG_CREATEALLOCATION, NumAllocations, 12);
	OFF(DXGKARG_CREATEALLOCATION, pAllocationInfo, 16);
	OFF(DXGKARG_CREATEALLOCATION, hResource, 24);
	OFF(DXGKARG_CREATEALLOCATION, Flags, 32);

	SIZE(DXGKARG_DESTROYALLOCATION, 32);
	OFF(DXGKARG_DESTROYALLOCATION, pAllocationList, 8);
	OFF(DXGKARG_DESTROYALLOCATION, hResource, 16);
	OFF(DXGKARG_DESTROYALLOCATION, Flags, 24);

	SIZE(DXGK_OPENALLOCATIONINFO, 32);
	OFF(DXGK_OPENALLOCATIONINFO, hDeviceSpecificAllocation, 24);
	SIZE(DXGKARG_OPENALLOCATION, 56);
	OFF(DXGKARG_OPENALLOCATION, Flags, 28);
	OFF(DXGKARG_OPENALLOCATION, SubresourceOffset, 40);
	OFF(DXGKARG_OPENALLOCATION, Pitch, 48);
	SIZE(DXGKARG_CLOSEALLOCATION, 16);
}

static void wddm__context_and_process_args_match_reference(void **state)
{
	(void)state;
	DXGK_CREATECONTEXTFLAGS cf;
	DXGK_CREATEPROCESSFLAGS pf;

	SIZE(DXGK_CONTEXTINFO, 32);
	OFF(DXGK_CONTEXTINFO, Caps, 24);
	OFF(DXGK_CONTEXTINFO, PagingCompanionNodeId, 28);
	SIZE(DXGKARG_CREATECONTEXT, 72);
	OFF(DXGKARG_CREATECONTEXT, Flags, 16);
	OFF(DXGKARG_CREATECONTEXT, pPrivateDriverData, 24);
	OFF(DXGKARG_CREATECONTEXT, ContextInfo, 36);

	cf.Value = 0;
	cf.HwQueueSupported = 1;
	assert_int_equal(cf.Value, 1u << 4);

	/* The H16299 layout; the reference's 56 is the newest SDK's. */
	SIZE(DXGKARG_CREATEPROCESS, 32);
	OFF(DXGKARG_CREATEPROCESS, hKmdProcess, 8);
	OFF(DXGKARG_CREATEPROCESS, Flags, 16);
	OFF(DXGKARG_CREATEPROCESS, NumPasid, 20);
	OFF(DXGKARG_CREATEPROCESS, pPasid, 24);
	pf.Value = 0;
	pf.VirtualMachineProcess = 1;
	assert_int_equal(pf.Value, 1u << 2);

	SIZE(DXGKARG_SETROOTPAGETABLE, 32);
	OFF(DXGKARG_SETROOTPAGETABLE, Address, 8);
	OFF(DXGKARG_SETROOTPAGETABLE, NumEntries, 24);
	SIZE(DXGKARG_GETROOTPAGETABLESIZE, 8);
}

static void wddm__mmu_description_matches_reference(void **state)
{
	(void)state;
	DXGK_GPUMMUCAPS c;

	SIZE(DXGK_GPUMMUCAPS, 24);
	OFF(DXGK_GPUMMUCAPS, PageTableUpdateMode, 4);
	OFF(DXGK_GPUMMUCAPS, VirtualAddressBitCount, 8);
	OFF(DXGK_GPUMMUCAPS, PageTableLevelCount, 16);
	OFF(DXGK_GPUMMUCAPS, LegacyBehaviors, 20);
	memset(&c, 0, sizeof c);
	c.DualPteSupported = 1;
	assert_int_equal(c.Value, 1u << 7);
	c.Value = 0;
	c.SysMem64KBPageSupported = 1;
	assert_int_equal(c.Value, 1u << 9);

	SIZE(DXGK_PAGE_TABLE_LEVEL_DESC, 20);
	SIZE(DXGK_QUERYPAGETABLELEVELDESCIN, 4);
	OFF(DXGK_QUERYPAGETABLELEVELDESCIN, PhysicalAdapterIndex, 2);
	assert_int_equal(DXGK_PAGETABLEUPDATE_CPU_VIRTUAL, 0);
	assert_int_equal(DXGK_PAGETABLEUPDATE_GPU_PHYSICAL, 2);
}

static void wddm__update_page_table_flags_use64kbpages_is_bit3(void **state)
{
	(void)state;
	DXGK_UPDATEPAGETABLEFLAGS f;

	SIZE(DXGK_UPDATEPAGETABLEFLAGS, 4);
	memset(&f, 0, sizeof f);
	f.Repeat = 1;
	assert_int_equal(word_of(&f), 1u << 0);
	memset(&f, 0, sizeof f);
	f.NotifyEviction = 1;
	assert_int_equal(word_of(&f), 1u << 2);
	memset(&f, 0, sizeof f);
	f.Use64KBPages = 1;
	assert_int_equal(word_of(&f), 1u << 3);
	memset(&f, 0, sizeof f);
	f.NativeFence = 1;
	assert_int_equal(word_of(&f), 1u << 4);
}

static void wddm__paging_buffer_operations_match_reference(void **state)
{
	(void)state;
	assert_int_equal(DXGK_OPERATION_TRANSFER, 0);
	assert_int_equal(DXGK_OPERATION_MAP_APERTURE_SEGMENT, 5);
	assert_int_equal(DXGK_OPERATION_UNMAP_APERTURE_SEGMENT, 6);
	assert_int_equal(DXGK_OPERATION_VIRTUAL_TRANSFER, 8);
	assert_int_equal(DXGK_OPERATION_INIT_CONTEXT_RESOURCE, 10);
	assert_int_equal(DXGK_OPERATION_UPDATE_PAGE_TABLE, 11);
	assert_int_equal(DXGK_OPERATION_UPDATE_CONTEXT_ALLOCATION, 13);
	assert_int_equal(DXGK_OPERATION_NOTIFY_RESIDENCY, 15);
	assert_int_equal(DXGK_OPERATION_SIGNAL_MONITORED_FENCE, 16);
	assert_int_equal(DXGK_OPERATION_MAP_APERTURE_SEGMENT2, 17);
	assert_int_equal(DXGK_OPERATION_NOTIFY_ALLOC, 22);
	assert_int_equal(DXGK_MEMORY_TRANSFER_LOCAL_TO_LOCAL, 2);
}

static void wddm__build_paging_buffer_layout_matches_reference(void **state)
{
	(void)state;
	SIZE(DXGKARG_BUILDPAGINGBUFFER, 320);
	OFF(DXGKARG_BUILDPAGINGBUFFER, DmaSize, 8);
	OFF(DXGKARG_BUILDPAGINGBUFFER, pDmaBufferPrivateData, 16);
	OFF(DXGKARG_BUILDPAGINGBUFFER, Operation, 28);
	OFF(DXGKARG_BUILDPAGINGBUFFER, MultipassOffset, 32);
	OFF(DXGKARG_BUILDPAGINGBUFFER, Transfer, 40);
	OFF(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment, 40);
	OFF(DXGKARG_BUILDPAGINGBUFFER, SignalMonitoredFence, 40);
	OFF(DXGKARG_BUILDPAGINGBUFFER, Reserved, 40);
	MSIZE(DXGKARG_BUILDPAGINGBUFFER, Reserved, 256);
	OFF(DXGKARG_BUILDPAGINGBUFFER, hSystemContext, 296);
	OFF(DXGKARG_BUILDPAGINGBUFFER, DmaBufferGpuVirtualAddress, 304);
	OFF(DXGKARG_BUILDPAGINGBUFFER, DmaBufferWriteOffset, 312);

	MSIZE(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment, 56);
	OFF(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment.pMdl, 40 + 40);
	OFF(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment.Flags, 40 + 48);
	OFF(DXGKARG_BUILDPAGINGBUFFER, MapApertureSegment.MdlOffset, 40 + 52);
	MSIZE(DXGKARG_BUILDPAGINGBUFFER, UnmapApertureSegment, 48);
	OFF(DXGKARG_BUILDPAGINGBUFFER, UnmapApertureSegment.DummyPage, 40 + 40);
	OFF(DXGKARG_BUILDPAGINGBUFFER, Transfer.Source.pMdl, 40 + 32);
	OFF(DXGKARG_BUILDPAGINGBUFFER, Transfer.Destination.SegmentAddress, 40 + 48);
	OFF(DXGKARG_BUILDPAGINGBUFFER, InitContextResource.Destination.GpuVirtualAddress, 40 + 32);

	SIZE(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, 104);
	OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, PageTableAddress, 16);
	OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, pPageTableEntries, 32);
	OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, Flags, 52);
	OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, hProcess, 72);
	OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, UpdateMode, 80);
	OFF(DXGK_BUILDPAGINGBUFFER_UPDATEPAGETABLE, FirstPteVirtualAddress, 96);
	SIZE(DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL, 64);
	OFF(DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL, TransferDirection, 48);
	OFF(DXGK_BUILDPAGINGBUFFER_TRANSFERVIRTUAL, DestinationPageTable, 56);
	SIZE(DXGK_BUILDPAGINGBUFFER_FLUSHTLB, 40);
	SIZE(DXGK_BUILDPAGINGBUFFER_COPY_RANGE, 32);
	SIZE(DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY, 32);
	SIZE(DXGK_BUILDPAGINGBUFFER_SIGNALMONITOREDFENCE, 16);
}

static void wddm__paging_buffer_flag_bits_match_header(void **state)
{
	(void)state;
	DXGK_TRANSFERFLAGS t;
	DXGK_TRANSFERVIRTUALFLAGS tv;
	DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY nr;

	t.Value = 0;
	t.TransferEnd = 1;
	assert_int_equal(t.Value, 0x10);
	tv.Flags = 0;
	tv.Dst64KBPages = 1;
	assert_int_equal(tv.Flags, 2);

	memset(&nr, 0, sizeof nr);
	nr.Resident = 1;
	assert_int_equal(word_of((const unsigned char *)&nr + offsetof(DXGK_BUILDPAGINGBUFFER_NOTIFYRESIDENCY, PhysicalAddress) +
	                         sizeof(D3DGPU_PHYSICAL_ADDRESS)),
	                 1);
}

static void wddm__query_adapter_info_matches_reference(void **state)
{
	(void)state;
	DXGK_PHYSICALADAPTERFLAGS f;

	assert_int_equal(DXGKQAITYPE_DRIVERCAPS, 1);
	assert_int_equal(DXGKQAITYPE_QUERYSEGMENT, 2);
	assert_int_equal(DXGKQAITYPE_QUERYSEGMENT3, 5);
	assert_int_equal(DXGKQAITYPE_QUERYSEGMENT4, 11);
	assert_int_equal(DXGKQAITYPE_SEGMENTMEMORYSTATE, 12);
	assert_int_equal(DXGKQAITYPE_GPUMMUCAPS, 13);
	assert_int_equal(DXGKQAITYPE_PAGETABLELEVELDESC, 14);
	assert_int_equal(DXGKQAITYPE_PHYSICALADAPTERCAPS, 15);
	assert_int_equal(DXGKQAITYPE_DISPLAYID_DESCRIPTOR, 20);

	SIZE(DXGKARG_QUERYADAPTERINFO, 40);
	OFF(DXGKARG_QUERYADAPTERINFO, pInputData, 8);
	OFF(DXGKARG_QUERYADAPTERINFO, InputDataSize, 16);
	OFF(DXGKARG_QUERYADAPTERINFO, pOutputData, 24);
	OFF(DXGKARG_QUERYADAPTERINFO, OutputDataSize, 32);
	OFF(DXGKARG_QUERYADAPTERINFO, Flags, 36);

	SIZE(DXGK_PHYSICALADAPTERCAPS, 24);
	OFF(DXGK_PHYSICALADAPTERCAPS, PagingNodeIndex, 2);
	OFF(DXGK_PHYSICALADAPTERCAPS, DxgkPhysicalAdapterHandle, 8);
	OFF(DXGK_PHYSICALADAPTERCAPS, Flags, 16);
	OFF(DXGK_PHYSICALADAPTERCAPS, VPRPagingNode, 20);
	f.Value = 0;
	f.AllowHardwareProtectedNoVpr = 1;
	assert_int_equal(f.Value, 1u << 4);
}

static void wddm__create_device_matches_genuine_header(void **state)
{
	(void)state;
	DXGK_CREATEDEVICEFLAGS f;

	SIZE(DXGK_DEVICEINFO, 24);
	OFF(DXGK_DEVICEINFO, Flags, 20);
	SIZE(DXGKARG_CREATEDEVICE, 32);
	OFF(DXGKARG_CREATEDEVICE, Flags, 8);
	OFF(DXGKARG_CREATEDEVICE, pInfo, 8);
	OFF(DXGKARG_CREATEDEVICE, Pasid, 16);
	OFF(DXGKARG_CREATEDEVICE, hKmdProcess, 24);
	f.Value = 0;
	f.GdiDevice = 1;
	assert_int_equal(f.Value, 2);
	f.Value = 0;
	f.Reserved0 = 1; /* DXGK_DEVICE_RESERVED0 */
	assert_int_equal(f.Value, 0x80000000u);
}

static void wddm__ddi_tables_have_genuine_member_offsets(void **state)
{
	(void)state;
	SIZE(DXGK_START_INFO, 28);
	OFF(DXGK_START_INFO, AdapterGuid, 4);
	OFF(DXGK_START_INFO, AdapterLuid, 20);

	SIZE(DXGKRNL_INTERFACE, 368);
	OFF(DXGKRNL_INTERFACE, Version, 4);
	OFF(DXGKRNL_INTERFACE, DeviceHandle, 8);
	OFF(DXGKRNL_INTERFACE, DxgkCbEvalAcpiMethod, 16);
	OFF(DXGKRNL_INTERFACE, DxgkCbCreateContextAllocation, 184);
	OFF(DXGKRNL_INTERFACE, DxgkCbDestroyContextAllocation, 192);
	OFF(DXGKRNL_INTERFACE, DxgkCbMapContextAllocation, 264);
	OFF(DXGKRNL_INTERFACE, DxgkCbUpdateContextAllocation, 272);
	OFF(DXGKRNL_INTERFACE, DxgkCbReserveGpuVirtualAddressRange, 280);

	SIZE(DRIVER_INITIALIZATION_DATA, 1056);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiAddDevice, 8);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiRemoveDevice, 32);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiQueryAdapterInfo, 136);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCreateDevice, 144);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCreateAllocation, 152);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyAllocation, 160);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiBuildPagingBuffer, 224);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyDevice, 400);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiOpenAllocation, 408);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCloseAllocation, 416);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCreateContext, 464);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyContext, 472);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiSetRootPageTable, 728);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiGetRootPageTableSize, 736);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiMapCpuHostAperture, 744);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiUnmapCpuHostAperture, 752);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiCreateProcess, 768);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyProcess, 776);
	OFF(DRIVER_INITIALIZATION_DATA, DxgkDdiDestroyProtectedSession, 1048);
}

/* The DDI types accept functions with the genuine signatures. */
static NTSTATUS fake_map(IN_CONST_HANDLE hAdapter, IN_CONST_PDXGKARG_MAPCPUHOSTAPERTURE pArgs)
{
	return hAdapter && pArgs->NumberOfPages ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

static SIZE_T fake_root_size(IN_CONST_HANDLE hAdapter, INOUT_PDXGKARG_GETROOTPAGETABLESIZE pArgs)
{
	(void)hAdapter;
	return (SIZE_T)pArgs->NumberOfPte * 8;
}

static D3DGPU_VIRTUAL_ADDRESS fake_map_ctx(IN_CONST_HANDLE hAdapter, IN_CONST_PDXGKARGCB_MAPCONTEXTALLOCATION pArgs)
{
	(void)hAdapter;
	return pArgs->BaseAddress;
}

static void wddm__ddi_pointer_types_fit_genuine_signatures(void **state)
{
	(void)state;
	DRIVER_INITIALIZATION_DATA init;
	DXGKRNL_INTERFACE iface;
	DXGKARG_MAPCPUHOSTAPERTURE map;
	DXGKARG_GETROOTPAGETABLESIZE root;
	DXGKARGCB_MAPCONTEXTALLOCATION ctx;
	int adapter = 0;

	memset(&init, 0, sizeof init);
	memset(&iface, 0, sizeof iface);
	init.Version = DXGKDDI_INTERFACE_VERSION;
	init.DxgkDdiMapCpuHostAperture = fake_map;
	init.DxgkDdiGetRootPageTableSize = fake_root_size;
	iface.DxgkCbMapContextAllocation = fake_map_ctx;

	memset(&map, 0, sizeof map);
	map.NumberOfPages = 1;
	assert_int_equal(init.DxgkDdiMapCpuHostAperture(&adapter, &map), STATUS_SUCCESS);
	root.NumberOfPte = 512;
	root.PhysicalAdapterIndex = 0;
	assert_int_equal(init.DxgkDdiGetRootPageTableSize(&adapter, &root), 4096);
	memset(&ctx, 0, sizeof ctx);
	ctx.BaseAddress = 0x100000;
	assert_int_equal(iface.DxgkCbMapContextAllocation(&adapter, &ctx), 0x100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wddm__base_types_have_windows_x64_sizes),
		cmocka_unit_test(wddm__large_integer_parts_alias_quadpart),
		cmocka_unit_test(wddm__mdl_header_and_pfn_array_follow_wdm),
		cmocka_unit_test(wddm__status_codes_and_nt_success),
		cmocka_unit_test(wddm__interface_versions_match_reference),
		cmocka_unit_test(wddm__pte_fields_sit_at_reference_bits),
		cmocka_unit_test(wddm__cpu_host_aperture_args_match_reference),
		cmocka_unit_test(wddm__segment_flags_bits_match_reference),
		cmocka_unit_test(wddm__segment_descriptor4_and_query_match_reference),
		cmocka_unit_test(wddm__vidmm_caps_bits_match_reference),
		cmocka_unit_test(wddm__segment_preferences_bits_match_reference),
		cmocka_unit_test(wddm__allocation_flags_bits_match_reference),
		cmocka_unit_test(wddm__context_allocation_args_match_reference),
		cmocka_unit_test(wddm__gpu_va_callbacks_args_match_reference),
		cmocka_unit_test(wddm__umd_gpu_va_structs_match_reference),
		cmocka_unit_test(wddm__allocation_info_is_h16299_layout_with_flags2),
		cmocka_unit_test(wddm__allocation_lifecycle_args_match_reference),
		cmocka_unit_test(wddm__context_and_process_args_match_reference),
		cmocka_unit_test(wddm__mmu_description_matches_reference),
		cmocka_unit_test(wddm__update_page_table_flags_use64kbpages_is_bit3),
		cmocka_unit_test(wddm__paging_buffer_operations_match_reference),
		cmocka_unit_test(wddm__build_paging_buffer_layout_matches_reference),
		cmocka_unit_test(wddm__paging_buffer_flag_bits_match_header),
		cmocka_unit_test(wddm__query_adapter_info_matches_reference),
		cmocka_unit_test(wddm__create_device_matches_genuine_header),
		cmocka_unit_test(wddm__ddi_tables_have_genuine_member_offsets),
		cmocka_unit_test(wddm__ddi_pointer_types_fit_genuine_signatures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
