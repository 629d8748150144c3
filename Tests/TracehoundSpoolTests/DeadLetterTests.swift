import Foundation
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class DeadLetterTests: XCTestCase {
    func testARefusedBatchLeavesItsPayloadAndReasonInTheDeadLetterFolder() throws {
        let directory = try TemporaryDirectory()
        let events = RecordingEvents()
        let spool = try openSpool(directory.path, events: events)
        let sequence = try spool.append(batchID: "host-1-7", payload: payload(300, seed: 1))
        try spool.append(batchID: "next", payload: payload(300, seed: 2))
        try spool.commit()
        XCTAssertTrue(try spool.deadLetter(batchID: "host-1-7", reason: "400: malformed NDJSON on line 3"))
        let name = String(format: "%020llu-host-1-7", sequence)
        XCTAssertEqual(try FileSystem.readAll(directory.file("dead-letter/\(name).ndjson.lz4")), payload(300, seed: 1))
        let reason = String(
            decoding: try FileSystem.readAll(directory.file("dead-letter/\(name).reason")),
            as: UTF8.self
        )
        XCTAssertTrue(reason.contains("batch: host-1-7\n"), reason)
        XCTAssertTrue(reason.contains("reason: 400: malformed NDJSON on line 3\n"), reason)
        XCTAssertEqual(spool.pendingIDs, ["next"])
        XCTAssertEqual(spool.statistics.deadLetteredBatches, 1)
        XCTAssertEqual(events.events.filter { $0 == .deadLettered(batchID: "host-1-7") }.count, 1)
        XCTAssertFalse(try spool.deadLetter(batchID: "host-1-7", reason: "again"))
    }

    func testADeadLetteredBatchStaysConsumedAfterARestart() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path)
            try spool.append(batchID: "refused", payload: [1])
            try spool.append(batchID: "fine", payload: [2])
            try spool.commit()
            try spool.deadLetter(batchID: "refused", reason: "400")
        }
        let report = try Spool.inspect(directory: directory.path)
        XCTAssertEqual(report.batches.map(\.status), [.deadLettered, .pending])
        XCTAssertEqual(report.deadLetters.count, 2)
        XCTAssertEqual(try openSpool(directory.path).pendingIDs, ["fine"])
    }

    func testAnIDThatIsNotAFileNameCannotEscapeTheFolder() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "../../etc/passwd ü", payload: [1])
        try spool.commit()
        try spool.deadLetter(batchID: "../../etc/passwd ü", reason: "400")
        let names = PosixStorage().list(directory.file("dead-letter"), suffix: ".reason")
        XCTAssertEqual(names.count, 1)
        XCTAssertTrue(names[0].hasSuffix("-.._.._etc_passwd___.reason"), names[0])
    }

    func testACorruptPayloadIsDeadLetteredAsItIsWithANote() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "damaged", payload: payload(300, seed: 1))
        try spool.commit()
        let file = directory.file(segmentFiles(directory.path)[0])
        try corruptByte(file, at: try fileSize(file) - 5)
        XCTAssertThrowsError(try spool.nextBatch()) { error in
            guard case .corruptRecord = error as? SpoolError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(try spool.deadLetter(batchID: "damaged", reason: "unreadable"))
        let reasons = PosixStorage().list(directory.file("dead-letter"), suffix: ".reason")
        let reason = String(
            decoding: try FileSystem.readAll(directory.file("dead-letter/" + reasons[0])),
            as: UTF8.self
        )
        XCTAssertTrue(reason.contains("the payload failed its check: CRC32C mismatch"), reason)
        XCTAssertEqual(spool.pendingIDs, [])
    }
}
