// WebRTC's audio processing (libwebrtc-audio-processing 0.3) is C++, which Swift does not import:
// this target only brings the library's include path and link flag (pkg-config
// webrtc-audio-processing) to CNoiseSuppression, the C++ target that gives Swift a C API over it.
// SwiftPM drops pkg-config's -D flags; the headers need these two.
#ifndef PARLOR_CWEBRTCAUDIOPROCESSING_SHIM_H
#define PARLOR_CWEBRTCAUDIOPROCESSING_SHIM_H
#ifdef __cplusplus
#ifndef WEBRTC_POSIX
#define WEBRTC_POSIX 1
#endif
#ifndef WEBRTC_AUDIO_PROCESSING_ONLY_BUILD
#define WEBRTC_AUDIO_PROCESSING_ONLY_BUILD 1
#endif
#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>
#endif
#endif
