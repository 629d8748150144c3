// The segmenter (DESIGN.md §2): context before and after hits, merging, limits, scores, sampling and ids. Lines
// are fed as the stream scanner feeds them: a position, the raw bytes, the decoded record when there are hits.
import TracehoundCore
import XCTest

@testable import TracehoundFilter

final class SegmenterTests: XCTestCase {
    static let rules = """
        rules:
        \(ruleYAML(id: "seg.high", severity: "high", regex: ["high"]))\
        \(ruleYAML(id: "seg.medium", severity: "medium", regex: ["medium"]))\
        \(ruleYAML(id: "seg.low", severity: "low", regex: ["low"]))
        """

    static func engine() throws -> RuleEngine { try FilterFixtures.engine(yaml: rules) }

    /// Feeds `count` lines at positions 100, 200, ...; `hits` maps a line number to the rule index that hits it.
    /// Returns the closed segments, `finish()` included.
    func run(
        _ settings: SegmentSettings,
        count: Int,
        hits: [Int: Int] = [:],
        fingerprint: String = "stream-a",
        lineText: (Int) -> String = { "line \($0)" }
    ) throws -> (segments: [Segmenter.ClosedSegment], segmenter: Segmenter) {
        let segmenter = Segmenter(engine: try Self.engine(), settings: settings, streamFingerprint: fingerprint)
        var closed: [Segmenter.ClosedSegment] = []
        for number in 0..<count {
            let bytes = Array(lineText(number).utf8)
            let lineHits = hits[number].map { [Hit(rule: $0, field: 0, start: 0, end: 1)] } ?? []
            let record = lineHits.isEmpty && !segmenter.wantsDecodedLines ? nil : Record.single(.log, lineText(number))
            closed += bytes.withUnsafeBytes { line in
                segmenter.add(position: Int64(number * 100 + 100), line: line, record: record, hits: lineHits) {
                    Record(fields: [RecordField(kind: .log, text: Array($0))])
                }
            }
        }
        return (closed + segmenter.finish(), segmenter)
    }

    func settings(before: Int, after: Int, minScore: Int = 0) -> SegmentSettings {
        var settings = SegmentSettings()
        settings.contextBefore = before
        settings.contextAfter = after
        settings.minScore = minScore
        return settings
    }

    /// The line numbers a segment holds.
    func lines(_ segment: Segmenter.ClosedSegment) -> [Int] {
        segment.records.map { Int($0.position)! / 100 - 1 }
    }

    func testContextBeforeAndAfterHoldExactlyTheConfiguredNumberOfRecords() throws {
        let result = try run(settings(before: 3, after: 2), count: 20, hits: [10: 0])
        XCTAssertEqual(result.segments.map(lines), [[7, 8, 9, 10, 11, 12]])
        let segment = try XCTUnwrap(result.segments.first)
        XCTAssertEqual(segment.hits.map(\.record), [3], "the hit is the fourth record")
        XCTAssertEqual(segment.records[0].record.fields[0].text, Array("line 7".utf8), "context is decoded")
        XCTAssertEqual(segment.score, 10)
        XCTAssertFalse(segment.sampled)
    }

    func testAHitNearTheStreamStartTakesTheContextThereIs() throws {
        let result = try run(settings(before: 5, after: 1), count: 10, hits: [2: 0])
        XCTAssertEqual(result.segments.map(lines), [[0, 1, 2, 3]])
    }

    func testAHitInsideTheAfterWindowExtendsIt() throws {
        let result = try run(settings(before: 1, after: 3), count: 30, hits: [10: 0, 12: 1, 15: 2])
        XCTAssertEqual(result.segments.map(lines), [Array(9...18)])
        XCTAssertEqual(result.segments.first?.score, 10 + 3 + 1)
        XCTAssertEqual(result.segments.first?.hits.map(\.record), [1, 3, 6])
    }

    func testWindowsThatOverlapMergeIntoOneSegment() throws {
        // 10's window is 7...12, 14's is 11...16: they share lines 11 and 12.
        let result = try run(settings(before: 3, after: 2), count: 30, hits: [10: 0, 14: 0])
        XCTAssertEqual(result.segments.map(lines), [Array(7...16)])
    }

    func testWindowsThatOnlyTouchStayTwoSegmentsWithFullContext() throws {
        // 10's window is 7...12, 16's is 13...18: adjacent, no record in common.
        let result = try run(settings(before: 3, after: 2), count: 30, hits: [10: 0, 16: 0])
        XCTAssertEqual(result.segments.map(lines), [Array(7...12), Array(13...18)])
    }

