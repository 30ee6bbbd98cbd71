/* Provenance for the trace header, on POSIX: which driver (dladdr on one of
 * its functions), its version (its `ddirr_driver_version` string), the
 * SHA-256 of its file (nettle), and the host, process and command line.
 * Runs once, when the first table is wrapped; never on the hot path. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
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

void ddirr_provenance_collect(ddirr_provenance_buf *p, ddirr_fn driver_fn)
{
	struct utsname u;
	struct timespec ts;
	Dl_info info;

	memset(p, 0, sizeof(*p));
	if (driver_fn && dladdr((void *)driver_fn, &info) && info.dli_fname) {
		void *h;

		if (!realpath(info.dli_fname, p->driver_path))
			copy_str(p->driver_path, sizeof(p->driver_path), info.dli_fname);
		p->have_sha256 = sha256_file(p->driver_path, p->sha256);
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
