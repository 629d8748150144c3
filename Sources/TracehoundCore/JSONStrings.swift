// String handling shared by the JSON reader and the decoders: UTF-8 validation of raw bytes and JSON unescaping.
// Unescaping is the text rules match (DESIGN.md §3.6): `\n` becomes a newline byte, `\uXXXX` becomes UTF-8.

/// UTF-8 validation per RFC 3629 (no overlongs, no surrogates, nothing past U+10FFFF).
public enum UTF8Validation {
    /// The length of the valid UTF-8 sequence starting at `offset`, or 0 if the byte there starts no valid sequence.
    @inline(__always)
    static func sequenceLength(_ bytes: UnsafePointer<UInt8>, at offset: Int, count: Int) -> Int {
        let lead = bytes[offset]
        if lead < 0x80 { return 1 }
        @inline(__always) func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            offset + k < count && bytes[offset + k] >= low && bytes[offset + k] <= high
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
            return continuation(1, low, high) && continuation(2) ? 3 : 0
        case 0xF0...0xF4:
            let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
            return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// Whether all of `bytes` is valid UTF-8.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let pointer = base.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < bytes.count {
            // Plain ASCII 8 bytes at a time.
            while i + 8 <= bytes.count
                && UnsafeRawPointer(pointer + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                i += 8
            }
            guard i < bytes.count else { break }
            let length = sequenceLength(pointer, at: i, count: bytes.count)
            guard length > 0 else { return false }
            i += length
        }
        return true
    }

    /// Appends the UTF-8 encoding of `scalar` (which must be a Unicode scalar value).
    @inline(__always)
    static func append(scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

/// JSON string unescaping over bytes the parser has already validated.
enum JSONEscapes {
    static let replacementCharacter: UInt32 = 0xFFFD

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }

    /// The code unit of the `\uXXXX` escape at `offset` (pointing at the backslash), if there is one before `end`.
    @inline(__always)
    private static func unicodeEscape(_ bytes: UnsafePointer<UInt8>, at offset: Int, end: Int) -> UInt32? {
        guard offset + 6 <= end, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
            return nil
        }
        var unit: UInt32 = 0
        for k in 2..<6 {
            guard let digit = hexValue(bytes[offset + k]) else { return nil }
            unit = unit << 4 | digit
        }
        return unit
    }

    /// Appends the unescaped content of `bytes[start..<end]` (a string's body, between its quotes) to `out`.
    /// Surrogate pairs combine; a lone surrogate becomes U+FFFD; raw bytes, valid UTF-8 or not, are copied as-is.
    static func appendUnescaped(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        var i = start
        var run = start
        while i < end {
            guard bytes[i] == UInt8(ascii: "\\") else {
                i += 1
                continue
            }
            if run < i { out.append(contentsOf: UnsafeBufferPointer(start: bytes + run, count: i - run)) }
            guard i + 1 < end else { break }
            switch bytes[i + 1] {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                i = appendUnicodeEscape(bytes, at: i, end: end, into: &out)
                run = i
                continue
            default: out.append(bytes[i + 1])  // `"`, `\`, `/`
            }
            i += 2
            run = i
        }
        if run < end { out.append(contentsOf: UnsafeBufferPointer(start: bytes + run, count: end - run)) }
    }

    /// Decodes the `\uXXXX` (and, for a high surrogate, its low partner) at `offset`; returns the offset after it.
    private static func appendUnicodeEscape(
        _ bytes: UnsafePointer<UInt8>,
        at offset: Int,
        end: Int,
        into out: inout [UInt8]
    ) -> Int {
        guard let unit = unicodeEscape(bytes, at: offset, end: end) else {
            // Not reachable for parser-validated input; copy the bytes rather than guess.
            let stop = min(offset + 2, end)
            out.append(contentsOf: UnsafeBufferPointer(start: bytes + offset, count: stop - offset))
            return stop
        }
        switch unit {
        case 0xD800...0xDBFF:
            if let low = unicodeEscape(bytes, at: offset + 6, end: end), (0xDC00...0xDFFF).contains(low) {
                UTF8Validation.append(scalar: 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &out)
                return offset + 12
            }
            UTF8Validation.append(scalar: replacementCharacter, to: &out)
        case 0xDC00...0xDFFF:
            UTF8Validation.append(scalar: replacementCharacter, to: &out)
        default:
            UTF8Validation.append(scalar: unit, to: &out)
        }
        return offset + 6
    }
}
