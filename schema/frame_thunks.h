/* Generates, from include/ddirr/ddi.def, one function per call with the
 * call's exact signature, whose body starts with the call's frame
 * (`ddirr_frame_<Name> fr`) filled from its parameters. The recorder's
 * wrappers are such functions; so are the replayer's callbacks, the capture
 * host's and the test fixtures' driver and host. It lives in schema/ because
 * recorder/ and replayer/ both use it and never include each other.
 *
 * Before including, define:
 *   DDIRR_THUNK_NAME(name)        the function's name for call `name`
 *   DDIRR_THUNK_BODY(name, ret_kind, RETURN)
 *                                 the statements after `fr` is filled;
 *                                 ret_kind is the DDIRR_RET_* constant and
 *                                 RETURN the statement that returns
 *                                 fr.ReturnValue (or nothing, for VOID)
 *   DDIRR_THUNK_TABLE             (optional) the name of a table of the
 *                                 generated functions (struct
 *                                 ddirr_thunk_entry)
 *   DDIRR_THUNK_ATTRS             (optional) attributes of each function
 * Bodies may use ddirr_kind_<Name> (DDIRR_KIND_DDI or _CB) and
 * ddirr_call_<Name>(fn, &fr), which calls a function of the call's type
 * with the frame's members; both come with this header, as do the tables
 * ddirr_param_off_<Name>[] and ddirr_param_size_<Name>[]; including the
 * header without DDIRR_THUNK_NAME defined gives these helpers alone. The
 * functions are static and may go unused. Both macros are
 * undefined at the end, so the header can be included again.
 *
 * Parameters are named by position (p1, p2, ...): an X-macro gives the
 * names only inside the parameter list, and a body cannot list them. The
 * frame is filled from per-call tables of parameter offsets and sizes; a
 * function with fewer than DDIRR_THUNK_MAX_PARAMS parameters sees the
 * file-scope p<n> for the missing ones, never reads them (the loop stops
 * at its own count), and the compiler unrolls the loop into plain stores. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddirr/ddi.h"

#ifndef DDIRR_FRAME_THUNKS_ONCE
#define DDIRR_FRAME_THUNKS_ONCE

#define DDIRR_THUNK_TYPE_NTSTATUS NTSTATUS
#define DDIRR_THUNK_TYPE_SIZE_T SIZE_T
#define DDIRR_THUNK_TYPE_GPUVA D3DGPU_VIRTUAL_ADDRESS
#define DDIRR_THUNK_TYPE_VOID void
#define DDIRR_THUNK_RETURN_NTSTATUS return fr.ReturnValue
#define DDIRR_THUNK_RETURN_SIZE_T return fr.ReturnValue
#define DDIRR_THUNK_RETURN_GPUVA return fr.ReturnValue
#define DDIRR_THUNK_RETURN_VOID return
#define DDIRR_THUNK_MAX_PARAMS 5

/* p1 always exists: every call has a first parameter. */
__attribute__((unused)) static const uint64_t p2, p3, p4, p5;

/* Where parameter i + 1 goes in the frame, and its size. */
#define DDIRR_DDI(id, name, kind, ret, table) __attribute__((unused)) static const uint16_t ddirr_param_off_##name[] = {
#define DDIRR_ARG0(fn, num, type, name, dir, spec) offsetof(ddirr_frame_##fn, name)
#define DDIRR_ARG(fn, num, type, name, dir, spec) , offsetof(ddirr_frame_##fn, name)
#define DDIRR_END(name, ret) };
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END
#define DDIRR_DDI(id, name, kind, ret, table) __attribute__((unused)) static const uint16_t ddirr_param_size_##name[] = {
#define DDIRR_ARG0(fn, num, type, name, dir, spec) sizeof(((ddirr_frame_##fn *)0)->name)
#define DDIRR_ARG(fn, num, type, name, dir, spec) , sizeof(((ddirr_frame_##fn *)0)->name)
#define DDIRR_END(name, ret) };
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END

/* ddirr_call_<Name>(fn, fr): calls fn, a function of the call's type, with
 * the frame's members as arguments, and stores what it returns in the
 * frame. */
