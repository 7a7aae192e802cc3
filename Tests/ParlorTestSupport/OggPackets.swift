import Foundation

/// Reads an Ogg file's pages and packets by RFC 3533 alone — no libogg — so that tests check
/// Parlor's Ogg writers against an independent reading.
public struct OggPackets {
    public struct Page {
        public let headerType: UInt8
        public let granule: Int64
        public let serial: UInt32
        public let sequence: UInt32
        /// RFC 3533: the page ends its logical stream.
        public var endOfStream: Bool { headerType & 0x04 != 0 }
    }

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    public private(set) var pages: [Page] = []
    /// Every packet, in order (headers included).
    public private(set) var packets: [[UInt8]] = []

    public init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var at = 0
        var partial: [UInt8] = []
        func le<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            (0..<MemoryLayout<T>.size).reduce(T(0)) { $0 | T(bytes[offset + $1]) << (8 * $1) }
        }
        while at < bytes.count {
            guard at + 27 <= bytes.count, bytes[at..<at + 4] == [0x4F, 0x67, 0x67, 0x53][...] else {
                throw Malformed(description: "no page at byte \(at)")
            }
            let segments = Int(bytes[at + 26])
            let table = Array(bytes[(at + 27)..<(at + 27 + segments)])
            var body = at + 27 + segments
            guard body + table.reduce(0, { $0 + Int($1) }) <= bytes.count else { throw Malformed(description: "page at \(at) cut short") }
            pages.append(Page(headerType: bytes[at + 5], granule: le(at + 6, Int64.self), serial: le(at + 14, UInt32.self),
                              sequence: le(at + 18, UInt32.self)))
            for lacing in table {
                partial += bytes[body..<body + Int(lacing)]
                body += Int(lacing)
                if lacing < 255 {
                    packets.append(partial)
                    partial = []
                }
            }
            at = body
        }
    }
}
