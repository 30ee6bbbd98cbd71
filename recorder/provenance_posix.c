/* Provenance for the trace header, on POSIX: which driver (dladdr on one of
 * its functions), its version (its `ddirr_driver_version` string), its
 * build (the GNU build-id note of the loaded object), the SHA-256 of its
 * file (nettle), and the host, process and command line.
 * Runs once, when the first table is wrapped; never on the hot path. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "state.h"

uint32_t ddirr_provenance_pid(void)
{
	return (uint32_t)getpid();
}

int64_t ddirr_provenance_unix_time(void)
{
	return (int64_t)time(NULL);
}

void ddirr_platform_sha256(const void *bytes, size_t n, uint8_t out[32])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, n, bytes);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int sha256_file(const char *path, uint8_t out[32])
{
	struct sha256_ctx ctx;
	uint8_t buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int ok;

	if (!f)
		return 0;
	sha256_init(&ctx);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&ctx, n, buf);
	ok = !ferror(f);
	fclose(f);
	if (ok)
		sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
	return ok;
}

static void read_small_file(const char *path, char *dst, size_t size, int nul_to_space)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, i;

	dst[0] = '\0';
	if (!f)
		return;
	n = fread(dst, 1, size - 1, f);
	fclose(f);
	dst[n] = '\0';
	while (n && (dst[n - 1] == '\n' || dst[n - 1] == '\0'))
		dst[--n] = '\0';
	for (i = 0; nul_to_space && i < n; i++)
		if (dst[i] == '\0')
			dst[i] = ' ';
}

/* dl_iterate_phdr's search for the object holding `fn` and its build-id. */
typedef struct build_id_search {
	uintptr_t fn;
	char *hex;
	size_t size;
} build_id_search;

static int holds(const struct dl_phdr_info *info, uintptr_t fn)
{
	ElfW(Half) i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && fn >= start && fn - start < ph->p_memsz)
			return 1;
	}
	return 0;
}

/* Walks the object's PT_NOTE segments for an NT_GNU_BUILD_ID note named
 * "GNU" (name and descriptor each padded to 4 bytes, as the linker writes
 * them) and writes its bytes in hex. Returns 1 once the object is found. */
static int find_build_id(struct dl_phdr_info *info, size_t info_size, void *arg)
{
	build_id_search *s = arg;
	ElfW(Half) i;

	(void)info_size;
	if (!holds(info, s->fn))
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;

		while (ph->p_type == PT_NOTE && (size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			size_t name = (n->n_namesz + 3u) & ~(size_t)3, desc = (n->n_descsz + 3u) & ~(size_t)3, k;
			const unsigned char *d = (const unsigned char *)(n + 1) + name;

			if ((size_t)(end - p) - sizeof(*n) < name + desc)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(n + 1, "GNU", 4) &&
			    n->n_descsz * 2 < s->size) {
				for (k = 0; k < n->n_descsz; k++)
					snprintf(s->hex + 2 * k, 3, "%02x", d[k]);
				return 1;
			}
			p += sizeof(*n) + name + desc;
		}
	}
	return 1;
}

void ddirr_provenance_collect(ddirr_provenance_buf *p, ddirr_fn driver_fn)
{
	struct utsname u;
	struct timespec ts;
	build_id_search bid;
	Dl_info info;

	memset(p, 0, sizeof(*p));
	if (driver_fn && dladdr((void *)driver_fn, &info) && info.dli_fname) {
		void *h;

		if (!realpath(info.dli_fname, p->driver_path))
			copy_str(p->driver_path, sizeof(p->driver_path), info.dli_fname);
		p->have_sha256 = sha256_file(p->driver_path, p->sha256);
		bid.fn = (uintptr_t)driver_fn;
		bid.hex = p->driver_build;
		bid.size = sizeof(p->driver_build);
		dl_iterate_phdr(find_build_id, &bid);
		/* The driver's own version string, if it exports one. */
		h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			const char *v = dlsym(h, "ddirr_driver_version");

			if (v)
				copy_str(p->driver_version, sizeof(p->driver_version), v);
			dlclose(h);
		}
	}
	if (gethostname(p->host, sizeof(p->host) - 1))
		p->host[0] = '\0';
	read_small_file("/proc/self/comm", p->process, sizeof(p->process), 0);
	read_small_file("/proc/self/cmdline", p->command_line, sizeof(p->command_line), 1);
	if (uname(&u) == 0)
		snprintf(p->os, sizeof(p->os), "%s %s %s", u.sysname, u.release, u.machine);
	p->pid = (uint32_t)getpid();
	clock_gettime(CLOCK_REALTIME, &ts);
	p->start_unix_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
