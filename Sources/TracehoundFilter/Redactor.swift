// Redaction (DESIGN.md §3.7): secrets are replaced in every forwarded field before batching, so they never leave
// the host. Built-in detectors cover the credentials agents handle most (cloud keys, tokens, private keys, JWTs,
// bearer headers, password assignments); operators add their own regexes. All detectors are one vectorscan
// database; a match's range is replaced with `[REDACTED:<name>]`. For assignments and bearer headers only the value
// is replaced, so the reviewer still sees what kind of secret it was.
public import TracehoundConfig
import TracehoundCore

/// The detectors, compiled once and shared; each thread redacts through its own `Redactor`.
public final class RedactionSet: Sendable {
    struct Detector: Sendable {
        var name: String
        var expression: String
        var caseless: Bool
        /// Keep the part of the match before the value (`password=`, `Bearer `).
        var keepsKey: Bool
    }

    let detectors: [Detector]
    let database: PatternDatabase?

    static func builtinDetectors(_ name: BuiltinRedaction) -> [Detector] {
        switch name {
        case .aws:
            return [
                Detector(
                    name: "aws",
                    expression: #"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}\b"#,
                    caseless: false,
                    keepsKey: false
                ),
                Detector(
                    name: "aws",
                    expression: #"aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}"#,
                    caseless: true,
                    keepsKey: true
                ),
            ]
        case .github:
            return [
                Detector(
                    name: "github",
                    expression: #"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}"#,
                    caseless: false,
                    keepsKey: false
                ),
                Detector(
                    name: "github",
                    expression: #"\bgithub_pat_[A-Za-z0-9_]{22,}"#,
                    caseless: false,
                    keepsKey: false
                ),
            ]
        case .openai:
            return [
                Detector(
                    name: "openai",
                    expression: #"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"#,
                    caseless: false,
                    keepsKey: false
                )
            ]
        case .anthropic:
            return [
                Detector(
                    name: "anthropic",
                    expression: #"\bsk-ant-[A-Za-z0-9_-]{20,}"#,
                    caseless: false,
                    keepsKey: false
                )
            ]
        case .slack:
            return [
                Detector(
                    name: "slack",
                    expression: #"\bxox[abposr]-[A-Za-z0-9-]{10,}"#,
                    caseless: false,
                    keepsKey: false
                ),
                Detector(
                    name: "slack",
                    expression: #"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"#,
                    caseless: false,
                    keepsKey: false
                ),
            ]
        case .stripe:
            return [
                Detector(
                    name: "stripe",
                    expression: #"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"#,
                    caseless: false,
                    keepsKey: false
                )
            ]
        case .privateKey:
            // The key's body is found from its BEGIN line to the END line by `Redactor` (a bounded repeat of a
            // whole key would make the database huge).
            return [
                Detector(
                    name: "private_key",
                    expression: #"-----BEGIN[A-Z ]{0,40}PRIVATE KEY( BLOCK)?-----"#,
                    caseless: false,
                    keepsKey: false
                )
            ]
        case .jwt:
            return [
                Detector(
                    name: "jwt",
                    expression: #"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"#,
                    caseless: false,
                    keepsKey: false
                )
            ]
        case .bearer:
            return [
                Detector(
                    name: "bearer",
                    expression: #"\bbearer\s+[A-Za-z0-9._~+/=-]{16,}"#,
                    caseless: true,
                    keepsKey: true
                )
            ]
        case .password:
            return [
                Detector(
                    name: "password",
                    expression:
                        #"(?:\b|_)(?:password|passwd|pwd|secret|api_?key|access_?token|auth_?token|client_?secret)["']?\s*[:=]\s*["']?[^\s"',;]{6,}"#,
                    caseless: true,
                    keepsKey: true
                )
            ]
        }
    }

    /// Compiles the built-ins named in `builtin` and the operator's `patterns` (named `custom`).
    public init(builtin: [BuiltinRedaction], patterns: [String]) throws {
        var detectors = builtin.flatMap(Self.builtinDetectors)
        detectors += patterns.map { Detector(name: "custom", expression: $0, caseless: false, keepsKey: false) }
        self.detectors = detectors
        database =
            detectors.isEmpty
            ? nil
            : try PatternDatabase(
                patterns: detectors.enumerated().map { index, detector in
                    var flags: PatternFlags = [.startOfMatchLeftmost]
                    if detector.caseless { flags.insert(.caseless) }
                    return Pattern(id: UInt32(index), expression: detector.expression, flags: flags)
                }
            )
    }

