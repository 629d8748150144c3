// The building blocks of RawLinePattern.swift: a pattern with its word boundaries decided for raw bytes, and the
// raw forms of one decoded byte (itself, an escape, an argv boundary).

/// A pattern as the raw translation sees it: like `RegexNode`, with each assertion already written as raw text.
indirect enum RawNode: Equatable, Sendable {
    case byte(ByteSet)
    /// Raw text standing for a zero-width assertion (possibly empty); it consumes no decoded byte.
    case boundary(String)
    case sequence([RawNode])
    case alternation([RawNode])
    case repetition(RawNode, min: Int, max: Int?)

    /// Whether the node can match without consuming a decoded byte.
    var isNullable: Bool {
        switch self {
        case .byte: false
        case .boundary: true
        case .sequence(let nodes): nodes.allSatisfy(\.isNullable)
        case .alternation(let nodes): nodes.contains(where: \.isNullable)
        case .repetition(let node, let min, _): min == 0 || node.isNullable
        }
    }
}

extension RawLinePattern {
    /// The raw-line regex for `node`: each byte set as its raw unit, a repeated byte set as one class (which
    /// vectorscan compiles far smaller than a repeated alternation) holding every byte of every raw form, its
    /// upper bound scaled by the longest of them.
    static func render(_ node: RawNode) -> String {
        switch node {
        case .byte(let set):
            return unit(set)
        case .boundary(let text):
            return text
        case .sequence(let nodes):
            return nodes.map(render).joined()
        case .alternation(let nodes):
            let unique = nodes.map(render).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return unique.count == 1 ? unique[0] : "(?:" + unique.joined(separator: "|") + ")"
        case .repetition(_, _, 0):
            return ""
        case .repetition(.byte(let set), let min, let max):
            // Past a few hundred bytes a window selects little and compiles slowly (vectorscan refuses bounds
            // over 32767): leave it open.
            let rawMax = max.map { $0 * longestRawForm(set) }.flatMap { $0 <= 1024 ? $0 : nil }
            return characterClass(rawBytes(set)) + bounds(min: min, max: rawMax)
        case .repetition(let inner, let min, let max):
            let body = render(inner)
            return body.isEmpty ? "" : "(?:" + body + ")" + bounds(min: min, max: max)
        }
    }

    static func bounds(min: Int, max: Int?) -> String {
        switch (min, max) {
        case (0, nil): return "*"
        case (1, nil): return "+"
        case (0, 1): return "?"
        case (let low, nil): return "{\(low),}"
        case (let low, let high?) where low == high: return low == 1 ? "" : "{\(low)}"
        case (let low, let high?): return "{\(low),\(high)}"
        }
    }

    static func optionalAlternation(_ alternatives: [RawNode?]) -> RawNode? {
        let present = alternatives.compactMap { $0 }
        return present.isEmpty ? nil : present.count == 1 ? present[0] : .alternation(present)
    }

    /// Runs of literal bytes (one byte, or a letter in both cases) that every match of `node` holds, as a
    /// measure of how rare its matches are: `longest` anywhere, and the runs it starts and ends with (`whole`
    /// when the node is nothing but such a run).
    static func literalRuns(_ node: RawNode) -> (longest: Int, start: Int, end: Int, whole: Int?) {
        switch node {
        case .byte(let set):
            let members = (0...255).filter { set.contains(UInt8($0)) }
            let literal = members.count == 1 || (members.count == 2 && members[0] ^ members[1] == 0x20)
            return literal ? (1, 1, 1, 1) : (0, 0, 0, nil)
        case .boundary(let text):
            return text.isEmpty ? (0, 0, 0, 0) : (0, 0, 0, nil)
        case .sequence(let nodes):
            var result: (longest: Int, start: Int, end: Int, whole: Int?) = (0, 0, 0, 0)
            for inner in nodes.map(literalRuns) {
                let joined = result.end + inner.start
                result.longest = Swift.max(result.longest, inner.longest, joined)
                result.start = result.whole.map { $0 + inner.start } ?? result.start
                result.end = inner.whole.map { result.end + $0 } ?? inner.end
                result.whole = result.whole.flatMap { total in inner.whole.map { total + $0 } }
            }
            return result
        case .alternation(let nodes):
            let runs = nodes.map(literalRuns)
            let wholes = Set(runs.map(\.whole))
            return (
                runs.map(\.longest).min() ?? 0, runs.map(\.start).min() ?? 0, runs.map(\.end).min() ?? 0,
                wholes.count == 1 ? wholes.first! : nil
            )
        case .repetition(let inner, let min, let max):
            guard min > 0 else { return max == 0 ? (0, 0, 0, 0) : (0, 0, 0, nil) }
            let runs = literalRuns(inner)
            let whole = min == max ? runs.whole.map { $0 * min } : nil
            return (whole ?? runs.longest, runs.start, runs.end, whole)
        }
    }
}

extension RawLinePattern {
    /// What may come right before a point of the pattern: a byte the pattern consumed, or (when `outside`) the
    /// raw byte before the match.
    struct Before: Equatable {
        var bytes = ByteSet()
        var outside = true

        func union(_ other: Before) -> Before {
            var bytes = self.bytes
            bytes.formUnion(other.bytes)
            return Before(bytes: bytes, outside: outside || other.outside)
        }
    }

    /// Decoded bytes whose escape ends in a word letter (`\b` `\f` `\n` `\r` `\t`): next to them a raw `\b`
    /// sees a letter where the decoded text has a non-word byte.
    static let letterEscaped: [UInt8] = [0x08, 0x0C, 0x0A, 0x0D, 0x09]

