/* The DDI description as C tables.
 *
 * include/ddirr/ddi.def lists the calls and their parameters;
 * schema/structs.def describes every argument struct field by field;
 * schema/decoders.def names the bits of every flag word and the values of
 * every enum. desc.c expands them into the tables below. Everything that
 * handles arguments generically walks these tables: the wire schema
 * generator, the protobuf codec, dump, and later the recorder's deep copy and
 * the replayer's comparison. */
#ifndef DDIRR_DESC_H
#define DDIRR_DESC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddirr/ddi.h"

/* How a field is laid out in memory. */
enum ddirr_field_kind {
	DDIRR_FK_SCALAR = 1, /* unsigned integer of `size` bytes: 1, 2, 4 or 8 */
	DDIRR_FK_STRUCT,     /* embedded struct `sub` */
	DDIRR_FK_REF,        /* pointer to one `sub` struct, or NULL */
	DDIRR_FK_REF_SCALAR, /* pointer to one scalar of `elem_size` bytes, or NULL */
	DDIRR_FK_ARRAY,      /* pointer to `count` elements: scalars of `elem_size`, or `sub` structs */
	DDIRR_FK_BYTES,      /* pointer to `count` bytes */
	DDIRR_FK_INLINE,     /* `size` bytes held in the struct itself, kept raw */
	DDIRR_FK_MDL         /* MDL*: the PFNs [MdlOffset, MdlOffset + count) are kept */
};

/* What the replayer does with a field (DESIGN.md, field classes). */
enum ddirr_field_class {
	DDIRR_CLASS_EXACT = 1,
	DDIRR_CLASS_HANDLE,        /* remapped per namespace `ns` */
	DDIRR_CLASS_GPU_VA,        /* remapped through the VA range map */
	DDIRR_CLASS_APERTURE_SLOT, /* checked against the model and the probe */
	DDIRR_CLASS_SEGMENT_PAGE,  /* checked against the model and the probe */
	DDIRR_CLASS_COUNT,         /* length of an array field; bounded by the reader */
	DDIRR_CLASS_VOLATILE,      /* timestamps, fences, host pointers: never compared */
	DDIRR_CLASS_OPAQUE,        /* private driver data: kept per privacy tier, compared by hash */
	DDIRR_CLASS_MAX_PLUS_ONE
};

/* Handle namespaces (reference §1.4). A value is only meaningful within its
 * namespace; the replayer keeps one map per namespace. */
enum ddirr_handle_ns {
	DDIRR_NS_NONE = 0,
	DDIRR_NS_ADAPTER_KMD,             /* MiniportDeviceContext from AddDevice */
	DDIRR_NS_ADAPTER_DXGK,            /* DXGKRNL_INTERFACE.DeviceHandle */
	DDIRR_NS_ALLOCATION_KMD,          /* DXGK_ALLOCATIONINFO.hAllocation, hDriverAllocation */
	DDIRR_NS_CONTEXT_ALLOCATION_DXGK, /* DXGKARGCB_CREATECONTEXTALLOCATION.hAllocation (out) */
	DDIRR_NS_ALLOCATION_D3DKMT,       /* D3DKMT_HANDLE of an allocation */
	DDIRR_NS_DEVICE_ALLOCATION_KMD,   /* DXGK_OPENALLOCATIONINFO.hDeviceSpecificAllocation */
	DDIRR_NS_RESOURCE_KMD,            /* DXGKARG_CREATEALLOCATION.hResource */
	DDIRR_NS_DEVICE_KMD,              /* DXGKARG_CREATEDEVICE.hDevice (out) */
	DDIRR_NS_DEVICE_DXGK,             /* DXGKARG_CREATEDEVICE.hDevice (in), dxgkrnl device */
	DDIRR_NS_CONTEXT_KMD,             /* DXGKARG_CREATECONTEXT.hContext (out) */
	DDIRR_NS_CONTEXT_DXGK,            /* DXGKARG_CREATECONTEXT.hContext (in), dxgkrnl context */
	DDIRR_NS_PROCESS_KMD,             /* DXGKARG_CREATEPROCESS.hKmdProcess */
	DDIRR_NS_PROCESS_DXGK,            /* DXGKARG_CREATEPROCESS.hDxgkProcess */
	DDIRR_NS_MAX_PLUS_ONE
};

enum ddirr_field_dir {
	DDIRR_DIR_IN = 1,   /* recorded on entry */
	DDIRR_DIR_OUT = 2,  /* recorded on exit */
	DDIRR_DIR_INOUT = 3,
	DDIRR_DIR_BOTH = 3  /* an input also recorded on exit: counts and selectors */
};

