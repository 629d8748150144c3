// Scanning with a PatternDatabase: a raw buffer in, one closure call per match out, no allocation per match.
//
// Block mode scans one buffer; stream mode (`PatternStream`) carries state across pieces so a match may span
// them, and offsets count from the start of the stream. Scan whole chunks rather than single short lines (see the
// note on vectorscan 5.4.9 at the top of PatternDatabase.swift).
import CVectorscan

/// One match: the pattern's id and the byte range it matched.
public struct PatternMatch: Sendable, Hashable {
    public var id: UInt32
    /// Where the match starts; 0 unless the pattern has `.startOfMatchLeftmost`.
    public var start: Int
    /// The offset just past the match's last byte.
    public var end: Int

    public init(id: UInt32, start: Int, end: Int) {
        self.id = id
        self.start = start
        self.end = end
    }
}

/// What the match handler wants next.
public enum ScanDecision: Sendable, Hashable {
    case keepScanning
    case stop
}

/// How a scan ended.
public enum ScanOutcome: Sendable, Hashable {
    /// The whole buffer was scanned.
    case completed
    /// The match handler asked to stop.
    case stopped
}

/// The handler and its failure, passed to vectorscan's C callback through its `void *context`.
private struct MatchContext {
    let onMatch: (PatternMatch) throws -> ScanDecision
    var failure: (any Error)?
}

/// Runs `scan` with a C callback that forwards each match to `onMatch`; a throwing handler stops the scan and its
/// error is rethrown. The handler does not escape: `withoutActuallyEscaping` lets it ride in a stack context.
private func withMatchHandler(
    _ call: String,
    _ onMatch: (PatternMatch) throws -> ScanDecision,
    _ scan: (match_event_handler, UnsafeMutableRawPointer) -> hs_error_t
) throws -> ScanOutcome {
    try withoutActuallyEscaping(onMatch) { handler in
        var context = MatchContext(onMatch: handler)
        let status = withUnsafeMutablePointer(to: &context) { pointer in
            scan(
                { id, from, to, _, context in
                    let context = context!.assumingMemoryBound(to: MatchContext.self)
                    let match = PatternMatch(id: id, start: Int(truncatingIfNeeded: from), end: Int(to))
                    do {
                        return try context.pointee.onMatch(match) == .stop ? 1 : 0
                    } catch {
                        context.pointee.failure = error
                        return 1
                    }
                },
                UnsafeMutableRawPointer(pointer)
            )
        }
        if let failure = context.failure { throw failure }
        switch status {
        case HS_SUCCESS: return .completed
        case HS_SCAN_TERMINATED: return .stopped
        default: throw PatternDatabaseError.library(call: call, code: status)
        }
    }
}

/// Calls `body` with a non-NULL pointer to `bytes` (vectorscan refuses NULL data even for zero bytes) and its length.
private func withScanBuffer<Result>(
    _ bytes: UnsafeRawBufferPointer,
    _ body: (UnsafePointer<CChar>, UInt32) throws -> Result
) throws -> Result {
    guard let length = UInt32(exactly: bytes.count) else {
        throw PatternDatabaseError.bufferTooLarge(byteCount: bytes.count)
    }
    guard let base = bytes.baseAddress else {
        var empty: CChar = 0
        return try body(&empty, 0)
    }
    return try body(base.assumingMemoryBound(to: CChar.self), length)
}

extension PatternDatabase {
    /// Scans `bytes` (block mode), calling `onMatch` for every match in the order vectorscan reports them (by end
    /// offset). Throws `PatternDatabaseError`, or what `onMatch` throws (which stops the scan).
    @discardableResult
    public func scan(
        _ bytes: UnsafeRawBufferPointer,
        scratch: PatternScratch,
        onMatch: (PatternMatch) throws -> ScanDecision
    ) throws -> ScanOutcome {
        try withScanBuffer(bytes) { data, length in
            try withMatchHandler("hs_scan", onMatch) { callback, context in
                hs_scan(database, data, length, 0, scratch.scratch, callback, context)
            }
        }
    }

    /// Scans `bytes` (block mode); see `scan(_:scratch:onMatch:)` for a raw buffer.
    @discardableResult
    public func scan(
        _ bytes: [UInt8],
        scratch: PatternScratch,
        onMatch: (PatternMatch) throws -> ScanDecision
    ) throws -> ScanOutcome {
        try bytes.withUnsafeBytes { try scan($0, scratch: scratch, onMatch: onMatch) }
    }
}

/// One open stream over a stream-mode database (one hs_stream_t): pieces scanned in order, matches may span pieces.
public final class PatternStream {
    public let database: PatternDatabase
    private var stream: OpaquePointer?

    public init(database: PatternDatabase) throws(PatternDatabaseError) {
        var opened: OpaquePointer?
        let status = hs_open_stream(database.database, 0, &opened)
        guard status == HS_SUCCESS, let opened else { throw .library(call: "hs_open_stream", code: status) }
        self.database = database
        stream = opened
    }

    deinit {
        // Closing with no handler discards matches anchored at the end; hs_close_stream then needs no scratch.
        if let stream { hs_close_stream(stream, nil, nil, nil) }
    }

    /// Scans the next piece; offsets in matches count from the start of the stream.
    @discardableResult
    public func scan(
        _ bytes: UnsafeRawBufferPointer,
        scratch: PatternScratch,
        onMatch: (PatternMatch) throws -> ScanDecision
    ) throws -> ScanOutcome {
        guard let stream else { throw PatternDatabaseError.library(call: "hs_scan_stream", code: HS_INVALID) }
        return try withScanBuffer(bytes) { data, length in
            try withMatchHandler("hs_scan_stream", onMatch) { callback, context in
                hs_scan_stream(stream, data, length, 0, scratch.scratch, callback, context)
            }
        }
    }

    /// Scans the next piece; see `scan(_:scratch:onMatch:)` for a raw buffer.
    @discardableResult
    public func scan(
        _ bytes: [UInt8],
        scratch: PatternScratch,
        onMatch: (PatternMatch) throws -> ScanDecision
    ) throws -> ScanOutcome {
        try bytes.withUnsafeBytes { try scan($0, scratch: scratch, onMatch: onMatch) }
    }

    /// Ends the stream, reporting matches that need the end of data (such as `$`); the stream cannot be used after.
    @discardableResult
    public func close(scratch: PatternScratch, onMatch: (PatternMatch) throws -> ScanDecision) throws -> ScanOutcome {
        guard let stream else { return .completed }
        self.stream = nil  // hs_close_stream frees the stream whatever it returns
        return try withMatchHandler("hs_close_stream", onMatch) { callback, context in
            hs_close_stream(stream, scratch.scratch, callback, context)
        }
    }
}
