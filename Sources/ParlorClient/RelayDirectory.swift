import Foundation
import ParlorProtocol

/// A room a relay lists publicly: its title, how many are in it, and the listen link its host
/// published with it.
public struct PublicRoom: Sendable, Equatable {
    public let title: String
    public let link: String
    public let members: Int

    public init(title: String, link: String, members: Int) {
        self.title = title
        self.link = link
        self.members = members
    }
}

/// Asks a relay for its public directory over a control session of its own (handshake,
/// `directory_request`, `directory_listing`), then closes it. Entries that do not open under the
/// relay's directory key are left out.
public enum RelayDirectory {
    /// How long the relay has to answer.
    static let answerSeconds = 5

    public static func fetch(relay: RelayAddress, relayKey: [UInt8]) throws -> [PublicRoom] {
        let connection = try ControlConnection(address: relay, relayKey: relayKey)
        let answer = DirectoryAnswer()
        connection.startReading({ message in
            if case .directoryListing(let listing) = message { answer.set(.success(listing)) }
        }, closed: { reason in answer.set(.failure(ControlConnection.Failure(description: reason))) })
        defer { connection.shutDown() }
        try connection.send(.directoryRequest)
        guard let result = answer.wait(seconds: answerSeconds) else {
            throw ControlConnection.Failure(description: "the relay did not answer the directory request")
        }
        return try result.get().rooms.compactMap { entry in
            guard let card = try? DirectoryCard.open(entry.title, relayPublicKey: relayKey) else { return nil }
            return PublicRoom(title: card.title, link: card.link, members: Int(entry.listenerCount))
        }
    }
}

/// The first answer of a directory request, handed from the reader thread to the caller.
private final class DirectoryAnswer: @unchecked Sendable {
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)
    private var result: Result<DirectoryListing, Error>?

    func set(_ value: Result<DirectoryListing, Error>) {
        let first = lock.withLock { () -> Bool in
            guard result == nil else { return false }
            result = value
            return true
        }
        if first { ready.signal() }
    }

    func wait(seconds: Int) -> Result<DirectoryListing, Error>? {
        _ = ready.wait(timeout: .now() + .seconds(seconds))
        return lock.withLock { result }
    }
}
