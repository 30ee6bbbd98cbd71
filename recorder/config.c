/* Configuration from DDIRR_* environment variables, and output path
 * patterns. docs/recorder.md lists every variable; keep the two in step. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddirr/error.h"
#include "ddirr/recorder.h"

static int bad(const char *var, const char *value, const char *expected)
{
	return ddirr_error_set(DDIRR_EINVAL, "%s=%s: expected %s", var, value, expected);
}

static int parse_bool(const char *var, const char *v, int *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = 0;
	else
		return bad(var, v, "0 or 1 (also on/off, yes/no, true/false)");
	return 0;
}

/* A byte count: digits, then an optional K, M or G (powers of 1024). */
static int parse_size(const char *var, const char *v, uint64_t min, uint64_t max, size_t *out)
{
	char *end;
	unsigned long long n;
	uint64_t mul = 1;

	errno = 0;
	if (*v < '0' || *v > '9')
		return bad(var, v, "a size in bytes, with an optional K, M or G suffix");
	n = strtoull(v, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1u << 10, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1u << 20, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1u << 30, end++;
	if (*end == 'i' && end[-1] != *v) /* KiB, MiB, GiB spelt out */
		end++;
	if (*end == 'B')
		end++;
	if (errno || *end || n > max / mul || n * mul < min) {
		char what[128];

		snprintf(what, sizeof(what), "a size between %llu and %llu bytes (K, M, G suffixes allowed)",
			 (unsigned long long)min, (unsigned long long)max);
		return bad(var, v, what);
	}
	*out = (size_t)(n * mul);
	return 0;
}

static int parse_triggers(const char *var, const char *v, unsigned *out)
{
	const char *p = v;
	unsigned bits = 0;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 6 && !strncmp(p, "signal", 6))
			bits |= DDIRR_TRIGGER_SIGNAL;
		else if (n == 3 && !strncmp(p, "api", 3))
			bits |= DDIRR_TRIGGER_API;
		else if (n == 7 && !strncmp(p, "failure", 7))
			bits |= DDIRR_TRIGGER_FAILURE;
		else if (n == 3 && !strncmp(p, "all", 3))
			bits |= DDIRR_TRIGGER_ALL;
		else
			return bad(var, v, "a comma-separated list of signal, api, failure (or all)");
		p += n;
		if (*p == ',')
			p++;
	}
	if (!bits)
		return bad(var, v, "a comma-separated list of signal, api, failure (or all)");
	*out = bits;
	return 0;
}

