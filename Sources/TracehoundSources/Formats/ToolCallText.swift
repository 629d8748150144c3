// What rules see of a tool call, shared by the Claude Code and Codex decoders, and small helpers for filling a
// record's fields from a parsed line.
//
// A tool call becomes exactly one `command` field, so "one field per call" holds for counting and for segments:
// - a call whose input has `command` or `cmd` (a shell): that command first (an argv array joined with spaces),
//   then the input's other string values (a description, a working directory, a justification);
// - any other call (edits, reads, fetches, MCP tools): the tool's name on the first line, then every string value
//   of the input in document order, nested ones included. For an edit that is `file_path`, `old_string`,
//   `new_string` / `content` / each of `edits[]`; for a read, the path, which is what secret-reading rules look at.
// Pieces are joined with a newline; numbers and booleans are left out.

import TracehoundCore

enum ToolCallText {
    /// The command text of a call named `name` (UTF-8, may be empty) with JSON `input` (an object, a string, or
    /// nothing).
    static func make(name: [UInt8], input: JSONValue?, in document: JSONDocument) -> [UInt8] {
        var text: [UInt8] = []
        var commandKey: JSONValue? = nil
        if let input, document.is(input, .object) {
            for (key, value) in document.members(of: input) {
                guard document.isString(key, equalTo: "command") || document.isString(key, equalTo: "cmd") else {
                    continue
                }
                guard appendCommand(value, in: document, to: &text) else { continue }
                commandKey = key
                break
            }
        }
        if commandKey == nil { text.append(contentsOf: name) }
        guard let input else { return text }
        if document.is(input, .object) {
            for (key, value) in document.members(of: input) where key != commandKey {
                document.forEachString(in: value) { appendPiece($0, in: document, to: &text) }
            }
        } else {
            document.forEachString(in: input) { appendPiece($0, in: document, to: &text) }
        }
        return text
    }

    /// Appends a shell command given as a string or as an argv array of strings; false if it is neither.
    static func appendCommand(_ value: JSONValue, in document: JSONDocument, to text: inout [UInt8]) -> Bool {
        switch document.kind(of: value) {
        case .string:
            document.appendString(value, to: &text)
            return true
        case .array:
            var first = true
            for argument in document.elements(of: value) where document.is(argument, .string) {
                if !first { text.append(UInt8(ascii: " ")) }
                document.appendString(argument, to: &text)
                first = false
            }
            return !first
        default:
            return false
        }
    }

    private static func appendPiece(_ value: JSONValue, in document: JSONDocument, to text: inout [UInt8]) {
        if !text.isEmpty { text.append(UInt8(ascii: "\n")) }
        document.appendString(value, to: &text)
    }
}

extension Record {
    /// Appends a field of `kind` with the unescaped text of `value` when it is a non-empty string.
    mutating func appendField(_ kind: FieldKind, string value: JSONValue?, in document: JSONDocument) {
        guard let value, document.is(value, .string) else { return }
        var text: [UInt8] = []
        document.appendString(value, to: &text)
        appendField(kind, text: text)
    }

    /// Appends a field of `kind` unless `text` is empty (an empty field can never match).
    mutating func appendField(_ kind: FieldKind, text: [UInt8]) {
        guard !text.isEmpty else { return }
        fields.append(RecordField(kind: kind, text: text))
    }

    /// The flags a successfully parsed line carries (its strings may still hold invalid UTF-8).
    init(parsed document: JSONDocument) {
        self.init(flags: document.containsInvalidUTF8 ? .invalidUTF8 : [])
    }
}

extension JSONDocument {
    /// The text of a block list: each element's `text` (or the element itself when it is a string), joined with
    /// newlines. Also accepts a plain string. Used for tool results and Codex outputs.
    func joinedText(_ value: JSONValue, key: StaticString = "text") -> [UInt8] {
        var text: [UInt8] = []
        switch kind(of: value) {
        case .string:
            appendString(value, to: &text)
        case .array:
            for element in elements(of: value) {
                let piece = `is`(element, .string) ? element : member(key, of: element)
                guard let piece, `is`(piece, .string) else { continue }
                if !text.isEmpty { text.append(UInt8(ascii: "\n")) }
                appendString(piece, to: &text)
            }
        default:
            break
        }
        return text
    }
}
