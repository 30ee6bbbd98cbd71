/* GPU VA spaces: per process, the reservations the KMD made in
 * CreateProcess and the mappings VidMm made for context allocations, kept
 * sorted so that overlap checks and VA choices are a binary search. */
#include <string.h>

#include "ddirr/error.h"
#include "model_internal.h"

/* Index of the first range that ends after `start`. */
static size_t lower_bound(const process_obj *p, uint64_t start)
{
	size_t lo = 0, hi = p->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->ranges[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const va_range *va_overlap(const process_obj *p, uint64_t start, uint64_t end)
{
	size_t i = lower_bound(p, start);

	return i < p->n_ranges && p->ranges[i].start < end ? &p->ranges[i] : NULL;
}

int va_insert(ddirr_model *m, process_obj *p, const va_range *r)
{
	size_t i;

	if (model_grow_array(m, (void **)&p->ranges, &p->cap_ranges, p->n_ranges + 1, sizeof(va_range)))
		return DDIRR_ENOMEM;
	i = lower_bound(p, r->start);
	memmove(&p->ranges[i + 1], &p->ranges[i], (p->n_ranges - i) * sizeof(va_range));
	p->ranges[i] = *r;
	p->n_ranges++;
	return 0;
}

void va_remove_owner(ddirr_model *m, process_obj *p, uint64_t owner)
{
	size_t i, j = 0;

	(void)m;
	for (i = 0; i < p->n_ranges; i++)
		if (p->ranges[i].reserved || p->ranges[i].owner != owner)
			p->ranges[j++] = p->ranges[i];
	p->n_ranges = j;
}

/* A context allocation's mappings go into the VA space of the process that
 * owns its device; the system device maps into the system process. */
process_obj *va_space_of_context_allocation(ddirr_model *m, const ctx_alloc_obj *c)
{
	const device_obj *d = c->device ? model_peek(m, DDIRR_NS_DEVICE_DXGK, c->device) : NULL;
	uint64_t process = d ? d->process : m->system_process;

	return process ? model_peek(m, DDIRR_NS_PROCESS_KMD, process) : NULL;
}
