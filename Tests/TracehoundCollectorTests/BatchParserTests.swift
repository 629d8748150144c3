// BatchParser on its own: batches the agent builds parse into what the store indexes, lines verbatim; the first bad
// line is named; host-bound credentials only post their host; hostile frames are refused by size or as corrupt.
import Foundation
import TracehoundCollector
import TracehoundCore
import TracehoundTestKit
import XCTest

final class BatchParserTests: XCTestCase {
    private func frame(_ lines: [String]) throws -> [UInt8] {
        try LZ4Frame.compress(Array(lines.joined(separator: "\n").utf8))
    }

    private func rejection(_ frame: [UInt8], boundHost: String? = nil, limit: Int = 1 << 20) -> BatchRejection? {
        do {
            _ = try BatchParser(maxDecodedBytes: limit).parse(frame: frame, batchID: "b", boundHost: boundHost)
            return nil
        } catch {
            return error as? BatchRejection
        }
    }

    private static let goodSegment =
        #"{"v":1,"id":"0123456789abcdef0123456789abcdef","host":"h","source":"s","format":"text","score":3,"#
        + #""hits":[{"rule":"r","category":"c","severity":"low"}],"records":[]}"#

    func testABuiltBatchParsesIntoSegmentsCountersAndAHeartbeatWithLinesKeptVerbatim() throws {
        var builder = BatchBuilder(host: "agent-1", maxBytes: 1 << 20)
        let segments = (0..<2).map { CollectorFixtures.segment(host: "agent-1", index: $0) }
        segments.forEach { builder.add($0) }
        builder.addCounters(["tests.skip-intent": 2, "secrets.env": 1], records: 500, bytes: 90_000)
        builder.addHeartbeat(version: "0.1.0-dev")
        let batch = try builder.finish()

        let (parsed, decoded) = try BatchParser(maxDecodedBytes: 1 << 20).parse(frame: batch.frame, batchID: batch.id)
        XCTAssertEqual(decoded, batch.decodedBytes)
        XCTAssertEqual(parsed.batchID, batch.id)
        XCTAssertEqual(parsed.segments.map(\.line), segments.map { Array($0.jsonLine.dropLast()) })
        let first = try XCTUnwrap(parsed.segments.first)
        XCTAssertEqual(first.id, segments[0].id)
        XCTAssertEqual(first.host, "agent-1")
        XCTAssertEqual(first.source, "claude")
        XCTAssertEqual(first.format, "claude-code")
        XCTAssertEqual(first.streamPath, "/home/a/s.jsonl")
        XCTAssertEqual(first.session, "session-1")
        XCTAssertEqual(first.score, 10)
        XCTAssertEqual(first.maxSeverity, "high")
        XCTAssertFalse(first.sampled)
        XCTAssertEqual(first.firstRecordTime, "2026-11-24T10:01:02.345Z")
        XCTAssertEqual(first.hits, [IngestHit(rule: "tests.skip-intent", category: "test-tampering", severity: "high")])
        XCTAssertEqual(parsed.counters.count, 1)
        XCTAssertEqual(parsed.counters.first?.hits, ["tests.skip-intent": 2, "secrets.env": 1])
        XCTAssertEqual(parsed.counters.first?.records, 500)
        XCTAssertEqual(parsed.counters.first?.bytes, 90_000)
        XCTAssertEqual(parsed.heartbeats.map(\.version), ["0.1.0-dev"])
        XCTAssertEqual(parsed.heartbeats.map(\.host), ["agent-1"])
    }

