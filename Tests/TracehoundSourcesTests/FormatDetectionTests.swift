// `auto`: path conventions, sniffing, and the format chosen for every shared transcript.
import TracehoundCore
import TracehoundSources
import XCTest

final class FormatDetectionTests: XCTestCase {
    func testPathConventionsNameTheFormat() {
        XCTAssertEqual(TranscriptFormat.conventional(forPath: "/home/a/.claude/projects/-r/5e1d.jsonl"), .claudeCode)
        XCTAssertEqual(
            TranscriptFormat.conventional(forPath: "/home/a/.claude/projects/-r/5e1d/subagents/agent-x.jsonl"),
            .claudeCode
        )
        XCTAssertEqual(TranscriptFormat.conventional(forPath: "/home/a/.codex/sessions/2026/02/23/x.jsonl"), .codex)
        XCTAssertEqual(TranscriptFormat.conventional(forPath: "/tmp/rollout-2026-02-23T12-40-23-abc.jsonl"), .codex)
        XCTAssertNil(TranscriptFormat.conventional(forPath: "/var/log/agent.jsonl"))
        XCTAssertNil(TranscriptFormat.conventional(forPath: "/home/a/.claude/projects/-r/5e1d/tool-results/x.txt"))
    }

    func testSniffingTheFirstLine() {
        let cases: [(String, TranscriptFormat)] = [
            (#"{"timestamp":"t","type":"session_meta","payload":{"id":"x"}}"#, .codex),
            (#"{"timestamp":"t","type":"response_item","payload":{"type":"message"}}"#, .codex),
            (#"{"id":"x","timestamp":"t","instructions":"be careful"}"#, .codex),
            (#"{"type":"user","sessionId":"s","uuid":"u","message":{}}"#, .claudeCode),
            (#"{"type":"summary","summary":"x","leafUuid":"u"}"#, .claudeCode),
            (#"{"type":"file-history-snapshot","messageId":"m","snapshot":{}}"#, .claudeCode),
            (#"{"type":"user","text":"no session, not Claude Code"}"#, .jsonl),
            (#"{"level":"info","msg":"x"}"#, .jsonl),
            ("[1,2]", .text),
            ("{", .text),
            (#""environment": "main","#, .text),
            ("plain words", .text),
        ]
        for (line, format) in cases {
            XCTAssertEqual(TranscriptFormat.sniff(firstLine: Array(line.utf8)), format, line)
        }
    }

    func testAutoPicksTheRightFormatForEverySharedTranscript() throws {
        for file in try SharedTraces.transcriptFiles() {
            let expected: TranscriptFormat =
                file.hasPrefix("claude-code-") ? .claudeCode : file.hasPrefix("codex-") ? .codex : .text
            var decoder = AutoDecoder()
            for line in try SharedTraces.lines(of: file) { _ = decoder.decode(line) }
            XCTAssertEqual(decoder.resolvedFormat, expected, file)
            let conventional = TranscriptFormat.conventional(forPath: file)
            XCTAssertTrue(conventional == nil || conventional == expected, file)
        }
    }

    func testAGenericFirstLineStaysOpenUntilATranscriptLineShowsUp() {
        var decoder = AutoDecoder()
        XCTAssertEqual(
            decodeLine(#"{"note":"written by a wrapper"}"#, with: &decoder).texts(.log),
            ["written by a wrapper"]
        )
        XCTAssertEqual(decoder.resolvedFormat, .jsonl)
        let record = decodeLine(
            #"{"type":"assistant","sessionId":"s","message":{"role":"assistant","content":"hi"}}"#,
            with: &decoder
        )
        XCTAssertEqual(decoder.resolvedFormat, .claudeCode)
        XCTAssertEqual(record.fields, [RecordField(kind: .message, "hi")])
    }

    func testATextFileStaysTextAndJSONLinesStayJSONLines() {
        var text = AutoDecoder()
        _ = decodeLine("starting agent", with: &text)
        XCTAssertEqual(
            decodeLine(#"{"type":"assistant","sessionId":"s"}"#, with: &text).texts(.log),
            [#"{"type":"assistant","sessionId":"s"}"#]
        )
        XCTAssertEqual(text.resolvedFormat, .text)

        var jsonl = AutoDecoder()
        _ = decodeLine(#"{"a":"b"}"#, with: &jsonl)
        XCTAssertEqual(decodeLine("garbage", with: &jsonl).flags, [.malformedJSON], "a broken line in a JSONL file")
        for _ in 0..<AutoDecoder.provisionalLines { _ = decodeLine(#"{"a":"b"}"#, with: &jsonl) }
        _ = decodeLine(#"{"type":"assistant","sessionId":"s"}"#, with: &jsonl)
        XCTAssertEqual(jsonl.resolvedFormat, .jsonl, "after the provisional lines the verdict is final")
    }

    func testMakeDecoderUsesThePathForAuto() {
        var decoder = TranscriptFormat.auto.makeDecoder(path: "/home/a/.codex/sessions/2026/01/01/rollout-x.jsonl")
        XCTAssertTrue(decoder is CodexDecoder)
        decoder = TranscriptFormat.auto.makeDecoder(path: "/var/log/x.log")
        XCTAssertTrue(decoder is AutoDecoder)
        XCTAssertEqual(TranscriptFormat(rawValue: "claude-code"), .claudeCode)
    }
}
