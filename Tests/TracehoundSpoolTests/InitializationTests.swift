import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class InitializationTests: XCTestCase {
    func testAnEmptyDirectoryOpensEmptyAndPrivate() throws {
        let directory = try TemporaryDirectory()
        let root = directory.file("data/spool")
        let spool = try openSpool(root)
        XCTAssertEqual(spool.pendingBatches(), [])
        XCTAssertEqual(spool.checkpoints, [:])
        for folder in [root, root + "/dead-letter", root + "/quarantine"] {
            XCTAssertEqual(try FileStatus.of(folder).permissions, 0o700, folder)
        }
        try spool.append(batchID: "a", payload: [1])
        try spool.commit()
        XCTAssertEqual(try FileStatus.of(root + "/" + segmentFiles(root)[0]).permissions, 0o600)
        XCTAssertEqual(try FileStatus.of(root + "/acks").permissions, 0o600)
    }

    func testReopeningRestoresPendingBatchesAndCheckpointsInOrder() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 600)
            for index in 0..<10 {
                try spool.append(
                    batchID: "b\(index)",
                    payload: payload(200, seed: index),
                    checkpoints: [checkpoint("s\(index % 3)", Int64(index))]
                )
                try spool.commit()
            }
        }
        let reopened = try openSpool(directory.path, fileBytes: 600)
        let batches = try reopened.drain()
        XCTAssertEqual(batches.map(\.id), (0..<10).map { "b\($0)" })
        XCTAssertEqual(batches.map(\.payload), (0..<10).map { payload(200, seed: $0) })
        XCTAssertEqual(
            reopened.checkpoints,
            ["s0": checkpoint("s0", 9), "s1": checkpoint("s1", 7), "s2": checkpoint("s2", 8)]
        )
    }

    func testWritingResumesInANewFileAfterARestart() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "before", payload: [1])
            try spool.commit()
        }
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "after", payload: [2])
        try spool.commit()
        XCTAssertEqual(segmentFiles(directory.path).count, 2)
        XCTAssertEqual(spool.pendingIDs, ["before", "after"])
    }

    func testATornTailIsCutOffAndEverythingBeforeItKept() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "a", payload: payload(300, seed: 1), checkpoints: [checkpoint("s", 10)])
            try spool.append(batchID: "b", payload: payload(300, seed: 2), checkpoints: [checkpoint("s", 20)])
            try spool.commit()
        }
        let file = directory.file(segmentFiles(directory.path)[0])
        let whole = try fileSize(file)
        let metadata = RecordFormat.batchMetadata(id: "c", createdAt: 0, checkpoints: [checkpoint("s", 30)])
        let record = payload(300, seed: 3).withUnsafeBytes {
            RecordFormat.encode(type: .batch, sequence: 3, metadata: metadata, payload: $0)
        }
        try appendBytes(file, Array(record[..<(record.count / 2)]))
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, events: events)
        XCTAssertEqual(spool.pendingIDs, ["a", "b"])
        XCTAssertEqual(spool.checkpoints["s"], checkpoint("s", 20))
        XCTAssertEqual(try fileSize(file), whole)
        XCTAssertTrue(
            events.events.contains(.tornTail(file: segmentFiles(directory.path)[0], bytes: Int64(record.count / 2)))
        )
    }

    func testZerosLeftByALostWriteAreATornTailToo() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "a", payload: payload(300, seed: 1))
            try spool.commit()
        }
        try appendBytes(directory.file(segmentFiles(directory.path)[0]), [UInt8](repeating: 0, count: 4096))
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, events: events)
        XCTAssertEqual(spool.pendingIDs, ["a"])
        XCTAssertTrue(events.events.contains(.tornTail(file: segmentFiles(directory.path)[0], bytes: 4096)))
    }

    func testACorruptByteInAnOlderFileQuarantinesThatFileAndKeepsTheOthers() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 2500)
            for index in 0..<6 {
                try spool.append(batchID: "b\(index)", payload: payload(1000, seed: index))
                try spool.commit()
            }
        }
        let files = segmentFiles(directory.path)
        try corruptByte(directory.file(files[1]), at: 500)
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, fileBytes: 2500, events: events)
        XCTAssertEqual(spool.pendingIDs, ["b0", "b1", "b4", "b5"])
        XCTAssertEqual(try spool.drain().map(\.payload), [0, 1, 4, 5].map { payload(1000, seed: $0) })
        XCTAssertTrue(events.events.contains(.quarantined(file: files[1], lostBatches: 0)))
        XCTAssertEqual(segmentFiles(directory.path), [files[0], files[2]])
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("quarantine/" + files[1])))
    }

    func testDamageFollowedByAWholeRecordInTheNewestFileIsCorruptionNotATornTail() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 1 << 20)
            for index in 0..<3 {
                try spool.append(batchID: "b\(index)", payload: payload(500, seed: index))
                try spool.commit()
            }
        }
        let file = segmentFiles(directory.path)[0]
        try corruptByte(directory.file(file), at: 100)
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, events: events)
        XCTAssertEqual(spool.pendingIDs, [])
        XCTAssertTrue(events.events.contains(.quarantined(file: file, lostBatches: 0)))
        XCTAssertEqual(try Spool.inspect(directory: directory.path).quarantined, [file])
    }

    func testDamageInTheLastRecordOfTheNewestFileIsCutOffAsATornWrite() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 1 << 20)
            for index in 0..<3 {
                try spool.append(batchID: "b\(index)", payload: payload(500, seed: index))
                try spool.commit()
            }
        }
        let file = directory.file(segmentFiles(directory.path)[0])
        try corruptByte(file, at: try fileSize(file) - 10)
        let spool = try openSpool(directory.path)
        XCTAssertEqual(spool.pendingIDs, ["b0", "b1"])
    }

    func testAFileMissingAfterACrashBetweenDeleteAndBookkeepingCountsAsConsumed() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 2500)
            for index in 0..<6 {
                try spool.append(batchID: "b\(index)", payload: payload(1000, seed: index))
                try spool.commit()
            }
            try spool.acknowledge(batchID: "b0")
        }
        // As if the daemon died after unlinking the first file, before acknowledging b1 in the journal.
        try FileSystem.unlink(directory.file(segmentFiles(directory.path)[0]))
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, fileBytes: 2500, events: events)
        XCTAssertEqual(spool.pendingIDs, ["b2", "b3", "b4", "b5"])
        XCTAssertEqual(try fileSize(directory.file("acks")), 0, "the ack of a batch no file holds is dropped")
        XCTAssertFalse(events.events.contains { if case .quarantined = $0 { return true } else { return false } })
    }

    func testACorruptJournalKeepsItsIntactEntriesAndQuarantinesTheRest() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 1 << 20)
            for index in 0..<4 {
                try spool.append(batchID: "b\(index)", payload: payload(100, seed: index))
            }
            try spool.commit()
            for index in 0..<3 { try spool.acknowledge(batchID: "b\(index)") }
        }
        let journal = directory.file("acks")
        let recordBytes = try fileSize(journal) / 3
        try corruptByte(journal, at: recordBytes + 20)
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, events: events)
        XCTAssertEqual(spool.pendingIDs, ["b1", "b2", "b3"], "acks after the damage are lost: those batches resend")
        XCTAssertTrue(events.events.contains(.quarantined(file: "acks", lostBatches: 0)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("quarantine/acks")))
        XCTAssertTrue(try Spool.inspect(directory: directory.path).isHealthy)
    }

    func testACorruptSnapshotIsQuarantinedAndPositionsComeFromTheRecords() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 600)
            try spool.append(batchID: "a", payload: payload(400, seed: 1), checkpoints: [checkpoint("gone", 5)])
            try spool.commit()
            try spool.append(batchID: "b", payload: payload(400, seed: 2), checkpoints: [checkpoint("kept", 7)])
            try spool.commit()
            try spool.acknowledge(batchID: "a")  // deletes the first file, snapshotting both positions first
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("positions")))
        try corruptByte(directory.file("positions"), at: 30)
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, fileBytes: 600, events: events)
        XCTAssertEqual(spool.checkpoints, ["kept": checkpoint("kept", 7)])
        XCTAssertTrue(events.events.contains(.quarantined(file: "positions", lostBatches: 0)))
    }

    func testASecondOpenOfTheSameDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        XCTAssertThrowsError(try Spool.open(directory: directory.path, config: spoolConfig())) { error in
            XCTAssertEqual(error as? SpoolError, .locked(directory: directory.path))
        }
        try spool.close()
        XCTAssertThrowsError(try spool.commit()) { XCTAssertEqual($0 as? SpoolError, .closed) }
    }
}
