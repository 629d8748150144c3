// Codex rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`, one `{timestamp, type, payload}` object a line.
//
// `response_item` payloads, by `payload.type`:
//   reasoning                → reasoning, one field per `summary[].text` and per `content[].text`
//   message                  → message (role assistant) or user (user, developer, system), one field per part
//   function_call            → command; `arguments` is a JSON string, parsed: `cmd` / `command` (argv joined with
//                              spaces) first, then its other string values (ToolCallText.swift); unparsable
//                              arguments are kept whole after the function's name
//   custom_tool_call         → command; apply_patch's `input` is the patch itself
//   local_shell_call         → command (`action.command`); web_search_call → command (`action.query`)
//   function_call_output,
//   custom_tool_call_output  → output; `output` is a string, a list of content items, or a JSON string:
//                              `{"output": ..., "metadata": ...}` gives `output`, `{"content": [...]}` its
//                              texts, any other JSON object its string values (so inner escapes are decoded)
// `session_meta` → session (`payload.id`); the decoder remembers it and stamps it on every later record.
//
// `event_msg` lines never carry fields. Codex writes `agent_reasoning`, `agent_message` and `user_message` events
// as UI mirrors of response items it also persists, and it writes the event a millisecond *before* its item (see
// the shared rollouts), so "skip it when it repeats the last reasoning seen" would not catch it: the duplicate
// would be matched first and the item second. Taking the items and no events matches everything exactly once.
//
// Rollouts from before the envelope (mid-2025) are bare items, after a first line `{id, timestamp, instructions}`;
// they decode the same way.

public import TracehoundCore

/// Decodes Codex rollout lines. One per stream: it carries the session id from `session_meta` to later records.
public struct CodexDecoder: RecordDecoder {
    private var parser = JSONParser()
    private var argumentsParser = JSONParser()
    private var session: String?

    /// Lines decoded so far, to bound how long the decoder asks for every line.
    private var linesSeen = 0

    /// Until the session is known, the first lines are decoded so `session_meta` (the first line of a rollout)
    /// is not skipped by the fast path; a rollout without one must not cost a decode per line forever.
    public var wantsEveryLine: Bool { session == nil && linesSeen < 16 }

    public init() {}

    public mutating func decode(_ line: UnsafeRawBufferPointer) -> Record {
        linesSeen += 1
        if LineBytes.isBlank(line) { return Record() }
        guard let document = try? parser.parse(line), document.is(document.root, .object) else {
            var record = Record.malformed(line)
            record.session = session
            return record
        }
        let root = document.root
        var record = Record(parsed: document)
        record.time = document.string(document.member("timestamp", of: root))
        let type = document.member("type", of: root)
        let payload = document.member("payload", of: root)
        if document.isString(type, equalTo: "session_meta") {
            session = document.string(document.member("id", of: payload)) ?? session
        } else if payload == nil && type == nil && document.member("instructions", of: root) != nil {
            session = document.string(document.member("id", of: root)) ?? session
        }
        record.session = session
        if document.isString(type, equalTo: "response_item"), let payload, document.is(payload, .object) {
            appendItem(payload, in: document, to: &record)
        } else if payload == nil && type != nil {
            appendItem(root, in: document, to: &record)
        }
        return record
    }

