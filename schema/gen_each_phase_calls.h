/* Expands include/ddirr/ddi.def once for each phase, GEN_PHASE 1 (entry)
 * then 2 (exit), through the DDIRR_DDI, DDIRR_ARG0, DDIRR_ARG and DDIRR_END
 * macros the includer defined, then undefines them: the generated copies
 * and rebuilds of frame_copy.c include it once per pass. No include guard,
 * on purpose. */
#define GEN_PHASE 1
#include "ddirr/ddi.def"
#undef GEN_PHASE
#define GEN_PHASE 2
#include "ddirr/ddi.def"
#undef GEN_PHASE
#undef DDIRR_DDI
#undef DDIRR_ARG0
#undef DDIRR_ARG
#undef DDIRR_END
