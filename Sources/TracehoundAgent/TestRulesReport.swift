// The human side of test-rules: each segment with its hits highlighted and named, and a closing summary.
import Foundation
import TracehoundCore
import TracehoundFilter

struct TestRulesReport {
    let engine: RuleEngine
    let colour: Bool
    /// Text shown around a hit, and of a field without hits, so huge tool outputs stay readable.
    let contextBytes = 160

    private func style(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func render(_ segment: Segment) -> String {
        var text = style("── segment \(segment.id)", "1")
        text += " score \(segment.score)"
        if let severity = segment.maxSeverity { text += " max \(severity)" }
        if segment.sampled { text += " sampled" }
        if segment.redactions > 0 { text += " redactions \(segment.redactions)" }
        text += "\n   \(segment.stream.path)"
        if let session = segment.session { text += " session \(session)" }
        text += "\n"
        for (recordIndex, entry) in segment.records.enumerated() {
            let recordHits = segment.hits.filter { $0.record == recordIndex }
            for (fieldIndex, field) in entry.record.fields.enumerated() {
                let fieldHits = recordHits.filter { $0.field == fieldIndex }
                let marker = fieldHits.isEmpty ? " " : style("▶", "31;1")
                text += "\(marker) @\(entry.position) \(field.kind.name): \(excerpt(field.text, fieldHits))\n"
                for hit in fieldHits {
                    text += "      " + style("\(hit.rule)", "33") + " (\(hit.category), \(hit.severity))\n"
                }
            }
            if entry.record.fields.isEmpty { text += "  @\(entry.position) (no text)\n" }
        }
        return text + "\n"
    }

    /// The field's text on one line: around its hits (highlighted), or its start when it has none.
    private func excerpt(_ bytes: [UInt8], _ hits: [SegmentHit]) -> String {
        guard let first = hits.map(\.start).min(), let last = hits.map(\.end).max() else {
            return oneLine(bytes[..<min(bytes.count, contextBytes)]) + (bytes.count > contextBytes ? "…" : "")
        }
        let from = max(0, first - contextBytes / 2)
        let to = min(bytes.count, last + contextBytes / 2)
        var text = from > 0 ? "…" : ""
        var cursor = from
        for hit in hits.sorted(by: { $0.start < $1.start }) where hit.start >= cursor {
            text += oneLine(bytes[cursor..<hit.start])
            let matched = oneLine(bytes[hit.start..<min(hit.end, bytes.count)])
            text += colour ? style(matched, "31;1;4") : "»\(matched)«"
            cursor = min(hit.end, bytes.count)
        }
        text += oneLine(bytes[cursor..<to])
        return text + (to < bytes.count ? "…" : "")
    }

    private func oneLine(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(
            of: "\t",
            with: " "
        )
    }

    func summary(_ summary: TestRulesSummary) -> String {
        let megabytes = Double(summary.counts.bytes) / 1_000_000
        var text = "summary: \(summary.files) files, \(summary.counts.lines) records, "
        text += String(
            format: "%.1f MB in %.2f s (%.1f MB/s)\n",
            megabytes,
            summary.seconds,
            megabytes / max(summary.seconds, 1e-9)
        )
        text += "  decoded \(summary.counts.decodedLines) records (\(summary.counts.candidateLines) raw candidates)"
        text += ", malformed \(summary.counts.malformedLines), truncated \(summary.counts.truncatedLines)\n"
        let hits = summary.counts.hitsPerRule.sorted {
            ($1.value, engine.rules[$0.key].id) < ($0.value, engine.rules[$1.key].id)
        }
        text += "  hits: \(hits.reduce(0) { $0 + $1.value })\n"
        for (rule, count) in hits {
            text += "    \(engine.rules[rule].id): \(count)\n"
        }
        text += "  segments: \(summary.segments) forwarded (\(summary.sampledSegments) sampled)"
        text += ", \(summary.segmentsBelowScore) below min_score\n"
        text += String(
            format: "  records forwarded: %d of %d (%.3f%%)\n",
            summary.recordsForwarded,
            summary.counts.lines,
            summary.forwardedShare * 100
        )
        return text
    }
}
