// Claude Code transcripts: block kinds, tool calls, metadata, and every shared Claude Code file.
import TracehoundCore
import TracehoundSources
import XCTest

final class ClaudeCodeDecoderTests: XCTestCase {
    private var decoder = ClaudeCodeDecoder()

    private func decode(_ line: String) -> Record { decodeLine(line, with: &decoder) }

    private func assistant(_ blocks: String) -> String {
        #"{"type":"assistant","sessionId":"s1","uuid":"u1","timestamp":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":["#
            + blocks + "]}}"
    }

    func testTheMainSpotterSessionHasNineteenReasoningFieldsAndOneCommandPerToolUse() throws {
        let records = try SharedTraces.decode(
            "claude-code-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
            as: .claudeCode
        )
        XCTAssertEqual(records.count, 1593)
        XCTAssertEqual(records.malformedLineNumbers, [])
        XCTAssertEqual(records.fieldCounts, [.reasoning: 19, .command: 177, .message: 82, .output: 168, .user: 3])
        XCTAssertTrue(records.allSatisfy { $0.flags.isEmpty })
    }

    func testEverySharedClaudeCodeFileDecodesToTheExpectedKinds() throws {
        let expected: [String: [FieldKind: Int]] = [
            "claude-code-log-fixtures/representative_messages.jsonl": [.command: 2, .message: 3, .output: 2, .user: 4],
            "claude-code-log-fixtures/session_b.jsonl": [.message: 1, .user: 2],
            "claude-code-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20/subagents/agent-a7be2f0.jsonl": [
                .command: 19, .message: 13, .output: 16, .user: 1,
            ],
            "claude-code-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20/subagents/agent-acompact-f46190.jsonl": [
                .message: 1, .user: 6,
            ],
            "claude-code-spotter/short.jsonl": [.command: 2, .message: 2, .output: 2, .reasoning: 1, .user: 2],
            "claude-code-spotter/subagent.jsonl": [.command: 16, .message: 8, .output: 16, .reasoning: 4, .user: 4],
            "claude-code-spotter/tool_heavy.jsonl": [.command: 6, .message: 2, .output: 6, .reasoning: 1, .user: 7],
        ]
        for (file, counts) in expected {
            let records = try SharedTraces.decode(file, as: .claudeCode)
            XCTAssertEqual(records.malformedLineNumbers, [], file)
            XCTAssertEqual(records.fieldCounts, counts, file)
        }
    }

