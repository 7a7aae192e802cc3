import CDatagramBatch
import Glibc
import NIOCore

/// A media peer's UDP address in the form sendmmsg takes: converted from NIO's `SocketAddress`
/// once per datagram received from the peer (a copy of at most 28 bytes) and kept, so that the
/// fan-out copies it into each of its datagrams without converting again.
typealias DatagramAddress = parlor_datagram_address

extension DatagramAddress {
    /// `address` as a socket address; nil for a kind that is not IPv4 or IPv6.
    init?(_ address: SocketAddress) {
        var converted = parlor_datagram_address()
        let fits = address.withSockAddr { pointer, length in
            guard length <= MemoryLayout<sockaddr_in6>.size else { return false }
            withUnsafeMutableBytes(of: &converted.storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: length)) }
            converted.length = socklen_t(length)
            return true
        }
        guard fits else { return nil }
        self = converted
    }

    /// Whether both name the same address and port.
    func matches(_ other: DatagramAddress) -> Bool {
        guard length == other.length else { return false }
        return withUnsafeBytes(of: storage) { x in
            withUnsafeBytes(of: other.storage) { y in memcmp(x.baseAddress!, y.baseAddress!, Int(length)) == 0 }
        }
    }
}
