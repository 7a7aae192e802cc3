import Foundation
import ParlorCrypto
import ParlorProtocol
import ParlorServer

/// The relay a host uses: the one given by `--server` (its key from `--relay-key`, or from this
/// machine's relay key file when the relay runs here), or a relay started in this process on
/// loopback — the default that needs nothing else. `--server A,B,…` names several nodes of one
/// relay cluster: the host uses the first, and its links name them all.
struct RelayChoice {
    let address: RelayAddress
    /// The other nodes `--server` named.
    var others: [RelayAddress] = []
    let publicKey: [UInt8]
    /// The in-process relay, when one was started.
    let embedded: RelayServer?

    static func resolve(server: String?, relayKey: String?) async throws -> RelayChoice {
        guard let server else {
            let relay = try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: .generate()))
            return RelayChoice(address: RelayAddress(host: .ipv4("127.0.0.1"), port: UInt16(relay.address.port!)),
                               publicKey: relay.publicKey, embedded: relay)
        }
        var addresses: [RelayAddress] = []
        do {
            for part in server.split(separator: ",", omittingEmptySubsequences: false) { addresses.append(try RelayAddress(parsing: String(part))) }
        } catch {
            throw FaceError("--server \(server): \(error) (expected HOST:PORT[,HOST:PORT…], e.g. relay.example.org:7700)")
        }
        guard addresses.count <= InviteLink.maximumRelays else {
            throw FaceError("--server \(server): at most \(InviteLink.maximumRelays) relays")
        }
        let address = addresses[0], others = Array(addresses.dropFirst())
        if let relayKey {
            do {
                return RelayChoice(address: address, others: others, publicKey: try RelayKeyText.decode(relayKey), embedded: nil)
            } catch {
                throw FaceError("--relay-key: \(error) (copy the `relay key:` line that parlor serve printed)")
            }
        }
        let file = RelayService.defaultKeyFile
        guard FileManager.default.fileExists(atPath: file), let (key, _) = try? RelayKeyFile.loadOrCreate(at: file) else {
            throw FaceError("--server needs --relay-key KEY: the `relay key:` line that parlor serve printed")
        }
        return RelayChoice(address: address, others: others, publicKey: key.publicKey, embedded: nil)
    }
}
