/* recorder/platform.h on POSIX: clock_gettime and the TSC, pthreads,
 * sigaction. */
#define _GNU_SOURCE
#include "platform.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ddirr/error.h"

uint64_t ddirr_platform_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ddirr_platform_ticks_tsc;

#if defined(__x86_64__)
/* The first line of a small text file, without its newline, in buf. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return 0;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* Whether the "flags" line of /proc/cpuinfo holds `flag` as a word. */
static int has_word(const char *line, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = line;

	while ((p = strstr(p, flag))) {
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* The TSC is used only when the kernel itself trusts it for
 * CLOCK_MONOTONIC (clocksource tsc: synchronised across CPUs, not marked
 * unstable) and it ticks at one rate through frequency changes
 * (constant_tsc) and deep C-states (nonstop_tsc). */
static int tsc_trustworthy(void)
{
	char line[8192];
	int constant = 0, nonstop = 0;
	FILE *f;

	if (!read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", line, sizeof(line)) ||
	    strcmp(line, "tsc"))
		return 0;
	if (!(f = fopen("/proc/cpuinfo", "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			constant = has_word(line, "constant_tsc");
			nonstop = has_word(line, "nonstop_tsc");
			break;
		}
	fclose(f);
	return constant && nonstop;
}
#endif

int ddirr_platform_ticks_init(const char **name, int *ticks_are_ns)
{
	const char *want = getenv("DDIRR_CLOCK");
	int tsc = 0;

	if (want && *want && strcmp(want, "auto") && strcmp(want, "monotonic"))
		return ddirr_error_set(DDIRR_EINVAL, "DDIRR_CLOCK=%s: expected auto or monotonic", want);
#if defined(__x86_64__)
	if (!want || !*want || !strcmp(want, "auto"))
		tsc = tsc_trustworthy();
#endif
	ddirr_platform_ticks_tsc = tsc;
	*name = tsc ? "tsc" : "monotonic";
	*ticks_are_ns = !tsc;
	return 0;
}

void ddirr_platform_ticks_anchor(uint64_t *ticks, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	*ticks = ddirr_platform_ticks();
	*ns = ddirr_platform_now_ns();
	if (!ddirr_platform_ticks_tsc) {
		*ticks = *ns;
		return;
	}
	/* The ns read lies between two tick reads: keep the tightest of a
	   few tries (an interrupt or a preemption widens one) and pair the
	   ns with the middle of its window. */
	for (i = 0; i < 5; i++) {
		uint64_t t0 = ddirr_platform_ticks(), n = ddirr_platform_now_ns(), t1 = ddirr_platform_ticks();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*ticks = t0 + (t1 - t0) / 2;
			*ns = n;
		}
	}
}

int ddirr_platform_barrier_init(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0))
		return 0;
	return 1;
}

void ddirr_platform_barrier_all(void)
{
	/* It cannot fail once registered (it fails only with EINVAL or EPERM,
	   unregistered); a failure left unnoticed would lose the order, so it
	   falls back to the slower membarrier of every CPU. */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0))
		syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0);
}

void ddirr_platform_yield(void)
{
	sched_yield();
}

/* To an absolute deadline, as sleep_until_ns: a relative nanosleep
 * restarted with its remainder never ends under a signal that comes more
 * often than the timer slack (50 us by default). Linux reports the
 * remainder to the slack's end, so each restart adds the slack back: with
 * a timer signal every 50 us, measured here, the remainder grew from 967
 * to 997 us over three restarts. A block-mode call waiting for ring room
 * then waited for ever (test_recorder, a wait ends under a signal more
 * often than the timer slack). */
void ddirr_platform_sleep_ms(uint32_t ms)
{
	ddirr_platform_sleep_until_ns(ddirr_platform_now_ns() + (uint64_t)ms * 1000000u);
}

