// Path globs for the file source: `*` and `?` within one name, `[...]` sets (ranges, `!` or `^` to negate), `\` to
// escape, and `**` as a whole component for any number of folders (none included). glob(3) has no `**`, and the
// tailer needs more than "does this path match": it walks folders and must know, for each folder, whether anything
// below it can still match (so it watches and descends only there). A pattern is therefore run as a small NFA over
// path components whose state is a bit set of pattern positions; a folder's state is kept with its inotify watch,
// and a name created in it is matched by one step, without re-walking from the root.
//
// Wildcards match names that begin with a dot too (`.claude` needs no special case); names that are not valid
// UTF-8 are never seen here (the folder walk skips them).

/// One compiled glob over absolute paths, or over a bare file name when the pattern has no `/`.
struct GlobPattern: Sendable {
    enum Component: Sendable {
        case globstar
        case name(NamePattern)
    }

    let text: String
    let components: [Component]
    /// The pattern has no `/`: it is matched against a file's name alone (exclude patterns such as `*.gz`).
    let matchesNameOnly: Bool
    /// How many leading components are plain names: the folder walk starts below them.
    let literalPrefixCount: Int

    /// States are bit sets of positions, so a pattern has at most 62 components; deeper patterns match nothing.
    static let maximumComponents = 62

    init(_ text: String) {
        self.text = text
        matchesNameOnly = !text.contains("/")
        var parsed: [Component] = []
        for piece in text.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == "**" {
                // `a/**/**/b` means the same as `a/**/b`.
                if case .globstar = parsed.last { continue }
                parsed.append(.globstar)
            } else {
                parsed.append(.name(NamePattern(String(piece))))
            }
        }
        components = parsed.count <= Self.maximumComponents ? parsed : []
        var literal = 0
        while literal < components.count - 1, case .name(let name) = components[literal], name.literal != nil {
            literal += 1
        }
        literalPrefixCount = literal
    }

    /// The folder named by the first `depth` components (at most `literalPrefixCount`): where walking starts.
    func folderPath(depth: Int) -> String {
        var path = ""
        for component in components.prefix(min(depth, literalPrefixCount)) {
            if case .name(let name) = component, let literal = name.literal { path += "/" + literal }
        }
        return path.isEmpty ? "/" : path
    }

    /// The state at `folderPath(depth:)`.
    func state(atLiteralDepth depth: Int) -> UInt64 {
        closure(1 << UInt64(min(depth, literalPrefixCount)))
    }

    /// Adds the positions a `**` can skip to: `**` also matches no folder at all.
    func closure(_ state: UInt64) -> UInt64 {
        var result = state
        for index in components.indices where result & (1 << UInt64(index)) != 0 {
            if case .globstar = components[index] { result |= 1 << UInt64(index + 1) }
        }
        return result
    }

    /// The state after one more path component named `name`.
    func step(_ state: UInt64, _ name: [Unicode.Scalar]) -> UInt64 {
        var next: UInt64 = 0
        var remaining = state
        while remaining != 0 {
            let index = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            guard index < components.count else { continue }
            switch components[index] {
            case .globstar: next |= 1 << UInt64(index)
            case .name(let pattern): if pattern.matches(name) { next |= 1 << UInt64(index + 1) }
            }
        }
        return closure(next)
    }

    /// Whether a path whose components led to `state` matches the whole pattern.
    func accepts(_ state: UInt64) -> Bool {
        !components.isEmpty && state & (1 << UInt64(components.count)) != 0
    }

    /// Whether a file directly inside a folder in `state` can match.
    func mayHoldMatchingFiles(_ state: UInt64) -> Bool {
        !components.isEmpty && state & (1 << UInt64(components.count - 1)) != 0
    }

    /// Whether a folder inside a folder in `state` can hold matches, at any depth.
    func mayHoldMatchingFolders(_ state: UInt64) -> Bool {
        var remaining = state
        while remaining != 0 {
            let index = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            guard index < components.count else { continue }
            if index < components.count - 1 { return true }
            if case .globstar = components[index] { return true }
        }
        return false
    }

    /// Whether `path` (absolute; or, for a name-only pattern, any path whose last component matches) matches.
    func matches(path: String) -> Bool {
        let names = path.split(separator: "/", omittingEmptySubsequences: true)
        if matchesNameOnly {
            guard let last = names.last, case .name(let pattern) = components.first else { return false }
            return components.count == 1 && pattern.matches(Array(last.unicodeScalars))
        }
        var state = closure(1)
        for name in names {
            state = step(state, Array(name.unicodeScalars))
            if state == 0 { return false }
        }
        return accepts(state)
    }
}

