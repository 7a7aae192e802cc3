/// What the hallway's input line is asking for, with what has been typed so far.
public enum HallwayPrompt: Sendable, Equatable {
    case title(String)
    case link(String)

    public var text: String {
        switch self {
        case .title(let t), .link(let t): return t
        }
    }

    func with(_ text: String) -> HallwayPrompt {
        switch self {
        case .title: return .title(text)
        case .link: return .link(text)
        }
    }
}
