// Records: what a decoder makes of one JSONL line, one text line or one journal entry (DESIGN.md §2).
// A record's fields are typed by kind so rules can be scoped ("reasoning only"); their text is the decoded
// UTF-8 bytes (after JSON unescaping), which is what rules match and segments carry.

/// What a piece of a record is, for rule scoping. Raw values are stable: they travel in batches and spool records.
public enum FieldKind: UInt8, Sendable, CaseIterable, Hashable, Comparable {
    /// The model's thinking (Claude `thinking`, Codex reasoning summary and content).
    case reasoning = 0
    /// What the assistant wrote to the user.
    case message = 1
    /// What the user (or developer prompt) wrote.
    case user = 2
    /// Tool call input: shell commands, file edits, patches.
    case command = 3
    /// Tool results.
    case output = 4
    /// A plain line, a journal MESSAGE, a generic JSON string, or a malformed line's raw bytes.
    case log = 5

    /// The name used in rules, segments and config (`reasoning`, `message`, ...).
    public var name: String {
        switch self {
        case .reasoning: "reasoning"
        case .message: "message"
        case .user: "user"
        case .command: "command"
        case .output: "output"
        case .log: "log"
        }
    }

    public init?(name: String) {
        guard let kind = FieldKind.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    public static func < (lhs: FieldKind, rhs: FieldKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One typed piece of text in a record.
public struct RecordField: Sendable, Equatable {
    public var kind: FieldKind
    /// Decoded text as UTF-8 bytes. For a malformed record, the raw line bytes (possibly invalid UTF-8).
    public var text: [UInt8]

    public init(kind: FieldKind, text: [UInt8]) {
        self.kind = kind
        self.text = text
    }

    public init(kind: FieldKind, _ string: String) {
        self.kind = kind
        self.text = Array(string.utf8)
    }
}

/// Conditions a decoder found in a line; each is counted and the record is still matched.
public struct RecordFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The line is not valid JSON for its format; its raw bytes were matched as `log`.
    public static let malformedJSON = RecordFlags(rawValue: 1 << 0)
    /// The line holds bytes that are not valid UTF-8.
    public static let invalidUTF8 = RecordFlags(rawValue: 1 << 1)
    /// The line holds NUL bytes.
    public static let containsNUL = RecordFlags(rawValue: 1 << 2)
    /// The line was longer than `max_line_bytes` and was cut there.
    public static let truncated = RecordFlags(rawValue: 1 << 3)
}

/// One decoded record of a stream.
public struct Record: Sendable, Equatable {
    /// The matchable pieces, in the order they appear in the line.
    public var fields: [RecordField]
    /// The record's own time as the source wrote it (ISO 8601), if it has one.
    public var time: String?
    /// The agent session the record belongs to (Claude `sessionId`, Codex session id).
    public var session: String?
    /// The record's own id within the session (Claude `uuid`), if it has one.
    public var id: String?
    /// The agent that wrote it, when the format says (e.g. a subagent's id).
    public var agent: String?
    public var flags: RecordFlags

    public init(
        fields: [RecordField] = [],
        time: String? = nil,
        session: String? = nil,
        id: String? = nil,
        agent: String? = nil,
        flags: RecordFlags = []
    ) {
        self.fields = fields
        self.time = time
        self.session = session
        self.id = id
        self.agent = agent
        self.flags = flags
    }
}
