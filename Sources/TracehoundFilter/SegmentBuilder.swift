// Finishing a closed segment for the wire: text made valid UTF-8, secrets redacted, hit offsets mapped through
// both edits, rule indices resolved to ids, categories and severities, and the segment's replay-stable id.
public import TracehoundCore

public struct SegmentBuilder {
    public var host: String
    public var stream: StreamIdentity

    public init(host: String, stream: StreamIdentity) {
        self.host = host
        self.stream = stream
    }

    public func build(_ closed: Segmenter.ClosedSegment, engine: RuleEngine, redactor: Redactor) throws -> Segment {
        var records = closed.records
        var redactions = 0
        // Edits per record and field, in the order they were made, to map hit offsets afterwards.
        var edits: [[[[TextEdit]]]] = []
        for recordIndex in records.indices {
            var recordEdits: [[[TextEdit]]] = []
            for fieldIndex in records[recordIndex].record.fields.indices {
                var text = records[recordIndex].record.fields[fieldIndex].text
                let invalid = TextEdits.invalidUTF8Ranges(text)
                let repaired = TextEdits.apply(invalid, to: &text) { _ in [0xEF, 0xBF, 0xBD] }
                let redacted = try redactor.redact(&text)
                redactions += redacted.count
                records[recordIndex].record.fields[fieldIndex].text = text
                // Hits are mapped through the UTF-8 repair first, then through the redaction.
                recordEdits.append([repaired, redacted])
            }
            edits.append(recordEdits)
        }
        var maxSeverity: Severity?
        let hits = closed.hits.map { entry -> SegmentHit in
            let rule = engine.rules[entry.hit.rule]
            maxSeverity = max(maxSeverity ?? rule.severity, rule.severity)
            var start = entry.hit.start
            var end = entry.hit.end
            for stage in edits[entry.record][entry.hit.field] {
                start = TextEdits.map(start, through: stage, isEnd: false)
                end = TextEdits.map(end, through: stage, isEnd: true)
            }
            return SegmentHit(
                rule: rule.id,
                category: rule.category,
                severity: rule.severity.rawValue,
                record: entry.record,
                field: entry.hit.field,
                kind: records[entry.record].record.fields[entry.hit.field].kind,
                start: start,
                end: end
            )
        }
        let id = Segment.makeID(
            host: host,
            fingerprint: stream.fingerprint,
            firstPosition: records.first?.position ?? "",
            lastPosition: records.last?.position ?? ""
        )
        return Segment(
            id: id,
            host: host,
            stream: stream,
            session: records.lazy.compactMap(\.record.session).first,
            score: closed.score,
            maxSeverity: maxSeverity?.rawValue,
            sampled: closed.sampled,
            redactions: redactions,
            hits: hits,
            records: records
        )
    }
}
