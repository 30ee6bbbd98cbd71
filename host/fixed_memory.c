/* Memory at a fixed address. A trace records the addresses of the buffers
 * the host hands to the driver (pDmaBuffer, MDLs: fields of class pointer),
 * so a capture is reproducible only if they are the same in every run,
 * whatever ASLR does to the heap. The area sits far above the heap and the
 * shared libraries, and above ASan's shadow memory too; if the OS refuses
 * it, the memory comes from anywhere and only those addresses change. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "host.h"

#define FIXED_BASE ((uintptr_t)0x6d6d00000000ull)

static void *area;
static size_t area_size;

void *fixed_memory(size_t size)
{
	void *p;

	if (area)
		return NULL; /* one area per capture */
#ifdef MAP_FIXED_NOREPLACE
	p = mmap((void *)FIXED_BASE, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
#else
	p = mmap((void *)FIXED_BASE, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
	if (p == MAP_FAILED)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	area = p;
	area_size = size;
	return p;
}

void fixed_memory_release(void)
{
	if (area)
		munmap(area, area_size);
	area = NULL;
	area_size = 0;
}
