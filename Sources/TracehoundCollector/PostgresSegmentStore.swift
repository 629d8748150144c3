// The shared store: one PostgreSQL database that many collectors write and the central pipeline reads (see
// SegmentStore.swift for what every store promises).
//
// - Connections: a small pool (ConnectionPool.swift), one per concurrent caller, so a slow feed query does not hold
//   up an ingest. A connection left lost or inside a transaction by a failure is dropped; the next caller opens a
//   new one.
// - Schema: CREATE … IF NOT EXISTS inside one transaction holding `pg_advisory_xact_lock(schemaLock)`. Without the
//   lock, two collectors starting at once race even with IF NOT EXISTS (both see no table, one fails on a unique
//   violation in the catalog).
// - Ingest: one transaction per batch; multi-row INSERT … ON CONFLICT (id) DO NOTHING RETURNING cursor, id; the
//   rows of a batch go in chunks that keep under libpq's 65535 parameters.
// - Why the ingest lock: the cursor comes from a sequence, and sequence values are handed out when a row is
//   inserted, not when its transaction commits. Two concurrent transactions could take 7 and 8 and commit 8 first;
//   a feed reader that read 8 and moved its cursor there would never see 7. So every ingest transaction takes
//   `pg_advisory_xact_lock(ingestLock)` before it inserts. The lock is released only after the commit is visible
//   (PostgreSQL releases locks after it marks the transaction committed), so the next transaction takes its
//   cursors after every smaller cursor is either visible or rolled back: cursor order is commit order, across
//   every collector sharing the database. The price is that ingest transactions run one at a time; each is a
//   handful of round trips for a whole batch, and the lock is not held while a batch is parsed or decompressed.
// - The sequence keeps CACHE 1 (the default): cached ranges per session would break the argument above.
// - received_at and the hosts' times come from the database server's clock, the one clock all collectors share.
// - Errors are `PostgresError`s: SQLSTATE, message, detail, hint and the SQL.
import Foundation

final class PostgresSegmentStore: SegmentStore {
    /// Advisory lock keys (ASCII "thound" and a number): they share a key space with everything else in the database.
    static let schemaLock: Int64 = 0x7468_6f75_6e64_0001
    static let ingestLock: Int64 = 0x7468_6f75_6e64_0002
    /// Rows per multi-row INSERT: at 12 parameters a segment, well below the protocol limit of 65535 parameters.
    static let rowsPerInsert = 1000

    private let pool: ConnectionPool<PostgresConnection>

    /// Connects to `url` (libpq's conninfo or a postgresql:// URL), creating the schema if it is missing.
    /// `connections` bounds the connections this store holds at once.
    init(url: String, connections: Int = 4) throws {
        let first = try Self.connect(url)
        try Self.createSchema(first)
        pool = ConnectionPool(
            maximum: connections,
            open: { try Self.connect(url) },
            // After a lost connection, or a failed ROLLBACK that left a transaction open, start afresh.
            isReusable: { connection in connection.isConnected && connection.isIdle }
        )
        pool.add(first)
    }

