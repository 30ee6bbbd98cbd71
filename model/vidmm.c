/* VidMm's decisions: which aperture slots, which segment pages, which GPU
 * VA, and when chaos evicts or moves something. Deterministic for a seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "model_internal.h"

uint64_t ddirr_model_random(ddirr_model *m)
{
	/* splitmix64: one state word, full period, good mixing */
	uint64_t z = (m->rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t below(ddirr_model *m, uint64_t n)
{
	return n ? ddirr_model_random(m) % n : 0;
}

int ddirr_model_choose_slots(ddirr_model *m, uint32_t segment, uint64_t n, uint32_t *slots)
{
	const ddirr_model_segment *s = model_segment(m, segment);
	uint64_t window, start, i, got = 0;

	if (!s || !s->aperture_slots)
		return ddirr_error_set(DDIRR_EINVAL, "segment %u has no CPU host aperture", segment);
	window = s->aperture_slots;
	/* Pressure: squeeze every lock into a small corner of the aperture so
	   that slots are unmapped and reused all the time. */
	if (m->opts.chaos & DDIRR_CHAOS_PRESSURE)
		window = n > 16 ? (n < window ? n : window) : (16 < window ? 16 : window);
	start = below(m, window);
	for (i = 0; i < window && got < n; i++) {
		uint64_t slot = (start + i) % window;
		uint64_t v;

		if (!u64map_get(&m->slots, (uint64_t)segment << 32 | slot, &v))
			slots[got++] = (uint32_t)slot;
	}
	if (got < n)
		return ddirr_error_set(DDIRR_ELIMIT, "segment %u: %llu free aperture slots, %llu needed", segment,
				       (unsigned long long)got, (unsigned long long)n);
	return 0;
}

typedef struct span {
	uint64_t first, end; /* pages [first, end) */
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* First (or, under relocation chaos, a random) gap of `pages` pages in a
 * segment, aligned to `align` pages. */
static int find_gap(ddirr_model *m, const ddirr_model_segment *s, uint64_t pages, uint64_t align, uint64_t *first)
{
	const handle_table *t = &m->ns[DDIRR_NS_ALLOCATION_KMD];
	size_t i = 0, n = 0, cap = t->live.n + 1, j;
	uint64_t k, v, total = s->size / s->page_size, at = 0, skip;
	span *used = malloc(cap * sizeof(*used));
	int found = 0, candidates = 0;

	if (!used)
		return DDIRR_ENOMEM;
	while (u64map_next(&t->live, &i, &k, &v)) {
		const alloc_obj *a = ((const entry *)(uintptr_t)v)->obj;

		if (a->resident == RESIDENT_AT && a->segment == s->id)
			used[n++] = (span){a->first_page, a->first_page + a->pages};
	}
	qsort(used, n, sizeof(*used), span_cmp);
	skip = (m->opts.chaos & DDIRR_CHAOS_RELOCATE) ? below(m, 4) : 0;
	for (j = 0; j <= n; j++) {
		uint64_t gap_end = j < n ? used[j].first : total;
		uint64_t start = (at + align - 1) / align * align;

		if (start + pages <= gap_end) {
			*first = start;
			found = 1;
			if (candidates++ >= (int)skip)
				break;
		}
		if (j < n && used[j].end > at)
			at = used[j].end;
	}
	free(used);
	return found ? 0 : DDIRR_ELIMIT;
}

int ddirr_model_choose_placement(ddirr_model *m, uint32_t segment_set, uint64_t size, uint64_t alignment,
				 uint32_t *segment, uint64_t *first_page)
{
	size_t i;

	for (i = 0; i < m->n_segments && i < 32; i++) {
		const ddirr_model_segment *s = &m->segments[i];
		uint64_t pages = (size + s->page_size - 1) / s->page_size;
		uint64_t align = alignment > s->page_size ? alignment / s->page_size : 1;
		int rc;

		if (!(segment_set & (1u << i)) || (s->flags & 0x1))
			continue; /* not allowed, or an aperture segment */
		rc = find_gap(m, s, pages ? pages : 1, align, first_page);
		if (rc == 0) {
			*segment = s->id;
			return 0;
		}
		if (rc != DDIRR_ELIMIT)
			return ddirr_error_set(rc, "out of memory choosing a placement");
	}
	return ddirr_error_set(DDIRR_ELIMIT, "no segment of set 0x%x has room for 0x%llx bytes", segment_set,
			       (unsigned long long)size);
}

int ddirr_model_choose_va(ddirr_model *m, uint64_t process, uint64_t size, uint64_t alignment, uint64_t base,
			  uint64_t min, uint64_t max, uint64_t *va)
{
	const process_obj *p = model_peek(m, DDIRR_NS_PROCESS_KMD, process ? process : m->system_process);

	if (!p)
		return ddirr_error_set(DDIRR_EINVAL, "no process 0x%llx", (unsigned long long)process);
	return vidmm_choose_va(m, p, size, alignment, base, min, max, va);
}

int vidmm_choose_va(ddirr_model *m, const process_obj *p, uint64_t size, uint64_t alignment, uint64_t base,
		    uint64_t min, uint64_t max, uint64_t *va)
{
	uint64_t limit = (m->va_bits ? (m->va_bits >= 64 ? ~0ull : 1ull << m->va_bits) : 1ull << 48);
	uint64_t lo, hi, align = alignment < 4096 ? 4096 : alignment, cursor;
	size_t i;
	int pass;

	if (!size)
		return ddirr_error_set(DDIRR_EINVAL, "a VA range of 0 bytes");
	if (base) {
		if (va_overlap(p, base, base + size))
			return ddirr_error_set(DDIRR_ELIMIT, "VA 0x%llx is taken", (unsigned long long)base);
		*va = base;
		return 0;
	}
	/* Root PTE 0 stays invalid: nothing below the first leaf table. */
	lo = min > (4096ull << 9) ? min : (4096ull << 9);
	hi = max && max < limit ? max : limit;
	cursor = lo;
	if (m->opts.chaos & DDIRR_CHAOS_VA_ROTATE)
		cursor = lo + below(m, (hi - lo) / 2); /* far apart, and wrapping */
	for (pass = 0; pass < 2; pass++) {
		uint64_t at = (cursor + align - 1) / align * align;

		for (i = 0; i <= p->n_ranges; i++) {
			const va_range *r = i < p->n_ranges ? &p->ranges[i] : NULL;

			if (r && r->end <= at)
				continue;
			if (at + size <= (r ? r->start : hi) && at + size <= hi && at >= lo) {
				*va = at;
				return 0;
			}
			if (r)
				at = (r->end + align - 1) / align * align;
		}
		cursor = lo;
	}
	return ddirr_error_set(DDIRR_ELIMIT, "no free VA range of 0x%llx bytes in 0x%llx..0x%llx",
			       (unsigned long long)size, (unsigned long long)lo, (unsigned long long)hi);
}

int ddirr_model_choose_chaos(ddirr_model *m, uint64_t *allocation, unsigned *what)
{
	const u64map *live = &m->ns[DDIRR_NS_ALLOCATION_KMD].live;
	unsigned flags = m->opts.chaos & (DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE);
	size_t i = 0, pick, seen = 0;
	uint64_t k, v;

	if (!flags || !live->n || below(m, 8) != 0)
		return 0;
	pick = below(m, live->n);
	while (u64map_next(live, &i, &k, &v)) {
		const alloc_obj *a = ((const entry *)(uintptr_t)v)->obj;

		if (seen++ < pick || a->resident != RESIDENT_AT || a->ctx_alloc)
			continue;
		*allocation = a->handle;
		if (flags == (DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE))
			*what = below(m, 2) ? DDIRR_CHAOS_EVICT : DDIRR_CHAOS_RELOCATE;
		else
			*what = flags;
		return 1;
	}
	return 0;
}

size_t ddirr_model_slots_of(const ddirr_model *m, uint64_t allocation, uint32_t segment, uint32_t *slots, size_t max)
{
	size_t i = 0, n = 0;
	uint64_t k, v;

	while (u64map_next(&m->slots, &i, &k, &v)) {
		const slot_obj *s = (const slot_obj *)(uintptr_t)v;

		if (s->allocation == allocation && (uint32_t)(k >> 32) == segment) {
			if (n < max)
				slots[n] = (uint32_t)(k & 0xffffffffu);
			n++;
		}
	}
	return n;
}

int ddirr_chaos_parse(unsigned *flags, const char *text)
{
	static const struct {
		const char *name;
		unsigned flag;
	} words[] = {{"evict", DDIRR_CHAOS_EVICT},
		     {"relocate", DDIRR_CHAOS_RELOCATE},
		     {"pressure", DDIRR_CHAOS_PRESSURE},
		     {"va-rotate", DDIRR_CHAOS_VA_ROTATE},
		     {"all", DDIRR_CHAOS_EVICT | DDIRR_CHAOS_RELOCATE | DDIRR_CHAOS_PRESSURE | DDIRR_CHAOS_VA_ROTATE},
		     {"none", 0}};
	const char *p = text;

	*flags = 0;
	while (*p) {
		size_t len = strcspn(p, ","), w;

		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (strlen(words[w].name) == len && !strncmp(p, words[w].name, len))
				break;
		if (w == sizeof(words) / sizeof(words[0]))
			return ddirr_error_set(DDIRR_EINVAL,
					       "chaos flag '%.*s' is not one of evict, relocate, pressure, va-rotate, all, none",
					       (int)len, p);
		*flags |= words[w].flag;
		p += len + (p[len] == ',');
	}
	return 0;
}

void ddirr_chaos_format(char *buf, size_t size, unsigned flags)
{
	static const char *const names[] = {"evict", "relocate", "pressure", "va-rotate"};
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (!(flags & (1u << i)))
			continue;
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s", used ? "," : "", names[i]);
	}
	if (!used)
		snprintf(buf, size, "none");
}
