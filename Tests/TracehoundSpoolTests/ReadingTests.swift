import Foundation
import Synchronization
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class ReadingTests: XCTestCase {
    func testNextBatchReturnsPendingBatchesInOrderAfterTheCursor() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, fileBytes: 700)
        var sequences: [UInt64] = []
        for index in 0..<6 {
            sequences.append(try spool.append(batchID: "b\(index)", payload: payload(300, seed: index)))
            try spool.commit()
        }
        try spool.acknowledge(batchID: "b1")
        try spool.acknowledge(batchID: "b4")
        XCTAssertEqual(try spool.nextBatch()?.id, "b0")
        XCTAssertEqual(try spool.nextBatch(after: sequences[0])?.id, "b2")
        XCTAssertEqual(try spool.nextBatch(after: sequences[3])?.id, "b5")
        XCTAssertNil(try spool.nextBatch(after: sequences[5]))
        let batch = try XCTUnwrap(try spool.nextBatch(after: sequences[2]))
        XCTAssertEqual(batch.payload, payload(300, seed: 3))
        XCTAssertEqual(batch.sequence, sequences[3])
        XCTAssertLessThanOrEqual(abs(batch.createdAt - Int64(Date().timeIntervalSince1970 * 1000)), 60_000)
    }

    func testWaitForBatchWakesWhenACommitPublishesOne() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        XCTAssertFalse(spool.waitForBatch(after: nil, timeout: .milliseconds(1)))
        let woken = Mutex<Bool?>(nil)
        let reader = Thread { woken.withLock { $0 = spool.waitForBatch(after: nil, timeout: .seconds(60)) } }
        reader.start()
        try spool.append(batchID: "a", payload: [1])
        try spool.commit()
        try waitUntil("the reader is woken") { woken.withLock { $0 } != nil }
        XCTAssertEqual(woken.withLock { $0 }, true)
        let sequence = try XCTUnwrap(spool.nextBatch()).sequence
        let stopped = Mutex<Bool?>(nil)
        let second = Thread { stopped.withLock { $0 = spool.waitForBatch(after: sequence, timeout: .seconds(60)) } }
        second.start()
        spool.stopWaiting()
        try waitUntil("the reader is released") { stopped.withLock { $0 } != nil }
        XCTAssertEqual(stopped.withLock { $0 }, false)
    }

    func testABacklogAcrossManyFilesReplaysInOrderFromDisk() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, config: spoolConfig(fsync: .never), fileBytes: 256 << 10)
            for index in 0..<200 {
                try spool.append(batchID: "b\(index)", payload: payload(16 << 10, seed: index))
                if index % 10 == 9 { try spool.commit() }
            }
        }
        XCTAssertGreaterThan(segmentFiles(directory.path).count, 10)
        let spool = try openSpool(directory.path, fileBytes: 256 << 10)
        var cursor: UInt64?
        var index = 0
        while let batch = try spool.nextBatch(after: cursor) {
            XCTAssertEqual(batch.id, "b\(index)")
            XCTAssertEqual(batch.payload, payload(16 << 10, seed: index))
            try spool.acknowledge(batchID: batch.id)
            cursor = batch.sequence
            index += 1
        }
        XCTAssertEqual(index, 200)
        XCTAssertLessThanOrEqual(segmentFiles(directory.path).count, 1)
    }

    func testARecordDamagedAfterOpenIsReportedNotReturned() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "a", payload: payload(300, seed: 1))
        try spool.commit()
        let file = segmentFiles(directory.path)[0]
        try corruptByte(directory.file(file), at: 100)
        XCTAssertThrowsError(try spool.nextBatch()) { error in
            guard case .corruptRecord(file, 0, let reason) = error as? SpoolError else { return XCTFail("\(error)") }
            XCTAssertEqual(reason, "CRC32C mismatch")
        }
    }
}
