import Foundation
import Synchronization
import TracehoundConfig
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class SizeLimitTests: XCTestCase {
    private func bytesOnDisk(_ directory: String) throws -> Int64 {
        try segmentFiles(directory).reduce(0) { $0 + (try fileSize(directory + "/" + $1)) }
    }

    /// Fills a block-mode spool with 500-byte batches until it refuses one; returns how many went in.
    private func fill(_ spool: Spool, directory: String, cap: Int) throws -> Int {
        var count = 0
        while true {
            do {
                try spool.append(batchID: "b\(count)", payload: payload(500, seed: count))
            } catch let error as SpoolError {
                guard case .full = error else { throw error }
                return count
            }
            try spool.commit()
            count += 1
            XCTAssertLessThanOrEqual(try bytesOnDisk(directory), Int64(cap))
        }
    }

    func testBlockNeverLetsTheSpoolPassItsCap() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, config: spoolConfig(maxBytes: 10_000), fileBytes: 2048)
        let count = try fill(spool, directory: directory.path, cap: 10_000)
        XCTAssertGreaterThan(count, 15)
        XCTAssertEqual(spool.pendingBatches().count, count, "nothing was dropped")
        XCTAssertLessThanOrEqual(spool.statistics.usedBytes, 10_000)
        XCTAssertEqual(spool.statistics.droppedBatches, 0)
    }

    func testUncommittedBytesCountAgainstTheCap() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, config: spoolConfig(maxBytes: 2500))
        try spool.append(batchID: "a", payload: payload(1000, seed: 1))
        try spool.append(batchID: "b", payload: payload(1000, seed: 2))
        XCTAssertThrowsError(try spool.append(batchID: "c", payload: payload(1000, seed: 3))) { error in
            guard case .full = error as? SpoolError else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(spool.waitForSpace(bytes: 1100, timeout: .milliseconds(1)))
    }

    func testWaitForSpaceWakesWhenAnAcknowledgementFreesAFile() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, config: spoolConfig(maxBytes: 10_000), fileBytes: 2048)
        let count = try fill(spool, directory: directory.path, cap: 10_000)
        let needed = Spool.recordBytes(batchID: "b\(count)", payloadBytes: 500)
        XCTAssertFalse(spool.waitForSpace(bytes: needed, timeout: .milliseconds(20)))
        let result = Mutex<Bool?>(nil)
        let waiter = Thread { result.withLock { $0 = spool.waitForSpace(bytes: needed, timeout: .seconds(60)) } }
        waiter.start()
        let firstFile = spool.pendingBatches().filter { $0.file == spool.pendingBatches()[0].file }
        for batch in firstFile { try spool.acknowledge(batchID: batch.id) }
        try waitUntil("the writer is woken") { result.withLock { $0 } != nil }
        XCTAssertEqual(result.withLock { $0 }, true)
        try spool.append(batchID: "b\(count)", payload: payload(500, seed: count))
        try spool.commit()
        XCTAssertLessThanOrEqual(try bytesOnDisk(directory.path), 10_000)
    }

    func testWaitForSpaceReclaimsTheFileBeingWrittenOnceItIsConsumed() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, config: spoolConfig(maxBytes: 10_000), fileBytes: 1 << 20)
        let count = try fill(spool, directory: directory.path, cap: 10_000)
        XCTAssertEqual(segmentFiles(directory.path).count, 1)
        for index in 0..<count { try spool.acknowledge(batchID: "b\(index)") }
        XCTAssertTrue(spool.waitForSpace(bytes: 5000, timeout: .seconds(60)))
        XCTAssertEqual(segmentFiles(directory.path), [])
        try spool.append(batchID: "next", payload: payload(500, seed: 0))
        try spool.commit()
        XCTAssertEqual(spool.pendingIDs, ["next"])
    }

    func testStopWaitingReleasesABlockedWriter() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, config: spoolConfig(maxBytes: 10_000), fileBytes: 2048)
        _ = try fill(spool, directory: directory.path, cap: 10_000)
        let result = Mutex<Bool?>(nil)
        let waiter = Thread { result.withLock { $0 = spool.waitForSpace(bytes: 600, timeout: .seconds(60)) } }
        waiter.start()
        spool.stopWaiting()
        try waitUntil("the writer is released") { result.withLock { $0 } != nil }
        XCTAssertEqual(result.withLock { $0 }, false)
    }

    func testDropOldestDropsTheOldestBatchesAndCountsThem() throws {
        let directory = try TemporaryDirectory()
        let events = RecordingEvents()
        let spool = try openSpool(
            directory.path,
            config: spoolConfig(maxBytes: 6000, whenFull: .dropOldest),
            fileBytes: 2048,
            events: events
        )
        for index in 0..<40 {
            XCTAssertTrue(spool.waitForSpace(bytes: 600, timeout: .zero))
            try spool.append(batchID: "b\(index)", payload: payload(500, seed: index))
            try spool.commit()
            XCTAssertLessThanOrEqual(try bytesOnDisk(directory.path), 6000)
        }
        let pending = spool.pendingIDs
        let dropped = events.dropped
        XCTAssertEqual(dropped + pending, (0..<40).map { "b\($0)" }, "the oldest go first, the rest stay in order")
        XCTAssertEqual(spool.statistics.droppedBatches, dropped.count)
        XCTAssertGreaterThan(dropped.count, 20)
        XCTAssertEqual(try spool.drain().map(\.id), pending)
    }

    func testABatchLargerThanTheCapIsAnError() throws {
        let directory = try TemporaryDirectory()
        for policy in [SpoolFullPolicy.block, .dropOldest] {
            let spool = try openSpool(
                directory.file("\(policy)"),
                config: spoolConfig(maxBytes: 4096, whenFull: policy)
            )
            XCTAssertThrowsError(try spool.append(batchID: "huge", payload: payload(5000, seed: 1))) { error in
                guard case .recordTooLarge(let bytes, 4096) = error as? SpoolError else { return XCTFail("\(error)") }
                XCTAssertGreaterThan(bytes, 5000)
            }
            XCTAssertFalse(spool.waitForSpace(bytes: 5000, timeout: .zero))
        }
    }
}
