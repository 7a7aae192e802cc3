import Glibc
import ParlorProtocol

/// A relay's address resolved for a socket (IPv4 or IPv6, through `getaddrinfo` for names).
struct RelayEndpoint {
    let family: Int32
    private(set) var storage: sockaddr_storage
    let length: socklen_t

    struct ResolveError: Error, CustomStringConvertible {
        let description: String
    }

    init(_ address: RelayAddress) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.hostString, String(address.port), &hints, &found)
        guard status == 0, let first = found else {
            throw ResolveError(description: "cannot resolve \(address.hostString): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen))) }
        self.storage = storage
        family = first.pointee.ai_family
        length = first.pointee.ai_addrlen
    }

    /// The same address with another port (the relay's UDP port from `media_setup`).
    func with(port: UInt16) -> RelayEndpoint {
        var copy = self
        withUnsafeMutableBytes(of: &copy.storage) { raw in
            if family == AF_INET6 {
                raw.storeBytes(of: port.bigEndian, toByteOffset: MemoryLayout<sockaddr_in6>.offset(of: \.sin6_port)!, as: UInt16.self)
            } else {
                raw.storeBytes(of: port.bigEndian, toByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_port)!, as: UInt16.self)
            }
        }
        return copy
    }

    /// Connects `fd` to this address.
    func connect(_ fd: Int32) -> Bool {
        withUnsafeBytes(of: storage) { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) == 0
        }
    }
}
