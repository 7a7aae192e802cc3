import Glibc

/// Where a relay listens: a host (IPv4 literal, IPv6 literal, or DNS name) and a port.
public struct RelayAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Host: Sendable, Equatable {
        case ipv4(String)
        case ipv6(String)
        case name(String)
    }

    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 literal.
    public var description: String {
        switch host {
        case let .ipv4(address), let .name(address): "\(address):\(port)"
        case let .ipv6(address): "[\(address)]:\(port)"
        }
    }

    /// The host as a resolver takes it (no brackets).
    public var hostString: String {
        switch host {
        case let .ipv4(address), let .ipv6(address), let .name(address): address
        }
    }

    /// Parses `HOST:PORT` or `[IPv6]:PORT`.
    static func parse(_ authority: Substring) throws(ParlorProtocolError) -> RelayAddress {
        guard !authority.isEmpty else { throw ParlorProtocolError.invalidLink("the relay address is missing") }
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw ParlorProtocolError.invalidLink("the IPv6 address has no closing bracket")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else {
                throw ParlorProtocolError.invalidLink("unexpected text after the IPv6 address")
            }
            portPart = rest.isEmpty ? nil : rest.dropFirst()
            guard isIPv6(hostPart) else { throw ParlorProtocolError.invalidLink("\"\(hostPart)\" is not an IPv6 address") }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else {
                throw ParlorProtocolError.invalidLink("an IPv6 address must be in brackets, e.g. [::1]:7000")
            }
            hostPart = pieces[0]
            portPart = pieces.count == 2 ? pieces[1] : nil
        }
        guard let portPart else { throw ParlorProtocolError.invalidLink("the port is missing (expected HOST:PORT)") }
        guard !portPart.isEmpty, portPart.utf8.count <= 5, portPart.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw ParlorProtocolError.invalidLink("the port \"\(portPart)\" is not a number")
        }
        guard let number = Int(portPart), (1...65535).contains(number) else {
            throw ParlorProtocolError.invalidLink("the port \(portPart) is out of range (1–65535)")
        }
        return RelayAddress(host: try host(hostPart, bracketed: authority.hasPrefix("[")), port: UInt16(number))
    }

    private static func host(_ text: Substring, bracketed: Bool) throws(ParlorProtocolError) -> Host {
        if bracketed { return .ipv6(String(text)) }
        guard !text.isEmpty else { throw ParlorProtocolError.invalidLink("the host is missing") }
        if text.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") }) {
            guard isIPv4(text) else { throw ParlorProtocolError.invalidLink("\"\(text)\" is not an IPv4 address") }
            return .ipv4(String(text))
        }
        guard isHostName(text) else { throw ParlorProtocolError.invalidLink("\"\(text)\" is not a valid host name") }
        return .name(String(text).lowercased())
    }

    /// Four decimal numbers 0–255 without leading zeros.
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard (1...3).contains(part.count), let value = Int(part), value <= 255 else { return false }
            return part.count == 1 || part.first != "0"
        }
    }

    static func isIPv6(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count < Int(INET6_ADDRSTRLEN) else { return false }
        var address = in6_addr()
        return inet_pton(AF_INET6, String(text), &address) == 1
    }

    /// RFC 1123 host name: labels of 1–63 letters, digits and hyphens, not starting or ending
    /// with a hyphen; 253 characters at most.
    static func isHostName(_ text: Substring) -> Bool {
        guard text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            return label.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || byte == UInt8(ascii: "-")
            }
        }
    }
}
