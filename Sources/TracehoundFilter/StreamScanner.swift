// One stream from bytes to segments: lines are split in chunks, the whole chunk is scanned raw once, and only
// lines that may hit (or that an open segment or a stateful decoder needs) are decoded and matched exactly.
// Bytes may arrive split anywhere; a partial last line waits for its newline (or `finish`). Lines longer than
// `maxLineBytes` are cut there, flagged `.truncated` and counted, and the rest of the line is skipped.
public import TracehoundCore

#if canImport(Glibc)
import Glibc
#endif

/// What a scanner has seen, for metrics and the test-rules summary.
public struct ScanCounts: Sendable, Equatable {
    public var lines = 0
    public var bytes = 0
    /// Lines the raw scan flagged (decoded and matched exactly).
    public var candidateLines = 0
    /// Lines decoded for any reason (candidates, context, decoder state).
    public var decodedLines = 0
    public var truncatedLines = 0
    public var malformedLines = 0
    /// Hits per rule index of the engine.
    public var hitsPerRule: [Int: Int] = [:]

    public init() {}
}

public final class StreamScanner {
    public let matcher: RuleMatcher
    public let redactor: Redactor
    public let segmenter: Segmenter
    public let builder: SegmentBuilder
    public let maxLineBytes: Int
    public private(set) var counts = ScanCounts()

    private var decoder: any RecordDecoder
    /// Bytes of the current partial line.
    private var pending: [UInt8] = []
    /// The stream offset of `pending[0]`.
    private var pendingOffset: Int64
    /// Inside a line longer than `maxLineBytes`: drop bytes until its newline.
    private var skippingLongLine = false
    var lineStartsStorage: [Int] = []
    var candidatesStorage: [Bool] = []

    var decoderWantsEveryLine: Bool { decoder.wantsEveryLine }
    func decodeLine(_ line: UnsafeRawBufferPointer) -> Record {
        counts.decodedLines += 1
        return decoder.decode(line)
    }
    func countMalformed() { counts.malformedLines += 1 }
    func countLines(_ count: Int) { counts.lines += count }
    func countTruncated() { counts.truncatedLines += 1 }
    func countCandidate(_ hits: [Hit]) {
        counts.candidateLines += 1
        for hit in hits { counts.hitsPerRule[hit.rule, default: 0] += 1 }
    }

    public init(
        matcher: RuleMatcher,
        redactor: Redactor,
        decoder: any RecordDecoder,
        settings: SegmentSettings,
        builder: SegmentBuilder,
        maxLineBytes: Int = 16 << 20,
        startOffset: Int64 = 0
    ) {
        self.matcher = matcher
        self.redactor = redactor
        self.decoder = decoder
        self.builder = builder
        self.maxLineBytes = maxLineBytes
        pendingOffset = startOffset
        segmenter = Segmenter(
            engine: matcher.engine,
            settings: settings,
            streamFingerprint: builder.stream.fingerprint
        )
    }

    /// The stream offset up to which every byte has been processed (the start of the partial line).
    public var processedOffset: Int64 { pendingOffset }

    /// The offset a checkpoint may record once the segments returned so far are durable: everything before it
    /// is either in those segments or quiet. An open segment holds it back to its first record, so a restart
    /// reads that segment's records again and produces it whole, with the same id.
    public var durableOffset: Int64 { min(segmenter.openSegmentStart ?? pendingOffset, pendingOffset) }

    /// Shows the decoder a line from before the resume offset (the file's first line) so it regains the state a
    /// stream's early lines carry (a Codex session id); the line is not matched or segmented.
    public func prime(with line: UnsafeRawBufferPointer) {
        _ = decoder.decode(line)
    }

    /// Feeds the next bytes of the stream; returns the segments they closed.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws -> [Segment] {
        var segments: [Segment] = []
        var rest = bytes
        counts.bytes += bytes.count
        while !rest.isEmpty {
            if skippingLongLine {
                guard let newline = Self.firstNewline(rest) else {
                    pendingOffset += Int64(rest.count)
                    return segments
                }
                skippingLongLine = false
                pendingOffset += Int64(newline + 1)
                rest = UnsafeRawBufferPointer(rebasing: rest[(newline + 1)...])
                continue
            }
            if !pending.isEmpty {
                // Complete the partial line first, on its own.
                guard let newline = Self.firstNewline(rest) else {
                    pending.append(contentsOf: rest)
                    if pending.count > maxLineBytes { segments += try cutLongLine() }
                    return segments
                }
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[...newline]))
                let line = pending
                pending.removeAll(keepingCapacity: true)
                segments += try line.withUnsafeBytes { try process(chunk: $0, at: pendingOffset) }
                pendingOffset += Int64(line.count)
                rest = UnsafeRawBufferPointer(rebasing: rest[(newline + 1)...])
                continue
            }
            guard let lastNewline = Self.lastNewline(rest) else {
                pending.append(contentsOf: rest)
                if pending.count > maxLineBytes { segments += try cutLongLine() }
                return segments
            }
            segments += try process(chunk: UnsafeRawBufferPointer(rebasing: rest[...lastNewline]), at: pendingOffset)
            pendingOffset += Int64(lastNewline + 1)
            rest = UnsafeRawBufferPointer(rebasing: rest[(lastNewline + 1)...])
        }
        return segments
    }

    /// Feeds bytes that start at stream offset `offset`. A source that skipped bytes (a NUL run a stale writer
    /// left after a truncation) moves the offset forward: a partial line before the gap ends there, and
    /// positions stay the file's.
    public func feed(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws -> [Segment] {
        var segments: [Segment] = []
        let expected = pendingOffset + Int64(pending.count)
        if offset != expected {
            segments += try flushPartialLine()
            skippingLongLine = false
            pendingOffset = offset
        }
        return segments + (try feed(bytes))
    }

    /// Passes the partial last line on as a line now (a writer that never ends its lines, `partial_flush`).
    public func flushPartialLine() throws -> [Segment] {
        guard !pending.isEmpty else { return [] }
        let line = pending
        pending.removeAll(keepingCapacity: true)
        let segments = try line.withUnsafeBytes { try process(chunk: $0, at: pendingOffset) }
        pendingOffset += Int64(line.count)
        return segments
    }

    /// Ends the stream: a partial last line counts as a line, and the open segment closes.
    public func finish() throws -> [Segment] {
        let segments = try flushPartialLine()
        return segments + (try closeIdle())
    }

    /// Closes the open segment because the stream went quiet (`segments.idle_close`).
    public func closeIdle() throws -> [Segment] {
        try segmenter.finish().map { try builder.build($0, engine: matcher.engine, redactor: redactor) }
    }

    /// The pending partial line outgrew `maxLineBytes` before its newline: its head is processed as a truncated
    /// line now, and the rest of the line is skipped as it arrives.
    private func cutLongLine() throws -> [Segment] {
        let line = pending
        pending.removeAll(keepingCapacity: true)
        let segments = try line.withUnsafeBytes { try process(chunk: $0, at: pendingOffset) }
        pendingOffset += Int64(line.count)
        skippingLongLine = true
        return segments
    }

    static func firstNewline(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        return memchr(base, 0x0A, bytes.count).map { UnsafeRawPointer($0) - base }
    }

    /// glibc's memrchr is a GNU extension Swift does not import; the tail after the last newline is short.
    static func lastNewline(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = bytes.count - 1
        while index >= 0 {
            if bytes[index] == 0x0A { return index }
            index -= 1
        }
        return nil
    }
}
