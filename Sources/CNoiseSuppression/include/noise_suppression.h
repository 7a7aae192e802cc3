// WebRTC's noise suppressor (libwebrtc-audio-processing's webrtc::AudioProcessing with only its
// noise suppression on) behind a C API, which Swift imports.
#ifndef PARLOR_NOISE_SUPPRESSION_H
#define PARLOR_NOISE_SUPPRESSION_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct parlor_noise_suppressor parlor_noise_suppressor;

// A suppressor for blocks of 10 ms of mono 16-bit samples at sample_rate (8, 16, 32 or 48 kHz),
// at level 0 (low) to 3 (very high); NULL if the library refuses either.
parlor_noise_suppressor *parlor_noise_suppressor_create(int sample_rate, int level);

// Suppresses the noise in one block (sample_rate / 100 samples) in place; 0, or the library's
// (negative) error code and the block left as it was. Allocates nothing.
int parlor_noise_suppressor_process(parlor_noise_suppressor *suppressor, int16_t *block);

void parlor_noise_suppressor_destroy(parlor_noise_suppressor *suppressor);

#ifdef __cplusplus
}
#endif
#endif
