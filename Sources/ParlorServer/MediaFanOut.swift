/// One room's media recipients as the fan-out walks them: positions in the media plane's
/// endpoint array, so forwarding a frame costs no dictionary lookup per recipient. Rebuilt when
/// the room's membership or the set of media endpoints changed since it was made.
struct MediaFanOut {
    /// The room's `membershipVersion` when this was built.
    let membershipVersion: UInt64
    /// The media plane's `endpointsVersion` when this was built.
    let endpointsVersion: UInt64
    /// Endpoint positions of the members that set up media, in join order (the sender included).
    let endpoints: [Int]
    /// Members that never set up media: their control sessions carry it (the sender included).
    let controlOnly: [SessionID]
}
