/// Every limit the relay enforces, with defaults sized for one small machine hosting rooms of up to
/// Clubhouse's 5,000-member cap. All are settable from the configuration file (`RelayConfigurationFile`).
public struct RelayLimits: Sendable, Equatable {
    /// Rooms open at once.
    public var maxRooms = 10_000
    /// Members (any role) in one room.
    public var maxMembersPerRoom = 8_000
    /// Members on stage (speakers, moderators, host) in one room.
    public var maxSpeakersPerRoom = 20
    /// Control sessions open at once, across all rooms.
    public var maxSessions = 20_000
    /// The largest control message accepted, in bytes of Noise ciphertext.
    public var maxControlMessageBytes = 16_384 + 16
    /// The largest media datagram accepted, in bytes.
    public var maxDatagramBytes = 1_400
    /// Control messages per second one session may send, sustained; `controlBurst` at once.
    public var controlMessagesPerSecond = 50
    public var controlBurst = 100
    /// Media packets per second one speaker may send (20 ms frames are 50/s, 10 ms frames 100/s).
    public var mediaPacketsPerSecond = 100
    public var mediaBurst = 200
    /// Chat and reaction blobs per second one session may send (each goes to the whole room).
    public var blobsPerSecond = 5
    public var blobBurst = 20
    /// Joins per second one session may send, sustained; `joinBurst` at once (a join/leave loop
    /// would otherwise burn a room's 65,534 sender slots in seconds).
    public var joinsPerSecond = 1
    public var joinBurst = 3
    /// New handshakes per second before the relay answers with cookie replies instead (WireGuard-style).
    public var handshakesPerSecond = 500
    /// Above `handshakesPerSecond`: handshakes per second one IP address may make with a valid cookie.
    public var addressHandshakesPerSecond = 5
    /// Seconds a control session may stay silent before it is closed (clients ping every 10 s).
    public var idleTimeoutSeconds = 45
    /// Seconds a session may take to finish its handshake and join.
    public var handshakeTimeoutSeconds = 10
    /// Seconds the relay waits, on SIGTERM, for clients to leave after telling them it closes.
    public var drainSeconds = 5

    public init() {}
}