#define DDIRR_TABLE_DDI DRIVER_INITIALIZATION_DATA
#define DDIRR_TABLE_CB DXGKRNL_INTERFACE
#define DDIRR_THUNK_STORE_NTSTATUS fr->ReturnValue =
#define DDIRR_THUNK_STORE_SIZE_T fr->ReturnValue =
#define DDIRR_THUNK_STORE_GPUVA fr->ReturnValue =
#define DDIRR_THUNK_STORE_VOID
typedef void (*ddirr_thunk_fn)(void);
#define DDIRR_DDI(id, name, kind, ret, table)                                                           \
	__attribute__((unused)) static inline void ddirr_call_##name(ddirr_thunk_fn f, ddirr_frame_##name *fr) \
	{                                                                                               \
		__typeof__(((DDIRR_TABLE_##kind *)0)->table) fn = (__typeof__(((DDIRR_TABLE_##kind *)0)->table))f; \
		DDIRR_THUNK_STORE_##ret fn(
#define DDIRR_ARG0(fn, num, type, name, dir, spec) fr->name
#define DDIRR_ARG(fn, num, type, name, dir, spec) , fr->name
#define DDIRR_END(name, ret) ); }
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END

/* An entry of a DDIRR_THUNK_TABLE: a generated function and the table
 * member it fills, in DRIVER_INITIALIZATION_DATA for a DDI, in
 * DXGKRNL_INTERFACE for a callback. */
struct ddirr_thunk_entry {
	uint32_t id;
	int kind; /* DDIRR_KIND_DDI or DDIRR_KIND_CB */
	size_t offset;
	ddirr_thunk_fn fn;
};

/* Calls fn, a function of call id's type, with the members of frame (a
 * ddirr_frame_<Name> of that call) and stores its result in the frame. */
__attribute__((unused)) static void ddirr_call_by_id(uint32_t id, ddirr_thunk_fn fn, void *frame)
{
	switch (id) {
#define DDIRR_DDI(id, name, kind, ret, table) \
	case id:                              \
		ddirr_call_##name(fn, frame); \
		break;
#include "ddirr/ddi_each_call.def"
	default:
		break;
	}
}

/* The kind of each call, as a constant a body can branch on. */
#define DDIRR_DDI(id, name, kind, ret, table) enum { ddirr_kind_##name = DDIRR_KIND_##kind };
#include "ddirr/ddi_each_call.def"

#endif /* DDIRR_FRAME_THUNKS_ONCE */

/* Included without DDIRR_THUNK_NAME: the helpers above only. */
#ifdef DDIRR_THUNK_NAME

#ifndef DDIRR_THUNK_ATTRS
#define DDIRR_THUNK_ATTRS
#endif
#define DDIRR_DDI(id, name, kind, ret, table) \
	__attribute__((unused)) DDIRR_THUNK_ATTRS static DDIRR_THUNK_TYPE_##ret DDIRR_THUNK_NAME(name)(
#define DDIRR_ARG0(fn, num, type, name, dir, spec) type p##num
#define DDIRR_ARG(fn, num, type, name, dir, spec) , type p##num
#define DDIRR_END(name, ret)                                                                              \
	)                                                                                                 \
	{                                                                                                 \
		ddirr_frame_##name fr;                                                                    \
		const void *const params_[DDIRR_THUNK_MAX_PARAMS] = {&p1, &p2, &p3, &p4, &p5};          \
		size_t i_;                                                                                \
                                                                                                          \
		_Static_assert(sizeof(ddirr_param_off_##name) / sizeof(ddirr_param_off_##name[0]) <=    \
				       DDIRR_THUNK_MAX_PARAMS,                                            \
			       "raise DDIRR_THUNK_MAX_PARAMS");                                          \
		for (i_ = 0; i_ < sizeof(ddirr_param_off_##name) / sizeof(ddirr_param_off_##name[0]); i_++) \
			memcpy((char *)&fr + ddirr_param_off_##name[i_], params_[i_],                     \
			       ddirr_param_size_##name[i_]);                                              \
		{                                                                                         \
			DDIRR_THUNK_BODY(name, DDIRR_RET_##ret, DDIRR_THUNK_RETURN_##ret)                \
		}                                                                                         \
	}
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END

#ifdef DDIRR_THUNK_TABLE
/* The functions just generated, with the table member each one fills. */
__attribute__((unused)) static const struct ddirr_thunk_entry DDIRR_THUNK_TABLE[] = {
#define DDIRR_DDI(id, name, kind, ret, table) \
	{id, DDIRR_KIND_##kind, offsetof(DDIRR_TABLE_##kind, table), (ddirr_thunk_fn)DDIRR_THUNK_NAME(name)},
#include "ddirr/ddi_each_call.def"
};
#endif
#undef DDIRR_THUNK_NAME
#undef DDIRR_THUNK_BODY
#undef DDIRR_THUNK_TABLE
#undef DDIRR_THUNK_ATTRS
#endif /* DDIRR_THUNK_NAME */