void ddirr_platform_sleep_until_ns(uint64_t deadline_ns)
{
	struct timespec ts = {(time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u)};

	/* An absolute deadline: an interrupted sleep resumes without drift. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

enum { DRAIN_NICE = -10 };

struct ddirr_platform_thread {
	pthread_t tid;
	void (*fn)(void *);
	void *arg;
};

static void *thread_main(void *p)
{
	ddirr_platform_thread *t = p;
	sigset_t set;

	/* Signals belong to the application's threads, not to the drain. */
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* The drain holds every record's flush deadline, and a runnable
	   drain that waits for a CPU behind the application's threads lets
	   records wait past it: ask for a higher weight, best effort (it
	   needs CAP_SYS_NICE or an RLIMIT_NICE that allows it; otherwise the
	   drain stays at the process's nice value). */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), DRAIN_NICE);
	t->fn(t->arg);
	return NULL;
}

int ddirr_platform_thread_start(ddirr_platform_thread **out, void (*fn)(void *), void *arg)
{
	ddirr_platform_thread *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory starting the drain thread");
	t->fn = fn;
	t->arg = arg;
	rc = pthread_create(&t->tid, NULL, thread_main, t);
	if (rc) {
		free(t);
		return ddirr_error_set(DDIRR_EIO, "cannot start the drain thread: %s", strerror(rc));
	}
	*out = t;
	return 0;
}

void ddirr_platform_thread_join(ddirr_platform_thread *t)
{
	if (!t)
		return;
	pthread_join(t->tid, NULL);
	free(t);
}

void ddirr_platform_thread_forget(ddirr_platform_thread *t)
{
	free(t);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void ddirr_platform_lock(void)
{
	pthread_mutex_lock(&lock);
}

void ddirr_platform_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;
static void (*volatile exit_fn)(void *);

static void on_exit_key(void *arg)
{
	void (*fn)(void *) = exit_fn;

	if (fn)
		fn(arg);
}

static void make_exit_key(void)
{
	exit_key_ok = pthread_key_create(&exit_key, on_exit_key) == 0;
}

int ddirr_platform_on_thread_exit(void (*fn)(void *), void *arg)
{
	pthread_once(&exit_once, make_exit_key);
	if (!exit_key_ok)
		return DDIRR_ENOMEM;
	exit_fn = fn;
	return pthread_setspecific(exit_key, arg) ? DDIRR_ENOMEM : 0;
}

/* The lock is taken before a fork and let go on both sides after it:
 * a thread may hold it at the fork, and the child has no such thread. */
static void (*volatile fork_child_cb)(void);
static void (*volatile fork_parent_cb)(void);

static void fork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void fork_parent(void)
{
	void (*cb)(void) = fork_parent_cb;

	pthread_mutex_unlock(&lock);
	if (cb)
		cb();
}

static void fork_child(void)
{
	void (*cb)(void) = fork_child_cb;

	pthread_mutex_unlock(&lock);
	if (cb)
		cb();
}

void ddirr_platform_on_fork(void (*parent)(void), void (*child)(void))
{
	static int registered;

	pthread_mutex_lock(&lock);
	fork_parent_cb = parent;
	fork_child_cb = child;
	/* Once: handlers cannot be taken back (glibc drops a library's at
	   its dlclose). ENOMEM: tried again at the next call. */
	if (!registered)
		registered = pthread_atfork(fork_prepare, fork_parent, fork_child) == 0;
	pthread_mutex_unlock(&lock);
}

void *ddirr_platform_alloc(size_t size, size_t zeroed)
{
	void *p = NULL;

	/* Cache-line aligned: a ring's producer and consumer counters each
	   sit on their own line. Only the head is zeroed: touching every
	   page of a large ring up front would cost the first record dearly. */
	if (posix_memalign(&p, 64, size))
		return NULL;
	memset(p, 0, zeroed < size ? zeroed : size);
	return p;
}

void ddirr_platform_free(void *p)
{
	free(p);
}

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
enum { N_CRASH = sizeof(crash_signals) / sizeof(crash_signals[0]) };
static struct sigaction old_crash[N_CRASH], old_usr2;
static void (*volatile crash_cb)(int);
static void (*volatile resume_cb)(void);
static void (*volatile dump_cb)(void);
static volatile sig_atomic_t in_crash_cb;
static int installed_crash, installed_usr2; /* what install_signals has taken over */

/* What was installed for sig before the recorder. */
static struct sigaction *old_action(int sig)
{
	int i;

	for (i = 0; i < N_CRASH; i++)
		if (crash_signals[i] == sig)
			return &old_crash[i];
	return &old_usr2;
}

/* Calls the handler in *old as the kernel would have: its mask (and the
 * signal itself unless SA_NODEFER) blocked meanwhile, and, with
 * SA_RESETHAND, the default action from then on. Returns 0 when *old is
 * no handler (the default action, or ignored), having called nothing. */
static int call_old(int sig, siginfo_t *info, void *uc, struct sigaction *old)
{
	struct sigaction a = *old;
	sigset_t mask, prev;

	if (!(a.sa_flags & SA_SIGINFO) && (a.sa_handler == SIG_DFL || a.sa_handler == SIG_IGN))
		return 0;
	if (a.sa_flags & SA_RESETHAND) {
		old->sa_flags &= ~SA_SIGINFO;
		old->sa_handler = SIG_DFL;
	}
	mask = a.sa_mask;
	if (!(a.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	pthread_sigmask(SIG_BLOCK, &mask, &prev);
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, info, uc);
	else
		a.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	return 1;
}

static void on_crash_signal(int sig, siginfo_t *info, void *uc)
{
	void (*cb)(int) = crash_cb;
	void (*resume)(void) = resume_cb;
	struct sigaction dfl;

	if (cb && !in_crash_cb) {
		in_crash_cb = 1;
		cb(sig);
		in_crash_cb = 0;
	}
	/* The process's own handler: it may end the process, jump out of
	   the fault (siglongjmp), or return to run the instruction again.
	   Not for a crash inside the callback: the recorder's own state (the
	   drain lock) is held there, and a jump out would keep it for ever;
	   that one takes the default action, as it always did. */
	if (!in_crash_cb && call_old(sig, info, uc, old_action(sig))) {
		if (resume)
			resume();
		return;
	}
	/* None (or ignored, which the kernel does not honour for a fault):
	   the default action, core dump included. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void on_usr2(int sig, siginfo_t *info, void *uc)
{
	void (*cb)(void) = dump_cb;

	if (cb)
		cb();
	call_old(sig, info, uc, &old_usr2);
}

void ddirr_platform_install_signals(void (*on_crash)(int sig), void (*on_resume)(void), void (*on_dump)(void))
{
	struct sigaction sa;
	int i;

	crash_cb = on_crash;
	resume_cb = on_resume;
	dump_cb = on_dump;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (on_crash && !installed_crash) {
		/* No SA_RESETHAND: a process that recovers from a fault keeps
		   the flush for the next one. SA_NODEFER: a crash inside the
		   callback is delivered, and goes straight on. SA_ONSTACK: on
		   a thread with an alternate stack (a stack overflow's
		   SIGSEGV), that stack. */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
		sa.sa_sigaction = on_crash_signal;
		for (i = 0; i < N_CRASH; i++)
			sigaction(crash_signals[i], &sa, &old_crash[i]);
		installed_crash = 1;
	}
	/* Only for a dump: the handler swallows the signal (its default
	   action would end the process), which no other setting may do. */
	if (on_dump && !installed_usr2) {
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sa.sa_sigaction = on_usr2;
		sigaction(SIGUSR2, &sa, &old_usr2);
		installed_usr2 = 1;
	}
}

/* Puts back what sig had before, unless the process has replaced the
 * recorder's handler since: its own stays. */
static void restore(int sig, void (*ours)(int, siginfo_t *, void *), const struct sigaction *old)
{
	struct sigaction cur;

	if (sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == ours)
		sigaction(sig, old, NULL);
}

void ddirr_platform_remove_signals(void)
{
	int i;

	crash_cb = NULL;
	resume_cb = NULL;
	dump_cb = NULL;
	if (installed_crash)
		for (i = 0; i < N_CRASH; i++)
			restore(crash_signals[i], on_crash_signal, &old_crash[i]);
	if (installed_usr2)
		restore(SIGUSR2, on_usr2, &old_usr2);
	installed_crash = installed_usr2 = 0;
}

void ddirr_platform_error_line(const char *line)
{
	size_t n = strlen(line);
	ssize_t w;

	while (n && (w = write(2, line, n)) > 0) {
		line += w;
		n -= (size_t)w;
	}
	(void)!write(2, "\n", 1);
}
