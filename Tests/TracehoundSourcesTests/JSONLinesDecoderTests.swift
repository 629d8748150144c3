// Generic JSON lines: every string as `log` by default, or fields and metadata by JSON pointer.
import TracehoundCore
import TracehoundSources
import XCTest

final class JSONLinesDecoderTests: XCTestCase {
    func testWithoutAMappingEveryStringValueIsALogFieldAndKeysAreNot() {
        var decoder = JSONLinesDecoder()
        let record = decodeLine(
            #"{"msg":"rm -rf /","level":"info","n":3,"tags":["a",{"k":"b"}],"ok":true}"#,
            with: &decoder
        )
        XCTAssertEqual(record.texts(.log), ["rm -rf /", "info", "a", "b"])
        XCTAssertEqual(record.fields.count, 4)
        XCTAssertEqual(record.flags, [])
    }

    func testAnyJSONValueIsALineButNonJSONIsMalformed() {
        var decoder = JSONLinesDecoder()
        XCTAssertEqual(decodeLine(#""just a string""#, with: &decoder).texts(.log), ["just a string"])
        XCTAssertEqual(decodeLine("42", with: &decoder).fields, [])
        XCTAssertEqual(decodeLine("42", with: &decoder).flags, [])
        let broken = decodeLine(#"{"a":"#, with: &decoder)
        XCTAssertEqual(broken.flags, [.malformedJSON])
        XCTAssertEqual(broken.fields, [RecordField(kind: .log, #"{"a":"#)])
    }

    func testPointersMapPartsOfTheLineToKindsAndMetadata() throws {
        let layout = JSONLinesLayout(
            fields: [
                .init(pointer: try JSONPointer("/thought"), kind: .reasoning),
                .init(pointer: try JSONPointer("/tool/args"), kind: .command),
                .init(pointer: try JSONPointer("/missing"), kind: .output),
            ],
            time: try JSONPointer("/ts"),
            session: try JSONPointer("/ctx/session"),
            id: try JSONPointer("/id"),
            agent: try JSONPointer("/ctx/agent")
        )
        var decoder = JSONLinesDecoder(layout: layout)
        let record = decodeLine(
            #"{"id":"r1","ts":1767225600,"ctx":{"session":"s9","agent":"planner"},"thought":"skip\nthe tests","tool":{"args":["git","push",{"f":"--force"}]},"other":"ignored"}"#,
            with: &decoder
        )
        XCTAssertEqual(
            record.fields,
            [
                RecordField(kind: .reasoning, "skip\nthe tests"),
                RecordField(kind: .command, "git"),
                RecordField(kind: .command, "push"),
                RecordField(kind: .command, "--force"),
            ]
        )
        XCTAssertEqual(record.time, "1767225600")
        XCTAssertEqual(record.session, "s9")
        XCTAssertEqual(record.id, "r1")
        XCTAssertEqual(record.agent, "planner")
    }

    func testSharedPrettyPrintedJSONFilesForcedAsJSONLinesAreMalformedLinesNotCrashes() throws {
        // A .traj is one JSON document over many lines: as JSONL, its lines are fragments.
        let file = "swe-agent/swe-agent__test-repo-i1.traj"
        let records = try SharedTraces.decode(file, as: .jsonl)
        XCTAssertEqual(records.count, try SharedTraces.lines(of: file).count)
        XCTAssertGreaterThan(records.count, 100)
        XCTAssertTrue(records.allSatisfy { $0.flags.contains(.malformedJSON) || $0.fields.isEmpty })
        XCTAssertTrue(records.allSatisfy { $0.fields.allSatisfy { $0.kind == .log } })
    }
}
