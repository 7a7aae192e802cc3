import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorServer

@Suite struct RelayKeyFileTests {
    @Test func createdOnceWithMode0600ThenReloadedTheSame() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("keys/relay.key")
        let (first, created) = try RelayKeyFile.loadOrCreate(at: path)
        #expect(created)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (second, createdAgain) = try RelayKeyFile.loadOrCreate(at: path)
        #expect(!createdAgain)
        #expect(second.publicKey == first.publicKey)
    }

    @Test func unsafeOrDamagedFilesAreRefusedWithAReason() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("relay.key")
        _ = try RelayKeyFile.loadOrCreate(at: path)
        chmod(path, 0o644)
        #expect { try RelayKeyFile.loadOrCreate(at: path) } throws: { "\($0)".contains("others can read it (mode 644)") }
        try "# nothing\nzz\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        #expect { try RelayKeyFile.loadOrCreate(at: path) } throws: { "\($0)".contains("no 64-digit hex key") }
    }
}
