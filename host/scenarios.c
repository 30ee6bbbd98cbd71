/* The capture host's scenarios. Each brings the adapter up (AddDevice,
 * StartDevice, the queries, the system process, device and context, the
 * paging process's page tables), does its work, and tears everything down
 * the way dxgkrnl does before StopDevice. Every choice draws from the
 * model's seeded generator; the chaos flags add the model's own evictions
 * and relocations at random points (chaos_step). */
#include <string.h>

#include "host.h"
#include "samplekmd.h"

/* Lets the model's chaos evict or move something now (ddirr_chaos). */
static void chaos_step(host *h)
{
	uint64_t handle;
	unsigned what;
	host_alloc *a;

	if (!ddirr_model_choose_chaos(h->m, &handle, &what) || !(a = host_alloc_of(h, handle)) || a->pinned)
		return;
	if (what == DDIRR_CHAOS_EVICT)
		host_evict(h, a);
	else
		host_relocate(h, a);
}

/* n, times the capture's scale: how long a scenario's work loop runs. */
static int scaled(const host *h, int n)
{
	return n * (int)(h->opts->scale ? h->opts->scale : 1);
}

/* An application: a process, its device and one 3D context. */
typedef struct app {
	host_process *p;
	host_device *d;
	host_context *c;
} app;

static int app_start(host *h, app *a)
{
	memset(a, 0, sizeof(*a));
	a->p = host_create_process(h);
	a->d = a->p ? host_create_device(h, a->p) : NULL;
	a->c = a->d ? host_create_context(h, a->d, 0) : NULL;
	return a->c ? 0 : -1;
}

/* ---- boot: bring-up, the primary surface, a compositor, teardown */

static int boot(host *h)
{
	host_alloc *primary, *surface[3];
	app dwm;
	int i;

	if (host_start_adapter(h))
		return -1;
	/* The scan-out surface, mapped in the system process. */
	primary = host_create_allocation(h, SAMPLEKMD_ALLOC_PRIMARY, 2048);
	if (primary) {
		primary->pinned = 1;
		host_commit(h, primary);
		host_map_va(h, primary, h->system_process);
	}
	/* The desktop compositor, which maps the primary too. */
	if (app_start(h, &dwm) == 0) {
		if (primary)
			host_map_va(h, primary, dwm.p);
		for (i = 0; i < 3; i++) {
			surface[i] = host_create_allocation(h, SAMPLEKMD_ALLOC_BUFFER, 256u << host_random(h, 3));
			if (surface[i]) {
				host_commit(h, surface[i]);
				host_map_va(h, surface[i], dwm.p);
			}
		}
		chaos_step(h);
		/* A mode change: one surface goes to system memory and back. */
		i = (int)host_random(h, 3);
		if (surface[i]) {
			host_evict(h, surface[i]);
			host_commit(h, surface[i]);
		}
	}
	host_stop_adapter(h);
	return 0;
}

/* ---- texture-streaming: textures uploaded by the CPU through the host
   aperture, mapped for the GPU, updated later, retired oldest first */

#define STREAM_LIVE 18

static int texture_streaming(host *h)
{
	host_alloc *live[STREAM_LIVE];
	int n_live = 0, n = scaled(h, 24 + (int)host_random(h, 8)), i;
	app game;

	if (host_start_adapter(h))
		return -1;
	if (app_start(h, &game) == 0) {
		for (i = 0; i < n; i++) {
			host_alloc *t = host_create_allocation(h, SAMPLEKMD_ALLOC_TEXTURE, 512u << host_random(h, 3));

			if (!t)
				break;
			/* Upload: commit, lock, write through the aperture, unlock. */
			if (host_lock(h, t) == 0)
				host_unlock(h, t);
			host_map_va(h, t, game.p);
			chaos_step(h);
			/* Stream a mip level into an older texture (paged back in
			   first when its eviction left it in system memory). */
			if (n_live > 2 && host_random(h, 3) == 0) {
				host_alloc *o = live[host_random(h, (uint64_t)n_live)];

				if (host_lock(h, o) == 0)
					host_unlock(h, o);
			}
			if (n_live == STREAM_LIVE) {
				host_destroy_allocation(h, live[0]);
				memmove(live, live + 1, (STREAM_LIVE - 1) * sizeof(live[0]));
				n_live--;
			}
			live[n_live++] = t;
		}
	}
	host_stop_adapter(h);
	return 0;
}

/* ---- aperture-pressure: many CPU locks open at once, more than the
   aperture holds, so VidMm reclaims slots from older locks */

#define PRESSURE_ALLOCS 24

static int aperture_pressure(host *h)
{
	host_alloc *a[PRESSURE_ALLOCS];
	int n = 0, i, step;

	if (host_start_adapter(h))
		return -1;
	for (i = 0; i < PRESSURE_ALLOCS; i++) {
		int staging = host_random(h, 3) != 0;

		a[n] = host_create_allocation(h, staging ? SAMPLEKMD_ALLOC_STAGING : SAMPLEKMD_ALLOC_TEXTURE,
					      (staging ? 64u : 256u) << host_random(h, 3));
		if (a[n] && host_commit(h, a[n]) == 0)
			n++;
		else if (a[n])
			host_destroy_allocation(h, a[n]);
	}
	for (step = 0; step < scaled(h, 160) && n; step++) {
		host_alloc *x = a[host_random(h, (uint64_t)n)];
		uint64_t r = host_random(h, 10);

		if (r < 6)
			host_lock(h, x); /* stays open */
		else if (r < 9)
			host_unlock(h, x);
		else
			chaos_step(h);
	}
	host_stop_adapter(h);
	return 0;
}