/* How dump shows a scalar. */
enum ddirr_field_fmt {
	DDIRR_FMT_DEC = 0,
	DDIRR_FMT_HEX,
	DDIRR_FMT_FLAGS,  /* bit names from `decoder` */
	DDIRR_FMT_ENUM,   /* value names from `decoder` */
	DDIRR_FMT_STATUS, /* NTSTATUS */
	DDIRR_FMT_SIGNED
};

/* A field of a union is present only when its guard holds. */
enum ddirr_guard_op {
	DDIRR_GUARD_NONE = 0,
	DDIRR_GUARD_EQ,        /* selector == value */
	DDIRR_GUARD_BITS,      /* (selector & value) != 0 */
	DDIRR_GUARD_NOBITS,    /* (selector & value) == 0 */
	DDIRR_GUARD_OTHERWISE  /* no other field guarded by the same selector holds */
};

/* One named bit range or enum value. */
typedef struct ddirr_decoder_entry {
	const char *name;
	uint64_t value; /* enum: the value; flags: the shift */
	uint8_t width;  /* flags: bits in the range; enum: 0 */
} ddirr_decoder_entry;

typedef struct ddirr_decoder {
	const char *name;
	int is_flags;
	const ddirr_decoder_entry *entries;
	size_t n_entries;
} ddirr_decoder;

typedef struct ddirr_struct_desc ddirr_struct_desc;

typedef struct ddirr_field_desc {
	const char *name;    /* the member path's last name, or an alias; also the wire name */
	uint32_t number;     /* wire field number within the struct's message */
	uint8_t kind;        /* enum ddirr_field_kind */
	uint8_t cls;         /* enum ddirr_field_class (of the value, or of each element) */
	uint8_t ns;          /* enum ddirr_handle_ns for DDIRR_CLASS_HANDLE */
	uint8_t dir;         /* enum ddirr_field_dir */
	uint8_t fmt;         /* enum ddirr_field_fmt */
	uint32_t offset;     /* within the parent struct */
	uint32_t size;       /* of the member itself (a pointer for REF, ARRAY, BYTES, MDL) */
	uint32_t elem_size;  /* ARRAY of scalars, REF_SCALAR: bytes per element */
	const ddirr_struct_desc *sub;   /* STRUCT, REF, ARRAY of structs */
	const ddirr_decoder *decoder;   /* FMT_FLAGS, FMT_ENUM */
	/* ARRAY, BYTES, MDL: the sibling that holds the element count */
	uint32_t count_offset, count_size;
	/* ARRAY: a sibling that holds the element stride in bytes (0 = none) */
	uint32_t stride_offset, stride_size;
	/* ARRAY: one element only when (sibling & repeat_mask) != 0 */
	uint32_t repeat_offset, repeat_size;
	uint64_t repeat_mask;
	/* ARRAY: elements are kept as raw bytes of `stride` each, not decoded */
	uint8_t raw_elements;
	/* MDL: the sibling that holds the first PFN index */
	uint32_t mdl_offset_offset, mdl_offset_size;
	/* union member: the sibling selector and the condition */
	uint8_t guard_op;
	uint32_t guard_offset, guard_size;
	uint64_t guard_value;
} ddirr_field_desc;

struct ddirr_struct_desc {
	const char *name;  /* C type name, also the wire message name */
	size_t size;       /* sizeof */
	const ddirr_field_desc *fields;
	size_t n_fields;
	const char *ref;   /* reference section it comes from */
};

/* A call: its frame struct and facts from ddi.def. */
typedef struct ddirr_ddi_desc {
	uint32_t id;
	const char *name;
	int kind;      /* enum ddirr_ddi_kind */
	int ret_kind;  /* enum ddirr_ret_kind */
	const char *table_member;
	const ddirr_struct_desc *frame;
} ddirr_ddi_desc;

/* Wire field number of ReturnValue in every call's message. */
#define DDIRR_RETURN_FIELD_NUMBER 15
/* Wire field number of the SHA-256 that may stand for a BYTES field of
 * class opaque (privacy tier "hashed"): the field's number plus this. */
#define DDIRR_DIGEST_FIELD_OFFSET 1000

/* Wire field number of the delta form (format version 2) of an integer
 * array whose values run in sequences: the field's number plus this. It
 * holds sint64 deltas, element i minus element i - 1 (element -1 is 0); the
 * writer uses it instead of the plain field, a reader accepts either. */
#define DDIRR_DELTA_FIELD_OFFSET 2000

