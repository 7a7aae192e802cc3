import Foundation
import Glibc
import ParlorClient
import ParlorCrypto
import ParlorProtocol

/// A relay session for the benches and the relay's tests: the product's wire client
/// (`ControlConnection`: TCP, Noise NK with the cookie retry, padded control messages) read on the
/// caller's thread, and a UDP socket of its own for media. It speaks the wire protocol directly
/// (docs/PROTOCOL.md), with no room logic: `parlor bench relay` opens thousands of them as
/// listeners, and the relay's tests use it as a client nobody else built on.
public final class RelaySocketSession {
    public typealias Timeout = ControlConnection.Timeout
    /// The relay refused the handshake even with a cookie (its per-address rate).
    public typealias Refused = ControlConnection.TooBusy

    public let control: ControlConnection
    public let udp: Int32
    let relayPort: UInt16
    /// The member key: fresh, or the room's host key for the session that creates a room.
    public let member: Ed25519SigningKey
    let box = X25519KeyPair.generate()
    let receiverIndex = UInt32.random(in: 1...UInt32.max)
    public private(set) var mediaSender: MediaSender?
    public private(set) var mediaReceiver: MediaReceiver

    /// The control connection's TCP socket (the bad-input campaign writes to it directly).
    public var tcp: Int32 { control.fd }
    /// The control connection's Noise transport (the bad-input campaign seals frames of its own).
    public var transport: NoiseTransport {
        get { control.transport }
        set { control.transport = newValue }
    }
    /// Whether the relay was over its handshake rate and this session got in with a cookie.
    public var neededCookie: Bool { control.neededCookie }

    public init(port: UInt16, relayKey: [UInt8], member: Ed25519SigningKey = .generate()) throws {
        self.member = member
        relayPort = port
        control = try ControlConnection(address: RelayAddress(host: .ipv4("127.0.0.1"), port: port), relayKey: relayKey)
        let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var any = Loopback.address(port: 0)
        _ = withUnsafePointer(to: &any) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(udp, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(udp, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.udp = udp
        mediaReceiver = MediaReceiver(key: control.mediaKeys.receiving, receiverIndex: receiverIndex)
    }

    deinit {
        close(udp)
    }

    public var memberKey: [UInt8] { member.publicKey }

    public func send(_ message: ControlMessage) throws {
        try control.send(message)
    }

    /// The next control message, or `Timeout`.
    public func receive(within seconds: Double = 5) throws -> ControlMessage {
        try control.receive(within: seconds)
    }

    /// Reads messages until one matches, returning it (others are skipped).
    public func receive<T>(within seconds: Double = 5, _ match: (ControlMessage) throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let found = try match(try receive(within: deadline.timeIntervalSinceNow)) { return found }
        }
        throw Timeout()
    }

    /// Sends `media_setup` and waits for the relay's answer; media can then flow by UDP.
    public func setUpMedia() throws {
        try send(.mediaSetup(MediaSetup(receiverIndex: receiverIndex)))
        let setup = try receive { if case .mediaSetup(let s) = $0 { s } else { nil } }
        mediaSender = MediaSender(key: control.mediaKeys.sending, peerReceiverIndex: setup.receiverIndex)
        try sendKeepalive()
        for _ in 0..<25 {
            if let bytes = try receiveDatagram() {
                _ = try mediaReceiver.open(bytes)
                return
            }
        }
        throw Timeout()
    }

    /// The relay refused a request with an `error` message.
    public struct Refusal: Error, CustomStringConvertible {
        public let error: ErrorMessage
        public var code: ErrorMessage.Code? { ErrorMessage.Code(rawValue: error.code) }
        public var description: String { "refused with error \(error.code): \(error.text)" }
    }

    /// The public box key this session's joins bind.
    public var boxKey: [UInt8] { box.publicKey }

    /// A `join` for `roomID` signed for this session, admitted by `link` (nil for the host).
    public func joinMessage(roomID: [UInt8], link: InviteLink.Admission?, grant: Grant? = nil, profile: [UInt8]? = nil) -> Join {
        Join(roomID: roomID, signingKey: member, boxKey: box.publicKey, grant: grant,
             handshakeHash: control.handshakeHash, profile: profile, link: link)
    }

    /// Joins `room` by its speak link for `.speaker`, its listen link otherwise (or as host when
    /// this session's member key is the host key).
    public func join(room: BenchRoom, as role: Role = .listener, grant: Grant? = nil, profile: [UInt8]? = nil) throws -> Joined {
        let link = member.publicKey == room.host.publicKey ? nil : (role >= .speaker ? room.speakLink : room.listenLink)
        return try join(joinMessage(roomID: room.roomID, link: link, grant: grant, profile: profile))
    }

    /// Sends `join` and waits for `joined`; an error in reply to it is a `Refusal`.
    public func join(_ join: Join) throws -> Joined {
        try send(.join(join))
        return try receiveJoined()
    }

    /// Creates `room` (this session's member key must be its host key) and joins it as host.
    @discardableResult
    public func create(room: BenchRoom, listed: Bool = false, title: [UInt8]? = nil) throws -> Joined {
        try send(.createRoom(CreateRoom(roomID: room.roomID, hostKey: member.publicKey, listed: listed, directoryTitle: title,
                                        charter: room.charter)))
        return try join(joinMessage(roomID: room.roomID, link: nil))
    }

    private func receiveJoined() throws -> Joined {
        try receive { message throws -> Joined? in
            switch message {
            case .joined(let joined): return joined
            case .error(let error) where error.inReplyToType == .createRoom || error.inReplyToType == .join:
                throw Refusal(error: error)
            default: return nil
            }
        }
    }

    /// Tells the relay this session's UDP still works (clients do it every few seconds; the relay
    /// falls back to TCP for members it has not heard from by UDP for 15 s).
    public func sendKeepalive() throws {
        try sendDatagram(try mediaSender!.seal([0], kind: .keepalive))
    }

    public func sendMedia(_ frame: [UInt8]) throws {
        try sendDatagram(try mediaSender!.seal(try MediaPayload(senderSlot: 0, sframe: frame).encoded()))
    }

    public func sendDatagram(_ bytes: [UInt8]) throws {
        var address = Loopback.address(port: relayPort)
        let udp = self.udp
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(udp, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == bytes.count else { throw POSIXError(.EIO) }
    }

    /// The next datagram's bytes, or nil after the socket's 200 ms timeout.
    public func receiveDatagram() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        let n = recv(udp, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer.prefix(n)) : nil
    }

    /// The next media payload received by UDP, decrypted and checked (keepalives are skipped).
    public func receiveMedia() throws -> MediaPayload? {
        while let bytes = try receiveDatagram() {
            let opened = try mediaReceiver.open(bytes)
            if opened.kind == .media { return try MediaPayload.decode(opened.payload) }
        }
        return nil
    }
}

/// A room as the bench and campaign clients make it: the host's key names it, its charter lists
/// a listen link and a speak link, and each link is its own key with the host's grant, as in
/// link v2 (docs/PROTOCOL.md §7).
public struct BenchRoom: @unchecked Sendable {
    public let host: Ed25519SigningKey
    public let roomID: [UInt8]
    public let listenLink: InviteLink.Admission
    public let speakLink: InviteLink.Admission
    public let charter: RoomCharter

