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
 * exec replaces the process without running its destructors: the last
 * records in the rings and the trace's trailer would be lost, and the trace
 * would read as cut short. So the shim also interposes the exec family and
 * closes the recorder before the process replaces itself (docs/recorder.md,
 * "Exec"). And it interposes fork(), to put the child's pid in the note of
 * the fork the trace's trailer keeps ("Fork").
 *
 * Configured by DDIRR_* environment variables (docs/recorder.md). A bad
 * value is reported in one line on stderr, and the shim then forwards
 * without recording: it never breaks the driver. Only DxgkInitialize,
 * dlopen, fork and the exec family are exported (version script and
 * -fvisibility=hidden). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "bind_import.h"
#include "ddirr/recorder.h"
#include "platform.h"
#include "state.h" /* ddirr_recorder_fork_returned */

#define DDIRR_EXPORT __attribute__((visibility("default")))

typedef NTSTATUS (*initialize_fn)(PDRIVER_OBJECT, PUNICODE_STRING, PDRIVER_INITIALIZATION_DATA);
typedef void *(*dlopen_fn)(const char *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static ddirr_recorder *recorder;
static pid_t recorder_pid; /* the process that opened it */

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
	recorder_pid = getpid();
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
		ddirr_bind_import(h, "DxgkInitialize", (void (*)(void))DxgkInitialize);
	return h;
}

/* ------------------------------------------------------------------ */
/* exec                                                                */

/* Before the process replaces itself: the recorder closes, so the trace
 * ends with every record and its trailer. Only in the process that opened
 * it: the child of a vfork shares the parent's memory (its close would be
 * the parent's), and a fork's child has nothing to write. Returns 1 when
 * it closed the recorder. */
static int before_exec(void)
{
	ddirr_recorder *r = recorder;

	if (!r || getpid() != recorder_pid)
		return 0;
	recorder = NULL;
	ddirr_recorder_close(r);
	return 1;
}

/* exec returned: it failed, and the process goes on unrecorded. */
static void exec_failed(int closed, const char *file, int err)
{
	char line[1024];

	if (!closed)
		return;
	snprintf(line, sizeof(line),
		 "ddirr: exec of %s failed (%s): the trace was closed before it; the driver runs without recording",
		 file ? file : "(fd)", strerror(err));
	ddirr_platform_error_line(line);
	errno = err;
}

/* The next definition of an interposed function, or NULL (errno ENOSYS). */
static void *next_fn(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn)
		errno = ENOSYS;
	return fn;
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execv_fn)(const char *, char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);

/* The forms with a vector go to the next definition of the same function. */
#define EXEC_VECTOR(fn, type, file, ...)                              \
	do {                                                          \
		type real_ = (type)next_fn(#fn);                      \
		int closed_, rc_;                                     \
                                                                      \
		if (!real_)                                           \
			return -1;                                    \
		closed_ = before_exec();                              \
		rc_ = real_(__VA_ARGS__);                             \
		exec_failed(closed_, file, errno);                    \
		return rc_;                                           \
	} while (0)

DDIRR_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	EXEC_VECTOR(execve, execve_fn, path, path, argv, envp);
}

DDIRR_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	EXEC_VECTOR(execvpe, execve_fn, file, file, argv, envp);
}

DDIRR_EXPORT int execv(const char *path, char *const argv[])
{
	EXEC_VECTOR(execv, execv_fn, path, path, argv);
}

DDIRR_EXPORT int execvp(const char *file, char *const argv[])
{
	EXEC_VECTOR(execvp, execv_fn, file, file, argv);
}

DDIRR_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	EXEC_VECTOR(fexecve, fexecve_fn, NULL, fd, argv, envp);
}

/* The list forms (execl, execlp, execle) gather their arguments into a
 * vector on the stack and go to the vector forms above. */
#define EXEC_LIST(arg0, last, argv, after)                                         \
	va_list ap_;                                                               \
	size_t n_ = 1;                                                             \
                                                                                   \
	va_start(ap_, last);                                                       \
	while (va_arg(ap_, char *))                                                \
		n_++;                                                              \
	va_end(ap_);                                                               \
	char *argv[n_ + 1];                                                        \
	va_start(ap_, last);                                                       \
	argv[0] = (char *)(arg0);                                                  \
	for (size_t i_ = 1; i_ <= n_; i_++)                                        \
		argv[i_] = va_arg(ap_, char *); /* argv[n_]: the NULL */           \
	after;                                                                     \
	va_end(ap_)

DDIRR_EXPORT int execl(const char *path, const char *arg, ...)
{
	EXEC_LIST(arg, arg, argv, (void)0);
	return execv(path, argv);
}

DDIRR_EXPORT int execlp(const char *file, const char *arg, ...)
{
	EXEC_LIST(arg, arg, argv, (void)0);
	return execvp(file, argv);
}

DDIRR_EXPORT int execle(const char *path, const char *arg, ...)
{
	char *const *envp;

	EXEC_LIST(arg, arg, argv, envp = va_arg(ap_, char *const *));
	return execve(path, argv, envp);
}

/* ------------------------------------------------------------------ */
/* fork                                                                */

typedef pid_t (*fork_fn)(void);

/* The recorder's fork handler noted the fork in the parent; the parent
 * learns the child's pid here (a failed fork is taken back out). errno is
 * fork's. */
DDIRR_EXPORT pid_t fork(void)
{
	fork_fn real = (fork_fn)next_fn("fork");
	pid_t pid;
	int err;

	if (!real)
		return -1;
	pid = real();
	if (pid != 0) {
		err = errno;
		ddirr_recorder_fork_returned((long)pid);
		errno = err;
	}
	return pid;
}
