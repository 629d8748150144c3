// The write-ahead spool: every batch the agent produces is written here, with the source positions it makes
// safe, before anything is sent; the collector's acknowledgement is what lets it go.
//
// # Invariants
// 1. A batch is visible (to readers, to `checkpoints`, after a restart) only once `commit()` wrote it. `append`
//    only encodes into memory, so a crash before `commit` leaves no trace, and one `write` + one `fdatasync`
//    commit every batch and position appended since the last commit (group commit).
// 2. A stream's checkpoint travels in the record of the batch whose segments need the bytes before it
//    (DESIGN.md §3.3): the write that makes the segments durable makes the position durable, never one without
//    the other. Positions of quiet streams travel in POSITIONS records.
// 3. Segment files are append-only, and only the newest one is ever written. A file is deleted whole, once every
//    batch in it is consumed (acknowledged, dead-lettered or dropped); before that, if it carries a checkpoint
//    newer than the `positions` snapshot, the snapshot is replaced first, so positions outlive their files.
// 4. Sequence numbers grow across all files and are never reused: they order batches and checkpoints, name
//    segment files, and let the snapshot say which records it already reflects.
// 5. Bytes on disk in segment files plus bytes appended but not committed never exceed `max_bytes`.
//
// # Layout of `<data_dir>/spool/` (directory 0700, files 0600)
//   00000000000000000001.spool   segment files, named by the sequence of their first record
//   acks                         the acknowledgement journal (records of type ACK), compacted by atomic replace
//   positions                    the positions snapshot: one POSITIONS record, replaced atomically
//   lock                         flock(2)ed while a process has the spool open
//   dead-letter/<seq>-<id>.ndjson.lz4, .reason     payloads the collector refused for good, and why
//   quarantine/<file>            damaged files, kept for a human
//
// # The record (all three files use it; integers little-endian)
//   struct Record {
//       magic:          u32    // "THS1": a new format gets a new magic
//       length:         u32    // bytes of everything below; at most 256 MiB
//       crc32c:         u32    // CRC-32C of the `length` field and everything below
//       type:           u8     // 1 BATCH, 2 POSITIONS, 3 ACK
//       sequence:       u64    // BATCH/POSITIONS: the record's spool sequence; ACK: the journal's record count
//       metadataLength: u32
//       metadata:       [u8]   // BATCH:     created_at_ms i64, id (u16 length + UTF-8), checkpoints
//                              // POSITIONS: checkpoints, forgotten keys (u32 count, each u32 length + UTF-8)
//                              // ACK:       u32 count, each (sequence u64, disposition u8: 0 acked, 1 dead)
//                              // checkpoints = u32 count, each u32 length + StreamCheckpoint.encoded()
//       payload:        [u8]   // BATCH: the batch as given (one LZ4 frame); otherwise empty
//   }
//
// # Writing (the batcher's thread)
// `append` encodes the record into a pending buffer, after making room: with `when_full: block` it throws
// `SpoolError.full` when the record does not fit (the caller commits, waits in `waitForSpace` — woken by acks or
// by `stopWaiting` at shutdown — and retries, so sources pause and nothing is dropped); with `drop_oldest` it
// deletes the oldest segment file, pending batches and all, reporting each as `droppedOldest`. `commit` rolls to
// a new file when the current one would pass `fileBytes`, writes the buffer with one pwrite at the file's end and
// syncs per `fsync`: `always` fdatasyncs every commit, `batch` at most once per `fsyncInterval` (and always
// before rolling, acknowledging, or snapshotting what it covers), `never` leaves it to the kernel. A failed
// write is cut back off the file and stays pending, so `commit` can be retried.
//
// # Reading (the forwarder's thread)
// The index holds where each batch is, never its bytes: `nextBatch(after:)` preads one payload, checks the CRC
// and returns it, so replaying a multi-GB backlog needs one batch of memory. `waitForBatch` sleeps until a
// commit publishes something new.
//
// # Acknowledging
// Acknowledgements go to their own journal rather than into segment files: a file's deletion then depends on its
// own batches only, acks never count against `max_bytes` (an ack must succeed when the spool is full: it is what
// frees it), and the journal stays small because it is rewritten (atomic replace) without the entries of deleted
// files once it grows. An ack first makes sure the batch's own record is synced (so a journal entry never
// outlives the record it names), appends an ACK record, then deletes every fully consumed file except the one
// being written. `deadLetter` copies the payload to `dead-letter/` first, then records it like an ack.
//
// # Recovery (`open`)
// Scan every file, verifying every CRC (RecordScanner), then decide (RecoveryPlan): damage running to the end of
// the newest segment file is a torn write and is cut off; any other damage (in an older file, or with a whole
// record after it) is corruption: the file goes to quarantine/ and every other file is kept. A damaged journal
// keeps its intact entries (a lost ack means a resend, which the collector deduplicates); a damaged snapshot is
// quarantined and positions come from the records alone. Checkpoints are the snapshot plus every record newer
// than it, in sequence order. A file missing after a crash between its deletion and the journal's rewrite is
// simply consumed: nothing lists files, acks for batches no file holds are dropped at the next rewrite.
// Fully consumed files are deleted, and writing continues in a new file: the newest file before a crash is
// never appended to again, so only it can have a torn tail.
//
// # Threads
// Three locks, always taken in this order: `writerLock` (append, commit, the active file), `maintenanceLock`
// (journal, snapshot, deleting files, dead letters), `condition` (the shared index; waiters sleep on it). Disk
// writes happen outside `condition`, so readers are never stuck behind an fsync of the writer.
import Foundation
public import TracehoundConfig
public import TracehoundCore
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

