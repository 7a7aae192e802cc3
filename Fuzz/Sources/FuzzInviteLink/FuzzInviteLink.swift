import ParlorProtocol

/// One fuzz input: any bytes as link text. A link that parses must print back to text that
/// parses to the same link.
func fuzzInviteLink(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let link = try? InviteLink.parse(text) else { return 0 }
    guard let again = try? InviteLink.parse(link.text), again == link else {
        fatalError("a parsed link did not survive printing: \(link.text)")
    }
    return 0
}
