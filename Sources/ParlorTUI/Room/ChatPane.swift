import Glibc
import ParlorClient
import ParlorCrypto

/// The chat as the room screen keeps it: messages (deleted ones say so), what is being typed,
/// how far the pane is scrolled back, what arrived unseen, and reactions still on show.
public struct ChatPane: Sendable, Equatable {
    /// One message as shown.
    public struct Entry: Sendable, Equatable {
        public let id: String
        /// The number moderators delete it by (`/delete N`), counting from the first message.
        public let number: Int
        public let author: String
        public let role: Role?
        public let time: String
        public let text: String
        /// Who deleted it, once someone did.
        public var deletedBy: String?
    }

    /// A reaction on show, counting down.
    public struct Shown: Sendable, Equatable {
        public let from: MemberID?
        public let reaction: Reaction
        public var remainingMilliseconds: Int
    }

    /// Messages kept (the oldest go first).
    static let capacity = 500
    /// How long a reaction shows.
    public static let reactionMilliseconds = 4_000

    public private(set) var entries: [Entry] = []
    /// Whether the pane is shown.
    public var isVisible = true
    /// Messages that arrived while the pane was hidden or scrolled back.
    public private(set) var unread = 0
    /// Wrapped lines scrolled back from the newest.
    public var scrollBack = 0
    /// What is being typed, while writing.
    public var draft: String?
    public private(set) var reactions: [Shown] = []
    private var nextNumber = 1

    public init() {}

    mutating func add(_ line: ChatLine, author: String) {
        entries.append(Entry(id: line.id, number: nextNumber, author: author, role: line.from?.role,
                             time: Self.clock(line.sentMilliseconds), text: line.text))
        nextNumber += 1
        if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
        if !isVisible || scrollBack > 0 { unread += 1 }
    }

    /// Marks the message `id` deleted; false when it is not here.
    mutating func delete(_ id: String, by name: String) -> Bool {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return false }
        entries[index].deletedBy = name
        return true
    }

    mutating func react(_ reaction: Reaction, from: MemberID?) {
        reactions.append(Shown(from: from, reaction: reaction, remainingMilliseconds: Self.reactionMilliseconds))
    }

    /// Time passes: reactions fade.
    mutating func tick(milliseconds: Int) {
        guard !reactions.isEmpty else { return }
        for i in reactions.indices { reactions[i].remainingMilliseconds -= milliseconds }
        reactions.removeAll { $0.remainingMilliseconds <= 0 }
    }

    /// Everything seen: the pane shows the newest lines.
    mutating func markRead() {
        unread = 0
    }

    /// The reactions on show from `member`, oldest first.
    func reactions(from member: MemberID) -> [Reaction] {
        reactions.filter { $0.from == member }.map(\.reaction)
    }

    /// The reactions on show from people not on `stage`, counted: `👏 3  ❤️ 1`.
    func audienceSummary(stage: Set<MemberID>) -> String {
        var counts: [Reaction: Int] = [:]
        for shown in reactions where shown.from.map({ !stage.contains($0) }) ?? true { counts[shown.reaction, default: 0] += 1 }
        return Reaction.allCases.compactMap { reaction in counts[reaction].map { "\(reaction.emoji) \($0)" } }.joined(separator: "  ")
    }

    /// `HH:MM` in this computer's time zone.
    static func clock(_ milliseconds: UInt64) -> String {
        var seconds = time_t(milliseconds / 1_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return (parts.tm_hour < 10 ? "0" : "") + "\(parts.tm_hour):" + (parts.tm_min < 10 ? "0" : "") + "\(parts.tm_min)"
    }
}
