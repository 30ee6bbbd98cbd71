/* Expands structs.def once for each phase, GEN_PHASE 1 (entry) then 2
 * (exit), through the DDIRR_STRUCT, DDIRR_F, DDIRR_FA, DDIRR_FX and
 * DDIRR_END_STRUCT macros the includer defined, then undefines them: the
 * generated copies and rebuilds of frame_copy.c include it once per pass.
 * No include guard, on purpose. */
#define GEN_PHASE 1
#include "structs.def"
#undef GEN_PHASE
#define GEN_PHASE 2
#include "structs.def"
#undef GEN_PHASE
#undef DDIRR_STRUCT
#undef DDIRR_F
#undef DDIRR_FA
#undef DDIRR_FX
#undef DDIRR_END_STRUCT
