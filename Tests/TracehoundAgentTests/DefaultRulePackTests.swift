// The shipped rule pack (etc/tracehound/rules.d) through the real engine: every rule's positives hit and its hard
// negatives do not (Tests/TracehoundFilterTests/Fixtures/rule-cases.yaml), and on the real, benign transcripts of
// ../shared/traces the pack forwards under 2% of records.
import Foundation
import TracehoundAgent
import TracehoundCLI
import TracehoundConfig
import TracehoundCore
import TracehoundFilter
import TracehoundTestKit
import XCTest

final class DefaultRulePackTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let rulesDirectory = packageRoot + "/etc/tracehound/rules.d"

    func testEveryRuleHitsItsPositivesAndNotItsHardNegatives() throws {
        let engine = try RuleEngine(rules: try RuleLoader.load(paths: [Self.rulesDirectory]))
        let matcher = try RuleMatcher(engine: engine)
        let casesPath = Self.packageRoot + "/Tests/TracehoundFilterTests/Fixtures/rule-cases.yaml"
        let root = try XCTUnwrap(try YAMLDocument.read(path: casesPath))
        let cases = try XCTUnwrap(root["cases"]?.sequence)
        var covered: Set<String> = []
        var failures: [String] = []
        for item in cases {
            let ruleID = try XCTUnwrap(item["rule"]?.scalar?.text)
            guard engine.rules.contains(where: { $0.id == ruleID }) else {
                failures.append("\(item.mark): case for unknown rule \(ruleID)")
                continue
            }
            for (key, shouldHit) in [("positive", true), ("negative", false)] {
                let examples = item[key]?.sequence ?? []
                if examples.isEmpty { failures.append("\(item.mark): \(ruleID) has no \(key) case") }
                for example in examples {
                    let kindName = try XCTUnwrap(example["kind"]?.scalar?.text)
                    let kind = try XCTUnwrap(FieldKind(name: kindName), "\(example.mark): unknown kind \(kindName)")
                    let text = try XCTUnwrap(example["text"]?.scalar?.text)
                    let record = Record(fields: [RecordField(kind: kind, text)])
                    let hit = try matcher.hits(in: record).contains { engine.rules[$0.rule].id == ruleID }
                    if hit != shouldHit {
                        failures.append(
                            "\(example.mark): \(ruleID) \(shouldHit ? "missed" : "hit") \(key) \(text.debugDescription)"
                        )
                    }
                }
            }
            covered.insert(ruleID)
        }
        let uncovered = engine.rules.map(\.id).filter { !covered.contains($0) }
        XCTAssertEqual(uncovered, [], "rules without cases")
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }

    func testTheDefaultPackForwardsUnderTwoPercentOfTheSharedTraces() throws {
        let traces = URL(fileURLWithPath: Self.packageRoot).deletingLastPathComponent().appendingPathComponent(
            "shared/traces"
        ).path
        guard let enumerator = FileManager.default.enumerator(atPath: traces) else {
            return XCTFail("the shared traces are missing at \(traces)")
        }
        let files = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".jsonl") }.sorted().map {
            traces + "/" + $0
        }
        XCTAssertGreaterThanOrEqual(files.count, 10, "shared transcripts found: \(files)")
        let detection = try Detection.load(rulePaths: [Self.rulesDirectory])
        let output = TextOutput.capturing()
        let summary = try TestRules.run(
            TestRulesOptions(files: files, json: true, host: "test"),
            detection: detection,
            output: output,
            summaryOutput: TextOutput.capturing()
        )
        XCTAssertGreaterThan(summary.counts.lines, 2500)
        XCTAssertLessThan(
            summary.forwardedShare,
            0.02,
            "forwarded \(summary.recordsForwarded) of \(summary.counts.lines)"
        )
        print(
            "default pack on the shared traces: \(summary.recordsForwarded) of \(summary.counts.lines) records forwarded"
        )
        for line in output.text.split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "every segment line is JSON")
        }
    }
}
