// A segment as one NDJSON line (DESIGN.md §4): JSON any parser reads, one line, every value round-tripping,
// control characters, quotes, backslashes and non-ASCII text included.
import Foundation
import TracehoundCore
import XCTest

final class SegmentJSONTests: XCTestCase {
    /// Every control character, quotes, backslashes, slashes, DEL, non-ASCII and astral characters.
    static let awkward =
        String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        + #" "quoted" \back\slash\ /path/ "# + "\u{7F} na\u{EF}ve \u{2028}\u{2029} \u{1F600} \u{FFFD} end"

    static func segment(session: String? = "s-1", maxSeverity: String? = "critical") -> Segment {
        let records = [
            SegmentRecord(
                position: "48211",
                record: Record(
                    fields: [RecordField(kind: .reasoning, awkward), RecordField(kind: .command, "rm -rf /\n")],
                    time: "2026-11-24T10:01:02.345Z",
                    session: session,
                    id: "uuid-\"1\"",
                    agent: "agent\\a",
                    flags: [.malformedJSON, .invalidUTF8, .containsNUL, .truncated]
                )
            ),
            SegmentRecord(position: "48999", record: Record(fields: [RecordField(kind: .output, "")])),
        ]
        return Segment(
            id: "9f2c",
            host: "agent-\u{E9}\t17",
            stream: StreamIdentity(
                source: "claude",
                format: "claude-code",
                path: "/home/a \"b\"/x.jsonl",
                fingerprint: "fp\n1"
            ),
            session: session,
            score: 40,
            maxSeverity: maxSeverity,
            sampled: false,
            redactions: 3,
            hits: [
                SegmentHit(
                    rule: "r.one",
                    category: "c",
                    severity: "critical",
                    record: 0,
                    field: 1,
                    kind: .command,
                    start: 0,
                    end: 8
                )
            ],
            records: records
        )
    }

    func parse(_ segment: Segment) throws -> [String: Any] {
        let line = segment.jsonLine
        XCTAssertEqual(line.last, 0x0A, "one NDJSON line ends with a newline")
        XCTAssertFalse(line.dropLast().contains(0x0A), "and holds no other")
        XCTAssertFalse(line.contains { $0 < 0x20 && $0 != 0x0A }, "control characters are escaped")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    func testTheLineParsesAndEveryValueRoundTrips() throws {
        let object = try parse(Self.segment())
        XCTAssertEqual(object["v"] as? Int, 1)
        XCTAssertEqual(object["id"] as? String, "9f2c")
        XCTAssertEqual(object["host"] as? String, "agent-\u{E9}\t17")
        XCTAssertEqual(object["source"] as? String, "claude")
        XCTAssertEqual(object["format"] as? String, "claude-code")
        let stream = try XCTUnwrap(object["stream"] as? [String: Any])
        XCTAssertEqual(stream["path"] as? String, "/home/a \"b\"/x.jsonl")
        XCTAssertEqual(stream["fingerprint"] as? String, "fp\n1")
        XCTAssertEqual(stream["session"] as? String, "s-1")
        XCTAssertEqual(object["score"] as? Int, 40)
        XCTAssertEqual(object["max_severity"] as? String, "critical")
        XCTAssertEqual(object["sampled"] as? Bool, false)
        XCTAssertEqual(object["redactions"] as? Int, 3)

        let hits = try XCTUnwrap(object["hits"] as? [[String: Any]])
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits[0]["rule"] as? String, "r.one")
        XCTAssertEqual(hits[0]["kind"] as? String, "command")
        XCTAssertEqual(hits[0]["record"] as? Int, 0)
        XCTAssertEqual(hits[0]["field"] as? Int, 1)
        XCTAssertEqual(hits[0]["start"] as? Int, 0)
        XCTAssertEqual(hits[0]["end"] as? Int, 8)

        let records = try XCTUnwrap(object["records"] as? [[String: Any]])
        XCTAssertEqual(records.map { $0["pos"] as? String }, ["48211", "48999"])
        XCTAssertEqual(records[0]["time"] as? String, "2026-11-24T10:01:02.345Z")
        XCTAssertEqual(records[0]["uuid"] as? String, "uuid-\"1\"")
        XCTAssertEqual(records[0]["agent"] as? String, "agent\\a")
        XCTAssertEqual(records[0]["flags"] as? [String], ["malformed_json", "invalid_utf8", "nul", "truncated"])
        XCTAssertNil(records[1]["flags"], "no flags, no key")
        XCTAssertNil(records[1]["time"])
        let fields = try XCTUnwrap(records[0]["fields"] as? [[String: Any]])
        XCTAssertEqual(fields.map { $0["kind"] as? String }, ["reasoning", "command"])
        XCTAssertEqual(fields[0]["text"] as? String, Self.awkward)
        XCTAssertEqual(fields[1]["text"] as? String, "rm -rf /\n")
        XCTAssertEqual((records[1]["fields"] as? [[String: Any]])?.first?["text"] as? String, "")
    }

    func testMissingSessionAndSeverityAreNull() throws {
        let object = try parse(Self.segment(session: nil, maxSeverity: nil))
        XCTAssertTrue((object["stream"] as? [String: Any])?["session"] is NSNull)
        XCTAssertTrue(object["max_severity"] is NSNull)
    }

    func testAppendingWritesAfterWhatTheBufferHolds() {
        var buffer = Array("{}\n".utf8)
        Self.segment().appendJSONLine(to: &buffer)
        Self.segment().appendJSONLine(to: &buffer)
        let lines = buffer.split(separator: 0x0A)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(Array(lines[1]) + [0x0A], Self.segment().jsonLine)
        XCTAssertEqual(lines[1], lines[2])
    }
}
