import Foundation
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

final class InspectionTests: XCTestCase {
    func testInspectListsFilesBatchesPositionsAndStatuses() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path, fileBytes: 700)
        try spool.append(batchID: "a", payload: payload(400, seed: 1), checkpoints: [checkpoint("s", 1)])
        try spool.commit()
        try spool.append(batchID: "b", payload: payload(400, seed: 2), checkpoints: [checkpoint("s", 2)])
        try spool.appendPositions([checkpoint("quiet", 5)], forgetting: ["old"])
        try spool.commit()
        try spool.acknowledge(batchID: "b")
        let report = try Spool.inspect(directory: directory.path)
        XCTAssertTrue(report.isHealthy)
        XCTAssertEqual(report.files.map(\.batches), [1, 1])
        XCTAssertEqual(report.files.map(\.pendingBatches), [1, 0])
        XCTAssertEqual(report.batches.map(\.id), ["a", "b"])
        XCTAssertEqual(report.batches.map(\.status), [.pending, .acknowledged])
        XCTAssertEqual(report.batches.map(\.payloadBytes), [400, 400])
        XCTAssertEqual(report.records.count, 3)
        XCTAssertEqual(report.records[2].kind, .positions(forgotten: ["old"]))
        XCTAssertEqual(report.records[1].checkpoints, [checkpoint("s", 2)])
        XCTAssertEqual(report.checkpoints, spool.checkpoints)
        XCTAssertEqual(report.records.map(\.sequence), report.records.map(\.sequence).sorted())
    }

    func testVerifyReportsDamageWithoutChangingAnything() throws {
        let directory = try TemporaryDirectory()
        do {
            let spool = try openSpool(directory.path, fileBytes: 700)
            for index in 0..<4 {
                try spool.append(batchID: "b\(index)", payload: payload(400, seed: index))
                try spool.commit()
            }
        }
        let files = segmentFiles(directory.path)
        try corruptByte(directory.file(files[1]), at: 200)
        try appendBytes(directory.file(files[3]), [1, 2, 3])
        let sizes = try files.map { try fileSize(directory.file($0)) }
        let report = try Spool.inspect(directory: directory.path)
        XCTAssertEqual(report.problems.map(\.file), [files[1], files[3]])
        XCTAssertEqual(report.problems.map(\.repair), [.quarantine, .truncate])
        XCTAssertEqual(report.problems[0].lostBatches, 0)
        XCTAssertTrue(report.problems[0].description.contains("CRC32C mismatch"), report.problems[0].description)
        XCTAssertEqual(report.batches.map(\.id), ["b0", "b2", "b3"], "what a restart would keep")
        XCTAssertEqual(segmentFiles(directory.path), files)
        XCTAssertEqual(try files.map { try fileSize(directory.file($0)) }, sizes)
        XCTAssertEqual(report.quarantined, [])
    }

    func testExportReturnsABatchPayloadByID() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "a", payload: payload(400, seed: 1))
        try spool.append(batchID: "b", payload: payload(300, seed: 2))
        try spool.commit()
        XCTAssertEqual(try Spool.exportPayload(directory: directory.path, batchID: "b"), payload(300, seed: 2))
        let report = try Spool.inspect(directory: directory.path)
        XCTAssertEqual(
            try Spool.exportPayload(directory: directory.path, batch: report.batches[0]),
            payload(400, seed: 1)
        )
        XCTAssertThrowsError(try Spool.exportPayload(directory: directory.path, batchID: "zzz")) { error in
            XCTAssertEqual(error as? SpoolError, .unknownBatch("zzz"))
        }
    }

    func testInspectWorksBesideAnOpenSpool() throws {
        let directory = try TemporaryDirectory()
        let spool = try openSpool(directory.path)
        try spool.append(batchID: "a", payload: [1])
        try spool.commit()
        XCTAssertEqual(try Spool.inspect(directory: directory.path).batches.map(\.id), ["a"])
        try spool.append(batchID: "b", payload: [2])
        try spool.commit()
        XCTAssertEqual(spool.pendingIDs, ["a", "b"])
    }
}
