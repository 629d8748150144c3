// Inspection for `tracehound spool inspect|verify|export`: a read-only view of a spool directory, computed by the
// same scan and plan that recovery uses, so it shows exactly what a restart would keep, repair and lose. It takes
// no lock and changes nothing: it is safe beside a running daemon (whose newest file may then show a torn tail
// that is only a write in progress).
public import TracehoundCore
import TracehoundPosix

/// Something recovery would repair.
public struct SpoolProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Repair: String, Sendable, Equatable {
        /// A torn write at the end of the newest file (or the journal): cut off.
        case truncate
        /// Corruption: the file would be moved to quarantine/.
        case quarantine
    }

    public var file: String
    public var repair: Repair
    public var detail: String
    /// Pending batches lost with a quarantined file (those before the damage; more may follow it).
    public var lostBatches: Int

    public var description: String {
        switch repair {
        case .truncate: return "\(file): torn tail would be cut off: \(detail)"
        case .quarantine:
            return "\(file): would be quarantined, losing \(lostBatches) pending batches: \(detail)"
        }
    }
}

/// One segment file as inspection sees it.
public struct SpoolFileReport: Sendable, Equatable {
    public var name: String
    public var bytes: Int64
    public var records: Int
    public var batches: Int
    public var pendingBatches: Int
}

/// Everything in a spool directory.
public struct SpoolReport: Sendable {
    public var directory: String
    /// Segment files recovery would keep, oldest first.
    public var files: [SpoolFileReport]
    /// Their records, in sequence order.
    public var records: [SpoolRecordInfo]
    /// The positions a restart would resume from.
    public var checkpoints: [String: StreamCheckpoint]
    /// The sequence the positions snapshot covers, if there is one.
    public var snapshotSequence: UInt64?
    /// What recovery would repair; empty when every record verifies.
    public var problems: [SpoolProblem]
    /// Files in dead-letter/ and quarantine/.
    public var deadLetters: [String]
    public var quarantined: [String]

    /// The batches among `records`.
    public var batches: [SpoolBatchInfo] {
        records.compactMap { record in
            if case .batch(let batch) = record.kind { return batch }
            return nil
        }
    }

    public var isHealthy: Bool { problems.isEmpty }
}

extension Spool {
    /// Reads the spool in `directory` without changing it.
    public static func inspect(directory: String) throws -> SpoolReport {
        try inspect(directory: directory, storage: PosixStorage())
    }

    static func inspect(directory: String, storage: any SpoolStorage) throws -> SpoolReport {
        let layout = SpoolLayout(root: directory)
        let scan = try DirectoryScan.read(layout, storage: storage)
        let plan = RecoveryPlan(scan)
        var report = SpoolReport(
            directory: directory,
            files: [],
            records: [],
            checkpoints: plan.checkpoints,
            snapshotSequence: scan.snapshot == nil || plan.snapshotSequence == 0 ? nil : plan.snapshotSequence,
            problems: [],
            deadLetters: storage.list(layout.deadLetters, suffix: ""),
            quarantined: storage.list(layout.quarantine, suffix: "")
        )
        for repair in plan.repairs {
            switch repair {
            case .truncate(let file, _, _, let reason):
                report.problems.append(SpoolProblem(file: file, repair: .truncate, detail: reason, lostBatches: 0))
            case .quarantine(let file, let reason, let lost):
                report.problems.append(SpoolProblem(file: file, repair: .quarantine, detail: reason, lostBatches: lost))
            case .removeEmpty:
                break
            }
        }
        let kept = Dictionary(uniqueKeysWithValues: plan.files.map { ($0.name, $0) })
        for segment in scan.segments {
            guard let file = kept[segment.name] else { continue }
            var statuses: [UInt64: BatchEntry] = [:]
            for batch in file.batches { statuses[batch.sequence] = batch }
            report.files.append(
                SpoolFileReport(
                    name: file.name,
                    bytes: file.size,
                    records: segment.records.count,
                    batches: file.batches.count,
                    pendingBatches: file.pendingCount
                )
            )
            for record in segment.records {
                var info = SpoolRecordInfo(
                    kind: .positions(forgotten: []),
                    sequence: record.sequence,
                    file: file.name,
                    offset: record.offset,
                    bytes: record.bytes,
                    checkpoints: []
                )
                switch record.content {
                case .batch(_, _, let checkpoints):
                    guard let entry = statuses[record.sequence] else { continue }
                    info.kind = .batch(Self.info(entry, file: file.name))
                    info.checkpoints = checkpoints
                case .positions(let checkpoints, let forgotten):
                    info.kind = .positions(forgotten: forgotten)
                    info.checkpoints = checkpoints
                case .acknowledgements:
                    continue
                }
                report.records.append(info)
            }
        }
        return report
    }

    /// The payload of the batch with this id (the oldest, if several share it), checked against its CRC.
    public static func exportPayload(directory: String, batchID: String) throws -> [UInt8] {
        let report = try inspect(directory: directory)
        guard let batch = report.batches.first(where: { $0.id == batchID }) else {
            throw SpoolError.unknownBatch(batchID)
        }
        return try exportPayload(directory: directory, batch: batch)
    }

    /// The payload of a batch listed by `inspect`, checked against its CRC.
    public static func exportPayload(directory: String, batch: SpoolBatchInfo) throws -> [UInt8] {
        let layout = SpoolLayout(root: directory)
        let entry = try locate(batch, layout: layout)
        let (payload, problem) = try readPayload(entry, file: batch.file, layout: layout, storage: PosixStorage())
        if let problem { throw SpoolError.corruptRecord(file: batch.file, offset: batch.offset, reason: problem) }
        return payload
    }

    /// Re-reads a listed batch's record to find where its payload is.
    private static func locate(_ batch: SpoolBatchInfo, layout: SpoolLayout) throws -> BatchEntry {
        let storage = PosixStorage()
        let owner = try OwnedDescriptor(layout.path(batch.file), .readOnly, storage: storage)
        let size = try storage.size(owner.descriptor)
        var scanner = RecordScanner(storage: storage)
        guard case .record(let record) = try scanner.readRecord(owner.descriptor, at: batch.offset, fileSize: size),
            record.sequence == batch.sequence
        else {
            throw SpoolError.corruptRecord(file: batch.file, offset: batch.offset, reason: "no such record any more")
        }
        return BatchEntry(
            id: batch.id,
            sequence: batch.sequence,
            createdAt: batch.createdAt,
            recordOffset: record.offset,
            payloadOffset: record.payloadOffset,
            payloadBytes: record.payloadBytes,
            status: batch.status
        )
    }
}
