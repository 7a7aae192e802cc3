/// What can be read from an Opus packet's bytes without decoding it (RFC 6716 §3).
public enum OpusPacket {
    /// Whether the packet carries in-band FEC (SILK's LBRR data) for the frame before it, so
    /// that decoding it with FEC really rebuilds that frame rather than concealing it. The test
    /// libopus 1.5 makes in `opus_packet_has_lbrr` for a mono packet of one frame of up to 20 ms,
    /// Parlor's only kind (RFC 6716 §4.2.3: the LBRR flag follows the VAD flag as the second
    /// bit of the SILK layer, the first byte of the frame). Other packets say false.
    public static func hasLBRR(_ packet: UnsafeBufferPointer<UInt8>) -> Bool {
        guard packet.count >= 2 else { return false }
        let toc = packet[0]
        let configuration = toc >> 3
        // Configurations 16–31 are CELT only: no SILK layer, no LBRR.
        let silk = configuration < 16
        let mono = toc & 0x04 == 0
        let oneFrame = toc & 0x03 == 0
        guard silk, mono, oneFrame else { return false }
        return packet[1] >> 6 & 1 == 1
    }
}
