/* Binding one import of a loaded object to a function of our choosing (the
 * plthook technique): the LD_PRELOAD shim and the capture host both need a
 * driver's DxgkInitialize to reach them, even when the executable exports
 * another one, which comes first in the symbol search order. ELF, POSIX
 * only: the Windows port registers through displib instead. */
#ifndef DDIRR_RECORDER_BIND_IMPORT_H
#define DDIRR_RECORDER_BIND_IMPORT_H

/* Points every GOT entry of the object `handle` (from dlopen) that imports
 * `symbol` at fn, making read-only (RELRO) pages writable first. Returns how
 * many entries now point at fn: 0 when the object does not import the
 * symbol or the ABI is not one this knows (x86-64, AArch64). */
int ddirr_bind_import(void *handle, const char *symbol, void (*fn)(void));

#endif
