// A segment as one NDJSON line, the wire format of DESIGN.md §4 and docs/PROTOCOL.md. Fields may be added,
// never renamed. Written by hand into a reused byte buffer: Foundation's encoder would cost an allocation per
// value and reorder keys.

extension Segment {
    /// Appends this segment as one JSON object and a newline to `out`. Field text must be valid UTF-8
    /// (SegmentBuilder repairs it); control characters, quotes and backslashes are escaped.
    public func appendJSONLine(to out: inout [UInt8]) {
        var writer = JSONWriter(out: out)
        writer.raw("{\"v\":1,\"id\":")
        writer.string(id)
        writer.raw(",\"host\":")
        writer.string(host)
        writer.raw(",\"source\":")
        writer.string(stream.source)
        writer.raw(",\"format\":")
        writer.string(stream.format)
        writer.raw(",\"stream\":{\"path\":")
        writer.string(stream.path)
        writer.raw(",\"fingerprint\":")
        writer.string(stream.fingerprint)
        writer.raw(",\"session\":")
        writer.optionalString(session)
        writer.raw("},\"score\":\(score),\"max_severity\":")
        writer.optionalString(maxSeverity)
        writer.raw(",\"sampled\":\(sampled),\"redactions\":\(redactions),\"hits\":[")
        for (index, hit) in hits.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"rule\":")
            writer.string(hit.rule)
            writer.raw(",\"category\":")
            writer.string(hit.category)
            writer.raw(",\"severity\":")
            writer.string(hit.severity)
            writer.raw(",\"record\":\(hit.record),\"field\":\(hit.field),\"kind\":\"\(hit.kind.name)\"")
            writer.raw(",\"start\":\(hit.start),\"end\":\(hit.end)}")
        }
        writer.raw("],\"records\":[")
        for (index, entry) in records.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"pos\":")
            writer.string(entry.position)
            if let time = entry.record.time {
                writer.raw(",\"time\":")
                writer.string(time)
            }
            if let recordID = entry.record.id {
                writer.raw(",\"uuid\":")
                writer.string(recordID)
            }
            if let agent = entry.record.agent {
                writer.raw(",\"agent\":")
                writer.string(agent)
            }
            if !entry.record.flags.isEmpty {
                writer.raw(",\"flags\":[")
                writer.raw(entry.record.flags.names.map { "\"\($0)\"" }.joined(separator: ","))
                writer.raw("]")
            }
            writer.raw(",\"fields\":[")
            for (fieldIndex, field) in entry.record.fields.enumerated() {
                if fieldIndex > 0 { writer.raw(",") }
                writer.raw("{\"kind\":\"\(field.kind.name)\",\"text\":")
                writer.string(bytes: field.text)
                writer.raw("}")
            }
            writer.raw("]}")
        }
        writer.raw("]}\n")
        out = writer.out
    }

    /// This segment as one NDJSON line.
    public var jsonLine: [UInt8] {
        var out: [UInt8] = []
        appendJSONLine(to: &out)
        return out
    }
}

extension RecordFlags {
    /// The flags' names as they travel (`malformed_json`, `invalid_utf8`, `nul`, `truncated`).
    public var names: [String] {
        var names: [String] = []
        if contains(.malformedJSON) { names.append("malformed_json") }
        if contains(.invalidUTF8) { names.append("invalid_utf8") }
        if contains(.containsNUL) { names.append("nul") }
        if contains(.truncated) { names.append("truncated") }
        return names
    }
}

/// A string as a JSON string literal, quotes included: the one escaper behind segments, log lines and the
/// collector's answers.
public enum JSONQuoting {
    public static func quoted(_ text: String) -> String {
        var writer = JSONWriter(out: [])
        writer.string(text)
        return String(decoding: writer.out, as: UTF8.self)
    }
}

/// Appends JSON text to a byte buffer.
struct JSONWriter {
    var out: [UInt8]

    mutating func raw(_ text: String) { out.append(contentsOf: text.utf8) }

    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    mutating func string(_ value: String) { string(bytes: Array(value.utf8)) }

    mutating func string(bytes: [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for (index, byte) in bytes.enumerated()
        where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            out.append(contentsOf: bytes[runStart..<index])
            runStart = index + 1
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: Array("u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
        }
        out.append(contentsOf: bytes[runStart...])
        out.append(UInt8(ascii: "\""))
    }
}
