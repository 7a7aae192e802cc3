/// One JSON object written as one line, its keys in the order given (so `"event"` comes first,
/// which people reading a log or a `jq` stream expect). Values are strings, integers, booleans,
/// nested objects or arrays of those.
public struct JSONLine: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        case string(String), int(Int), double(Double), bool(Bool), object(JSONLine), array([Value]), null
    }

    public private(set) var fields: [(String, Value)] = []

    public init(_ fields: [(String, Value)] = []) { self.fields = fields }

    public static func == (a: JSONLine, b: JSONLine) -> Bool {
        a.fields.map(\.0) == b.fields.map(\.0) && a.fields.map(\.1) == b.fields.map(\.1)
    }

    public mutating func append(_ key: String, _ value: Value) { fields.append((key, value)) }

    /// The object as JSON text without a newline.
    public var text: String {
        "{" + fields.map { "\(Self.quote($0.0)):\(Self.render($0.1))" }.joined(separator: ",") + "}"
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .string(let s): return quote(s)
        case .int(let n): return String(n)
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .object(let o): return o.text
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .null: return "null"
        }
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
