// Recovery as a pure decision: `DirectoryScan` reads a spool directory without changing it, `RecoveryPlan`
// decides from that scan what to repair and what the spool then holds. `Spool.open` carries the plan out;
// `Spool.inspect` only reports it, so `tracehound spool verify` and a restart always agree.
import TracehoundCore
import TracehoundPosix

/// The names inside a spool directory.
struct SpoolLayout: Sendable {
    let root: String
    var snapshot: String { root + "/positions" }
    var journal: String { root + "/acks" }
    var lockFile: String { root + "/lock" }
    var deadLetters: String { root + "/dead-letter" }
    var quarantine: String { root + "/quarantine" }
    func path(_ name: String) -> String { root + "/" + name }

    static let segmentSuffix = ".spool"

    /// Segment files are named by the sequence of their first record, 20 digits, so names sort like sequences
    /// and a name is never reused.
    static func segmentName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: 20 - digits.count) + digits + segmentSuffix
    }

    static func firstSequence(ofSegment name: String) -> UInt64? {
        guard name.hasSuffix(segmentSuffix) else { return nil }
        let digits = name.dropLast(segmentSuffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }
}

/// Everything in a spool directory, read but not changed.
struct DirectoryScan: Sendable {
    var snapshot: FileScan?
    var journal: FileScan?
    /// Segment files in sequence order.
    var segments: [FileScan]

    static func read(_ layout: SpoolLayout, storage: any SpoolStorage) throws(Errno) -> DirectoryScan {
        var scanner = RecordScanner(storage: storage)
        var scan = DirectoryScan(snapshot: nil, journal: nil, segments: [])
        if storage.exists(layout.snapshot) {
            scan.snapshot = try scanner.scan(
                path: layout.snapshot,
                name: "positions",
                types: [.positions],
                increasing: true
            )
        }
        if storage.exists(layout.journal) {
            scan.journal = try scanner.scan(
                path: layout.journal,
                name: "acks",
                types: [.acknowledgements],
                increasing: false
            )
        }
        let names = storage.list(layout.root, suffix: SpoolLayout.segmentSuffix).filter {
            SpoolLayout.firstSequence(ofSegment: $0) != nil
        }
        for name in names {
            scan.segments.append(
                try scanner.scan(path: layout.path(name), name: name, types: [.batch, .positions], increasing: true)
            )
        }
        return scan
    }
}

/// One repair recovery makes.
enum Repair: Sendable, Equatable {
    /// Cut the file at `offset`, dropping `bytes` of a torn record.
    case truncate(file: String, offset: Int64, bytes: Int64, reason: String)
    /// Move the file to quarantine/ (and for the journal, rewrite it from its intact prefix).
    case quarantine(file: String, reason: String, lostBatches: Int)
    /// Remove a segment file that holds no whole record.
    case removeEmpty(file: String)
}

/// One batch as the spool indexes it: where its record is, not what it holds.
struct BatchEntry: Sendable {
    var id: String
    var sequence: UInt64
    var createdAt: Int64
    var recordOffset: Int64
    var payloadOffset: Int64
    var payloadBytes: Int
    var status: BatchStatus
}

/// One segment file as the spool indexes it.
struct LiveFile: Sendable {
    var name: String
    var firstSequence: UInt64
    var size: Int64
    /// In sequence order.
    var batches: [BatchEntry]
    var pendingCount: Int
    /// The newest record in this file that changes a checkpoint (0: none): deleting the file needs a positions
    /// snapshot at least this new first.
    var lastCheckpointSequence: UInt64

    init(name: String, firstSequence: UInt64) {
        self.name = name
        self.firstSequence = firstSequence
        size = 0
        batches = []
        pendingCount = 0
        lastCheckpointSequence = 0
    }

