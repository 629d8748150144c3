// From a pattern over decoded field text to a pattern over the raw bytes of the line, for the fast path.
//
// Rules match what the model wrote, after JSON unescaping (DESIGN.md §3.6). Decoding every line would cost more
// than the scan, so the matcher first scans raw chunks with a derived database whose matches are a SUPERSET of
// the decoded matches, and decodes only the lines it flags. What a decoder makes of a line, and so what the raw
// pattern must allow for:
//
// - Escapes. Inside a JSON string a decoded byte b is b itself or an escape: `\"` `\\` `\/` `\b` `\f` `\n` `\r`
//   `\t`. Codex keeps JSON inside JSON strings (function-call arguments, tool outputs), so a string may be
//   unescaped twice and its escapes written `\\n`, `\\\"`, `\\\\`: one to three backslashes, then the letter.
// - `\uXXXX` would make one raw unit stand for up to four decoded bytes. Rather than loosen every unit, any line
//   holding `\u` followed by four hex digits is decoded and matched the slow way (`guardExpression`). Claude Code
//   and Codex write non-ASCII as UTF-8 and use `\u` only for control characters, so such lines are few.
// - Joined pieces. A `command` or `output` field may be several JSON strings joined: an argv array's words with
//   spaces, in order; a tool call's name and input values, a tool result's text blocks, Codex output values with
//   LF, in any order (a shell command comes first in the field wherever its key is). The line holds no such
//   space or LF. Other kinds are one string each (RuleEngine.joinedKinds).
// - Malformed and plain-text lines are matched over their raw bytes: the identity alternative covers them.
//
// The translation, unit by unit (RawLineUnits.swift): a decoded byte set S becomes the alternation of its
// members, their escapes and, when S holds a space, the boundary between argv words (`","`); a repeated byte set
// becomes one class of all those raw bytes, its upper bound scaled by the longest raw form of one decoded byte.
// Word boundaries stay where a raw `\b` is sure to hold (`RawLinePattern.wordBoundary`), a field's start becomes
// "after a quote or a line break", and other assertions are dropped, which only widens the match. This is T:
// every match within one piece (or one argv array). Vetoes need no raw form: they only take hits away.
//
// A match that spans an LF joiner is cut there into portions, each inside one piece. Cutting at the first joiner
// (the *head*):
// - if the portion before it is not empty, it ends a piece: P⁺ then the piece's closing quote (`stringEnd`),
//   where P⁺ is the set of non-empty prefixes of matches that stop right before a unit that may take an LF;
// - if the match starts with a joiner, what follows starts a piece (`stringStart`), then T or P of what the
//   pattern has left to match (`afterJoiner`).
// Cutting at the last joiner (the *tail*) is the mirror image, with suffixes S after a piece's opening quote.
// Each of head and tail looks into one piece only, so the pieces may come in any order, and each is found in
// every line where the match is: a line may hit when T matches, or when head AND tail both do. Alone, a short
// head such as the `:` of `:\s*>` would flag most JSON lines. The side that requires the longer literal goes into
// the chunk database (vectorscan is fast on rare literals); the other is looked for only in the lines it flags
// (RuleMatcher.markCandidateLines).
// Candidate lines are then decoded and matched with the original patterns, so the result is exactly the slow
// path's; the property tests in TracehoundFilterTests check that on the shared traces and on generated lines.

enum RawLinePattern {
    /// Raw lines matching this are decoded and matched whatever the raw scan found: they hold `\uXXXX` escapes.
    static let guardExpression = #"\\u[0-9A-Fa-f]{4}"#

