/* Test support: build call frames of any DDI from its description, with
 * chosen extreme values, and compare two frames field by field. */
#ifndef DDIRR_TEST_FRAME_FILL_H
#define DDIRR_TEST_FRAME_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "desc.h"

enum fill_mode {
	FILL_ZERO,   /* every scalar 0, every array empty, every pointer NULL */
	FILL_MAX,    /* every scalar all ones; arrays of `len` elements */
	FILL_RANDOM  /* random scalars from the seed; arrays of `len` elements */
};

typedef struct fill_opts {
	enum fill_mode mode;
	size_t len;         /* elements per array */
	size_t blob_len;    /* bytes per private-data blob */
	unsigned variant;   /* picks which union alternative each selector takes */
	uint64_t seed;
} fill_opts;

/* Allocates and fills the frame of DDI id from arena a. */
void *frame_fill(uint32_t id, const fill_opts *o, ddirr_arena *a);

/* Fills the struct described by s at base (which is zeroed). */
void struct_fill(const ddirr_struct_desc *s, void *base, const fill_opts *o, ddirr_arena *a);

/* Calls check(id, o) for every described DDI and each of `variants` union
 * variants, with o = *base plus that variant and a seed derived from both. */
void frame_fill_every_ddi(const fill_opts *base, unsigned variants, void (*check)(uint32_t id, const fill_opts *o));

/* Compares the fields of `phase` of two structs described by s. Returns 0 when
 * equal; otherwise writes the path of the first difference into where. */
int struct_compare(const ddirr_struct_desc *s, const void *x, const void *y, uint32_t phase, char *where,
		   size_t where_size);

#endif
