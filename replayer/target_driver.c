/* The driver target: a driver .so loaded the way dxgkrnl loads a KMD.
 *
 * The replayer exports DxgkInitialize (the ddirr executable links with
 * ENABLE_EXPORTS), so the driver's DriverEntry binds to it and hands over
 * its DRIVER_INITIALIZATION_DATA. AddDevice and StartDevice come from the
 * trace like every other DDI; StartDevice receives a DXGKRNL_INTERFACE whose
 * callbacks are the replayer's. A callback the driver makes is answered from
 * the trace: it must be the next recorded callback of the DDI being replayed,
 * with the same arguments once remapped, or it is a callback divergence; the
 * recorded outputs go back to the driver, as live values. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddirr/error.h"
#include "ddirr/probe.h"
#include "replay_internal.h"

typedef void (*any_fn)(void);

typedef struct driver {
	void *dl;
	DRIVER_INITIALIZATION_DATA did; /* the driver's table, as dxgkrnl copies it */
	int initialized;
	ddirr_probe_aperture_slot_fn probe_aperture;
	ddirr_probe_gpu_va_fn probe_va;
	const call_group *group; /* the DDI being replayed */
	size_t next_cb;          /* its next recorded callback */
	char *dma;               /* scratch DMA buffer for BuildPagingBuffer */
	size_t dma_size;
} driver;

/* The driver being loaded (DxgkInitialize) and the target being replayed
 * (callbacks). Replay is single-threaded. */
static driver *loading;
static target *current;

__attribute__((visibility("default"))) NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject,
							      PUNICODE_STRING RegistryPath,
							      PDRIVER_INITIALIZATION_DATA did)
{
	(void)DriverObject;
	(void)RegistryPath;
	if (!loading || !did)
		return STATUS_INVALID_PARAMETER;
	loading->did = *did;
	loading->initialized = 1;
	return STATUS_SUCCESS;
}

/* ---- tables generated from ddi.def */

#define OFFSET_DDI(member) offsetof(DRIVER_INITIALIZATION_DATA, member)
#define OFFSET_CB(member) offsetof(DXGKRNL_INTERFACE, member)
static const size_t table_offset[DDIRR_DDI_MAX_PLUS_ONE] = {
#define DDIRR_DDI(id, name, kind, ret, table) [id] = OFFSET_##kind(table),
#include "ddirr/ddi_each_call.def"
};

/* The callbacks: one function per call with the call's own signature (the
 * driver calls them through DXGKRNL_INTERFACE), whose parameters land in a
 * frame at the offsets the description gives. A function with fewer than
 * five parameters names the file-scope fallbacks for the rest; their values
 * are never copied (the description says how many parameters there are). */
static void answer_callback(uint32_t id, void *frame);

