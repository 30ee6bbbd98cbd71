/* ddirr-sample-trace [--bug double-map] OUT: writes a small, coherent trace through the writer
 * API: an adapter starting, its segments being queried, a process, a device
 * and a context being created (with the callbacks a KMD makes there), an
 * allocation being filled, mapped into page tables and through the CPU host
 * aperture, and everything being torn down again.
 *
 * With --bug double-map, the driver "forgets" that slot 3 is mapped and maps
 * it again before the unlock: the kind of bug `ddirr check` reports.
 *
 * No driver runs: the calls are scripted, and the header says so. It shows
 * how a host writes traces, and gives `ddirr info` and `ddirr dump` something
 * real to read until the capture host exists. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "ddirr/trace.h"

typedef struct script {
	ddirr_trace_writer *w;
	uint64_t seq;
	uint64_t now_ns;
	int failed;
} script;

/* Writes one record of the call `seq` of DDI `ddi`. */
static void record(script *s, uint64_t seq, uint64_t parent, uint32_t ddi, uint32_t phase, const void *frame)
{
	ddirr_event ev = {.seq = seq, .parent_seq = parent, .time_ns = s->now_ns, .thread = 1, .ddi = ddi,
			  .phase = phase, .frame = frame};

	s->now_ns += 1750; /* a plausible pace for DDI calls */
	if (!s->failed && ddirr_trace_writer_append(s->w, &ev)) {
		fprintf(stderr, "ddirr-sample-trace: %s\n", ddirr_error_last());
		s->failed = 1;
	}
}

/* A call with no callbacks inside: entry, then exit. */
static uint64_t call(script *s, uint64_t parent, uint32_t ddi, const void *frame)
{
	uint64_t seq = ++s->seq;

	record(s, seq, parent, ddi, DDIRR_PHASE_ENTRY, frame);
	record(s, seq, parent, ddi, DDIRR_PHASE_EXIT, frame);
	return seq;
}

static void start_adapter(script *s)
{
	HANDLE miniport = (HANDLE)0xA000;
	ddirr_frame_AddDevice add = {.PhysicalDeviceObject = (PDEVICE_OBJECT)0xF001, .MiniportDeviceContext = &miniport};
	DXGK_START_INFO start_info = {.RequiredDmaQueueEntry = 0};
	DXGKRNL_INTERFACE iface;
	ULONG sources = 1, children = 1;
	ddirr_frame_StartDevice start = {.MiniportDeviceContext = miniport, .DxgkStartInfo = &start_info,
					 .DxgkInterface = &iface, .NumberOfVideoPresentSources = &sources,
					 .NumberOfChildren = &children};

	memset(&iface, 0, sizeof(iface));
	iface.Size = sizeof(iface);
	iface.Version = DXGKDDI_INTERFACE_VERSION_WDDM2_3;
	iface.DeviceHandle = (HANDLE)0xD000;
	start_info.AdapterLuid.LowPart = 0x1234;
	call(s, 0, DDIRR_DDI_AddDevice, &add);
	call(s, 0, DDIRR_DDI_StartDevice, &start);
}

static void query_segments(script *s)
{
	DXGK_SEGMENTDESCRIPTOR4 seg[2];
	DXGK_QUERYSEGMENTIN4 in = {.PhysicalAdapterIndex = 0};
	DXGK_QUERYSEGMENTOUT4 out = {.NbSegment = 0, .SegmentDescriptorStride = sizeof(seg[0])};
	DXGKARG_QUERYADAPTERINFO q = {.Type = DXGKQAITYPE_QUERYSEGMENT4, .pInputData = &in, .InputDataSize = sizeof(in),
				      .pOutputData = &out, .OutputDataSize = sizeof(out)};
	ddirr_frame_QueryAdapterInfo frame = {.hAdapter = (HANDLE)0xA000, .pQueryAdapterInfo = &q};
	uint64_t seq;

	/* First call: how many segments. */
	seq = ++s->seq;
	record(s, seq, 0, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_ENTRY, &frame);
	out.NbSegment = 2;
	record(s, seq, 0, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_EXIT, &frame);

	/* Second call: the descriptors. Segment 1 is 256 MiB of VRAM with 64 KB
	 * pages behind a 256-slot CPU host aperture; segment 2 is the GPU
	 * aperture segment over system memory. */
	memset(seg, 0, sizeof(seg));
	seg[0].Flags.Use64KBPages = 1;
	seg[0].Flags.SupportsCpuHostAperture = 1;
	seg[0].BaseAddress.QuadPart = 0;
	seg[0].Size = 256u << 20;
	seg[0].CpuHostAperture.PhysicalAddress = 0xE0000000u;
	seg[0].CpuHostAperture.SizeInPages = 256;
	seg[1].Flags.Aperture = 1;
	seg[1].Flags.CpuVisible = 1;
	seg[1].Size = 512u << 20;
	seg[1].CommitLimit = 512u << 20;
	out.pSegmentDescriptor = (BYTE *)seg;
	seq = ++s->seq;
	record(s, seq, 0, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_ENTRY, &frame);
	out.PagingBufferSegmentId = 2;
	out.PagingBufferSize = 64 << 10;
	record(s, seq, 0, DDIRR_DDI_QueryAdapterInfo, DDIRR_PHASE_EXIT, &frame);
}

