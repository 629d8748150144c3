import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class AcknowledgementTests: XCTestCase {
    /// Six batches of ~1 KiB with 2.5 KiB files: two batches per file, three files.
    private func spoolWithThreeFiles(_ directory: TemporaryDirectory) throws -> Spool {
        let spool = try openSpool(directory.path, fileBytes: 2500)
        for index in 0..<6 {
            try spool.append(batchID: "b\(index)", payload: payload(1000, seed: index))
            try spool.commit()
        }
        XCTAssertEqual(segmentFiles(directory.path).count, 3)
        return spool
    }

    func testDeletesAFileOnlyWhenEveryBatchInItIsAcknowledged() throws {
        let directory = try TemporaryDirectory()
        let spool = try spoolWithThreeFiles(directory)
        let files = segmentFiles(directory.path)
        XCTAssertTrue(try spool.acknowledge(batchID: "b0"))
        XCTAssertEqual(segmentFiles(directory.path), files)
        XCTAssertTrue(try spool.acknowledge(batchID: "b1"))
        XCTAssertEqual(segmentFiles(directory.path), Array(files[1...]))
        XCTAssertTrue(try spool.acknowledge(batchID: "b3"))
        XCTAssertEqual(segmentFiles(directory.path), Array(files[1...]))
        XCTAssertTrue(try spool.acknowledge(batchID: "b2"))
        XCTAssertEqual(segmentFiles(directory.path), [files[2]])
        XCTAssertEqual(spool.pendingIDs, ["b4", "b5"])
    }

    func testTheFileBeingWrittenStaysUntilTheWriterMovesOnAndGoesAtTheNextOpen() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "only", payload: payload(100, seed: 1))
            try spool.commit()
            XCTAssertTrue(try spool.acknowledge(batchID: "only"))
            XCTAssertEqual(segmentFiles(directory.path).count, 1, "the writer may still append to it")
        }
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(segmentFiles(directory.path), [])
        XCTAssertEqual(reopened.pendingIDs, [])
    }

    func testAnAcknowledgementSurvivesARestart() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try spoolWithThreeFiles(directory)
            try spool.acknowledge(batchID: "b1")
            try spool.acknowledge(batchID: "b4")
        }
        let reopened = try openSpool(directory.path, fileBytes: 2500)
        XCTAssertEqual(reopened.pendingIDs, ["b0", "b2", "b3", "b5"])
        XCTAssertEqual(try reopened.drain().map(\.id), ["b0", "b2", "b3", "b5"])
    }

    func testAcknowledgingAnUnknownOrAlreadyAcknowledgedBatchReturnsFalse() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "a", payload: [1, 2, 3])
        XCTAssertFalse(try spool.acknowledge(batchID: "a"), "not committed yet, so not visible")
        try spool.commit()
        XCTAssertTrue(try spool.acknowledge(batchID: "a"))
        XCTAssertFalse(try spool.acknowledge(batchID: "a"))
        XCTAssertFalse(try spool.acknowledge(batchID: "never-spooled"))
        XCTAssertEqual(spool.statistics.acknowledgedBatches, 1)
    }

    func testAnIDCanBeSpooledAgainOnceItsBatchIsAcknowledged() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "same", payload: [1])
        XCTAssertThrowsError(try spool.append(batchID: "same", payload: [2])) { error in
            XCTAssertEqual(error as? SpoolError, .duplicateBatchID("same"))
        }
        try spool.commit()
        XCTAssertThrowsError(try spool.append(batchID: "same", payload: [2]))
        try spool.acknowledge(batchID: "same")
        try spool.append(batchID: "same", payload: [3])
        try spool.commit()
        XCTAssertEqual(try spool.drain().map(\.payload), [[3]])
    }

    func testTheJournalIsCompactedOnceItMostlyNamesDeletedFiles() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, config: spoolConfig(fsync: .never), fileBytes: 1024)
        for index in 0..<2500 {
            try spool.append(batchID: "b\(index)", payload: [UInt8(truncatingIfNeeded: index)])
            try spool.commit()
            try spool.acknowledge(batchID: "b\(index)")
        }
        let journalBytes = try fileSize(directory.file("acks"))
        XCTAssertLessThanOrEqual(journalBytes, Spool.journalCompactionBytes + 64)
        XCTAssertLessThanOrEqual(segmentFiles(directory.path).count, 1)
        try spool.close()
        let reopened = try openSpool(directory.path, fileBytes: 1024)
        XCTAssertEqual(reopened.pendingIDs, [])
    }
}
