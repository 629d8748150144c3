// The rule-pattern parser: the PCRE subset vectorscan compiles, read in byte mode. What it accepts is checked
// against PCRE2 itself: strings drawn from the parsed form must match the original pattern in full. What it
// refuses comes with a reason an operator can act on and the offset where the problem starts.
import TracehoundCore
import XCTest

@testable import TracehoundFilter

final class RegexParserTests: XCTestCase {
    /// Patterns the parser must accept, and whose parsed form must describe exactly what PCRE2 matches.
    static let accepted: [(pattern: String, caseless: Bool)] = [
        (#"skip(ping)? the tests?"#, true),
        (#"[a-f0-9_]{2,4}-[^\s"\\]+"#, false),
        (#"[[:alpha:][:digit:]]+[[:punct:]][[:space:]]?[[:upper:]]"#, false),
        (#"[]a]x[a\-z]y[\x41-\x43]"#, false),
        (#"\x41\x{e9}\x{00E9}\xe9\x{ff}"#, false),
        (#"\d\D\w\W\s\S\t\n\r\f\v\e\a\0"#, false),
        (#"(?i)MiXeD|other"#, false),
        (#"((?i)up)DOWN"#, false),
        (#"(?i:up)DOWN"#, false),
        (#"(?-i)Exact(?i:any)"#, true),
        (#"(?s)a.b(?-s:c.d)"#, false),
        (#"\Qa.b*c\E+x\Qy(\E{2}"#, false),
        (#"a(?#a comment)b"#, false),
        (#"(?<name>ab)(?P<other>c)(?'third'd)"#, false),
        (#"a{b{,3}x{2}y{1,}z{0,2}"#, false),
        (#"colou?r|colo(u)r|(colour)+"#, true),
        (#"a*?b+?c??d{2,3}?"#, false),
        (#"naïve café"#, true),
        (#"[\d\s,;]{3}"#, false),
        (#"[^\x00-\x1f\x7f]+"#, false),
    ]

    func testAcceptedPatternsDescribeWhatPCRE2Matches() throws {
        var random = SeededGenerator(seed: 0x9A55_0001)
        let sampler = RegexSampler(extraRepeats: 3, boundedSpread: 4)
        for (pattern, caseless) in Self.accepted {
            let node = try RegexParser.parse(pattern, caseless: caseless)
            // Anchored both ends: the drawn string must be a whole match, not just contain one.
            let oracle = try PCRE2Pattern(#"\A(?:"# + pattern + #")\z"#, caseless: caseless)
            for _ in 0..<200 {
                let sample = sampler.sample(node, using: &random)
                XCTAssertTrue(try oracle.matches(sample), "/\(pattern)/ should match \(Array(sample))")
            }
        }
    }

    func testByteSetsFollowTheCaseSettingAndInlineOptions() throws {
        func firstByteSet(_ pattern: String, caseless: Bool) throws -> ByteSet {
            var node = try RegexParser.parse(pattern, caseless: caseless)
            while true {
                switch node {
                case .byte(let set): return set
                case .sequence(let nodes): node = nodes[0]
                case .alternation(let nodes): node = nodes[0]
                case .repetition(let inner, _, _): node = inner
                case .assertion: throw FixtureMissing(description: "no byte set in /\(pattern)/")
                }
            }
        }
        XCTAssertEqual(try firstByteSet("a", caseless: true), ByteSet("aA".utf8))
        XCTAssertEqual(try firstByteSet("a", caseless: false), ByteSet("a".utf8))
        XCTAssertEqual(try firstByteSet("(?i)a", caseless: false), ByteSet("aA".utf8))
        XCTAssertEqual(try firstByteSet("(?-i)a", caseless: true), ByteSet("a".utf8))
        XCTAssertEqual(try firstByteSet("[b-d]", caseless: true), ByteSet("bcdBCD".utf8))
        XCTAssertEqual(try firstByteSet("[^a]", caseless: true).contains(UInt8(ascii: "A")), false)
        XCTAssertEqual(try firstByteSet(".", caseless: false), ByteSet([0x0A]).inverted)
        XCTAssertEqual(try firstByteSet("(?s).", caseless: false), ByteSet.all)
        XCTAssertEqual(try firstByteSet(#"\xe9"#, caseless: false), ByteSet([0xE9]), "\\xHH is one byte")
        // (?i) at the start of an alternative also covers the alternatives after it, as in PCRE.
        let later = try RegexParser.parse("x|(?i)y|z", caseless: false)
        XCTAssertEqual(
            later,
            .alternation([
                .byte(ByteSet("x".utf8)), .alternation([.byte(ByteSet("yY".utf8)), .byte(ByteSet("zZ".utf8))]),
            ])
        )
    }

    func testHexEscapesAreSingleBytesAsInByteMode() throws {
        // Vectorscan and PCRE read patterns without the UTF-8 flag: `\x{e9}` is the byte 0xE9, not é in UTF-8.
        let node = try RegexParser.parse(#"\x{e9}\xC3\x{a9}\x4"#, caseless: false)
        XCTAssertEqual(node, .sequence([0xE9, 0xC3, 0xA9, 0x04].map { .byte(ByteSet([$0])) }))
        let engine = try FilterFixtures.engine(yaml: "rules:\n" + ruleYAML(id: "hex.byte", regex: [#"caf\x{e9}"#]))
        let matcher = try RuleMatcher(engine: engine)
        XCTAssertEqual(
            try matcher.hits(in: Record(fields: [RecordField(kind: .log, text: Array("caf".utf8) + [0xE9])])).count,
            1
        )
        XCTAssertEqual(try matcher.hits(in: .single(.log, "caf\u{E9}")).count, 0, "é in UTF-8 is C3 A9")
    }

    func testAQuantifierAfterQuotedTextRepeatsItsLastByte() throws {
        let byte = { (character: Character) in RegexNode.byte(ByteSet([character.asciiValue!])) }
        XCTAssertEqual(
            try RegexParser.parse(#"\Qab\E{2}"#, caseless: false),
            .sequence([byte("a"), .repetition(byte("b"), min: 2, max: 2)])
        )
        XCTAssertFalse(try RegexParser.parse(#"\Qab\E?"#, caseless: false).isNullable, "`ab?` needs its a")
    }

    func testAssertionsKeepTheirKindAndMultilineAnchorsAreLineAnchors() throws {
        XCTAssertEqual(try RegexParser.parse(#"\b"#, caseless: false), .assertion(.wordBoundary))
        XCTAssertEqual(try RegexParser.parse(#"\B"#, caseless: false), .assertion(.notWordBoundary))
        XCTAssertEqual(try RegexParser.parse("^", caseless: false), .assertion(.fieldStart))
        XCTAssertEqual(try RegexParser.parse(#"\A"#, caseless: false), .assertion(.fieldStart))
        XCTAssertEqual(try RegexParser.parse("$", caseless: false), .assertion(.fieldEnd))
        XCTAssertEqual(try RegexParser.parse(#"\z"#, caseless: false), .assertion(.fieldEnd))
        XCTAssertEqual(try RegexParser.parse("(?m)^", caseless: false), .assertion(.lineAnchor))
        XCTAssertEqual(try RegexParser.parse("(?m:$)", caseless: false), .assertion(.lineAnchor))
        XCTAssertEqual(try RegexParser.parse("[\\b]", caseless: false), .byte(ByteSet([0x08])), "\\b in a class is BS")
    }

    func testNullablePatternsAreRecognized() throws {
        for pattern in ["a*", "(a|)", #"\b"#, "^$", "(?:x?y*)+", "a{0}"] {
            XCTAssertTrue(try RegexParser.parse(pattern, caseless: false).isNullable, pattern)
        }
        for pattern in ["a", "a+", "(a|b)", #"\bx\b"#, "a{1,}"] {
            XCTAssertFalse(try RegexParser.parse(pattern, caseless: false).isNullable, pattern)
        }
    }

    /// Patterns the parser refuses: the reason, and the byte offset where the problem starts.
    static let refused: [(pattern: String, reason: String, offset: Int)] = [
        ("a(?=b)", "lookahead is not supported by vectorscan", 1),
        ("(?!x)y", "lookahead is not supported by vectorscan", 0),
        ("x(?<=a)b", "lookbehind is not supported by vectorscan", 1),
        ("(?<!a)b", "lookbehind is not supported by vectorscan", 0),
        (#"(a)\1"#, "backreferences are not supported by vectorscan", 3),
        ("(?>ab)c", "atomic groups are not supported by vectorscan", 0),
        ("ab++", "possessive quantifiers are not supported by vectorscan", 3),
        ("a{2}+", "possessive quantifiers are not supported by vectorscan", 4),
        ("*a", "quantifier with nothing to repeat", 0),
        ("a|+", "quantifier with nothing to repeat", 2),
        ("x^*", "quantifier on an assertion", 1),
        ("a{3,2}", "quantifier bounds out of order", 0),
        ("(ab", "missing ')'", 0),
        ("ab)", "unmatched ')'", 2),
        (#"ab\"#, "trailing backslash", 2),
        (#"a\yb"#, "unsupported escape '\\y'", 1),
        ("[abc", "missing ']'", 0),
        ("[[:nope:]]", "unknown POSIX class", 1),
        ("[z-a]", "range out of order", 4),
        (#"\x{zz}"#, "bad \\x{...}", 0),
        (#"ab\x{100}"#, "\\x{...} past \\x{ff} (patterns are read as bytes)", 2),
        ("a(?x)b", "unsupported group or option '(?x'", 1),
        ("ab(?i)c", "inline options are supported only at the start of a group or alternative", 2),
        ("(?<name", "unterminated group name", 0),
        ("(?#open", "unterminated comment", 0),
        (#"[\b\B]"#, "'\\B' inside a class", 3),
    ]

    func testUnsupportedConstructsAreRefusedWithAReasonAndOffset() {
        for (pattern, reason, offset) in Self.refused {
            XCTAssertThrowsError(try RegexParser.parse(pattern, caseless: false), pattern) { error in
                XCTAssertEqual(error as? RegexSyntaxError, RegexSyntaxError(offset: offset, reason: reason), pattern)
            }
        }
    }

    func testEveryPatternTheParserAcceptsVectorscanCompiles() throws {
        let expressions = Self.accepted.map(\.pattern)
        for (index, expression) in expressions.enumerated() {
            XCTAssertNoThrow(
                try PatternDatabase(patterns: [Pattern(id: UInt32(index), expression: expression)]),
                expression
            )
        }
    }
}
