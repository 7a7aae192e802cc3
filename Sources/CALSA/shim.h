// What Swift cannot import from alsa-lib directly.
#ifndef PARLOR_CALSA_SHIM_H
#define PARLOR_CALSA_SHIM_H
#include <alsa/asoundlib.h>

// snd_lib_error_set_handler wants a C-variadic function, which Swift cannot write.
static void calsa_silent_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
/// Stops alsa-lib from printing "ALSA lib pcm.c:..." lines to stderr; errors still come back as codes.
static inline void calsa_silence_errors(void) { snd_lib_error_set_handler(calsa_silent_handler); }
#endif
