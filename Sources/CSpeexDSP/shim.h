// What Swift cannot import from libspeexdsp directly: the ctl calls take a request macro and a
// void pointer, so each request Parlor uses gets one typed wrapper here.
#ifndef PARLOR_CSPEEXDSP_SHIM_H
#define PARLOR_CSPEEXDSP_SHIM_H
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static inline int cspeex_echo_set_sampling_rate(SpeexEchoState *s, spx_int32_t rate) { return speex_echo_ctl(s, SPEEX_ECHO_SET_SAMPLING_RATE, &rate); }
static inline int cspeex_preprocess_set_int(SpeexPreprocessState *s, int request, spx_int32_t value) { return speex_preprocess_ctl(s, request, &value); }
static inline int cspeex_preprocess_set_echo_state(SpeexPreprocessState *s, SpeexEchoState *echo) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_ECHO_STATE, echo); }
#endif
