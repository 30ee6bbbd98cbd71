/* Expands the DDIRR_DDI(id, name, kind, ret, table) macro the includer
 * defined once for every call of include/ddirr/ddi.def, with nothing for
 * the arguments, then undefines it: for a table, a switch or a list of
 * declarations, one entry a call. No include guard, on purpose. */
#define DDIRR_ARG0(fn, num, type, name, d, spec)
#define DDIRR_ARG(fn, num, type, name, d, spec)
#define DDIRR_END(name, ret)
#include "ddirr/ddi.def"
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END
