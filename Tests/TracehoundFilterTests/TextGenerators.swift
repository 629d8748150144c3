// Generated text for the property tests: strings a pattern matches (sampled from its parsed form), filler
// words, and the expressions PCRE2 must see for a rule's patterns.
@testable import TracehoundFilter

/// Draws byte strings from a parsed pattern: most of them match it (assertions are ignored, so some do not).
struct RegexSampler {
    /// Unbounded repeats draw at most this many extra iterations.
    var extraRepeats = 3
    /// Bounded repeats draw at most this many iterations past their minimum.
    var boundedSpread = 6

    func sample(_ node: RegexNode, using random: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        append(node, to: &out, using: &random)
        return out
    }

    private func append(_ node: RegexNode, to out: inout [UInt8], using random: inout SeededGenerator) {
        switch node {
        case .byte(let set):
            out.append(Self.draw(from: set, using: &random))
        case .assertion:
            break
        case .sequence(let nodes):
            for inner in nodes { append(inner, to: &out, using: &random) }
        case .alternation(let nodes):
            append(random.pick(nodes), to: &out, using: &random)
        case .repetition(let inner, let min, let max):
            let upper = Swift.min(max ?? (min + extraRepeats), min + boundedSpread)
            for _ in 0..<random.int(min...Swift.max(min, upper)) { append(inner, to: &out, using: &random) }
        }
    }

    /// A byte of `set`: printable ASCII when the set has some (transcripts are mostly text), sometimes any.
    static func draw(from set: ByteSet, using random: inout SeededGenerator) -> UInt8 {
        let members = (0...255).map(UInt8.init).filter(set.contains)
        precondition(!members.isEmpty, "an empty byte set cannot be sampled")
        let printable = members.filter { $0 >= 0x20 && $0 < 0x7F }
        if !printable.isEmpty && random.chance(0.9) {
            // Letters in their written case more often than not: a caseless set holds both.
            return random.pick(printable)
        }
        return random.pick(members)
    }
}

enum Filler {
    static let words = [
        "the", "tests", "and", "then", "we", "run", "build", "fix", "it", "so", "a", "file", "path", "src", "main",
        "config", "value", "check", "return", "true", "error", "output", "line", "should", "will", "now", "data",
    ]

    /// `count` words joined by spaces or punctuation.
    static func words(_ count: Int, using random: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        for index in 0..<count {
            if index > 0 { out += Array(random.pick([" ", " ", " ", ", ", ". ", "\t", "/", "-", "_"]).utf8) }
            out += Array(random.pick(words).utf8)
        }
        return out
    }

    /// A line of filler around `inner`, `before` and `after` words on each side.
    static func around(_ inner: [UInt8], before: Int, after: Int, using random: inout SeededGenerator) -> [UInt8] {
        var line = words(before, using: &random)
        if before > 0 { line.append(0x20) }
        line += inner
        if after > 0 { line.append(0x20) }
        return line + words(after, using: &random)
    }
}

extension Rule {
    /// The decoded-text expressions of the rule's patterns and vetoes, as the engine compiles them.
    var decodedExpressions: (patterns: [String], vetoes: [String]) {
        func expression(_ pattern: RulePattern) -> String {
            pattern.kind == .regex ? pattern.text : RawLinePattern.phraseExpression(pattern.text)
        }
        return (patterns.map(expression), vetoes.map(expression))
    }

    /// The parsed form of each pattern (vetoes excluded), for sampling.
    func parsedPatterns() throws -> [RegexNode] {
        try decodedExpressions.patterns.map { try RegexParser.parse($0, caseless: !caseSensitive) }
    }

    /// The rule as PCRE2 sees it.
    func pcre2() throws -> PCRE2Rule {
        let expressions = decodedExpressions
        return try PCRE2Rule(patterns: expressions.patterns, vetoes: expressions.vetoes, caseless: !caseSensitive)
    }
}
