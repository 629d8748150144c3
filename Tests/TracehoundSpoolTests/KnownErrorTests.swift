import Foundation
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class KnownErrorTests: XCTestCase {
    /// One committed batch "before" (checkpoint s at 1), then the storage misbehaves.
    private func prepared(_ directory: TemporaryDirectory, storage: FaultyStorage) throws -> Spool {
        let spool = try openSpool(directory.path, fileBytes: 1 << 20, storage: storage)
        try spool.append(batchID: "before", payload: payload(200, seed: 1), checkpoints: [checkpoint("s", 1)])
        try spool.commit()
        return spool
    }

    private func assertErrno(_ error: any Error, _ code: Int32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual((error as? Errno)?.code, code, "\(error)", file: file, line: line)
    }

    func testENOSPCOnWriteIsSurfacedAndTheSpoolIsConsistentAfterReopen() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        do {
            let spool = try prepared(directory, storage: storage)
            storage.failWrites(ENOSPC)
            try spool.append(batchID: "after", payload: payload(200, seed: 2), checkpoints: [checkpoint("s", 2)])
            XCTAssertThrowsError(try spool.commit()) { assertErrno($0, ENOSPC) }
            XCTAssertEqual(spool.pendingIDs, ["before"])
            XCTAssertEqual(spool.checkpoints["s"], checkpoint("s", 1))
        }
        XCTAssertTrue(try Spool.inspect(directory: directory.path).isHealthy)
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(reopened.pendingIDs, ["before"])
        XCTAssertEqual(reopened.checkpoints["s"], checkpoint("s", 1))
    }

    func testACommitThatFailedIsRetriedByTheNextCommit() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        let spool = try prepared(directory, storage: storage)
        storage.failWrites(ENOSPC)
        try spool.append(batchID: "after", payload: payload(200, seed: 2))
        XCTAssertThrowsError(try spool.commit())
        try spool.commit()
        XCTAssertEqual(try spool.drain().map(\.id), ["before", "after"])
    }

    func testAShortWriteIsCompletedByTheNextWrite() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        do {
            let spool = try prepared(directory, storage: storage)
            storage.shortenWrites(to: 10, 100)
            try spool.append(batchID: "after", payload: payload(500, seed: 2))
            try spool.commit()
        }
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(try reopened.drain().map(\.payload), [payload(200, seed: 1), payload(500, seed: 2)])
    }

    func testAShortWriteFollowedByENOSPCLeavesNoPartialRecordBehind() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        let file: String
        let size: Int64
        do {
            let spool = try prepared(directory, storage: storage)
            file = directory.file(segmentFiles(directory.path)[0])
            size = try fileSize(file)
            storage.shortenWrites(to: 50)
            storage.failWrites(ENOSPC)
            try spool.append(batchID: "after", payload: payload(500, seed: 2))
            XCTAssertThrowsError(try spool.commit()) { assertErrno($0, ENOSPC) }
            XCTAssertEqual(try fileSize(file), size, "the partial record is cut back off")
        }
        let events = RecordingEvents()
        let reopened = try openSpool(directory.path, events: events)
        XCTAssertEqual(reopened.pendingIDs, ["before"])
        XCTAssertFalse(events.events.contains { if case .tornTail = $0 { return true } else { return false } })
    }

    func testAnFsyncFailureIsSurfacedAndNothingIsPublished() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        let spool = try prepared(directory, storage: storage)
        storage.failSyncs(EIO)
        try spool.append(batchID: "after", payload: payload(200, seed: 2), checkpoints: [checkpoint("s", 2)])
        XCTAssertThrowsError(try spool.commit()) { assertErrno($0, EIO) }
        XCTAssertEqual(spool.pendingIDs, ["before"])
        XCTAssertEqual(spool.checkpoints["s"], checkpoint("s", 1))
        try spool.commit()
        XCTAssertEqual(spool.pendingIDs, ["before", "after"])
        XCTAssertEqual(spool.checkpoints["s"], checkpoint("s", 2))
    }

    func testACrashBetweenWriteAndFsyncRecoversTheBatchWithItsCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        do {
            let spool = try prepared(directory, storage: storage)
            storage.crashAtNextSync()
            try spool.append(batchID: "after", payload: payload(200, seed: 2), checkpoints: [checkpoint("s", 2)])
            XCTAssertThrowsError(try spool.commit())
            XCTAssertTrue(storage.frozen)
        }
        // The process died with the write in the page cache: the record is whole, batch and position together.
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(reopened.pendingIDs, ["before", "after"])
        XCTAssertEqual(reopened.checkpoints["s"], checkpoint("s", 2))
    }

    func testAPowerLossBeforeTheFsyncLosesTheBatchAndItsCheckpointTogether() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        do {
            let spool = try prepared(directory, storage: storage)
            storage.crashAtNextSync()
            try spool.append(batchID: "after", payload: payload(200, seed: 2), checkpoints: [checkpoint("s", 2)])
            XCTAssertThrowsError(try spool.commit())
        }
        try storage.powerLoss()
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(reopened.pendingIDs, ["before"])
        XCTAssertEqual(reopened.checkpoints["s"], checkpoint("s", 1))
    }

    func testAPowerLossAfterCommitReturnedLosesNothing() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        do {
            let spool = try prepared(directory, storage: storage)
            try spool.append(batchID: "after", payload: payload(200, seed: 2), checkpoints: [checkpoint("s", 2)])
            try spool.commit()
            try spool.acknowledge(batchID: "before")
        }
        try storage.powerLoss()
        let reopened = try openSpool(directory.path)
        XCTAssertEqual(reopened.pendingIDs, ["after"])
        XCTAssertEqual(reopened.checkpoints["s"], checkpoint("s", 2))
    }

    func testENOSPCOnTheJournalFailsTheAcknowledgementAndTheBatchStaysPending() throws {
        let directory = try TemporaryDirectory()
        let storage = FaultyStorage()
        do {
            let spool = try prepared(directory, storage: storage)
            storage.faultAllFiles = true
            storage.failWrites(ENOSPC)
            XCTAssertThrowsError(try spool.acknowledge(batchID: "before")) { assertErrno($0, ENOSPC) }
            XCTAssertEqual(spool.pendingIDs, ["before"])
            XCTAssertTrue(try spool.acknowledge(batchID: "before"))
            XCTAssertEqual(spool.pendingIDs, [])
        }
        XCTAssertEqual(try openSpool(directory.path).pendingIDs, [])
    }
}
