/* Flag and enum decoders (decoders.def) expanded into tables. */
#include "desc.h"

#define DDIRR_FLAGS_BEGIN(id, ctype) static const ddirr_decoder_entry entries_##id[] = {
#define DDIRR_BIT(name, shift, width) {#name, shift, width},
#define DDIRR_FLAGS_END(id)                                                                              \
	};                                                                                               \
	const ddirr_decoder ddirr_dec_##id = {#id, 1, entries_##id, sizeof(entries_##id) / sizeof(entries_##id[0])};
#define DDIRR_ENUM_BEGIN(id, ctype) static const ddirr_decoder_entry entries_##id[] = {
#define DDIRR_VAL(name, value) {#name, value, 0},
#define DDIRR_ENUM_END(id)                                                                               \
	};                                                                                               \
	const ddirr_decoder ddirr_dec_##id = {#id, 0, entries_##id, sizeof(entries_##id) / sizeof(entries_##id[0])};
#include "decoders.def"
#undef DDIRR_FLAGS_END
#undef DDIRR_ENUM_END
#undef DDIRR_FLAGS_BEGIN
#undef DDIRR_ENUM_BEGIN
#undef DDIRR_BIT
#undef DDIRR_VAL

const ddirr_decoder *const ddirr_desc_decoders[] = {
#define DDIRR_FLAGS_BEGIN(id, ctype) &ddirr_dec_##id,
#define DDIRR_ENUM_BEGIN(id, ctype) &ddirr_dec_##id,
#define DDIRR_BIT(name, shift, width)
#define DDIRR_VAL(name, value)
#define DDIRR_FLAGS_END(id)
#define DDIRR_ENUM_END(id)
#include "decoders.def"
};
const size_t ddirr_desc_n_decoders = sizeof(ddirr_desc_decoders) / sizeof(ddirr_desc_decoders[0]);
