import Foundation

/// Small numbers standing for speakers on their way out of the media loop through a ring of
/// samples (`MediaOutputs`, `ReceivedFrameOutput`): the loop asks for a member's tag, the writer
/// thread turns a tag back into the member's name for its files. The lock is held only for a
/// dictionary lookup or an append; a tag is allocated the first time a speaker is heard.
final class SpeakerTags: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []
    private var tags: [MemberID: Int16] = [:]

    /// `member`'s tag, made the first time.
    func tag(for member: MemberID) -> Int16 {
        lock.withLock {
            if let tag = tags[member] { return tag }
            let tag = Int16(names.count)
            names.append(member.text)
            tags[member] = tag
            return tag
        }
    }

    /// The name behind `tag` (nil: none given out).
    func name(of tag: Int) -> String? {
        lock.withLock { tag >= 0 && tag < names.count ? names[tag] : nil }
    }
}