    func testMaxRecordsClosesASegmentAndTheNextHitStartsAnother() throws {
        var limits = settings(before: 2, after: 2)
        limits.maxRecords = 4
        let hits = Dictionary(uniqueKeysWithValues: (5...14).map { ($0, 0) })
        let result = try run(limits, count: 20, hits: hits)
        XCTAssertTrue(result.segments.allSatisfy { $0.records.count <= 4 }, "\(result.segments.map(lines))")
        XCTAssertEqual(result.segments.first.map(lines), [3, 4, 5, 6])
        XCTAssertEqual(Set(result.segments.flatMap(lines)).isSuperset(of: 5...14), true, "every hit line is kept")
    }

    func testMaxBytesClosesASegment() throws {
        var limits = settings(before: 0, after: 10)
        limits.maxBytes = 50
        let text = { (number: Int) in "line \(number) " + String(repeating: "x", count: 14) }  // 22 or 23 bytes
        let result = try run(limits, count: 12, hits: [0: 0], lineText: text)
        XCTAssertEqual(result.segments.map(lines), [[0, 1, 2]], "the third record reaches 50 bytes")
    }

    func testSegmentsBelowTheMinimumScoreAreDroppedAndCounted() throws {
        let result = try run(settings(before: 1, after: 1, minScore: 10), count: 40, hits: [5: 2, 20: 1, 30: 0])
        XCTAssertEqual(result.segments.map(lines), [[29, 30, 31]])
        XCTAssertEqual(result.segmenter.counts.segmentsBelowScore, 2)
        XCTAssertEqual(result.segmenter.counts.segmentsKept, 1)
        XCTAssertEqual(result.segmenter.counts.recordsForwarded, 3)
    }

    func testHitsWhoseWindowsOverlapAddUpTowardTheMinimumScore() throws {
        // Two medium hits (3 each) four lines apart: one segment scoring 6, kept at min_score 6.
        let result = try run(settings(before: 3, after: 2, minScore: 6), count: 30, hits: [10: 1, 14: 1])
        XCTAssertEqual(result.segments.map(\.score), [6])
        XCTAssertEqual(result.segmenter.counts.segmentsBelowScore, 0)
    }

    func testALingeringSegmentCountsAsOpenUntilItCloses() throws {
        // After its after-window the segment waits for `before` lines; idle-close must still see it.
        let segmenter = Segmenter(
            engine: try Self.engine(),
            settings: settings(before: 2, after: 1),
            streamFingerprint: "s"
        )
        func add(_ number: Int, hit: Bool) -> Int {
            let hits = hit ? [Hit(rule: 0, field: 0, start: 0, end: 4)] : []
            return Array("line".utf8).withUnsafeBytes { line in
                segmenter.add(position: Int64(number), line: line, record: .single(.log, "line"), hits: hits) {
                    Record(fields: [RecordField(kind: .log, text: Array($0))])
                }
            }.count
        }
        XCTAssertEqual(add(0, hit: true), 0)
        XCTAssertEqual(add(1, hit: false), 0, "the after-window is complete; the segment lingers")
        XCTAssertTrue(segmenter.isOpen)
        XCTAssertFalse(segmenter.wantsDecodedLines, "lines wait raw in the ring")
        XCTAssertEqual(segmenter.openSegmentStart, 0)
        XCTAssertEqual(add(2, hit: false), 0)
        XCTAssertEqual(add(3, hit: false), 1, "two quiet lines: no later window can reach back")
        XCTAssertFalse(segmenter.isOpen)
    }

    func testFinishClosesTheOpenSegment() throws {
        let segmenter = Segmenter(
            engine: try Self.engine(),
            settings: settings(before: 1, after: 5),
            streamFingerprint: "s"
        )
        let hit = [Hit(rule: 0, field: 0, start: 0, end: 4)]
        let closed = Array("high".utf8).withUnsafeBytes { line in
            segmenter.add(position: 0, line: line, record: .single(.log, "high"), hits: hit) { _ in Record() }
        }
        XCTAssertEqual(closed.count, 0)
        XCTAssertTrue(segmenter.isOpen)
        XCTAssertEqual(segmenter.openSegmentStart, 0)
        XCTAssertEqual(segmenter.finish().map(\.records.count), [1])
        XCTAssertFalse(segmenter.isOpen)
        XCTAssertEqual(segmenter.finish().count, 0, "nothing left to close")
    }