    /// Where a piece (a JSON string value) ends: its closing quote, escaped once when the piece was JSON in a
    /// string, then what follows a value. A key's quote is followed by `:`, so keys do not qualify.
    static let stringEnd = RawNode.boundary(#"\\?"(?:[\t\r ]|\\[nrt])*[,}\]]"#)
    /// Where a piece starts: what precedes a value, then its opening quote.
    static let stringStart = RawNode.boundary(#"[:,\[](?:[\t\r ]|\\[nrt])*\\?""#)

    /// The raw-line expressions of one decoded-text pattern.
    struct Expressions {
        /// T: matches within one piece.
        var whole: String
        /// For a pattern that may take an LF joiner: the side of matches across pieces to scan chunks for, and
        /// the other side, to look for in the lines the first flags.
        var crossing: (scan: String, check: String)?
    }

    /// The raw-line expressions for a parsed decoded-text pattern. Compile them case-sensitively: the byte sets
    /// are already case-folded where the pattern is caseless, and escape letters are case-sensitive.
    static func expressions(for parsed: RegexNode) -> Expressions {
        let node = rawNode(parsed).node
        let whole = render(node)
        guard let head = crossings(node, .forward), let tail = crossings(node, .backward) else {
            return Expressions(whole: whole)
        }
        let headFirst = literalRuns(head).longest >= literalRuns(tail).longest
        let (scan, check) = headFirst ? (head, tail) : (tail, head)
        return Expressions(whole: whole, crossing: (render(scan), render(check)))
    }

    /// The matches of `node` that span an LF joiner, as raw-line nodes, cut at the first (`.forward`, the head)
    /// or the last (`.backward`, the tail) joiner; nil when the pattern cannot take a joiner.
    static func crossings(_ node: RawNode, _ side: Side) -> RawNode? {
        var alternatives: [RawNode] = []
        if let portion = nonEmptyCut(node, side) {
            alternatives.append(.sequence(side == .forward ? [portion, stringEnd] : [stringStart, portion]))
        }
        if let rest = afterJoiner(node, side) {
            // The match begins (ends) with a joiner: the rest begins (ends) a piece.
            let partial = cut(rest, side).map {
                RawNode.sequence(side == .forward ? [$0, stringEnd] : [stringStart, $0])
            }
            let within = optionalAlternation([rest, partial])!
            alternatives.append(.sequence(side == .forward ? [stringStart, within] : [within, stringEnd]))
        }
        return optionalAlternation(alternatives)
    }

    /// Decoded bytes that may be an LF joiner, which can put the rest of a match in any other piece.
    static func mayBeJoiner(_ set: ByteSet) -> Bool { set.contains(0x0A) }

    /// Which end of a match a cut is measured from.
    enum Side {
        case forward, backward

        /// `outer` (the part of the match farther from the cut) and `inner` (nearer), in text order.
        func join(_ outer: RawNode, _ inner: RawNode) -> RawNode {
            .sequence(self == .forward ? [outer, inner] : [inner, outer])
        }

        /// The element of a sequence at the match's end this side measures from, and the others.
        func split(_ nodes: [RawNode]) -> (outer: RawNode, rest: RawNode)? {
            guard let outer = self == .forward ? nodes.first : nodes.last else { return nil }
            return (outer, .sequence(self == .forward ? Array(nodes.dropFirst()) : Array(nodes.dropLast())))
        }
    }

    // MARK: - Languages derived from a pattern

    /// The matches of `node` that consume a decoded byte; nil when there are none.
    static func nonEmpty(_ node: RawNode) -> RawNode? {
        switch node {
        case .byte:
            return node
        case .boundary:
            return nil
        case .alternation(let nodes):
            return optionalAlternation(nodes.map(nonEmpty))
        case .sequence(let nodes):
            guard let (first, rest) = Side.forward.split(nodes) else { return nil }
            return optionalAlternation([
                nonEmpty(first).map { .sequence([$0, rest]) },
                first.isNullable ? nonEmpty(rest).map { .sequence([first, $0]) } : nil,
            ])
        case .repetition(let inner, let min, let max):
            if max == 0 { return nil }
            if case .byte = inner { return .repetition(inner, min: Swift.max(min, 1), max: max) }
            if min >= 1 && !inner.isNullable { return node }
            // At least one iteration consumes a byte; the others are counted loosely (a superset is enough).
            guard let some = nonEmpty(inner) else { return nil }
            let others = RawNode.repetition(inner, min: 0, max: max.map { $0 - 1 })
            return .sequence([others, some, others])
        }
    }

    /// P (forward) or S (backward): the parts of matches of `node` between one end and a unit taking an LF
    /// joiner, that unit excluded (nil: no such unit).
    static func cut(_ node: RawNode, _ side: Side) -> RawNode? {
        switch node {
        case .byte(let set):
            return mayBeJoiner(set) ? .sequence([]) : nil
        case .boundary:
            return nil
        case .sequence(let nodes):
            guard let (outer, rest) = side.split(nodes) else { return nil }
            return optionalAlternation([cut(outer, side), cut(rest, side).map { side.join(outer, $0) }])
        case .alternation(let nodes):
            return optionalAlternation(nodes.map { cut($0, side) })
        case .repetition(let inner, _, let max):
            // Up to max - 1 whole iterations, then the part of one more up to its joiner.
            guard let partial = cut(inner, side) else { return nil }
            return side.join(.repetition(inner, min: 0, max: max.map { $0 - 1 }), partial)
        }
    }

    /// P⁺ or S⁺: the members of `cut` that consume a decoded byte (the portion is not empty).
    static func nonEmptyCut(_ node: RawNode, _ side: Side) -> RawNode? {
        switch node {
        case .byte, .boundary:
            return nil
        case .sequence(let nodes):
            guard let (outer, rest) = side.split(nodes) else { return nil }
            return optionalAlternation([
                nonEmptyCut(outer, side),
                nonEmpty(outer).flatMap { head in cut(rest, side).map { side.join(head, $0) } },
                outer.isNullable ? nonEmptyCut(rest, side).map { side.join(outer, $0) } : nil,
            ])
        case .alternation(let nodes):
            return optionalAlternation(nodes.map { nonEmptyCut($0, side) })
        case .repetition(let inner, _, let max):
            guard let partial = cut(inner, side), max != 1 else { return nonEmptyCut(inner, side) }
            if case .byte = inner { return .repetition(inner, min: 1, max: max.map { $0 - 1 }) }
            // No whole iteration before the joiner, or some, one of them consuming a byte.
            let loose = RawNode.repetition(inner, min: 0, max: max.map { $0 - 1 })
            let some = nonEmpty(inner).map { side.join(.sequence([loose, $0, loose]), partial) }
            return optionalAlternation([nonEmptyCut(inner, side), some])
        }
    }

    /// What `node` has left to match once the unit at one end took an LF joiner (nil when none can).
    static func afterJoiner(_ node: RawNode, _ side: Side) -> RawNode? {
        switch node {
        case .byte(let set):
            return mayBeJoiner(set) ? .sequence([]) : nil
        case .boundary:
            return nil
        case .sequence(let nodes):
            guard let (outer, rest) = side.split(nodes) else { return nil }
            return optionalAlternation([
                afterJoiner(outer, side).map { side.join($0, rest) },
                outer.isNullable ? afterJoiner(rest, side) : nil,
            ])
        case .alternation(let nodes):
            return optionalAlternation(nodes.map { afterJoiner($0, side) })
        case .repetition(let inner, let min, let max):
            guard max != 0, let end = afterJoiner(inner, side) else { return nil }
            return side.join(end, .repetition(inner, min: Swift.max(min - 1, 0), max: max.map { $0 - 1 }))
        }
    }
}
