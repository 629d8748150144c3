// Shared pieces of the file source tests (no tests here): a recorder that keeps what a FileSource reports, per
// stream, checking chunk order as it goes; a way to pump a source until a condition holds; and the real logrotate.
import Foundation
import TracehoundConfig
import TracehoundCore
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

/// Everything one stream reported.
struct RecordedStream {
    var info: FileStreamInfo
    var path: String
    var bytes: [UInt8] = []
    var nextOffset: Int64
    /// Offsets skipped (NUL runs): (from, to).
    var gaps: [(Int64, Int64)] = []
    var ended: FileStreamEnd?
    var partialFlushes = 0

    var text: String { String(decoding: bytes, as: UTF8.self) }
    var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// Keeps outputs and internal events; fails the test on chunks out of order.
final class TailRecorder: FileSourceInternalEvents {
    var streams: [FileStreamID: RecordedStream] = [:]
    /// Every output in order, as short text ("started 3", "chunk 3", "ended 3 rotated", ...).
    var log: [String] = []
    var events: [String] = []
    var discarded: [String] = []
    var skippedNul: Int64 = 0

    func record(_ output: FileSourceOutput) {
        switch output {
        case .started(let info):
            XCTAssertNil(streams[info.id], "\(info.id) started twice")
            streams[info.id] = RecordedStream(info: info, path: info.path, nextOffset: info.startOffset)
            log.append("started \(info.id.rawValue)")
        case .chunk(let chunk):
            guard var stream = streams[chunk.stream] else { return XCTFail("chunk for unknown \(chunk.stream)") }
            XCTAssertNil(stream.ended, "chunk after the end of \(chunk.stream)")
            XCTAssertGreaterThanOrEqual(chunk.offset, stream.nextOffset, "chunks of \(chunk.stream) out of order")
            if chunk.offset > stream.nextOffset { stream.gaps.append((stream.nextOffset, chunk.offset)) }
            stream.bytes.append(contentsOf: chunk.bytes)
            stream.nextOffset = chunk.endOffset
            streams[chunk.stream] = stream
            log.append("chunk \(chunk.stream.rawValue)")
        case .renamed(let id, let path):
            streams[id]?.path = path
            log.append("renamed \(id.rawValue)")
        case .flushPartialLine(let id):
            streams[id]?.partialFlushes += 1
            log.append("flush \(id.rawValue)")
        case .ended(let id, let reason):
            XCTAssertNotNil(streams[id], "end of unknown \(id)")
            XCTAssertNil(streams[id]?.ended, "\(id) ended twice")
            streams[id]?.ended = reason
            log.append("ended \(id.rawValue) \(reason)")
        }
    }

    /// The streams whose current path is `path`, oldest first.
    func streams(at path: String) -> [RecordedStream] {
        streams.values.filter { $0.path == path }.sorted { $0.info.id.rawValue < $1.info.id.rawValue }
    }

    /// The only stream still open at `path`.
    func live(_ path: String) -> RecordedStream? {
        streams(at: path).last { $0.ended == nil }
    }

    /// Every line of every stream.
    var allLines: [String] { streams.values.sorted { $0.info.id.rawValue < $1.info.id.rawValue }.flatMap(\.lines) }

    func fileAdded(path: String, key: String, offset: Int64) { events.append("added \(path)") }
    func fileResumed(path: String, key: String, offset: Int64) { events.append("resumed \(path) \(offset)") }
    func checkpointDiscarded(path: String, key: String, offset: Int64, reason: String) {
        discarded.append("\(path): \(reason)")
    }
    func fileRotated(path: String, key: String, unreadBytes: Int64) { events.append("rotated \(path)") }
    func fileTruncated(path: String, key: String, previousOffset: Int64) { events.append("truncated \(path)") }
    func fileDeleted(path: String, key: String, unreadBytes: Int64) { events.append("deleted \(path) \(unreadBytes)") }
    func tooManyFiles(tracked: Int, limit: Int) { events.append("too many files") }
    func nulRunSkipped(path: String, offset: Int64, bytes: Int64) { skippedNul += bytes }
    func rescanFound(path: String) { events.append("rescan found \(path)") }
    func eventQueueOverflowed() { events.append("overflow") }
    func fileUnreadable(path: String, reason: Errno) { events.append("unreadable \(path) \(reason)") }
}

/// A file source with its recorder, pumped from the test's thread.
final class TailHarness {
    let source: FileSource
    let recorder: TailRecorder

