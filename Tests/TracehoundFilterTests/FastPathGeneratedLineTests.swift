// Fast path equals slow path on generated lines (issue 3): Claude Code, Codex, generic JSON and text lines whose
// strings carry every JSON escape, `\u` escapes and surrogate pairs, lone surrogates, invalid UTF-8 and NULs,
// some lines malformed, with rule matches injected into the text, written across escapes and split across the
// pieces a decoder joins into one field (argv words, a tool call's command and description in either order).
import TracehoundCore
import XCTest

@testable import TracehoundFilter

final class FastPathGeneratedLineTests: XCTestCase {
    /// Rules whose matches span joined pieces, escapes and boundaries next to escapes.
    static let joinRules = [
        ruleYAML(id: "join.argv", regex: [#"\bbash\s+-lc\b"#, #"\bgit\s+push\b.{0,20}--force\b"#]),
        ruleYAML(id: "join.flag", regex: [#"(^|\s)--no-verify(\s|$)"#]),
        ruleYAML(id: "join.lines", regex: [#"\bend\s+start\b"#, #"\bdone\.?\n+next"#]),
        ruleYAML(id: "join.phrase", phrase: ["make the test pass", #"a "quoted" \ word"#]),
        ruleYAML(id: "join.word-after-escape", regex: [#"\bword\b"#], caseSensitive: true),
        ruleYAML(id: "join.nested-quote", phrase: [#"say "hi""#, #"C:\Users"#]),
        ruleYAML(id: "join.emoji", regex: ["smile \u{1F600}", #"caf\xc3\xa9\s"#]),
        ruleYAML(id: "join.byte", regex: [#"caf\x{e9}!"#]),
    ]

    static func syntheticEngine() throws -> RuleEngine {
        let yaml = "rules:\n" + (FastPathSharedTraceTests.stressRules + joinRules).joined()
        return try FilterFixtures.engine(yaml: yaml, file: "synthetic.yaml")
    }

    private func checkGenerated(_ format: TranscriptFormat, seed: UInt64, lines: Int) throws {
        for (name, engine) in [
            ("default", try FilterFixtures.defaultEngine()), ("synthetic", try Self.syntheticEngine()),
        ] {
            var generator = try TranscriptLineGenerator(seed: seed, engine: engine)
            let bytes = generator.stream(format, lines: lines)
            try FastPathComparison.assertEqualPaths(
                engine: engine,
                format: format,
                bytes: bytes,
                label: "\(name) pack, generated \(format.rawValue), seed \(seed)",
                minimumHits: lines / 4
            )
        }
    }

    func testGeneratedClaudeCodeLinesFindTheSameHitsBothWays() throws {
        try checkGenerated(.claudeCode, seed: 0xC1A0_DE01, lines: 160)
    }

    func testGeneratedCodexLinesFindTheSameHitsBothWays() throws {
        try checkGenerated(.codex, seed: 0xC0DE_C001, lines: 160)
    }

    func testGeneratedGenericJSONLinesFindTheSameHitsBothWays() throws {
        try checkGenerated(.jsonl, seed: 0x150_0001, lines: 160)
    }

    func testGeneratedTextLinesFindTheSameHitsBothWays() throws {
        try checkGenerated(.text, seed: 0x7E47_0001, lines: 160)
    }

    // MARK: - Deliberate cases

    /// One line per case, each expected to hit `rule`; both paths must find exactly that.
    private func checkCases(
        _ cases: [(line: String, rule: String)],
        format: TranscriptFormat,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let engine = try Self.syntheticEngine()
        for testCase in cases {
            let bytes = Array((testCase.line + "\n").utf8)
            let slow = try FastPathComparison.slowPathHits(engine: engine, format: format, bytes: bytes)
            XCTAssertTrue(
                slow.map(\.rule).contains(testCase.rule),
                "\(testCase.line) should hit \(testCase.rule)",
                file: file,
                line: line
            )
            // Pattern by pattern too: another rule flagging the line must not hide a miss.
            try FastPathComparison.assertEqualPaths(
                engine: engine,
                format: format,
                bytes: bytes,
                label: testCase.line,
                file: file,
                line: line
            )
        }
    }

    func testMatchesWrittenAcrossEscapesAreFoundByTheFastPath() throws {
        try checkCases(
            [
                // A phrase whose spaces are `\u0020`: the `\u` guard sends the line to the slow path.
                (#"{"msg":"I will make\u0020the test\u0020pass"}"#, "join.phrase"),
                // `\s` matched by an escaped newline.
                (#"{"msg":"we reached the end\nstart again"}"#, "join.lines"),
                // A word boundary right after an escaped newline (the raw byte before is the letter n).
                (#"{"msg":"first\nword"}"#, "join.word-after-escape"),
                (#"{"msg":"tab\tword\r"}"#, "join.word-after-escape"),
                // Quotes and a backslash inside the phrase, and a character written as a surrogate pair.
                (#"{"msg":"this is a \"quoted\" \\ word"}"#, "join.phrase"),
                (#"{"msg":"smile \ud83d\ude00 please"}"#, "join.emoji"),
                (#"{"msg":"un caf\u00e9 noir"}"#, "join.emoji"),
            ],
            format: .jsonl
        )
    }

    func testAByteNamedInHexMatchesThatRawByteInAString() throws {
        // `\x{e9}` is the byte 0xE9 (patterns are read as bytes); here it is invalid UTF-8 inside a JSON string.
        let engine = try Self.syntheticEngine()
        let bytes = Array(#"{"msg":"un caf"#.utf8) + [0xE9] + Array("! noir\"}\n".utf8)
        let slow = try FastPathComparison.slowPathHits(engine: engine, format: .jsonl, bytes: bytes)
        XCTAssertTrue(slow.map(\.rule).contains("join.byte"))
        try FastPathComparison.assertEqualPaths(engine: engine, format: .jsonl, bytes: bytes, label: "raw 0xE9")
    }

    func testMatchesSplitAcrossJoinedPiecesAreFoundByTheFastPath() throws {
        try checkCases(
            [
                // The command comes first in the field, its description first in the line.
                (
                    #"{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash","input":"#
                        + #"{"description":"start the server","command":"echo end"}}]}}"#,
                    "join.lines"
                ),
                // A tool result's text blocks, joined with a newline.
                (
                    #"{"type":"user","message":{"content":[{"type":"tool_result","content":"#
                        + #"[{"type":"text","text":"all done."},{"type":"text","text":"next step"}]}]}}"#,
                    "join.lines"
                ),
                // Argv words joined with spaces, plain and inside a Codex function call's JSON arguments.
                (
                    #"{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash","input":"#
                        + #"{"command":["git", "commit","--no-verify"]}}]}}"#,
                    "join.flag"
                ),
            ],
            format: .claudeCode
        )
        try checkCases(
            [
                // A newline escaped twice: a tool output that is JSON inside a JSON string.
                (
                    #"{"type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":"#
                        + #""{\"output\":\"the end\\nstart\",\"metadata\":{}}"}}"#,
                    "join.lines"
                ),
                // A quote and a backslash escaped twice (`\\\"`, `\\\\`): one decoded byte, four raw bytes.
                (
                    #"{"type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":"#
                        + #""{\"output\":\"they say \\\"hi\\\" in C:\\\\Users\"}"}}"#,
                    "join.nested-quote"
                ),
                (
                    #"{"type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"#
                        + #""{\"command\":[\"bash\",\"-lc\",\"git push origin --force\"]}"}}"#,
                    "join.argv"
                ),
                (
                    #"{"type":"response_item","payload":{"type":"local_shell_call","action":{"command":"#
                        + #"["git","push","-q","--force"]}}}"#,
                    "join.argv"
                ),
            ],
            format: .codex
        )
    }
}