/// A glob over one path component: literal characters, `?`, `*` and `[...]` sets.
struct NamePattern: Sendable {
    enum Token: Sendable {
        case character(Unicode.Scalar)
        case anyCharacter
        case anyRun
        case set(negated: Bool, ranges: [ClosedRange<Unicode.Scalar>])
    }

    let tokens: [Token]
    /// The name itself when the pattern has no wildcard (compared directly, and usable as a folder to walk into).
    let literal: String?

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*":
                if case .anyRun = tokens.last { continue }
                tokens.append(.anyRun)
            case "?":
                tokens.append(.anyCharacter)
            case "\\" where index < scalars.count:
                tokens.append(.character(scalars[index]))
                index += 1
            case "[":
                if let (set, next) = Self.parseSet(scalars, from: index) {
                    tokens.append(set)
                    index = next
                } else {
                    // An unclosed `[` is an ordinary character, as in glob(3).
                    tokens.append(.character("["))
                }
            default:
                tokens.append(.character(scalar))
            }
        }
        self.tokens = tokens
        var plain = String.UnicodeScalarView()
        for token in tokens {
            guard case .character(let scalar) = token else {
                literal = nil
                return
            }
            plain.append(scalar)
        }
        literal = String(plain)
    }

    /// Parses a set whose `[` was just consumed; returns the token and the index after its `]`.
    private static func parseSet(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var index = start
        var negated = false
        if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while index < scalars.count {
            var low = scalars[index]
            // `]` right after `[` or `[!` is a member, not the end.
            if low == "]" && !first { return (.set(negated: negated, ranges: ranges), index + 1) }
            first = false
            if low == "\\", index + 1 < scalars.count {
                index += 1
                low = scalars[index]
            }
            index += 1
            if index + 1 < scalars.count, scalars[index] == "-", scalars[index + 1] != "]" {
                let high = scalars[index + 1]
                ranges.append(low <= high ? low...high : high...low)
                index += 2
            } else {
                ranges.append(low...low)
            }
        }
        return nil
    }

    /// Whether the whole of `name` matches; `*` backtracks to its last position only (linear in practice).
    func matches(_ name: [Unicode.Scalar]) -> Bool {
        if let literal { return literal.unicodeScalars.elementsEqual(name) }
        var token = 0
        var position = 0
        var starToken = -1
        var starPosition = 0
        while position < name.count {
            if token < tokens.count, case .anyRun = tokens[token] {
                starToken = token
                starPosition = position
                token += 1
                continue
            }
            if token < tokens.count, Self.matches(tokens[token], name[position]) {
                token += 1
                position += 1
                continue
            }
            guard starToken >= 0 else { return false }
            token = starToken + 1
            starPosition += 1
            position = starPosition
        }
        while token < tokens.count, case .anyRun = tokens[token] { token += 1 }
        return token == tokens.count
    }

    private static func matches(_ token: Token, _ scalar: Unicode.Scalar) -> Bool {
        switch token {
        case .character(let expected): return scalar == expected
        case .anyCharacter: return true
        case .anyRun: return true
        case .set(let negated, let ranges): return ranges.contains { $0.contains(scalar) } != negated
        }
    }
}
