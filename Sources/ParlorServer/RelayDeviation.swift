import ParlorProtocol

/// A test seam: a relay that deviates from the protocol, so that the tests can try the attacks of
/// docs/PROTOCOL.md §11 with the real relay against real clients. Production relays never set it
/// (`RelayServer.Configuration.deviation` is nil by default, and then costs one nil check per
/// message sent).
public struct RelayDeviation: Sendable {
    /// Whom a control message is going to, as the relay knows it.
    public struct Recipient: Sendable {
        /// The relay's number for the control session, in order of connection from 1.
        public let session: UInt64
        /// The member key of the session's member, once it is in a room.
        public let memberKey: [UInt8]?
    }

    /// Called on the relay's event loop for each control message about to be sent to a session,
    /// `media_over_tcp` included (not the `server_closing` of a relay that stops): the messages
    /// to send instead, in order. `[message]` is the honest relay, `[]` drops the message. (Its
    /// own messages, at any time, a deviating relay sends with `RelayServer.inject`.)
    public var outbound: @Sendable (ControlMessage, Recipient) -> [ControlMessage]

    public init(outbound: @escaping @Sendable (ControlMessage, Recipient) -> [ControlMessage]) {
        self.outbound = outbound
    }
}
