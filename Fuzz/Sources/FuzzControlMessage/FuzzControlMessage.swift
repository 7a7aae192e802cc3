import ParlorProtocol

/// One fuzz input: any bytes as a control message, as padded plaintext, and as an opened profile
/// card (a record in the same encoding). Whatever decodes must encode to something that decodes
/// to the same value.
func fuzzControlMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? ControlMessage.decode(bytes) {
        guard let again = try? ControlMessage.decode(message.encoded), again == message else {
            fatalError("control message did not round-trip: \(message)")
        }
    }
    // A sender may pad to a larger bucket than needed, so compare the messages, not the bytes.
    if let unpadded = try? ControlPadding.unpad(bytes) {
        guard let padded = try? ControlPadding.pad(unpadded), padded.count <= bytes.count,
              (try? ControlPadding.unpad(padded)) == unpadded else {
            fatalError("padding did not round-trip")
        }
    }
    if let card = try? ProfileCard.decode(bytes) {
        guard (try? ProfileCard.decode(card.encoded)) == card else { fatalError("profile card did not round-trip: \(card)") }
    }
    var reader = ControlFrameReader()
    reader.append(bytes)
    while reader.nextFrame() != nil {}
    return 0
}