int main(int argc, char **argv)
{
	script s = {0};
	ddirr_trace_info info = DDIRR_TRACE_INFO_INIT;
	struct utsname un;
	struct timespec now;
	uint64_t seq, cb;
	int rc, bug = 0;

	if (argc == 4 && !strcmp(argv[1], "--bug") && !strcmp(argv[2], "double-map")) {
		bug = 1;
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: ddirr-sample-trace [--bug double-map] OUT\n");
		return 2;
	}
	/* Provenance as a capture would record it (un outlives the writer's open). */
	if (uname(&un) == 0) {
		info.provenance.host = un.nodename;
		info.provenance.os = un.sysname;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	info.provenance.start_unix_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	info.provenance.pid = (uint32_t)getpid();
	info.provenance.driver_path = "none: a scripted sample, no driver ran";
	info.provenance.process_name = "ddirr-sample-trace";
	info.provenance.interface_version = DXGKDDI_INTERFACE_VERSION_WDDM2_3;
	info.settings.mode = "block";
	info.settings.privacy = "full";
	info.settings.scenario = bug ? "scripted-sample with a double map" : "scripted-sample";
	if (ddirr_trace_writer_open(&s.w, argv[1], &info, NULL)) {
		fprintf(stderr, "ddirr-sample-trace: %s\n", ddirr_error_last());
		return 2;
	}
	s.now_ns = 1000000;
	start_adapter(&s);
	query_segments(&s);

	{ /* A process: the KMD reserves VA for its own page tables inside. */
		DXGKARG_CREATEPROCESS cp = {.hDxgkProcess = (HANDLE)0x5000};
		ddirr_frame_CreateProcess f = {.hAdapter = (HANDLE)0xA000, .pArgs = &cp};
		DXGKARGCB_RESERVEGPUVIRTUALADDRESSRANGE r = {.hDxgkProcess = (HANDLE)0x5000,
							      .SizeInBytes = 2u << 20, .Alignment = 2u << 20};
		ddirr_frame_ReserveGpuVirtualAddressRange rf = {.hAdapter = (HANDLE)0xD000, .pArgs = &r};

		seq = ++s.seq;
		record(&s, seq, 0, DDIRR_DDI_CreateProcess, DDIRR_PHASE_ENTRY, &f);
		cb = ++s.seq;
		record(&s, cb, seq, DDIRR_DDI_ReserveGpuVirtualAddressRange, DDIRR_PHASE_ENTRY, &rf);
		r.StartVirtualAddress = 0x100000000ull;
		record(&s, cb, seq, DDIRR_DDI_ReserveGpuVirtualAddressRange, DDIRR_PHASE_EXIT, &rf);
		cp.hKmdProcess = (HANDLE)0x6000;
		record(&s, seq, 0, DDIRR_DDI_CreateProcess, DDIRR_PHASE_EXIT, &f);
	}
	{ /* A device, and a context with its context allocation mapped. */
		DXGKARG_CREATEDEVICE cd = {.hDevice = (HANDLE)0x7000, .hKmdProcess = (HANDLE)0x6000};
		ddirr_frame_CreateDevice f = {.hAdapter = (HANDLE)0xA000, .pCreateDevice = &cd};
		DXGKARG_CREATECONTEXT cc = {.hContext = (HANDLE)0x8000, .NodeOrdinal = 0, .EngineAffinity = 1};
		ddirr_frame_CreateContext cf = {.hDevice = (HANDLE)0x7100, .pCreateContext = &cc};
		DXGKARGCB_CREATECONTEXTALLOCATION ca = {.hAdapter = (HANDLE)0xD000, .hDevice = (HANDLE)0x7000,
							.hContext = (HANDLE)0x8000, .hDriverAllocation = (HANDLE)0xC001,
							.Size = 64u << 10, .Alignment = 64u << 10,
							.SupportedSegmentSet = 1, .EvictionSegmentSet = 2};
		ddirr_frame_CreateContextAllocation caf = {.pArgs = &ca};
		DXGKARGCB_MAPCONTEXTALLOCATION ma = {.hAllocation = (HANDLE)0x9000, .SizeInPages = 16,
						     .MinimumAddress = 0x200000000ull};
		ddirr_frame_MapContextAllocation maf = {.hAdapter = (HANDLE)0xD000, .pArgs = &ma};

		seq = ++s.seq;
		record(&s, seq, 0, DDIRR_DDI_CreateDevice, DDIRR_PHASE_ENTRY, &f);
		cd.hDevice = (HANDLE)0x7100; /* dxgkrnl's handle in, the driver's out */
		record(&s, seq, 0, DDIRR_DDI_CreateDevice, DDIRR_PHASE_EXIT, &f);
		seq = ++s.seq;
		record(&s, seq, 0, DDIRR_DDI_CreateContext, DDIRR_PHASE_ENTRY, &cf);
		cb = ++s.seq;
		record(&s, cb, seq, DDIRR_DDI_CreateContextAllocation, DDIRR_PHASE_ENTRY, &caf);
		ca.hAllocation = (HANDLE)0x9000;
		record(&s, cb, seq, DDIRR_DDI_CreateContextAllocation, DDIRR_PHASE_EXIT, &caf);
		cb = ++s.seq;
		ma.Protection.Write = 1;
		record(&s, cb, seq, DDIRR_DDI_MapContextAllocation, DDIRR_PHASE_ENTRY, &maf);
		maf.ReturnValue = 0x200000000ull;
		record(&s, cb, seq, DDIRR_DDI_MapContextAllocation, DDIRR_PHASE_EXIT, &maf);
		cc.hContext = (HANDLE)0x8100;
		cc.ContextInfo.DmaBufferSize = 64u << 10;
		cc.ContextInfo.AllocationListSize = 256;
		record(&s, seq, 0, DDIRR_DDI_CreateContext, DDIRR_PHASE_EXIT, &cf);
	}
	{ /* An allocation in segment 1: filled, put in the page tables, then
	     locked by the CPU through 16 aperture slots and unlocked. */
		DXGK_ALLOCATIONINFO ai[1];
		DXGKARG_CREATEALLOCATION ca = {.NumAllocations = 1, .pAllocationInfo = ai};
		ddirr_frame_CreateAllocation f = {.hAdapter = (HANDLE)0xA000, .pCreateAllocation = &ca};
		DXGKARG_BUILDPAGINGBUFFER bpb;
		ddirr_frame_BuildPagingBuffer bf = {.hAdapter = (HANDLE)0xA000, .pBuildPagingBuffer = &bpb};
		DXGK_PTE ptes[16];
		UINT32 slots[16];
		UINT64 pages[16];
		DXGKARG_MAPCPUHOSTAPERTURE map = {.hAllocation = (HANDLE)0xB001, .SegmentId = 1, .NumberOfPages = 16,
						  .pCpuHostAperturePages = slots, .pMemorySegmentPages = pages};
		ddirr_frame_MapCpuHostAperture mf = {.hAdapter = (HANDLE)0xA000, .pArgs = &map};
		DXGKARG_UNMAPCPUHOSTAPERTURE unmap = {.NumberOfPages = 16, .pCpuHostAperturePages = slots,
						      .SegmentId = 1};
		ddirr_frame_UnmapCpuHostAperture uf = {.hAdapter = (HANDLE)0xA000, .pArgs = &unmap};
		HANDLE list[1] = {(HANDLE)0xB001};
		DXGKARG_DESTROYALLOCATION da = {.NumAllocations = 1, .pAllocationList = list};
		ddirr_frame_DestroyAllocation df = {.hAdapter = (HANDLE)0xA000, .pDestroyAllocation = &da};
		unsigned i;

		memset(ai, 0, sizeof(ai));
		seq = ++s.seq;
		record(&s, seq, 0, DDIRR_DDI_CreateAllocation, DDIRR_PHASE_ENTRY, &f);
		ai[0].Size = 1u << 20;
		ai[0].Alignment = 64u << 10;
		ai[0].SupportedWriteSegmentSet = 1;
		ai[0].EvictionSegmentSet = 2;
		ai[0].hAllocation = (HANDLE)0xB001;
		ai[0].FlagsWddm2.CpuVisible = 1;
		ai[0].AllocationPriority = 0x78000000;
		record(&s, seq, 0, DDIRR_DDI_CreateAllocation, DDIRR_PHASE_EXIT, &f);

		memset(&bpb, 0, sizeof(bpb));
		bpb.pDmaBuffer = (VOID *)0x10000;
		bpb.DmaSize = 4096;
		bpb.Operation = DXGK_OPERATION_FILL;
		bpb.Fill.hAllocation = (HANDLE)0xB001;
		bpb.Fill.FillSize = 1u << 20;
		bpb.Fill.Destination.SegmentId = 1;
		bpb.Fill.Destination.SegmentAddress.QuadPart = 16u << 16;
		call(&s, 0, DDIRR_DDI_BuildPagingBuffer, &bf);

		memset(&bpb, 0, sizeof(bpb));
		memset(ptes, 0, sizeof(ptes));
		for (i = 0; i < 16; i++) {
			ptes[i].Valid = 1;
			ptes[i].Segment = 1;
			ptes[i].PageAddress = ((16u + i) << 16) >> 12;
		}
		bpb.pDmaBuffer = (VOID *)0x10000;
		bpb.DmaSize = 4096;
		bpb.Operation = DXGK_OPERATION_UPDATE_PAGE_TABLE;
		bpb.UpdatePageTable.hAllocation = (HANDLE)0xB001;
		bpb.UpdatePageTable.pPageTableEntries = ptes;
		bpb.UpdatePageTable.NumPageTableEntries = 16;
		bpb.UpdatePageTable.hProcess = (HANDLE)0x6000;
		bpb.UpdatePageTable.UpdateMode = DXGK_PAGETABLEUPDATE_GPU_VIRTUAL;
		bpb.UpdatePageTable.PageTableAddress.GpuVirtual = 0x100000000ull;
		call(&s, 0, DDIRR_DDI_BuildPagingBuffer, &bf);

		for (i = 0; i < 16; i++) {
			slots[i] = i;
			pages[i] = 16 + i;
		}
		call(&s, 0, DDIRR_DDI_MapCpuHostAperture, &mf);
		if (bug) {
			/* slot 3 is still mapped to page 19: mapping it again leaks
			   the first mapping (bug check 0x10E/0x2C on Windows) */
			DXGKARG_MAPCPUHOSTAPERTURE again = map;
			ddirr_frame_MapCpuHostAperture af = {.hAdapter = (HANDLE)0xA000, .pArgs = &again};
			UINT32 slot = 3;
			UINT64 page = 20;

			again.NumberOfPages = 1;
			again.pCpuHostAperturePages = &slot;
			again.pMemorySegmentPages = &page;
			call(&s, 0, DDIRR_DDI_MapCpuHostAperture, &af);
		}
		call(&s, 0, DDIRR_DDI_UnmapCpuHostAperture, &uf);
		call(&s, 0, DDIRR_DDI_DestroyAllocation, &df);
	}
	{ /* Teardown. */
		ddirr_frame_DestroyContext dc = {.hContext = (HANDLE)0x8100};
		ddirr_frame_DestroyContextAllocation dca = {.hAdapter = (HANDLE)0xD000, .hAllocation = (HANDLE)0x9000};
		ddirr_frame_DestroyDevice dd = {.hDevice = (HANDLE)0x7100};
		ddirr_frame_DestroyProcess dp = {.hAdapter = (HANDLE)0xA000, .hKmdProcess = (HANDLE)0x6000};

		seq = ++s.seq;
		record(&s, seq, 0, DDIRR_DDI_DestroyContext, DDIRR_PHASE_ENTRY, &dc);
		call(&s, seq, DDIRR_DDI_DestroyContextAllocation, &dca);
		record(&s, seq, 0, DDIRR_DDI_DestroyContext, DDIRR_PHASE_EXIT, &dc);
		call(&s, 0, DDIRR_DDI_DestroyDevice, &dd);
		call(&s, 0, DDIRR_DDI_DestroyProcess, &dp);
	}
	rc = ddirr_trace_writer_close(s.w);
	if (rc && !s.failed)
		fprintf(stderr, "ddirr-sample-trace: %s\n", ddirr_error_last());
	ddirr_trace_writer_free(s.w);
	return (rc || s.failed) ? 1 : 0;
}
