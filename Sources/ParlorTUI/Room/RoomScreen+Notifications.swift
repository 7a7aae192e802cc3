import ParlorClient

/// The terminal bell, for what asks for the person's attention while they look elsewhere: an
/// invitation to the stage, their raised hand taken (they are brought up at once), and, for the
/// host, someone raising a hand. `bell` (config.toml) turns it off.
extension RoomScreen {
    /// The bell `event` calls for; `before` is the room just before it.
    func notifications(for event: RoomEvent, before: RoomSnapshot) -> [Effect] {
        guard bell else { return [] }
        switch event {
        case .invitedToStage:
            return [.terminal(.bell)]
        case .speakerAdded(let m) where m.id == room.me && before.myself?.handRaised == true:
            return [.terminal(.bell)]
        case .handRaised(let m) where m.id != room.me && room.isHost:
            return [.terminal(.bell)]
        default:
            return []
        }
    }
}