#define DDIRR_THUNK_NAME(name) cb_##name
#define DDIRR_THUNK_BODY(name, ret_kind, RETURN) \
	answer_callback(DDIRR_DDI_##name, &fr);  \
	RETURN;
#define DDIRR_THUNK_TABLE callback_thunks
#include "frame_thunks.h"

/* The callbacks by id, for the interface handed to StartDevice. */
static any_fn callback_fn[DDIRR_DDI_MAX_PLUS_ONE];

static void init_callback_fns(void)
{
	size_t i;

	for (i = 0; i < sizeof(callback_thunks) / sizeof(callback_thunks[0]); i++)
		callback_fn[callback_thunks[i].id] = callback_thunks[i].fn;
}

/* ---- answering callbacks */

/* The recorded outputs of a callback, as live values: dxgkrnl's answers are
 * the replayer's to give, so a handle or VA it made up is handed out as
 * recorded (and maps to itself); anything else is translated. */
typedef struct answer_ctx {
	target *t;
	const ddirr_event *entry;
	const ddirr_event *exit;
} answer_ctx;

static void answer_scalar(walk *w, const ddirr_field_desc *f, const void *x, void *y, const void *e)
{
	answer_ctx *c = w->ctx;
	uint32_t size = walk_scalar_size(f);
	uint64_t v = ddirr_desc_read(x, size), live = v;
	int creation = !(f->dir & DDIRR_DIR_IN) || (e && ddirr_desc_read(e, size) != v);

	if (f->cls == DDIRR_CLASS_HANDLE && f->ns != DDIRR_NS_NONE && v) {
		if (creation || !remap_handle(&c->t->map, f->ns, v, &live)) {
			remap_set_handle(&c->t->map, f->ns, v, v);
			history_created(c->t->hist, f->ns, v, c->exit->seq, c->exit->ddi);
			live = v;
		}
	} else if (f->cls == DDIRR_CLASS_GPU_VA && v) {
		if (creation)
			remap_set_va(&c->t->map, v, v, remap_va_range_size(c->exit->ddi, c->entry->frame));
		else
			remap_va(&c->t->map, v, &live);
	}
	ddirr_desc_write(y, size, live);
}

static void refuse(uint32_t id, void *frame)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const ddirr_field_desc *rf = &d->frame->fields[d->frame->n_fields - 1];

	if (d->ret_kind == DDIRR_RET_NTSTATUS)
		ddirr_desc_write((char *)frame + rf->offset, rf->size, (uint32_t)STATUS_UNSUCCESSFUL);
	else if (d->ret_kind != DDIRR_RET_VOID)
		ddirr_desc_write((char *)frame + rf->offset, rf->size, 0);
}

static void callback_divergence(target *t, uint64_t seq, uint32_t ddi, const char *expected, const char *actual,
				const char *message)
{
	driver *drv = t->impl;
	div_info d = {.kind = DDIRR_DIV_CALLBACK, .seq = seq, .parent_seq = drv->group->call.entry.seq, .ddi = ddi,
		      .field = "(callback)", .expected = expected, .actual = actual, .message = message};

	replay_diverge(t->owner, t, &d);
}

static void answer_callback(uint32_t id, void *frame)
{
	target *t = current;
	driver *drv = t ? t->impl : NULL;
	const ddirr_ddi_desc *d = ddirr_desc_ddi(id);
	const call_rec *rec;
	char msg[400];

	/* The thunk filled the parameters; the result starts at 0, as a refused
	   or unrecorded callback returns. */
	if (d && d->ret_kind != DDIRR_RET_VOID) {
		const ddirr_field_desc *ret = &d->frame->fields[d->frame->n_fields - 1];

		memset((char *)frame + ret->offset, 0, ret->size);
	}
	if (!drv || !drv->group) {
		if (drv || t)
			refuse(id, frame);
		return;
	}
	rec = drv->next_cb < drv->group->n_cbs ? &drv->group->cbs[drv->next_cb] : NULL;
	if (!rec || rec->entry.ddi != id) {
		snprintf(msg, sizeof(msg), "during seq %llu %s the driver called %s; the recording has %s%s",
			 (unsigned long long)drv->group->call.entry.seq, ddirr_ddi_name(drv->group->call.entry.ddi),
			 ddirr_ddi_name(id), rec ? ddirr_ddi_name(rec->entry.ddi) : "no further callback",
			 rec ? " next" : "");
		callback_divergence(t, rec ? rec->entry.seq : drv->group->call.entry.seq, rec ? rec->entry.ddi : id,
				    rec ? ddirr_ddi_name(rec->entry.ddi) : "(none)", ddirr_ddi_name(id), msg);
		if (rec)
			drv->next_cb++; /* stay in step with the recording */
		refuse(id, frame);
		return;
	}
	drv->next_cb++;
	t->callbacks++;
	compare_callback_args(t->owner, t, &rec->entry, frame);
	target_apply(t->owner, t, &rec->entry, frame);
	if (rec->exit.frame) {
		answer_ctx c = {t, &rec->entry, &rec->exit};
		walk w = {.dirs = DDIRR_DIR_OUT, .scalar = answer_scalar, .ctx = &c};

		walk_frame(&w, id, rec->exit.frame, frame, rec->entry.frame);
	}
	target_apply(t->owner, t, &rec->exit, frame);
}

