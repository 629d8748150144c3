// The segmenter: grows hits into segments with context, per stream (DESIGN.md §2).
//
// Design. Lines arrive in stream order, each with its position and the rule hits found in it (most have none and
// were never decoded). While no segment is open, the last `context_before` lines wait in a ring of reused byte
// buffers, raw, so a quiet stream costs one copy per line and no decoding. A hit opens a segment: the ring's lines
// are decoded and become its leading context. Every following line joins it; a line with hits resets the count of
// quiet lines. Once `context_after` quiet lines have joined, the segment lingers while the next `context_before`
// lines wait in the ring: a hit among them has a window that overlaps the segment's, so the waiting lines and the
// hit join it (windows that share a record make one segment); otherwise it closes. It also closes when it reaches
// `max_records` or `max_bytes`, when the stream goes idle (`closeIdle`) or ends (`finish`).
// A closed segment is kept when its score (the sum of its hits' severity weights) reaches `min_score`; each record
// belongs to at most one segment. A deterministic share `baseline_rate` of quiet lines opens a *sampled* segment
// (no hits, marked so) to calibrate the central judge; the draw is a hash of stream and position, so a replay
// after a crash samples the same windows and produces the same segment ids.
public import TracehoundCore

/// The segmenter's limits, from the config's `segments`, `rules.min_score` and `sampling`.
public struct SegmentSettings: Sendable, Equatable {
    public var contextBefore = 8
    public var contextAfter = 4
    public var maxRecords = 200
    public var maxBytes = 1 << 20
    public var minScore = 10
    public var baselineRate = 0.0

    public init() {}
}

/// What happened to closed segments, for metrics and the test-rules summary.
public struct SegmenterCounts: Sendable, Equatable {
    public var segmentsKept = 0
    public var segmentsBelowScore = 0
    public var segmentsSampled = 0
    public var recordsForwarded = 0

    public init() {}
}

/// One stream's segmenter. Not thread-safe: one stream is handled by one thread.
public final class Segmenter {
    public let settings: SegmentSettings
    public let engine: RuleEngine
    public private(set) var counts = SegmenterCounts()
    private let sampleSeed: UInt64

    /// Quiet lines waiting to become context: reused buffers, oldest at `ringStart`.
    private var ring: [(position: Int64, bytes: [UInt8])] = []
    private var ringStart = 0
    private var ringCount = 0

    private var open: OpenSegment?
    /// A segment whose after-window is complete, kept while the ring fills with the next `contextBefore` lines.
    private var lingering: OpenSegment?

    struct OpenSegment {
        /// Where the segment's first record starts in the stream.
        var firstPosition: Int64
        var records: [SegmentRecord] = []
        var hits: [(record: Int, hit: Hit)] = []
        var bytes = 0
        var quietSinceLastHit = 0
        var sampled: Bool
    }

    /// A closed segment before it is finished (ids, redaction): what `SegmentBuilder` turns into a `Segment`.
    public struct ClosedSegment {
        public var records: [SegmentRecord]
        public var hits: [(record: Int, hit: Hit)]
        public var score: Int
        public var sampled: Bool
    }

    public init(engine: RuleEngine, settings: SegmentSettings, streamFingerprint: String) {
        self.engine = engine
        self.settings = settings
        var seed: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in streamFingerprint.utf8 { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01b3 }
        sampleSeed = seed
        ring = (0..<settings.contextBefore).map { _ in (0, []) }
    }

    /// Whether a segment is open or lingering (the caller must close it when the stream goes idle).
    public var isOpen: Bool { open != nil || lingering != nil }

    /// Whether the next line joins an open segment: the caller must then pass it decoded.
    public var wantsDecodedLines: Bool { open != nil }

    /// Where the open segment's first record starts, if one is open: a checkpoint must not pass it, or a crash
    /// would lose the segment (DESIGN.md §3.3).
    public var openSegmentStart: Int64? { (open ?? lingering)?.firstPosition }

