// The JSON reader's grammar, string decoding and navigation, on hand-written lines.
import TracehoundCore
import XCTest

final class JSONParserTests: XCTestCase {
    private var parser = JSONParser()

    private func parses(_ text: String) -> Bool {
        (try? parser.parse(Array(text.utf8)) { _ in true }) ?? false
    }

    private func syntaxError(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try parser.parse(Array(text.utf8)) { _ in () }
            return nil
        } catch {
            return error
        }
    }

    /// The unescaped bytes of the string value at `pointer` in `text`.
    private func string(_ text: String, at pointer: String = "") throws -> [UInt8]? {
        let pointer = try JSONPointer(pointer)
        return try parser.parse(Array(text.utf8)) { document in
            document.value(at: pointer).flatMap { document.stringBytes($0) }
        }
    }

    func testAcceptsEveryKindOfValueWithWhitespaceAround() {
        for text in [
            "{}", "[]", "\"\"", "0", "-0", "1.5e+10", "-12.25E-3", "true", "false", "null",
            " \t{\"a\" : [1, {\"b\":null}]}\r\n",
            "\u{FEFF}{\"bom\":1}",
        ] {
            XCTAssertTrue(parses(text), text)
        }
    }

    func testRejectsBrokenJSONWithTheReasonAndOffset() {
        let cases: [(String, JSONSyntaxError.Reason, Int)] = [
            ("", .unexpectedEnd, 0),
            ("{", .unexpectedEnd, 1),
            ("{\"a\":1,}", .expectedKey, 7),
            ("{\"a\" 1}", .expectedColon, 5),
            ("{\"a\":1]", .unexpectedByte, 6),
            ("[1 2]", .unexpectedByte, 3),
            ("{\"a\":1} x", .trailingBytes, 8),
            ("{} {}", .trailingBytes, 3),
            ("01", .trailingBytes, 1),
            ("1.", .invalidNumber, 2),
            ("-", .invalidNumber, 1),
            ("1e", .invalidNumber, 2),
            ("tru", .invalidLiteral, 0),
            ("nul!", .invalidLiteral, 3),
            ("\"a\\x\"", .invalidEscape, 3),
            ("\"\\u12G4\"", .invalidEscape, 5),
            ("\"tab\there\"", .controlCharacterInString, 4),
            ("\"nul\u{0}\"", .controlCharacterInString, 4),
            ("\"open", .unexpectedEnd, 5),
            ("'single'", .unexpectedByte, 0),
        ]
        for (text, reason, offset) in cases {
            let error = syntaxError(text)
            XCTAssertEqual(error?.reason, reason, text)
            XCTAssertEqual(error?.offset, offset, text)
        }
    }

    func testNestingDeeperThanTheLimitIsAnErrorNotACrash() {
        let limited = JSONParser(maxDepth: 512)
        parser = limited
        XCTAssertTrue(parses(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)))
        XCTAssertEqual(
            syntaxError(String(repeating: "[", count: 513) + String(repeating: "]", count: 513))?.reason,
            .tooDeep
        )
        XCTAssertEqual(syntaxError(String(repeating: "{\"a\":", count: 100_000))?.reason, .tooDeep)
    }

    func testUnescapesEveryEscapeToUTF8() throws {
        XCTAssertEqual(
            try string(#""a\"b\\c\/d\be\ff\ng\rh\ti""#),
            Array("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti".utf8)
        )
        XCTAssertEqual(try string(#""\u0041\u00e9\u20AC\u0000""#), Array("Aé€\u{0}".utf8))
    }

    func testSurrogatePairsCombineAndLoneSurrogatesBecomeReplacementCharacters() throws {
        XCTAssertEqual(try string(#""\ud83d\ude00""#), Array("😀".utf8))
        XCTAssertEqual(try string(#""x\ud83dy""#), Array("x\u{FFFD}y".utf8), "high surrogate alone")
        XCTAssertEqual(try string(#""x\ude00y""#), Array("x\u{FFFD}y".utf8), "low surrogate alone")
        XCTAssertEqual(try string(#""\ud83d\u0041""#), Array("\u{FFFD}A".utf8), "high then not low")
        XCTAssertEqual(try string(#""\ude00\ud83d""#), Array("\u{FFFD}\u{FFFD}".utf8), "reversed pair")
        XCTAssertEqual(try string(#""\ud83d""#), Array("\u{FFFD}".utf8), "high at the end")
    }

    func testInvalidUTF8InsideStringsIsKeptAndFlagged() throws {
        let line: [UInt8] =
            Array(#"{"a":"ok","b":"x"#.utf8) + [0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80] + Array(#"y"}"#.utf8)
        let (flagged, text) = try parser.parse(line) { document in
            (document.containsInvalidUTF8, document.stringBytes(document.member("b", of: document.root)))
        }
        XCTAssertTrue(flagged)
        XCTAssertEqual(text, [UInt8(ascii: "x"), 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80, UInt8(ascii: "y")])
        XCTAssertFalse(try parser.parse(Array(#"{"a":"é😀"}"#.utf8)) { $0.containsInvalidUTF8 })
    }

    func testInvalidUTF8OutsideStringsIsASyntaxError() {
        XCTAssertEqual(syntaxError("{\"a\":1}\u{00E9}")?.reason, .trailingBytes)
        XCTAssertNotNil(syntaxError("[\u{00E9}]"))
    }

    func testNumbersAreKeptAsTheirText() throws {
        let texts = try parser.parse(Array(#"[0, -1.50, 12345678901234567890123, 1E400]"#.utf8)) { document in
            document.elements(of: document.root).map { String(decoding: document.sourceText($0), as: UTF8.self) }
        }
        XCTAssertEqual(texts, ["0", "-1.50", "12345678901234567890123", "1E400"])
    }

    func testLooksUpMembersInAnyOrderIncludingEscapedKeys() throws {
        let line = #"{"payload":{"x":[1,{"deep":"v"}]},"type":"t","k\u0065y":"escaped","type2":3}"#
        try parser.parse(Array(line.utf8)) { document in
            let root = document.root
            XCTAssertTrue(document.isString(document.member("type", of: root), equalTo: "t"))
            XCTAssertEqual(document.string(document.member("key", of: root)), "escaped")
            XCTAssertEqual(document.kind(of: document.member("type2", of: root)!), .number)
            XCTAssertNil(document.member("missing", of: root))
            XCTAssertNil(document.member("x", of: root), "members are not searched recursively")
            let payload = document.member("payload", of: root)
            let array = document.member("x", of: payload)!
            XCTAssertEqual(document.string(document.member("deep", of: document.element(1, of: array))), "v")
            XCTAssertEqual(Array(document.members(of: root)).count, 4)
        }
    }

    func testVisitsEveryStringValueButNoKey() throws {
        let line = #"{"a":"1","b":["2",{"c":"3","d":4}],"e":{"f":{"g":"5"}},"h":"6"}"#
        let strings = try parser.parse(Array(line.utf8)) { document in
            var found: [String] = []
            document.forEachString(in: document.root) { found.append(document.string($0)!) }
            return found
        }
        XCTAssertEqual(strings, ["1", "2", "3", "5", "6"])
    }

    func testPointersFollowRFC6901() throws {
        let line = #"{"a/b":{"m~n":["x","y"]},"":"empty","0":"zero","arr":["p","q"]}"#
        XCTAssertEqual(try string(line, at: "/a~1b/m~0n/1"), Array("y".utf8))
        XCTAssertEqual(try string(line, at: "/"), Array("empty".utf8))
        XCTAssertEqual(try string(line, at: "/0"), Array("zero".utf8))
        XCTAssertEqual(try string(line, at: "/arr/0"), Array("p".utf8))
        XCTAssertNil(try string(line, at: "/arr/01"), "leading zeros are not indices")
        XCTAssertNil(try string(line, at: "/arr/-"))
        XCTAssertNil(try string(line, at: "/arr/2"))
        XCTAssertThrowsError(try JSONPointer("a"))
        XCTAssertThrowsError(try JSONPointer("/a~2"))
        XCTAssertEqual(try JSONPointer("").tokens, [])
    }

    func testTheParserIsReusedAcrossLinesWithoutLeakingState() throws {
        XCTAssertTrue(parses(#"{"a":[1,2,3,{"b":"c"}]}"#))
        XCTAssertFalse(parses(#"{"a":[1,2"#))
        let type = try parser.parse(Array(#"{"type":"x"}"#.utf8)) { document in
            (
                Array(document.members(of: document.root)).count,
                document.string(document.member("type", of: document.root))
            )
        }
        XCTAssertEqual(type.0, 1)
        XCTAssertEqual(type.1, "x")
    }
}
