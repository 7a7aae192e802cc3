/// One member's SFrame state (RFC 9605 §4.4): the keys it holds by KID, a send counter per KID
/// it sends under, and a replay window per KID it receives from.
///
/// Parlor's KID is `epoch << 16 | sender_slot` (docs/PROTOCOL.md §6.2). A key removed and later
/// installed again (the same base key for the same KID) resumes its counters: the send counter
/// where it stopped and the replay window past the newest counter received, so neither a nonce
/// nor a recorded frame is ever used twice (§6.4). That memory lasts until `forgetEpochs`.
///
/// A key's live counters are an object the context holds, so that protecting and unprotecting
/// update them without writing to a dictionary (the media path allocates nothing, not even in a
/// debug build). Copies of a context therefore share their keys' counters: a copy can never
/// send under a counter the original already used.
public struct SFrameContext: Sendable {
    /// Counters a receiver accepts are below 2^62, and a sender stops there: at 50 frames a
    /// second no speaker reaches it, and nothing near 2^64 reaches the arithmetic after it.
    public static let counterLimit: UInt64 = 1 << 62

    /// A key's counters, kept after it was removed.
    private struct Remembered: Sendable {
        var nextSendCounter: UInt64
        var highestReceived: UInt64?
    }

    /// A key, named by its KID and its derived key, so that a different key for the same KID
    /// (a new session's box key) starts afresh and the old one still resumes.
    private struct KeyName: Hashable, Sendable {
        let keyID: UInt64
        let key: SFrameKey
    }

    /// An installed key's counters: the next to send, and the replay window of those received.
    private final class Counters: @unchecked Sendable {
        var nextSend: UInt64
        var window: ReplayWindow

        init(nextSend: UInt64, window: ReplayWindow) {
            self.nextSend = nextSend
            self.window = window
        }
    }

    public let suite: SFrameSuite
    private var keys: [UInt64: SFrameKey] = [:]
    private var counters: [UInt64: Counters] = [:]
    private var remembered: [KeyName: Remembered] = [:]

    /// A context for `suite`; throws `unavailable` if this CPU cannot run it.
    public init(suite: SFrameSuite) throws(CryptoError) {
        guard suite.isAvailable else { throw CryptoError.unavailable("SFrame suite 0x\(String(suite.rawValue, radix: 16))") }
        self.suite = suite
    }

    /// Parlor's KID for a sender slot in an epoch (epoch < 2^48).
    public static func keyID(epoch: UInt64, senderSlot: UInt16) -> UInt64 {
        epoch << 16 | UInt64(senderSlot)
    }

    /// The epoch a KID belongs to.
    public static func epoch(of keyID: UInt64) -> UInt64 {
        keyID >> 16
    }

    /// Installs the base key for `keyID`, replacing any other one. Counters start at 0 for a key
    /// never used, and resume for a key used before (see the type's note).
    public mutating func setKey(_ baseKey: [UInt8], keyID: UInt64) throws(CryptoError) {
        let key = try SFrameKey(baseKey: baseKey, keyID: keyID, suite: suite)
        if keys[keyID] == key { return }
        removeKey(keyID: keyID)
        keys[keyID] = key
        let memory = remembered.removeValue(forKey: KeyName(keyID: keyID, key: key))
        counters[keyID] = Counters(nextSend: memory?.nextSendCounter ?? 0,
                                   window: memory?.highestReceived.map { ReplayWindow(refusingThrough: $0) } ?? ReplayWindow())
    }

    /// Stops using a key (e.g. its member left the stage). Its counters are remembered if it
    /// was used, until `forgetEpochs` drops its epoch.
    public mutating func removeKey(keyID: UInt64) {
        guard let key = keys.removeValue(forKey: keyID) else { return }
        let removed = counters.removeValue(forKey: keyID)
        let sent = removed?.nextSend ?? 0
        let highest = removed?.window.highestAccepted
        if sent > 0 || highest != nil {
            remembered[KeyName(keyID: keyID, key: key)] = Remembered(nextSendCounter: sent, highestReceived: highest)
        }
    }

    /// Forgets every key, and every remembered counter, of the epochs not in `kept` (epochs a
    /// member no longer holds never come back).
    public mutating func forgetEpochs(keeping kept: Set<UInt64>) {
        for keyID in keys.keys where !kept.contains(Self.epoch(of: keyID)) {
            keys[keyID] = nil
            counters[keyID] = nil
        }
        remembered = remembered.filter { kept.contains(Self.epoch(of: $0.key.keyID)) }
    }

    /// The counter the next `protect` under `keyID` will use.
    public func nextCounter(keyID: UInt64) throws(CryptoError) -> UInt64 {
        guard let state = counters[keyID] else { throw CryptoError.unknownKeyID(keyID) }
        return state.nextSend
    }

    /// Encrypts a frame under `keyID` with the next counter: `header ‖ ciphertext ‖ tag`.
    public mutating func protect(_ plaintext: [UInt8], keyID: UInt64, metadata: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard let state = counters[keyID] else { throw CryptoError.unknownKeyID(keyID) }
        let counter = state.nextSend
        guard counter < Self.counterLimit else { throw CryptoError.nonceExhausted }
        state.nextSend = counter + 1
        return try protect(plaintext, keyID: keyID, counter: counter, metadata: metadata)
    }

