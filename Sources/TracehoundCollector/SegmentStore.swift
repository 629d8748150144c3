// The collector's segment stores: what a batch becomes once it is verified, and what the feed, the stats and the
// query command read back. Two stores keep one schema (StoreSchema.swift) behind one protocol:
//
// - SQLite (SQLiteSegmentStore.swift), the embedded default: one file, WAL, synchronous=FULL. One writer
//   connection; concurrent `ingest` calls are group-committed (SQLiteGroupCommit.swift): the first caller to find
//   no commit running leads, takes every batch queued so far into one transaction (a savepoint each, so one bad
//   batch fails alone), commits, wakes the others and hands the lead to the next waiter. Reads use their own
//   connections, which WAL lets run beside the writer.
// - PostgreSQL (PostgresSegmentStore.swift), shared by many collectors: a small pool of libpq connections, the
//   schema created under an advisory lock, multi-row INSERT … ON CONFLICT (id) DO NOTHING. Ingest transactions
//   take one transaction-scoped advisory lock before they allocate cursors, so cursor order is commit order and a
//   feed reader never skips a row (the file explains why).
//
// Invariants both keep:
// - A segment id is stored at most once; a repeated id counts as a duplicate, never as an error.
// - The cursor is an integer that only grows, never reused; the feed returns rows in cursor order, and once a
//   reader has seen cursor N, every row with a smaller cursor that will ever exist is already visible.
// - The line is stored verbatim (bytes), so the feed hands the central pipeline exactly what the agent sent.
// - A batch id is remembered; a replayed batch stores nothing new and its counters and heartbeats are not counted
//   again, so per-rule totals do not double when an agent retries after a lost answer.
// - `ingest` returns only after COMMIT (durable under the store's own settings): the collector acks after it.
public import Foundation
public import TracehoundConfig

/// One hit of a segment, as much as the store indexes (rule and category filter queries).
public struct IngestHit: Sendable, Equatable {
    public var rule: String
    public var category: String
    public var severity: String

    public init(rule: String, category: String, severity: String) {
        self.rule = rule
        self.category = category
        self.severity = severity
    }
}

/// One segment of a verified batch: the columns the store indexes, and the line exactly as received.
public struct IngestSegment: Sendable, Equatable {
    public var id: String
    public var host: String
    public var source: String
    public var format: String
    public var streamPath: String?
    public var session: String?
    public var score: Int
    public var maxSeverity: String?
    public var sampled: Bool
    /// The first record's time, RFC 3339 as sent, or nil.
    public var firstRecordTime: String?
    public var hits: [IngestHit]
    /// The segment's NDJSON line exactly as received, without the newline.
    public var line: [UInt8]

    public init(
        id: String,
        host: String,
        source: String,
        format: String,
        streamPath: String? = nil,
        session: String? = nil,
        score: Int,
        maxSeverity: String? = nil,
        sampled: Bool = false,
        firstRecordTime: String? = nil,
        hits: [IngestHit] = [],
        line: [UInt8]
    ) {
        self.id = id
        self.host = host
        self.source = source
        self.format = format
        self.streamPath = streamPath
        self.session = session
        self.score = score
        self.maxSeverity = maxSeverity
        self.sampled = sampled
        self.firstRecordTime = firstRecordTime
        self.hits = hits
        self.line = line
    }
}

/// A `{"type":"counters"}` line: what a host scanned and hit since its previous counters line.
public struct IngestCounters: Sendable, Equatable {
    public var host: String
    public var time: String
    public var records: Int
    public var bytes: Int
    public var hits: [String: Int]

    public init(host: String, time: String, records: Int, bytes: Int, hits: [String: Int]) {
        self.host = host
        self.time = time
        self.records = records
        self.bytes = bytes
        self.hits = hits
    }
}

/// A `{"type":"heartbeat"}` line.
public struct IngestHeartbeat: Sendable, Equatable {
    public var host: String
    public var time: String
    public var version: String

    public init(host: String, time: String, version: String) {
        self.host = host
        self.time = time
        self.version = version
    }
}

/// A verified batch: its id (Tracehound-Batch-Id) and its parsed lines.
public struct IngestBatch: Sendable {
    public var batchID: String
    public var segments: [IngestSegment]
    public var counters: [IngestCounters]
    public var heartbeats: [IngestHeartbeat]

    public init(
        batchID: String,
        segments: [IngestSegment],
        counters: [IngestCounters] = [],
        heartbeats: [IngestHeartbeat] = []
    ) {
        self.batchID = batchID
        self.segments = segments
        self.counters = counters
        self.heartbeats = heartbeats
    }

    /// Every host a line of the batch names, sorted (stats rows are updated in this order).
    var hosts: [String] {
        Set(segments.map(\.host) + counters.map(\.host) + heartbeats.map(\.host)).sorted()
    }
}