    /// The raw form of a decoded `\b`, given what may precede it. Word letters are never escaped, and the other
    /// neighbours a raw line can show (a non-word byte, a backslash starting an escape, a string's quote) are
    /// non-word, so a raw `\b` holds wherever the decoded one does unless the byte before was written as a
    /// letter escape. That byte is either consumed by the pattern (then the boundary is dropped), or lies before
    /// the match (then the raw match may start with it).
    static func wordBoundary(after before: Before) -> String {
        guard !letterEscaped.contains(where: before.bytes.contains) else { return "" }
        return before.outside ? #"(?:\b|\\{1,3}[bfnrt])"# : #"\b"#
    }

    /// `node` with assertions decided; `before` is what may precede it. Returns what may precede the next node.
    static func rawNode(_ node: RegexNode, before: Before = Before()) -> (node: RawNode, after: Before) {
        switch node {
        case .byte(let set):
            return (.byte(set), Before(bytes: set, outside: false))
        case .assertion(.wordBoundary):
            return (.boundary(wordBoundary(after: before)), before)
        case .assertion(.fieldStart):
            // A field starts a JSON string (after its quote) or, for text and malformed lines, a line.
            return (.boundary(#"(?:^|[\n"])"#), before)
        case .assertion:
            // `$` and `\B` are dropped, which only widens the match: a field may end in the middle of a line
            // before more joined pieces, and a raw `$` would need the quote that the tail's end consumes.
            return (.boundary(""), before)
        case .sequence(let nodes):
            var current = before
            var converted: [RawNode] = []
            for inner in nodes {
                let result = rawNode(inner, before: current)
                converted.append(result.node)
                current = result.after
            }
            return (.sequence(converted), current)
        case .alternation(let nodes):
            let results = nodes.map { rawNode($0, before: before) }
            let after = results.dropFirst().reduce(results[0].after) { $0.union($1.after) }
            return (.alternation(results.map(\.node)), after)
        case .repetition(let inner, let min, let max):
            // Later iterations follow earlier ones: widen what may precede the body to cover both.
            let widened = before.union(Before(bytes: lastBytes(inner), outside: false))
            let result = rawNode(inner, before: widened)
            return (.repetition(result.node, min: min, max: max), min == 0 ? before.union(result.after) : result.after)
        }
    }

    /// The bytes that can be the last one a match of `node` consumes.
    static func lastBytes(_ node: RegexNode) -> ByteSet {
        switch node {
        case .byte(let set): return set
        case .assertion: return ByteSet()
        case .sequence(let nodes):
            var bytes = ByteSet()
            for inner in nodes.reversed() {
                bytes.formUnion(lastBytes(inner))
                if !inner.isNullable { break }
            }
            return bytes
        case .alternation(let nodes): return nodes.reduce(into: ByteSet()) { $0.formUnion(lastBytes($1)) }
        case .repetition(let inner, _, _): return lastBytes(inner)
        }
    }

    // MARK: - One decoded byte in raw bytes

    /// JSON's short escapes: the decoded byte and the letter after the backslash.
    static let shortEscapes: [(decoded: UInt8, letter: UInt8)] = [
        (UInt8(ascii: "\""), UInt8(ascii: "\"")),
        (UInt8(ascii: "\\"), UInt8(ascii: "\\")),
        (UInt8(ascii: "/"), UInt8(ascii: "/")),
        (0x08, UInt8(ascii: "b")),
        (0x0C, UInt8(ascii: "f")),
        (0x0A, UInt8(ascii: "n")),
        (0x0D, UInt8(ascii: "r")),
        (0x09, UInt8(ascii: "t")),
    ]

    /// Between two words of an argv array: the closing quote, a comma, the opening quote (escaped once in JSON
    /// inside a string), with at most one space or tab on each side of the comma as JSON writers put them.
    static let argvBoundary = #"\\?"[\t ]?,[\t ]?\\?""#
    static let argvBoundaryBytes = ByteSet([UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ","), 0x20, 0x09])
    /// The longest raw form of one decoded byte: a twice-escaped quote (`\\\"`, 4), an argv boundary (7).
    static func longestRawForm(_ set: ByteSet) -> Int {
        if set.contains(0x20) { return 7 }
        return shortEscapes.contains { set.contains($0.decoded) } ? 4 : 1
    }

    /// One raw unit standing for one decoded byte of `set`: the byte, its escape (unescaped once or twice), or
    /// for a space the boundary between argv words.
    static func unit(_ set: ByteSet) -> String {
        let identity = ByteSet((0...255).map { UInt8($0) }.filter { set.contains($0) && $0 != 0x0A })
        let letters = shortEscapes.filter { set.contains($0.decoded) }.map(\.letter)
        var alternatives: [String] = []
        if !identity.isEmpty { alternatives.append(characterClass(identity)) }
        if !letters.isEmpty { alternatives.append("\\\\{1,3}" + characterClass(ByteSet(letters))) }
        if set.contains(0x20) { alternatives.append(argvBoundary) }
        if alternatives.isEmpty { return "[^\\x00-\\xff]" }
        return alternatives.count == 1 ? alternatives[0] : "(?:" + alternatives.joined(separator: "|") + ")"
    }

    /// Every raw byte that can appear in the raw forms of the decoded bytes of `set` (LF never does).
    static func rawBytes(_ set: ByteSet) -> ByteSet {
        var raw = ByteSet((0...255).map { UInt8($0) }.filter { set.contains($0) && $0 != 0x0A })
        for escape in shortEscapes where set.contains(escape.decoded) {
            raw.insert(UInt8(ascii: "\\"))
            raw.insert(escape.letter)
        }
        if set.contains(0x20) { raw.formUnion(argvBoundaryBytes) }
        return raw
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

    static func hex(_ byte: UInt8) -> String {
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
