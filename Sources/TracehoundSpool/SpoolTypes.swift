// The spool's public values: what readers get, what inspection lists, its errors and its events. Library code
// never logs: the daemon implements `SpoolEvents` and turns each event into a log line and a metric.
public import TracehoundCore
public import TracehoundPosix

/// Where a batch stands.
public enum BatchStatus: String, Sendable, Equatable {
    /// Committed, not yet acknowledged: the forwarder still has to deliver it.
    case pending
    /// The collector stored it.
    case acknowledged
    /// The collector refused it for good; its payload is in `dead-letter/`.
    case deadLettered = "dead-lettered"
}

/// A batch read back for the forwarder, payload included.
public struct SpooledBatch: Sendable, Equatable {
    public var id: String
    /// The spool's sequence number: batches are read in this order; pass it to `nextBatch(after:)`.
    public var sequence: UInt64
    /// When the batch was appended, in milliseconds since the Unix epoch.
    public var createdAt: Int64
    /// The bytes given to `append` (an LZ4 frame of NDJSON).
    public var payload: [UInt8]
}

/// A batch without its payload: what `pendingBatches()` and inspection list.
public struct SpoolBatchInfo: Sendable, Equatable {
    public var id: String
    public var sequence: UInt64
    public var createdAt: Int64
    public var payloadBytes: Int
    /// The spool file that holds it, e.g. `00000000000000000001.spool`.
    public var file: String
    /// Where its record starts in that file.
    public var offset: Int64
    public var status: BatchStatus
}

/// A record as inspection shows it: a batch or a positions record, with the checkpoints it made durable.
public struct SpoolRecordInfo: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case batch(SpoolBatchInfo)
        /// Checkpoints without a batch; `forgotten` lists streams whose checkpoints were dropped.
        case positions(forgotten: [String])
    }

    public var kind: Kind
    public var sequence: UInt64
    public var file: String
    public var offset: Int64
    /// Header and body.
    public var bytes: Int64
    public var checkpoints: [StreamCheckpoint]
}

/// What the spool holds and has done since it was opened, for metrics.
public struct SpoolStatistics: Sendable, Equatable {
    /// Bytes of spool files on disk: what `max_bytes` limits.
    public var usedBytes: Int64
    /// Bytes appended and not yet committed (they count against `max_bytes` too).
    public var uncommittedBytes: Int
    public var capacityBytes: Int
    public var files: Int
    public var pendingBatches: Int
    public var pendingPayloadBytes: Int64
    public var acknowledgedBatches: Int
    public var deadLetteredBatches: Int
    public var droppedBatches: Int
}

public enum SpoolError: Error, Equatable, CustomStringConvertible {
    /// A record would not fit in the spool even if it were empty.
    case recordTooLarge(bytes: Int, limit: Int)
    /// `when_full: block` and no room: wait with `waitForSpace` (after `commit`), then append again.
    case full(needed: Int, available: Int)
    case invalidBatchID(String)
    /// A batch with this id is already pending: ids must be unique (the forwarder acknowledges by id).
    case duplicateBatchID(String)
    /// A record read back for the forwarder or an export did not verify.
    case corruptRecord(file: String, offset: Int64, reason: String)
    case unknownBatch(String)
    /// Another process holds the spool directory.
    case locked(directory: String)
    case closed

    public var description: String {
        switch self {
        case .recordTooLarge(let bytes, let limit):
            return "record too large: encoded length is \(bytes) bytes, limit is \(limit)"
        case .full(let needed, let available):
            return "spool full: a record of \(needed) bytes does not fit in the \(available) bytes left"
        case .invalidBatchID(let id):
            return "invalid batch id \"\(id)\": 1 to \(RecordFormat.maxBatchIDBytes) bytes of UTF-8"
        case .duplicateBatchID(let id): return "batch id \(id) is already in the spool"
        case .corruptRecord(let file, let offset, let reason):
            return "corrupt record in \(file) at \(offset): \(reason)"
        case .unknownBatch(let id): return "no batch \(id) in the spool"
        case .locked(let directory): return "spool \(directory) is in use by another process"
        case .closed: return "the spool is closed"
        }
    }
}

/// What the spool reports instead of logging. Called synchronously on the thread that caused the event, sometimes
/// with the spool's locks held: record or forward the event; do not call back into the spool.
public protocol SpoolEvents: Sendable {
    /// Recovery cut `bytes` off the end of `file`: a record whose write a crash interrupted.
    func recoveredTornTail(file: String, bytes: Int64, reason: String)
    /// Recovery moved a damaged `file` to `quarantine/`. `lostBatches` pending batches before the damage are gone
    /// with it (and whatever followed the damage).
    func quarantined(file: String, reason: String, lostBatches: Int)
    /// Recovery finished.
    func recovered(files: Int, pendingBatches: Int, bytes: Int64)
    /// `when_full: drop_oldest` deleted an unacknowledged batch to make room.
    func droppedOldest(batchID: String, bytes: Int)
    /// A refused batch's payload was moved to `file` in `dead-letter/`.
    func deadLettered(batchID: String, file: String, reason: String)
    /// A spool file was deleted: every batch in it was consumed (or dropped).
    func deletedFile(file: String, batches: Int)
    /// Housekeeping after a successful operation failed (deleting a consumed file, compacting the journal);
    /// the spool is consistent and retries on the next occasion.
    func housekeepingFailed(_ error: Errno)
}

extension SpoolEvents {
    public func recoveredTornTail(file: String, bytes: Int64, reason: String) {}
    public func quarantined(file: String, reason: String, lostBatches: Int) {}
    public func recovered(files: Int, pendingBatches: Int, bytes: Int64) {}
    public func droppedOldest(batchID: String, bytes: Int) {}
    public func deadLettered(batchID: String, file: String, reason: String) {}
    public func deletedFile(file: String, batches: Int) {}
    public func housekeepingFailed(_ error: Errno) {}
}

/// Events nobody listens to.
public struct IgnoredSpoolEvents: SpoolEvents {
    public init() {}
}
