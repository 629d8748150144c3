// The SQLite store: the shared behaviour (SegmentStoreBehaviourTests.swift) on real files, and what only the
// embedded store promises: file and directory permissions, WAL, durable cursors, schema versions.
import Foundation
import Synchronization
import TracehoundCollector
import TracehoundConfig
import TracehoundTestKit
import XCTest

final class SQLiteSegmentStoreTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    private var behaviour: SegmentStoreBehaviour {
        let directory = directory!
        return SegmentStoreBehaviour { try SegmentStores.open(.sqlite(path: directory.file("\(UUID()).db"))) }
    }

    func testStoresABatchAndFeedsItsSegmentsInOrderWithTheirLinesVerbatim() throws {
        try behaviour.storesABatchAndFeedsItsSegmentsInOrderWithTheirLinesVerbatim()
    }

    func testFeedsPageByCursorAndLimit() throws {
        try behaviour.feedsPageByCursorAndLimit()
    }

    func testCountsAStoredSegmentIdAsADuplicate() throws {
        try behaviour.countsAStoredSegmentIdAsADuplicate()
    }

    func testAcknowledgesAReplayedBatchWithoutCountingItsCountersTwice() throws {
        try behaviour.acknowledgesAReplayedBatchWithoutCountingItsCountersTwice()
    }

    func testReportsStatsPerHost() throws {
        try behaviour.reportsStatsPerHost()
    }

    func testFiltersQueriesByEveryFilterAndKeepsTheMostRecent() throws {
        try behaviour.filtersQueriesByEveryFilterAndKeepsTheMostRecent()
    }

    func testKeepsEverySegmentOnceUnderConcurrentIngestWithAGaplessFeed() throws {
        try behaviour.keepsEverySegmentOnceUnderConcurrentIngestWithAGaplessFeed()
    }

    func testRefusesCallsOnceClosed() throws {
        try behaviour.refusesCallsOnceClosed()
    }

    func testCreatesTheFile0600AndMissingDirectories0700() throws {
        let path = directory.file("var/lib/collector/segments.db")
        let store = try SegmentStores.open(.sqlite(path: path))
        defer { store.close() }
        XCTAssertEqual(try permissions(path), 0o600)
        XCTAssertEqual(try permissions(directory.file("var/lib/collector")), 0o700)
        XCTAssertEqual(try permissions(directory.file("var")), 0o700)
    }

    func testWritesThroughAWriteAheadLog() throws {
        let path = directory.file("segments.db")
        let store = try SegmentStores.open(.sqlite(path: path))
        defer { store.close() }
        _ = try store.ingest(StoreFixtures.batch("b1", [StoreFixtures.segment(id: "a")]))
        let connection = try SQLiteConnection(path: path, flags: [.readOnly])
        XCTAssertEqual(try connection.pragma("journal_mode"), .text("wal"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    func testKeepsSegmentsAcrossReopeningAndNeverReusesACursor() throws {
        let path = directory.file("segments.db")
        var store = try SegmentStores.open(.sqlite(path: path))
        _ = try store.ingest(
            StoreFixtures.batch("b1", [StoreFixtures.segment(id: "a"), StoreFixtures.segment(id: "b")])
        )
        store.close()
        // Delete the newest row behind the store's back: AUTOINCREMENT must not hand its cursor out again.
        let newest = try SQLiteConnection(path: path)
        try newest.execute("DELETE FROM segment_rules; DELETE FROM segments WHERE id = 'b'")
        store = try SegmentStores.open(.sqlite(path: path))
        defer { store.close() }
        XCTAssertEqual(try store.ingest(StoreFixtures.batch("b1", [])).replayedBatch, true, "batch ids are durable")
        XCTAssertEqual(try store.ingest(StoreFixtures.batch("b2", [StoreFixtures.segment(id: "c")])).stored, 1)
        let feed = try store.feed(after: 0, limit: 10)
        XCTAssertEqual(feed.map(StoreFixtures.id), ["a", "c"])
        XCTAssertEqual(feed.map(\.cursor), [1, 3])
    }

    func testRefusesADatabaseWrittenByANewerCollector() throws {
        let path = directory.file("segments.db")
        try SegmentStores.open(.sqlite(path: path)).close()
        try SQLiteConnection(path: path).pragma("user_version", "99")
        XCTAssertThrowsError(try SegmentStores.open(.sqlite(path: path))) { error in
            XCTAssertEqual(error as? SegmentStoreError, .unknownSchemaVersion(found: 99, supported: 1))
        }
    }

    func testFailsABadBatchAloneAmongConcurrentOnes() throws {
        let path = directory.file("segments.db")
        let store = try SegmentStores.open(.sqlite(path: path))
        defer { store.close() }
        // A trigger refuses one host's segments: its batch fails, the batches committed with it do not.
        let connection = try SQLiteConnection(path: path)
        try connection.execute(
            """
            CREATE TRIGGER refuse_mallory BEFORE INSERT ON segments WHEN NEW.host = 'mallory'
            BEGIN SELECT RAISE(ABORT, 'mallory refused'); END
            """
        )
        let outcomes = Mutex<[String: String]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let host = index == 3 ? "mallory" : "agent-\(index)"
            let batch = StoreFixtures.batch("b\(index)", [StoreFixtures.segment(id: "s\(index)", host: host)])
            let outcome: String
            do { outcome = "stored \(try store.ingest(batch).stored)" } catch { outcome = "\(error)" }
            outcomes.withLock { $0[host] = outcome }
        }
        let results = outcomes.withLock { $0 }
        XCTAssertTrue(results["mallory"]?.contains("mallory refused") == true, "\(results)")
        for index in [0, 1, 2, 4, 5, 6, 7] { XCTAssertEqual(results["agent-\(index)"], "stored 1", "\(results)") }
        XCTAssertEqual(try store.feed(after: 0, limit: 10).count, 7)
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
