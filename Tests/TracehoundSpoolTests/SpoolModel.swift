// The simple model the model-based test drives beside the real spool: lists and dictionaries, no files. It knows
// which records were committed in which order, which batches are consumed, and which records a corruption lost,
// and from that alone what the spool must show.
import TracehoundCore

@testable import TracehoundSpool

struct SpoolModel {
    struct Record {
        var sequence: UInt64
        /// The batch's id and payload, for BATCH records.
        var batch: (id: String, payload: [UInt8])?
        var checkpoints: [StreamCheckpoint]
        var forgotten: [String]
        /// Still shaping `checkpoints`: false once a corruption lost it before a snapshot covered it.
        var reflected = true
    }

    /// Committed records in sequence order.
    private(set) var records: [Record] = []
    /// Appended since the last commit.
    private(set) var uncommitted: [Record] = []
    /// Committed batches not yet consumed, in order.
    private(set) var pending: [String] = []
    private var payloads: [String: [UInt8]] = [:]

    mutating func appended(_ record: Record) { uncommitted.append(record) }

    mutating func committed() {
        for record in uncommitted {
            records.append(record)
            if let batch = record.batch {
                pending.append(batch.id)
                payloads[batch.id] = batch.payload
            }
        }
        uncommitted = []
    }

    /// A crash: what was not committed is gone.
    mutating func crashed() { uncommitted = [] }

    /// Acknowledged, dead-lettered or dropped.
    mutating func consumed(_ id: String) {
        pending.removeAll { $0 == id }
        payloads[id] = nil
    }

    func payload(of id: String) -> [UInt8]? { payloads[id] }
    func isPending(_ id: String) -> Bool { payloads[id] != nil }

    /// A corruption took these records with it; those newer than the positions snapshot stop counting.
    mutating func lost(_ sequences: Set<UInt64>, snapshotSequence: UInt64) {
        for index in records.indices where sequences.contains(records[index].sequence) {
            if let batch = records[index].batch { consumed(batch.id) }
            if records[index].sequence > snapshotSequence { records[index].reflected = false }
        }
    }

    /// Every stream's latest committed position, in commit order, skipping what corruption took.
    var checkpoints: [String: StreamCheckpoint] {
        var result: [String: StreamCheckpoint] = [:]
        for record in records where record.reflected {
            for checkpoint in record.checkpoints { result[checkpoint.key] = checkpoint }
            for key in record.forgotten { result[key] = nil }
        }
        return result
    }

    /// Which records a byte flipped in `target` loses, given the spool's layout (from inspection): the whole file
    /// when it is corruption, only the record when it is the last one of the newest file (a torn tail).
    static func lostByCorruption(of target: SpoolRecordInfo, in report: SpoolReport) -> Set<UInt64> {
        let inFile = report.records.filter { $0.file == target.file }
        let newestFile = report.files.last?.name
        if target.file == newestFile && inFile.last?.sequence == target.sequence {
            return [target.sequence]
        }
        return Set(inFile.map(\.sequence))
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
