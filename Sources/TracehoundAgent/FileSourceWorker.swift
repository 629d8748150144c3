// One file source on its own thread: the FileSource's chunks go through each stream's StreamScanner (split, raw
// scan, decode what may hit, match, segment, redact) and the segments and checkpoints go to the batch thread.
// Chunks are scanned in place in the source's read buffer; nothing is copied per line.
import Foundation
import TracehoundCLI
import TracehoundConfig
import TracehoundCore
import TracehoundFilter
import TracehoundPosix
import TracehoundSources

final class FileSourceWorker: @unchecked Sendable {
    let config: FileSourceConfig
    let source: FileSource
    private let detection: Detection
    private let host: String
    private let handoff: Handoff
    private let counters: AgentCounters
    private let idleClose: Duration
    private var streams: [FileStreamID: Stream] = [:]

    struct Stream {
        var scanner: StreamScanner
        var lastData: Date
        var lastCheckpoint: Int64
    }

    init(
        config: FileSourceConfig,
        checkpoints: [StreamCheckpoint],
        detection: Detection,
        host: String,
        handoff: Handoff,
        counters: AgentCounters,
        idleClose: Duration,
        events: FileSourceLogEvents
    ) throws {
        self.config = config
        self.detection = detection
        self.host = host
        self.handoff = handoff
        self.counters = counters
        self.idleClose = idleClose
        source = try FileSource(config: config, checkpoints: checkpoints, events: events)
    }

    /// Reads until `stop()` (or, with `once`, until a poll finds nothing new to read), then closes every open
    /// segment and hands over the final checkpoints.
    func run(once: Bool = false) throws {
        let matcher = try RuleMatcher(engine: detection.engine)
        let redactor = try Redactor(set: detection.redactions)
        let pollTimeout = Duration.milliseconds(min(1000, max(50, Int(idleClose.seconds * 500))))
        while !source.control.isStopped {
            var readSomething = false
            try source.poll(timeout: pollTimeout) { output in
                if case .chunk = output { readSomething = true }
                try handle(output, matcher: matcher, redactor: redactor)
            }
            try closeIdleSegments()
            if once && !readSomething { break }
        }
        for (id, stream) in streams {
            handOver(id, try stream.scanner.closeIdle(), force: true)
        }
        streams.removeAll()
    }

    func stop() { source.control.stop() }

    private func handle(_ output: FileSourceOutput, matcher: RuleMatcher, redactor: Redactor) throws {
        switch output {
        case .started(let info):
            let scanner = StreamScanner(
                matcher: matcher,
                redactor: redactor,
                decoder: config.format.makeDecoder(path: info.path),
                settings: detection.settings,
                builder: SegmentBuilder(
                    host: host,
                    stream: StreamIdentity(
                        source: config.name,
                        format: (config.format == .auto ? TranscriptFormat.conventional(forPath: info.path) : nil)?
                            .rawValue ?? config.format.rawValue,
                        path: info.path,
                        fingerprint: info.key
                    )
                ),
                maxLineBytes: config.maxLineBytes,
                startOffset: info.startOffset
            )
            if info.startOffset > 0 { Self.primeDecoder(scanner, path: info.path) }
            streams[info.id] = Stream(scanner: scanner, lastData: Date(), lastCheckpoint: info.startOffset)
            counters.streamsStarted.add(1, ordering: .relaxed)
        case .chunk(let chunk):
            guard var stream = streams[chunk.stream] else { return }
            let before = stream.scanner.counts
            let segments = try stream.scanner.feed(chunk.bytes, at: chunk.offset)
            count(before, stream.scanner.counts)
            stream.lastData = Date()
            streams[chunk.stream] = stream
            handOver(chunk.stream, segments)
        case .renamed:
            break
        case .flushPartialLine(let id):
            guard let stream = streams[id] else { return }
            handOver(id, try stream.scanner.flushPartialLine())
        case .ended(let id, let end):
            guard let stream = streams[id] else { return }
            handOver(id, try stream.scanner.finish(), force: true)
            switch end {
            case .deleted, .truncated, .vanished:
                handoff.put(.forget(stream.scanner.builder.stream.fingerprint))
            case .rotated, .unreadable:
                break
            }
            streams[id] = nil
            counters.streamsEnded.add(1, ordering: .relaxed)
        }
    }

    /// Hands new segments to the batch thread with the stream's durable position, when either is new.
    private func handOver(_ id: FileStreamID, _ segments: [Segment], force: Bool = false) {
        guard var stream = streams[id] else { return }
        let offset = stream.scanner.durableOffset
        var checkpoint: StreamCheckpoint?
        if force || offset != stream.lastCheckpoint || !segments.isEmpty {
            checkpoint = source.checkpoint(for: id, offset: offset)
        }
        guard checkpoint != nil || !segments.isEmpty else { return }
        handoff.put(.output(segments, checkpoint))
        if checkpoint != nil { stream.lastCheckpoint = offset }
        streams[id] = stream
    }

    /// Closes segments of streams quiet for `segments.idle_close`, so a hit is not held back waiting for context.
    private func closeIdleSegments() throws {
        let now = Date()
        for (id, stream) in streams where stream.scanner.segmenter.isOpen {
            guard now.timeIntervalSince(stream.lastData) >= idleClose.seconds else { continue }
            handOver(id, try stream.scanner.closeIdle())
        }
    }

    private func count(_ before: ScanCounts, _ after: ScanCounts) {
        counters.bytesRead.add(after.bytes - before.bytes, ordering: .relaxed)
        counters.linesRead.add(after.lines - before.lines, ordering: .relaxed)
        counters.truncatedLines.add(after.truncatedLines - before.truncatedLines, ordering: .relaxed)
        let hits = after.hitsPerRule.values.reduce(0, +) - before.hitsPerRule.values.reduce(0, +)
        if hits > 0 { counters.hits.add(hits, ordering: .relaxed) }
        var perRule: [String: Int] = [:]
        if hits > 0 {
            for (rule, count) in after.hitsPerRule where count != before.hitsPerRule[rule] {
                perRule[detection.engine.rules[rule].id, default: 0] += count - (before.hitsPerRule[rule] ?? 0)
            }
        }
        counters.countHits(perRule, records: after.lines - before.lines, bytes: after.bytes - before.bytes)
    }

    /// A stream resumed mid-file: its decoder sees the file's first line (a Codex session_meta) before the rest.
    private static func primeDecoder(_ scanner: StreamScanner, path: String) {
        guard let file = try? FileDescriptor.open(path) else { return }
        defer { try? file.close() }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        guard let count = try? buffer.withUnsafeMutableBytes({ try file.read(into: $0, at: 0) }), count > 0 else {
            return
        }
        let end = buffer[..<count].firstIndex(of: 0x0A) ?? count
        buffer.withUnsafeBytes { scanner.prime(with: UnsafeRawBufferPointer(rebasing: $0[..<end])) }
    }
}
