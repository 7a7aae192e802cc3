import COpus

/// A libopus call failed; `code` is the OPUS_* error and `message` its text from `opus_strerror`.
public struct OpusError: Error, CustomStringConvertible, Equatable, Sendable {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var message: String { String(cString: opus_strerror(code)) }
    public var description: String { "opus \(operation): \(message) (\(code))" }

    /// Throws when `code` is an error, returns it otherwise.
    @discardableResult
    static func check(_ code: Int32, _ operation: String) throws -> Int32 {
        if code < 0 { throw OpusError(code: code, operation: operation) }
        return code
    }
}

/// The libopus that is loaded.
public enum Opus {
    /// For example "libopus 1.3.1".
    public static var version: String { String(cString: opus_get_version_string()) }
}
