// Fast path equals slow path on the real transcripts in ../shared/traces (issue 3, DESIGN.md §3.6): the hits
// StreamScanner finds by scanning raw chunks and decoding only candidate lines are exactly the hits found by
// decoding every line and matching it, for the default pack and for a pack built to stress the raw translation.
import Foundation
import TracehoundCore
import XCTest

@testable import TracehoundFilter

final class FastPathSharedTraceTests: XCTestCase {
    /// Patterns whose raw-line translation is hard: whitespace an escape writes, boundaries and anchors next to
    /// escapes, dots and negated classes that admit quotes, backslashes and newlines, bounded repeats, literal
    /// quotes and backslashes, case-sensitive rules and non-ASCII literals.
    static let stressRules = [
        ruleYAML(id: "stress.whitespace", regex: [#"\bthe\s+tests?\b"#, #"\bfile\s\w+"#]),
        ruleYAML(id: "stress.anchors", regex: [#"^\s*(I|Let)\b"#, #"\.\s*$"#]),
        ruleYAML(id: "stress.dot-window", regex: [#"\b(run|rm)\b.{0,12}\b(test|rf)\w*"#, #"a.{3}e\b"#]),
        ruleYAML(id: "stress.negated", regex: [#"[^a-z0-9 ]{3}[a-z]"#, #"=[^,]{1,4},"#]),
        ruleYAML(id: "stress.quote-slash", regex: [#"["'][/\\]\w+"#, #"/[a-z]+/[^/\s"]+\.(py|json|md)\b"#]),
        ruleYAML(id: "stress.backslash", regex: [#"\\[ntr]"#, #"\w\\\w"#]),
        ruleYAML(id: "stress.bounded", regex: [#"\d{2,4}[-:]\d{2}"#, #"\s{2,3}\S"#, #"x{2,}"#]),
        ruleYAML(id: "stress.alternation", regex: [#"\b(?:bash|sh|zsh)\s+-(?:lc|c)\b"#, #"(?:todo|fixme)[: ]"#]),
        ruleYAML(id: "stress.phrase", phrase: [#"say "done""#, #"a\b"#, "tests pass"]),
        ruleYAML(id: "stress.sensitive", regex: [#"\b[A-Z][a-z]+[A-Z]\w*"#, #"TODO"#], caseSensitive: true),
        ruleYAML(id: "stress.non-ascii", regex: ["na\u{EF}ve", #"[\x80-\xff]{2}\s"#, "\u{2014}|\u{2192}"]),
        ruleYAML(id: "stress.control", regex: [#"\t\S"#, #"\n\n"#, #"\r"#, #"[\x00-\x08]"#]),
        ruleYAML(id: "stress.across-lines", regex: [#"\w\n\w"#, #"\S\s+\S+\s*\n"#]),
        ruleYAML(id: "stress.veto", regex: [#"\berror\b"#], not: [#"\bno error\b"#]),
        ruleYAML(id: "stress.field-scoped", fields: ["reasoning"], regex: [#"\bwe\b.{0,20}\bneed\b"#]),
    ]

    static func stressEngine() throws -> RuleEngine {
        try FilterFixtures.engine(yaml: "rules:\n" + stressRules.joined(), file: "stress.yaml")
    }

    /// Each shared transcript with the format its folder holds.
    static func traces() throws -> [(path: String, format: TranscriptFormat)] {
        let root = try FilterFixtures.sharedTraces()
        let folders: [(String, TranscriptFormat)] = [
            ("claude-code-spotter", .claudeCode),
            ("claude-code-log-fixtures", .claudeCode),
            ("codex-localpush", .codex),
        ]
        var traces: [(String, TranscriptFormat)] = []
        for (folder, format) in folders {
            let directory = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: directory.path) else {
                throw FixtureMissing(description: "\(directory.path) is not readable")
            }
            for case let path as String in walker where path.hasSuffix(".jsonl") {
                traces.append((directory.appendingPathComponent(path).path, format))
            }
        }
        guard traces.count >= 8 else {
            throw FixtureMissing(description: "only \(traces.count) traces in \(root.path)")
        }
        return traces.sorted { $0.0 < $1.0 }
    }

    func testTheDefaultPackFindsTheSameHitsBothWaysOnEverySharedTrace() throws {
        let engine = try FilterFixtures.defaultEngine()
        for trace in try Self.traces() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: trace.path)))
            try FastPathComparison.assertEqualPaths(
                engine: engine,
                format: trace.format,
                bytes: bytes,
                label: trace.path
            )
        }
    }

    func testTheStressPackFindsTheSameHitsBothWaysOnEverySharedTrace() throws {
        let engine = try Self.stressEngine()
        var total = 0
        for trace in try Self.traces() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: trace.path)))
            try FastPathComparison.assertEqualPaths(
                engine: engine,
                format: trace.format,
                bytes: bytes,
                label: trace.path
            )
            total += try FastPathComparison.slowPathHits(engine: engine, format: trace.format, bytes: bytes).count
        }
        XCTAssertGreaterThan(total, 1000, "the stress pack should hit often on real traces")
    }

    func testGenericJSONLinesAndTextFindTheSameHitsBothWaysOnTheSharedTraces() throws {
        // The same files read as generic JSON lines (every string a field) and as plain text.
        let engine = try Self.stressEngine()
        for trace in try Self.traces().prefix(6) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: trace.path)))
            for format in [TranscriptFormat.jsonl, .text, .auto] {
                try FastPathComparison.assertEqualPaths(
                    engine: engine,
                    format: format,
                    bytes: bytes,
                    label: "\(trace.path) as \(format.rawValue)"
                )
            }
        }
    }
}
