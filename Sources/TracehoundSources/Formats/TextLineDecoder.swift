// Plain text (`format: text`): a line is one `log` field with its bytes as they are (a trailing CR of a CRLF file
// dropped). Invalid UTF-8 and NUL bytes are flagged and kept; nothing is ever malformed.

public import TracehoundCore

/// Decodes plain text lines.
public struct TextLineDecoder: RecordDecoder {
    public init() {}

    public mutating func decode(_ line: UnsafeRawBufferPointer) -> Record {
        var text = UnsafeRawBufferPointer(rebasing: line[...])
        if text.last == 0x0D { text = UnsafeRawBufferPointer(rebasing: text.dropLast()) }
        var record = Record(flags: LineBytes.flags(of: text))
        record.appendField(.log, text: Array(text))
        return record
    }
}
