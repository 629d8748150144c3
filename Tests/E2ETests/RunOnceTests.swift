// `tracehound run --once` end to end: files read to their end, batches in the spool with segments, per-rule
// counters and a heartbeat, and a second run that resumes instead of reading again.
import Foundation
import TracehoundTestKit
import XCTest

final class RunOnceTests: XCTestCase {
    var tracehound: String { builtProductsDirectory() + "/tracehound" }

    func testRunOnceSpoolsSegmentsCountersAndAHeartbeatThenResumes() throws {
        let directory = try TemporaryDirectory()
        let rules = try directory.write(
            "rules.yaml",
            "rules:\n  - {id: destructive.rm-root, category: destructive, severity: critical, patterns: [{phrase: 'rm -rf /'}]}\n"
        )
        var lines = (0..<50).map { "ordinary line \($0)" }
        lines[20] = "then the agent ran rm -rf / on the host"
        try directory.write("logs/agent.log", lines.joined(separator: "\n") + "\n")
        let config = try directory.write(
            "tracehound.yaml",
            """
            host_id: once-host
            data_dir: \(directory.file("data"))
            sources:
              - {type: file, name: agents, include: ["\(directory.file("logs"))/*.log"], format: text}
            rules: {include: ["\(rules)"]}
            sink: none
            """
        )
        let first = try runCommand([tracehound, "run", "--once", "--config", config])
        XCTAssertEqual(first.status, 0, first.stderrText)
        let export = try runCommand([tracehound, "spool", "export", "--data-dir", directory.file("data")], check: true)
        let objects = try export.stdout.split(separator: 0x0A).map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
        let segments = objects.filter { $0["type"] == nil }
        XCTAssertEqual(segments.count, 1)
        XCTAssertEqual(segments.first?["host"] as? String, "once-host")
        XCTAssertEqual(segments.first?["max_severity"] as? String, "critical")
        let counters = objects.filter { $0["type"] as? String == "counters" }
        let hits = counters.compactMap { $0["hits"] as? [String: Int] }.reduce(0) {
            $0 + ($1["destructive.rm-root"] ?? 0)
        }
        XCTAssertEqual(hits, 1, "the rule's hit is counted in a counters line")
        XCTAssertEqual(counters.compactMap { $0["records"] as? Int }.reduce(0, +), 50)
        XCTAssertFalse(objects.filter { $0["type"] as? String == "heartbeat" }.isEmpty)

        let second = try runCommand([tracehound, "run", "--once", "--config", config])
        XCTAssertEqual(second.status, 0, second.stderrText)
        XCTAssertTrue(second.stderrText.contains("resuming file"), second.stderrText)
        let again = try runCommand([tracehound, "spool", "export", "--data-dir", directory.file("data")], check: true)
        let segmentsAfter = again.stdout.split(separator: 0x0A).filter { !$0.contains(Array("\"type\":".utf8)) }
        XCTAssertEqual(segmentsAfter.count, 1, "a resumed run does not produce the segment again")
    }
}
