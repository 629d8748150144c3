// JSON reader for transcript lines: one validating pass over a line's bytes builds a flat index (a "tape") of its
// values; decoders then look up the few keys they need in any order and unescape only the strings they keep.
//
// Why a tape and not a tree or a streaming visitor: transcript formats put the key that decides how to read a value
// (`type`, `role`) before or after that value, depending on the writer, so a one-pass visitor would have to buffer;
// a tree allocates per value. The tape is one reused array of 16-byte nodes, no allocation per line once warm.
//
// The tape, in document order (a pre-order walk):
//   node     = kind, flags, start, end, next
//   object   = node, then key₀ value₀ key₁ value₁ ...   (keys are string nodes)
//   array    = node, then element₀ element₁ ...
//   `next`   = the tape index just past this value's subtree: the next sibling, or the parent's end
//   string   = start/end delimit the bytes between the quotes, still escaped; flags say whether there are escapes
//              and whether raw bytes are not valid UTF-8 (kept as they are, and flagged)
//   number   = start/end delimit its text, which is what callers get (no conversion, no precision loss)
//   object/array = start at the opening bracket, end just past the closing one
//
// Strict RFC 8259 grammar: control characters inside strings, bad escapes, leading zeros, trailing garbage, and
// nesting deeper than `maxDepth` (an explicit stack, never recursion) are syntax errors. Two leniencies, both about
// bytes a transcript writer cannot help: a UTF-8 byte order mark before the value, and invalid UTF-8 inside strings.

/// What a JSON value is.
public enum JSONKind: UInt8, Sendable, Hashable {
    case object
    case array
    case string
    case number
    case `true`
    case `false`
    case null
}

/// A value of a parsed `JSONDocument`: a position in its tape, meaningful only with the document it came from.
public struct JSONValue: Hashable, Sendable {
    let index: Int
}

/// Why a line is not JSON, and the byte offset where the reader gave up.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedByte = "unexpected byte"
        case expectedKey = "expected a string key"
        case expectedColon = "expected ':' after a key"
        case invalidEscape = "invalid escape sequence"
        case controlCharacterInString = "unescaped control character in string"
        case invalidNumber = "invalid number"
        case invalidLiteral = "invalid literal"
        case tooDeep = "nesting deeper than the limit"
        case tooManyValues = "more values than the limit"
        case trailingBytes = "bytes after the value"
        case tooLong = "input longer than 4 GiB"
    }

    public let reason: Reason
    public let offset: Int

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}

struct JSONNode {
    static let hasEscapes: UInt8 = 1 << 0
    static let invalidUTF8: UInt8 = 1 << 1

    var kind: JSONKind
    var flags: UInt8
    var start: UInt32
    var end: UInt32
    var next: UInt32
}

/// Parses lines into `JSONDocument`s, reusing its storage from one line to the next. Keep one per stream.
public struct JSONParser: Sendable {
    /// Containers nested deeper than this make the line a syntax error.
    public let maxDepth: Int
    /// Values (and keys) allowed in one document: each costs 16 bytes of index, so a reader of untrusted lines
    /// (the collector) bounds the index, which could otherwise grow to 8 times the line (`[0,0,0,…]`).
    public let maxValues: Int
    private var nodes: [JSONNode] = []
    private var openContainers: [Int] = []

    public init(maxDepth: Int = 512, maxValues: Int = Int.max) {
        self.maxDepth = maxDepth
        self.maxValues = maxValues
    }

