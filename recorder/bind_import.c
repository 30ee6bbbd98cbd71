/* recorder/bind_import.h: rewrite a loaded object's GOT entries for one
 * symbol, from its dynamic section (DT_JMPREL for calls through the PLT,
 * DT_RELA for address loads). */
#define _GNU_SOURCE
#include "bind_import.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

static int bind_relocs(const struct link_map *lm, const ElfW(Rela) *rel, size_t bytes, const ElfW(Sym) *symtab,
		       const char *strtab, const char *symbol, void (*fn)(void))
{
	long page = sysconf(_SC_PAGESIZE);
	size_t i;
	int bound = 0;

	for (i = 0; i < bytes / sizeof(*rel); i++) {
		unsigned type = ELF64_R_TYPE(rel[i].r_info);
		size_t sym = ELF64_R_SYM(rel[i].r_info);
		uintptr_t slot = lm->l_addr + rel[i].r_offset;

		if ((type != RELOC_JUMP_SLOT && type != RELOC_GLOB_DAT) || !sym ||
		    strcmp(strtab + symtab[sym].st_name, symbol))
			continue;
		/* Full RELRO maps the GOT read-only after relocation. */
		if (mprotect((void *)(slot & ~((uintptr_t)page - 1)), (size_t)page, PROT_READ | PROT_WRITE))
			continue;
		memcpy((void *)slot, &fn, sizeof(fn));
		bound++;
	}
	return bound;
}

int ddirr_bind_import(void *handle, const char *symbol, void (*fn)(void))
{
	struct link_map *lm = NULL;
	const ElfW(Dyn) *d;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *jmprel = NULL, *rela = NULL;
	size_t jmprel_size = 0, rela_size = 0;
	int bound = 0;

	if (!handle || !symbol || dlinfo(handle, RTLD_DI_LINKMAP, &lm) || !lm || !lm->l_ld)
		return 0;
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
		return 0;
	if (jmprel)
		bound += bind_relocs(lm, jmprel, jmprel_size, symtab, strtab, symbol, fn);
	if (rela)
		bound += bind_relocs(lm, rela, rela_size, symtab, strtab, symbol, fn);
	return bound;
}

#else

int ddirr_bind_import(void *handle, const char *symbol, void (*fn)(void))
{
	(void)handle;
	(void)symbol;
	(void)fn;
	return 0; /* other ABIs: only the preload order applies */
}

#endif
