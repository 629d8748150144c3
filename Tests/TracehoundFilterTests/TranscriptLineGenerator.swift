// Generated transcript lines for the fast-path property tests: decoded text with rule matches injected, written
// as JSON the way Claude Code, Codex and other tools write it, with every escape JSON allows (and some it does
// not), plus matches split across the pieces a decoder joins into one field.
import TracehoundCore

@testable import TracehoundFilter

/// Writes decoded bytes as the inside of a JSON string, choosing among the escapes a writer may use.
struct JSONStringEncoder {
    /// Chance that a byte with an optional escape (`/`, ASCII, a non-ASCII character) is escaped.
    var escapeChance = 0.15

    func encode(_ text: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            let length = Self.scalarLength(text, at: index)
            if length > 1 {
                let scalar = String(decoding: text[index..<index + length], as: UTF8.self).unicodeScalars.first!.value
                if random.chance(escapeChance) {
                    out += Self.unicodeEscape(scalar)
                } else {
                    out += text[index..<index + length]
                }
                index += length
                continue
            }
            index += 1
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "/"): out += random.chance(escapeChance) ? Array(#"\/"#.utf8) : [byte]
            case 0x0A: out += random.chance(0.1) ? Self.unicodeEscape(0x0A) : Array(#"\n"#.utf8)
            case 0x09: out += random.chance(0.1) ? Self.unicodeEscape(0x09) : Array(#"\t"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0x00..<0x20: out += Self.unicodeEscape(UInt32(byte))
            case 0x20..<0x80: out += random.chance(escapeChance / 4) ? Self.unicodeEscape(UInt32(byte)) : [byte]
            default: out.append(byte)  // a byte of invalid UTF-8, kept raw as writers that do not check do
            }
        }
        return out
    }

    /// `\uXXXX`, or a surrogate pair for a character past the BMP.
    static func unicodeEscape(_ scalar: UInt32) -> [UInt8] {
        guard scalar >= 0x10000 else { return hex4(scalar) }
        let value = scalar - 0x10000
        return hex4(0xD800 + (value >> 10)) + hex4(0xDC00 + (value & 0x3FF))
    }

    static func hex4(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return Array(#"\u"#.utf8) + (0..<4).map { digits[Int((value >> UInt32(12 - $0 * 4)) & 15)] }
    }

    /// The length of the valid UTF-8 sequence at `index`, or 1 for an ASCII or invalid byte.
    static func scalarLength(_ text: [UInt8], at index: Int) -> Int {
        for length in [4, 3, 2] where index + length <= text.count {
            let bytes = Array(text[index..<index + length])
            if bytes[0] >= 0xC2, String(validating: bytes, as: UTF8.self)?.unicodeScalars.count == 1 { return length }
        }
        return 1
    }
}

/// Decoded texts with rule matches in them, and the lines that carry them.
struct TranscriptLineGenerator {
    var random: SeededGenerator
    /// Parsed rule patterns whose samples are injected into the text.
    let samples: [RegexNode]
    let encoder = JSONStringEncoder()

    init(seed: UInt64, engine: RuleEngine) throws {
        random = SeededGenerator(seed: seed)
        samples = try engine.rules.flatMap { try $0.parsedPatterns() }
    }

    static let oddPieces: [[UInt8]] = [
        Array("na\u{EF}ve caf\u{E9} \u{2014} \u{2192} \u{1F600}".utf8), [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0x00],
        Array("\"quoted\" \\ back/slash".utf8), Array("line\nbreak\ttab\r".utf8), [0x08, 0x0C, 0x1B],
    ]

    /// A decoded text: filler, odd bytes, and now and then a sample of a rule pattern.
    mutating func text(matchChance: Double = 0.5) -> [UInt8] {
        var text = Filler.words(random.int(0...6), using: &random)
        for _ in 0..<random.int(0...3) {
            text += random.pick([[0x20], [0x0A], Array(", ".utf8), []])
            if random.chance(matchChance) {
                text += RegexSampler().sample(random.pick(samples), using: &random)
            } else if random.chance(0.5) {
                text += random.pick(Self.oddPieces)
            } else {
                text += Filler.words(random.int(1...4), using: &random)
            }
        }
        return text
    }

