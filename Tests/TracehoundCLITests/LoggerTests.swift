import Foundation
import XCTest

@testable import TracehoundCLI

final class LoggerTests: XCTestCase {
    func testLogfmtQuotesValuesThatNeedItAndEscapesControlCharacters() {
        let line = LogLine.logfmt(
            level: .warning,
            message: "line too long",
            fields: [("path", "/a b/c.jsonl"), ("bytes", "17000000"), ("quote", "say \"hi\"\n")],
            date: Date(timeIntervalSince1970: 1_764_000_000.5)
        )
        XCTAssertEqual(
            line,
            "time=2025-11-24T16:00:00.500Z level=warning msg=\"line too long\" path=\"/a b/c.jsonl\" "
                + "bytes=17000000 quote=\"say \\\"hi\\\"\\n\"\n"
        )
    }

    func testJSONLinesAreOneObjectPerLineThatFoundationParses() throws {
        let line = LogLine.json(
            level: .info,
            message: "tab\there",
            fields: [("k", "\u{1}")],
            date: Date(timeIntervalSince1970: 0)
        )
        XCTAssertTrue(line.hasSuffix("}\n"))
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        XCTAssertEqual(object["msg"], "tab\there")
        XCTAssertEqual(object["k"], "\u{1}")
        XCTAssertEqual(object["level"], "info")
        XCTAssertEqual(object["time"], "1970-01-01T00:00:00.000Z")
    }

    func testLevelsBelowTheThresholdAreNotWritten() {
        let output = TextOutput.capturing()
        let logger = Logger(identifier: "t", level: .notice, format: .logfmt, output: output, environment: [:])
        logger.info("quiet")
        logger.warning("loud")
        XCTAssertFalse(output.text.contains("quiet"))
        XCTAssertTrue(output.text.contains("level=warning msg=loud"))
    }

    func testOnceLogsARepeatedConditionOnlyTheFirstTime() {
        let output = TextOutput.capturing()
        let logger = Logger(identifier: "t", format: .json, output: output, environment: [:])
        for _ in 0..<3 { logger.once("bad-utf8:/a", .warning, "invalid UTF-8", [("path", "/a")]) }
        XCTAssertEqual(output.text.components(separatedBy: "invalid UTF-8").count - 1, 1)
    }

    func testAutoFormatIsLogfmtWhenStderrIsNotTheJournal() {
        let logger = Logger(identifier: "t", format: .auto, output: .capturing(), environment: [:])
        XCTAssertEqual(logger.format, .logfmt)
        let mismatched = Logger(
            identifier: "t",
            format: .auto,
            output: .capturing(),
            environment: ["JOURNAL_STREAM": "1:1"]
        )
        XCTAssertEqual(mismatched.format, .logfmt)
    }

    func testJournalFieldNamesAreUpperCaseWithUnderscores() {
        XCTAssertEqual(LogLine.journalFieldName("path"), "PATH")
        XCTAssertEqual(LogLine.journalFieldName("rule.id"), "RULE_ID")
        XCTAssertEqual(LogLine.journalFieldName("_private"), "PRIVATE")
        XCTAssertEqual(LogLine.journalFieldName("9lives"), "F9LIVES")
    }
}
