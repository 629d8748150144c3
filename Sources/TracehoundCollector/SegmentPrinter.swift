// How `tracehound-collector query` shows stored segments: readably (a header per segment, then each record's fields
// with the hits highlighted) or as NDJSON (each stored line with its cursor in front).
//
// The readable form reads the stored line with Core's JSONParser. Hit ranges are byte offsets into a field's decoded
// text (docs/PROTOCOL.md); long texts are shortened around their hits, cut only at UTF-8 character boundaries.
// Everything printed comes from agent hosts, so control characters are shown as symbols (␛ for ESC): a transcript
// must not be able to drive the operator's terminal.
import Foundation
import TracehoundCore

/// Renders stored segments for people (`render`) or for pipelines (`jsonLine`).
public struct SegmentPrinter: Sendable {
    /// How hit ranges stand out: ANSI bold red on a terminal, `»…«` elsewhere.
    public var colour: Bool
    /// Bytes of text kept on each side of a hit when a field is shortened.
    public var contextBytes = 80
    /// Fields up to this many bytes are shown whole.
    public var maxFieldBytes = 240

    public init(colour: Bool) {
        self.colour = colour
    }

    /// The stored line as NDJSON with a leading `"cursor"` member: `{"cursor":12,` and the rest of the line.
    public static func jsonLine(_ segment: StoredSegment) -> [UInt8] {
        var out = Array("{\"cursor\":\(segment.cursor)".utf8)
        let line = segment.line
        var index = 0
        while index < line.count, [0x20, 0x09, 0x0D, 0x0A].contains(line[index]) { index += 1 }
        guard index < line.count, line[index] == UInt8(ascii: "{") else {
            // Not an object (the collector stores only objects): keep it whole under a name of its own.
            out += Array(",\"line\":".utf8) + line + [UInt8(ascii: "}"), 0x0A]
            return out
        }
        var next = index + 1
        while next < line.count, [0x20, 0x09, 0x0D, 0x0A].contains(line[next]) { next += 1 }
        if next >= line.count || line[next] != UInt8(ascii: "}") { out.append(UInt8(ascii: ",")) }
        out += line[(index + 1)...]
        out.append(0x0A)
        return out
    }

    /// One segment for people: its header, then every field of every record, hits highlighted.
    public func render(_ segment: StoredSegment) -> String {
        var parser = JSONParser()
        let parsed: Result<ParsedSegment, JSONSyntaxError>
        do {
            parsed = .success(try parser.parse(segment.line) { ParsedSegment($0) })
        } catch {
            parsed = .failure(error)
        }
        var text = bold("── cursor \(segment.cursor)") + "  " + Timestamp.rfc3339(segment.receivedAt)
        guard case .success(let shown) = parsed else {
            if case .failure(let error) = parsed { text += "  (the stored line is not JSON: \(error))" }
            return text + "\n   " + visible(segment.line.prefix(maxFieldBytes)) + "\n\n"
        }
        text += "  \(visible(shown.host))  \(visible(shown.source))  score \(shown.score)"
        if let severity = shown.maxSeverity { text += "  \(visible(severity))" }
        if shown.sampled { text += "  sampled" }
        if shown.redactions > 0 { text += "  redactions \(shown.redactions)" }
        var rules: [String] = []
        for hit in shown.hits where !rules.contains(hit.rule) { rules.append(hit.rule) }
        text += "\n   rules: " + (rules.isEmpty ? "none" : rules.map(visible).joined(separator: ", "))
        text += "\n   " + visible(shown.path ?? "(no path)")
        if let session = shown.session { text += "  session \(visible(session))" }
        text += "\n   segment \(visible(shown.id))\n"
        for (recordIndex, record) in shown.records.enumerated() {
            for (fieldIndex, field) in record.fields.enumerated() {
                let hits = shown.hits.filter { $0.record == recordIndex && $0.field == fieldIndex }
                let marker = hits.isEmpty ? " " : (colour ? "\u{1B}[31;1m▶\u{1B}[0m" : "▶")
                text += "\(marker) @\(visible(record.position)) \(visible(field.kind)): "
                text += excerpt(field.text, hits.map { $0.start..<$0.end }) + "\n"
            }
            if record.fields.isEmpty { text += "  @\(visible(record.position)) (no text)\n" }
        }
        return text + "\n"
    }

    // MARK: Text

