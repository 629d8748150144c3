// Generic JSON lines (`format: jsonl`): any JSON value a line, read through a `JSONLinesLayout` of RFC 6901
// pointers. A mapped pointer that designates a string gives one field of its kind; one that designates an array or
// object gives a field for every string inside it, in document order; a missing pointer gives nothing. With no
// mappings, every string value anywhere in the line (keys excluded) is a `log` field. Metadata pointers take a
// string (or a number's text, for epoch times). Only a line that is not JSON at all is malformed.

public import TracehoundCore

/// Decodes generic JSON lines by pointer mappings.
public struct JSONLinesDecoder: RecordDecoder {
    public let layout: JSONLinesLayout
    private var parser = JSONParser()

    public init(layout: JSONLinesLayout = JSONLinesLayout()) {
        self.layout = layout
    }

    public mutating func decode(_ line: UnsafeRawBufferPointer) -> Record {
        if LineBytes.isBlank(line) { return Record() }
        guard let document = try? parser.parse(line) else { return .malformed(line) }
        var record = Record(parsed: document)
        if layout.fields.isEmpty {
            document.forEachString(in: document.root) { record.appendField(.log, string: $0, in: document) }
        } else {
            for mapping in layout.fields {
                guard let value = document.value(at: mapping.pointer) else { continue }
                document.forEachString(in: value) { record.appendField(mapping.kind, string: $0, in: document) }
            }
        }
        record.time = Self.metadata(layout.time, in: document)
        record.session = Self.metadata(layout.session, in: document)
        record.id = Self.metadata(layout.id, in: document)
        record.agent = Self.metadata(layout.agent, in: document)
        return record
    }

    private static func metadata(_ pointer: JSONPointer?, in document: JSONDocument) -> String? {
        guard let pointer, let value = document.value(at: pointer) else { return nil }
        switch document.kind(of: value) {
        case .string: return document.string(value)
        case .number: return String(decoding: document.sourceText(value), as: UTF8.self)
        default: return nil
        }
    }
}
