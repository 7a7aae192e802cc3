// libFuzzer's driver, for fuzz executables whose `main` is Swift (SwiftPM renames an
// executable's entry point, so libFuzzer's own `main` cannot be used).
#ifndef PARLOR_CFUZZER_H
#define PARLOR_CFUZZER_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