/* ---- the DDIs */

/* What dxgkrnl provides that a trace cannot: the callback table, and
 * memory for the driver to write its DMA commands into. */
static void host_inputs(driver *drv, uint32_t ddi, void *live)
{
	if (ddi == DDIRR_DDI_StartDevice) {
		ddirr_frame_StartDevice *f = live;
		size_t i;

		if (!f->DxgkInterface)
			return;
		f->DxgkInterface->Size = sizeof(DXGKRNL_INTERFACE);
		if (!f->DxgkInterface->Version)
			f->DxgkInterface->Version = DXGKDDI_INTERFACE_VERSION;
		init_callback_fns();
		for (i = 1; i < DDIRR_DDI_MAX_PLUS_ONE; i++)
			if (ddirr_ddi_kind((uint32_t)i) == DDIRR_KIND_CB)
				memcpy((char *)f->DxgkInterface + table_offset[i], &callback_fn[i], sizeof(any_fn));
	} else if (ddi == DDIRR_DDI_BuildPagingBuffer) {
		ddirr_frame_BuildPagingBuffer *f = live;
		size_t need;

		if (!f->pBuildPagingBuffer)
			return;
		need = (size_t)f->pBuildPagingBuffer->DmaSize + f->pBuildPagingBuffer->DmaBufferPrivateDataSize;
		if (need > (64u << 20))
			need = 0; /* no real DMA buffer is that large: give none */
		if (need > drv->dma_size) {
			char *n = realloc(drv->dma, need);

			if (!n)
				need = 0;
			else
				drv->dma = n, drv->dma_size = need;
		}
		f->pBuildPagingBuffer->pDmaBuffer = need ? drv->dma : NULL;
		f->pBuildPagingBuffer->pDmaBufferPrivateData =
			need && f->pBuildPagingBuffer->DmaBufferPrivateDataSize ? drv->dma + f->pBuildPagingBuffer->DmaSize
										: NULL;
	}
}

static uint64_t live_adapter(uint32_t ddi, const void *live)
{
	const ddirr_ddi_desc *d = ddirr_desc_ddi(ddi);
	const ddirr_field_desc *f = &d->frame->fields[0];

	return f->cls == DDIRR_CLASS_HANDLE && f->ns == DDIRR_NS_ADAPTER_KMD ? ddirr_desc_read(live, f->size) : 0;
}

static int driver_call(target *t, replay *r, const call_group *g, void **live_exit)
{
	driver *drv = t->impl;
	const ddirr_event *e = &g->call.entry, *x = &g->call.exit;
	void *live;
	any_fn fn;
	size_t i;

	*live_exit = NULL;
	ddirr_arena_reset(&t->arena);
	if (!e->frame || ddirr_ddi_kind(e->ddi) != DDIRR_KIND_DDI)
		return 0;
	if (!(live = live_frame_build(&t->arena, e->ddi, e->frame, x->frame, t->private_kept)))
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory at seq %llu", (unsigned long long)e->seq);
	translate_frame(r, t, e, live, DDIRR_DIR_IN, 1);
	host_inputs(drv, e->ddi, live);
	target_apply(r, t, e, live);
	memcpy(&fn, (const char *)&drv->did + table_offset[e->ddi], sizeof(fn));
	if (!fn) {
		char msg[200];
		div_info d = {.kind = DDIRR_DIV_FIELD, .seq = e->seq, .ddi = e->ddi, .field = "(DDI table)",
			      .expected = "a function", .actual = "NULL", .message = msg};

		snprintf(msg, sizeof(msg), "the driver registered no %s", ddirr_ddi_table_member(e->ddi));
		replay_diverge(r, t, &d);
		return 0;
	}
	drv->group = g;
	drv->next_cb = 0;
	current = t;
	ddirr_call_by_id(e->ddi, fn, live);
	current = NULL;
	for (i = drv->next_cb; i < g->n_cbs; i++) {
		char msg[300];

		snprintf(msg, sizeof(msg), "during seq %llu %s the recording has callback seq %llu %s, which the driver did not make",
			 (unsigned long long)e->seq, ddirr_ddi_name(e->ddi), (unsigned long long)g->cbs[i].entry.seq,
			 ddirr_ddi_name(g->cbs[i].entry.ddi));
		callback_divergence(t, g->cbs[i].entry.seq, g->cbs[i].entry.ddi, ddirr_ddi_name(g->cbs[i].entry.ddi),
				    "(none)", msg);
	}
	drv->group = NULL;
	if (x->frame) {
		target_apply(r, t, x, live);
		*live_exit = live;
	}
	if (t->model)
		probe_check(r, t, (void *)drv->probe_aperture, (void *)drv->probe_va, e, live, live_adapter(e->ddi, live));
	return 0;
}