    /// Encrypts with an explicit counter (RFC 9605 §4.4.3). Tests use it to replay the RFC's vectors.
    func protect(_ plaintext: [UInt8], keyID: UInt64, counter: UInt64, metadata: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let key = keys[keyID] else { throw CryptoError.unknownKeyID(keyID) }
        let header = SFrameHeader(keyID: keyID, counter: counter).encoded
        return header + (try suite.seal(plaintext, key: key.key, nonce: key.nonce(counter: counter), ad: header + metadata))
    }

    /// Encrypts a frame under `keyID` with the next counter into `out` (`header ‖ ciphertext ‖
    /// tag`, at most `SFrameHeader.maximumLength + plaintext.count + tag` bytes); returns its
    /// length. The media path's send side: it allocates nothing. `out` must not overlap `plaintext`.
    public mutating func protect(_ plaintext: UnsafeRawBufferPointer, keyID: UInt64,
                                 into out: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        guard let state = counters[keyID], let key = keys[keyID] else { throw CryptoError.unknownKeyID(keyID) }
        let counter = state.nextSend
        guard counter < Self.counterLimit else { throw CryptoError.nonceExhausted }
        let headerLength = try SFrameHeader(keyID: keyID, counter: counter).encode(into: out)
        state.nextSend = counter + 1
        let suite = suite
        var nonce = Self.emptyNonce
        let sealed = withUnsafeMutableBytes(of: &nonce) { nonce in
            key.nonce(counter: counter, into: nonce)
            return key.key.withUnsafeBytes { k in
                Result { () throws(CryptoError) -> Int in
                    try suite.aead.seal(plaintext, key: k, nonce: UnsafeRawBufferPointer(nonce),
                                        ad: UnsafeRawBufferPointer(rebasing: out[..<headerLength]),
                                        into: UnsafeMutableRawBufferPointer(rebasing: out[headerLength...]))
                }
            }
        }
        return headerLength + (try sealed.get())
    }

    /// Decrypts a frame where it lies (RFC 9605 §4.4.4, as `unprotect(_:)`): returns its header
    /// and where in `frame` the plaintext now is. The media path's receive side: it allocates
    /// nothing. On failure the ciphertext is left as it was and no counter is recorded.
    public mutating func unprotect(in frame: UnsafeMutableRawBufferPointer) throws(CryptoError) -> (header: SFrameHeader, plaintext: Range<Int>) {
        let (header, headerLength) = try SFrameHeader.decode(UnsafeRawBufferPointer(frame))
        guard header.counter < Self.counterLimit else { throw CryptoError.counterOutOfRange(header.counter) }
        guard let key = keys[header.keyID], let state = counters[header.keyID] else { throw CryptoError.unknownKeyID(header.keyID) }
        guard state.window.isFresh(header.counter) else { throw CryptoError.replayed(counter: header.counter) }
        let suite = suite
        var nonce = Self.emptyNonce
        let opened = withUnsafeMutableBytes(of: &nonce) { nonce in
            key.nonce(counter: header.counter, into: nonce)
            return key.key.withUnsafeBytes { k in
                Result { () throws(CryptoError) -> Int in
                    try suite.aead.open(inPlace: UnsafeMutableRawBufferPointer(rebasing: frame[headerLength...]), key: k,
                                        nonce: UnsafeRawBufferPointer(nonce), ad: UnsafeRawBufferPointer(rebasing: frame[..<headerLength]))
                }
            }
        }
        let length = try opened.get()
        _ = state.window.accept(header.counter)
        return (header, headerLength ..< headerLength + length)
    }

    /// Room for a nonce on the stack: Nn is 12 bytes in every suite Parlor implements.
    private static let emptyNonce: (UInt32, UInt32, UInt32) = (0, 0, 0)

    /// Decrypts a frame (RFC 9605 §4.4.4): parses the header, refuses a counter at or above
    /// `counterLimit` and a replayed or too-old counter for that KID, checks the tag, then
    /// records the counter.
    public mutating func unprotect(_ frame: [UInt8], metadata: [UInt8] = []) throws(CryptoError) -> (header: SFrameHeader, plaintext: [UInt8]) {
        let (header, headerLength) = try SFrameHeader.decode(frame)
        guard header.counter < Self.counterLimit else { throw CryptoError.counterOutOfRange(header.counter) }
        guard let key = keys[header.keyID], let state = counters[header.keyID] else {
            throw CryptoError.unknownKeyID(header.keyID)
        }
        guard state.window.isFresh(header.counter) else { throw CryptoError.replayed(counter: header.counter) }
        let headerBytes = Array(frame.prefix(headerLength))
        let plaintext = try suite.open(Array(frame.dropFirst(headerLength)), key: key.key,
                                       nonce: key.nonce(counter: header.counter), ad: headerBytes + metadata)
        _ = state.window.accept(header.counter)
        return (header, plaintext)
    }
}