    /// The reference: each hit's window [hit - before, hit + after], windows that share a line merged.
    static func modelSegments(hits: [Int], before: Int, after: Int, count: Int) -> [[Int]] {
        var intervals: [ClosedRange<Int>] = []
        for hit in hits.sorted() {
            let window = max(0, hit - before)...min(count - 1, hit + after)
            if let last = intervals.last, window.lowerBound <= last.upperBound {
                intervals[intervals.count - 1] = last.lowerBound...max(last.upperBound, window.upperBound)
            } else {
                intervals.append(window)
            }
        }
        return intervals.map(Array.init)
    }

    func testSegmentsMatchTheMergedWindowsOfAReferenceModelOnRandomStreams() throws {
        var random = SeededGenerator(seed: 0x5E6_0001)
        for round in 0..<60 {
            let count = random.int(1...120)
            let before = random.int(0...6)
            let after = random.int(0...6)
            let hitLines = (0..<count).filter { _ in random.chance(random.pick([0.01, 0.05, 0.2])) }
            let hits = Dictionary(uniqueKeysWithValues: hitLines.map { ($0, random.int(0...2)) })
            let result = try run(settings(before: before, after: after), count: count, hits: hits)
            let segments = result.segments.map(lines)
            let label = "round \(round): \(count) lines, before \(before), after \(after), hits \(hitLines)"
            XCTAssertEqual(
                segments,
                Self.modelSegments(hits: hitLines, before: before, after: after, count: count),
                label
            )
            let all = segments.flatMap { $0 }
            XCTAssertEqual(all, all.sorted(), "\(label): records in order")
            XCTAssertEqual(Set(all).count, all.count, "\(label): each record in at most one segment")
        }
    }

    func testBaselineSamplingIsDeterministicMarkedAndAboutTheConfiguredRate() throws {
        var sampling = settings(before: 1, after: 1)
        sampling.baselineRate = 0.02
        let first = try run(sampling, count: 4000).segments
        let again = try run(sampling, count: 4000).segments
        let other = try run(sampling, count: 4000, fingerprint: "stream-b").segments
        XCTAssertEqual(first.map(lines), again.map(lines), "a replay samples the same windows")
        XCTAssertNotEqual(first.map(lines), other.map(lines), "another stream samples other windows")
        XCTAssertTrue(first.allSatisfy { $0.sampled && $0.hits.isEmpty && $0.score == 0 })
        XCTAssertTrue((40...120).contains(first.count), "about 2% of 4000 lines: \(first.count)")
        XCTAssertEqual(try run(settings(before: 1, after: 1), count: 4000).segments.count, 0, "rate 0 samples nothing")
    }

    func testAHitInASampledWindowMakesItAnOrdinarySegment() throws {
        var sampling = settings(before: 0, after: 3)
        sampling.baselineRate = 0.02
        let sampled = try run(sampling, count: 4000).segments
        let start = try XCTUnwrap(sampled.first.map(lines)?.first)
        let result = try run(sampling, count: 4000, hits: [start + 1: 0]).segments
        let segment = try XCTUnwrap(result.first { lines($0).contains(start) })
        XCTAssertFalse(segment.sampled)
        XCTAssertEqual(segment.score, 10)
    }

    func testSegmentIDsAreStableAcrossRunsAndDifferAcrossStreamsAndHosts() throws {
        let engine = try Self.engine()
        let redactor = try Redactor(set: RedactionSet(builtin: [], patterns: []))
        func ids(host: String, fingerprint: String) throws -> [String] {
            let builder = SegmentBuilder(
                host: host,
                stream: StreamIdentity(source: "s", format: "text", path: "/p", fingerprint: fingerprint)
            )
            return try run(settings(before: 2, after: 2), count: 50, hits: [10: 0, 30: 0], fingerprint: fingerprint)
                .segments.map { try builder.build($0, engine: engine, redactor: redactor).id }
        }
        let first = try ids(host: "h1", fingerprint: "f1")
        XCTAssertEqual(first.count, 2)
        XCTAssertEqual(first, try ids(host: "h1", fingerprint: "f1"))
        XCTAssertNotEqual(first[0], first[1])
        XCTAssertTrue(Set(first).isDisjoint(with: try ids(host: "h1", fingerprint: "f2")))
        XCTAssertTrue(Set(first).isDisjoint(with: try ids(host: "h2", fingerprint: "f1")))
        XCTAssertTrue(first.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }
}
