// JSON Pointers (RFC 6901) and the `jsonl` layout built from them: which parts of a generic JSON line are which
// field kinds. They live in Core so configuration can validate pointers without depending on the decoders.

/// A parsed RFC 6901 pointer such as `/message/content` or `/a~1b/0`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// Why a string is not a JSON pointer.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let pointer: String
        public let reason: String
        public var description: String { "invalid JSON pointer \"\(pointer)\": \(reason)" }
    }

    /// The reference tokens, unescaped (`~1` → `/`, `~0` → `~`), as UTF-8 bytes.
    public let tokens: [[UInt8]]
    /// The pointer as written.
    public let description: String

    /// Parses `text`; the empty string designates the whole value.
    public init(_ text: String) throws(SyntaxError) {
        description = text
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else {
            tokens = []
            return
        }
        guard bytes[0] == UInt8(ascii: "/") else {
            throw SyntaxError(pointer: text, reason: "it must be empty or start with '/'")
        }
        var parsed: [[UInt8]] = []
        var token: [UInt8] = []
        var i = 1
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == UInt8(ascii: "/") {
                parsed.append(token)
                token = []
            } else if bytes[i] == UInt8(ascii: "~") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "0") || bytes[i + 1] == UInt8(ascii: "1")
                else {
                    throw SyntaxError(pointer: text, reason: "'~' must be followed by '0' or '1' (byte \(i))")
                }
                token.append(bytes[i + 1] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
                i += 1
            } else {
                token.append(bytes[i])
            }
            i += 1
        }
        tokens = parsed
    }

    /// The array index a token designates: decimal digits without leading zeros; `-` and anything else is none.
    static func arrayIndex(_ token: UnsafeRawBufferPointer) -> Int? {
        guard !token.isEmpty, token.count <= 18 else { return nil }
        if token.count > 1 && token[0] == UInt8(ascii: "0") { return nil }
        var index = 0
        for byte in token {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            index = index * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return index
    }
}

/// How the `jsonl` format reads a line: pointers to the parts that are fields of a kind, and to metadata.
/// With no field mappings, every string value in the line is a `log` field.
public struct JSONLinesLayout: Sendable, Hashable {
    /// One pointer and the kind of the text it designates (a string, or every string inside an array or object).
    public struct FieldMapping: Sendable, Hashable {
        public var pointer: JSONPointer
        public var kind: FieldKind

        public init(pointer: JSONPointer, kind: FieldKind) {
            self.pointer = pointer
            self.kind = kind
        }
    }

    public var fields: [FieldMapping]
    public var time: JSONPointer?
    public var session: JSONPointer?
    public var id: JSONPointer?
    public var agent: JSONPointer?

    public init(
        fields: [FieldMapping] = [],
        time: JSONPointer? = nil,
        session: JSONPointer? = nil,
        id: JSONPointer? = nil,
        agent: JSONPointer? = nil
    ) {
        self.fields = fields
        self.time = time
        self.session = session
        self.id = id
        self.agent = agent
    }
}
