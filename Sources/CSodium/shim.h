// libsodium imports as it is; this shim exists so every C library enters Swift the same way.
// Expression macros (e.g. *_MESSAGEBYTES_MAX) do not import: use their function forms.
#ifndef PARLOR_CSODIUM_SHIM_H
#define PARLOR_CSODIUM_SHIM_H
#include <sodium.h>
#endif
