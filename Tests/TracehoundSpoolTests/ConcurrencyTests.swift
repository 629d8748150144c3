import Foundation
import Synchronization
import TracehoundConfig
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class ConcurrencyTests: XCTestCase {
    /// The pipeline's shape: a batcher thread appending and committing into a small blocking spool, a forwarder
    /// thread waiting for batches, reading and acknowledging them. Every batch arrives once, in order.
    func testABatcherAndAForwarderOnTheirOwnThreadsDeliverEveryBatchOnceInOrder() throws {
        for fsync in [FsyncPolicy.batch, .always] {
            let directory = try TemporaryDirectory()
            let cap = 16 << 10
            let spool = try openSpool(
                directory.path,
                config: spoolConfig(maxBytes: cap, whenFull: .block, fsync: fsync),
                fileBytes: 2048,
                fsyncInterval: .milliseconds(5),
                storage: FaultyStorage(simulatesSyncs: true)
            )
            let count = 400
            let failure = Mutex<String?>(nil)
            let received = Mutex<[String]>([])
            let batcher = Thread {
                do {
                    for index in 0..<count {
                        let bytes = payload(200 + index % 800, seed: index)
                        while true {
                            do {
                                try spool.append(
                                    batchID: "b\(index)",
                                    payload: bytes,
                                    checkpoints: [checkpoint("s", Int64(index))]
                                )
                                break
                            } catch SpoolError.full(let needed, _) {
                                try spool.commit()
                                guard spool.waitForSpace(bytes: needed, timeout: .seconds(60)) else {
                                    throw SpoolError.full(needed: needed, available: 0)
                                }
                            }
                        }
                        if index % 3 == 2 || index == count - 1 { try spool.commit() }
                    }
                } catch {
                    failure.withLock { $0 = "batcher: \(error)" }
                }
            }
            let forwarder = Thread {
                var cursor: UInt64?
                do {
                    while received.withLock({ $0.count }) < count {
                        guard spool.waitForBatch(after: cursor, timeout: .seconds(60)) else { break }
                        guard let batch = try spool.nextBatch(after: cursor) else { continue }
                        guard
                            batch.payload
                                == payload(200 + Int(batch.id.dropFirst())! % 800, seed: Int(batch.id.dropFirst())!)
                        else { throw SpoolError.unknownBatch("payload of \(batch.id)") }
                        received.withLock { $0.append(batch.id) }
                        try spool.acknowledge(batchID: batch.id)
                        cursor = batch.sequence
                    }
                } catch {
                    failure.withLock { $0 = "forwarder: \(error)" }
                }
            }
            batcher.start()
            forwarder.start()
            try waitUntil("every batch is delivered") {
                failure.withLock { $0 } != nil || received.withLock { $0.count } == count
            }
            spool.stopWaiting()
            XCTAssertNil(failure.withLock { $0 })
            XCTAssertEqual(received.withLock { $0 }, (0..<count).map { "b\($0)" })
            XCTAssertLessThanOrEqual(spool.statistics.usedBytes, Int64(cap))
            XCTAssertEqual(spool.checkpoints["s"]?.offset, Int64(count - 1))
        }
    }
}
