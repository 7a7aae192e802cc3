/// The invite links the room screen can show with the invite key.
public struct RoomLinks: Sendable, Equatable {
    /// Anyone with it can listen (and raise a hand).
    public var listen: String
    /// Host only: a link that joins straight onto the stage.
    public var speak: String?

    public init(listen: String, speak: String? = nil) {
        self.listen = listen
        self.speak = speak
    }
}