    func testTheFirstBadLineIsNamedWithWhatIsWrong() throws {
        let cases: [(line: String, message: String)] = [
            (#"{"v":1,"host":"h"}"#, #"line 3: missing "id""#),
            (
                Self.goodSegment.replacingOccurrences(of: "0123456789abcdef0123", with: "0123456789ABCDEF0123"),
                #"line 3: "id" must be 32 lowercase hex digits"#
            ),
            (Self.goodSegment.replacingOccurrences(of: #""v":1"#, with: #""v":2"#), #"line 3: "v" must be 1"#),
            (#"{"v":1,"type":"audit","host":"h"}"#, #"line 3: unknown type "audit""#),
            (#"{"v":1,"id":"#, "line 3: not JSON: unexpected end of input"),
            ("[1,2]", "line 3: not a JSON object"),
            (
                Self.goodSegment.replacingOccurrences(of: #""score":3"#, with: #""score":1.5"#),
                #"line 3: "score" must be an integer"#
            ),
            (Self.goodSegment.replacingOccurrences(of: #""rule":"r","#, with: ""), #"line 3: hits[0]: missing "rule""#),
            (Self.goodSegment.replacingOccurrences(of: #","records":[]"#, with: ""), #"line 3: missing "records""#),
            (
                Self.goodSegment.replacingOccurrences(of: #""host":"h""#, with: #""host":7"#),
                #"line 3: "host" must be a string"#
            ),
            (
                #"{"v":1,"type":"counters","host":"h","time":"t","records":-1,"bytes":0,"hits":{}}"#,
                #"line 3: "records" must be a non-negative integer"#
            ),
            (#"{"v":1,"type":"heartbeat","host":"h","time":"t"}"#, #"line 3: missing "version""#),
            // A duplicate name would be read first-wins here and last-wins by the pipeline's JSON readers.
            (
                Self.goodSegment.replacingOccurrences(of: #""host":"h""#, with: #""host":"h","host":"other""#),
                #"line 3: member "host" appears twice"#
            ),
            (
                Self.goodSegment.replacingOccurrences(of: #""rule":"r","#, with: #""rule":"r","rule":"q","#),
                #"line 3: hits[0]: member "rule" appears twice"#
            ),
            (
                Self.goodSegment.replacingOccurrences(of: #""score":3"#, with: #""score":3,"cursor":99"#),
                #"line 3: "cursor" is reserved"#
            ),
        ]
        for (line, message) in cases {
            // Line 2 is empty: empty lines are skipped but still counted, so line numbers match the text.
            let rejection = self.rejection(try frame([Self.goodSegment, "", line, "not json either"]))
            XCTAssertEqual(rejection?.reason, .invalidLine, line)
            XCTAssertEqual(rejection?.status, 400, line)
            XCTAssertTrue(
                rejection?.message.hasPrefix(message) == true,
                "\(rejection?.message ?? "accepted") for \(line)"
            )
        }
    }

    func testALineOfTinyValuesCannotMakeTheIndexOutgrowTheDecodedLimit() throws {
        // 300,000 zeros in 600 KB: its index would take 4.8 MB, over the 1 MiB decoded limit it is bounded by.
        let zeros = Array(repeating: "0", count: 300_000).joined(separator: ",")
        let line = Self.goodSegment.replacingOccurrences(of: #""score":3"#, with: #""score":3,"z":[\#(zeros)]"#)
        let parser = try BatchParser(maxDecodedBytes: 1 << 20)
        XCTAssertThrowsError(try parser.parse(frame: try frame([line]), batchID: "b")) { error in
            let rejection = error as? BatchRejection
            XCTAssertEqual(rejection?.status, 400)
            XCTAssertTrue(rejection?.message.contains("more values than the limit") == true, "\(error)")
        }
        XCTAssertEqual(try parser.parse(frame: try frame([Self.goodSegment]), batchID: "c").batch.segments.count, 1)
    }

    func testFieldsANewerAgentAddsAreAcceptedAndATrailingNewlineIsOptional() throws {
        let extended = Self.goodSegment.replacingOccurrences(of: #""score":3"#, with: #""score":3,"novel":{"x":[1]}"#)
        let (batch, _) = try BatchParser(maxDecodedBytes: 1 << 20).parse(frame: try frame([extended]), batchID: "b")
        XCTAssertEqual(batch.segments.map(\.line), [Array(extended.utf8)])
    }

    func testAHostBoundCredentialPostsOnlyItsOwnHostsLines() throws {
        let heartbeat = #"{"v":1,"type":"heartbeat","host":"other","time":"t","version":"1"}"#
        let body = try frame([Self.goodSegment, heartbeat])
        let refused = rejection(body, boundHost: "h")
        XCTAssertEqual(refused?.reason, .foreignHost)
        XCTAssertEqual(refused?.status, 400)
        XCTAssertEqual(
            refused?.message,
            #"line 2: host "other" is not the host this credential is bound to ("h")"#
        )
        XCTAssertNil(rejection(try frame([Self.goodSegment]), boundHost: "h"))
        XCTAssertNil(rejection(body, boundHost: nil), "a fleet token posts for any host")
    }

    func testLinesLongerThanTheDecodersWindowAreReassembledExactly() throws {
        var builder = BatchBuilder(host: "h", maxBytes: 8 << 20)
        let long = CollectorFixtures.segment(host: "h", index: 1, text: String(repeating: "reasoning ", count: 60_000))
        builder.add(CollectorFixtures.segment(host: "h", index: 0))
        builder.add(long)
        builder.add(CollectorFixtures.segment(host: "h", index: 2))
        let batch = try builder.finish()
        let (parsed, _) = try BatchParser(maxDecodedBytes: 8 << 20).parse(frame: batch.frame, batchID: batch.id)
        XCTAssertEqual(parsed.segments.count, 3)
        XCTAssertEqual(parsed.segments[1].line, Array(long.jsonLine.dropLast()))
        XCTAssertGreaterThan(parsed.segments[1].line.count, 500_000)
    }

    func testAFrameDeclaringMoreThanTheLimitIsRefusedAsTooLarge() throws {
        let body = try LZ4Frame.compress([UInt8](repeating: 0x20, count: 200_000))
        let refused = rejection(body, limit: 100_000)
        XCTAssertEqual(refused?.reason, .decodedTooLarge)
        XCTAssertEqual(refused?.status, 413)
        XCTAssertEqual(refused?.message, "the frame declares 200000 decoded bytes, over the limit of 100000")
    }

    func testAFrameThatDeclaresOneKibibyteButInflatesPastTheLimitIsRefusedAsTooLarge() throws {
        let body = try CollectorFixtures.lyingFrame(declaring: 1024, inflatingTo: 1 << 20)
        let refused = rejection(body, limit: 64 << 10)
        XCTAssertEqual(refused?.reason, .decodedTooLarge)
        XCTAssertEqual(refused?.status, 413)
    }

    func testBytesThatAreNotOneIntactFrameAreRefusedAsCorrupt() throws {
        let good = try frame([Self.goodSegment])
        for (name, body) in [
            ("empty", []), ("not a frame", Array("{\"v\":1}\n".utf8)), ("truncated", Array(good.dropLast(3))),
            ("trailing bytes", good + [0x00]),
        ] {
            let refused = rejection(body)
            XCTAssertEqual(refused?.reason, .corruptFrame, name)
            XCTAssertEqual(refused?.status, 400, name)
        }
    }
}

extension CollectorFixtures {
    /// An LZ4 frame whose header declares `declared` bytes but whose blocks inflate to `actual` bytes of text:
    /// the header (with its checksum) of a small frame, then the blocks of a big one made with the same options.
    static func lyingFrame(declaring declared: Int, inflatingTo actual: Int) throws -> [UInt8] {
        let text = Array("the agent reasons at length about skipping tests. ".utf8)
        let big = (0..<actual).map { text[$0 % text.count] }
        // Independent blocks in both: liblz4 marks a one-block frame so anyway, and the flags must match.
        let options = LZ4FrameOptions(independentBlocks: true)
        let small = try LZ4Frame.compress(Array(big.prefix(declared)), options: options)
        let large = try LZ4Frame.compress(big, options: options)
        // magic (4), FLG, BD, content size (8), header checksum: 15 bytes in both frames.
        let headerLength = 15
        XCTAssertEqual(small[4...5], large[4...5], "same frame flags and block size")
        return Array(small.prefix(headerLength)) + large.dropFirst(headerLength)
    }
}
