import ParlorClient

/// One line inside a panel of the room screen: pieces of text in highlight groups, and the person
/// it stands for (so the selection can be drawn and kept in view).
struct PanelLine {
    struct Segment {
        let text: String
        let group: HighlightGroup
    }

    var segments: [Segment]
    var member: MemberID?

    init(_ segments: [Segment], member: MemberID? = nil) {
        self.segments = segments
        self.member = member
    }

    init(_ text: String, group: HighlightGroup = .normal, member: MemberID? = nil) {
        self.init([Segment(text: text, group: group)], member: member)
    }
}
