/// One member's SFrame state (RFC 9605 §4.4): the keys it holds by KID, a send counter per KID
/// it sends under, and a replay window per KID it receives from.
///
/// Parlor's KID is `epoch << 16 | sender_slot` (docs/PROTOCOL.md §SFrame).
public struct SFrameContext: Sendable {
    public let suite: SFrameSuite
    private var keys: [UInt64: SFrameKey] = [:]
    private var sendCounters: [UInt64: UInt64] = [:]
    private var windows: [UInt64: ReplayWindow] = [:]

    /// A context for `suite`; throws `unavailable` if this CPU cannot run it.
    public init(suite: SFrameSuite) throws(CryptoError) {
        guard suite.isAvailable else { throw CryptoError.unavailable("SFrame suite 0x\(String(suite.rawValue, radix: 16))") }
        self.suite = suite
    }

    /// Parlor's KID for a sender slot in an epoch (epoch < 2^48).
    public static func keyID(epoch: UInt64, senderSlot: UInt16) -> UInt64 {
        epoch << 16 | UInt64(senderSlot)
    }

    /// Installs the base key for `keyID` (replacing any earlier one, and its counters).
    public mutating func setKey(_ baseKey: [UInt8], keyID: UInt64) throws(CryptoError) {
        keys[keyID] = try SFrameKey(baseKey: baseKey, keyID: keyID, suite: suite)
        sendCounters[keyID] = 0
        windows[keyID] = ReplayWindow()
    }

    /// Forgets a key (e.g. every key of an epoch the room has left).
    public mutating func removeKey(keyID: UInt64) {
        keys[keyID] = nil
        sendCounters[keyID] = nil
        windows[keyID] = nil
    }

    /// Encrypts a frame under `keyID` with the next counter: `header ‖ ciphertext ‖ tag`.
    public mutating func protect(_ plaintext: [UInt8], keyID: UInt64, metadata: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard let counter = sendCounters[keyID] else { throw CryptoError.unknownKeyID(keyID) }
        guard counter != UInt64.max else { throw CryptoError.nonceExhausted }
        sendCounters[keyID] = counter + 1
        return try protect(plaintext, keyID: keyID, counter: counter, metadata: metadata)
    }

    /// Encrypts with an explicit counter (RFC 9605 §4.4.3). Tests use it to replay the RFC's vectors.
    func protect(_ plaintext: [UInt8], keyID: UInt64, counter: UInt64, metadata: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let key = keys[keyID] else { throw CryptoError.unknownKeyID(keyID) }
        let header = SFrameHeader(keyID: keyID, counter: counter).encoded
        return header + (try suite.seal(plaintext, key: key.key, nonce: key.nonce(counter: counter), ad: header + metadata))
    }

    /// Decrypts a frame (RFC 9605 §4.4.4): parses the header, refuses a replayed or too-old counter
    /// for that KID, checks the tag, then records the counter.
    public mutating func unprotect(_ frame: [UInt8], metadata: [UInt8] = []) throws(CryptoError) -> (header: SFrameHeader, plaintext: [UInt8]) {
        let (header, headerLength) = try SFrameHeader.decode(frame)
        guard let key = keys[header.keyID], var window = windows[header.keyID] else {
            throw CryptoError.unknownKeyID(header.keyID)
        }
        guard window.isFresh(header.counter) else { throw CryptoError.replayed(counter: header.counter) }
        let headerBytes = Array(frame.prefix(headerLength))
        let plaintext = try suite.open(Array(frame.dropFirst(headerLength)), key: key.key,
                                       nonce: key.nonce(counter: header.counter), ad: headerBytes + metadata)
        _ = window.accept(header.counter)
        windows[header.keyID] = window
        return (header, plaintext)
    }
}