    /// The index of the first batch with a sequence above `sequence`.
    func firstBatch(after sequence: UInt64) -> Int {
        var low = 0
        var high = batches.count
        while low < high {
            let middle = (low + high) / 2
            if batches[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// What recovery does and what the spool holds afterwards.
struct RecoveryPlan: Sendable {
    var repairs: [Repair] = []
    var files: [LiveFile] = []
    var checkpoints: [String: StreamCheckpoint] = [:]
    /// The snapshot's sequence: it reflects every record up to and including it.
    var snapshotSequence: UInt64 = 0
    /// The newest record whose checkpoints `checkpoints` reflects.
    var committedSequence: UInt64 = 0
    /// Above every sequence seen anywhere, quarantined files and acknowledgements included, so none is reused.
    var nextSequence: UInt64 = 1
    /// The journal's intact entries (for quarantined journals: those before the damage).
    var acknowledgements: [UInt64: Disposition] = [:]
    /// The journal must be rewritten (it was quarantined, or names batches no file holds any more).
    var journalNeedsRewrite = false
    /// Whole records in the journal (ACK records number themselves with this count).
    var journalRecords = 0

    init(_ scan: DirectoryScan) {
        var highest: UInt64 = 0
        if let snapshot = scan.snapshot {
            if let damage = snapshot.damage {
                repairs.append(.quarantine(file: snapshot.name, reason: Self.describe(damage), lostBatches: 0))
            } else if snapshot.records.count != 1 {
                repairs.append(
                    .quarantine(file: snapshot.name, reason: "\(snapshot.records.count) records, not 1", lostBatches: 0)
                )
            } else if case .positions(let checkpoints, _) = snapshot.records[0].content {
                snapshotSequence = snapshot.records[0].sequence
                for checkpoint in checkpoints { self.checkpoints[checkpoint.key] = checkpoint }
            }
        }
        committedSequence = snapshotSequence
        highest = snapshotSequence
        if let journal = scan.journal {
            journalRecords = journal.records.count
            for record in journal.records {
                guard case .acknowledgements(let entries) = record.content else { continue }
                for entry in entries {
                    acknowledgements[entry.sequence] = entry.disposition
                    highest = max(highest, entry.sequence)
                }
            }
            if let damage = journal.damage {
                journalNeedsRewrite = true
                if damage.wholeRecordFollows {
                    repairs.append(.quarantine(file: journal.name, reason: Self.describe(damage), lostBatches: 0))
                } else {
                    repairs.append(Self.truncation(journal, damage))
                }
            }
        }
        var referenced = Set<UInt64>()
        for (position, segment) in scan.segments.enumerated() {
            let newest = position == scan.segments.count - 1
            highest = max(highest, segment.records.last?.sequence ?? 0)
            highest = max(highest, SpoolLayout.firstSequence(ofSegment: segment.name) ?? 0)
            if let damage = segment.damage, !newest || damage.wholeRecordFollows {
                let lost = segment.records.filter { record in
                    guard case .batch = record.content else { return false }
                    return acknowledgements[record.sequence] == nil
                }.count
                repairs.append(.quarantine(file: segment.name, reason: Self.describe(damage), lostBatches: lost))
                continue
            }
            if let damage = segment.damage { repairs.append(Self.truncation(segment, damage)) }
            if segment.records.isEmpty {
                repairs.append(.removeEmpty(file: segment.name))
                continue
            }
            files.append(index(segment, referenced: &referenced))
        }
        nextSequence = highest + 1
        if acknowledgements.keys.contains(where: { !referenced.contains($0) }) {
            journalNeedsRewrite = true
            acknowledgements = acknowledgements.filter { referenced.contains($0.key) }
        }
    }

    /// Indexes one intact (or truncated) segment and applies its checkpoints.
    private mutating func index(_ segment: FileScan, referenced: inout Set<UInt64>) -> LiveFile {
        var file = LiveFile(name: segment.name, firstSequence: SpoolLayout.firstSequence(ofSegment: segment.name)!)
        file.size = segment.validBytes
        for record in segment.records {
            var changes: [StreamCheckpoint] = []
            var forgotten: [String] = []
            switch record.content {
            case .batch(let id, let createdAt, let checkpoints):
                referenced.insert(record.sequence)
                let status: BatchStatus
                switch acknowledgements[record.sequence] {
                case .acknowledged: status = .acknowledged
                case .deadLettered: status = .deadLettered
                case nil: status = .pending
                }
                file.batches.append(
                    BatchEntry(
                        id: id,
                        sequence: record.sequence,
                        createdAt: createdAt,
                        recordOffset: record.offset,
                        payloadOffset: record.payloadOffset,
                        payloadBytes: record.payloadBytes,
                        status: status
                    )
                )
                if status == .pending { file.pendingCount += 1 }
                changes = checkpoints
            case .positions(let checkpoints, let keys):
                changes = checkpoints
                forgotten = keys
            case .acknowledgements:
                continue
            }
            if !changes.isEmpty || !forgotten.isEmpty { file.lastCheckpointSequence = record.sequence }
            if record.sequence > snapshotSequence {
                for checkpoint in changes { checkpoints[checkpoint.key] = checkpoint }
                for key in forgotten { checkpoints[key] = nil }
                committedSequence = max(committedSequence, record.sequence)
            }
        }
        return file
    }

    private static func truncation(_ scan: FileScan, _ damage: ScanDamage) -> Repair {
        .truncate(file: scan.name, offset: damage.offset, bytes: scan.size - damage.offset, reason: damage.reason)
    }

    static func describe(_ damage: ScanDamage) -> String {
        "at offset \(damage.offset): \(damage.reason)"
            + (damage.wholeRecordFollows ? " (whole records follow: corrupted, not torn)" : "")
    }
}