    /// A new room whose links are valid for `linkSeconds`.
    public init(linkSeconds: UInt64 = 86_400) throws {
        let host = Ed25519SigningKey.generate()
        let roomID = try RoomKeys.roomID(hostKey: host.publicKey)
        let expiry = UInt64(Date().timeIntervalSince1970) + linkSeconds
        let listen = try Self.link(roomID: roomID, host: host, role: .listener, expiry: expiry)
        let speak = try Self.link(roomID: roomID, host: host, role: .speaker, expiry: expiry)
        try self.init(host: host, listenLink: listen, speakLink: speak, version: 1)
    }

    public init(host: Ed25519SigningKey, listenLink: InviteLink.Admission, speakLink: InviteLink.Admission, version: UInt64) throws {
        self.host = host
        roomID = try RoomKeys.roomID(hostKey: host.publicKey)
        self.listenLink = listenLink
        self.speakLink = speakLink
        charter = try RoomCharter(roomID: roomID, version: version,
                                  linkKeys: [listenLink.linkKey.publicKey, speakLink.linkKey.publicKey], host: host)
    }

    /// A fresh link key with the host's grant for `role`.
    public static func link(roomID: [UInt8], host: Ed25519SigningKey, role: Role, expiry: UInt64) throws -> InviteLink.Admission {
        let key = Ed25519SigningKey.generate()
        return InviteLink.Admission(linkKey: key, grant: try Grant(roomID: roomID, memberKey: key.publicKey, role: role,
                                                                   expiry: expiry, signer: host))
    }

    /// The room after the host replaced its listen link (as after a ban), with a higher version.
    public func replacingListenLink() throws -> BenchRoom {
        let fresh = try Self.link(roomID: roomID, host: host, role: .listener, expiry: listenLink.grant.expiry)
        return try BenchRoom(host: host, listenLink: fresh, speakLink: speakLink, version: charter.version + 1)
    }
}
