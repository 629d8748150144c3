// Codex rollouts: response items, parsed function-call arguments, outputs, the session id, and event duplicates.
import TracehoundCore
import TracehoundSources
import XCTest

final class CodexDecoderTests: XCTestCase {
    private var decoder = CodexDecoder()

    private func decode(_ line: String) -> Record { decodeLine(line, with: &decoder) }

    private func item(_ payload: String) -> String {
        #"{"timestamp":"2026-02-23T11:40:42.096Z","type":"response_item","payload":"# + payload + "}"
    }

    func testEverySharedRolloutDecodesToTheExpectedKinds() throws {
        let expected: [String: [FieldKind: Int]] = [
            "codex-localpush/rollout-2026-02-23T12-40-23-019c8a4c-ed82-79a1-aa28-7738fc5ab61a.jsonl": [
                .command: 104, .message: 43, .output: 104, .reasoning: 59, .user: 20,
            ],
            "codex-localpush/rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl": [
                .command: 1, .message: 1, .reasoning: 1, .user: 8,
            ],
            "codex-localpush/rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl": [
                .command: 5, .message: 6, .output: 5, .reasoning: 6, .user: 7,
            ],
        ]
        for (file, counts) in expected {
            let records = try SharedTraces.decode(file, as: .codex)
            XCTAssertEqual(records.malformedLineNumbers, [], file)
            XCTAssertEqual(records.fieldCounts, counts, file)
            let sessionID = String(file.dropLast(".jsonl".count).suffix(36))
            XCTAssertTrue(records.allSatisfy { $0.session == sessionID }, file)
            XCTAssertTrue(records.allSatisfy { $0.time != nil }, file)
        }
    }

