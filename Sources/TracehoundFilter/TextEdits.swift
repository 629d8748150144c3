// Replacing byte ranges of a field's text (redaction, invalid UTF-8) while keeping hit offsets true: every edit is
// recorded, and offsets into the old text are mapped into the new one.

/// One replaced range: `start..<end` of the old text became `replacementCount` bytes.
struct TextEdit: Equatable {
    var start: Int
    var end: Int
    var replacementCount: Int
}

enum TextEdits {
    /// Replaces `ranges` (sorted, non-overlapping) of `text` with the bytes `replacement(i)` gives for range i.
    static func apply(
        _ ranges: [(start: Int, end: Int)],
        to text: inout [UInt8],
        replacement: (Int) -> [UInt8]
    ) -> [TextEdit] {
        guard !ranges.isEmpty else { return [] }
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var edits: [TextEdit] = []
        var cursor = 0
        for (index, range) in ranges.enumerated() {
            result.append(contentsOf: text[cursor..<range.start])
            let bytes = replacement(index)
            result.append(contentsOf: bytes)
            edits.append(TextEdit(start: range.start, end: range.end, replacementCount: bytes.count))
            cursor = range.end
        }
        result.append(contentsOf: text[cursor...])
        text = result
        return edits
    }

    /// Where `offset` of the old text lies in the new one. An offset inside a replaced range moves to the
    /// replacement's start (`isEnd == false`) or end (`isEnd == true`), so a hit keeps covering what replaced it.
    static func map(_ offset: Int, through edits: [TextEdit], isEnd: Bool) -> Int {
        var shift = 0
        for edit in edits {
            if offset <= edit.start { break }
            if offset >= edit.end {
                shift += edit.replacementCount - (edit.end - edit.start)
                continue
            }
            // Inside the replaced range.
            return edit.start + shift + (isEnd ? edit.replacementCount : 0)
        }
        return offset + shift
    }

    /// Merges overlapping or touching ranges into sorted disjoint ones, keeping the first range's label.
    static func merge<Label>(_ ranges: [(start: Int, end: Int, label: Label)]) -> [(start: Int, end: Int, label: Label)]
    {
        let sorted = ranges.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        var merged: [(start: Int, end: Int, label: Label)] = []
        for range in sorted {
            if let last = merged.last, range.start <= last.end {
                merged[merged.count - 1].end = max(last.end, range.end)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// The runs of bytes in `text` that are not valid UTF-8; each run becomes one U+FFFD.
    static func invalidUTF8Ranges(_ text: [UInt8]) -> [(start: Int, end: Int)] {
        var ranges: [(start: Int, end: Int)] = []
        var index = 0
        while index < text.count {
            let length = validSequenceLength(text, at: index)
            if length > 0 {
                index += length
            } else {
                if let last = ranges.last, last.end == index {
                    ranges[ranges.count - 1].end = index + 1
                } else {
                    ranges.append((index, index + 1))
                }
                index += 1
            }
        }
        return ranges
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 when none starts there.
    private static func validSequenceLength(_ text: [UInt8], at index: Int) -> Int {
        let lead = text[index]
        if lead < 0x80 { return 1 }
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, low) = (3, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, high) = (3, 0x9F)
        case 0xF0: (length, low) = (4, 0x90)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, high) = (4, 0x8F)
        default: return 0
        }
        guard index + length <= text.count else { return 0 }
        guard text[index + 1] >= low && text[index + 1] <= high else { return 0 }
        for offset in 2..<max(length, 2) where text[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }
}
