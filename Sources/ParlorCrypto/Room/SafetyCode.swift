/// A short code members read aloud to check they share the same keys, keeper, key holders and
/// relay (like Signal's safety numbers): 4 groups of 5 digits from
///
///     HKDF-SHA256(salt: room id ‖ relay public key, ikm: epoch secret,
///                 info: "parlor/1 safety code" ‖ roster digest(32) ‖ signer key(32) ‖ holders(4, BE), L: 20)
///
/// (the last three from the epoch's `EpochStatement`), each group the big-endian value of 5 bytes
/// modulo 100000. Every member of an epoch sees the same code; a relay that handed some members
/// another secret, another keeper's statement or a statement over another roster shows up as a
/// different code.
public enum SafetyCode {
    static let label = Array("parlor/1 safety code".utf8)
    static let groups = 4
    static let bytesPerGroup = 5
    static let groupModulus: UInt64 = 100_000

    /// The code, e.g. "01234 56789 00042 99999".
    public static func compute(roomID: [UInt8], relayPublicKey: [UInt8], epochSecret: [UInt8],
                               statement: EpochStatement) throws(CryptoError) -> String {
        let holders = (0..<4).reversed().map { UInt8(truncatingIfNeeded: statement.holders >> (8 * $0)) }
        let info = label + statement.rosterDigest + statement.signerKey + holders
        let okm = try HKDFSHA256.derive(salt: roomID + relayPublicKey, ikm: epochSecret, info: info,
                                        length: groups * bytesPerGroup)
        return (0..<groups).map { group in
            let chunk = okm[group * bytesPerGroup..<(group + 1) * bytesPerGroup]
            let value = chunk.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % groupModulus
            let digits = String(value)
            return String(repeating: "0", count: 5 - digits.count) + digits
        }.joined(separator: " ")
    }
}
