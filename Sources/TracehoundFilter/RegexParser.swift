// Recursive-descent parser for RegexSyntax.swift's subset. Grammar, as PCRE reads it:
//   alternation := sequence ('|' sequence)*
//   sequence    := (atom quantifier?)*
//   atom        := literal | '.' | class | escape | group | '^' | '$'
//   quantifier  := ('*' | '+' | '?' | '{n}' | '{n,}' | '{n,m}') '?'?     (lazy is irrelevant to whether it matches)

struct RegexParser {
    let pattern: [UInt8]
    var index = 0
    private var options: RegexOptions

    var currentOptions: RegexOptions { options }
    func peekByte(_ offset: Int = 0) -> UInt8? { peek(offset) }
    mutating func advance(_ count: Int = 1) { index += count }
    func failure(_ reason: String, at offset: Int) -> RegexSyntaxError {
        RegexSyntaxError(offset: offset, reason: reason)
    }

    /// Parses `pattern`; `caseless` is the rule's case setting (inline `(?i)` / `(?-i)` may change it in groups).
    static func parse(_ pattern: String, caseless: Bool) throws(RegexSyntaxError) -> RegexNode {
        var parser = RegexParser(pattern: Array(pattern.utf8), options: RegexOptions(caseless: caseless))
        let node = try parser.parseAlternation()
        if parser.index < parser.pattern.count {
            throw RegexSyntaxError(offset: parser.index, reason: "unmatched ')'")
        }
        return node
    }

    private init(pattern: [UInt8], options: RegexOptions) {
        self.pattern = pattern
        self.options = options
    }

