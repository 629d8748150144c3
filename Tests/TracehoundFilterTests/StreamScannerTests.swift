// StreamScanner mechanics: bytes may arrive split anywhere, a partial last line waits for its newline or
// `finish`, long lines are cut and flagged without harming their neighbours, CRLF files read like LF ones, and
// the durable offset never passes an open segment.
import TracehoundCore
import XCTest

@testable import TracehoundFilter

final class StreamScannerTests: XCTestCase {
    static func engine() throws -> RuleEngine {
        try FilterFixtures.engine(
            yaml: "rules:\n" + ruleYAML(id: "s.rm", severity: "critical", regex: [#"\brm\s+-rf\b"#])
        )
    }

    func scanner(
        _ format: TranscriptFormat = .text,
        before: Int = 1,
        after: Int = 1,
        maxLineBytes: Int = 16 << 20
    ) throws -> StreamScanner {
        var settings = SegmentSettings()
        settings.contextBefore = before
        settings.contextAfter = after
        return try FilterFixtures.scanner(
            engine: Self.engine(),
            format: format,
            settings: settings,
            maxLineBytes: maxLineBytes
        )
    }

    /// A Claude Code stream with hits in tool calls and text, context around them, and quiet lines between.
    static var claudeStream: [UInt8] {
        var lines: [String] = []
        for number in 0..<24 {
            let text = number % 7 == 3 ? #"then rm -rf build and \"rm\" -rf /tmp/x"# : "quiet line \(number) caf\u{E9}"
            if number % 2 == 0 {
                lines.append(#"{"type":"user","sessionId":"s","message":{"role":"user","content":"\#(text)"}}"#)
            } else {
                lines.append(
                    #"{"type":"assistant","sessionId":"s","message":{"content":[{"type":"tool_use","name":"Bash","input":{"command":"\#(text)"}}]}}"#
                )
            }
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    func testFeedingInPiecesOfEverySizeGivesTheSameSegmentsAsOneFeed() throws {
        let bytes = Self.claudeStream
        let whole = try scanner(.claudeCode)
        let expected = try whole.scanAll(bytes)
        XCTAssertEqual(expected.map(\.hits.count), [1, 1, 1], "lines 3, 10 and 17 hit (once per rule and field)")
        // Every size up to twice the longest line, so cuts land everywhere in a line and across lines, then all.
        for size in Array(1...300) + [bytes.count] {
            let pieces = try scanner(.claudeCode)
            var segments: [Segment] = []
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                segments += try bytes[start..<end].withUnsafeBytes { try pieces.feed($0) }
                start = end
            }
            segments += try pieces.finish()
            XCTAssertEqual(segments, expected, "pieces of \(size) bytes")
            XCTAssertEqual(pieces.counts, whole.counts, "pieces of \(size) bytes")
            if segments != expected { break }
        }
    }

    func testAPartialLastLineWaitsForItsNewlineOrFinish() throws {
        let first = Array("quiet\nrm -rf /".utf8)
        let waiting = try scanner()
        XCTAssertEqual(try first.withUnsafeBytes { try waiting.feed($0) }.count, 0)
        XCTAssertEqual(waiting.processedOffset, 6, "the partial line starts at 6")
        XCTAssertEqual(waiting.counts.lines, 1)
        var segments = try Array(" now\nafter\n".utf8).withUnsafeBytes { try waiting.feed($0) }
        XCTAssertEqual(waiting.counts.lines, 3)
        segments += try waiting.finish()
        XCTAssertEqual(segments.map { $0.records.map(\.position) }, [["0", "6", "19"]])
        XCTAssertEqual(segments.first?.records[1].record.fields.first?.text, Array("rm -rf / now".utf8))

        let finishing = try scanner()
        XCTAssertEqual(try first.withUnsafeBytes { try finishing.feed($0) }.count, 0)
        let flushed = try finishing.finish()
        XCTAssertEqual(flushed.map { $0.records.map(\.position) }, [["0", "6"]])
        XCTAssertEqual(finishing.counts.lines, 2)
        XCTAssertEqual(finishing.processedOffset, Int64(first.count))
    }

    func testALongLineIsCutFlaggedAndCountedAndItsNeighboursStayWhole() throws {
        let long = "rm -rf / " + String(repeating: "x", count: 300)
        let text = "before\n" + long + "\nafter rm -rf /tmp\n"
        let bytes = Array(text.utf8)
        for size in [bytes.count, 1, 7, 64, 150] {
            let cutting = try scanner(maxLineBytes: 100)
            var segments: [Segment] = []
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                segments += try bytes[start..<end].withUnsafeBytes { try cutting.feed($0) }
                start = end
            }
            segments += try cutting.finish()
            let records = segments.flatMap(\.records)
            XCTAssertEqual(records.map(\.position), ["0", "7", "317"], "fed in pieces of \(size)")
            XCTAssertEqual(records.map(\.record.fields.first?.text.count), [6, 100, 17], "fed in pieces of \(size)")
            XCTAssertEqual(records.map { $0.record.flags.contains(.truncated) }, [false, true, false])
            XCTAssertEqual(cutting.counts.truncatedLines, 1, "fed in pieces of \(size)")
            XCTAssertEqual(cutting.counts.lines, 3, "fed in pieces of \(size)")
            XCTAssertEqual(segments.flatMap(\.hits).map(\.record).count, 2, "both hits kept")
        }
    }

    func testCRLFLinesReadLikeLFLines() throws {
        let lf = Array("quiet\nrm -rf /\nafter\n".utf8)
        let crlf = Array("quiet\r\nrm -rf /\r\nafter\r\n".utf8)
        let plain = try scanner().scanAll(lf)
        let windows = try scanner().scanAll(crlf)
        XCTAssertEqual(windows.map { $0.records.map(\.record.fields) }, plain.map { $0.records.map(\.record.fields) })
        XCTAssertEqual(windows.first?.records.map(\.position), ["0", "7", "17"])
        let json = Array("{\"msg\":\"quiet\"}\r\n{\"msg\":\"rm -rf /\"}\r\n".utf8)
        let decoded = try scanner(.jsonl).scanAll(json)
        XCTAssertEqual(decoded.first?.records.map(\.record.flags), [[], []], "CR is JSON whitespace, not malformed")
        XCTAssertEqual(decoded.first?.hits.count, 1)
    }

    func testTheDurableOffsetStopsAtAnOpenSegmentsFirstRecord() throws {
        let holding = try scanner(before: 1, after: 3)
        _ = try Array("a\nb\nrm -rf /\nc\n".utf8).withUnsafeBytes { try holding.feed($0) }
        XCTAssertTrue(holding.segmenter.isOpen)
        XCTAssertEqual(holding.durableOffset, 2, "the segment starts with its context line b")
        XCTAssertEqual(holding.processedOffset, 15)
        XCTAssertEqual(try holding.closeIdle().count, 1)
        XCTAssertEqual(holding.durableOffset, 15)
    }

    func testOnlyCandidateLinesAndContextAreDecoded() throws {
        var text = ""
        for number in 0..<200 { text += number == 100 ? "rm -rf /\n" : "quiet \(number)\n" }
        let counting = try scanner(before: 2, after: 2)
        let segments = try counting.scanAll(Array(text.utf8))
        XCTAssertEqual(segments.map(\.records.count), [5])
        XCTAssertEqual(counting.counts.lines, 200)
        XCTAssertEqual(counting.counts.candidateLines, 1)
        XCTAssertLessThanOrEqual(counting.counts.decodedLines, 5, "the hit and its context, nothing else")
        XCTAssertEqual(counting.counts.hitsPerRule, [0: 1])
    }
}
