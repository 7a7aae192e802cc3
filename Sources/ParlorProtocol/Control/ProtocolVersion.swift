/// The version of Parlor's wire protocol this build speaks (docs/PROTOCOL.md).
public enum ProtocolVersion {
    /// Version 1: Noise NK control over TCP, Noise-keyed media datagrams over UDP, SFrame inside.
    public static let current: UInt8 = 1
}
