/// A room remembered from an earlier visit: its title as it was then and the listen link that
/// opens it again. The link is the room's secret, so the file that keeps these is private.
public struct SavedRoom: Sendable, Equatable, Codable {
    public var title: String
    /// A listen link (never a speak link: its grant is not kept).
    public var link: String
    /// What the last visit found wrong, if anything (absent in files from before marks).
    public var mark: SavedRoomMark?

    public init(title: String, link: String, mark: SavedRoomMark? = nil) {
        self.title = title
        self.link = link
        self.mark = mark
    }

    /// The relay's HOST:PORT, read from the link, for telling rooms apart.
    public var relay: String {
        guard let start = link.range(of: "://")?.upperBound else { return "" }
        return String(link[start...].prefix { $0 != "/" })
    }
}
