// Escapes and bracket classes of the rule-pattern subset (RegexParser.swift).

extension RegexParser {
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

}

/// What one escape stands for.
enum RegexEscape {
    case bytes([UInt8])
    case set(ByteSet)
    case assertion(RegexAssertion)
}

extension RegexParser {
    /// After a `\` outside a class.
    mutating func parseEscape() throws(RegexSyntaxError) -> RegexNode {
        let start = index - 1
        switch try parseEscapeBody(inClass: false, start: start) {
        case .assertion(let kind):
            return .assertion(kind)
        case .set(let set):
            return .byte(set)
        case .bytes(let bytes):
            let nodes = bytes.map { byte -> RegexNode in
                let set = ByteSet([byte])
                return .byte(currentOptions.caseless ? set.caseFolded : set)
            }
            return nodes.count == 1 ? nodes[0] : .sequence(nodes)
        }
    }

    mutating func parseEscapeBody(inClass: Bool, start: Int) throws(RegexSyntaxError) -> RegexEscape {
        guard let byte = peekByte() else { throw failure("trailing backslash", at: start) }
        advance()
        switch byte {
        case UInt8(ascii: "d"): return .set(.digits)
        case UInt8(ascii: "D"): return .set(ByteSet.digits.inverted)
        case UInt8(ascii: "w"): return .set(.word)
        case UInt8(ascii: "W"): return .set(ByteSet.word.inverted)
        case UInt8(ascii: "s"): return .set(.space)
        case UInt8(ascii: "S"): return .set(ByteSet.space.inverted)
        case UInt8(ascii: "t"): return .bytes([0x09])
        case UInt8(ascii: "n"): return .bytes([0x0A])
        case UInt8(ascii: "r"): return .bytes([0x0D])
        case UInt8(ascii: "f"): return .bytes([0x0C])
        case UInt8(ascii: "v"): return .bytes([0x0B])
        case UInt8(ascii: "e"): return .bytes([0x1B])
        case UInt8(ascii: "a"): return .bytes([0x07])
        case UInt8(ascii: "b"):
            return inClass ? .bytes([0x08]) : .assertion(.wordBoundary)
        case UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"), UInt8(ascii: "Z"):
            if inClass { throw failure("'\\\(Character(UnicodeScalar(byte)))' inside a class", at: start) }
            switch byte {
            case UInt8(ascii: "B"): return .assertion(.notWordBoundary)
            case UInt8(ascii: "A"): return .assertion(.fieldStart)
            default: return .assertion(.fieldEnd)
            }
        case UInt8(ascii: "x"):
            return .bytes(try parseHexEscape(start: start))
        case UInt8(ascii: "0"):
            return .bytes([0])
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            throw failure("backreferences are not supported by vectorscan", at: start)
        case UInt8(ascii: "Q"):
            var literal: [UInt8] = []
            while let next = peekByte() {
                if next == UInt8(ascii: "\\") && peekByte(1) == UInt8(ascii: "E") {
                    advance(2)
                    break
                }
                literal.append(next)
                advance()
            }
            return .bytes(literal)
        case UInt8(ascii: "E"):
            return .bytes([])
        default:
            let isAlphanumeric = ByteSet.word.contains(byte) && byte != UInt8(ascii: "_")
            if isAlphanumeric {
                throw failure("unsupported escape '\\\(Character(UnicodeScalar(byte)))'", at: start)
            }
            return .bytes([byte])
        }
    }

    private mutating func parseHexEscape(start: Int) throws(RegexSyntaxError) -> [UInt8] {
        var value: UInt32 = 0
        if peekByte() == UInt8(ascii: "{") {
            advance()
            var digits = 0
            while let next = peekByte(), next != UInt8(ascii: "}") {
                guard let digit = Self.hexValue(next), digits < 8 else { throw failure("bad \\x{...}", at: start) }
                value = value * 16 + digit
                digits += 1
                advance()
            }
            guard peekByte() == UInt8(ascii: "}"), digits > 0 else { throw failure("bad \\x{...}", at: start) }
            advance()
            // Byte mode, as vectorscan and PCRE read a pattern without the UTF-8 flag: `\x{e9}` is the byte 0xE9,
            // not the UTF-8 of é, and nothing past 0xFF exists. Write é as `\xc3\xa9` or as itself.
            guard value <= 0xFF else { throw failure("\\x{...} past \\x{ff} (patterns are read as bytes)", at: start) }
            return [UInt8(value)]
        }
        var digits = 0
        while digits < 2, let next = peekByte(), let digit = Self.hexValue(next) {
            value = value * 16 + digit
            digits += 1
            advance()
        }
        // \xHH is one byte in byte mode, whatever its value.
        return [UInt8(value)]
    }

