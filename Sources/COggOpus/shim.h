// Ogg Opus files: libopusenc encodes PCM into them (the room's mix), libogg pages Opus packets
// that are already encoded (each speaker's frames as received). libopusenc's ctl calls are
// C-variadic and their request macros are expressions, so each one Parlor uses gets a wrapper.
#ifndef PARLOR_COGGOPUS_SHIM_H
#define PARLOR_COGGOPUS_SHIM_H
#include <opusenc.h>
#include <ogg/ogg.h>

static inline int cope_set_bitrate(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static inline int cope_set_vbr(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_VBR(v)); }
static inline int cope_set_max_bandwidth_wideband(OggOpusEnc *e) { return ope_encoder_ctl(e, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND)); }
static inline int cope_set_signal_voice(OggOpusEnc *e) { return ope_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)); }
static inline int cope_set_muxing_delay(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPE_SET_MUXING_DELAY(v)); }
#endif
