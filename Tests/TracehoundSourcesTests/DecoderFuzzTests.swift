// Every decoder against damaged real lines: truncated at every byte, bytes flipped, NULs and invalid UTF-8
// inserted. None may crash, and a line flagged malformed must carry its raw bytes as its only field.
import TracehoundCore
import TracehoundSources
import XCTest

final class DecoderFuzzTests: XCTestCase {
    private var generator = SeededGenerator(seed: 0xDEC0_DE5)

    private func allDecoders() -> [any RecordDecoder] {
        [ClaudeCodeDecoder(), CodexDecoder(), JSONLinesDecoder(), TextLineDecoder(), AutoDecoder()]
    }

    private func check(_ record: Record, line: [UInt8], _ message: @autoclosure () -> String) {
        if record.flags.contains(.malformedJSON) {
            XCTAssertEqual(record.fields, [RecordField(kind: .log, text: line)], message())
        }
        if line.contains(0) { XCTAssertTrue(record.flags.contains(.containsNUL), message()) }
        if !line.withUnsafeBytes(UTF8Validation.isValid) {
            XCTAssertTrue(record.flags.contains(.invalidUTF8), message())
        }
    }

    func testRealLinesTruncatedAtEveryByteAreMalformedNeverCrashes() throws {
        let claude = try SharedTraces.lines(of: "claude-code-spotter/short.jsonl")
        let codex = try SharedTraces.lines(
            of: "codex-localpush/rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl"
        )
        var decoders = allDecoders()
        for line in [claude[4], codex[0], codex[codex.count - 1]] {
            for cut in 1..<line.count {
                let truncated = Array(line[..<cut])
                for index in decoders.indices {
                    let record = decoders[index].decode(truncated)
                    check(record, line: truncated, "cut at \(cut)")
                    if index < 2 {
                        XCTAssertTrue(record.flags.contains(.malformedJSON), "a cut JSON object is malformed (\(cut))")
                    }
                }
            }
        }
    }

    func testDamagedRealLinesDecodeWithoutCrashingAndKeepTheirBytesWhenMalformed() throws {
        let files = [
            "claude-code-spotter/tool_heavy.jsonl",
            "codex-localpush/rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl",
            "claude-code-log-fixtures/edge_cases.jsonl",
        ]
        let lines = try files.flatMap { try SharedTraces.lines(of: $0) }.filter { !$0.isEmpty }
        let damage: [UInt8] = Array("{}[]:,\"\\ 0u".utf8) + [0x00, 0x80, 0xC3, 0xED, 0xFF, 0x0A]
        var decoders = allDecoders()
        for round in 0..<3_000 {
            var line = lines.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<line.count, using: &generator)
                if Bool.random(using: &generator) {
                    line[position] = damage.randomElement(using: &generator)!
                } else {
                    line.insert(damage.randomElement(using: &generator)!, at: position)
                }
            }
            for index in decoders.indices {
                check(decoders[index].decode(line), line: line, "round \(round), decoder \(index)")
            }
        }
    }
}