    /// The field on one line: whole when short, else the stretches around its hits (or its start), hits marked.
    func excerpt(_ text: [UInt8], _ hitRanges: [Range<Int>]) -> String {
        let ranges = Self.merged(hitRanges.map { $0.clamped(to: 0..<text.count) }.filter { !$0.isEmpty })
        var shown: [Range<Int>]
        if text.count <= maxFieldBytes {
            shown = [0..<text.count]
        } else if ranges.isEmpty {
            shown = [0..<boundary(text, maxFieldBytes)]
        } else {
            shown = Self.merged(
                ranges.map {
                    boundary(text, $0.lowerBound - contextBytes)..<boundary(text, $0.upperBound + contextBytes)
                }
            )
        }
        var out = ""
        var previousEnd = 0
        for window in shown {
            if window.lowerBound > previousEnd { out += "…" }
            var cursor = window.lowerBound
            for hit in ranges where hit.overlaps(window) {
                let start = max(hit.lowerBound, cursor)
                let end = min(hit.upperBound, window.upperBound)
                guard start < end else { continue }
                out += visible(text[cursor..<start]) + highlight(visible(text[start..<end]))
                cursor = end
            }
            out += visible(text[cursor..<window.upperBound])
            previousEnd = window.upperBound
        }
        if previousEnd < text.count { out += "…" }
        return out
    }

    private func highlight(_ text: String) -> String {
        colour ? "\u{1B}[1;31m\(text)\u{1B}[0m" : "»\(text)«"
    }

    private func bold(_ text: String) -> String {
        colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }

    /// `offset` clamped to the text and moved back to the start of the UTF-8 character it falls in.
    private func boundary(_ text: [UInt8], _ offset: Int) -> Int {
        var index = min(max(0, offset), text.count)
        while index > 0, index < text.count, text[index] & 0xC0 == 0x80 { index -= 1 }
        return index
    }

    /// Sorted ranges with overlapping and touching ones joined.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    private func visible<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        visible(String(decoding: Array(bytes), as: UTF8.self))
    }

    /// The text on one line with no control characters: newlines as ⏎, tabs as spaces, other C0 controls and DEL
    /// as their Unicode symbols, C1 controls as U+FFFD.
    private func visible(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out.append("⏎")
            case 0x09: out.append(" ")
            case 0x00..<0x20: out.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out.append("␡")
            case 0x80..<0xA0: out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}

/// The parts of a stored segment line the readable form shows.
private struct ParsedSegment {
    struct Hit {
        var rule: String
        var record: Int
        var field: Int
        var start: Int
        var end: Int
    }

    struct Field {
        var kind: String
        var text: [UInt8]
    }

    struct Record {
        var position: String
        var fields: [Field]
    }

    var id, host, source: String
    var path, session, maxSeverity: String?
    var score, redactions: Int
    var sampled: Bool
    var hits: [Hit] = []
    var records: [Record] = []

    init(_ document: JSONDocument) {
        let root = document.root
        func integer(_ value: JSONValue?) -> Int? {
            guard let value, document.kind(of: value) == .number else { return nil }
            return Int(String(decoding: document.sourceText(value), as: UTF8.self))
        }
        id = document.string(document.member("id", of: root)) ?? "?"
        host = document.string(document.member("host", of: root)) ?? "?"
        source = document.string(document.member("source", of: root)) ?? "?"
        let stream = document.member("stream", of: root)
        path = document.string(document.member("path", of: stream))
        session = document.string(document.member("session", of: stream))
        maxSeverity = document.string(document.member("max_severity", of: root))
        score = integer(document.member("score", of: root)) ?? 0
        redactions = integer(document.member("redactions", of: root)) ?? 0
        sampled = document.kind(of: document.member("sampled", of: root) ?? root) == .true
        if let hits = document.member("hits", of: root) {
            for hit in document.elements(of: hits) {
                self.hits.append(
                    Hit(
                        rule: document.string(document.member("rule", of: hit)) ?? "?",
                        record: integer(document.member("record", of: hit)) ?? -1,
                        field: integer(document.member("field", of: hit)) ?? -1,
                        start: integer(document.member("start", of: hit)) ?? 0,
                        end: integer(document.member("end", of: hit)) ?? 0
                    )
                )
            }
        }
        if let records = document.member("records", of: root) {
            for record in document.elements(of: records) {
                var fields: [Field] = []
                if let list = document.member("fields", of: record) {
                    for field in document.elements(of: list) {
                        fields.append(
                            Field(
                                kind: document.string(document.member("kind", of: field)) ?? "?",
                                text: document.stringBytes(document.member("text", of: field)) ?? []
                            )
                        )
                    }
                }
                let position = document.member("pos", of: record)
                self.records.append(
                    Record(
                        position: document.string(position)
                            ?? position.map { String(decoding: document.sourceText($0), as: UTF8.self) } ?? "?",
                        fields: fields
                    )
                )
            }
        }
    }
}