/* Wire field number of the runs form (format version 4) of the same
 * arrays: the field's number plus this. It holds sint64 pairs (d, k): the
 * next element is the previous one plus d (element -1 is 0), and k more
 * follow it, each the one before plus 1. The writer uses it instead of the
 * delta form when it has fewer numbers (pages and slots mapped in runs); a
 * reader accepts any one of the three forms. */
#define DDIRR_RUNS_FIELD_OFFSET 3000

/* Wire field number of a call's message in Event.args: base + id. */
#define DDIRR_EVENT_ARGS_BASE 100

/* Returns the description of a call, or NULL for an unknown id. */
const ddirr_ddi_desc *ddirr_desc_ddi(uint32_t id);

/* Every described struct (frames excluded), in structs.def order. */
extern const ddirr_struct_desc *const ddirr_desc_structs[];
extern const size_t ddirr_desc_n_structs;

/* Every decoder, in decoders.def order. */
extern const ddirr_decoder *const ddirr_desc_decoders[];
extern const size_t ddirr_desc_n_decoders;

/* Reads an unsigned scalar of `size` bytes (1, 2, 4 or 8; else 0) at p.
 * Inline: every walker (the recorder's copies, the codec, the replayer)
 * reads counts, selectors and elements with it. memcpy, because members
 * may be bitfield words or sit at odd offsets. */
static inline uint64_t ddirr_desc_read(const void *p, uint32_t size)
{
	switch (size) {
	case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	case 8: { uint64_t v; memcpy(&v, p, 8); return v; }
	default: return 0;
	}
}

/* Writes the low `size` bytes of v at p. */
void ddirr_desc_write(void *p, uint32_t size, uint64_t v);

/* True when field f of the struct at base is present: its guard holds.
 * Most fields have no guard and no size condition, and most guarded ones a
 * `selector == value` (BuildPagingBuffer's Operation): both are answered
 * inline, because every walker asks for every field. */
int ddirr_desc_field_present_slow(const ddirr_struct_desc *s, const ddirr_field_desc *f, const void *base);

static inline int ddirr_desc_field_present(const ddirr_struct_desc *s, const ddirr_field_desc *f, const void *base)
{
	if (!(f->kind == DDIRR_FK_REF && f->count_size)) {
		if (f->guard_op == DDIRR_GUARD_NONE)
			return 1;
		if (f->guard_op == DDIRR_GUARD_EQ)
			return ddirr_desc_read((const char *)base + f->guard_offset, f->guard_size) == f->guard_value;
	}
	return ddirr_desc_field_present_slow(s, f, base);
}

/* ARRAY field f of the struct at base: how many elements it holds (its
 * count, or 1 when its Repeat flag is set) and how far apart they are. */
static inline uint64_t ddirr_desc_array_count(const ddirr_field_desc *f, const void *vbase)
{
	const char *base = vbase;
	uint64_t n = ddirr_desc_read(base + f->count_offset, f->count_size);

	if (n && f->repeat_size && (ddirr_desc_read(base + f->repeat_offset, f->repeat_size) & f->repeat_mask))
		n = 1; /* one value stands for every entry */
	return n;
}

static inline uint64_t ddirr_desc_array_stride(const ddirr_field_desc *f, const void *vbase)
{
	if (f->stride_size)
		return ddirr_desc_read((const char *)vbase + f->stride_offset, f->stride_size);
	return f->sub ? f->sub->size : f->elem_size;
}

/* True when field f is recorded in `phase` (enum ddirr_phase). */
static inline int ddirr_desc_field_in_phase(const ddirr_field_desc *f, uint32_t phase)
{
	return (f->dir & phase) != 0;
}

/* True when field f has a delta form (DDIRR_DELTA_FIELD_OFFSET) and a runs
 * form (DDIRR_RUNS_FIELD_OFFSET): arrays of
 * scalars of the classes whose values come in runs (aperture slots, segment
 * pages, GPU VAs), and MDL page frame numbers (physical pages, which come in
 * contiguous runs too). Handles and exact values are left as they are. */
static inline int ddirr_desc_field_delta(const ddirr_field_desc *f)
{
	if (f->kind == DDIRR_FK_MDL)
		return 1;
	return f->kind == DDIRR_FK_ARRAY && !f->sub && !f->raw_elements &&
	       (f->cls == DDIRR_CLASS_APERTURE_SLOT || f->cls == DDIRR_CLASS_SEGMENT_PAGE || f->cls == DDIRR_CLASS_GPU_VA);
}

/* Names: "exact", "handle", ...; "adapter.kmd", ... */
const char *ddirr_class_name(int cls);
const char *ddirr_ns_name(int ns);

#endif