/* ---- multi-process: several processes, each with a device, a 3D and a
   copy context and their own GPU VA space; one allocation shared by all */

#define MP_PROCESSES 3
#define MP_ALLOCS 4

static int multi_process(host *h)
{
	app apps[MP_PROCESSES];
	host_context *copy[MP_PROCESSES];
	host_alloc *own[MP_PROCESSES][MP_ALLOCS], *shared = NULL;
	uint64_t opened[MP_PROCESSES];
	int i, k, step;

	if (host_start_adapter(h))
		return -1;
	memset(own, 0, sizeof(own));
	memset(opened, 0, sizeof(opened));
	for (i = 0; i < MP_PROCESSES; i++) {
		copy[i] = NULL;
		if (app_start(h, &apps[i]))
			continue;
		copy[i] = host_create_context(h, apps[i].d, 1);
		for (k = 0; k < MP_ALLOCS; k++) {
			own[i][k] = host_create_allocation(h, k % 2 ? SAMPLEKMD_ALLOC_TEXTURE : SAMPLEKMD_ALLOC_BUFFER,
							   256u << host_random(h, 3));
			if (own[i][k]) {
				host_commit(h, own[i][k]);
				host_map_va(h, own[i][k], apps[i].p);
			}
		}
	}
	/* A surface the first process shares with the others. */
	if (apps[0].c && (shared = host_create_allocation(h, SAMPLEKMD_ALLOC_TEXTURE, 1024))) {
		host_commit(h, shared);
		host_map_va(h, shared, apps[0].p);
		for (i = 1; i < MP_PROCESSES; i++)
			if (apps[i].c && (opened[i] = host_open_allocation(h, apps[i].d, shared)))
				host_map_va(h, shared, apps[i].p);
	}
	for (step = 0; step < scaled(h, 40); step++) {
		host_alloc *x = own[host_random(h, MP_PROCESSES)][host_random(h, MP_ALLOCS)];

		if (x && host_random(h, 4) == 0) {
			/* Trimmed while its process is in the background. */
			host_evict(h, x);
			host_commit(h, x);
		}
		chaos_step(h);
	}
	for (i = 0; i < MP_PROCESSES; i++)
		if (opened[i])
			host_close_allocation(h, apps[i].d, opened[i]);
	for (i = MP_PROCESSES - 1; i >= 0; i--)
		if (copy[i])
			host_destroy_context(h, copy[i]);
	host_stop_adapter(h);
	return 0;
}

/* ---- eviction-storm: more GPU buffers than the segment holds, used in
   random order, so every commit evicts; VidMm also compacts by moving */

#define STORM_ALLOCS 24

static int eviction_storm(host *h)
{
	host_alloc *a[STORM_ALLOCS];
	int n = 0, i, step;
	app job;

	if (host_start_adapter(h))
		return -1;
	if (app_start(h, &job) == 0) {
		for (i = 0; i < STORM_ALLOCS; i++)
			if ((a[n] = host_create_allocation(h, SAMPLEKMD_ALLOC_BUFFER, 512u << host_random(h, 3))))
				host_map_va(h, a[n++], job.p);
		for (step = 0; step < scaled(h, 60) && n; step++) {
			host_alloc *x = a[host_random(h, (uint64_t)n)];

			host_commit(h, x);
			if (step % 6 == 5) {
				/* Defragmentation: a resident buffer moves. */
				host_alloc *y = a[host_random(h, (uint64_t)n)];

				host_relocate(h, y);
			}
			chaos_step(h);
		}
	}
	host_stop_adapter(h);
	return 0;
}

static const host_scenario scenarios[] = {
	{"boot", "adapter bring-up, the paging process, the primary surface and a compositor, then teardown", boot},
	{"texture-streaming",
	 "textures uploaded by the CPU through the host aperture, mapped for the GPU, updated, evicted under pressure",
	 texture_streaming},
	{"aperture-pressure", "more CPU locks open at once than the host aperture holds: VidMm reclaims slots",
	 aperture_pressure},
	{"multi-process", "three processes with 3D and copy contexts, their own VA spaces and a shared surface",
	 multi_process},
	{"eviction-storm", "twice the buffers the segment holds, used in random order, and moved to compact memory",
	 eviction_storm},
};

static const char *const scenario_names[] = {"boot", "texture-streaming", "aperture-pressure", "multi-process",
					     "eviction-storm", NULL};

const host_scenario *host_scenario_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

const char *const *ddirr_capture_scenarios(void)
{
	return scenario_names;
}

const char *ddirr_capture_scenario_text(const char *name)
{
	const host_scenario *s = host_scenario_find(name);

	return s ? s->text : NULL;
}