    /// After a `[`: the bytes the class admits (already case-folded when caseless).
    mutating func parseClass() throws(RegexSyntaxError) -> ByteSet {
        let start = index - 1
        var negated = false
        if peekByte() == UInt8(ascii: "^") {
            negated = true
            advance()
        }
        var set = ByteSet()
        var first = true
        while true {
            guard let byte = peekByte() else { throw failure("missing ']'", at: start) }
            if byte == UInt8(ascii: "]") && !first {
                advance()
                break
            }
            first = false
            if byte == UInt8(ascii: "["), peekByte(1) == UInt8(ascii: ":") {
                set.formUnion(try parsePosixClass())
                continue
            }
            let low: UInt8
            advance()
            if byte == UInt8(ascii: "\\") {
                switch try parseEscapeBody(inClass: true, start: index - 1) {
                case .set(let escaped):
                    set.formUnion(escaped)
                    continue
                case .bytes(let bytes):
                    guard bytes.count == 1 else {
                        bytes.forEach { set.insert($0) }
                        continue
                    }
                    low = bytes[0]
                case .assertion:
                    throw failure("assertion inside a class", at: index)
                }
            } else {
                low = byte
            }
            if peekByte() == UInt8(ascii: "-"), let next = peekByte(1), next != UInt8(ascii: "]") {
                advance()
                var high = next
                advance()
                if next == UInt8(ascii: "\\") {
                    guard case .bytes(let bytes) = try parseEscapeBody(inClass: true, start: index - 1),
                        bytes.count == 1
                    else { throw failure("bad range end", at: index) }
                    high = bytes[0]
                }
                guard low <= high else { throw failure("range out of order", at: index) }
                set.formUnion(ByteSet(range: low...high))
            } else {
                set.insert(low)
            }
        }
        if currentOptions.caseless { set = set.caseFolded }
        return negated ? set.inverted : set
    }

    private mutating func parsePosixClass() throws(RegexSyntaxError) -> ByteSet {
        let start = index
        advance(2)
        var name: [UInt8] = []
        while let byte = peekByte(), byte != UInt8(ascii: ":") {
            name.append(byte)
            advance()
        }
        guard peekByte() == UInt8(ascii: ":"), peekByte(1) == UInt8(ascii: "]") else {
            throw failure("bad POSIX class", at: start)
        }
        advance(2)
        let lower = ByteSet(range: UInt8(ascii: "a")...UInt8(ascii: "z"))
        let upper = ByteSet(range: UInt8(ascii: "A")...UInt8(ascii: "Z"))
        var alpha = lower
        alpha.formUnion(upper)
        switch String(decoding: name, as: UTF8.self) {
        case "alpha": return alpha
        case "digit": return .digits
        case "alnum":
            var set = alpha
            set.formUnion(.digits)
            return set
        case "space": return .space
        case "lower": return lower
        case "upper": return upper
        case "punct":
            return ByteSet((0x21...0x7E).filter { !ByteSet.word.contains($0) || $0 == UInt8(ascii: "_") })
        case "xdigit": return ByteSet("0123456789abcdefABCDEF".utf8)
        case "word": return .word
        case "blank": return ByteSet([0x20, 0x09])
        case "cntrl": return ByteSet(Array(0...0x1F) + [0x7F])
        case "print": return ByteSet(range: 0x20...0x7E)
        case "graph": return ByteSet(range: 0x21...0x7E)
        default: throw failure("unknown POSIX class", at: start)
        }
    }
}
