/* ddirr error codes and per-thread error messages.
 *
 * Every ddirr function that can fail returns 0 (or a non-negative count) on
 * success and one of the negative DDIRR_E* codes on failure. The failing call
 * also leaves a one-line message for the calling thread, which
 * ddirr_error_last() returns. Messages name the file, the byte offset and what
 * was wrong wherever those are known. */
#ifndef DDIRR_ERROR_H
#define DDIRR_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum ddirr_error_code {
	DDIRR_OK = 0,
	DDIRR_EINVAL = -1,   /* a bad argument or option from the caller */
	DDIRR_ENOMEM = -2,   /* an allocation failed */
	DDIRR_EIO = -3,      /* the operating system refused a read or write */
	DDIRR_ENOTTRACE = -4,/* the input is not a ddirr trace at all */
	DDIRR_EVERSION = -5, /* the trace uses a newer format than this reader knows */
	DDIRR_ECORRUPT = -6, /* the trace is damaged: checksum, framing or encoding */
	DDIRR_ELIMIT = -7,   /* a length or count in the input exceeds a reader limit */
	DDIRR_ETRUNC = -8    /* the input ends in the middle of a structure */
};

/* Returns the message of the last error on this thread: never NULL, "" when
 * no error has been set. The string is owned by ddirr and stays valid until
 * the next failing ddirr call on the same thread. */
const char *ddirr_error_last(void);

/* Returns a short constant name for a code, such as "ECORRUPT". */
const char *ddirr_error_name(int code);

/* Records a formatted message for this thread and returns code, so that
 * callers can write `return ddirr_error_set(DDIRR_EINVAL, "...", ...);`. */
int ddirr_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Forgets this thread's message. */
void ddirr_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
