// The embedded store: one SQLite file (see SegmentStore.swift for what every store promises).
//
// - The file is created 0600 and missing directories 0700: segments hold transcripts.
// - WAL with synchronous=FULL: a COMMIT returns after the WAL is fsync'd, so an acknowledged batch survives a crash
//   or power loss, and readers work from a snapshot beside the writer instead of waiting for it.
// - One writer connection, driven by the group commit (GroupCommit.swift, SQLiteBatchWriter.swift): concurrent
//   `ingest` calls share transactions and fsyncs. SQLite allows one writer at a time anyway; a transaction per
//   request would pay one fsync per request while the others queue behind the lock.
// - The cursor is `INTEGER PRIMARY KEY AUTOINCREMENT`: it only grows and is never reused, even after the newest rows
//   are deleted. Writes are serialized, so cursor order is commit order and the feed cannot skip a row.
// - Reads (feed, stats, query) run on a small pool of their own connections, opened with query_only.
import Foundation
import TracehoundPosix

final class SQLiteSegmentStore: SegmentStore {
    /// Holds the writer until `close`; touched only by the group commit's leader, and by `close` once no round runs.
    private final class WriterSlot: @unchecked Sendable {
        var writer: SQLiteBatchWriter?
        init(_ writer: SQLiteBatchWriter) { self.writer = writer }
    }

    let path: String
    private let writerSlot: WriterSlot
    private let commits: GroupCommit<IngestBatch, IngestResult>
    private let readers: ConnectionPool<SQLiteConnection>

    /// Opens the database at `path`, creating it (and its missing directories) and the schema if needed.
    /// `readerConnections` bounds the connections used for reads at once.
    init(path: String, readerConnections: Int = 4, busyTimeoutMilliseconds: Int = 10_000) throws {
        self.path = path
        let directory = FileSystem.parentDirectory(of: path)
        do {
            try FileSystem.makeDirectories(directory, mode: 0o700)
        } catch {
            throw SegmentStoreError.cannotCreate(path: path, reason: "\(error)")
        }
        let connection = try SQLiteConnection(
            path: path,
            flags: [.readWrite, .create, .noMutex],
            filePermissions: 0o600,
            busyTimeoutMilliseconds: busyTimeoutMilliseconds
        )
        try connection.enableWriteAheadLog()
        try connection.pragma("synchronous", "FULL")
        try Self.createSchema(connection)
        let slot = WriterSlot(try SQLiteBatchWriter(connection: connection))
        writerSlot = slot
        commits = GroupCommit { batches in
            guard let writer = slot.writer else { return batches.map { _ in .failure(SegmentStoreError.closed) } }
            return writer.commit(batches, receivedAt: Date())
        }
        readers = ConnectionPool(
            maximum: readerConnections,
            open: {
                let reader = try SQLiteConnection(
                    path: path,
                    flags: [.readWrite, .noMutex],
                    busyTimeoutMilliseconds: busyTimeoutMilliseconds
                )
                try reader.pragma("query_only", "1")
                return reader
            },
            // A read that failed leaves no transaction open (a failed BEGIN…COMMIT is rolled back).
            isReusable: { reader in reader.isAutocommit }
        )
    }

    func ingest(_ batch: IngestBatch) throws -> IngestResult {
        try commits.submit(batch)
    }

    func feed(after cursor: Int64, limit: Int) throws -> [StoredSegment] {
        try select(.feed(after: cursor, limit: limit, dialect: .sqlite))
    }

    func query(_ query: SegmentQuery) throws -> [StoredSegment] {
        try select(.query(query, dialect: .sqlite))
    }

    func stats() throws -> [HostStats] {
        try readers.withConnection { reader in
            // One read transaction: hosts and their rule counts from the same snapshot.
            try reader.transaction(.deferred) {
                var hosts: [String: HostStats] = [:]
                let rows = try reader.prepare(
                    "SELECT host, last_batch_at, last_heartbeat_at, version, segments, records_scanned, "
                        + "bytes_scanned FROM hosts"
                )
                while try rows.step() == .row {
                    let host = rows.text(at: 0) ?? ""
                    hosts[host] = HostStats(
                        host: host,
                        lastBatchAt: rows.isNull(at: 1) ? nil : StoreClock.date(microseconds: rows.int64(at: 1)),
                        lastHeartbeatAt: rows.isNull(at: 2) ? nil : StoreClock.date(microseconds: rows.int64(at: 2)),
                        version: rows.text(at: 3),
                        segments: rows.int(at: 4),
                        recordsScanned: rows.int(at: 5),
                        bytesScanned: rows.int(at: 6)
                    )
                }
                let hits = try reader.prepare("SELECT host, rule, hits FROM host_rule_hits")
                while try hits.step() == .row {
                    hosts[hits.text(at: 0) ?? ""]?.hitsPerRule[hits.text(at: 1) ?? ""] = hits.int(at: 2)
                }
                return hosts.values.sorted { $0.host < $1.host }
            }
        }
    }

    func close() {
        commits.close()  // returns once no round runs, and no new one can start
        writerSlot.writer = nil
        readers.close()
    }

    private func select(_ select: SegmentSelect) throws -> [StoredSegment] {
        try readers.withConnection { reader in
            let statement = try reader.prepare(select.sql)
            try statement.bind(select.parameters.map(\.sqliteValue))
            var segments: [StoredSegment] = []
            while try statement.step() == .row {
                segments.append(
                    StoredSegment(
                        cursor: statement.int64(at: 0),
                        receivedAt: StoreClock.date(microseconds: statement.int64(at: 1)),
                        line: statement.blob(at: 2) ?? []
                    )
                )
            }
            return select.newestFirst ? segments.reversed() : segments
        }
    }

    /// Creates the tables unless they exist, under the write lock so two processes opening a new file do not race.
    private static func createSchema(_ connection: SQLiteConnection) throws {
        try connection.transaction(.immediate) {
            let found = Int(
                try connection.pragma("user_version").flatMap { value -> Int64? in
                    if case .integer(let number) = value { return number }
                    return nil
                } ?? 0
            )
            guard found <= StoreSchema.version else {
                throw SegmentStoreError.unknownSchemaVersion(found: found, supported: StoreSchema.version)
            }
            guard found < StoreSchema.version else { return }
            for statement in StoreSchema.sqlite { try connection.execute(statement) }
            try connection.pragma("user_version", "\(StoreSchema.version)")
        }
    }
}
