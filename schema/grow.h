/* Growable byte buffers, for the trace writer and reader. Internal. */
#ifndef DDIRR_GROW_H
#define DDIRR_GROW_H

#include <stdint.h>
#include <stdlib.h>

#include "ddirr/error.h"

/* Makes *buf hold at least `need` bytes, doubling from 4 KiB so that a
 * buffer reused chunk after chunk settles at its working size. Returns 0 or
 * DDIRR_ENOMEM (with *buf and *cap unchanged). */
static inline int ddirr_grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	uint8_t *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	p = realloc(*buf, n);
	if (!p)
		return DDIRR_ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

#endif
