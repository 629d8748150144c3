// Every shared transcript decodes under `auto` without an error, malformed only where the file really is.
import TracehoundCore
import TracehoundSources
import XCTest

final class SharedTraceDecodingTests: XCTestCase {
    func testEverySharedTranscriptDecodesWithNoMalformedRecordButTheEdgeCaseFixturesNonObjects() throws {
        let files = try SharedTraces.transcriptFiles()
        XCTAssertEqual(files.count, 18)
        for file in files {
            let records = try SharedTraces.decode(file, as: .auto)
            let expected = file.hasSuffix("edge_cases.jsonl") ? [13, 15, 16] : []
            XCTAssertEqual(records.malformedLineNumbers, expected, file)
            XCTAssertFalse(
                records.contains { $0.flags.contains(.invalidUTF8) || $0.flags.contains(.containsNUL) },
                file
            )
        }
    }

    func testWholeFileJSONTrajectoriesReadAsTextWithEveryLineKept() throws {
        for file in try SharedTraces.transcriptFiles()
        where file.hasPrefix("swe-agent/") || file.hasPrefix("openhands-v0/") {
            let lines = try SharedTraces.lines(of: file)
            let records = try SharedTraces.decode(file, as: .auto)
            XCTAssertEqual(records.count, lines.count, file)
            for (line, record) in zip(lines, records) where !line.isEmpty {
                XCTAssertEqual(record.fields, [RecordField(kind: .log, text: line)], file)
            }
        }
    }

    func testEscapedNewlinesAndQuotesInARealSessionDecodeToTheTextTheModelWrote() throws {
        // tool_heavy.jsonl line 12 stores the newlines as `\n`; line 17's tool result holds `\"` and `\n`.
        let records = try SharedTraces.decode("claude-code-spotter/tool_heavy.jsonl", as: .auto)
        XCTAssertEqual(
            records[11].texts(.message),
            ["Phoenix server is starting in the background.\n\nLet me check the MCP servers status."]
        )
        XCTAssertTrue(records[16].texts(.output)[0].contains("Parameters: %{\"vsn\" => \"2.0.0\"}\n\n23:58:02.670"))
    }
}
