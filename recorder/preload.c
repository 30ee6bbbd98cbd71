/* libddirr_shim.so: recording by interposition, with no change to the host
 * or the driver (LD_PRELOAD=libddirr_shim.so host ...).
 *
 * The shim exports DxgkInitialize. A driver's DriverEntry calls it with its
 * DRIVER_INITIALIZATION_DATA; the shim hands the table to the recorder,
 * which rewrites the slice's members to recording wrappers, and forwards to
 * the next DxgkInitialize (the host's, which copies the table).
 *
 * A preloaded library does not take precedence over the executable itself:
 * a host that defines DxgkInitialize in its own binary (linked -rdynamic)
 * would still be the one the driver binds to. So the shim also interposes
 * dlopen(), as apitrace does, and after loading an object points that
 * object's GOT entries for DxgkInitialize at the shim (the plthook
 * technique). A host whose DxgkInitialize lives in a shared library is
 * covered by the ordinary preload order already.
 *
 * Configured by DDIRR_* environment variables (docs/recorder.md). A bad
 * value is reported in one line on stderr, and the shim then forwards
 * without recording: it never breaks the driver. Only DxgkInitialize and
 * dlopen are exported (version script and -fvisibility=hidden). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"
#include "platform.h"

#define DDIRR_EXPORT __attribute__((visibility("default")))

typedef NTSTATUS (*initialize_fn)(PDRIVER_OBJECT, PUNICODE_STRING, PDRIVER_INITIALIZATION_DATA);
typedef void *(*dlopen_fn)(const char *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static ddirr_recorder *recorder;

DDIRR_EXPORT NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
				     PDRIVER_INITIALIZATION_DATA DriverInitializationData);

static void say(const char *what, const char *why)
{
	char line[1024];

	snprintf(line, sizeof(line), "ddirr: %s%s; the driver runs without recording", what, why);
	ddirr_platform_error_line(line);
}

static void shim_init(void)
{
	ddirr_recorder_options opts = DDIRR_RECORDER_OPTIONS_INIT;
	int enabled = 1;

	opts.crash_handlers = 1;
	if (ddirr_recorder_options_from_env(&opts, &enabled)) {
		say(ddirr_error_last(), "");
		return;
	}
	if (!enabled)
		return;
	if (ddirr_recorder_open(&recorder, &opts))
		say("cannot start the recorder: ", ddirr_error_last());
}

__attribute__((destructor)) static void shim_fini(void)
{
	ddirr_recorder *r = recorder;

	recorder = NULL;
	ddirr_recorder_close(r);
}

/* Is fn the shim's own DxgkInitialize (or in the shim at all)? */
static int is_ours(void *fn)
{
	Dl_info mine, theirs;

	if (!fn)
		return 1;
	if (!dladdr((void *)DxgkInitialize, &mine) || !dladdr(fn, &theirs))
		return fn == (void *)DxgkInitialize;
	return mine.dli_fbase == theirs.dli_fbase;
}

static int find_in_object(struct dl_phdr_info *info, size_t size, void *out)
{
	void *h, *fn;

	(void)size;
	h = info->dlpi_name && info->dlpi_name[0] ? dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD) : dlopen(NULL, RTLD_LAZY);
	if (!h)
		return 0;
	fn = dlsym(h, "DxgkInitialize");
	dlclose(h);
	if (is_ours(fn))
		return 0;
	*(void **)out = fn;
	return 1;
}

/* The DxgkInitialize the shim stands in front of: the next one in the
 * search order, or, when the executable defines it (it comes before the
 * shim), the first loaded object's that is not the shim's. */
static initialize_fn next_initialize(void)
{
	static initialize_fn next;
	void *fn;

	if (next)
		return next;
	fn = dlsym(RTLD_NEXT, "DxgkInitialize");
	if (is_ours(fn)) {
		fn = NULL;
		dl_iterate_phdr(find_in_object, &fn);
	}
	*(void **)&next = fn;
	return next;
}

