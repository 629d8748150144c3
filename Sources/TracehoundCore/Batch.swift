// Batches (DESIGN.md §2, §4): segments as NDJSON, plus a line of per-rule counters and a heartbeat, compressed as
// one LZ4 frame with content checksum and content size. A batch is what the spool stores and the forwarder
// posts; its id travels in `Tracehound-Batch-Id` and stays the same on every retry.
//
// Lines other than segments carry a `type` (`counters`, `heartbeat`); segments have none, so a reader that
// knows only segments can skip typed lines.
public import Foundation

/// A closed batch: its id, the compressed frame, and what is in it.
public struct EncodedBatch: Sendable, Equatable {
    public var id: String
    /// One LZ4 frame of NDJSON.
    public var frame: [UInt8]
    public var segmentCount: Int
    /// Bytes of NDJSON before compression.
    public var decodedBytes: Int
}

/// Accumulates segments and closes a batch when it reaches `maxBytes` of NDJSON (checked by the caller with
/// `isFull`) or when the caller's `max_wait` passes.
public struct BatchBuilder: Sendable {
    public let host: String
    public let maxBytes: Int
    private var ndjson: [UInt8] = []
    public private(set) var segmentCount = 0
    private var sequence: UInt64 = 0
    /// Distinguishes this process's batch ids from those of earlier runs on the host.
    private let runID: String

    public init(host: String, maxBytes: Int, startedAt: Date = Date()) {
        self.host = host
        self.maxBytes = maxBytes
        runID = String(UInt64(startedAt.timeIntervalSince1970 * 1_000_000), radix: 36)
    }

    public var isEmpty: Bool { ndjson.isEmpty }
    public var byteCount: Int { ndjson.count }
    /// Whether the NDJSON has reached `maxBytes`: close the batch now.
    public var isFull: Bool { ndjson.count >= maxBytes }

    public mutating func add(_ segment: Segment) {
        segment.appendJSONLine(to: &ndjson)
        segmentCount += 1
    }

    /// Adds the per-rule hit counters seen since the last batch (`{"type":"counters",...}`).
    public mutating func addCounters(_ hitsPerRule: [String: Int], records: Int, bytes: Int, time: Date = Date()) {
        var writer = JSONWriter(out: ndjson)
        writer.raw("{\"v\":1,\"type\":\"counters\",\"host\":")
        writer.string(host)
        writer.raw(",\"time\":")
        writer.string(Timestamp.rfc3339(time))
        writer.raw(",\"records\":\(records),\"bytes\":\(bytes),\"hits\":{")
        for (index, (rule, count)) in hitsPerRule.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(rule)
            writer.raw(":\(count)")
        }
        writer.raw("}}\n")
        ndjson = writer.out
    }

    /// Adds a heartbeat (`{"type":"heartbeat",...}`): the centre tells a quiet host from a dead one.
    public mutating func addHeartbeat(version: String, time: Date = Date()) {
        var writer = JSONWriter(out: ndjson)
        writer.raw("{\"v\":1,\"type\":\"heartbeat\",\"host\":")
        writer.string(host)
        writer.raw(",\"time\":")
        writer.string(Timestamp.rfc3339(time))
        writer.raw(",\"version\":")
        writer.string(version)
        writer.raw("}\n")
        ndjson = writer.out
    }

    /// Compresses what was added into one frame and starts a new batch.
    public mutating func finish() throws(LZ4FrameError) -> EncodedBatch {
        sequence += 1
        let id = "\(host)-\(runID)-\(sequence)"
        let frame = try LZ4Frame.compress(ndjson)
        let batch = EncodedBatch(id: id, frame: frame, segmentCount: segmentCount, decodedBytes: ndjson.count)
        ndjson.removeAll(keepingCapacity: true)
        segmentCount = 0
        return batch
    }
}

/// UTC timestamps as RFC 3339 with milliseconds (`2026-11-24T10:01:02.345Z`), the one form logs and batches use.
public enum Timestamp {
    public static func rfc3339(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            Int(milliseconds % 1000)
        )
    }
}

/// Reading a batch back: the frame decompressed within a limit, split into its NDJSON lines.
public enum BatchReader {
    /// The NDJSON lines of `frame` (without newlines), refusing more than `maxDecodedBytes` once decompressed.
    public static func lines(of frame: [UInt8], maxDecodedBytes: Int = 64 << 20) throws -> [ArraySlice<UInt8>] {
        let decompressor = try LZ4FrameDecompressor(maxDecodedBytes: maxDecodedBytes)
        let ndjson = try decompressor.decompress(frame)
        return ndjson.split(separator: 0x0A, omittingEmptySubsequences: true)
    }
}
