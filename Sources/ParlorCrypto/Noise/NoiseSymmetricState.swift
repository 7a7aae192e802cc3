/// A Noise SymmetricState (Noise specification §5.2) for BLAKE2b: chaining key `ck`, handshake
/// hash `h` and the CipherState they key.
struct NoiseSymmetricState: Sendable {
    /// HASHLEN for BLAKE2b.
    static let hashLength = BLAKE2b.maximumOutputLength
    /// ChaChaPoly keys are 32 bytes; HKDF outputs are truncated to this (Noise §5.2 MixKey).
    static let cipherKeyLength = ChaCha20Poly1305.keyLength

    private(set) var chainingKey: [UInt8]
    private(set) var handshakeHash: [UInt8]
    private var cipher = NoiseCipherState(key: nil)

    /// InitializeSymmetric(protocol_name).
    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= Self.hashLength {
            handshakeHash = name + [UInt8](repeating: 0, count: Self.hashLength - name.count)
        } else {
            handshakeHash = Self.hash(name)
        }
        chainingKey = handshakeHash
    }

    /// MixKey(input_key_material).
    mutating func mixKey(_ inputKeyMaterial: [UInt8]) throws(CryptoError) {
        let (nextChainingKey, tempKey) = try Self.hkdf(chainingKey, inputKeyMaterial)
        chainingKey = nextChainingKey
        cipher = NoiseCipherState(key: Array(tempKey.prefix(Self.cipherKeyLength)))
    }

    /// MixHash(data).
    mutating func mixHash(_ data: [UInt8]) {
        handshakeHash = Self.hash(handshakeHash + data)
    }

    /// EncryptAndHash(plaintext).
    mutating func encryptAndHash(_ plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        let ciphertext = try cipher.encrypt(plaintext, ad: handshakeHash)
        mixHash(ciphertext)
        return ciphertext
    }

    /// DecryptAndHash(ciphertext).
    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        let plaintext = try cipher.decrypt(ciphertext, ad: handshakeHash)
        mixHash(ciphertext)
        return plaintext
    }

    /// Split(): the initiator-to-responder and responder-to-initiator cipher states.
    func split() throws(CryptoError) -> (NoiseCipherState, NoiseCipherState) {
        let (first, second) = try Self.hkdf(chainingKey, [])
        return (NoiseCipherState(key: Array(first.prefix(Self.cipherKeyLength))),
                NoiseCipherState(key: Array(second.prefix(Self.cipherKeyLength))))
    }

    /// Noise's HKDF(chaining_key, input_key_material, 2): RFC 5869 with the chaining key as salt
    /// and empty info.
    private static func hkdf(_ chainingKey: [UInt8], _ inputKeyMaterial: [UInt8]) throws(CryptoError) -> ([UInt8], [UInt8]) {
        let output = try HKDF<HMACBLAKE2b>.derive(salt: chainingKey, ikm: inputKeyMaterial, info: [], length: 2 * hashLength)
        return (Array(output.prefix(hashLength)), Array(output.suffix(hashLength)))
    }

    private static func hash(_ data: [UInt8]) -> [UInt8] {
        // Unkeyed 64-byte BLAKE2b cannot fail.
        (try? BLAKE2b.hash(data)) ?? []
    }
}
