// Matching records against a RuleEngine, on one thread. Two entry points:
//   - `markCandidateLines` scans a whole chunk of raw lines at once with the raw-line database and says which
//     lines may hit (the fast path: most lines are never decoded);
//   - `hits(in:)` matches a decoded record's fields with the rules' own patterns, the exact semantics.
// Field scans copy the text into a 64-byte-aligned buffer first: Debian's vectorscan 5.4.9 was seen to miss
// matches in short buffers starting 8–12 bytes past a 64-byte boundary.
public import TracehoundCore

/// A rule matching inside one field of one record.
public struct Hit: Sendable, Equatable {
    /// Index into the engine's `rules`.
    public var rule: Int
    /// Index into the record's `fields`.
    public var field: Int
    /// Byte range in the field's decoded text.
    public var start: Int
    public var end: Int

    public init(rule: Int, field: Int, start: Int, end: Int) {
        self.rule = rule
        self.field = field
        self.start = start
        self.end = end
    }
}

/// One thread's matcher: scratch space and reusable buffers over a shared engine.
public final class RuleMatcher {
    public let engine: RuleEngine
    private let rawScratch: PatternScratch
    private let decodedScratch: PatternScratch
    /// Chunks shorter than this are padded before the raw scan (see markCandidateLines).
    static let minimumScanBytes = 4096
    /// Where chunks are copied before the raw scan (see markCandidateLines).
    private var alignedChunk: UnsafeMutableRawBufferPointer
    private var aligned: UnsafeMutableRawBufferPointer
    /// Per rule, the first match (by end) in the field being scanned, reused across fields.
    private var firstMatch: [Int: (slot: UInt32, end: Int)] = [:]
    /// One scratch grown for every start-of-match database this thread used.
    private var startScratch: PatternScratch?
    private var vetoedRules: Set<Int> = []
    /// Lines holding one side of a match across joined pieces, and the slot, to check for the other side.
    private var crossings: [(line: Int, slot: UInt32)] = []
    /// One scratch grown for every crossing-check database this thread used.
    private var checkScratch: PatternScratch?

    public init(engine: RuleEngine) throws {
        self.engine = engine
        rawScratch = try engine.rawDatabase.makeScratch()
        decodedScratch = try engine.decodedDatabase.makeScratch()
        aligned = .allocate(byteCount: 64 << 10, alignment: 64)
        alignedChunk = .allocate(byteCount: 256 << 10, alignment: 64)
    }

    deinit {
        aligned.deallocate()
        alignedChunk.deallocate()
    }

