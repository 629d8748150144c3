// The JSON reader against untrusted bytes: random input never crashes it, and on generated input it agrees with
// Foundation (JSONEncoder for string escapes, JSONSerialization for what is valid JSON at all).
import Foundation
import TracehoundCore
import XCTest

/// A small deterministic generator (SplitMix64), so a failure reproduces.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class JSONParserFuzzTests: XCTestCase {
    private var generator = SeededGenerator(seed: 0x7A11_4011)
    private var parser = JSONParser(maxDepth: 64)

    /// Text mixing ASCII, control characters, quotes, backslashes, 2-4 byte characters and astral emoji.
    private func randomString(maxLength: Int = 40) -> String {
        let pieces: [String] = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "€",
            "\u{2028}", "\u{FFFF}", "😀", "𝄞", "{", "}", "[", "]", ":", ",", "u", "\\u",
        ]
        let length = Int.random(in: 0...maxLength, using: &generator)
        return (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    /// A valid escaped JSON string literal for `text` that uses every escape form, `\u` surrogate pairs included.
    private func escapedLiteral(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for scalar in text.unicodeScalars {
            let choice = Int.random(in: 0..<3, using: &generator)
            switch scalar {
            case "\"": out += Array("\\\"".utf8)
            case "\\": out += Array("\\\\".utf8)
            case "\n" where choice == 0: out += Array("\\n".utf8)
            case "/" where choice == 0: out += Array("\\/".utf8)
            case _ where scalar.value < 0x20 || choice == 1:
                for unit in String(scalar).utf16 { out += Array(String(format: "\\u%04x", unit).utf8) }
            default: out += Array(String(scalar).utf8)
            }
        }
        return out + [UInt8(ascii: "\"")]
    }

    func testRandomBytesNeverCrashTheReader() {
        let alphabet = Array("{}[]:,\"\\ntrufalse0123456789-+.eE \t\r\nu".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xFF, 0xED]
        for round in 0..<20_000 {
            let length = Int.random(in: 0...64, using: &generator)
            let bytes: [UInt8] =
                round % 2 == 0
                ? (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                : (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if let strings = try? parser.parse(bytes, Self.allStrings) {
                XCTAssertLessThanOrEqual(strings.count, bytes.count)
            }
        }
    }

    func testMutatedLinesAreAcceptedExactlyWhenFoundationAcceptsThem() throws {
        let seeds = [
            #"{"type":"assistant","message":{"content":[{"type":"text","text":"hi \"there\"\n"}]},"n":-1.5e3}"#,
            #"[true,false,null,{"a":[]},{},"\u00e9\u20ac",0,"é"]"#,
        ].map { Array($0.utf8) }
        // Three known differences, all on purpose: Foundation rejects a lone surrogate escape (the reader decodes
        // it to U+FFFD, so the seeds have none) and invalid UTF-8 in strings (the reader keeps and flags it: a
        // mutation that splits "é" is not compared), and accepts a trailing comma (RFC 8259 does not; neither does
        // the reader: cases with `,]` or `,}` are not compared).
        for _ in 0..<5_000 {
            var bytes = seeds.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = Array("{}[]:,\"\\ 0a-.eu".utf8).randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(Array("{}[]:,\"\\ 1".utf8).randomElement(using: &generator)!, at: position)
                }
                if bytes.isEmpty { bytes = [UInt8(ascii: "0")] }
            }
            let ours = (try? parser.parse(bytes) { _ in true }) ?? false
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil
            if foundation && !ours && Self.hasTrailingComma(bytes) { continue }
            if !bytes.withUnsafeBytes(UTF8Validation.isValid) { continue }
            XCTAssertEqual(ours, foundation, String(decoding: bytes, as: UTF8.self))
        }
    }

    func testStringsRoundTripThroughFoundationsJSONEncoder() throws {
        let encoder = JSONEncoder()
        for _ in 0..<2_000 {
            let text = randomString()
            let encoded = try [UInt8](encoder.encode(["k": text]))
            let decoded = try parser.parse(encoded) { document in
                document.stringBytes(document.member("k", of: document.root))
            }
            XCTAssertEqual(decoded, Array(text.utf8), text.debugDescription)
        }
    }

    func testEscapedStringsWithSurrogatePairsDecodeAsFoundationDecodesThem() throws {
        let decoder = JSONDecoder()
        for _ in 0..<2_000 {
            let text = randomString()
            let literal = escapedLiteral(text)
            let line = Array("[".utf8) + literal + Array("]".utf8)
            let expected = try decoder.decode([String].self, from: Data(line))[0]
            XCTAssertEqual(expected, text, "the generator writes valid escapes")
            let decoded = try parser.parse(line) { document in
                document.stringBytes(document.element(0, of: document.root))
            }
            XCTAssertEqual(decoded, Array(text.utf8), String(decoding: literal, as: UTF8.self))
        }
    }

    private static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        let significant = bytes.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return zip(significant, significant.dropFirst()).contains {
            $0 == UInt8(ascii: ",") && ($1 == 0x5D || $1 == 0x7D)
        }
    }

    private static func allStrings(_ document: JSONDocument) -> [[UInt8]] {
        var strings: [[UInt8]] = []
        document.forEachString(in: document.root) { strings.append(document.stringBytes($0) ?? []) }
        return strings
    }
}
