import Testing
@testable import ParlorCrypto

/// RFC 5869 Appendix A, the SHA-256 cases (A.4–A.7 are SHA-1, which Parlor does not use).
/// HKDF-SHA-512 is checked through RFC 9605's suite 5 vector in SFrameTests.
@Suite struct HKDFTests {
    struct Case: Sendable {
        let ikm, salt, info: [UInt8]
        let length: Int
        let prk, okm: String
    }

    static let cases = [
        Case(ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c), info: Array(0xf0...0xf9), length: 42,
             prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
             okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Case(ikm: Array(0x00...0x4f), salt: Array(0x60...0xaf), info: Array(0xb0...0xff), length: 82,
             prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
             okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"),
        Case(ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], length: 42,
             prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
             okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
    ]

    @Test(arguments: cases)
    func rfc5869SHA256(_ vector: Case) throws {
        let prk = HKDFSHA256.extract(salt: vector.salt, ikm: vector.ikm)
        #expect(prk.hex == vector.prk)
        #expect(try HKDFSHA256.expand(prk: prk, info: vector.info, length: vector.length).hex == vector.okm)
        #expect(try HKDFSHA256.derive(salt: vector.salt, ikm: vector.ikm, info: vector.info, length: vector.length).hex == vector.okm)
    }

    @Test func outputLongerThan255HashLengthsIsRefused() {
        #expect(throws: CryptoError.outputTooLong(requested: 255 * 32 + 1, maximum: 255 * 32)) {
            try HKDFSHA256.expand(prk: [UInt8](repeating: 1, count: 32), info: [], length: 255 * 32 + 1)
        }
        #expect(throws: CryptoError.outputTooLong(requested: 255 * 64 + 1, maximum: 255 * 64)) {
            try HKDFSHA512.expand(prk: [UInt8](repeating: 1, count: 64), info: [], length: 255 * 64 + 1)
        }
        #expect((try? HKDFSHA512.expand(prk: [1], info: [], length: 255 * 64))?.count == 255 * 64)
    }

    /// HMAC-BLAKE2b built here against RFC 2104 computed by Python's hmac + hashlib.blake2b.
    @Test func hmacBLAKE2bMatchesPythonsHMAC() {
        let tag = HMACBLAKE2b.authenticate(Array("message".utf8), key: Array("key".utf8))
        #expect(tag.hex == Self.pythonHMACBLAKE2b)
        let longKey = [UInt8](repeating: 0xaa, count: 200)
        #expect(HMACBLAKE2b.authenticate([1, 2, 3], key: longKey).hex == Self.pythonHMACBLAKE2bLongKey)
    }

    static let pythonHMACBLAKE2b = "04e9ada930688cde75eec939782eed653073dd621d7643f813702976257cf037d325b50eedd417c01b6ad1f978fbe2980a93d27d854044e8626df6fa279d6680"
    static let pythonHMACBLAKE2bLongKey = "a4d746c9e97d5b280469dee388da20eecebd8a7d83790ae36a9479795123e2646716f67789292a9675b3c0bb9d8d7efb11d8140c007258f5f5f227d7805a3de8"
}
