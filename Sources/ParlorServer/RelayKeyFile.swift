import Foundation
import ParlorCrypto

/// The relay's long-term X25519 key, kept in a file readable by its owner only (mode 0600).
/// Clients pin the public half (it travels in invite links), so the file must outlive restarts.
///
/// The file is one comment line and the private key in hex.
public enum RelayKeyFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "relay key file \(path): \(message)" }
    }

    static let header = "# Parlor relay private key (X25519). Keep it secret: it proves this relay to its clients.\n"

    /// Loads the key at `path`, or creates a new one there (mode 0600) when the file does not exist.
    /// Returns the key and whether it was created.
    public static func loadOrCreate(at path: String) throws(Error) -> (key: X25519KeyPair, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            return (try load(at: path), false)
        }
        let key = X25519KeyPair.generate()
        let text = header + key.privateKeyHex + "\n"
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw Error(path: path, message: "cannot create its folder: \(error.localizedDescription)")
        }
        // Created 0600 from the start (not chmod afterwards), so the secret is never readable by others.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Error(path: path, message: "cannot create it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw Error(path: path, message: "cannot write it: \(String(cString: strerror(errno)))")
        }
        return (key, true)
    }

    static func load(at path: String) throws(Error) -> X25519KeyPair {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Error(path: path, message: String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else {
            throw Error(path: path, message: "others can read it (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Error(path: path, message: "cannot read it: \(error.localizedDescription)")
        }
        let hex = text.split(separator: "\n").first { !$0.hasPrefix("#") && !$0.isEmpty } ?? ""
        guard let bytes = [UInt8](hex: hex.trimmingSpaces), bytes.count == X25519KeyPair.keyLength else {
            throw Error(path: path, message: "no 64-digit hex key in it")
        }
        do {
            return try X25519KeyPair(privateKey: bytes)
        } catch {
            throw Error(path: path, message: "not a usable X25519 key: \(error)")
        }
    }
}

extension X25519KeyPair {
    var privateKeyHex: String { privateKeyForStorage.map { String(format: "%02x", $0) }.joined() }
}

extension Array where Element == UInt8 {
    /// Parses an even-length hex string; nil on any other character.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        self = bytes
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}
