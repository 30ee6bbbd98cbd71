#include "bench_clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_thread_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t bench_process_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

uint64_t bench_wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int bench_pids_parse(struct bench_pids *p, const char *list)
{
	const char *s = list;

	memset(p, 0, sizeof(*p));
	if (!s)
		return 0;
	while (*s) {
		char *end;
		long v;
		int err;

		while (*s == ' ' || *s == ',')
			s++;
		if (!*s)
			break;
		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || errno || v <= 0) {
			fprintf(stderr, "bench: bad pid list '%s'\n", list);
			return -1;
		}
		if (p->n == BENCH_MAX_PIDS) {
			fprintf(stderr, "bench: more than %d pids in '%s'\n", BENCH_MAX_PIDS, list);
			return -1;
		}
		err = clock_getcpuclockid((pid_t)v, &p->clock[p->n]);
		if (err) {
			fprintf(stderr, "bench: no CPU clock for pid %ld: %s\n", v, strerror(err));
			return -1;
		}
		p->pid[p->n++] = (pid_t)v;
		s = end;
	}
	return 0;
}

uint64_t bench_pids_ns(const struct bench_pids *p)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < p->n; i++)
		sum += clock_ns(p->clock[i]);
	return sum;
}

uint64_t bench_pids_stat_ns(const struct bench_pids *p)
{
	uint64_t sum = 0;
	long hz = sysconf(_SC_CLK_TCK);

	for (size_t i = 0; i < p->n; i++) {
		char path[64], buf[1024];
		unsigned long long ut = 0, st = 0;
		FILE *f;
		size_t n;
		char *rp;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* comm may hold spaces and parentheses: fields resume after the last ')'. */
		rp = strrchr(buf, ')');
		if (!rp)
			continue;
		/* fields 3..13 are skipped; 14 is utime, 15 stime */
		if (sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
			continue;
		sum += (uint64_t)(ut + st) * (1000000000u / (uint64_t)hz);
	}
	return sum;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
