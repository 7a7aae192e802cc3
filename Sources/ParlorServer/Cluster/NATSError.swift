import CNATS

/// A call into the NATS C client that did not return `NATS_OK`: its status and the text the
/// library set for this thread.
public struct NATSError: Error, CustomStringConvertible, Sendable {
    public let status: UInt32
    public let text: String

    init(_ status: natsStatus) {
        self.status = status.rawValue
        let last = nats_GetLastError(nil).map { String(cString: $0) } ?? ""
        text = last.isEmpty ? String(cString: natsStatus_GetText(status)) : last
    }

    public var description: String { "NATS error \(status): \(text)" }

    /// Throws unless `status` is `NATS_OK`.
    static func check(_ status: natsStatus) throws(NATSError) {
        guard status == NATS_OK else { throw NATSError(status) }
    }

    /// JetStream refused a write whose expected revision was not the key's latest: someone else
    /// wrote first (a compare-and-set that lost).
    var isWrongRevision: Bool {
        status == NATS_ERR.rawValue && text.contains("wrong last sequence")
    }
}