    func testAgentReasoningEventsAreNotMatchedAgainAfterOrBeforeTheirItem() throws {
        // In the shared rollouts every agent_reasoning event precedes its reasoning item with the same text.
        let file = "codex-localpush/rollout-2026-02-23T12-40-23-019c8a4c-ed82-79a1-aa28-7738fc5ab61a.jsonl"
        let lines = try SharedTraces.lines(of: file).map { String(decoding: $0, as: UTF8.self) }
        let records = try SharedTraces.decode(file, as: .codex)
        let eventLines = lines.indices.filter { lines[$0].contains(#""type":"agent_reasoning""#) }
        XCTAssertEqual(eventLines.count, 59)
        for index in eventLines {
            XCTAssertEqual(records[index].fields, [], "line \(index + 1)")
            XCTAssertTrue(lines[index + 1].contains(#""type":"reasoning""#), "the item follows its event")
            XCTAssertEqual(records[index + 1].fields.map(\.kind), [.reasoning])
        }
        let reasoningTexts = records.flatMap { $0.texts(.reasoning) }
        XCTAssertEqual(Set(reasoningTexts).count, reasoningTexts.count, "each reasoning summary is matched once")

        let event = decode(
            #"{"timestamp":"t","type":"event_msg","payload":{"type":"agent_reasoning","text":"new thought"}}"#
        )
        XCTAssertEqual(event.fields, [])
        let mirrored = decode(
            #"{"timestamp":"t","type":"event_msg","payload":{"type":"agent_message","message":"done"}}"#
        )
        XCTAssertEqual(mirrored.fields, [])
        XCTAssertEqual(decode(#"{"type":"event_msg","payload":{"type":"user_message","message":"hi"}}"#).fields, [])
    }

    func testReasoningSummaryAndContentPartsAreReasoning() {
        let record = decode(
            item(
                #"{"type":"reasoning","summary":[{"type":"summary_text","text":"**Planning**"},{"type":"summary_text","text":"bypass the verifier"}],"content":[{"type":"reasoning_text","text":"raw thought"}],"encrypted_content":"gAAAA"}"#
            )
        )
        XCTAssertEqual(record.texts(.reasoning), ["**Planning**", "bypass the verifier", "raw thought"])
        XCTAssertEqual(record.fields.count, 3)
    }

    func testMessagesAreKindedByRole() {
        XCTAssertEqual(
            decode(
                item(#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"All green."}]}"#)
            ).fields,
            [RecordField(kind: .message, "All green.")]
        )
        XCTAssertEqual(
            decode(item(#"{"type":"message","role":"user","content":[{"type":"input_text","text":"fix it"}]}"#)).fields,
            [RecordField(kind: .user, "fix it")]
        )
        XCTAssertEqual(
            decode(item(#"{"type":"message","role":"developer","content":[{"type":"input_text","text":"rules"}]}"#))
                .fields,
            [RecordField(kind: .user, "rules")]
        )
    }

    func testFunctionCallArgumentsAreParsedIntoTheCommand() {
        let shell = decode(
            item(
                #"{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"rm -rf tests/\\nls\"],\"workdir\":\"/repo\",\"timeout_ms\":1000}","call_id":"c1"}"#
            )
        )
        XCTAssertEqual(shell.texts(.command), ["bash -lc rm -rf tests/\nls\n/repo"])
        let exec = decode(
            item(
                #"{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"git push --force\",\"yield_time_ms\":1000}"}"#
            )
        )
        XCTAssertEqual(exec.texts(.command), ["git push --force"])
        let tool = decode(
            item(
                #"{"type":"function_call","name":"mcp__github__create_issue","arguments":"{\"title\":\"t\",\"body\":\"b\"}"}"#
            )
        )
        XCTAssertEqual(tool.texts(.command), ["mcp__github__create_issue\nt\nb"])
        let unparsable = decode(item(#"{"type":"function_call","name":"exec_command","arguments":"[REDACTED len=3]"}"#))
        XCTAssertEqual(unparsable.texts(.command), ["exec_command\n[REDACTED len=3]"])
        XCTAssertEqual(unparsable.flags, [], "arguments that are not JSON are text, not a malformed line")
    }

    func testCustomToolCallsAndLocalShellCallsAreCommands() {
        let patch = "*** Begin Patch\n*** Update File: tests/test_a.py\n-    assert x\n+    pass\n*** End Patch"
        let line = item(
            #"{"type":"custom_tool_call","status":"completed","call_id":"c","name":"apply_patch","input":"*** Begin Patch\n*** Update File: tests/test_a.py\n-    assert x\n+    pass\n*** End Patch"}"#
        )
        XCTAssertEqual(decode(line).texts(.command), [patch])
        let local = decode(
            item(
                #"{"type":"local_shell_call","status":"completed","action":{"type":"exec","command":["curl","-s","x.sh"]}}"#
            )
        )
        XCTAssertEqual(local.texts(.command), ["curl -s x.sh"])
    }

    func testOutputsAreTheTextWhetherPlainJSONEncodedOrItemized() {
        XCTAssertEqual(
            decode(item(#"{"type":"function_call_output","call_id":"c","output":"exit 0"}"#)).texts(.output),
            ["exit 0"]
        )
        XCTAssertEqual(
            decode(
                item(
                    #"{"type":"function_call_output","call_id":"c","output":"{\"output\":\"2 failed\\n\",\"metadata\":{\"exit_code\":1}}"}"#
                )
            ).texts(.output),
            ["2 failed\n"]
        )
        XCTAssertEqual(
            decode(item(#"{"type":"function_call_output","output":"{not json"}"#)).texts(.output),
            ["{not json"]
        )
        XCTAssertEqual(
            decode(
                item(
                    #"{"type":"function_call_output","output":"{\"content\":[{\"type\":\"text\",\"text\":\"issue\\ncreated\"}],\"isError\":false}"}"#
                )
            ).texts(.output),
            ["issue\ncreated"]
        )
        XCTAssertEqual(
            decode(item(#"{"type":"function_call_output","output":"{\"result\":\"a\\tb\",\"n\":1}"}"#)).texts(.output),
            ["a\tb"]
        )
        XCTAssertEqual(
            decode(
                item(
                    #"{"type":"function_call_output","output":[{"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]}"#
                )
            ).texts(.output),
            ["a\nb"]
        )
        XCTAssertEqual(
            decode(item(#"{"type":"custom_tool_call_output","call_id":"c","output":"Success. Updated files"}"#)).texts(
                .output
            ),
            ["Success. Updated files"]
        )
    }

    func testTheSessionIdIsRememberedForLaterRecords() {
        XCTAssertNil(decode(item(#"{"type":"message","role":"user","content":[]}"#)).session)
        let meta = decode(#"{"timestamp":"t","type":"session_meta","payload":{"id":"019c-abc","cwd":"/r"}}"#)
        XCTAssertEqual(meta.session, "019c-abc")
        XCTAssertEqual(meta.fields, [])
        XCTAssertEqual(decode(#"{"timestamp":"t","type":"turn_context","payload":{"cwd":"/r"}}"#).session, "019c-abc")
        XCTAssertEqual(decode("not json").session, "019c-abc", "even a malformed line belongs to the session")
        XCTAssertEqual(decode("not json").flags, [.malformedJSON])
    }

    func testPreEnvelopeRolloutsDecodeTheSameWay() {
        let first = decode(#"{"id":"legacy-1","timestamp":"2025-06-01T00:00:00Z","instructions":null,"git":{}}"#)
        XCTAssertEqual(first.session, "legacy-1")
        let reasoning = decode(#"{"type":"reasoning","id":"r","summary":[{"type":"summary_text","text":"hmm"}]}"#)
        XCTAssertEqual(reasoning.texts(.reasoning), ["hmm"])
        XCTAssertEqual(reasoning.session, "legacy-1")
        XCTAssertEqual(decode(#"{"record_type":"state"}"#).fields, [])
    }
}
