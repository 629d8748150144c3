// Navigation over a parsed line (see JSONParser.swift for the tape): member lookup, iteration, and string access
// that unescapes only on demand. Values are plain tape positions, so walking a document allocates nothing.

/// One parsed line. It reads the line's bytes lazily: use it only while the buffer given to `parse` is alive.
public struct JSONDocument {
    /// The bytes the document was parsed from.
    public let bytes: UnsafeRawBufferPointer
    let nodes: [JSONNode]
    /// Whether some string holds bytes that are not valid UTF-8 (they are kept as they are).
    public let containsInvalidUTF8: Bool

    init(bytes: UnsafeRawBufferPointer, nodes: [JSONNode], containsInvalidUTF8: Bool) {
        self.bytes = bytes
        self.nodes = nodes
        self.containsInvalidUTF8 = containsInvalidUTF8
    }

    /// The top-level value.
    public var root: JSONValue { JSONValue(index: 0) }

    private var base: UnsafePointer<UInt8> { bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) }

    public func kind(of value: JSONValue) -> JSONKind { nodes[value.index].kind }

    /// Whether `value` exists and is of `kind` (convenient with optional lookups).
    public func `is`(_ value: JSONValue?, _ kind: JSONKind) -> Bool {
        guard let value else { return false }
        return nodes[value.index].kind == kind
    }

    // MARK: Containers

    /// The members of an object in document order (empty for anything else).
    public func members(of value: JSONValue) -> Members {
        let node = nodes[value.index]
        guard node.kind == .object else { return Members(nodes: nodes, cursor: 0, end: 0) }
        return Members(nodes: nodes, cursor: value.index + 1, end: Int(node.next))
    }

    /// The elements of an array in document order (empty for anything else).
    public func elements(of value: JSONValue) -> Elements {
        let node = nodes[value.index]
        guard node.kind == .array else { return Elements(nodes: nodes, cursor: 0, end: 0) }
        return Elements(nodes: nodes, cursor: value.index + 1, end: Int(node.next))
    }

    /// The first member of an object whose key equals `key` (after unescaping), or nil.
    public func member(_ key: StaticString, of value: JSONValue?) -> JSONValue? {
        guard let value else { return nil }
        let wanted = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        return member(wanted, of: value)
    }

    /// The first member of an object whose key equals the bytes `key` (after unescaping), or nil.
    public func member(_ key: UnsafeRawBufferPointer, of value: JSONValue) -> JSONValue? {
        for (name, memberValue) in members(of: value) where stringEquals(name, key) { return memberValue }
        return nil
    }

    /// The element at `position` of an array, or nil.
    public func element(_ position: Int, of value: JSONValue) -> JSONValue? {
        var remaining = position
        for element in elements(of: value) {
            if remaining == 0 { return element }
            remaining -= 1
        }
        return nil
    }

    /// The value `pointer` designates, starting from `value` (the root by default), or nil.
    public func value(at pointer: JSONPointer, from value: JSONValue? = nil) -> JSONValue? {
        var current = value ?? root
        for token in pointer.tokens {
            let next: JSONValue? = token.withUnsafeBytes { tokenBytes in
                switch kind(of: current) {
                case .object: return member(tokenBytes, of: current)
                case .array: return JSONPointer.arrayIndex(tokenBytes).flatMap { element($0, of: current) }
                default: return nil
                }
            }
            guard let next else { return nil }
            current = next
        }
        return current
    }

    /// Calls `body` with every string value inside `value` (itself included), in document order; keys are skipped.
    public func forEachString(in value: JSONValue, _ body: (JSONValue) -> Void) {
        // Recursion is bounded by the parser's depth limit.
        switch nodes[value.index].kind {
        case .string: body(value)
        case .object: for (_, member) in members(of: value) { forEachString(in: member, body) }
        case .array: for element in elements(of: value) { forEachString(in: element, body) }
        default: break
        }
    }

    // MARK: Scalars

    /// Appends the unescaped UTF-8 of a string value to `out`; does nothing for other kinds.
    public func appendString(_ value: JSONValue, to out: inout [UInt8]) {
        let node = nodes[value.index]
        guard node.kind == .string else { return }
        let start = Int(node.start)
        let end = Int(node.end)
        if node.flags & JSONNode.hasEscapes == 0 {
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
        } else {
            JSONEscapes.appendUnescaped(base, from: start, to: end, into: &out)
        }
    }

    /// The unescaped UTF-8 bytes of a string value, or nil for other kinds.
    public func stringBytes(_ value: JSONValue?) -> [UInt8]? {
        guard let value, nodes[value.index].kind == .string else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(Int(nodes[value.index].end - nodes[value.index].start))
        appendString(value, to: &out)
        return out
    }

    /// A string value as a Swift String (invalid UTF-8 repaired with U+FFFD), or nil for other kinds. For metadata.
    public func string(_ value: JSONValue?) -> String? {
        stringBytes(value).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the string value `value` is a string whose unescaped text equals `literal`.
    public func isString(_ value: JSONValue?, equalTo literal: StaticString) -> Bool {
        guard let value, nodes[value.index].kind == .string else { return false }
        return stringEquals(value, UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The source text of a value: a number's digits, `true`, a string with its escapes (between the quotes), or
    /// the whole bracketed text of a container.
    public func sourceText(_ value: JSONValue) -> UnsafeRawBufferPointer {
        let node = nodes[value.index]
        return UnsafeRawBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
    }

    private func stringEquals(_ value: JSONValue, _ wanted: UnsafeRawBufferPointer) -> Bool {
        let node = nodes[value.index]
        guard node.kind == .string else { return false }
        let start = Int(node.start)
        let length = Int(node.end) - start
        if node.flags & JSONNode.hasEscapes == 0 {
            guard length == wanted.count else { return false }
            return length == 0 || memoryEqual(base + start, wanted.baseAddress!, length)
        }
        // Escaped keys are rare; compare their decoded form.
        guard length >= wanted.count else { return false }
        var decoded: [UInt8] = []
        JSONEscapes.appendUnescaped(base, from: start, to: Int(node.end), into: &decoded)
        return decoded.elementsEqual(wanted)
    }

    private func memoryEqual(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafeRawPointer, _ count: Int) -> Bool {
        let right = rhs.assumingMemoryBound(to: UInt8.self)
        for k in 0..<count where lhs[k] != right[k] { return false }
        return true
    }
}

extension JSONDocument {
    /// The members of an object, as (key, value) pairs.
    public struct Members: Sequence, IteratorProtocol {
        let nodes: [JSONNode]
        var cursor: Int
        let end: Int

        public mutating func next() -> (key: JSONValue, value: JSONValue)? {
            guard cursor < end else { return nil }
            let key = cursor
            cursor = Int(nodes[key + 1].next)
            return (JSONValue(index: key), JSONValue(index: key + 1))
        }
    }

    /// The elements of an array.
    public struct Elements: Sequence, IteratorProtocol {
        let nodes: [JSONNode]
        var cursor: Int
        let end: Int

        public mutating func next() -> JSONValue? {
            guard cursor < end else { return nil }
            let element = cursor
            cursor = Int(nodes[element].next)
            return JSONValue(index: element)
        }
    }
}