public final class Spool: @unchecked Sendable {
    let layout: SpoolLayout
    let config: SpoolConfig
    let fsyncInterval: Duration
    let fileBytes: Int
    let events: any SpoolEvents
    let storage: any SpoolStorage
    /// The flock(2)ed `lock` file, released by `close()`; guarded by `writerLock`.
    private var lock: OwnedDescriptor?

    /// Guards `writer`: only `append`, `commit`, `waitForSpace`, `sync` and `close` take it.
    let writerLock = NSLock()
    var writer = WriterState()

    /// Guards `journal`, the snapshot and file deletion.
    let maintenanceLock = NSLock()
    var journal = JournalState()

    /// Guards `shared`; broadcast whenever batches are published, consumed or space is freed.
    let condition = NSCondition()
    var shared = SharedState()

    /// Opens the spool in `directory` (the daemon passes `<data_dir>/spool`), creating it if needed, and recovers
    /// it (see the design above), reporting every repair to `events`.
    /// - Parameters:
    ///   - fsyncInterval: with `fsync: batch`, how often at most a commit or ack fsyncs.
    ///   - fileBytes: a segment file is rolled when the next commit would pass this; nil: `max_bytes / 16`,
    ///     between 64 KiB and 256 MiB. Files are the unit of deletion: smaller files free space sooner.
    public static func open(
        directory: String,
        config: SpoolConfig,
        fsyncInterval: Duration = .seconds(1),
        fileBytes: Int? = nil,
        events: any SpoolEvents = IgnoredSpoolEvents()
    ) throws -> Spool {
        try Spool(
            directory: directory,
            config: config,
            fsyncInterval: fsyncInterval,
            fileBytes: fileBytes,
            events: events,
            storage: PosixStorage()
        )
    }

    /// `<dataDirectory>/spool`.
    public static func directory(inDataDirectory dataDirectory: String) -> String { dataDirectory + "/spool" }

