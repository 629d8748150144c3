// From a pattern over decoded field text to a pattern over the raw bytes of the line, for the fast path.
//
// Rules match what the model wrote, after JSON unescaping (DESIGN.md §3.6). Decoding every line would cost more
// than the scan, so the matcher first scans raw chunks with a derived database whose matches are a SUPERSET of
// the decoded matches, and decodes only the lines it flags. The derivation, unit by unit:
//
// - A decoded byte b comes from the raw line either as b itself or, inside a JSON string, as an escape:
//   `\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t`, or `\uXXXX`. Each byte set S becomes
//   `(?:[S without LF]|\\[escape letters of S's members])`: one raw unit per decoded byte. A repeated byte set
//   (`.{0,40}`, `\s+`) becomes one class of every raw byte its members may be written with, its upper bound
//   doubled when an escape (two raw bytes) is possible: a repeated class compiles far smaller than a repeated
//   alternation. Raw LF never occurs inside a line, which keeps raw matches from spanning lines.
// - `\uXXXX` would make one raw unit stand for up to four decoded bytes. Rather than loosen every unit, any line
//   holding `\u` followed by four hex digits is decoded and matched the slow way (`guardExpression`). Claude Code
//   and Codex write non-ASCII as UTF-8 and use `\u` only for control characters, so such lines are few.
// - Zero-width assertions (`^`, `$`, `\b`, ...) are dropped: a field's start is mid-line in raw bytes, and an
//   escape like `\n` puts a letter where the decoded text has a boundary. Dropping them only widens the match.
// - Malformed lines are matched over their raw bytes; the identity alternative in every unit covers them.
//
// Candidate lines are then decoded and matched with the original patterns, so the result is exactly the slow
// path's; the property tests in TracehoundFilterTests check that on the shared traces and on generated lines.

enum RawLinePattern {
    /// Raw lines matching this are decoded and matched whatever the raw scan found: they hold `\uXXXX` escapes.
    static let guardExpression = #"\\u[0-9A-Fa-f]{4}"#

    /// The raw-line expression for a parsed decoded-text pattern. Compile it case-sensitively: the byte sets
    /// are already case-folded where the pattern is caseless, and escape letters are case-sensitive.
    static func expression(for node: RegexNode) -> String {
        switch node {
        case .byte(let set):
            return unit(set)
        case .assertion:
            return ""
        case .sequence(let nodes):
            return nodes.map(expression(for:)).joined()
        case .alternation(let nodes):
            return "(?:" + nodes.map(expression(for:)).joined(separator: "|") + ")"
        case .repetition(.byte(let set), let min, let max):
            // A repeated byte set is one class repeated, which vectorscan compiles far smaller than a repeated
            // alternation: escapes are two raw bytes each, both in the class, so the bounds double at most.
            let raw = characterClass(rawBytes(set))
            let escapable = shortEscapes.contains { set.contains($0.decoded) }
            return raw + bounds(min: min, max: escapable ? max.map { $0 * 2 } : max)
        case .repetition(let inner, let min, let max):
            let body = expression(for: inner)
            if body.isEmpty { return "" }
            return "(?:" + body + ")" + bounds(min: min, max: max)
        }
    }

    private static func bounds(min: Int, max: Int?) -> String {
        switch (min, max) {
        case (0, nil): return "*"
        case (1, nil): return "+"
        case (0, 1): return "?"
        case (let low, nil): return "{\(low),}"
        case (let low, let high?) where low == high: return "{\(low)}"
        case (let low, let high?): return "{\(low),\(high)}"
        }
    }

    /// Every raw byte that can appear in the encoding of a decoded byte of `set`: the byte itself (LF aside),
    /// and for escapable members the backslash and the escape letter.
    static func rawBytes(_ set: ByteSet) -> ByteSet {
        var raw = ByteSet((0...255).map { UInt8($0) }.filter { set.contains($0) && $0 != 0x0A })
        for escape in shortEscapes where set.contains(escape.decoded) {
            raw.insert(UInt8(ascii: "\\"))
            raw.insert(escape.letter)
        }
        return raw
    }

    /// JSON's short escapes: the decoded byte and the letter after the backslash.
    private static let shortEscapes: [(decoded: UInt8, letter: UInt8)] = [
        (UInt8(ascii: "\""), UInt8(ascii: "\"")),
        (UInt8(ascii: "\\"), UInt8(ascii: "\\")),
        (UInt8(ascii: "/"), UInt8(ascii: "/")),
        (0x08, UInt8(ascii: "b")),
        (0x0C, UInt8(ascii: "f")),
        (0x0A, UInt8(ascii: "n")),
        (0x0D, UInt8(ascii: "r")),
        (0x09, UInt8(ascii: "t")),
    ]

    /// One raw unit standing for one decoded byte of `set`.
    static func unit(_ set: ByteSet) -> String {
        let identity = ByteSet((0...255).map { UInt8($0) }.filter { set.contains($0) && $0 != 0x0A })
        let letters = shortEscapes.filter { set.contains($0.decoded) }.map(\.letter)
        let identityClass = identity.isEmpty ? nil : characterClass(identity)
        guard !letters.isEmpty else { return identityClass ?? "[^\\x00-\\xff]" }
        let escapeClass = "\\\\" + characterClass(ByteSet(letters))
        guard let identityClass else { return escapeClass }
        return "(?:" + identityClass + "|" + escapeClass + ")"
    }

    /// A bracket class listing `set` as ranges, every byte written as `\xHH` so no byte is special in it.
    static func characterClass(_ set: ByteSet) -> String {
        if set == .all { return "[\\x00-\\xff]" }
        var text = "["
        var byte = 0
        while byte < 256 {
            guard set.contains(UInt8(byte)) else {
                byte += 1
                continue
            }
            var end = byte
            while end + 1 < 256 && set.contains(UInt8(end + 1)) { end += 1 }
            text += hex(UInt8(byte))
            if end > byte { text += (end == byte + 1 ? "" : "-") + hex(UInt8(end)) }
            byte = end + 1
        }
        return text + "]"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }

    /// A literal phrase as a decoded-text regex: every byte written as `\xHH` (or itself when alphanumeric).
    static func phraseExpression(_ phrase: String) -> String {
        phrase.utf8.map { byte in
            ByteSet.word.contains(byte) && byte != UInt8(ascii: "_") ? String(UnicodeScalar(byte)) : hex(byte)
        }.joined()
    }
}