    init(_ config: FileSourceConfig, checkpoints: [StreamCheckpoint] = []) throws {
        recorder = TailRecorder()
        source = try FileSource(config: config, checkpoints: checkpoints, events: recorder)
    }

    /// One short poll.
    func pump() throws {
        try source.poll(timeout: .milliseconds(20)) { recorder.record($0) }
    }

    /// Polls until `condition` holds (or fails the wait after `timeout` seconds).
    func wait(_ what: String, timeout: Double = 20, _ condition: (TailRecorder) throws -> Bool) throws {
        try waitUntil(what, timeout: timeout) {
            try pump()
            return try condition(recorder)
        }
    }

    /// The checkpoint at the end of what was read of the live stream at `path`.
    func checkpointAtEnd(of path: String) throws -> StreamCheckpoint {
        let stream = try XCTUnwrap(recorder.live(path), "no live stream at \(path)")
        return try XCTUnwrap(source.checkpoint(for: stream.info.id, offset: stream.nextOffset))
    }
}

/// Runs a source until `path` has `lines` lines and returns the checkpoint at their end. The source is gone when
/// this returns, as after the daemon stopped: its descriptors are closed.
func checkpointAfterReading(_ config: FileSourceConfig, _ path: String, lines: Int) throws -> StreamCheckpoint {
    let harness = try TailHarness(config)
    try harness.wait("\(lines) lines of \(path)") { $0.live(path)?.lines.count == lines }
    return try harness.checkpointAtEnd(of: path)
}

/// A file source config for tests: short timers, everything else as shipped.
func tailConfig(
    _ include: [String],
    exclude: [String] = [],
    startAt: StartPosition = .beginning,
    maxOpenFiles: Int = 256,
    rotateWait: Duration = .milliseconds(100),
    partialFlush: Duration = .seconds(60)
) -> FileSourceConfig {
    var config = FileSourceConfig()
    config.name = "test"
    config.include = include
    config.exclude = exclude
    config.startAt = startAt
    config.maxOpenFiles = maxOpenFiles
    config.rescanInterval = .seconds(30)
    config.partialFlush = partialFlush
    config.rotateWait = rotateWait
    return config
}

/// Appends `text` to `path` (creating it) with O_APPEND, as loggers do.
func append(_ path: String, _ text: String) throws {
    let file = try FileDescriptor.open(path, [.writeOnly, .create, .append], mode: 0o644)
    defer { try? file.close() }
    try file.writeAll(Array(text.utf8))
}

/// Replaces the contents of `path` in place (O_TRUNC: same inode).
func rewrite(_ path: String, _ text: String) throws {
    let file = try FileDescriptor.open(path, [.writeOnly, .truncate])
    defer { try? file.close() }
    try file.writeAll(Array(text.utf8))
}

/// `count` numbered lines `prefix-0` ... each with a newline.
func numberedLines(_ prefix: String, _ range: Range<Int>) -> String {
    range.map { "\(prefix)-\($0)\n" }.joined()
}

/// Rotates `path` with the real logrotate, forced, in `mode` (`create` or `copytruncate`).
func logrotate(_ path: String, mode: String, in directory: TemporaryDirectory) throws {
    let config = try directory.write(
        "logrotate.conf",
        "\(path) {\n    \(mode)\n    rotate 10\n    missingok\n    nocompress\n}\n"
    )
    try runCommand(["logrotate", "-f", "-s", directory.file("logrotate.state"), config], check: true)
}
