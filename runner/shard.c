/* Shards of a corpus (runner.h): pair p belongs to shard p mod total.
 * Round robin rather than blocks, so that every shard gets a share of
 * every trace and of every driver, and the shards take about as long. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "runner_internal.h"

static int number(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > 1000000 ? -1 : 0;
}

int ddirr_shard_parse(ddirr_shard *out, const char *text)
{
	char k[32];
	const char *slash = text ? strchr(text, '/') : NULL;
	unsigned long i, n;

	if (!slash || (size_t)(slash - text) >= sizeof(k))
		return ddirr_error_set(DDIRR_EINVAL, "shard '%s': expected K/N, such as 2/4", text ? text : "");
	memcpy(k, text, (size_t)(slash - text));
	k[slash - text] = '\0';
	if (number(k, &i) || number(slash + 1, &n) || n < 1 || i < 1 || i > n)
		return ddirr_error_set(DDIRR_EINVAL, "shard '%s': expected K/N with 1 <= K <= N", text);
	out->index = (unsigned)(i - 1);
	out->total = (unsigned)n;
	return 0;
}

int ddirr_shard_from_env(ddirr_shard *out, int *found)
{
	const char *gl_index = getenv("CI_NODE_INDEX"), *gl_total = getenv("CI_NODE_TOTAL");
	const char *k8s_index = getenv("JOB_COMPLETION_INDEX"), *total = getenv("DDIRR_SHARD_TOTAL");
	unsigned long i, n;

	out->index = 0;
	out->total = 1;
	*found = 0;
	if (gl_index && *gl_index) {
		/* GitLab CI's parallel jobs: 1-based, with CI_NODE_TOTAL. */
		if (number(gl_index, &i) || number(gl_total, &n) || n < 1 || i < 1 || i > n)
			return ddirr_error_set(DDIRR_EINVAL,
					       "CI_NODE_INDEX=%s CI_NODE_TOTAL=%s: expected 1 <= index <= total",
					       gl_index, gl_total ? gl_total : "(unset)");
		out->index = (unsigned)(i - 1);
		out->total = (unsigned)n;
		*found = 1;
		return 0;
	}
	if (k8s_index && *k8s_index) {
		/* Kubernetes indexed jobs: 0-based; the job's completion count
		   is not in the pod's environment, so it comes from us. */
		if (!total || !*total)
			total = gl_total;
		if (number(k8s_index, &i) || number(total, &n) || n < 1 || i >= n)
			return ddirr_error_set(DDIRR_EINVAL,
					       "JOB_COMPLETION_INDEX=%s with DDIRR_SHARD_TOTAL=%s: expected 0 <= index < total "
					       "(set DDIRR_SHARD_TOTAL to the job's completions)",
					       k8s_index, total ? total : "(unset)");
		out->index = (unsigned)i;
		out->total = (unsigned)n;
		*found = 1;
	}
	return 0;
}

int ddirr_shard_owns(const ddirr_shard *s, size_t p)
{
	return s->total <= 1 || p % s->total == s->index;
}