    /// Validates `bytes` as exactly one JSON value (whitespace around it allowed) and indexes it.
    /// The document reads `bytes` lazily: use it only while that buffer is alive.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONDocument {
        nodes.removeAll(keepingCapacity: true)
        openContainers.removeAll(keepingCapacity: true)
        guard bytes.count < Int(UInt32.max) else { throw JSONSyntaxError(reason: .tooLong, offset: 0) }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONSyntaxError(reason: .unexpectedEnd, offset: 0)
        }
        var builder = TapeBuilder(
            bytes: base.assumingMemoryBound(to: UInt8.self),
            count: bytes.count,
            maxDepth: maxDepth,
            maxValues: maxValues
        )
        swap(&builder.nodes, &nodes)
        swap(&builder.openContainers, &openContainers)
        defer {
            swap(&builder.nodes, &nodes)
            swap(&builder.openContainers, &openContainers)
        }
        try builder.run()
        return JSONDocument(bytes: bytes, nodes: builder.nodes, containsInvalidUTF8: builder.sawInvalidUTF8)
    }

    /// Convenience for tests and one-off lines: parses and hands the document to `body` while the bytes are alive.
    public mutating func parse<Value>(
        _ bytes: [UInt8],
        _ body: (JSONDocument) -> Value
    ) throws(JSONSyntaxError) -> Value {
        let outcome: Result<Value, JSONSyntaxError> = bytes.withUnsafeBytes { raw in
            do throws(JSONSyntaxError) {
                return .success(body(try parse(raw)))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}

/// The single validating pass. A state machine over an explicit stack of open containers.
private struct TapeBuilder {
    private enum State {
        case value
        case key
        case afterValue
    }

    let bytes: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    let maxValues: Int
    var nodes: [JSONNode] = []
    var openContainers: [Int] = []
    var sawInvalidUTF8 = false

    init(bytes: UnsafePointer<UInt8>, count: Int, maxDepth: Int, maxValues: Int) {
        self.bytes = bytes
        self.count = count
        self.maxDepth = maxDepth
        self.maxValues = maxValues
    }

    private func fail(_ reason: JSONSyntaxError.Reason, _ offset: Int) -> JSONSyntaxError {
        JSONSyntaxError(reason: reason, offset: offset)
    }

    @inline(__always)
    private func skipWhitespace(_ start: Int) -> Int {
        var i = start
        while i < count {
            let c = bytes[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
            i += 1
        }
        return i
    }

    mutating func run() throws(JSONSyntaxError) {
        var i = 0
        if count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        var state = State.value
        parsing: while true {
            switch state {
            case .value:
                i = skipWhitespace(i)
                guard i < count else { throw fail(.unexpectedEnd, i) }
                guard nodes.count < maxValues else { throw fail(.tooManyValues, i) }
                switch bytes[i] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = bytes[i] == UInt8(ascii: "{")
                    guard openContainers.count < maxDepth else { throw fail(.tooDeep, i) }
                    openContainers.append(nodes.count)
                    nodes.append(
                        JSONNode(kind: isObject ? .object : .array, flags: 0, start: UInt32(i), end: 0, next: 0)
                    )
                    i = skipWhitespace(i + 1)
                    if i < count && bytes[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        closeContainer(at: i)
                        i += 1
                        state = .afterValue
                    } else {
                        state = isObject ? .key : .value
                    }
                case UInt8(ascii: "\""):
                    i = try scanString(openingQuote: i)
                    state = .afterValue
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    i = try scanNumber(i)
                    state = .afterValue
                case UInt8(ascii: "t"):
                    i = try scanLiteral(i, "true", .true)
                    state = .afterValue
                case UInt8(ascii: "f"):
                    i = try scanLiteral(i, "false", .false)
                    state = .afterValue
                case UInt8(ascii: "n"):
                    i = try scanLiteral(i, "null", .null)
                    state = .afterValue
                default:
                    throw fail(.unexpectedByte, i)
                }
            case .key:
                i = skipWhitespace(i)
                guard i < count else { throw fail(.unexpectedEnd, i) }
                guard bytes[i] == UInt8(ascii: "\"") else { throw fail(.expectedKey, i) }
                // Two statements: `skipWhitespace(try scanString(...))` would copy `self` (and so the tape's buffer)
                // for the outer call before the inner one appends, forcing a reallocation per key.
                i = try scanString(openingQuote: i)
                i = skipWhitespace(i)
                guard i < count else { throw fail(.unexpectedEnd, i) }
                guard bytes[i] == UInt8(ascii: ":") else { throw fail(.expectedColon, i) }
                i += 1
                state = .value
            case .afterValue:
                guard let top = openContainers.last else { break parsing }
                i = skipWhitespace(i)
                guard i < count else { throw fail(.unexpectedEnd, i) }
                let inObject = nodes[top].kind == .object
                switch bytes[i] {
                case UInt8(ascii: ","):
                    i += 1
                    state = inObject ? .key : .value
                case UInt8(ascii: "}") where inObject, UInt8(ascii: "]") where !inObject:
                    closeContainer(at: i)
                    i += 1
                default:
                    throw fail(.unexpectedByte, i)
                }
            }
        }
        i = skipWhitespace(i)
        guard i == count else { throw fail(.trailingBytes, i) }
    }

    private mutating func closeContainer(at closingBracket: Int) {
        let top = openContainers.removeLast()
        nodes[top].end = UInt32(closingBracket + 1)
        nodes[top].next = UInt32(nodes.count)
    }

    private mutating func appendScalar(_ kind: JSONKind, flags: UInt8 = 0, start: Int, end: Int) {
        nodes.append(
            JSONNode(kind: kind, flags: flags, start: UInt32(start), end: UInt32(end), next: UInt32(nodes.count + 1))
        )
    }

    private mutating func scanLiteral(
        _ start: Int,
        _ word: StaticString,
        _ kind: JSONKind
    ) throws(JSONSyntaxError) -> Int {
        let length = word.utf8CodeUnitCount
        guard start + length <= count else { throw fail(.invalidLiteral, start) }
        let letters = word.utf8Start
        for k in 0..<length where bytes[start + k] != letters[k] { throw fail(.invalidLiteral, start + k) }
        appendScalar(kind, start: start, end: start + length)
        return start + length
    }

    private mutating func scanNumber(_ start: Int) throws(JSONSyntaxError) -> Int {
        var i = start
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count, isDigit(bytes[i]) else { throw fail(.invalidNumber, i) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < count && isDigit(bytes[i]) { i += 1 }
        }
        if i < count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < count, isDigit(bytes[i]) else { throw fail(.invalidNumber, i) }
            while i < count && isDigit(bytes[i]) { i += 1 }
        }
        if i < count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < count, isDigit(bytes[i]) else { throw fail(.invalidNumber, i) }
            while i < count && isDigit(bytes[i]) { i += 1 }
        }
        appendScalar(.number, start: start, end: i)
        return i
    }

    /// Scans a string from its opening quote; returns the offset just past the closing quote.
    private mutating func scanString(openingQuote: Int) throws(JSONSyntaxError) -> Int {
        var i = openingQuote + 1
        var flags: UInt8 = 0
        while true {
            // Skip 8 plain ASCII bytes at a time; stop at a word holding a quote, backslash, control or high byte.
            while i + 8 <= count {
                let word = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self)
                if Self.needsAttention(word) { break }
                i += 8
            }
            guard i < count else { throw fail(.unexpectedEnd, i) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                flags |= JSONNode.hasEscapes
                guard i + 1 < count else { throw fail(.unexpectedEnd, i + 1) }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= count else { throw fail(.unexpectedEnd, count) }
                    for k in 2..<6 where JSONEscapes.hexValue(bytes[i + k]) == nil {
                        throw fail(.invalidEscape, i + k)
                    }
                    i += 6
                default:
                    throw fail(.invalidEscape, i + 1)
                }
            } else if c < 0x20 {
                throw fail(.controlCharacterInString, i)
            } else if c < 0x80 {
                i += 1
            } else {
                let length = UTF8Validation.sequenceLength(bytes, at: i, count: count)
                if length == 0 {
                    flags |= JSONNode.invalidUTF8
                    sawInvalidUTF8 = true
                    i += 1
                } else {
                    i += length
                }
            }
        }
        appendScalar(.string, flags: flags, start: openingQuote + 1, end: i)
        return i + 1
    }

    /// Whether any of the 8 bytes is `"`, `\`, below 0x20 or above 0x7F (SWAR: no byte needs a loop).
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return ((zeroInQuote | zeroInBackslash | control) & highs) | (word & highs) != 0
    }
}

@inline(__always)
private func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
