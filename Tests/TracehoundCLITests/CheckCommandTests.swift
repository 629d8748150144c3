// `tracehound check` and `tracehound-collector check` as an operator runs them: the built executables on files.
import Foundation
import TracehoundTestKit
import XCTest

final class CheckCommandTests: XCTestCase {
    var products: String { builtProductsDirectory() }

    func check(_ arguments: [String], program: String = "tracehound") throws -> CommandResult {
        try runCommand(["\(products)/\(program)", "check"] + arguments)
    }

    /// The repository root, for the shipped configs.
    var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    func testTheShippedConfigsPassCheckAndPrintEveryResolvedKey() throws {
        let daemon = try check(["--config", "\(packageRoot)/etc/tracehound/tracehound.yaml"])
        XCTAssertEqual(daemon.status, 0, daemon.stderrText)
        for key in ["host_id:", "context_before: 8", "when_full: block", "min_score: 10", "max_line_bytes: 16MiB"] {
            XCTAssertTrue(daemon.stdoutText.contains(key), "resolved config lacks \(key)")
        }
        let collector = try check(
            ["--config", "\(packageRoot)/etc/tracehound/collector.yaml"],
            program: "tracehound-collector"
        )
        XCTAssertEqual(collector.status, 0, collector.stderrText)
        XCTAssertTrue(collector.stdoutText.contains("max_decoded_bytes: 64MiB"))
    }

    func testPrintReferenceListsEveryKeyWithItsDefault() throws {
        let result = try check(["--print-reference"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdoutText.contains("segments.context_before"), result.stdoutText)
    }

    /// Each bad config is refused with status 1 and the one error line, file:line:column: key: message.
    func testEachBadConfigIsRefusedWithItsPositionAndKey() throws {
        let directory = try TemporaryDirectory()
        let valid = """
            sources:
              - {type: file, name: claude, include: ["/home/*/.claude/projects/*/*.jsonl"]}
            sink: {url: "http://127.0.0.1:7800/v1/batches"}

            """
        let cases: [(name: String, yaml: String, expected: String)] = [
            ("typo at top level", valid + "segmnets: {}", "4:1: segmnets: unknown key 'segmnets'"),
            ("typo nested", valid + "segments:\n  contxt_before: 3", "5:3: segments.contxt_before: unknown key"),
            ("quoted integer", valid + "segments: {max_records: \"20\"}", "4:25: segments.max_records: expected an"),
            ("negative count", valid + "segments: {context_before: -1}", "4:28: segments.context_before: -1 is out"),
            ("bad size unit", valid + "batch: {max_bytes: 10XB}", "4:20: batch.max_bytes: '10XB' has an unknown"),
            ("bad duration", valid + "batch: {max_wait: 5 parsecs}", "4:19: batch.max_wait:"),
            ("bad enum", valid + "spool: {when_full: panic}", "4:20: spool.when_full:"),
            ("rate over one", valid + "sampling: {baseline_rate: 1.5}", "4:27: sampling.baseline_rate:"),
            (
                "duplicate key", valid + "segments: {context_after: 1, context_after: 2}",
                "segments.context_after: duplicate"
            ),
            (
                "unknown source type", valid.replacingOccurrences(of: "type: file", with: "type: kafka"),
                "2:12: sources[0].type:"
            ),
            ("bad format", valid + "", ""),
            (
                "missing sink", "sources:\n  - {type: file, name: a, include: [\"/a/*.jsonl\"]}\n",
                "1:1: sink: missing required key"
            ),
            ("relative include", valid.replacingOccurrences(of: "/home/*", with: "home/*"), "sources[0].include[0]:"),
            ("syntax error", valid + "segments: {context_before: [1, 2}", "4:"),
            ("list for a section", valid + "spool: [1, 2]", "4:8: spool: expected a mapping"),
            ("unset variable", valid + "data_dir: ${TRACEHOUND_TEST_UNSET_VARIABLE}", "4:11: data_dir:"),
            (
                "cert without key", valid.replacingOccurrences(of: "sink: {", with: "sink: {cert_file: /c.pem, "),
                "sink."
            ),
        ].filter { !$0.expected.isEmpty }
        XCTAssertGreaterThanOrEqual(cases.count, 15)
        for (index, testCase) in cases.enumerated() {
            let path = try directory.write("bad-\(index).yaml", testCase.yaml)
            let result = try check(["--config", path])
            XCTAssertEqual(result.status, 1, "\(testCase.name): \(result.stdoutText)")
            XCTAssertEqual(result.stdoutText, "", "\(testCase.name): nothing resolved is printed")
            let lines = result.stderrText.split(separator: "\n")
            XCTAssertFalse(lines.isEmpty, testCase.name)
            XCTAssertTrue(
                lines.contains { $0.hasPrefix("\(path):") && $0.contains(testCase.expected) },
                "\(testCase.name): expected '\(path):…\(testCase.expected)…' in:\n\(result.stderrText)"
            )
        }
    }

    func testEveryErrorOfOneFileIsPrintedInOneRun() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "many.yaml",
            """
            sources:
              - {type: file, name: a, include: ["/x/*.jsonl"], fromat: codex}
            segments: {context_before: -1, max_bytes: 10XB}
            bogus: 1
            """
        )
        let result = try check(["--config", path])
        XCTAssertEqual(result.status, 1)
        let lines = result.stderrText.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            lines.map { $0.replacingOccurrences(of: path + ":", with: "").prefix(while: { $0 != " " }) },
            ["1:1:", "2:52:", "3:28:", "3:43:", "4:1:"]
        )
    }

    func testAMissingConfigFileIsAClearFailure() throws {
        let result = try check(["--config", "/nonexistent/tracehound.yaml"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderrText.contains("/nonexistent/tracehound.yaml"))
        XCTAssertTrue(result.stderrText.contains("No such file or directory"))
    }

    func testUsageMistakesExitTwo() throws {
        let result = try check(["--confi", "x"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderrText.contains("usage: tracehound check"))
    }
}
