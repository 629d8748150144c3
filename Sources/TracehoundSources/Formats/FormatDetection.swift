// Choosing a decoder: the configured format, or for `auto` the path convention first, then the first lines.
//
// Path conventions: a `.jsonl` under `/.claude/projects/` is Claude Code; a `.jsonl` under `/.codex/sessions/`
// (or `/.codex/archived_sessions/`) or named `rollout-*.jsonl` is Codex. Everything else is sniffed:
//   codex        top-level `type` is session_meta / response_item / event_msg / turn_context / compacted and there
//                is a `payload` (or the pre-envelope first line `{id, timestamp, instructions}`)
//   claude-code  top-level `type` is one Claude Code writes (user, assistant, summary, system, progress,
//                file-history-snapshot, queue-operation) with `sessionId`, `uuid`, `leafUuid` or `messageId`
//   jsonl        any other JSON object
//   text         anything else, including the lines of pretty-printed whole-file JSON (`.traj`, OpenHands
//                `.json`): `{` alone is not a JSON object, so such files read as text, one `log` field a line
// The auto decoder sniffs the first non-blank line. Text or a known transcript format is final; a generic `jsonl`
// verdict stays open for a few more lines, so a file that starts with an unusual object still becomes Claude Code
// or Codex when a recognizable line follows.

public import TracehoundCore

extension TranscriptFormat {
    /// The format a path's naming convention implies, or nil when the content has to be sniffed.
    public static func conventional(forPath path: String) -> TranscriptFormat? {
        guard path.hasSuffix(".jsonl") else { return nil }
        if path.contains("/.claude/projects/") { return .claudeCode }
        if path.contains("/.codex/sessions/") || path.contains("/.codex/archived_sessions/") { return .codex }
        let name = path.split(separator: "/").last ?? Substring(path)
        if name.hasPrefix("rollout-") { return .codex }
        return nil
    }

    /// The format a file's first non-blank line suggests: never `.auto`.
    public static func sniff(firstLine line: UnsafeRawBufferPointer) -> TranscriptFormat {
        var parser = JSONParser()
        guard let document = try? parser.parse(line), document.is(document.root, .object) else { return .text }
        let root = document.root
        let type = document.member("type", of: root)
        if document.member("payload", of: root) != nil {
            for codexType: StaticString in ["session_meta", "response_item", "event_msg", "turn_context", "compacted"]
            where document.isString(type, equalTo: codexType) {
                return .codex
            }
        }
        if type == nil, document.member("instructions", of: root) != nil, document.member("id", of: root) != nil {
            return .codex
        }
        let claudeTypes: [StaticString] = [
            "user", "assistant", "summary", "system", "progress", "file-history-snapshot", "queue-operation",
        ]
        if claudeTypes.contains(where: { document.isString(type, equalTo: $0) }) {
            for key: StaticString in ["sessionId", "uuid", "leafUuid", "messageId"]
            where document.member(key, of: root) != nil {
                return .claudeCode
            }
        }
        return .jsonl
    }

    /// The format a file's first non-blank line suggests (see `sniff(firstLine:)` on raw bytes).
    public static func sniff(firstLine line: [UInt8]) -> TranscriptFormat {
        line.withUnsafeBytes { sniff(firstLine: $0) }
    }

    /// A decoder for one stream in this format. For `.auto`, `path` (if known) is tried by convention first; the
    /// `jsonl` layout applies to `.jsonl` and to an `.auto` stream that turns out to be generic JSON lines.
    public func makeDecoder(path: String? = nil, layout: JSONLinesLayout = JSONLinesLayout()) -> any RecordDecoder {
        switch self {
        case .claudeCode: return ClaudeCodeDecoder()
        case .codex: return CodexDecoder()
        case .jsonl: return JSONLinesDecoder(layout: layout)
        case .text: return TextLineDecoder()
        case .auto:
            if let path, let format = TranscriptFormat.conventional(forPath: path) {
                return format.makeDecoder(layout: layout)
            }
            return AutoDecoder(layout: layout)
        }
    }
}

/// Decodes a stream whose format is found by sniffing its first lines, then delegates to that format's decoder.
public struct AutoDecoder: RecordDecoder {
    /// How many JSON-object lines may pass as generic `jsonl` before that verdict is final.
    public static let provisionalLines = 16

    private let layout: JSONLinesLayout
    private var chosen: (any RecordDecoder)?
    private var provisional: JSONLinesDecoder
    private var provisionalCount = 0
    /// The format in use: nil until the first non-blank line, `.jsonl` while provisional.
    public private(set) var resolvedFormat: TranscriptFormat?

    public init(layout: JSONLinesLayout = JSONLinesLayout()) {
        self.layout = layout
        provisional = JSONLinesDecoder(layout: layout)
    }

    public mutating func decode(_ line: UnsafeRawBufferPointer) -> Record {
        if let record = chosen?.decode(line) { return record }
        if LineBytes.isBlank(line) { return Record() }
        let format = TranscriptFormat.sniff(firstLine: line)
        switch format {
        case .jsonl:
            provisionalCount += 1
            resolvedFormat = .jsonl
            if provisionalCount >= Self.provisionalLines { choose(.jsonl) }
            return provisional.decode(line)
        case .text where provisionalCount > 0:
            // Already JSON lines: this one is a malformed JSON line, not a reason to switch to text.
            return provisional.decode(line)
        default:
            choose(format)
            return chosen!.decode(line)
        }
    }

    /// Undecided, or decided on a format that still wants every line.
    public var wantsEveryLine: Bool { chosen?.wantsEveryLine ?? true }

    private mutating func choose(_ format: TranscriptFormat) {
        resolvedFormat = format
        chosen = format == .jsonl ? provisional : format.makeDecoder(layout: layout)
        provisional = JSONLinesDecoder(layout: layout)  // drop its buffers' second reference
    }
}
