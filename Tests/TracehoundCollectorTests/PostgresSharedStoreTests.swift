// Many collectors, one PostgreSQL database: two stores ingest at the same time while a feed reader polls, and the
// reader sees every segment exactly once (the ingest lock makes cursor order commit order).
import Foundation
import Synchronization
import TracehoundCollector
import TracehoundConfig
import TracehoundTestKit
import XCTest

final class PostgresSharedStoreTests: XCTestCase {
    func testTwoCollectorsSharingADatabaseFeedEverySegmentExactlyOnce() throws {
        let databases = try PostgresTestDatabases()
        defer { try? databases.server.stop() }
        let url = try databases.makeDatabase()
        let collectors = [try SegmentStores.open(.postgresql(url: url)), try SegmentStores.open(.postgresql(url: url))]
        let pipeline = try SegmentStores.open(.postgresql(url: url))
        defer { (collectors + [pipeline]).forEach { $0.close() } }

        let senders = 6
        let batchesPerSender = 15
        @Sendable func ids(_ sender: Int, _ batch: Int) -> [String] { (0..<4).map { "h\(sender)-b\(batch)-s\($0)" } }
        let expected = Set((0..<senders).flatMap { sender in (0..<batchesPerSender).flatMap { ids(sender, $0) } })

        let done = Mutex(0)
        let failures = Mutex<[String]>([])
        let reader = FeedReader(store: pipeline)
        Thread { reader.run(until: { done.withLock { $0 } == senders }) }.start()
        DispatchQueue.concurrentPerform(iterations: senders) { sender in
            defer { done.withLock { $0 += 1 } }
            for batch in 0..<batchesPerSender {
                // Each agent alternates collectors, as it would fail over; every third batch is resent to the
                // other collector, as after a lost answer.
                let segments = ids(sender, batch).map { StoreFixtures.segment(id: $0, host: "host-\(sender)") }
                let first = collectors[(sender + batch) % 2]
                do {
                    _ = try first.ingest(StoreFixtures.batch("h\(sender)-b\(batch)", segments))
                    if batch % 3 == 0 {
                        let replay = try collectors[(sender + batch + 1) % 2].ingest(
                            StoreFixtures.batch("h\(sender)-b\(batch)", segments)
                        )
                        XCTAssertEqual(replay, IngestResult(stored: 0, duplicates: 4, replayedBatch: true))
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        try waitUntil("the feed reader to finish") { reader.finished }
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertEqual(reader.problems, [])
        let seen = reader.seen
        XCTAssertEqual(seen.count - Set(seen).count, 0, "segments the reader saw twice")
        XCTAssertEqual(expected.subtracting(seen).sorted(), [], "segments the reader skipped")
        XCTAssertEqual(Set(seen).subtracting(expected).sorted(), [], "segments nobody sent")
        let stats = try pipeline.stats()
        XCTAssertEqual(stats.count, senders)
        XCTAssertTrue(stats.allSatisfy { $0.segments == batchesPerSender * 4 }, "\(stats)")
    }
}
