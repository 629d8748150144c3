import Foundation
import TracehoundConfig
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class InvariantTests: XCTestCase {
    func testCheckpointsComeFromCommittedRecordsOnly() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "a", payload: [1], checkpoints: [checkpoint("s", 10)])
        try spool.appendPositions([checkpoint("quiet", 3)])
        XCTAssertEqual(spool.checkpoints, [:])
        XCTAssertEqual(spool.pendingBatches(), [])
        XCTAssertNil(try spool.nextBatch())
        try spool.commit()
        XCTAssertEqual(spool.checkpoints, ["s": checkpoint("s", 10), "quiet": checkpoint("quiet", 3)])
        XCTAssertEqual(spool.pendingIDs, ["a"])
    }

    func testABatchAppendedButNotCommittedIsNotThereAfterReopen() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "kept", payload: [1], checkpoints: [checkpoint("s", 1)])
            try spool.commit()
            try spool.append(batchID: "lost", payload: [2], checkpoints: [checkpoint("s", 2)])
            try spool.appendPositions([checkpoint("t", 9)])
        }
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(reopened.pendingIDs, ["kept"])
        XCTAssertEqual(reopened.checkpoints, ["s": checkpoint("s", 1)])
    }

    func testPositionsOutliveTheDeletionOfEverySpoolFile() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "a", payload: [1], checkpoints: [checkpoint("s", 10)])
            try spool.appendPositions([checkpoint("quiet", 3)])
            try spool.commit()
            try spool.acknowledge(batchID: "a")
        }
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(segmentFiles(directory.path), [], "every batch was consumed: the open deleted the file")
        XCTAssertEqual(reopened.checkpoints, ["s": checkpoint("s", 10), "quiet": checkpoint("quiet", 3)])
        try reopened.close()
        XCTAssertEqual(try openSpool(directory.path).checkpoints.count, 2)
    }

    func testAForgottenStreamStaysForgottenAfterARestart() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 300)
            try spool.append(batchID: "a", payload: payload(200, seed: 1), checkpoints: [checkpoint("gone", 1)])
            try spool.commit()
            try spool.appendPositions([checkpoint("kept", 2)], forgetting: ["gone"])
            try spool.commit()
            XCTAssertEqual(spool.checkpoints, ["kept": checkpoint("kept", 2)])
            try spool.acknowledge(batchID: "a")
        }
        XCTAssertEqual(try openSpool(directory.path).checkpoints, ["kept": checkpoint("kept", 2)])
    }

    func testSequencesKeepGrowingAfterEveryFileIsDeleted() throws {
        let directory = try TemporaryDirectory()
        var last: UInt64 = 0
        for round in 0..<3 {
            let spool = try openSpool(directory.path)
            let sequence = try spool.append(batchID: "r\(round)", payload: [1])
            XCTAssertGreaterThan(sequence, last)
            last = sequence
            try spool.commit()
            try spool.acknowledge(batchID: "r\(round)")
            try spool.close()
        }
    }

    func testOneFsyncCommitsEverythingAppendedTogether() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        let spool = try openSpool(directory.path, fileBytes: 1 << 20, storage: storage)
        let before = storage.syncs
        for index in 0..<5 {
            try spool.append(
                batchID: "b\(index)",
                payload: payload(100, seed: index),
                checkpoints: [checkpoint("s", 1)]
            )
        }
        try spool.appendPositions([checkpoint("t", 1)])
        try spool.commit()
        XCTAssertEqual(storage.syncs - before, 1)
        XCTAssertEqual(spool.pendingBatches().count, 5)
    }

    func testFsyncBatchSyncsAtMostOncePerIntervalButAlwaysBeforeAnAcknowledgement() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        let spool = try openSpool(
            directory.path,
            config: spoolConfig(fsync: .batch),
            fsyncInterval: .seconds(3600),
            storage: storage
        )
        let before = storage.syncs
        for index in 0..<5 {
            try spool.append(batchID: "b\(index)", payload: [1])
            try spool.commit()
        }
        XCTAssertEqual(storage.syncs, before, "within the interval, commits do not sync")
        try spool.acknowledge(batchID: "b0")
        XCTAssertEqual(storage.syncs, before + 1, "the acknowledged record is synced first; the journal waits")
        try spool.sync()
        XCTAssertEqual(storage.syncs, before + 2, "the segment file is already synced; the journal now is")
    }

    func testFsyncNeverDoesNotSync() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        let spool = try openSpool(directory.path, config: spoolConfig(fsync: .never), storage: storage)
        let before = storage.syncs
        try spool.append(batchID: "a", payload: [1])
        try spool.commit()
        try spool.acknowledge(batchID: "a")
        XCTAssertEqual(storage.syncs, before)
    }

    func testTheStatisticsAddUp() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, fileBytes: 1 << 20)
        try spool.append(batchID: "a", payload: payload(100, seed: 1))
        try spool.append(batchID: "b", payload: payload(50, seed: 2))
        let uncommitted = spool.statistics.uncommittedBytes
        XCTAssertGreaterThan(uncommitted, 150)
        try spool.commit()
        try spool.acknowledge(batchID: "a")
        let statistics = spool.statistics
        XCTAssertEqual(statistics.uncommittedBytes, 0)
        XCTAssertEqual(statistics.usedBytes, Int64(uncommitted))
        XCTAssertEqual(statistics.pendingBatches, 1)
        XCTAssertEqual(statistics.pendingPayloadBytes, 50)
        XCTAssertEqual(statistics.acknowledgedBatches, 1)
        XCTAssertEqual(statistics.files, 1)
    }
}