DDIRR_EXPORT NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
				     PDRIVER_INITIALIZATION_DATA DriverInitializationData)
{
	initialize_fn next = next_initialize();

	if (!next) {
		ddirr_platform_error_line("ddirr: no DxgkInitialize to forward to (the host must export one)");
		return STATUS_NOT_SUPPORTED;
	}
	pthread_once(&once, shim_init);
	if (recorder && DriverInitializationData)
		ddirr_recorder_wrap(recorder, DriverInitializationData);
	return next(DriverObject, RegistryPath, DriverInitializationData);
}

/* ------------------------------------------------------------------ */
/* GOT redirection of DxgkInitialize in a newly loaded object.         */

#if defined(__x86_64__)
#define RELOC_JUMP_SLOT R_X86_64_JUMP_SLOT
#define RELOC_GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define RELOC_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define RELOC_GLOB_DAT R_AARCH64_GLOB_DAT
#endif

#if defined(RELOC_JUMP_SLOT) && __ELF_NATIVE_CLASS == 64

/* The dynamic section's addresses: absolute once glibc has relocated them,
 * relative to the load base otherwise. */
static uintptr_t dyn_ptr(const struct link_map *lm, ElfW(Addr) p)
{
	return p < lm->l_addr ? lm->l_addr + p : p;
}

static void patch_slot(uintptr_t slot)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = slot & ~((uintptr_t)page - 1);
	initialize_fn fn = DxgkInitialize;

	/* Full RELRO maps the GOT read-only after relocation. */
	if (mprotect((void *)start, (size_t)page, PROT_READ | PROT_WRITE))
		return;
	memcpy((void *)slot, &fn, sizeof(fn));
}

static void redirect_relocs(const struct link_map *lm, const ElfW(Rela) *rel, size_t bytes, const ElfW(Sym) *symtab,
			    const char *strtab)
{
	size_t i;

	for (i = 0; i < bytes / sizeof(*rel); i++) {
		unsigned type = ELF64_R_TYPE(rel[i].r_info);
		const ElfW(Sym) *sym = &symtab[ELF64_R_SYM(rel[i].r_info)];

		if ((type == RELOC_JUMP_SLOT || type == RELOC_GLOB_DAT) && ELF64_R_SYM(rel[i].r_info) &&
		    !strcmp(strtab + sym->st_name, "DxgkInitialize"))
			patch_slot(lm->l_addr + rel[i].r_offset);
	}
}

static void redirect_initialize(void *handle)
{
	struct link_map *lm = NULL;
	const ElfW(Dyn) *d;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *jmprel = NULL, *rela = NULL;
	size_t jmprel_size = 0, rela_size = 0;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) || !lm || !lm->l_ld)
		return;
	for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)dyn_ptr(lm, d->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *)dyn_ptr(lm, d->d_un.d_ptr); break;
		case DT_JMPREL: jmprel = (const ElfW(Rela) *)dyn_ptr(lm, d->d_un.d_ptr); break;
		case DT_PLTRELSZ: jmprel_size = d->d_un.d_val; break;
		case DT_RELA: rela = (const ElfW(Rela) *)dyn_ptr(lm, d->d_un.d_ptr); break;
		case DT_RELASZ: rela_size = d->d_un.d_val; break;
		default: break;
		}
	}
	if (!symtab || !strtab)
		return;
	if (jmprel)
		redirect_relocs(lm, jmprel, jmprel_size, symtab, strtab);
	if (rela)
		redirect_relocs(lm, rela, rela_size, symtab, strtab);
}
#else
static void redirect_initialize(void *handle)
{
	(void)handle; /* other ABIs: only the preload order applies */
}
#endif

DDIRR_EXPORT void *dlopen(const char *file, int mode)
{
	static dlopen_fn real;
	void *h;

	if (!real)
		real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
	if (!real)
		return NULL;
	h = real(file, mode);
	if (h && file)
		redirect_initialize(h);
	return h;
}
