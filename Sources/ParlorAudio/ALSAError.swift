import CALSA

/// An alsa-lib call failed. `code` is the negative errno alsa-lib returned.
public struct ALSAError: Error, CustomStringConvertible, Equatable, Sendable {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var message: String { String(cString: snd_strerror(code)) }
    public var description: String { "ALSA \(operation): \(message) (\(code))" }

    @discardableResult
    static func check(_ code: Int32, _ operation: String) throws -> Int32 {
        if code < 0 { throw ALSAError(code: code, operation: operation) }
        return code
    }
}
