// A stream resumed near its end hands the scanner a short first chunk at whatever address the read buffer gives.
// Found by the crash-recovery test: such a chunk's hit was missed. The chunk is scanned through an aligned copy;
// this checks every alignment from 0 to 127 of short chunks.
import TracehoundCore
import TracehoundFilter
import XCTest

final class ShortChunkAlignmentTests: XCTestCase {
    func testAShortChunkAtAnyAlignmentHasItsHitFound() throws {
        let rules = try RuleLoader.load(
            yaml: "rules:\n  - {id: t.s, category: t, severity: high, patterns: [{regex: 'SUSPICIOUS-[0-9]+'}]}\n",
            file: "r.yaml"
        )
        let matcher = try RuleMatcher(engine: try RuleEngine(rules: rules))
        var chunks = [
            "benign line 2414 with some ordinary words in it\nbenign line 2415 with some ordinary words in it\n"
                + "the agent says SUSPICIOUS-2416 here\n",
            "the agent says SUSPICIOUS-7 here\n",
            "x\nSUSPICIOUS-1\n",
        ]
        // Every length of prefix from 0 to 40 short lines, so the hit sits at every offset from the start.
        for count in 0..<40 {
            chunks.append(String(repeating: "ok \(count)\n", count: count) + "and SUSPICIOUS-\(count) here\n")
        }
        var missed: [String] = []
        for chunk in chunks {
            let bytes = Array(chunk.utf8)
            var starts = [0]
            for (index, byte) in bytes.enumerated() where byte == 0x0A && index + 1 < bytes.count {
                starts.append(index + 1)
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + 256, alignment: 64)
            defer { buffer.deallocate() }
            for alignment in 0..<128 {
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[alignment..<alignment + bytes.count])
                bytes.withUnsafeBytes { slice.copyMemory(from: $0) }
                var candidates = [Bool](repeating: false, count: starts.count)
                try matcher.markCandidateLines(
                    in: UnsafeRawBufferPointer(slice),
                    lineStarts: starts,
                    candidates: &candidates
                )
                if candidates.last != true { missed.append("alignment \(alignment): \(chunk.debugDescription)") }
            }
        }
        XCTAssertEqual(missed, [])
    }
}

final class ShortFieldTests: XCTestCase {
    /// Fields are scanned from the start of an aligned copy; the hit's place in the field varies here.
    func testAHitAtAnyPlaceInAShortFieldIsFound() throws {
        let rules = try RuleLoader.load(
            yaml: "rules:\n  - {id: t.s, category: t, severity: high, patterns: [{regex: 'SUSPICIOUS-[0-9]+'}]}\n",
            file: "r.yaml"
        )
        let matcher = try RuleMatcher(engine: try RuleEngine(rules: rules))
        var missed: [Int] = []
        for prefix in 0..<300 {
            let text = String(repeating: "o", count: prefix) + " SUSPICIOUS-\(prefix) here"
            let hits = try matcher.hits(in: Record(fields: [RecordField(kind: .log, text)]))
            if hits.isEmpty { missed.append(prefix) }
        }
        XCTAssertEqual(missed, [])
    }
}