int ddirr_recorder_options_from_env(ddirr_recorder_options *o, int *enabled)
{
	const char *v;
	uint64_t ms;
	char *end;
	int rc;

	if (!o || !enabled)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_recorder_options_from_env: NULL argument");
	*enabled = 1;
	if ((v = getenv("DDIRR_ENABLE")) && (rc = parse_bool("DDIRR_ENABLE", v, enabled)))
		return rc;
	if ((v = getenv("DDIRR_OUTPUT"))) {
		char probe[4096];

		if (!*v)
			return bad("DDIRR_OUTPUT", v, "a file path (%p: pid, %t: time, %%: %)");
		if ((rc = ddirr_recorder_expand_path(probe, sizeof(probe), v, 1, 0)) < 0)
			return ddirr_error_set(DDIRR_EINVAL, "DDIRR_OUTPUT=%s: %s", v, ddirr_error_last());
		o->output = v;
	}
	if ((v = getenv("DDIRR_MODE"))) {
		if (!strcmp(v, "block"))
			o->mode = DDIRR_RECORDER_BLOCK;
		else if (!strcmp(v, "drop"))
			o->mode = DDIRR_RECORDER_DROP;
		else if (!strcmp(v, "flight"))
			o->mode = DDIRR_RECORDER_FLIGHT;
		else
			return bad("DDIRR_MODE", v, "block, drop or flight");
	}
	if ((v = getenv("DDIRR_BUFFER_SIZE")) &&
	    (rc = parse_size("DDIRR_BUFFER_SIZE", v, 64u << 10, 1u << 30, &o->buffer_bytes)))
		return rc;
	if ((v = getenv("DDIRR_FLIGHT_SIZE")) &&
	    (rc = parse_size("DDIRR_FLIGHT_SIZE", v, 4096, (uint64_t)1 << 40, &o->flight_bytes)))
		return rc;
	if ((v = getenv("DDIRR_FLUSH_MS"))) {
		errno = 0;
		ms = (*v >= '0' && *v <= '9') ? strtoull(v, &end, 10) : 0;
		if (errno || *v < '0' || *v > '9' || *end || ms < 1 || ms > 60000)
			return bad("DDIRR_FLUSH_MS", v, "milliseconds between 1 and 60000");
		o->flush_interval_ms = (uint32_t)ms;
	}
	if ((v = getenv("DDIRR_PRIVACY"))) {
		if (!strcmp(v, "metadata"))
			o->privacy = DDIRR_PRIVACY_METADATA;
		else if (!strcmp(v, "hashed"))
			o->privacy = DDIRR_PRIVACY_HASHED;
		else if (!strcmp(v, "full"))
			o->privacy = DDIRR_PRIVACY_FULL;
		else
			return bad("DDIRR_PRIVACY", v, "metadata, hashed or full");
	}
	if ((v = getenv("DDIRR_LTTNG")) && (rc = parse_bool("DDIRR_LTTNG", v, &o->lttng)))
		return rc;
	if ((v = getenv("DDIRR_FLIGHT_TRIGGER")) &&
	    (rc = parse_triggers("DDIRR_FLIGHT_TRIGGER", v, &o->flight_triggers)))
		return rc;
	if ((v = getenv("DDIRR_CRASH_HANDLERS")) && (rc = parse_bool("DDIRR_CRASH_HANDLERS", v, &o->crash_handlers)))
		return rc;
	if ((v = getenv("DDIRR_ZSTD_LEVEL"))) {
		const char *digits = v + (*v == '-'); /* strtol would also take spaces and '+' */
		long level = 0;

		errno = 0;
		if (*digits >= '0' && *digits <= '9')
			level = strtol(v, &end, 10);
		if (!level || errno || *end || level < -7 || level > 19)
			return bad("DDIRR_ZSTD_LEVEL", v, "a zstd level from 1 to 19, or -7 to -1 (faster)");
		o->zstd_level = (int)level;
	}
	if ((v = getenv("DDIRR_DRIVER_VERSION")))
		o->driver_version = v;
	return 0;
}

int ddirr_recorder_expand_path(char *out, size_t size, const char *pattern, uint32_t pid, int64_t t)
{
	size_t n = 0;
	const char *p;

	if (!out || !size || !pattern)
		return ddirr_error_set(DDIRR_EINVAL, "ddirr_recorder_expand_path: NULL argument");
	for (p = pattern; *p; p++) {
		char piece[32];
		size_t len;

		if (*p != '%') {
			piece[0] = *p;
			piece[1] = '\0';
		} else if (p[1] == 'p') {
			snprintf(piece, sizeof(piece), "%u", pid);
			p++;
		} else if (p[1] == 't') {
			time_t tt = (time_t)t;
			struct tm tm;

			if (!gmtime_r(&tt, &tm) || !strftime(piece, sizeof(piece), "%Y%m%d-%H%M%S", &tm))
				return ddirr_error_set(DDIRR_EINVAL, "time %lld cannot be formatted", (long long)t);
			p++;
		} else if (p[1] == '%') {
			strcpy(piece, "%");
			p++;
		} else {
			return ddirr_error_set(DDIRR_EINVAL, "unknown pattern %%%c (known: %%p, %%t, %%%%)",
					       p[1] ? p[1] : ' ');
		}
		len = strlen(piece);
		if (n + len >= size)
			return ddirr_error_set(DDIRR_EINVAL, "the path is longer than %zu bytes", size - 1);
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return (int)n;
}