    init(
        directory: String,
        config: SpoolConfig,
        fsyncInterval: Duration,
        fileBytes: Int?,
        events: any SpoolEvents,
        storage: any SpoolStorage
    ) throws {
        layout = SpoolLayout(root: directory)
        self.config = config
        self.fsyncInterval = fsyncInterval
        self.fileBytes = fileBytes ?? min(max(config.maxBytes / 16, 64 << 10), 256 << 20)
        self.events = events
        self.storage = storage
        for path in [layout.root, layout.deadLetters, layout.quarantine] { try storage.makeDirectories(path) }
        lock = try Self.lockDirectory(layout)
        for folder in [layout.root, layout.deadLetters] {  // half-done atomic replaces
            for leftover in storage.list(folder, suffix: ".tmp") { try? storage.unlink(folder + "/" + leftover) }
        }
        let plan = RecoveryPlan(try DirectoryScan.read(layout, storage: storage))
        try repair(plan)
        shared.files = plan.files
        shared.checkpoints = plan.checkpoints
        shared.snapshotSequence = plan.snapshotSequence
        shared.committedSequence = plan.committedSequence
        shared.durableSequence = plan.committedSequence
        shared.usedBytes = plan.files.reduce(0) { $0 + $1.size }
        for file in plan.files {
            for batch in file.batches where batch.status == .pending {
                shared.pendingByID[batch.id, default: []].append(batch.sequence)
            }
        }
        writer.nextSequence = plan.nextSequence
        try openJournal(plan)
        _ = maintenanceLock.withLock { reclaimConsumedFiles(includingActive: true) }
        let pending = shared.files.reduce(0) { $0 + $1.pendingCount }
        events.recovered(files: shared.files.count, pendingBatches: pending, bytes: shared.usedBytes)
    }

    deinit {
        stopWaiting()
    }

    /// flock(2) on `lock`, so a second daemon on the same data directory fails instead of interleaving writes.
    private static func lockDirectory(_ layout: SpoolLayout) throws -> OwnedDescriptor {
        let file = try OwnedDescriptor(layout.lockFile, [.readWrite, .create], storage: PosixStorage())
        let descriptor = file.descriptor.rawValue
        let locked = Result { () throws(Errno) in
            try syscall("flock", subject: layout.lockFile) { flock(descriptor, LOCK_EX | LOCK_NB) }
        }
        switch locked {
        case .success: return file
        case .failure(let error) where error.code == EWOULDBLOCK: throw SpoolError.locked(directory: layout.root)
        case .failure(let error): throw error
        }
    }

    /// Carries out the plan's repairs, reporting each.
    private func repair(_ plan: RecoveryPlan) throws {
        for repair in plan.repairs {
            switch repair {
            case .truncate(let name, let offset, let bytes, let reason):
                if name != "acks" {  // the journal is rewritten whole below
                    let file = try OwnedDescriptor(layout.path(name), .readWrite, storage: storage)
                    try storage.resize(file.descriptor, to: offset)
                    try storage.syncData(file.descriptor)
                }
                events.recoveredTornTail(file: name, bytes: bytes, reason: reason)
            case .quarantine(let name, let reason, let lost):
                try storage.rename(layout.path(name), to: quarantineTarget(for: name))
                try storage.syncDirectory(layout.quarantine)
                try storage.syncDirectory(layout.root)
                events.quarantined(file: name, reason: reason, lostBatches: lost)
            case .removeEmpty(let name):
                try storage.unlink(layout.path(name))
                try storage.syncDirectory(layout.root)
            }
        }
    }

    /// `quarantine/<name>`, or `<name>.1`, `.2`, ... when an earlier quarantine took the name.
    private func quarantineTarget(for name: String) -> String {
        var target = layout.quarantine + "/" + name
        var suffix = 1
        while storage.exists(target) {
            target = layout.quarantine + "/" + name + ".\(suffix)"
            suffix += 1
        }
        return target
    }

    /// Every stream's latest committed position: where its source resumes.
    public var checkpoints: [String: StreamCheckpoint] {
        condition.withLock { shared.checkpoints }
    }

