import Glibc
import NIOCore

extension SocketAddress {
    /// The IP address alone, as bytes (4 for IPv4, 16 for IPv6): what a handshake cookie binds.
    /// The port is left out because a client retries on a new connection, from a new port.
    var hostBytes: [UInt8]? {
        switch self {
        case .v4(let address): withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .v6(let address): withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: nil
        }
    }
}
