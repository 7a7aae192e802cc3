/// One line of the room's event log: what happened, and whether it was a problem.
public struct RoomLogLine: Sendable, Equatable {
    public var text: String
    public var isError: Bool

    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}
