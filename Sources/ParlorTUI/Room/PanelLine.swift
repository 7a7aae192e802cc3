/// One line inside a panel: pieces of text in highlight groups, and the key of what it stands for
/// (a member id, a hallway entry), so the selection can be drawn and kept in view.
struct PanelLine {
    struct Segment {
        let text: String
        let group: HighlightGroup
    }

    var segments: [Segment]
    var key: String?

    init(_ segments: [Segment], key: String? = nil) {
        self.segments = segments
        self.key = key
    }

    init(_ text: String, group: HighlightGroup = .normal, key: String? = nil) {
        self.init([Segment(text: text, group: group)], key: key)
    }
}
