import ParlorCrypto

/// One fuzz input: any bytes as an SFrame header, and as a protected frame for a context that
/// holds one key. A decoded header's shortest encoding must decode to the same values.
func fuzzSFrameHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let (header, length) = try? SFrameHeader.decode(bytes) {
        guard length <= bytes.count, let (again, _) = try? SFrameHeader.decode(header.encoded), again == header else {
            fatalError("SFrame header did not round-trip")
        }
    }
    if var context = try? SFrameContext(suite: .chaCha20Poly1305SHA256) {
        try? context.setKey([UInt8](repeating: 1, count: 32), keyID: 0)
        _ = try? context.unprotect(bytes)
    }
    return 0
}
