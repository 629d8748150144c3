// The forwarder over a real spool, through the agent's adapter: acknowledged batches leave the spool, refused
// ones land in dead-letter/ with their reason, a corrupt record is dead-lettered without being sent, and what a
// drain could not deliver is still there after a restart.
import Foundation
import TracehoundConfig
import TracehoundForward
import TracehoundSpool
import TracehoundTestKit
import XCTest

@testable import TracehoundAgent

final class ForwardingSpoolTests: XCTestCase {
    func testTheAdapterHandsOutBatchesInSequenceOrderAfterTheLastTaken() throws {
        let directory = try TemporaryDirectory()
        let spool = try makeSpool(directory, batches: ["a", "b", "c"])
        defer { try? spool.close() }
        let queue = SpoolForwardQueue(spool: spool)

        let first = try XCTUnwrap(try queue.nextBatch(after: nil))
        XCTAssertEqual(first.id, "a")
        XCTAssertEqual(first.payload, Array("payload of a".utf8))
        let second = try XCTUnwrap(try queue.nextBatch(after: first.sequence))
        XCTAssertEqual(second.id, "b")
        XCTAssertEqual(queue.pendingBatchCount, 3)

        try queue.acknowledge(batchID: "b")  // out of order: allowed
        XCTAssertEqual(try queue.nextBatch(after: first.sequence)?.id, "c")
        XCTAssertEqual(queue.pendingBatchCount, 2)
        XCTAssertTrue(queue.waitForBatch(after: first.sequence, timeout: .seconds(5)))
        let third = try XCTUnwrap(try queue.nextBatch(after: second.sequence))
        XCTAssertNil(try queue.nextBatch(after: third.sequence))
        XCTAssertFalse(queue.waitForBatch(after: third.sequence, timeout: .milliseconds(50)))
    }

    func testDeliveredBatchesAreAcknowledgedInTheSpool() throws {
        let directory = try TemporaryDirectory()
        let collector = try LoopbackCollector()
        defer { collector.stop() }
        let spool = try makeSpool(directory, batches: (0..<5).map { "batch-\($0)" })
        defer { try? spool.close() }
        let forwarder = try Forwarder(config: loopbackSink(collector.url), queue: SpoolForwardQueue(spool: spool))

        XCTAssertEqual(forwarder.drain(timeout: .seconds(60)), 0)
        XCTAssertEqual(collector.received.map(\.batchID), (0..<5).map { "batch-\($0)" })
        XCTAssertEqual(collector.received.first?.body, Array("payload of batch-0".utf8))
        XCTAssertEqual(spool.statistics.acknowledgedBatches, 5)
        XCTAssertEqual(spool.statistics.pendingBatches, 0)
    }

    func testARefusedBatchGoesToTheDeadLetterFolderWithItsReasonAndTheNextIsDelivered() throws {
        let directory = try TemporaryDirectory()
        let collector = try LoopbackCollector { $0 == "refused" ? 400 : 200 }
        defer { collector.stop() }
        let spool = try makeSpool(directory, batches: ["refused", "accepted"])
        defer { try? spool.close() }
        let forwarder = try Forwarder(config: loopbackSink(collector.url), queue: SpoolForwardQueue(spool: spool))

        XCTAssertEqual(forwarder.drain(timeout: .seconds(60)), 0)
        XCTAssertEqual(spool.statistics.deadLetteredBatches, 1)
        XCTAssertEqual(spool.statistics.acknowledgedBatches, 1)
        let deadLetters = try FileManager.default.contentsOfDirectory(atPath: directory.file("spool/dead-letter"))
        let reasonFile = try XCTUnwrap(deadLetters.first { $0.hasSuffix("-refused.reason") }, "\(deadLetters)")
        let reason = try String(contentsOfFile: directory.file("spool/dead-letter/\(reasonFile)"), encoding: .utf8)
        XCTAssertTrue(reason.contains("reason: HTTP 400 from \(collector.url): answered 400"), reason)
        let payload = try Data(
            contentsOf: URL(fileURLWithPath: directory.file("spool/dead-letter/" + reasonFile))
                .deletingPathExtension().appendingPathExtension("ndjson.lz4")
        )
        XCTAssertEqual(Array(payload), Array("payload of refused".utf8), "the batch as it was spooled")
    }

    func testACorruptSpoolRecordIsDeadLetteredWithoutBeingSentAndTheRestIsDelivered() throws {
        let directory = try TemporaryDirectory()
        let collector = try LoopbackCollector()
        defer { collector.stop() }
        let spool = try makeSpool(directory, batches: ["before", "damaged", "after"])
        defer { try? spool.close() }
        // Flip the last payload byte of the middle record: its CRC no longer matches.
        let damaged = try XCTUnwrap(spool.pendingBatches().first { $0.id == "damaged" })
        let last = damaged.offset + Int64(Spool.recordBytes(batchID: "damaged", payloadBytes: damaged.payloadBytes)) - 1
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: directory.file("spool/\(damaged.file)")))
        try handle.seek(toOffset: UInt64(last))
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(last))
        try handle.write(contentsOf: [byte ^ 0xFF])
        try handle.close()

        let queue = SpoolForwardQueue(spool: spool)
        XCTAssertThrowsError(try queue.nextBatch(after: damaged.sequence - 1)) { error in
            XCTAssertEqual((error as? UnreadableBatch)?.batchID, "damaged", "\(error)")
            XCTAssertEqual((error as? UnreadableBatch)?.sequence, damaged.sequence)
        }
        let forwarder = try Forwarder(config: loopbackSink(collector.url), queue: queue)
        XCTAssertEqual(forwarder.drain(timeout: .seconds(60)), 0)
        XCTAssertEqual(collector.received.map(\.batchID), ["before", "after"])
        XCTAssertEqual(spool.statistics.deadLetteredBatches, 1)
        let reason = try String(
            contentsOfFile: directory.file(
                "spool/dead-letter/\(String(format: "%020d", damaged.sequence))-damaged.reason"
            ),
            encoding: .utf8
        )
        XCTAssertTrue(reason.contains("unreadable in the spool: corrupt record in \(damaged.file)"), reason)
        XCTAssertTrue(reason.contains("CRC32C mismatch"), reason)
    }

    func testWhatADrainCouldNotDeliverIsStillInTheSpoolAfterARestart() throws {
        let directory = try TemporaryDirectory()
        let spool = try makeSpool(directory, batches: ["one", "two"])
        let forwarder = try Forwarder(config: loopbackSink(try refusingURL()), queue: SpoolForwardQueue(spool: spool))
        XCTAssertEqual(forwarder.drain(timeout: .milliseconds(300)), 2)
        XCTAssertGreaterThan(forwarder.statistics.batchesRetried, 0)
        try spool.close()

        let reopened = try Spool.open(directory: directory.file("spool"), config: SpoolConfig())
        defer { try? reopened.close() }
        XCTAssertEqual(reopened.pendingBatches().map(\.id), ["one", "two"])
        let collector = try LoopbackCollector()
        defer { collector.stop() }
        let next = try Forwarder(config: loopbackSink(collector.url), queue: SpoolForwardQueue(spool: reopened))
        XCTAssertEqual(next.drain(timeout: .seconds(60)), 0)
        XCTAssertEqual(collector.received.map(\.batchID), ["one", "two"])
    }
}
