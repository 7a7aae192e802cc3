/// The fields of one control message (or of a record nested in one): a run of
/// `tag(1) length(varint) value(length)`. Unknown tags are kept and never looked at, so newer
/// peers can add fields; a field read as single that appears twice is an error.
public struct TLVFields: Sendable {
    /// The message or record name, for error messages.
    let context: String
    private var values: [UInt8: [[UInt8]]] = [:]

    /// Parses every field of `bytes`.
    init(_ bytes: some Collection<UInt8>, context: String) throws(ParlorProtocolError) {
        self.context = context
        var reader = ByteReader(bytes)
        while !reader.isAtEnd {
            let tag = try reader.byte("\(context): field tag")
            let length = try reader.varint("\(context): length of field \(tag)")
            guard length <= UInt64(reader.remaining) else {
                throw ParlorProtocolError.truncated("\(context): field \(tag) claims \(length) bytes, \(reader.remaining) left")
            }
            values[tag, default: []].append(try reader.bytes(Int(length), "\(context): field \(tag)"))
        }
    }

    /// A field that may appear at most once.
    func optionalBytes(_ tag: UInt8, _ name: String, length: Int? = nil) throws(ParlorProtocolError) -> [UInt8]? {
        guard let found = values[tag] else { return nil }
        guard found.count == 1 else { throw ParlorProtocolError.duplicateField(message: context, tag: tag) }
        if let length, found[0].count != length {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: "must be \(length) bytes, got \(found[0].count)")
        }
        return found[0]
    }

    /// A field that must appear exactly once.
    func bytes(_ tag: UInt8, _ name: String, length: Int? = nil) throws(ParlorProtocolError) -> [UInt8] {
        guard let value = try optionalBytes(tag, name, length: length) else {
            throw ParlorProtocolError.missingField(message: context, field: name)
        }
        return value
    }

    /// Every occurrence of a repeated field, in order.
    func repeated(_ tag: UInt8) -> [[UInt8]] {
        values[tag] ?? []
    }

    /// An unsigned integer field: one shortest-form varint filling the value, at most `maximum`.
    func optionalInteger(_ tag: UInt8, _ name: String, maximum: UInt64 = .max) throws(ParlorProtocolError) -> UInt64? {
        guard let value = try optionalBytes(tag, name) else { return nil }
        var reader = ByteReader(value)
        let number: UInt64
        do {
            number = try reader.varint(name)
        } catch {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: "not a varint")
        }
        guard reader.isAtEnd else {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: "bytes after the varint")
        }
        guard number <= maximum else {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: "\(number) exceeds \(maximum)")
        }
        return number
    }

    func integer(_ tag: UInt8, _ name: String, maximum: UInt64 = .max) throws(ParlorProtocolError) -> UInt64 {
        guard let value = try optionalInteger(tag, name, maximum: maximum) else {
            throw ParlorProtocolError.missingField(message: context, field: name)
        }
        return value
    }

    /// A UTF-8 text field.
    func optionalText(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> String? {
        guard let value = try optionalBytes(tag, name) else { return nil }
        guard let text = String(validating: value, as: UTF8.self) else {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: "not UTF-8")
        }
        return text
    }

    /// A boolean field: an integer 0 or 1; absent means false.
    func flag(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> Bool {
        try optionalInteger(tag, name, maximum: 1) == 1
    }
}

/// Writes fields in the `tag length value` form `TLVFields` reads.
public struct TLVWriter: Sendable {
    private(set) var bytes: [UInt8] = []

    mutating func bytes(_ tag: UInt8, _ value: [UInt8]) {
        var writer = ByteWriter()
        writer.append(tag)
        writer.varint(UInt64(value.count))
        writer.append(value)
        bytes += writer.bytes
    }

    mutating func optionalBytes(_ tag: UInt8, _ value: [UInt8]?) {
        if let value { bytes(tag, value) }
    }

    mutating func integer(_ tag: UInt8, _ value: UInt64) {
        var writer = ByteWriter()
        writer.varint(value)
        bytes(tag, writer.bytes)
    }

    mutating func optionalInteger(_ tag: UInt8, _ value: UInt64?) {
        if let value { integer(tag, value) }
    }

    mutating func optionalText(_ tag: UInt8, _ value: String?) {
        if let value { bytes(tag, Array(value.utf8)) }
    }

    /// Writes 1 for true and nothing for false (absent reads as false).
    mutating func flag(_ tag: UInt8, _ value: Bool) {
        if value { integer(tag, 1) }
    }

    mutating func record(_ tag: UInt8, _ record: some TLVRecord) {
        bytes(tag, record.encodedFields)
    }
}

/// A message body or nested record that reads and writes itself as TLV fields.
public protocol TLVRecord: Sendable, Equatable {
    /// Reads the record; throws on a missing or malformed required field.
    init(fields: TLVFields) throws(ParlorProtocolError)
    /// Writes every field.
    func write(to writer: inout TLVWriter)
}

extension TLVRecord {
    /// The record's fields as bytes.
    var encodedFields: [UInt8] {
        var writer = TLVWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// Parses a nested record.
    static func decodeRecord(_ bytes: [UInt8], context: String) throws(ParlorProtocolError) -> Self {
        try Self(fields: TLVFields(bytes, context: context))
    }
}
