// Shared by the filter tests: a reproducible random generator, where the default rule pack and the shared
// traces are, the default pack compiled once for the whole run, and a scanner built as the daemon builds one.
import Foundation
import TracehoundConfig
import TracehoundCore
import TracehoundSources
import XCTest

@testable import TracehoundFilter

/// SplitMix64: a tiny PRNG with a fixed seed, so generated cases are the same on every run and every machine
/// (`SystemRandomNumberGenerator` is not reproducible).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// True with probability `chance`.
    mutating func chance(_ chance: Double) -> Bool { Double.random(in: 0..<1, using: &self) < chance }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

struct FixtureMissing: Error, CustomStringConvertible {
    var description: String
}

enum FilterFixtures {
    /// The package root, found from this file's path.
    static func packageRoot(file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)")
            .deletingLastPathComponent()  // TracehoundFilterTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }

    /// etc/tracehound/rules.d: the default rule pack.
    static var defaultPackDirectory: String {
        packageRoot().appendingPathComponent("etc/tracehound/rules.d").path
    }

    /// `<package root>/../shared/traces`.
    static func sharedTraces() throws -> URL {
        let traces = packageRoot().deletingLastPathComponent().appendingPathComponent("shared/traces")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: traces.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw FixtureMissing(description: "the shared traces are expected at \(traces.path)") }
        return traces
    }

    /// The default pack's rules and its compiled engine, built once: compiling ~400 patterns takes seconds.
    static let defaultPack: Result<RuleEngine, any Error> = Result {
        try RuleEngine(rules: RuleLoader.load(paths: [defaultPackDirectory]))
    }

    static func defaultEngine() throws -> RuleEngine { try defaultPack.get() }

    /// An engine for rules written inline as YAML.
    static func engine(yaml: String, file: String = "inline.yaml") throws -> RuleEngine {
        try RuleEngine(rules: RuleLoader.load(yaml: yaml, file: file))
    }

    /// Every built-in redaction, compiled once for the whole run.
    static let builtinRedactions: Result<RedactionSet, any Error> = Result { try RedactionSet(RedactConfig()) }

    /// A scanner over one stream, with all built-in redactions, as the daemon makes one.
    static func scanner(
        engine: RuleEngine,
        format: TranscriptFormat,
        settings: SegmentSettings = SegmentSettings(),
        fingerprint: String = "stream-1",
        maxLineBytes: Int = 16 << 20,
        redactions: RedactionSet? = nil
    ) throws -> StreamScanner {
        let set = try redactions ?? builtinRedactions.get()
        return StreamScanner(
            matcher: try RuleMatcher(engine: engine),
            redactor: try Redactor(set: set),
            decoder: format.makeDecoder(),
            settings: settings,
            builder: SegmentBuilder(
                host: "test-host",
                stream: StreamIdentity(source: "test", format: format.rawValue, path: "/t", fingerprint: fingerprint)
            ),
            maxLineBytes: maxLineBytes
        )
    }
}

extension StreamScanner {
    /// Feeds all of `bytes` at once and finishes the stream.
    func scanAll(_ bytes: [UInt8]) throws -> [Segment] {
        try bytes.withUnsafeBytes { try feed($0) } + finish()
    }
}

extension Record {
    /// A record of one field, for matcher and segmenter tests.
    static func single(_ kind: FieldKind, _ text: String) -> Record {
        Record(fields: [RecordField(kind: kind, text)])
    }
}

/// Rules as YAML text, for tests that build a rules file in place.
func ruleYAML(
    id: String,
    severity: String = "high",
    fields: [String]? = nil,
    regex: [String] = [],
    phrase: [String] = [],
    not: [String] = [],
    caseSensitive: Bool = false
) -> String {
    func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    var yaml = "  - id: \(id)\n    category: test\n    severity: \(severity)\n"
    if let fields { yaml += "    fields: [\(fields.joined(separator: ", "))]\n" }
    if caseSensitive { yaml += "    case: sensitive\n" }
    yaml += "    patterns:\n"
    for pattern in regex { yaml += "      - regex: \(quoted(pattern))\n" }
    for pattern in phrase { yaml += "      - phrase: \(quoted(pattern))\n" }
    if !not.isEmpty {
        yaml += "    not:\n"
        for pattern in not { yaml += "      - regex: \(quoted(pattern))\n" }
    }
    return yaml
}
