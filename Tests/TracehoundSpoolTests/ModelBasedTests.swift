// Model-based testing in the spirit of Vector's disk buffer model tests: seeded random sequences of append,
// commit, acknowledge, dead-letter, read, crash (reopen without committing), power loss, clean reopen and
// corrupt-a-byte-then-reopen, run against the real spool and `SpoolModel`; after every step the pending batches
// and the checkpoints must agree, and the files must stay under the cap.
import Foundation
import TracehoundConfig
import TracehoundCore
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class ModelBasedTests: XCTestCase {
    func testRandomOperationsAgreeWithTheModelWhenFullBlocks() throws {
        for seed: UInt64 in [1, 2] {
            try run(seed: seed, steps: 1500, config: spoolConfig(maxBytes: 16 << 10, whenFull: .block))
        }
    }

    func testRandomOperationsAgreeWithTheModelWhenFullDropsTheOldest() throws {
        for seed: UInt64 in [3, 4] {
            try run(seed: seed, steps: 1500, config: spoolConfig(maxBytes: 24 << 10, whenFull: .dropOldest))
        }
    }

    func testRandomOperationsAgreeWithTheModelWithoutFsync() throws {
        try run(seed: 5, steps: 2000, config: spoolConfig(maxBytes: 32 << 10, fsync: .never), powerLoss: false)
    }

    private func run(seed: UInt64, steps: Int, config: SpoolConfig, powerLoss: Bool = true) throws {
        let directory = try TemporaryDirectory()
        var random = SeededGenerator(seed: seed)
        var model = SpoolModel()
        let storage = FaultyStorage(simulatesSyncs: true)
        let events = RecordingEvents()
        var spool: Spool? = try openSpool(
            directory.path,
            config: config,
            fileBytes: 4096,
            events: events,
            storage: storage
        )
        var nextID = 0
        var offsets: [String: Int64] = [:]
        let keys = ["alpha", "beta", "gamma", "delta", "epsilon"]

        /// 0 to 2 streams moved forward.
        func someCheckpoints() -> [StreamCheckpoint] {
            (0..<Int.random(in: 0...2, using: &random)).map { _ in
                let key = keys.randomElement(using: &random)!
                offsets[key, default: 0] += Int64.random(in: 1...1000, using: &random)
                return checkpoint(key, offsets[key]!)
            }
        }

        /// `full` blocks; with drop_oldest it only comes once everything committed is gone and the uncommitted
        /// appends alone leave no room.
        func fullAllowed(_ context: String) {
            if config.whenFull == .dropOldest {
                XCTAssertEqual(spool!.statistics.usedBytes, 0, context)
            }
        }

        /// drop_oldest deletes whole files, oldest first: the dropped batches are the oldest pending ones.
        func droppedByAppend(_ context: String) {
            let dropped = events.dropped
            XCTAssertEqual(dropped, Array(model.pending.prefix(dropped.count)), "drops the oldest, \(context)")
            for id in dropped { model.consumed(id) }
        }

        func reopen() throws {
            spool = nil
            events.clear()
            spool = try openSpool(directory.path, config: config, fileBytes: 4096, events: events, storage: storage)
        }

        for step in 0..<steps {
            let context = "seed \(seed), step \(step)"
            let roll = Int.random(in: 0..<1000, using: &random)
            switch roll {
            case 0..<350:  // append a batch
                let id = "b\(nextID)"
                nextID += 1
                let bytes = payload(Int.random(in: 0...3000, using: &random), seed: nextID)
                let checkpoints = someCheckpoints()
                events.clear()
                do {
                    let sequence = try spool!.append(batchID: id, payload: bytes, checkpoints: checkpoints)
                    model.appended(
                        .init(sequence: sequence, batch: (id, bytes), checkpoints: checkpoints, forgotten: [])
                    )
                } catch SpoolError.full {
                    fullAllowed(context)
                }
                droppedByAppend(context)
            case 350..<420:  // positions of quiet streams, sometimes forgetting one
                let checkpoints = someCheckpoints()
                let forgotten = roll < 360 ? [keys.randomElement(using: &random)!] : []
                events.clear()
                do {
                    if let sequence = try spool!.appendPositions(checkpoints, forgetting: forgotten) {
                        model.appended(
                            .init(sequence: sequence, batch: nil, checkpoints: checkpoints, forgotten: forgotten)
                        )
                    }
                } catch SpoolError.full {
                    fullAllowed(context)
                }
                droppedByAppend(context)
            case 420..<620:
                try spool!.commit()
                model.committed()
            case 620..<820:  // acknowledge, mostly the oldest
                guard !model.pending.isEmpty else { continue }
                let id = roll < 760 ? model.pending[0] : model.pending.randomElement(using: &random)!
                XCTAssertTrue(try spool!.acknowledge(batchID: id), context)
                model.consumed(id)
            case 820..<840:
                guard let id = model.pending.randomElement(using: &random) else { continue }
                XCTAssertTrue(try spool!.deadLetter(batchID: id, reason: "refused"), context)
                model.consumed(id)
            case 840..<880:  // read everything back
                let batches = try spool!.drain()
                XCTAssertEqual(batches.map(\.id), model.pending, context)
                for batch in batches { XCTAssertEqual(batch.payload, model.payload(of: batch.id), context) }
            case 880..<930:  // crash: reopen without committing
                try reopen()
                model.crashed()
            case 930..<950:  // power loss: with fsync, nothing committed may be lost
                guard powerLoss else { continue }
                spool = nil
                try storage.powerLoss()
                try reopen()
                model.crashed()
            case 950..<975:
                try spool!.close()
                try reopen()
                model.crashed()
            default:  // flip a byte in a random record, then reopen
                try spool!.close()
                let report = try Spool.inspect(directory: directory.path)
                guard let target = report.records.randomElement(using: &random) else {
                    try reopen()
                    model.crashed()
                    continue
                }
                let lost = SpoolModel.lostByCorruption(of: target, in: report)
                let offset = target.offset + Int64.random(in: 0..<target.bytes, using: &random)
                try corruptByte(directory.path + "/" + target.file, at: offset)
                try reopen()
                model.crashed()
                model.lost(lost, snapshotSequence: report.snapshotSequence ?? 0)
                XCTAssertEqual(
                    events.events.count { if case .quarantined = $0 { true } else { false } }
                        + events.events.count { if case .tornTail = $0 { true } else { false } },
                    1,
                    context
                )
            }
            XCTAssertEqual(spool!.pendingIDs, model.pending, context)
            XCTAssertEqual(spool!.checkpoints, model.checkpoints, context)
            XCTAssertLessThanOrEqual(spool!.statistics.usedBytes, Int64(config.maxBytes), context)
            if spool!.pendingIDs != model.pending || spool!.checkpoints != model.checkpoints { return }
        }
        XCTAssertTrue(try Spool.inspect(directory: directory.path).isHealthy)
    }
}
