// The SQLite store's writer: one connection and its prepared statements, driven by the group commit's leader
// (see SQLiteSegmentStore.swift). A round is one IMMEDIATE transaction; each batch in it runs inside a savepoint,
// so a batch that fails is rolled back alone and its caller gets the error while the others commit.
import Foundation

/// Used by one group-commit leader at a time, which is what makes it safe to share.
final class SQLiteBatchWriter: @unchecked Sendable {
    let connection: SQLiteConnection
    private let insertSegment: SQLiteStatement
    private let insertRule: SQLiteStatement
    private let insertBatch: SQLiteStatement
    private let upsertHost: SQLiteStatement
    private let addCounters: SQLiteStatement
    private let addRuleHits: SQLiteStatement
    private let setHeartbeat: SQLiteStatement

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
        insertSegment = try connection.prepare(
            """
            INSERT INTO segments (id, host, source, format, stream_path, session, score, max_severity, sampled,
                first_record_time, batch_id, received_at, line)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            ON CONFLICT (id) DO NOTHING RETURNING cursor
            """
        )
        insertRule = try connection.prepare(
            "INSERT OR IGNORE INTO segment_rules (cursor, rule, category, severity) VALUES (?1, ?2, ?3, ?4)"
        )
        insertBatch = try connection.prepare(
            "INSERT INTO batches (id, received_at, stored, duplicates) VALUES (?1, ?2, ?3, ?4) "
                + "ON CONFLICT (id) DO NOTHING"
        )
        upsertHost = try connection.prepare(
            """
            INSERT INTO hosts (host, last_batch_at, segments) VALUES (?1, ?2, ?3)
            ON CONFLICT (host) DO UPDATE SET
                last_batch_at = max(coalesce(hosts.last_batch_at, 0), excluded.last_batch_at),
                segments = hosts.segments + excluded.segments
            """
        )
        addCounters = try connection.prepare(
            "UPDATE hosts SET records_scanned = records_scanned + ?2, bytes_scanned = bytes_scanned + ?3 "
                + "WHERE host = ?1"
        )
        addRuleHits = try connection.prepare(
            "INSERT INTO host_rule_hits (host, rule, hits) VALUES (?1, ?2, ?3) "
                + "ON CONFLICT (host, rule) DO UPDATE SET hits = host_rule_hits.hits + excluded.hits"
        )
        setHeartbeat = try connection.prepare(
            "UPDATE hosts SET last_heartbeat_at = max(coalesce(last_heartbeat_at, 0), ?2), version = ?3 "
                + "WHERE host = ?1"
        )
    }

    /// Writes `batches` in one transaction received at `receivedAt`; one result per batch, in order.
    func commit(_ batches: [IngestBatch], receivedAt: Date) -> [Result<IngestResult, any Error>] {
        let time = StoreClock.microseconds(receivedAt)
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            return batches.map { _ in .failure(error) }
        }
        var results: [Result<IngestResult, any Error>] = []
        for batch in batches {
            do {
                try connection.execute("SAVEPOINT batch")
                let written = try write(batch, receivedAt: time)
                // Recorded only once released: a failing RELEASE must leave exactly one result, a failure.
                try connection.execute("RELEASE batch")
                results.append(.success(written))
            } catch {
                do {
                    try connection.execute("ROLLBACK TO batch; RELEASE batch")
                    results.append(.failure(error))
                } catch let rollbackError {
                    // The transaction itself is gone (SQLite rolls back on some I/O errors): nothing of it stands.
                    return abandon(batches, error: rollbackError)
                }
            }
        }
        do {
            try connection.execute("COMMIT")
        } catch {
            return abandon(batches, error: error)
        }
        return results
    }

    /// Rolls back whatever is left of the transaction and fails every batch of the round with `error`.
    private func abandon(_ batches: [IngestBatch], error: any Error) -> [Result<IngestResult, any Error>] {
        if !connection.isAutocommit { try? connection.execute("ROLLBACK") }
        return batches.map { _ in .failure(error) }
    }

    private func write(_ batch: IngestBatch, receivedAt time: Int64) throws(SQLiteError) -> IngestResult {
        let plan = IngestPlan(batch)
        var storedIDs = Set<String>()
        for segment in plan.segments {
            guard let cursor = try insert(segment, batchID: batch.batchID, receivedAt: time) else { continue }
            storedIDs.insert(segment.id)
            for hit in StoreSchema.distinctRules(segment.hits) {
                try insertRule.execute([.integer(cursor), .text(hit.rule), .text(hit.category), .text(hit.severity)])
            }
        }
        let duplicates = batch.segments.count - storedIDs.count
        let newBatch =
            try insertBatch.execute([
                .text(batch.batchID), .integer(time), .integer(Int64(storedIDs.count)), .integer(Int64(duplicates)),
            ]) == 1
        let storedPerHost = plan.storedPerHost(storedIDs)
        for host in plan.hosts {
            try upsertHost.execute([.text(host), .integer(time), .integer(Int64(storedPerHost[host] ?? 0))])
        }
        if newBatch {
            for host in plan.hosts {
                if let counters = plan.counters[host] {
                    try addCounters.execute([
                        .text(host), .integer(Int64(counters.records)), .integer(Int64(counters.bytes)),
                    ])
                    for (rule, hits) in counters.hits.sorted(by: { $0.key < $1.key }) {
                        try addRuleHits.execute([.text(host), .text(rule), .integer(Int64(hits))])
                    }
                }
                if let version = plan.heartbeats[host] {
                    try setHeartbeat.execute([.text(host), .integer(time), .text(version)])
                }
            }
        }
        return IngestResult(stored: storedIDs.count, duplicates: duplicates, replayedBatch: !newBatch)
    }

    /// Inserts one segment; its cursor, or nil when its id is already stored.
    private func insert(_ segment: IngestSegment, batchID: String, receivedAt time: Int64) throws(SQLiteError)
        -> Int64?
    {
        insertSegment.reset()
        defer { insertSegment.reset() }
        try insertSegment.bind([
            .text(segment.id), .text(segment.host), .text(segment.source), .text(segment.format),
            segment.streamPath.map(SQLiteValue.text) ?? .null, segment.session.map(SQLiteValue.text) ?? .null,
            .integer(Int64(segment.score)), segment.maxSeverity.map(SQLiteValue.text) ?? .null,
            .integer(segment.sampled ? 1 : 0), segment.firstRecordTime.map(SQLiteValue.text) ?? .null,
            .text(batchID), .integer(time), .blob(segment.line),
        ])
        guard try insertSegment.step() == .row else { return nil }
        let cursor = insertSegment.int64(at: 0)
        while try insertSegment.step() == .row {}
        return cursor
    }
}