/// What `ingest` did with a batch.
public struct IngestResult: Sendable, Equatable {
    /// Segments stored by this call.
    public var stored: Int
    /// Segments whose id was already stored (or repeated within the batch).
    public var duplicates: Int
    /// The batch id was seen before: its counters and heartbeats were not counted again.
    public var replayedBatch: Bool

    public init(stored: Int, duplicates: Int, replayedBatch: Bool) {
        self.stored = stored
        self.duplicates = duplicates
        self.replayedBatch = replayedBatch
    }
}

/// A stored segment as the feed and queries return it.
public struct StoredSegment: Sendable, Equatable {
    public var cursor: Int64
    /// When the store received it (the collector's clock for SQLite, the database server's for PostgreSQL).
    public var receivedAt: Date
    /// The line exactly as the agent sent it, without the newline.
    public var line: [UInt8]

    public init(cursor: Int64, receivedAt: Date, line: [UInt8]) {
        self.cursor = cursor
        self.receivedAt = receivedAt
        self.line = line
    }
}

/// What the store knows about one host.
public struct HostStats: Sendable, Equatable {
    public var host: String
    /// When a batch naming this host was last received.
    public var lastBatchAt: Date?
    /// When a batch carrying this host's heartbeat was last received (the store's clock, not the agent's).
    public var lastHeartbeatAt: Date?
    /// The agent version its last heartbeat reported.
    public var version: String?
    /// Segments stored (duplicates excluded).
    public var segments: Int
    /// The sum of the host's counters lines, per rule id: every hit the agent saw, forwarded or not.
    public var hitsPerRule: [String: Int]
    /// The sum of the host's counters lines: records and bytes scanned.
    public var recordsScanned: Int
    public var bytesScanned: Int

    public init(
        host: String,
        lastBatchAt: Date? = nil,
        lastHeartbeatAt: Date? = nil,
        version: String? = nil,
        segments: Int = 0,
        hitsPerRule: [String: Int] = [:],
        recordsScanned: Int = 0,
        bytesScanned: Int = 0
    ) {
        self.host = host
        self.lastBatchAt = lastBatchAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.version = version
        self.segments = segments
        self.hitsPerRule = hitsPerRule
        self.recordsScanned = recordsScanned
        self.bytesScanned = bytesScanned
    }
}

/// Where segments are stored; see the design comment at the top of this file.
public protocol SegmentStore: AnyObject, Sendable {
    /// Stores the batch in one transaction and returns only after it is durably committed. Segment ids are
    /// unique: a segment already stored counts as a duplicate. A batch id seen before is `replayedBatch` and its
    /// counters/heartbeats are not counted again (so per-rule totals do not double on a replay).
    func ingest(_ batch: IngestBatch) throws -> IngestResult
    /// The feed: segments with cursor > `cursor`, in cursor order, at most `limit`.
    func feed(after cursor: Int64, limit: Int) throws -> [StoredSegment]
    /// One entry per host the store has seen, sorted by host.
    func stats() throws -> [HostStats]
    /// The most recent `query.limit` matching segments, returned in cursor order.
    func query(_ query: SegmentQuery) throws -> [StoredSegment]
    /// Releases the store's connections; later calls throw `SegmentStoreError.closed`.
    func close()
}

/// Failures of the stores themselves (the databases' own errors are `SQLiteError` and `PostgresError`).
public enum SegmentStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store was closed.
    case closed
    /// The database holds a schema this collector does not know (written by a newer collector).
    case unknownSchemaVersion(found: Int, supported: Int)
    /// The SQLite database file or its directory could not be created.
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .closed:
            return "the segment store is closed"
        case .unknownSchemaVersion(let found, let supported):
            return "the store's schema is version \(found), newer than this collector's \(supported): upgrade it"
        case .cannotCreate(let path, let reason):
            return "cannot create the store at \(path): \(reason)"
        }
    }
}

/// Opens the store a `StoreLocation` names.
public enum SegmentStores {
    /// Opens (creating the file or schema if missing) the store at `location`.
    public static func open(_ location: StoreLocation) throws -> any SegmentStore {
        try open(location, connections: 4)
    }

    /// Opens the store at `location` with at most `connections` database connections used at once: SQLite's read
    /// connections (besides its one writer), or PostgreSQL's whole pool. Callers beyond that wait for one.
    public static func open(_ location: StoreLocation, connections: Int) throws -> any SegmentStore {
        switch location {
        case .sqlite(let path): return try SQLiteSegmentStore(path: path, readerConnections: connections)
        case .postgresql(let url): return try PostgresSegmentStore(url: url, connections: connections)
        }
    }
}
