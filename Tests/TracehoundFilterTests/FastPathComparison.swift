// The two ways to find hits in a stream, for the fast-path property tests: through StreamScanner (raw scan of
// whole chunks, then only candidate lines decoded and matched) and by decoding every line and matching it.
// DESIGN.md §3.6 promises they give the same hits.
import TracehoundCore
import XCTest

@testable import TracehoundFilter

/// One hit, identified by where it is and which rule made it (offsets move with redaction; these do not).
struct LineHit: Hashable, Comparable, CustomStringConvertible {
    var position: Int64
    var rule: String
    var field: Int

    static func < (lhs: LineHit, rhs: LineHit) -> Bool {
        (lhs.position, lhs.rule, lhs.field) < (rhs.position, rhs.rule, rhs.field)
    }

    var description: String { "line@\(position) field \(field) \(rule)" }
}

enum FastPathComparison {
    /// Settings that turn every hit line into its own kept segment: no context, no score threshold.
    static var everyHitKept: SegmentSettings {
        var settings = SegmentSettings()
        settings.contextBefore = 0
        settings.contextAfter = 0
        settings.minScore = 0
        return settings
    }

    /// The hits StreamScanner finds in `bytes`, fed in pieces of `pieceSize` bytes (all at once when nil).
    static func fastPathHits(
        engine: RuleEngine,
        format: TranscriptFormat,
        bytes: [UInt8],
        pieceSize: Int? = nil
    ) throws -> Set<LineHit> {
        let scanner = try FilterFixtures.scanner(engine: engine, format: format, settings: everyHitKept)
        var segments: [Segment] = []
        let size = pieceSize ?? max(bytes.count, 1)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            segments += try bytes[start..<end].withUnsafeBytes { try scanner.feed($0) }
            start = end
        }
        segments += try scanner.finish()
        var hits = Set<LineHit>()
        for segment in segments {
            for hit in segment.hits {
                let position = Int64(segment.records[hit.record].position)!
                hits.insert(LineHit(position: position, rule: hit.rule, field: hit.field))
            }
        }
        return hits
    }

    /// The lines of `bytes` as StreamScanner sees them: split on LF, without it, with their byte offsets.
    static func lines(of bytes: [UInt8]) -> [(position: Int64, bytes: [UInt8])] {
        var lines: [(Int64, [UInt8])] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lines.append((Int64(start), Array(bytes[start..<end])))
            start = end + 1
        }
        return lines
    }

    /// The hits found by decoding every line with one decoder for the stream and matching each record.
    static func slowPathHits(engine: RuleEngine, format: TranscriptFormat, bytes: [UInt8]) throws -> Set<LineHit> {
        let matcher = try RuleMatcher(engine: engine)
        var decoder = format.makeDecoder()
        var hits = Set<LineHit>()
        for line in lines(of: bytes) {
            let record = decoder.decode(line.bytes)
            for hit in try matcher.hits(in: record) {
                hits.insert(LineHit(position: line.position, rule: engine.rules[hit.rule].id, field: hit.field))
            }
        }
        return hits
    }

    /// Asserts both paths agree on `bytes`; a difference is reported with the line and the field text.
    static func assertEqualPaths(
        engine: RuleEngine,
        format: TranscriptFormat,
        bytes: [UInt8],
        label: String,
        minimumHits: Int = 0,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let fast = try fastPathHits(engine: engine, format: format, bytes: bytes)
        let slow = try slowPathHits(engine: engine, format: format, bytes: bytes)
        XCTAssertGreaterThanOrEqual(
            slow.count,
            minimumHits,
            "\(label): too few hits to prove anything",
            file: file,
            line: line
        )
        try assertRawSuperset(engine: engine, format: format, bytes: bytes, label: label, file: file, line: line)
        guard fast != slow else { return }
        let byPosition = Dictionary(uniqueKeysWithValues: lines(of: bytes).map { ($0.position, $0.bytes) })
        var report: [String] = []
        for missing in slow.subtracting(fast).sorted().prefix(8) {
            report.append(
                "missed by the fast path: \(missing)\n    raw: \(excerpt(byPosition[missing.position] ?? []))"
            )
            var decoder = format.makeDecoder()
            let record = decoder.decode(byPosition[missing.position] ?? [])
            if record.fields.indices.contains(missing.field) {
                report.append("    field: \(excerpt(record.fields[missing.field].text))")
            }
        }
        for extra in fast.subtracting(slow).sorted().prefix(8) {
            report.append(
                "found only by the fast path: \(extra)\n    raw: \(excerpt(byPosition[extra.position] ?? []))"
            )
        }
        XCTFail(
            "\(label): \(slow.subtracting(fast).count) hits missed, \(fast.subtracting(slow).count) extra "
                + "(of \(slow.count))\n" + report.joined(separator: "\n"),
            file: file,
            line: line
        )
    }

    /// The sharper property behind the fast path, pattern by pattern: whenever a rule pattern matches a decoded
    /// field of a line, its raw-line twin matches the raw line, whole or both the head and the tail of a match across
    /// joined pieces (or the line holds a `\uXXXX` escape, which sends it to the slow path whatever the raw scan finds). Line-level equality alone can hide a miss when
    /// another pattern happens to flag the same line.
    static func assertRawSuperset(
        engine: RuleEngine,
        format: TranscriptFormat,
        bytes: [UInt8],
        label: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let decodedScratch = try engine.decodedDatabase.makeScratch()
        let rawScratch = try engine.rawDatabase.makeScratch()
        var decoder = format.makeDecoder()
        var report: [String] = []
        var misses = 0
        for entry in lines(of: bytes) {
            let record = decoder.decode(entry.bytes)
            var decodedSlots = Set<UInt32>()
            for field in record.fields {
                try engine.decodedDatabase.scan(field.text, scratch: decodedScratch) { match in
                    if !engine.slots[Int(match.id)].isVeto { decodedSlots.insert(match.id) }
                    return .keepScanning
                }
            }
            guard !decodedSlots.isEmpty else { continue }
            var rawSlots = Set<UInt32>()
            var crossings = Set<UInt32>()
            var guarded = false
            try engine.rawDatabase.scan(entry.bytes, scratch: rawScratch) { match in
                switch engine.rawRoles[Int(match.id)] {
                case .whole(let slot?): rawSlots.insert(slot)
                case .whole(nil): guarded = true
                case .crossing(let slot): crossings.insert(slot)
                }
                return .keepScanning
            }
            if guarded { continue }
            for slot in crossings.subtracting(rawSlots) {
                // No database for the other side: the engine treats one side alone as enough.
                guard let finder = engine.crossingCheck(for: slot) else {
                    rawSlots.insert(slot)
                    continue
                }
                let scratch = try finder.makeScratch()
                try finder.scan(entry.bytes, scratch: scratch) { _ in
                    rawSlots.insert(slot)
                    return .stop
                }
            }
            for slot in decodedSlots.subtracting(rawSlots).sorted() {
                misses += 1
                guard report.count < 6 else { continue }
                let pattern = engine.decodedPatterns[Int(slot)]
                let field = record.fields.first { field in
                    (try? PCRE2Pattern(pattern.expression, caseless: pattern.flags.contains(.caseless))
                        .matches(field.text)) == true
                }
                report.append(
                    "line@\(entry.position) rule \(engine.rules[engine.slots[Int(slot)].rule].id) /\(pattern.expression)/"
                        + "\n    raw: \(excerpt(entry.bytes))\n    field: \(excerpt(field?.text ?? []))"
                )
            }
        }
        XCTAssertEqual(
            misses,
            0,
            "\(label): raw patterns missed decoded matches\n" + report.joined(separator: "\n"),
            file: file,
            line: line
        )
    }

    static func excerpt(_ bytes: [UInt8], limit: Int = 600) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return String(reflecting: text) + (bytes.count > limit ? "…(\(bytes.count) bytes)" : "")
    }
}
