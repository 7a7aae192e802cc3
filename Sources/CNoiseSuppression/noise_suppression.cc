#include "noise_suppression.h"
// WebRTC's headers with the defines they need (CWebRTCAudioProcessing's shim).
#include "../CWebRTCAudioProcessing/shim.h"
#include <cstring>
#include <new>

struct parlor_noise_suppressor {
    webrtc::AudioProcessing *processing;
    webrtc::AudioFrame frame;
    int sample_rate;
};

parlor_noise_suppressor *parlor_noise_suppressor_create(int sample_rate, int level) {
    if (level < webrtc::NoiseSuppression::kLow || level > webrtc::NoiseSuppression::kVeryHigh) return nullptr;
    webrtc::Config config;
    // Only the noise suppressor: the experimental gain control is on unless turned off here.
    config.Set<webrtc::ExperimentalAgc>(new webrtc::ExperimentalAgc(false));
    webrtc::AudioProcessing *processing = webrtc::AudioProcessing::Create(config);
    if (processing == nullptr) return nullptr;
    const auto mono = webrtc::AudioProcessing::kMono;
    if (processing->Initialize(sample_rate, sample_rate, sample_rate, mono, mono, mono) != 0 ||
        processing->high_pass_filter()->Enable(false) != 0 ||
        processing->noise_suppression()->set_level(static_cast<webrtc::NoiseSuppression::Level>(level)) != 0 ||
        processing->noise_suppression()->Enable(true) != 0) {
        delete processing;
        return nullptr;
    }
    auto *suppressor = new (std::nothrow) parlor_noise_suppressor();
    if (suppressor == nullptr) {
        delete processing;
        return nullptr;
    }
    suppressor->processing = processing;
    suppressor->sample_rate = sample_rate;
    return suppressor;
}

int parlor_noise_suppressor_process(parlor_noise_suppressor *suppressor, int16_t *block) {
    const size_t samples = static_cast<size_t>(suppressor->sample_rate / 100);
    suppressor->frame.UpdateFrame(0, 0, block, samples, suppressor->sample_rate,
                                  webrtc::AudioFrame::kNormalSpeech, webrtc::AudioFrame::kVadUnknown, 1);
    const int result = suppressor->processing->ProcessStream(&suppressor->frame);
    if (result != 0) return result;
    std::memcpy(block, suppressor->frame.data_, samples * sizeof(int16_t));
    return 0;
}

void parlor_noise_suppressor_destroy(parlor_noise_suppressor *suppressor) {
    if (suppressor == nullptr) return;
    delete suppressor->processing;
    delete suppressor;
}
