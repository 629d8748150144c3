// `tracehound test-rules` as operators run it: the built executable over files, human and --json output.
import Foundation
import TracehoundTestKit
import XCTest

final class TestRulesCommandTests: XCTestCase {
    var tracehound: String { builtProductsDirectory() + "/tracehound" }

    func testPrintsEachSegmentAsOneNDJSONLineWithItsHits() throws {
        let directory = try TemporaryDirectory()
        let rules = try directory.write(
            "rules.yaml",
            """
            rules:
              - id: tests.skip-intent
                category: test-tampering
                severity: high
                fields: [reasoning]
                patterns:
                  - regex: 'skip\\s+the\\s+failing\\s+tests?'
            """
        )
        var lines: [String] = []
        for index in 0..<30 {
            let thinking = index == 15 ? "I will skip\\nthe failing tests" : "step \(index) is fine"
            lines.append(
                #"{"type":"assistant","sessionId":"s1","uuid":"u\#(index)","timestamp":"2026-11-24T10:00:00Z","message":{"role":"assistant","content":[{"type":"thinking","thinking":"\#(thinking)"}]}}"#
            )
        }
        let transcript = try directory.write("session.jsonl", lines.joined(separator: "\n") + "\n")
        let result = try runCommand([
            tracehound, "test-rules", "--rules", rules, "--format", "claude-code", "--json", transcript,
        ])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let segments = result.stdoutText.split(separator: "\n")
        XCTAssertEqual(segments.count, 1, result.stdoutText)
        let segment = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(segments[0].utf8)) as? [String: Any])
        XCTAssertEqual(segment["v"] as? Int, 1)
        XCTAssertEqual(segment["score"] as? Int, 10)
        XCTAssertEqual(segment["max_severity"] as? String, "high")
        let records = try XCTUnwrap(segment["records"] as? [[String: Any]])
        XCTAssertEqual(records.count, 8 + 1 + 4, "8 records of context before, the hit, 4 after")
        let hits = try XCTUnwrap(segment["hits"] as? [[String: Any]])
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits[0]["rule"] as? String, "tests.skip-intent")
        XCTAssertEqual(hits[0]["record"] as? Int, 8)
        XCTAssertEqual(hits[0]["kind"] as? String, "reasoning")
        let fields = try XCTUnwrap(records[8]["fields"] as? [[String: Any]])
        let text = try XCTUnwrap(fields[0]["text"] as? String)
        XCTAssertEqual(text, "I will skip\nthe failing tests", "matched and shipped as decoded text")
        let start = try XCTUnwrap(hits[0]["start"] as? Int)
        let end = try XCTUnwrap(hits[0]["end"] as? Int)
        XCTAssertEqual(String(decoding: Array(text.utf8)[start..<end], as: UTF8.self), "skip\nthe failing tests")
        XCTAssertTrue(result.stderrText.contains("tests.skip-intent: 1"), result.stderrText)
        XCTAssertTrue(result.stderrText.contains("records forwarded: 13 of 30"), result.stderrText)
    }

    func testHumanOutputMarksTheHitAndNamesTheRule() throws {
        let directory = try TemporaryDirectory()
        let rules = try directory.write(
            "r.yaml",
            "rules:\n  - {id: destructive.rm-root, category: destructive, severity: critical, patterns: [{phrase: 'rm -rf /'}]}\n"
        )
        let log = try directory.write("agent.log", "ok\nnow run rm -rf / --no-preserve-root\nok\n")
        let result = try runCommand([tracehound, "test-rules", "--rules", rules, "--format", "text", log])
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertTrue(result.stdoutText.contains("»rm -rf /«"), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains("destructive.rm-root (destructive, critical)"), result.stdoutText)
    }

    func testABadRuleFileIsRefusedWithItsPosition() throws {
        let directory = try TemporaryDirectory()
        let rules = try directory.write(
            "bad.yaml",
            "rules:\n  - id: x\n    category: c\n    severity: severe\n    patterns: [{regex: '(?<=a)b'}]\n"
        )
        let result = try runCommand([tracehound, "test-rules", "--rules", rules, "/dev/null"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderrText.contains("\(rules):4:15: rules[0].severity: unknown severity 'severe'"),
            result.stderrText
        )
        XCTAssertTrue(result.stderrText.contains("lookbehind is not supported"), result.stderrText)
    }

    func testNeedsEitherAConfigOrRules() throws {
        let result = try runCommand([tracehound, "test-rules", "/dev/null"])
        XCTAssertEqual(result.status, 2)
    }
}
