import Foundation
import TracehoundCore
import TracehoundTestKit
import XCTest

final class BatchTests: XCTestCase {
    func makeSegment(_ index: Int) -> Segment {
        Segment(
            id: Segment.makeID(host: "h", fingerprint: "f", firstPosition: "\(index)", lastPosition: "\(index + 9)"),
            host: "h",
            stream: StreamIdentity(source: "claude", format: "claude-code", path: "/p/s.jsonl", fingerprint: "f"),
            session: "s",
            score: 10,
            maxSeverity: "high",
            sampled: false,
            redactions: 0,
            hits: [
                SegmentHit(
                    rule: "r",
                    category: "c",
                    severity: "high",
                    record: 0,
                    field: 0,
                    kind: .reasoning,
                    start: 0,
                    end: 4
                )
            ],
            records: [
                SegmentRecord(
                    position: "\(index)",
                    record: Record(fields: [RecordField(kind: .reasoning, "skip tests\n")])
                )
            ]
        )
    }

    func testABatchIsOneLZ4FrameOfNDJSONWithCountersAndAHeartbeat() throws {
        var builder = BatchBuilder(host: "agent-17", maxBytes: 1 << 20)
        for index in 0..<3 { builder.add(makeSegment(index)) }
        builder.addCounters(["tests.skip-intent": 2, "a.rule": 1], records: 100, bytes: 5000)
        builder.addHeartbeat(version: "0.1.0")
        let batch = try builder.finish()
        XCTAssertEqual(batch.segmentCount, 3)
        XCTAssertTrue(batch.id.hasPrefix("agent-17-"))
        let lines = try BatchReader.lines(of: batch.frame)
        XCTAssertEqual(lines.count, 5)
        let objects = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        XCTAssertEqual(objects[0]["id"] as? String, makeSegment(0).id)
        XCTAssertEqual(objects[3]["type"] as? String, "counters")
        XCTAssertEqual((objects[3]["hits"] as? [String: Int])?["tests.skip-intent"], 2)
        XCTAssertEqual(objects[4]["type"] as? String, "heartbeat")
        XCTAssertEqual(batch.decodedBytes, lines.reduce(0) { $0 + $1.count + 1 })
    }

    func testTheLZ4CommandReadsABatchBack() throws {
        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        builder.add(makeSegment(1))
        let batch = try builder.finish()
        let result = try runCommand(["lz4", "-d", "-c"], input: Data(batch.frame), check: true)
        XCTAssertEqual(Array(result.stdout), makeSegment(1).jsonLine)
    }

    func testBatchIdsAreUniqueWithinARunAndAcrossRuns() throws {
        var first = BatchBuilder(host: "h", maxBytes: 10, startedAt: Date(timeIntervalSince1970: 1000))
        var second = BatchBuilder(host: "h", maxBytes: 10, startedAt: Date(timeIntervalSince1970: 2000))
        let ids = try [first.finish().id, first.finish().id, second.finish().id]
        XCTAssertEqual(Set(ids).count, 3)
        first.add(makeSegment(0))
        XCTAssertTrue(first.isFull, "a batch past max_bytes says so")
    }
}
