import Glibc

/// 127.0.0.1, where the benchmarks, the soak and the tests reach the relays they start.
public enum Loopback {
    /// 127.0.0.1:`port` as a socket address.
    public static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