    private var atEnd: Bool { index >= pattern.count }
    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < pattern.count ? pattern[index + offset] : nil
    }
    private mutating func take() -> UInt8 {
        defer { index += 1 }
        return pattern[index]
    }
    private func fail(_ reason: String, at offset: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(offset: offset ?? index, reason: reason)
    }

    private mutating func parseAlternation() throws(RegexSyntaxError) -> RegexNode {
        var branches = [try parseSequence()]
        while peek() == UInt8(ascii: "|") {
            index += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence() throws(RegexSyntaxError) -> RegexNode {
        var nodes: [RegexNode] = []
        while let byte = peek(), byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
            let start = index
            guard let atom = try parseAtom() else { continue }
            // A quantifier after `\Q...\E` repeats the last quoted byte only, as in PCRE.
            let quoted = pattern[start...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "Q")])
            if quoted, case .sequence(let bytes) = atom, let last = bytes.last {
                nodes += bytes.dropLast()
                nodes.append(try parseQuantifier(on: last, atomStart: index - 1))
                continue
            }
            nodes.append(try parseQuantifier(on: atom, atomStart: start))
        }
        return nodes.count == 1 ? nodes[0] : .sequence(nodes)
    }

    /// One atom, or nil for constructs that match nothing and leave no node (comments, option settings).
    private mutating func parseAtom() throws(RegexSyntaxError) -> RegexNode? {
        let byte = take()
        switch byte {
        case UInt8(ascii: "."):
            return .byte(options.dotAll ? .all : ByteSet([0x0A]).inverted)
        case UInt8(ascii: "^"):
            return .assertion(options.multiline ? .lineAnchor : .fieldStart)
        case UInt8(ascii: "$"):
            return .assertion(options.multiline ? .lineAnchor : .fieldEnd)
        case UInt8(ascii: "["):
            return .byte(try parseClass())
        case UInt8(ascii: "("):
            return try parseGroup()
        case UInt8(ascii: "\\"):
            return try parseEscape()
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
            throw fail("quantifier with nothing to repeat", at: index - 1)
        default:
            return literal(byte)
        }
    }

    private func literal(_ byte: UInt8) -> RegexNode {
        let set = ByteSet([byte])
        return .byte(options.caseless ? set.caseFolded : set)
    }

    private mutating func parseGroup() throws(RegexSyntaxError) -> RegexNode? {
        let start = index - 1
        let saved = options
        defer { options = saved }
        if peek() == UInt8(ascii: "?") {
            index += 1
            guard let kind = peek() else { throw fail("unterminated group", at: start) }
            switch kind {
            case UInt8(ascii: ":"):
                index += 1
            case UInt8(ascii: "="), UInt8(ascii: "!"):
                throw fail("lookahead is not supported by vectorscan", at: start)
            case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "=") || peek(1) == UInt8(ascii: "!"):
                throw fail("lookbehind is not supported by vectorscan", at: start)
            case UInt8(ascii: "<"), UInt8(ascii: "P"), UInt8(ascii: "'"):
                // Named groups match like plain ones.
                if kind == UInt8(ascii: "P") { index += 1 }
                let close = kind == UInt8(ascii: "'") ? UInt8(ascii: "'") : UInt8(ascii: ">")
                index += 1
                while let byte = peek(), byte != close { index += 1 }
                guard !atEnd else { throw fail("unterminated group name", at: start) }
                index += 1
            case UInt8(ascii: ">"):
                throw fail("atomic groups are not supported by vectorscan", at: start)
            case UInt8(ascii: "#"):
                while let byte = peek(), byte != UInt8(ascii: ")") { index += 1 }
                guard !atEnd else { throw fail("unterminated comment", at: start) }
                index += 1
                return nil
            default:
                // Option settings: (?i) for the rest of the enclosing group, (?i:...) for this one.
                var enable = true
                var newOptions = options
                while let flag = peek(), flag != UInt8(ascii: ")"), flag != UInt8(ascii: ":") {
                    index += 1
                    switch flag {
                    case UInt8(ascii: "-"): enable = false
                    case UInt8(ascii: "i"): newOptions.caseless = enable
                    case UInt8(ascii: "s"): newOptions.dotAll = enable
                    case UInt8(ascii: "m"): newOptions.multiline = enable
                    default: throw fail("unsupported group or option '(?\(Character(UnicodeScalar(flag)))'", at: start)
                    }
                }
                guard let end = peek() else { throw fail("unterminated group", at: start) }
                index += 1
                if end == UInt8(ascii: ")") {
                    // Applies to the rest of the enclosing group, later alternatives included; parsed here as
                    // one node, which is only the same thing when nothing precedes it in its alternative.
                    let previous = start > 0 ? pattern[start - 1] : UInt8(ascii: "(")
                    guard previous == UInt8(ascii: "(") || previous == UInt8(ascii: "|") else {
                        throw fail(
                            "inline options are supported only at the start of a group or alternative",
                            at: start
                        )
                    }
                    return try applyingToRest(newOptions)
                }
                options = newOptions
            }
        }
        let node = try parseAlternation()
        guard peek() == UInt8(ascii: ")") else { throw fail("missing ')'", at: start) }
        index += 1
        return node
    }

    /// `(?i)` in the middle of a sequence: parse the rest of the enclosing group with the new options.
    private mutating func applyingToRest(_ newOptions: RegexOptions) throws(RegexSyntaxError) -> RegexNode {
        options = newOptions
        let rest = try parseAlternation()
        return rest
    }

    private mutating func parseQuantifier(on atom: RegexNode, atomStart: Int) throws(RegexSyntaxError) -> RegexNode {
        guard let byte = peek() else { return atom }
        var bounds: (Int, Int?)
        switch byte {
        case UInt8(ascii: "*"): bounds = (0, nil)
        case UInt8(ascii: "+"): bounds = (1, nil)
        case UInt8(ascii: "?"): bounds = (0, 1)
        case UInt8(ascii: "{"):
            guard let parsed = parseBraces() else { return atom }
            bounds = parsed
        default: return atom
        }
        if byte != UInt8(ascii: "{") { index += 1 }
        if case .assertion = atom { throw fail("quantifier on an assertion", at: atomStart) }
        if peek() == UInt8(ascii: "+") { throw fail("possessive quantifiers are not supported by vectorscan") }
        if peek() == UInt8(ascii: "?") { index += 1 }
        if let max = bounds.1, max < bounds.0 { throw fail("quantifier bounds out of order", at: atomStart) }
        return .repetition(atom, min: bounds.0, max: bounds.1)
    }

    /// `{n}`, `{n,}`, `{n,m}`; anything else after `{` is a literal brace, as in PCRE.
    private mutating func parseBraces() -> (Int, Int?)? {
        var cursor = index + 1
        func number() -> Int? {
            var value: Int?
            while cursor < pattern.count, pattern[cursor] >= UInt8(ascii: "0"), pattern[cursor] <= UInt8(ascii: "9") {
                value = min((value ?? 0) * 10 + Int(pattern[cursor] - UInt8(ascii: "0")), 100_000)
                cursor += 1
            }
            return value
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if cursor < pattern.count, pattern[cursor] == UInt8(ascii: ",") {
            cursor += 1
            high = number()
        }
        guard cursor < pattern.count, pattern[cursor] == UInt8(ascii: "}") else { return nil }
        index = cursor + 1
        return (low, high)
    }
}
