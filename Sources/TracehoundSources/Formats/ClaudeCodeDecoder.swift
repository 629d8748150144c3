// Claude Code session transcripts: `~/.claude/projects/<project>/<session>.jsonl`, subagents under
// `<session>/subagents/agent-*.jsonl`. One JSON object per line; `type` says what it is.
//
// `user` and `assistant` lines carry `message.content`, a string or a list of blocks:
//   thinking    → reasoning          (`thinking`; `redacted_thinking` is encrypted and skipped)
//   text        → message (assistant) or user (user)
//   tool_use    → command            (one field per call, see ToolCallText.swift)
//   tool_result → output             (`content` as a string or a list of text blocks, joined with newlines)
// A plain-string `content` (or, in old fixtures, a plain-string `message`) is the role's text.
// Metadata: `sessionId` → session, `uuid` → id, `timestamp` → time, `agentId` (subagents) → agent. Lines without a
// `sessionId` (summaries, snapshots) get the last one seen in the stream.
// Every other type (progress, system, summary, file-history-snapshot, queue-operation, ...) decodes to a record
// with no fields: it is counted and kept as context, never matched. The duplicated `toolUseResult` of user lines
// is skipped for the same reason: its text is already in the tool_result block.
// A line that is not a JSON object is malformed for this format.

public import TracehoundCore

/// Decodes Claude Code transcript lines. One per stream.
public struct ClaudeCodeDecoder: RecordDecoder {
    private var parser = JSONParser()
    private var lastSession: String?

    public init() {}

    public mutating func decode(_ line: UnsafeRawBufferPointer) -> Record {
        if LineBytes.isBlank(line) { return Record() }
        guard let document = try? parser.parse(line), document.is(document.root, .object) else {
            return .malformed(line)
        }
        let root = document.root
        var record = Record(parsed: document)
        record.time = document.string(document.member("timestamp", of: root))
        record.id = document.string(document.member("uuid", of: root))
        record.agent = document.string(document.member("agentId", of: root))
        if let session = document.string(document.member("sessionId", of: root)) { lastSession = session }
        record.session = lastSession

        let type = document.member("type", of: root)
        if document.isString(type, equalTo: "assistant") {
            Self.appendMessage(document.member("message", of: root), isAssistant: true, in: document, to: &record)
        } else if document.isString(type, equalTo: "user") {
            Self.appendMessage(document.member("message", of: root), isAssistant: false, in: document, to: &record)
        }
        return record
    }

    private static func appendMessage(
        _ message: JSONValue?,
        isAssistant: Bool,
        in document: JSONDocument,
        to record: inout Record
    ) {
        guard let message else { return }
        let textKind: FieldKind = isAssistant ? .message : .user
        guard document.is(message, .object) else {
            record.appendField(textKind, string: message, in: document)
            return
        }
        guard let content = document.member("content", of: message) else { return }
        switch document.kind(of: content) {
        case .string:
            record.appendField(textKind, string: content, in: document)
        case .array:
            for block in document.elements(of: content) where document.is(block, .object) {
                appendBlock(block, textKind: textKind, in: document, to: &record)
            }
        default:
            break
        }
    }

    private static func appendBlock(
        _ block: JSONValue,
        textKind: FieldKind,
        in document: JSONDocument,
        to record: inout Record
    ) {
        let type = document.member("type", of: block)
        if document.isString(type, equalTo: "text") {
            record.appendField(textKind, string: document.member("text", of: block), in: document)
        } else if document.isString(type, equalTo: "thinking") {
            record.appendField(.reasoning, string: document.member("thinking", of: block), in: document)
        } else if document.isString(type, equalTo: "tool_use") || document.isString(type, equalTo: "server_tool_use") {
            let name = document.stringBytes(document.member("name", of: block)) ?? []
            let text = ToolCallText.make(name: name, input: document.member("input", of: block), in: document)
            record.appendField(.command, text: text)
        } else if document.isString(type, equalTo: "tool_result") {
            guard let content = document.member("content", of: block) else { return }
            record.appendField(.output, text: document.joinedText(content))
        }
    }
}
