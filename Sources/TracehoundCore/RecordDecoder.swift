// Record decoders: one line of a stream in, one `Record` out (DESIGN.md §2). A decoder never fails: a line its
// format cannot read becomes a record flagged `.malformedJSON` whose only field is the raw line as `log`, so rules
// still see every byte and the stream goes on (DESIGN.md §3.5). Decoders are per stream and may keep state
// (a Codex session id, reusable buffers); the formats themselves live in TracehoundSources/Formats.

/// Turns the bytes of one line (without its newline) into a record.
public protocol RecordDecoder: Sendable {
    /// Decodes one line. Never fails; see `Record.malformed(_:)`.
    mutating func decode(_ line: UnsafeRawBufferPointer) -> Record

    /// Whether the decoder must see the next line even when no rule may hit it: it still needs state that the
    /// stream's early lines carry (a Codex session id, the format `auto` has not settled on). The fast path
    /// decodes lines that may hit and lines this asks for, nothing else.
    var wantsEveryLine: Bool { get }
}

extension RecordDecoder {
    /// Most formats carry no state across lines.
    public var wantsEveryLine: Bool { false }

    /// Decodes one line held in an array.
    public mutating func decode(_ line: [UInt8]) -> Record {
        line.withUnsafeBytes { decode($0) }
    }
}

/// The transcript formats a file source can be configured with (`format:` in a source, `--format` of test-rules).
public enum TranscriptFormat: String, Sendable, Hashable, CaseIterable {
    /// Decide by path convention, then by sniffing the first lines.
    case auto
    /// Claude Code session JSONL (`~/.claude/projects/<project>/<session>.jsonl`).
    case claudeCode = "claude-code"
    /// Codex rollout JSONL (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).
    case codex
    /// Generic JSON lines, mapped by JSON pointers (by default every string value is `log`).
    case jsonl
    /// Plain text: each line is one `log` field.
    case text
}

extension Record {
    /// The record of a line its format could not read: the raw bytes as one `log` field, flagged `.malformedJSON`
    /// plus `.invalidUTF8` / `.containsNUL` when the bytes are so.
    public static func malformed(_ line: UnsafeRawBufferPointer) -> Record {
        Record(
            fields: [RecordField(kind: .log, text: Array(line))],
            flags: LineBytes.flags(of: line).union(.malformedJSON)
        )
    }
}

/// Checks on a line's raw bytes.
public enum LineBytes {
    /// `.invalidUTF8` and `.containsNUL`, as they apply to `line`.
    public static func flags(of line: UnsafeRawBufferPointer) -> RecordFlags {
        var flags: RecordFlags = []
        if line.contains(0) { flags.insert(.containsNUL) }
        if !UTF8Validation.isValid(line) { flags.insert(.invalidUTF8) }
        return flags
    }

    /// Whether the line is empty or only JSON whitespace (space, tab, CR, LF): no content, not an error.
    public static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    }
}