    func ingest(_ batch: IngestBatch) throws -> IngestResult {
        let plan = IngestPlan(batch)
        return try pool.withConnection { connection in
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock($1::bigint)", ["\(Self.ingestLock)"])
                return try Self.write(batch, plan: plan, on: connection)
            }
        }
    }

    func feed(after cursor: Int64, limit: Int) throws -> [StoredSegment] {
        try select(.feed(after: cursor, limit: limit, dialect: .postgres))
    }

    func query(_ query: SegmentQuery) throws -> [StoredSegment] {
        try select(.query(query, dialect: .postgres))
    }

    func stats() throws -> [HostStats] {
        // One statement, one snapshot: each host with its rule counts.
        let result = try pool.withConnection { connection in
            try connection.execute(
                """
                SELECT h.host, (extract(epoch FROM h.last_batch_at) * 1000000)::bigint,
                    (extract(epoch FROM h.last_heartbeat_at) * 1000000)::bigint, h.version, h.segments,
                    h.records_scanned, h.bytes_scanned, r.rule, r.hits
                FROM hosts h LEFT JOIN host_rule_hits r ON r.host = h.host
                ORDER BY h.host, r.rule
                """
            )
        }
        var hosts: [HostStats] = []
        for row in 0..<result.rowCount {
            let host = result.value(row: row, column: 0) ?? ""
            if hosts.last?.host != host {
                hosts.append(
                    HostStats(
                        host: host,
                        lastBatchAt: result.int64(row: row, column: 1).map { StoreClock.date(microseconds: $0) },
                        lastHeartbeatAt: result.int64(row: row, column: 2).map { StoreClock.date(microseconds: $0) },
                        version: result.value(row: row, column: 3),
                        segments: Int(result.int64(row: row, column: 4) ?? 0),
                        recordsScanned: Int(result.int64(row: row, column: 5) ?? 0),
                        bytesScanned: Int(result.int64(row: row, column: 6) ?? 0)
                    )
                )
            }
            if let rule = result.value(row: row, column: 7) {
                hosts[hosts.count - 1].hitsPerRule[rule] = Int(result.int64(row: row, column: 8) ?? 0)
            }
        }
        return hosts
    }

    func close() {
        pool.close()
    }

    private func select(_ select: SegmentSelect) throws -> [StoredSegment] {
        let result = try pool.withConnection { connection in
            try connection.execute(select.sql, select.parameters.map(\.postgresText))
        }
        var segments: [StoredSegment] = []
        segments.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            guard let cursor = result.int64(row: row, column: 0), let received = result.int64(row: row, column: 1),
                let line = result.bytes(row: row, column: 2)
            else {
                throw PostgresError(kind: .statement, message: "unexpected row \(row) in the answer", sql: select.sql)
            }
            segments.append(
                StoredSegment(cursor: cursor, receivedAt: StoreClock.date(microseconds: received), line: line)
            )
        }
        return select.newestFirst ? segments.reversed() : segments
    }

    /// The writes of one batch, inside the ingest transaction after the ingest lock.
    private static func write(_ batch: IngestBatch, plan: IngestPlan, on connection: PostgresConnection) throws
        -> IngestResult
    {
        var cursors: [String: Int64] = [:]
        for rows in plan.segments.chunked(rowsPerInsert) {
            let values = rows.flatMap { segment -> [PostgresValue] in
                [
                    .text(segment.id), .text(segment.host), .text(segment.source), .text(segment.format),
                    segment.streamPath.map(PostgresValue.text) ?? .null,
                    segment.session.map(PostgresValue.text) ?? .null, .text("\(segment.score)"),
                    segment.maxSeverity.map(PostgresValue.text) ?? .null, .text(segment.sampled ? "true" : "false"),
                    segment.firstRecordTime.map(PostgresValue.text) ?? .null, .text(batch.batchID),
                    .bytes(segment.line),
                ]
            }
            let sql =
                "INSERT INTO segments (id, host, source, format, stream_path, session, score, max_severity, "
                + "sampled, first_record_time, batch_id, line) VALUES "
                + valuesList(
                    rows: rows.count,
                    types: [
                        "text", "text", "text", "text", "text", "text", "integer", "text", "boolean", "text", "text",
                        "bytea",
                    ]
                ) + " ON CONFLICT (id) DO NOTHING RETURNING cursor, id"
            let inserted = try connection.execute(sql, values: values)
            for row in 0..<inserted.rowCount {
                if let cursor = inserted.int64(row: row, column: 0), let id = inserted.value(row: row, column: 1) {
                    cursors[id] = cursor
                }
            }
        }
        let rules = plan.segments.flatMap { segment -> [[PostgresValue]] in
            guard let cursor = cursors[segment.id] else { return [] }
            return StoreSchema.distinctRules(segment.hits).map { hit in
                [.text("\(cursor)"), .text(hit.rule), .text(hit.category), .text(hit.severity)]
            }
        }
        for rows in rules.chunked(rowsPerInsert) {
            try connection.execute(
                "INSERT INTO segment_rules (cursor, rule, category, severity) VALUES "
                    + valuesList(rows: rows.count, types: ["bigint", "text", "text", "text"])
                    + " ON CONFLICT DO NOTHING",
                values: rows.flatMap { $0 }
            )
        }
        let stored = cursors.count
        let duplicates = batch.segments.count - stored
        let newBatch =
            try connection.execute(
                "INSERT INTO batches (id, stored, duplicates) VALUES ($1, $2::integer, $3::integer) "
                    + "ON CONFLICT (id) DO NOTHING",
                [batch.batchID, "\(stored)", "\(duplicates)"]
            ).affectedRows == 1
        let storedPerHost = plan.storedPerHost(Set(cursors.keys))
        for host in plan.hosts {
            try connection.execute(
                """
                INSERT INTO hosts (host, last_batch_at, segments) VALUES ($1, statement_timestamp(), $2::bigint)
                ON CONFLICT (host) DO UPDATE SET last_batch_at = GREATEST(hosts.last_batch_at, excluded.last_batch_at),
                    segments = hosts.segments + excluded.segments
                """,
                [host, "\(storedPerHost[host] ?? 0)"]
            )
        }
        if newBatch { try addCountersAndHeartbeats(plan, on: connection) }
        return IngestResult(stored: stored, duplicates: duplicates, replayedBatch: !newBatch)
    }

    /// Counters and heartbeats count once per batch id: only a batch seen for the first time adds them.
    private static func addCountersAndHeartbeats(_ plan: IngestPlan, on connection: PostgresConnection) throws {
        var ruleHits: [[PostgresValue]] = []
        for host in plan.hosts {
            if let counters = plan.counters[host] {
                try connection.execute(
                    "UPDATE hosts SET records_scanned = records_scanned + $2::bigint, "
                        + "bytes_scanned = bytes_scanned + $3::bigint WHERE host = $1",
                    [host, "\(counters.records)", "\(counters.bytes)"]
                )
                for (rule, hits) in counters.hits.sorted(by: { $0.key < $1.key }) {
                    ruleHits.append([.text(host), .text(rule), .text("\(hits)")])
                }
            }
            if let version = plan.heartbeats[host] {
                try connection.execute(
                    "UPDATE hosts SET last_heartbeat_at = GREATEST(last_heartbeat_at, statement_timestamp()), "
                        + "version = $2 WHERE host = $1",
                    [host, version]
                )
            }
        }
        for rows in ruleHits.chunked(rowsPerInsert) {
            try connection.execute(
                "INSERT INTO host_rule_hits (host, rule, hits) VALUES "
                    + valuesList(rows: rows.count, types: ["text", "text", "bigint"])
                    + " ON CONFLICT (host, rule) DO UPDATE SET hits = host_rule_hits.hits + excluded.hits",
                values: rows.flatMap { $0 }
            )
        }
    }

    /// `($1::t1, $2::t2), ($3::t1, $4::t2)…` for `rows` rows of columns typed `types`.
    private static func valuesList(rows: Int, types: [String]) -> String {
        var text = ""
        var number = 0
        for row in 0..<rows {
            text += row == 0 ? "(" : ", ("
            for (column, type) in types.enumerated() {
                number += 1
                text += (column == 0 ? "" : ", ") + "$\(number)::\(type)"
            }
            text += ")"
        }
        return text
    }

    /// A new connection that reads bytea as hex whatever the server's default (PostgresResult.bytes decodes hex).
    private static func connect(_ url: String) throws -> PostgresConnection {
        let connection = try PostgresConnection(url)
        try connection.execute("SET bytea_output = hex")
        // Every collector's ingest waits on one lock: a collector cut off mid-transaction must not hold it for the
        // hours TCP keepalive takes. The server ends a session idle inside a transaction after a minute, and an
        // ingest that waits half a minute for the lock fails (answered 503, the agent retries).
        try connection.execute("SET idle_in_transaction_session_timeout = '60s'")
        try connection.execute("SET lock_timeout = '30s'")
        return connection
    }

    /// Creates the tables unless they exist, holding the schema lock so collectors starting together do not race.
    private static func createSchema(_ connection: PostgresConnection) throws {
        try connection.transaction {
            try connection.execute("SELECT pg_advisory_xact_lock($1::bigint)", ["\(schemaLock)"])
            try connection.execute("CREATE TABLE IF NOT EXISTS tracehound_schema (version INTEGER NOT NULL)")
            let found = Int(
                try connection.execute("SELECT max(version) FROM tracehound_schema").int64(row: 0, column: 0) ?? 0
            )
            guard found <= StoreSchema.version else {
                throw SegmentStoreError.unknownSchemaVersion(found: found, supported: StoreSchema.version)
            }
            guard found < StoreSchema.version else { return }
            for statement in StoreSchema.postgres { try connection.execute(statement) }
            try connection.execute("DELETE FROM tracehound_schema")
            try connection.execute(
                "INSERT INTO tracehound_schema (version) VALUES ($1::integer)",
                [
                    "\(StoreSchema.version)"
                ]
            )
        }
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements.
    fileprivate func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
