/* Per-thread error messages (see include/ddirr/error.h). */
#include "ddirr/error.h"

#include <stdarg.h>
#include <stdio.h>

/* One message per thread: a failing call overwrites the previous one, which
 * is the libgit2 model and keeps messages free of ownership questions. */
static _Thread_local char last_message[512];

const char *ddirr_error_last(void)
{
	return last_message;
}

const char *ddirr_error_name(int code)
{
	switch (code) {
	case DDIRR_OK: return "OK";
	case DDIRR_EINVAL: return "EINVAL";
	case DDIRR_ENOMEM: return "ENOMEM";
	case DDIRR_EIO: return "EIO";
	case DDIRR_ENOTTRACE: return "ENOTTRACE";
	case DDIRR_EVERSION: return "EVERSION";
	case DDIRR_ECORRUPT: return "ECORRUPT";
	case DDIRR_ELIMIT: return "ELIMIT";
	case DDIRR_ETRUNC: return "ETRUNC";
	default: return "EUNKNOWN";
	}
}

int ddirr_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	return code;
}

void ddirr_error_clear(void)
{
	last_message[0] = '\0';
}