    /// Adds the next line of the stream. `record` is the decoded line when the caller has it (it must when the
    /// line has hits or `wantsDecodedLines`); `decode` decodes ring lines when a segment opens or grows.
    /// Returns the segments this line closed.
    public func add(
        position: Int64,
        line: UnsafeRawBufferPointer,
        record: Record?,
        hits: [Hit],
        decode: (UnsafeRawBufferPointer) -> Record
    ) -> [ClosedSegment] {
        var closed: [ClosedSegment] = []
        if var segment = lingering {
            lingering = nil
            if hits.isEmpty {
                pushToRing(position: position, line: line)
                // With `contextBefore` quiet lines waiting, no later hit's window reaches back to the segment.
                if ringCount < settings.contextBefore {
                    lingering = segment
                } else if let kept = close(segment) {
                    closed.append(kept)
                }
                return closed
            }
            let waitingBytes = (0..<ringCount).reduce(0) { $0 + ring[(ringStart + $1) % ring.count].bytes.count }
            if segment.records.count + ringCount < settings.maxRecords
                && segment.bytes + waitingBytes < settings.maxBytes
            {
                // The hit's window overlaps the segment: the waiting lines join it, then the hit.
                takeRing(into: &segment, decode: decode)
                open = segment
            } else if let kept = close(segment) {
                closed.append(kept)
            }
        }
        if open == nil {
            let sample = hits.isEmpty && isSampled(position)
            guard !hits.isEmpty || sample else {
                pushToRing(position: position, line: line)
                return closed
            }
            let first = ringCount > 0 ? ring[ringStart].position : position
            var segment = OpenSegment(firstPosition: first, sampled: sample)
            takeRing(into: &segment, decode: decode)
            open = segment
        }
        var segment = open!
        let current = record ?? decode(line)
        let recordIndex = segment.records.count
        append(SegmentRecord(position: String(position), record: current), to: &segment)
        if hits.isEmpty {
            segment.quietSinceLastHit += 1
        } else {
            segment.quietSinceLastHit = 0
            segment.sampled = false
            segment.hits += hits.map { (recordIndex, $0) }
        }
        let full = segment.records.count >= settings.maxRecords || segment.bytes >= settings.maxBytes
        if full
            || segment.quietSinceLastHit >= settings.contextAfter
                && (!hits.isEmpty || recordIndex > 0 || settings.contextAfter == 0)
        {
            open = nil
            if !full && settings.contextBefore > 0 {
                lingering = segment
            } else if let kept = close(segment) {
                closed.append(kept)
            }
        } else {
            open = segment
        }
        return closed
    }

    /// Closes the open segment because the stream went idle or ended.
    public func finish() -> [ClosedSegment] {
        guard let segment = open ?? lingering else { return [] }
        open = nil
        lingering = nil
        return close(segment).map { [$0] } ?? []
    }

    /// Moves the lines waiting in the ring into `segment`, decoded, as its next records.
    private func takeRing(into segment: inout OpenSegment, decode: (UnsafeRawBufferPointer) -> Record) {
        for index in 0..<ringCount {
            let slot = ring[(ringStart + index) % ring.count]
            let context = slot.bytes.withUnsafeBytes { decode($0) }
            append(SegmentRecord(position: String(slot.position), record: context), to: &segment)
        }
        ringStart = 0
        ringCount = 0
    }

    private func append(_ record: SegmentRecord, to segment: inout OpenSegment) {
        segment.bytes += record.record.fields.reduce(0) { $0 + $1.text.count }
        segment.records.append(record)
    }

    private func close(_ segment: OpenSegment) -> ClosedSegment? {
        let score = segment.hits.reduce(0) { $0 + engine.weights[engine.rules[$1.hit.rule].severity] }
        if segment.sampled {
            counts.segmentsSampled += 1
        } else if score < settings.minScore {
            counts.segmentsBelowScore += 1
            return nil
        }
        counts.segmentsKept += 1
        counts.recordsForwarded += segment.records.count
        return ClosedSegment(records: segment.records, hits: segment.hits, score: score, sampled: segment.sampled)
    }

    private func pushToRing(position: Int64, line: UnsafeRawBufferPointer) {
        guard !ring.isEmpty else { return }
        let slot: Int
        if ringCount < ring.count {
            slot = (ringStart + ringCount) % ring.count
            ringCount += 1
        } else {
            slot = ringStart
            ringStart = (ringStart + 1) % ring.count
        }
        ring[slot].position = position
        ring[slot].bytes.removeAll(keepingCapacity: true)
        ring[slot].bytes.append(contentsOf: line)
    }

    /// The deterministic draw for baseline sampling: a hash of the stream and the position against the rate.
    private func isSampled(_ position: Int64) -> Bool {
        guard settings.baselineRate > 0 else { return false }
        var value = sampleSeed ^ UInt64(bitPattern: position)
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        value ^= value >> 31
        return Double(value >> 11) / Double(1 << 53) < settings.baselineRate
    }
}