    /// A JSON string literal for `text`, escaped once (or twice for JSON kept inside a string).
    mutating func string(_ text: [UInt8]) -> [UInt8] {
        var body = encoder.encode(text, using: &random)
        if random.chance(0.03) { body += Array(#"\ud800"#.utf8) }  // a lone surrogate
        return [UInt8(ascii: "\"")] + body + [UInt8(ascii: "\"")]
    }

    /// A text cut in two at a space or newline, as a match split across the pieces of one field.
    mutating func split(_ text: [UInt8]) -> ([UInt8], [UInt8]) {
        let cuts = text.indices.filter { text[$0] == 0x20 || text[$0] == 0x0A }
        guard let cut = cuts.isEmpty ? nil : random.pick(cuts) else { return (text, []) }
        return (Array(text[..<cut]), Array(text[(cut + 1)...]))
    }

    /// Words of a command as an argv array, one of them possibly split in the middle of a match.
    mutating func argv(_ text: [UInt8]) -> [UInt8] {
        let words = text.split(separator: 0x20, omittingEmptySubsequences: false).map(Array.init)
        var out = Array("[".utf8)
        for (index, word) in words.enumerated() {
            if index > 0 { out += Array(random.pick([",", ", "]).utf8) }
            out += string(word)
        }
        return out + Array("]".utf8)
    }

    static func join(_ parts: [[UInt8]]) -> [UInt8] { parts.flatMap { $0 } }
    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
}

extension TranscriptLineGenerator {
    /// A Claude Code line: assistant thinking, text and tool calls, or a user's tool results or text.
    mutating func claudeLine(_ number: Int) -> [UInt8] {
        let head = Self.utf8(#"{"sessionId":"s-1","uuid":"u-\#(number)","timestamp":"2026-01-01T00:00:00Z","#)
        guard random.chance(0.6) else {
            let content: [UInt8]
            if random.chance(0.7) {
                var blocks: [[UInt8]] = []
                let (first, second) = split(text())
                for piece in [text() + [0x20] + first, second + [0x20] + text()] {
                    blocks.append(Self.join([Self.utf8(#"{"type":"text","text":"#), string(piece), Self.utf8("}")]))
                }
                let result =
                    random.chance(0.5)
                    ? string(text()) : Self.utf8("[") + Self.join(blocks.interleaved()) + Self.utf8("]")
                content = Self.join([
                    Self.utf8(#"[{"type":"tool_result","tool_use_id":"t","content":"#), result, Self.utf8("}]"),
                ])
            } else {
                content = string(text())
            }
            return Self.join([
                head, Self.utf8(#""type":"user","message":{"role":"user","content":"#), content, Self.utf8("}}"),
            ])
        }
        var blocks: [[UInt8]] = []
        for _ in 0..<random.int(1...3) {
            switch random.int(0...3) {
            case 0:
                blocks.append(
                    Self.join([Self.utf8(#"{"type":"thinking","thinking":"#), string(text()), Self.utf8("}")])
                )
            case 1: blocks.append(Self.join([Self.utf8(#"{"type":"text","text":"#), string(text()), Self.utf8("}")]))
            case 2:
                blocks.append(
                    Self.join([
                        Self.utf8(#"{"type":"tool_use","id":"t","name":"Bash","input":"#), bashInput(), Self.utf8("}"),
                    ])
                )
            default:
                let (old, new) = split(text(matchChance: 0.8))
                let input = Self.join([
                    Self.utf8(#"{"file_path":"#), string(text(matchChance: 0.1)), Self.utf8(#","old_string":"#),
                    string(old),
                    Self.utf8(#","new_string":"#), string(new), Self.utf8("}"),
                ])
                blocks.append(
                    Self.join([
                        Self.utf8(#"{"type":"tool_use","id":"t","name":"Edit","input":"#), input, Self.utf8("}"),
                    ])
                )
            }
        }
        return Self.join([
            head, Self.utf8(#""type":"assistant","message":{"role":"assistant","content":["#),
            Self.join(blocks.interleaved()), Self.utf8("]}}"),
        ])
    }

    /// A shell tool's input: a command (a string or an argv array) and a description, in either order, a match
    /// sometimes split between them.
    mutating func bashInput() -> [UInt8] {
        let (command, description) = random.chance(0.5) ? split(text(matchChance: 0.8)) : (text(), text())
        let commandValue = random.chance(0.3) ? argv(command) : string(command)
        let members = [
            Self.utf8(#""command":"#) + commandValue, Self.utf8(#""description":"#) + string(description),
            Self.utf8(#""timeout":120000"#),
        ]
        return Self.utf8("{") + Self.join(members.shuffled(using: &random).interleaved()) + Self.utf8("}")
    }

    /// A Codex rollout line; the first one of a stream is `session_meta`.
    mutating func codexLine(_ number: Int) -> [UInt8] {
        let head = Self.utf8(#"{"timestamp":"2026-01-01T00:00:00.000Z","#)
        if number == 0 { return head + Self.utf8(#""type":"session_meta","payload":{"id":"sess-1","cwd":"/w"}}"#) }
        let item: [UInt8]
        switch random.int(0...5) {
        case 0:
            item = Self.join([
                Self.utf8(#"{"type":"reasoning","summary":[{"type":"summary_text","text":"#), string(text()),
                Self.utf8("}]}"),
            ])
        case 1:
            item = Self.join([
                Self.utf8(#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"#),
                string(text()), Self.utf8("}]}"),
            ])
        case 2:
            // JSON inside a JSON string: escaped twice.
            let (command, workdir) = random.chance(0.5) ? split(text(matchChance: 0.8)) : (text(), text())
            let nested = Self.join([
                Self.utf8(#"{"command":["bash","-lc","#), string(command), Self.utf8(#"],"workdir":"#), string(workdir),
                Self.utf8("}"),
            ])
            item = Self.join([
                Self.utf8(#"{"type":"function_call","name":"shell","arguments":"#), string(nested),
                Self.utf8(#","call_id":"c"}"#),
            ])
        case 3:
            let nested = Self.join([
                Self.utf8(#"{"output":"#), string(text()), Self.utf8(#","metadata":{"exit_code":0}}"#),
            ])
            item = Self.join([
                Self.utf8(#"{"type":"function_call_output","call_id":"c","output":"#), string(nested), Self.utf8("}"),
            ])
        case 4:
            item = Self.join([
                Self.utf8(#"{"type":"custom_tool_call","name":"apply_patch","input":"#), string(text()), Self.utf8("}"),
            ])
        default:
            item = Self.join([
                Self.utf8(#"{"type":"local_shell_call","action":{"type":"exec","command":"#),
                argv(text(matchChance: 0.8)), Self.utf8("}}"),
            ])
        }
        return Self.join([head, Self.utf8(#""type":"response_item","payload":"#), item, Self.utf8("}")])
    }

    /// A generic JSON line: strings at several depths, numbers, null.
    mutating func jsonLine() -> [UInt8] {
        Self.join([
            Self.utf8(#"{"msg":"#), string(text()), Self.utf8(#","tags":["#), string(text()),
            Self.utf8(#",7,{"deep":"#),
            string(text()), Self.utf8(#"}],"n":null}"#),
        ])
    }

    /// A line no JSON reader accepts: cut short, a raw control byte or NUL outside a string, or plain words.
    mutating func malformed(_ line: [UInt8]) -> [UInt8] {
        switch random.int(0...3) {
        case 0: return Array(line.prefix(random.int(1...max(1, line.count - 1))))
        case 1: return Self.utf8("{") + [random.pick([0x00, 0x01, 0x1F])] + line
        case 2: return line + Self.utf8(" trailing")
        default: return text()
        }
    }

    /// A plain text line: decoded text as it is, CR endings, NULs and invalid bytes included, no LF.
    mutating func textLine() -> [UInt8] {
        var line = text().map { $0 == 0x0A ? 0x20 : $0 }
        if random.chance(0.2) { line.append(0x0D) }
        return line
    }

    /// `lines` lines of `format`, a few of them malformed, joined with LF.
    mutating func stream(_ format: TranscriptFormat, lines: Int) -> [UInt8] {
        var out: [UInt8] = []
        for number in 0..<lines {
            var line: [UInt8]
            switch format {
            case .claudeCode: line = claudeLine(number)
            case .codex: line = codexLine(number)
            case .text: line = textLine()
            default: line = jsonLine()
            }
            if format != .text && number > 0 && random.chance(0.05) { line = malformed(line) }
            out += line + [0x0A]
        }
        return out
    }
}

extension Array where Element == [UInt8] {
    /// The elements joined with commas, as JSON lists and objects write them.
    func interleaved() -> [[UInt8]] {
        enumerated().flatMap { $0.offset == 0 ? [$0.element] : [[UInt8(ascii: ",")], $0.element] }
    }
}
