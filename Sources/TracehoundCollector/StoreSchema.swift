// The one schema both stores keep, in each dialect, and its version.
//
//   segments        cursor (only grows, never reused) · id (unique) · the indexed columns of the line · batch_id ·
//                   received_at · line (the bytes exactly as received)
//   segment_rules   one row per (segment, rule): what --rule and --category filter on
//   batches         one row per batch id ever received: replay detection
//   hosts           per host: last batch, last heartbeat, version, segments stored, records and bytes scanned
//   host_rule_hits  per host and rule: the sum of the host's counters lines
//
// The version lives in the database (SQLite's user_version, PostgreSQL's tracehound_schema table); a collector
// refuses a database whose version is newer than its own rather than write rows it does not understand.
// received_at is microseconds since the Unix epoch in SQLite and a timestamptz in PostgreSQL.
import Foundation

enum StoreSchema {
    /// The version this collector writes.
    static let version = 1

    static let sqlite = [
        """
        CREATE TABLE IF NOT EXISTS segments (
            cursor INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            host TEXT NOT NULL,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            stream_path TEXT,
            session TEXT,
            score INTEGER NOT NULL,
            max_severity TEXT,
            sampled INTEGER NOT NULL,
            first_record_time TEXT,
            batch_id TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            line BLOB NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS segments_by_host ON segments (host, cursor)",
        "CREATE INDEX IF NOT EXISTS segments_by_received_at ON segments (received_at)",
        """
        CREATE TABLE IF NOT EXISTS segment_rules (
            cursor INTEGER NOT NULL REFERENCES segments (cursor),
            rule TEXT NOT NULL,
            category TEXT NOT NULL,
            severity TEXT NOT NULL,
            PRIMARY KEY (cursor, rule)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS segment_rules_by_rule ON segment_rules (rule, cursor)",
        "CREATE INDEX IF NOT EXISTS segment_rules_by_category ON segment_rules (category, cursor)",
        """
        CREATE TABLE IF NOT EXISTS batches (
            id TEXT PRIMARY KEY,
            received_at INTEGER NOT NULL,
            stored INTEGER NOT NULL,
            duplicates INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS hosts (
            host TEXT PRIMARY KEY,
            last_batch_at INTEGER,
            last_heartbeat_at INTEGER,
            version TEXT,
            segments INTEGER NOT NULL DEFAULT 0,
            records_scanned INTEGER NOT NULL DEFAULT 0,
            bytes_scanned INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS host_rule_hits (
            host TEXT NOT NULL,
            rule TEXT NOT NULL,
            hits INTEGER NOT NULL,
            PRIMARY KEY (host, rule)
        ) WITHOUT ROWID
        """,
    ]

    /// The identity's sequence keeps PostgreSQL's default CACHE 1: a cached range per session would hand out
    /// cursors out of commit order even under the ingest lock.
    static let postgres = [
        """
        CREATE TABLE IF NOT EXISTS segments (
            cursor BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            host TEXT NOT NULL,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            stream_path TEXT,
            session TEXT,
            score INTEGER NOT NULL,
            max_severity TEXT,
            sampled BOOLEAN NOT NULL,
            first_record_time TEXT,
            batch_id TEXT NOT NULL,
            received_at TIMESTAMPTZ NOT NULL DEFAULT statement_timestamp(),
            line BYTEA NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS segments_by_host ON segments (host, cursor)",
        "CREATE INDEX IF NOT EXISTS segments_by_received_at ON segments (received_at)",
        """
        CREATE TABLE IF NOT EXISTS segment_rules (
            cursor BIGINT NOT NULL REFERENCES segments (cursor),
            rule TEXT NOT NULL,
            category TEXT NOT NULL,
            severity TEXT NOT NULL,
            PRIMARY KEY (cursor, rule)
        )
        """,
        "CREATE INDEX IF NOT EXISTS segment_rules_by_rule ON segment_rules (rule, cursor)",
        "CREATE INDEX IF NOT EXISTS segment_rules_by_category ON segment_rules (category, cursor)",
        """
        CREATE TABLE IF NOT EXISTS batches (
            id TEXT PRIMARY KEY,
            received_at TIMESTAMPTZ NOT NULL DEFAULT statement_timestamp(),
            stored INTEGER NOT NULL,
            duplicates INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS hosts (
            host TEXT PRIMARY KEY,
            last_batch_at TIMESTAMPTZ,
            last_heartbeat_at TIMESTAMPTZ,
            version TEXT,
            segments BIGINT NOT NULL DEFAULT 0,
            records_scanned BIGINT NOT NULL DEFAULT 0,
            bytes_scanned BIGINT NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS host_rule_hits (
            host TEXT NOT NULL,
            rule TEXT NOT NULL,
            hits BIGINT NOT NULL,
            PRIMARY KEY (host, rule)
        )
        """,
    ]

    /// The rules of a segment, one per rule id (the first hit's category and severity), in order of first hit.
    static func distinctRules(_ hits: [IngestHit]) -> [IngestHit] {
        var seen = Set<String>()
        return hits.filter { seen.insert($0.rule).inserted }
    }
}

/// How the two dialects differ where queries are built once for both.
enum StoreDialect {
    case sqlite
    case postgres

    /// The SQL placeholder of parameter `number` (from 1).
    func placeholder(_ number: Int) -> String {
        switch self {
        case .sqlite: "?\(number)"
        case .postgres: "$\(number)"
        }
    }

    /// An expression for a segment's received_at as integer microseconds since the Unix epoch.
    var receivedAtMicroseconds: String {
        switch self {
        case .sqlite: "s.received_at"
        case .postgres: "(extract(epoch FROM s.received_at) * 1000000)::bigint"
        }
    }

    /// A condition that received_at is at or after the instant in parameter `number` (microseconds, as text).
    func receivedSince(_ number: Int) -> String {
        switch self {
        case .sqlite: "s.received_at >= \(placeholder(number))"
        case .postgres: "s.received_at >= to_timestamp(\(placeholder(number))::double precision / 1000000)"
        }
    }
}

/// Microseconds since the Unix epoch, the unit received times travel in between Swift and both databases.
enum StoreClock {
    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }
}

/// What a batch changes, worked out once for both stores: segments without in-batch repeats, and the counters and
/// heartbeats folded per host (so each host's rows are written once per batch, in host order).
struct IngestPlan {
    struct HostCounters: Equatable {
        var records = 0
        var bytes = 0
        var hits: [String: Int] = [:]
    }

    /// The first segment of each id, in batch order.
    var segments: [IngestSegment] = []
    /// Segments whose id appeared earlier in the same batch: duplicates before the store is even asked.
    var repeatedInBatch = 0
    /// Every host a line names, sorted.
    var hosts: [String]
    var counters: [String: HostCounters] = [:]
    /// Per host, the version its last heartbeat in the batch reported.
    var heartbeats: [String: String] = [:]

    init(_ batch: IngestBatch) {
        var ids = Set<String>()
        for segment in batch.segments {
            if ids.insert(segment.id).inserted {
                segments.append(segment)
            } else {
                repeatedInBatch += 1
            }
        }
        hosts = batch.hosts
        for line in batch.counters {
            counters[line.host, default: HostCounters()].records += line.records
            counters[line.host, default: HostCounters()].bytes += line.bytes
            counters[line.host, default: HostCounters()].hits.merge(line.hits, uniquingKeysWith: +)
        }
        for heartbeat in batch.heartbeats { heartbeats[heartbeat.host] = heartbeat.version }
    }

    /// Segments stored per host, from the ids a store reports as newly stored.
    func storedPerHost(_ storedIDs: Set<String>) -> [String: Int] {
        var stored: [String: Int] = [:]
        for segment in segments where storedIDs.contains(segment.id) { stored[segment.host, default: 0] += 1 }
        return stored
    }
}