    private mutating func appendItem(_ item: JSONValue, in document: JSONDocument, to record: inout Record) {
        let type = document.member("type", of: item)
        if document.isString(type, equalTo: "reasoning") {
            appendParts(document.member("summary", of: item), as: .reasoning, in: document, to: &record)
            appendParts(document.member("content", of: item), as: .reasoning, in: document, to: &record)
        } else if document.isString(type, equalTo: "message") {
            let kind: FieldKind =
                document.isString(document.member("role", of: item), equalTo: "assistant") ? .message : .user
            appendParts(document.member("content", of: item), as: kind, in: document, to: &record)
        } else if document.isString(type, equalTo: "function_call") {
            record.appendField(.command, text: functionCallText(item, in: document))
        } else if document.isString(type, equalTo: "custom_tool_call") {
            let name = document.stringBytes(document.member("name", of: item)) ?? []
            let input = document.member("input", of: item)
            if name.elementsEqual("apply_patch".utf8) {
                record.appendField(.command, string: input, in: document)
            } else {
                record.appendField(.command, text: ToolCallText.make(name: name, input: input, in: document))
            }
        } else if document.isString(type, equalTo: "local_shell_call") {
            var text: [UInt8] = []
            let command = document.member("command", of: document.member("action", of: item))
            if let command { _ = ToolCallText.appendCommand(command, in: document, to: &text) }
            record.appendField(.command, text: text)
        } else if document.isString(type, equalTo: "web_search_call") {
            let query = document.member("query", of: document.member("action", of: item))
            if let query, document.is(query, .string) {
                record.appendField(
                    .command,
                    text: ToolCallText.make(name: Array("web_search".utf8), input: query, in: document)
                )
            }
        } else if document.isString(type, equalTo: "function_call_output")
            || document.isString(type, equalTo: "custom_tool_call_output")
        {
            guard let output = document.member("output", of: item) else { return }
            record.appendField(.output, text: outputText(output, in: document))
        }
    }

    /// One field per part of a list of `{text}` parts (or one for a plain string).
    private func appendParts(
        _ parts: JSONValue?,
        as kind: FieldKind,
        in document: JSONDocument,
        to record: inout Record
    ) {
        guard let parts else { return }
        if document.is(parts, .string) { record.appendField(kind, string: parts, in: document) }
        for part in document.elements(of: parts) {
            record.appendField(kind, string: document.member("text", of: part), in: document)
        }
    }

    /// A function call's command text; its `arguments` is JSON inside a JSON string.
    private mutating func functionCallText(_ item: JSONValue, in document: JSONDocument) -> [UInt8] {
        let name = document.stringBytes(document.member("name", of: item)) ?? []
        guard let arguments = document.member("arguments", of: item) else { return name }
        guard let argumentText = document.stringBytes(arguments) else {
            return ToolCallText.make(name: name, input: arguments, in: document)
        }
        let parsed: [UInt8]? = argumentText.withUnsafeBytes { raw in
            guard let nested = try? argumentsParser.parse(raw), nested.is(nested.root, .object) else { return nil }
            return ToolCallText.make(name: name, input: nested.root, in: nested)
        }
        if let parsed { return parsed }
        var text = name
        if !text.isEmpty && !argumentText.isEmpty { text.append(UInt8(ascii: "\n")) }
        text.append(contentsOf: argumentText)
        return text
    }

    /// A tool output's text: a string, a JSON string holding `{"output": ...}`, or a list of content items.
    private mutating func outputText(_ output: JSONValue, in document: JSONDocument) -> [UInt8] {
        switch document.kind(of: output) {
        case .string:
            let text = document.stringBytes(output) ?? []
            guard text.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }) == UInt8(ascii: "{")
            else { return text }
            let inner: [UInt8]? = text.withUnsafeBytes { raw in
                guard let nested = try? argumentsParser.parse(raw) else { return nil }
                if let value = nested.member("output", of: nested.root), nested.is(value, .string) {
                    return nested.stringBytes(value)
                }
                if let content = nested.member("content", of: nested.root) { return nested.joinedText(content) }
                // Some other JSON result: its string values, so escapes inside it are decoded too.
                var strings: [UInt8] = []
                nested.forEachString(in: nested.root) { value in
                    if !strings.isEmpty { strings.append(UInt8(ascii: "\n")) }
                    nested.appendString(value, to: &strings)
                }
                return strings
            }
            return inner ?? text
        case .object:
            let value = document.member("output", of: output) ?? document.member("content", of: output)
            return value.map { document.joinedText($0) } ?? []
        default:
            return document.joinedText(output)
        }
    }
}
