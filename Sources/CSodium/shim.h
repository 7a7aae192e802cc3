// libsodium imports as it is; this shim exists so every C library enters Swift the same way.
// Expression macros (e.g. *_MESSAGEBYTES_MAX) do not import: use their function forms.
#ifndef PARLOR_CSODIUM_SHIM_H
#define PARLOR_CSODIUM_SHIM_H
#include <sodium.h>

// crypto_generichash_state is a 64-byte-aligned struct, which Swift does not import (nor the
// functions taking it): these take it as raw memory of crypto_generichash_statebytes() bytes,
// aligned to 64.
static inline int csodium_generichash_init(void *state, size_t outlen) {
    return crypto_generichash_init((crypto_generichash_state *)state, NULL, 0, outlen);
}
static inline int csodium_generichash_update(void *state, const unsigned char *in, unsigned long long inlen) {
    return crypto_generichash_update((crypto_generichash_state *)state, in, inlen);
}
static inline int csodium_generichash_final(void *state, unsigned char *out, size_t outlen) {
    return crypto_generichash_final((crypto_generichash_state *)state, out, outlen);
}
#endif
