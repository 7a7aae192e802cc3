import Glibc

/// Writes 48 kHz mono 16-bit samples to a WAV file that stays valid however the process ends.
///
/// Samples go straight to the file with `write(2)`. The header's two sizes are rewritten in place
/// (`pwrite`) on `close()`, every `headerInterval` bytes of samples (one second by default, so
/// even SIGKILL loses at most a second from the header's account), and by `SignalFinaliser` on
/// SIGINT/SIGTERM: each writer registers its descriptor in a signal-safe slot.
public final class WAVWriter {
    public let path: String
    /// Samples written so far.
    public var samplesWritten: Int { Int(dataBytes / 2) }

    private var fd: Int32
    private var dataBytes: Int64 = 0
    private var bytesAtLastHeader: Int64 = 0
    private let headerInterval: Int64
    private let slot: SignalFinaliser.Slot?

    /// Creates (or truncates) `path` and writes the header.
    public init(path: String, headerInterval: Int64 = Int64(OpusSettings.sampleRate) * 2) throws {
        self.path = path
        self.headerInterval = headerInterval
        let file = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw WAVError.cannotOpen(path: path, errno: errno) }
        let header = WAVFormat.header(dataBytes: 0)
        guard header.withUnsafeBytes({ Glibc.write(file, $0.baseAddress, $0.count) }) == header.count else {
            let code = errno
            Glibc.close(file)
            throw WAVError.writeFailed(path: path, errno: code)
        }
        fd = file
        slot = SignalFinaliser.register(fd: file)
    }

    deinit { close() }

    /// Appends samples.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        guard fd >= 0 else { throw WAVError.writeFailed(path: path, errno: EBADF) }
        var offset = 0
        let bytes = UnsafeRawBufferPointer(samples)
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw WAVError.writeFailed(path: path, errno: errno)
            }
            offset += n
        }
        dataBytes += Int64(bytes.count)
        if dataBytes - bytesAtLastHeader >= headerInterval {
            WAVWriter.finaliseHeader(fd: fd, dataBytes: dataBytes)
            bytesAtLastHeader = dataBytes
        }
    }

    /// Appends samples.
    public func write(_ samples: [Int16]) throws {
        try samples.withUnsafeBufferPointer { try write($0) }
    }

    /// Writes the final sizes into the header and closes the file. Safe to call twice.
    public func close() {
        guard fd >= 0 else { return }
        SignalFinaliser.unregister(slot)
        WAVWriter.finaliseHeader(fd: fd, dataBytes: dataBytes)
        Glibc.close(fd)
        fd = -1
    }

    /// Rewrites the RIFF and data sizes. Async-signal-safe: only `pwrite` on stack values.
    static func finaliseHeader(fd: Int32, dataBytes: Int64) {
        let data = UInt32(clamping: dataBytes)
        var riff = (36 &+ data).littleEndian
        var size = data.littleEndian
        _ = pwrite(fd, &riff, 4, WAVFormat.riffSizeOffset)
        _ = pwrite(fd, &size, 4, WAVFormat.dataSizeOffset)
    }
}