static void driver_free(target *t)
{
	driver *drv = t->impl;

	if (drv) {
		/* The driver's code stays mapped: a driver may have left
		   destructors or threads behind, and unloading a KMD mid-replay is
		   not something dxgkrnl does either. */
		free(drv->dma);
		free(drv);
	}
}

/* A private copy of the .so, so that two targets naming the same file get
 * two instances of the driver with their own globals (lockstep). */
static int private_copy(const char *path, char *out, size_t size)
{
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC), fd;
	ssize_t n;

	if (in < 0)
		return -1;
	snprintf(out, size, "%s/ddirr-driver-XXXXXX.so", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemps(out, 3)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(fd);
	if (n < 0) {
		unlink(out);
		return -1;
	}
	return 0;
}

int target_driver_new(target **out, replay *r, const char *path, int shadow)
{
	target *t = calloc(1, sizeof(*t));
	driver *drv = calloc(1, sizeof(*drv));
	NTSTATUS (*entry)(PDRIVER_OBJECT, PUNICODE_STRING);
	char copy[4096];
	NTSTATUS st;
	int rc = 1;

	*out = NULL;
	if (!t || !drv || history_new(&t->hist)) {
		free(drv);
		free(t);
		return ddirr_error_set(DDIRR_ENOMEM, "replay: out of memory");
	}
	t->name = "driver";
	snprintf(t->spec, sizeof(t->spec), "driver:%s", path);
	t->call = driver_call;
	t->free = driver_free;
	t->impl = drv;
	t->owner = r;
	remap_init(&t->map);
	*out = t;
	if (shadow) {
		ddirr_model_options mo = DDIRR_MODEL_OPTIONS_INIT;

		mo.on_violation = target_on_violation;
		mo.ctx = t;
		if ((rc = ddirr_model_new(&t->model, &mo)))
			return rc;
	}
	if (private_copy(path, copy, sizeof(copy)))
		return ddirr_error_set(1, "%s: cannot read the driver: %s", path, strerror(errno)), 1;
	loading = drv;
	drv->dl = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
	unlink(copy);
	if (!drv->dl) {
		loading = NULL;
		return ddirr_error_set(1, "%s: the driver will not load: %s", path, dlerror()), 1;
	}
	*(void **)&entry = dlsym(drv->dl, "DriverEntry");
	*(void **)&drv->probe_aperture = dlsym(drv->dl, DDIRR_PROBE_APERTURE_SLOT_SYMBOL);
	*(void **)&drv->probe_va = dlsym(drv->dl, DDIRR_PROBE_GPU_VA_SYMBOL);
	if (!entry) {
		loading = NULL;
		return ddirr_error_set(1, "%s: the driver exports no DriverEntry", path), 1;
	}
	st = entry(NULL, NULL);
	loading = NULL;
	if (st < 0)
		return ddirr_error_set(1, "%s: DriverEntry failed with status 0x%08x", path, (unsigned)st), 1;
	if (!drv->initialized)
		return ddirr_error_set(1, "%s: DriverEntry never called DxgkInitialize", path), 1;
	return 0;
}