    func testOnlyTheNonObjectLinesOfTheEdgeCaseFixtureAreMalformed() throws {
        // Line 13 is a bare string, 15 a number, 16 an array: JSON, but not a transcript line. Line 14
        // (`{"silly": "this"}`) is an object of no known type, and line 11 has a plain-string `message`.
        let records = try SharedTraces.decode("claude-code-log-fixtures/edge_cases.jsonl", as: .claudeCode)
        XCTAssertEqual(records.malformedLineNumbers, [13, 15, 16])
        XCTAssertEqual(records[12].fields, [RecordField(kind: .log, #""massive error""#)])
        XCTAssertEqual(records[13].fields, [])
        XCTAssertEqual(records[10].texts(.user), ["error"])
        XCTAssertEqual(records.fieldCounts, [.command: 3, .message: 2, .output: 1, .user: 7, .log: 3])
    }

    func testBlocksDecodeToTheirKindsInOrder() {
        let record = decode(
            assistant(
                #"{"type":"thinking","thinking":"I could skip the test","signature":"x"},"#
                    + #"{"type":"redacted_thinking","data":"opaque"},"#
                    + #"{"type":"text","text":"Done."},"#
                    + #"{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"pytest -q || true","description":"Run the tests"}}"#
            )
        )
        XCTAssertEqual(
            record.fields,
            [
                RecordField(kind: .reasoning, "I could skip the test"),
                RecordField(kind: .message, "Done."),
                RecordField(kind: .command, "pytest -q || true\nRun the tests"),
            ]
        )
        XCTAssertEqual(record.session, "s1")
        XCTAssertEqual(record.id, "u1")
        XCTAssertEqual(record.time, "2026-01-01T00:00:00Z")
        XCTAssertEqual(record.flags, [])
    }

    func testEditsCarryThePathAndTheOldAndNewText() {
        let edit = decode(
            assistant(
                #"{"type":"tool_use","name":"Edit","input":{"file_path":"/r/test_x.py","old_string":"assert a == b","new_string":"assert True","replace_all":false}}"#
            )
        )
        XCTAssertEqual(edit.texts(.command), ["Edit\n/r/test_x.py\nassert a == b\nassert True"])
        let multi = decode(
            assistant(
                #"{"type":"tool_use","name":"MultiEdit","input":{"file_path":"/r/a.py","edits":[{"old_string":"x","new_string":"y"},{"old_string":"p","new_string":"q"}]}}"#
            )
        )
        XCTAssertEqual(multi.texts(.command), ["MultiEdit\n/r/a.py\nx\ny\np\nq"])
        let write = decode(
            assistant(
                #"{"type":"tool_use","name":"Write","input":{"file_path":"/r/conftest.py","content":"import sys\nsys.exit(0)\n"}}"#
            )
        )
        XCTAssertEqual(write.texts(.command), ["Write\n/r/conftest.py\nimport sys\nsys.exit(0)\n"])
        let read = decode(
            assistant(#"{"type":"tool_use","name":"Read","input":{"file_path":"/home/a/.ssh/id_rsa","limit":5}}"#)
        )
        XCTAssertEqual(read.texts(.command), ["Read\n/home/a/.ssh/id_rsa"])
        let empty = decode(assistant(#"{"type":"tool_use","name":"EnterPlanMode","input":{}}"#))
        XCTAssertEqual(empty.texts(.command), ["EnterPlanMode"])
    }

    func testUserTextToolResultsAndPlainStringContent() {
        let results = decode(
            #"{"type":"user","sessionId":"s","message":{"role":"user","content":["#
                + #"{"type":"tool_result","tool_use_id":"t1","content":"3 passed"},"#
                + #"{"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"line 1"},{"type":"image","source":{}},{"type":"text","text":"line 2"}]},"#
                + #"{"type":"tool_result","tool_use_id":"t3","content":""},"#
                + #"{"type":"text","text":"please fix it"}]},"toolUseResult":{"stdout":"3 passed"}}"#
        )
        XCTAssertEqual(
            results.fields,
            [
                RecordField(kind: .output, "3 passed"),
                RecordField(kind: .output, "line 1\nline 2"),
                RecordField(kind: .user, "please fix it"),
            ]
        )
        let prompt = decode(
            #"{"type":"user","sessionId":"s","message":{"role":"user","content":"make the tests pass"}}"#
        )
        XCTAssertEqual(prompt.fields, [RecordField(kind: .user, "make the tests pass")])
    }

    func testOtherLineTypesHaveNoFieldsAndAreNotErrors() {
        for line in [
            #"{"type":"progress","sessionId":"s","data":{"message":{"type":"assistant","content":"rm -rf /"}}}"#,
            #"{"type":"summary","summary":"Deleted the failing tests","leafUuid":"x"}"#,
            #"{"type":"system","subtype":"stop_hook_summary","content":"hook ran","sessionId":"s"}"#,
            #"{"type":"file-history-snapshot","messageId":"m","snapshot":{}}"#,
            #"{"type":"queue-operation","operation":"enqueue","content":"/mcp","sessionId":"s"}"#,
        ] {
            let record = decode(line)
            XCTAssertEqual(record.fields, [], line)
            XCTAssertEqual(record.flags, [], line)
        }
    }

    func testSessionCarriesOverToLinesWithoutOneAndSubagentsCarryTheirAgentId() throws {
        _ = decode(#"{"type":"user","sessionId":"abc","message":{"role":"user","content":"hi"}}"#)
        XCTAssertEqual(decode(#"{"type":"summary","summary":"s","leafUuid":"x"}"#).session, "abc")
        let subagent = try SharedTraces.decode(
            "claude-code-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20/subagents/agent-a7be2f0.jsonl",
            as: .claudeCode
        )
        XCTAssertTrue(subagent.allSatisfy { $0.agent == "a7be2f0" })
        XCTAssertTrue(subagent.allSatisfy { $0.session == "8463c716-a2ea-4c14-9efa-87158ebd9f20" })
    }

    func testEscapesDecodeToTheTextTheModelWrote() {
        let record = decode(assistant(#"{"type":"text","text":"first\nsecond\t\"quoted\" \u00e9 \ud83d\ude00"}"#))
        XCTAssertEqual(record.texts(.message), ["first\nsecond\t\"quoted\" é 😀"])
    }

    func testInvalidUTF8IsFlaggedAndKeptAndNULMakesTheLineMalformed() {
        let bytes =
            Array(#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"bad "#.utf8)
            + [0xC0, 0xAF] + Array(#""}]}}"#.utf8)
        let record = decoder.decode(bytes)
        XCTAssertEqual(record.flags, [.invalidUTF8])
        XCTAssertEqual(record.fields.map(\.text), [Array("bad ".utf8) + [0xC0, 0xAF]])

        let withNUL = Array(#"{"type":"user","message":{"content":"a"#.utf8) + [0] + Array(#""}}"#.utf8)
        let malformed = decoder.decode(withNUL)
        XCTAssertEqual(malformed.flags, [.malformedJSON, .containsNUL])
        XCTAssertEqual(malformed.fields, [RecordField(kind: .log, text: withNUL)])
        let broken = decoder.decode([0x7B, 0xFF, 0x00])
        XCTAssertEqual(broken.flags, [.malformedJSON, .containsNUL, .invalidUTF8])
    }

    func testBlankLinesAreEmptyRecordsNotErrors() {
        XCTAssertEqual(decode(""), Record())
        XCTAssertEqual(decode(" \r"), Record())
    }
}