    public convenience init(_ config: RedactConfig) throws {
        try self.init(builtin: config.builtin, patterns: config.patterns)
    }
}

/// One thread's redactor.
public final class Redactor {
    public let set: RedactionSet
    private let scratch: PatternScratch?
    private var aligned: UnsafeMutableRawBufferPointer

    public init(set: RedactionSet) throws {
        self.set = set
        scratch = try set.database?.makeScratch()
        aligned = .allocate(byteCount: 64 << 10, alignment: 64)
    }

    deinit { aligned.deallocate() }

    /// Replaces every secret in `text`; returns the edits made (empty when there was nothing to redact).
    func redact(_ text: inout [UInt8]) throws -> [TextEdit] {
        guard let database = set.database, let scratch, !text.isEmpty else { return [] }
        if text.count > aligned.count {
            aligned.deallocate()
            aligned = .allocate(byteCount: max(text.count, aligned.count * 2), alignment: 64)
        }
        text.withUnsafeBytes { aligned.copyMemory(from: $0) }
        var found: [(start: Int, end: Int, label: Int)] = []
        try database.scan(UnsafeRawBufferPointer(rebasing: aligned[..<text.count]), scratch: scratch) { match in
            found.append((match.start, match.end, Int(match.id)))
            return .keepScanning
        }
        guard !found.isEmpty else { return [] }
        var adjusted = found.map { range -> (start: Int, end: Int, label: Int) in
            let detector = set.detectors[range.label]
            var start = range.start
            var end = range.end
            if detector.keepsKey { start = valueStart(text, from: start, to: end) }
            if detector.name == "private_key" { end = privateKeyEnd(text, from: end) }
            return (start, end, range.label)
        }
        // Where several detectors find a secret starting at the same byte (an Anthropic key is also `sk-` shaped
        // like an OpenAI one), the most specific names it: the one whose shortest match there is the longest.
        var shortest: [Int: [Int: Int]] = [:]
        for range in adjusted {
            shortest[range.start, default: [:]][range.label] = min(
                shortest[range.start]?[range.label] ?? .max,
                range.end - range.start
            )
        }
        for index in adjusted.indices {
            let candidates = shortest[adjusted[index].start]!
            adjusted[index].label = candidates.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key
        }
        let merged = TextEdits.merge(adjusted)
        return TextEdits.apply(merged.map { ($0.start, $0.end) }, to: &text) { index in
            Array("[REDACTED:\(set.detectors[merged[index].label].name)]".utf8)
        }
    }

    /// Where the secret value starts in a `key = "value"` or `Bearer value` match: past the key, the separator,
    /// spaces and an opening quote.
    private func valueStart(_ text: [UInt8], from start: Int, to end: Int) -> Int {
        var index = start
        let separators: Set<UInt8> = [UInt8(ascii: ":"), UInt8(ascii: "="), 0x20, 0x09, 0x0A, 0x0D]
        let quotes: Set<UInt8> = [UInt8(ascii: "\""), UInt8(ascii: "'")]
        // Skip the key: up to the first separator or space.
        while index < end, !separators.contains(text[index]) { index += 1 }
        while index < end, separators.contains(text[index]) || quotes.contains(text[index]) { index += 1 }
        return index < end ? index : start
    }

    /// The end of a private key block: just past its `-----END ... -----` line, or the end of the text.
    private func privateKeyEnd(_ text: [UInt8], from begin: Int) -> Int {
        let marker = Array("-----END".utf8)
        var index = begin
        while index + marker.count <= text.count {
            if text[index] == marker[0] && Array(text[index..<index + marker.count]) == marker {
                var close = index + marker.count
                while close < text.count && text[close] != UInt8(ascii: "-") { close += 1 }
                while close < text.count && text[close] == UInt8(ascii: "-") { close += 1 }
                return close
            }
            index += 1
        }
        return text.count
    }
}