    public var statistics: SpoolStatistics {
        condition.withLock {
            var statistics = SpoolStatistics(
                usedBytes: shared.usedBytes,
                uncommittedBytes: shared.uncommittedBytes,
                capacityBytes: config.maxBytes,
                files: shared.files.count,
                pendingBatches: 0,
                pendingPayloadBytes: 0,
                acknowledgedBatches: shared.acknowledgedCount,
                deadLetteredBatches: shared.deadLetteredCount,
                droppedBatches: shared.droppedCount
            )
            for file in shared.files {
                for batch in file.batches where batch.status == .pending {
                    statistics.pendingBatches += 1
                    statistics.pendingPayloadBytes += Int64(batch.payloadBytes)
                }
            }
            return statistics
        }
    }

    /// Wakes every thread in `waitForSpace` or `waitForBatch` (they return false) and makes later waits return
    /// at once: for shutdown.
    public func stopWaiting() {
        condition.withLock {
            shared.stopped = true
            shared.generation &+= 1
            condition.broadcast()
        }
    }

    /// Syncs what was committed but not yet synced (with `fsync: batch`), stops waiters and releases the files
    /// and the directory lock. Records appended but not committed are discarded. Later calls throw
    /// `SpoolError.closed`.
    public func close() throws {
        stopWaiting()
        try writerLock.withLock {
            guard !condition.withLock({ shared.isClosed }) else { return }
            try syncActiveFile()
            writer.active = nil
            try maintenanceLock.withLock {
                if config.fsync != .never { try syncJournal(force: true) }
                journal.file = nil
            }
            condition.withLock { shared.isClosed = true }
            lock = nil
        }
    }

    func checkOpen() throws {
        if condition.withLock({ shared.isClosed }) { throw SpoolError.closed }
    }
}

/// The writer's state; guarded by `writerLock`.
struct WriterState {
    var active: ActiveFile?
    /// Records appended since the last commit, encoded back to back.
    var pending: [UInt8] = []
    var pendingRecords: [PendingRecord] = []
    var pendingIDs: Set<String> = []
    var nextSequence: UInt64 = 1
    var lastSync = ContinuousClock.now
}

/// The segment file being appended to.
struct ActiveFile {
    var file: OwnedDescriptor
    var name: String
    /// Bytes of whole, committed records: where the next commit writes.
    var size: Int64
    /// Its directory entry still needs an fsync of the directory.
    var directoryUnsynced: Bool
    var unsynced = false
    /// A failed write may have left bytes past `size` that could not be cut off yet.
    var tailDirty = false
}

/// A record appended but not committed: where it sits in the pending buffer and what to publish.
struct PendingRecord {
    var sequence: UInt64
    var offset: Int
    var batch: (id: String, createdAt: Int64, payloadOffset: Int, payloadBytes: Int)?
    var checkpoints: [StreamCheckpoint]
    var forgotten: [String]
}

/// The acknowledgement journal; guarded by `maintenanceLock`.
struct JournalState {
    var file: OwnedDescriptor?
    var size: Int64 = 0
    var records: UInt64 = 0
    var unsynced = false
    var lastSync = ContinuousClock.now
}

/// The index every thread reads; guarded by `condition`.
struct SharedState {
    /// Segment files in sequence order; the last one may be the writer's.
    var files: [LiveFile] = []
    /// Pending batches by id (normally one sequence each).
    var pendingByID: [String: [UInt64]] = [:]
    var checkpoints: [String: StreamCheckpoint] = [:]
    var committedSequence: UInt64 = 0
    /// Every record up to this one is known to be on stable storage.
    var durableSequence: UInt64 = 0
    var snapshotSequence: UInt64 = 0
    /// The file the writer appends to: housekeeping outside the writer leaves it alone.
    var activeFile: String?
    var usedBytes: Int64 = 0
    var uncommittedBytes = 0
    /// Bumped whenever a waiter may want to look again.
    var generation: UInt64 = 0
    var stopped = false
    var isClosed = false
    var acknowledgedCount = 0
    var deadLetteredCount = 0
    var droppedCount = 0
}
