import COggOpus
import Glibc

/// Writes Opus packets that are already encoded into a mono Ogg Opus file (RFC 7845) with
/// libogg, byte for byte as given: no decoding, no re-encoding.
///
/// The file starts with `OpusHead` on a page of its own and `OpusTags` on the next; audio
/// starts on a fresh page. Each page's granule position counts the samples the packets up to
/// its last one decode to, the pre-skip among them (RFC 7845 §4). A page goes to the file at least once a second of
/// audio (`flushSamples`), so a process that dies at any moment leaves a file whose pages are
/// all whole and play up to the last second; `close()` marks the last packet end-of-stream.
/// The newest packet is held back until the next one comes, so that `close()` can mark it.
public final class OggOpusPacketWriter {
    public let path: String
    /// The samples the decoder drops at the start (RFC 7845 §4.2): the sender's encoder delay.
    public let preSkip: UInt16
    /// Samples the packets given so far decode to (48 kHz), the pre-skip among them: the
    /// granule position after the last packet (RFC 7845 §4).
    public private(set) var samplesGiven: Int64 = 0
    /// How much audio at most waits in memory before a page is written: one second.
    public static let flushSamples: Int64 = Int64(OpusSettings.sampleRate)

    private var fd: Int32
    private let stream: UnsafeMutablePointer<ogg_stream_state>
    private var packetNumber: Int64 = 0
    private var pending: (bytes: [UInt8], samples: Int)?
    private var samplesAtLastFlush: Int64 = 0

    /// Creates (or truncates) `path` and writes the two header pages. `serial` tells this
    /// logical stream from others (RFC 3533); any value will do for a file of one stream.
    public init(path: String, preSkip: UInt16, vendor: String, comments: [String] = [], serial: Int32) throws {
        self.path = path
        self.preSkip = preSkip
        let file = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw OggOpusError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        fd = file
        stream = .allocate(capacity: 1)
        ogg_stream_init(stream, serial)
        do {
            try submit(OggOpusHeaders.head(preSkip: preSkip), granule: 0, beginning: true, end: false)
            try writePages(flush: true)
            try submit(OggOpusHeaders.tags(vendor: vendor, comments: comments), granule: 0, beginning: false, end: false)
            try writePages(flush: true)
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
        stream.deallocate()
    }

    /// Appends one packet that decodes to `samples` samples (48 kHz).
    public func write(_ packet: UnsafeBufferPointer<UInt8>, samples: Int) throws {
        guard fd >= 0 else { throw OggOpusError.writeFailed(path: path, errno: EBADF) }
        try submitPending(end: false)
        pending = (Array(packet), samples)
    }

    /// Appends one packet that decodes to `samples` samples (48 kHz).
    public func write(_ packet: [UInt8], samples: Int) throws {
        try packet.withUnsafeBufferPointer { try write($0, samples: samples) }
    }

    /// Marks the last packet end-of-stream, writes what is left and closes the file. Safe to
    /// call twice.
    public func close() {
        guard fd >= 0 else { return }
        if pending != nil {
            try? submitPending(end: true)
            try? writePages(flush: true)
        }
        ogg_stream_clear(stream)
        Glibc.close(fd)
        fd = -1
    }

    private func submitPending(end: Bool) throws {
        guard let (bytes, samples) = pending else { return }
        pending = nil
        samplesGiven += Int64(samples)
        try submit(bytes, granule: samplesGiven, beginning: false, end: end)
        try writePages(flush: end || samplesGiven - samplesAtLastFlush >= Self.flushSamples)
    }

    private func submit(_ bytes: [UInt8], granule: Int64, beginning: Bool, end: Bool) throws {
        var bytes = bytes
        let status = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var packet = ogg_packet(packet: buffer.baseAddress, bytes: buffer.count, b_o_s: beginning ? 1 : 0,
                                    e_o_s: end ? 1 : 0, granulepos: granule, packetno: packetNumber)
            return ogg_stream_packetin(stream, &packet)
        }
        guard status == 0 else { throw OggOpusError.encoder(path: path, reason: "libogg refused a packet") }
        packetNumber += 1
    }

    /// Writes every page libogg has ready; with `flush`, also the page it is still filling.
    private func writePages(flush: Bool) throws {
        var page = ogg_page()
        while (flush ? ogg_stream_flush(stream, &page) : ogg_stream_pageout(stream, &page)) != 0 {
            try writeAll(page.header, page.header_len)
            try writeAll(page.body, page.body_len)
            let granule = ogg_page_granulepos(&page)
            if granule >= 0 { samplesAtLastFlush = granule }
        }
    }

    private func writeAll(_ base: UnsafeMutablePointer<UInt8>, _ count: Int) throws {
        var offset = 0
        while offset < count {
            let n = Glibc.write(fd, base + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw OggOpusError.writeFailed(path: path, errno: errno)
            }
            offset += n
        }
    }
}
