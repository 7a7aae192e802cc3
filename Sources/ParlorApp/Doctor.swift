import ParlorAudio
import ParlorCrypto
import ParlorTUI

/// `parlor doctor`: what a user runs when "there is no sound". Every probe is real: it loads the
/// libraries, creates an Opus encoder, starts a real-time thread, asks ALSA, reads terminfo.
public enum Doctor {
    public static func run() -> DoctorReport {
        var report = DoctorReport()
        checkLibraries(&report)
        checkHardwareAES(&report)
        checkRealtime(&report)
        checkSound(&report)
        checkSpeechProcessing(&report)
        checkTerminal(&report)
        return report
    }

    static func checkLibraries(_ report: inout DoctorReport) {
        do {
            _ = try OpusEncoder()
            report.add("libopus", .ok, Opus.version)
        } catch {
            report.add("libopus", .missing, "\(Opus.version) cannot encode: \(error)")
        }
        if Sodium.initialize() {
            report.add("libsodium", .ok, Sodium.version)
        } else {
            report.add("libsodium", .missing, "\(Sodium.version) failed to initialise (sodium_init)")
        }
        report.add("alsa-lib", .ok, ALSA.version)
        report.add("ncurses", .ok, NCurses.version)
    }

    static func checkHardwareAES(_ report: inout DoctorReport) {
        if Sodium.hasHardwareAES256GCM {
            report.add("AES-256-GCM", .ok, "in hardware: rooms may use SFrame suite AES_256_GCM_SHA512_128")
        } else {
            report.add("AES-256-GCM", .note, "not in hardware: rooms use the ChaCha20-Poly1305 suite (as safe, works everywhere)")
        }
    }

    static func checkRealtime(_ report: inout DoctorReport) {
        switch RealtimeThread.probe() {
        case .realtime(let priority):
            report.add("real-time", .ok, "audio thread gets SCHED_FIFO priority \(priority)")
        case .normal(let reason):
            report.add("real-time", .note, "audio thread runs at normal priority: \(reason)")
        }
    }

    static func checkSound(_ report: inout DoctorReport) {
        let cards = ALSA.cards()
        let devices = ALSA.devices()
        let silent: Bool
        do {
            _ = try ALSAPCM(name: "null", direction: .playback)
            silent = true
        } catch {
            silent = false
        }
        if cards.isEmpty {
            report.add("sound", silent ? .note : .missing, silent
                ? "no sound card found: Parlor will run with a silent device"
                : "no sound card and no silent device: ALSA's configuration (alsa.conf) is missing; install libasound2")
        } else {
            report.add("sound cards", .ok, cards.map { "\($0.index): \($0.name)" }.joined(separator: ", "))
        }
        let capture = devices.filter(\.canCapture).map(\.name)
        let playback = devices.filter(\.canPlay).map(\.name)
        if !cards.isEmpty || !devices.isEmpty {
            report.add("capture", capture.isEmpty ? .note : .ok, capture.isEmpty ? "no capture device" : capture.joined(separator: ", "))
            report.add("playback", playback.isEmpty ? .note : .ok, playback.isEmpty ? "no playback device" : playback.joined(separator: ", "))
        }
    }

    /// The capture chain as config.toml sets it (`parlor host`/`join` may turn more off with
    /// `--no-echo-cancel`, `--no-noise-suppression`, `--no-agc`), run once on a frame of
    /// silence so that libspeexdsp and libwebrtc-audio-processing are really loaded.
    static func checkSpeechProcessing(_ report: inout DoctorReport) {
        let settings: CaptureProcessor.Settings
        do {
            settings = try FaceSettings.load().capture
        } catch {
            report.add("speech processing", .missing, "\(error)")
            return
        }
        let frameSamples = OpusSettings().frameSamples
        let processor = CaptureProcessor(frameSamples: frameSamples, settings: settings)
        let frame = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frameSamples)
        defer { frame.deallocate() }
        frame.initialize(repeating: 0)
        processor.played(UnsafeBufferPointer(frame))
        processor.process(frame)
        let parts = [("echo cancellation", settings.echoCancellation), ("noise suppression", settings.noiseSuppression),
                     ("gain control", settings.automaticGain)].map { "\($0.0) \($0.1 ? "on" : "off")" }
        report.add("speech processing", .ok, "libspeexdsp, libwebrtc-audio-processing: " + parts.joined(separator: ", ") + " (\(settings.summary))")
    }

    static func checkTerminal(_ report: inout DoctorReport) {
        let caps = TerminalCapabilities.detect()
        let charset: String
        switch (caps.isUTF8, caps.replacedCodeset) {
        case (true, nil): charset = "UTF-8"
        case (true, let own?): charset = "UTF-8 (the locale says \(own); Parlor switched to C.UTF-8)"
        case (false, _): charset = "not UTF-8 (\(caps.codeset)): set LANG=C.UTF-8 for names and box lines"
        }
        let colours: String
        switch (caps.term, caps.colors, caps.noColorRequested) {
        case (nil, _, _): colours = "no TERM set: the TUI needs a terminal; headless faces work"
        case (_, _, true): colours = "NO_COLOR set: no colours"
        case (let term?, nil, _): colours = "no terminfo entry for TERM=\(term)"
        case (let term?, let n?, _): colours = "\(n) colours (TERM=\(term))"
        }
        report.add("terminal", caps.isUTF8 && caps.colors != nil ? .ok : .note, "\(charset); \(colours)")
    }
}
