/// Where the hallway leads.
public enum HallwayChoice: Sendable, Equatable {
    /// Host a new room with this title.
    case host(title: String)
    /// Join the room behind this link.
    case join(link: String)
}
