// PCRE2 as the reference the tests compare vectorscan against: byte mode (no UTF flag, as the rules are read),
// caseless unless a rule is case-sensitive, and only "does it match anywhere" (PCRE2's first match is enough).
// Tests only: the daemon never links PCRE2.
import CPCRE2

/// Why PCRE2 refused a pattern or a match: its error code and message.
struct PCRE2Error: Error, CustomStringConvertible {
    var call: String
    var code: Int32
    var message: String
    var offset: Int?

    init(call: String, code: Int32, offset: Int? = nil) {
        self.call = call
        self.code = code
        self.offset = offset
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        message = length > 0 ? String(decoding: buffer[..<Int(length)], as: UTF8.self) : "unknown error"
    }

    var description: String {
        "\(call) failed: \(message) (\(code))" + (offset.map { " at offset \($0)" } ?? "")
    }
}

/// One compiled PCRE2 pattern and its match data; not thread-safe (one per test).
final class PCRE2Pattern {
    let expression: String
    private let code: OpaquePointer
    private let matchData: OpaquePointer

    init(_ expression: String, caseless: Bool) throws {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(expression.utf8)
        let options: UInt32 = caseless ? PCRE2_CASELESS : 0
        guard let compiled = pcre2_compile_8(bytes, bytes.count, options, &errorCode, &errorOffset, nil) else {
            throw PCRE2Error(call: "pcre2_compile", code: errorCode, offset: errorOffset)
        }
        guard let data = pcre2_match_data_create_from_pattern_8(compiled, nil) else {
            pcre2_code_free_8(compiled)
            throw PCRE2Error(call: "pcre2_match_data_create_from_pattern", code: PCRE2_ERROR_NOMEMORY)
        }
        self.expression = expression
        code = compiled
        matchData = data
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// Whether the pattern matches anywhere in `subject`.
    func matches(_ subject: [UInt8]) throws -> Bool {
        try firstMatch(in: subject) != nil
    }

    /// The first (leftmost) match's byte range, as PCRE2 reports it.
    func firstMatch(in subject: [UInt8]) throws -> Range<Int>? {
        // A real pointer even for an empty subject: older PCRE2 releases refuse NULL.
        let storage = subject.isEmpty ? [0] : subject
        let status = storage.withUnsafeBufferPointer { buffer in
            pcre2_match_8(code, buffer.baseAddress, subject.count, 0, 0, matchData, nil)
        }
        if status == PCRE2_ERROR_NOMATCH { return nil }
        guard status > 0 else { throw PCRE2Error(call: "pcre2_match", code: status) }
        let vector = pcre2_get_ovector_pointer_8(matchData)!
        return vector[0]..<vector[1]
    }
}

/// The PCRE2 view of a rule: it matches a field when a pattern matches and no veto does.
struct PCRE2Rule {
    var patterns: [PCRE2Pattern]
    var vetoes: [PCRE2Pattern]

    /// `expressions` are the rule's decoded-text expressions (phrases already turned into regexes).
    init(patterns: [String], vetoes: [String], caseless: Bool) throws {
        self.patterns = try patterns.map { try PCRE2Pattern($0, caseless: caseless) }
        self.vetoes = try vetoes.map { try PCRE2Pattern($0, caseless: caseless) }
    }

    func matches(_ text: [UInt8]) throws -> Bool {
        guard try patterns.contains(where: { try $0.matches(text) }) else { return false }
        return try !vetoes.contains { try $0.matches(text) }
    }
}