    /// Scans `chunk` (whole lines; `lineStarts[i]` is where line i starts, ascending) and sets `candidates[i]` for
    /// each line that may hit or must be decoded to know. `candidates` must have `lineStarts.count` entries.
    public func markCandidateLines(
        in chunk: UnsafeRawBufferPointer,
        lineStarts: [Int],
        candidates: inout [Bool]
    ) throws {
        guard !lineStarts.isEmpty else { return }
        var line = 0
        crossings.removeAll(keepingCapacity: true)
        var lineCrossings: Set<UInt32> = []
        // The chunk is scanned from a 64-byte-aligned copy: vectorscan 5.4.9 misses matches in short buffers that
        // start 16 to 40 bytes past a 64-byte boundary (ShortChunkAlignmentTests; found by the crash test, where
        // a stream resumed near its end handed over a 132-byte first chunk). The copy costs far less than the scan.
        if chunk.count > alignedChunk.count {
            alignedChunk.deallocate()
            alignedChunk = .allocate(byteCount: max(chunk.count, alignedChunk.count * 2), alignment: 64)
        }
        if !chunk.isEmpty { alignedChunk.copyMemory(from: chunk) }
        // Short buffers are padded with LF (which no raw pattern matches) to a length vectorscan scans right.
        let scannedCount = max(chunk.count, Self.minimumScanBytes)
        if scannedCount > chunk.count {
            UnsafeMutableRawBufferPointer(rebasing: alignedChunk[chunk.count..<scannedCount]).initializeMemory(
                as: UInt8.self,
                repeating: 0x0A
            )
        }
        let scanned = UnsafeRawBufferPointer(rebasing: alignedChunk[..<scannedCount])
        try engine.rawDatabase.scan(scanned, scratch: rawScratch) { match in
            // Matches arrive in order of their end; a match ending at `end` lies in the line holding end - 1.
            guard match.end <= chunk.count else { return .keepScanning }
            let last = max(match.end - 1, 0)
            if line + 1 < lineStarts.count && lineStarts[line + 1] <= last {
                while line + 1 < lineStarts.count && lineStarts[line + 1] <= last { line += 1 }
                lineCrossings.removeAll(keepingCapacity: true)
            }
            guard !candidates[line] else { return .keepScanning }
            switch self.engine.rawRoles[Int(match.id)] {
            case .whole:
                candidates[line] = true
            case .crossing(let slot):
                if lineCrossings.insert(slot).inserted { self.crossings.append((line, slot)) }
            }
            return .keepScanning
        }
        // A match across joined pieces leaves both its head and its tail in its line: look there for the other.
        for (line, slot) in crossings where !candidates[line] {
            let end = line + 1 < lineStarts.count ? lineStarts[line + 1] : chunk.count
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[lineStarts[line]..<end])
            if try lineHoldsOtherSide(of: slot, bytes) { candidates[line] = true }
        }
    }

    private func lineHoldsOtherSide(of slot: UInt32, _ line: UnsafeRawBufferPointer) throws -> Bool {
        guard let finder = engine.crossingCheck(for: slot) else { return true }
        if let checkScratch {
            try checkScratch.prepare(for: finder)
        } else {
            checkScratch = try finder.makeScratch()
        }
        var found = false
        try scanAligned(line, with: finder, scratch: checkScratch!) { _ in
            found = true
            return .stop
        }
        return found
    }

    /// Every rule hit in `record`: rules scoped to each field's kind, one hit per rule and field (the match that
    /// ends first, from its leftmost start), minus the rules a `not` pattern vetoes in that field.
    public func hits(in record: Record) throws -> [Hit] {
        var hits: [Hit] = []
        for (fieldIndex, field) in record.fields.enumerated() where !field.text.isEmpty {
            firstMatch.removeAll(keepingCapacity: true)
            vetoedRules.removeAll(keepingCapacity: true)
            try scanAligned(field.text) { match in
                let slot = self.engine.slots[Int(match.id)]
                guard self.engine.rules[slot.rule].fields.contains(field.kind) else { return .keepScanning }
                if slot.isVeto {
                    self.vetoedRules.insert(slot.rule)
                } else if self.firstMatch[slot.rule] == nil {
                    // Matches arrive by end offset: the first is the one that ends first.
                    self.firstMatch[slot.rule] = (match.id, match.end)
                }
                return .keepScanning
            }
            for (rule, match) in firstMatch where !vetoedRules.contains(rule) {
                let range = try rangeOfMatch(slot: match.slot, endingAt: match.end, textCount: field.text.count)
                hits.append(Hit(rule: rule, field: fieldIndex, start: range.start, end: range.end))
            }
        }
        hits.sort { ($0.field, $0.start, $0.rule) < ($1.field, $1.start, $1.rule) }
        return hits
    }

    /// The byte range of the first match of `slot` in the field now in the aligned buffer (`textCount` bytes):
    /// from the leftmost start of the matches ending at `end`, to the longest match from that start, as a greedy
    /// regex engine would show it. Without start tracking for the pattern, the range starts at 0.
    private func rangeOfMatch(slot: UInt32, endingAt end: Int, textCount: Int) throws -> (start: Int, end: Int) {
        guard let finder = engine.startFinder(for: slot) else { return (0, end) }
        if let startScratch {
            try startScratch.prepare(for: finder)
        } else {
            startScratch = try finder.makeScratch()
        }
        var ranges: [(start: Int, end: Int)] = []
        try finder.scan(UnsafeRawBufferPointer(rebasing: aligned[..<textCount]), scratch: startScratch!) { match in
            ranges.append((match.start, match.end))
            return .keepScanning
        }
        guard let start = ranges.filter({ $0.end == end }).map(\.start).min() else { return (0, end) }
        return (start, ranges.filter { $0.start == start }.map(\.end).max() ?? end)
    }

    private func scanAligned(_ text: [UInt8], _ onMatch: (PatternMatch) throws -> ScanDecision) throws {
        try text.withUnsafeBytes { try scanAligned($0, with: engine.decodedDatabase, scratch: decodedScratch, onMatch) }
    }

    /// Scans a copy of `text` in the 64-byte-aligned buffer (see the note at the top of this file).
    private func scanAligned(
        _ text: UnsafeRawBufferPointer,
        with database: PatternDatabase,
        scratch: PatternScratch,
        _ onMatch: (PatternMatch) throws -> ScanDecision
    ) throws {
        if text.count > aligned.count {
            aligned.deallocate()
            aligned = .allocate(byteCount: max(text.count, aligned.count * 2), alignment: 64)
        }
        aligned.copyMemory(from: text)
        try database.scan(UnsafeRawBufferPointer(rebasing: aligned[..<text.count]), scratch: scratch, onMatch: onMatch)
    }
}
