// A parser for the regular expressions rules may use: the PCRE subset that vectorscan compiles, read in byte mode
// (no UTF-8 flag: transcripts hold invalid UTF-8, and a pattern's non-ASCII letters are their UTF-8 bytes).
//
// It exists for one job: to derive from each rule pattern a second pattern over the *raw* JSON bytes of a line
// whose matches are a superset of the original's matches over the *decoded* text (see RawLinePattern.swift), so
// the fast path can scan raw chunks and decode only candidate lines. It also refuses constructs vectorscan cannot
// compile (lookaround, backreferences, atomic and possessive forms) with a reason an operator can act on.

/// A set of byte values, one bit each.
struct ByteSet: Hashable, Sendable {
    private(set) var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    static let all: ByteSet = {
        var set = ByteSet()
        set.words = (~0, ~0, ~0, ~0)
        return set
    }()

    init() {}

    init<S: Sequence<UInt8>>(_ bytes: S) {
        for byte in bytes { insert(byte) }
    }

    init(range: ClosedRange<UInt8>) {
        for byte in range { insert(byte) }
    }

    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func formUnion(_ other: ByteSet) {
        words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
    }

    var inverted: ByteSet {
        var set = ByteSet()
        set.words = (~words.0, ~words.1, ~words.2, ~words.3)
        return set
    }

    var isEmpty: Bool { words == (0, 0, 0, 0) }

    /// The set with ASCII letters in both cases, as a caseless match sees it.
    var caseFolded: ByteSet {
        var set = self
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") where contains(byte) || contains(byte | 0x20) {
            set.insert(byte)
            set.insert(byte | 0x20)
        }
        return set
    }

    static func == (lhs: ByteSet, rhs: ByteSet) -> Bool { lhs.words == rhs.words }
    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    static let digits = ByteSet(range: UInt8(ascii: "0")...UInt8(ascii: "9"))
    static let word: ByteSet = {
        var set = digits
        set.formUnion(ByteSet(range: UInt8(ascii: "a")...UInt8(ascii: "z")))
        set.formUnion(ByteSet(range: UInt8(ascii: "A")...UInt8(ascii: "Z")))
        set.insert(UInt8(ascii: "_"))
        return set
    }()
    /// PCRE's \s: space, \t, \n, \v, \f, \r.
    static let space = ByteSet([0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D])
}

/// What a zero-width assertion tests (the raw-line translation keeps word boundaries where it safely can).
enum RegexAssertion: Equatable, Sendable {
    /// `\b`
    case wordBoundary
    /// `\B`
    case notWordBoundary
    /// `^` and `\A`: the start of the field.
    case fieldStart
    /// `$`, `\z`, `\Z`: the end of the field (or before its final newline).
    case fieldEnd
    /// `^` or `$` under `(?m)`: also next to any newline.
    case lineAnchor
}

/// A parsed pattern: every leaf matches one byte from a set, or is a zero-width assertion.
indirect enum RegexNode: Equatable, Sendable {
    case byte(ByteSet)
    /// `^`, `$`, `\b`, `\B`, `\A`, `\z`, `\Z`: zero-width, position-dependent.
    case assertion(RegexAssertion)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?)

    /// Whether the node can match the empty string.
    var isNullable: Bool {
        switch self {
        case .byte: false
        case .assertion: true
        case .sequence(let nodes): nodes.allSatisfy(\.isNullable)
        case .alternation(let nodes): nodes.contains(where: \.isNullable)
        case .repetition(let node, let min, _): min == 0 || node.isNullable
        }
    }
}

/// Why a pattern was refused, with the byte offset in the pattern where the problem starts.
struct RegexSyntaxError: Error, Equatable, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "\(reason) at offset \(offset)" }
}

/// Flags that apply inside a group: (?i), (?s), (?m) and their negations.
struct RegexOptions: Equatable {
    var caseless: Bool
    var dotAll = false
    var multiline = false
}
