// The PostgreSQL store: the shared behaviour (SegmentStoreBehaviourTests.swift) against a throwaway server, each
// test in a database of its own, and what only the shared store promises: errors with SQLSTATE, schema versions,
// collectors creating the schema at the same time.
import Foundation
import Synchronization
import TracehoundCollector
import TracehoundConfig
import TracehoundTestKit
import XCTest

/// A throwaway server shared by a test class, and fresh databases on it.
final class PostgresTestDatabases: @unchecked Sendable {
    let server: PostgresServer
    private let admin: PostgresConnection
    private let created = Mutex(0)

    init() throws {
        server = try PostgresServer()
        admin = try PostgresConnection(server.conninfo)
    }

    /// A new empty database; its postgresql:// URL.
    func makeDatabase() throws -> String {
        let number = created.withLock { count in
            count += 1
            return count
        }
        let name = "store_\(number)"
        try admin.execute("CREATE DATABASE \(name)")
        let host = server.directory.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? server.directory
        return "postgresql://\(server.user)@/\(name)?host=\(host)&port=\(server.port)"
    }
}

final class PostgresSegmentStoreTests: XCTestCase {
    nonisolated(unsafe) private static var databases: PostgresTestDatabases?
    nonisolated(unsafe) private static var startFailure: (any Error)?

    override class func setUp() {
        super.setUp()
        do { databases = try PostgresTestDatabases() } catch { startFailure = error }
    }

    override class func tearDown() {
        try? databases?.server.stop()
        databases = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        // A missing PostgreSQL fails every test with the server's message (it names scripts/bootstrap).
        if let failure = Self.startFailure { throw failure }
    }

    private var databases: PostgresTestDatabases { Self.databases! }

    private var behaviour: SegmentStoreBehaviour {
        let databases = databases
        return SegmentStoreBehaviour { try SegmentStores.open(.postgresql(url: try databases.makeDatabase())) }
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

    func testStoresLinesThatAreNotValidUTF8ByteForByte() throws {
        let store = try SegmentStores.open(.postgresql(url: try databases.makeDatabase()))
        defer { store.close() }
        var segment = StoreFixtures.segment(id: "raw")
        segment.line += [0xFF, 0xFE, 0x00, 0x80]  // bytea keeps what text would refuse
        _ = try store.ingest(StoreFixtures.batch("b1", [segment]))
        XCTAssertEqual(try store.feed(after: 0, limit: 1).first?.line, segment.line)
    }

    func testSeveralCollectorsCreatingTheSchemaAtOnceAllSucceed() throws {
        let url = try databases.makeDatabase()
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            do {
                let store = try SegmentStores.open(.postgresql(url: url))
                _ = try store.ingest(StoreFixtures.batch("b\(index)", [StoreFixtures.segment(id: "s\(index)")]))
                store.close()
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        let store = try SegmentStores.open(.postgresql(url: url))
        defer { store.close() }
        XCTAssertEqual(try store.feed(after: 0, limit: 10).count, 4)
    }

    func testStatementErrorsCarryTheirSQLSTATE() throws {
        let url = try databases.makeDatabase()
        let store = try SegmentStores.open(.postgresql(url: url))
        defer { store.close() }
        try PostgresConnection(url).execute("DROP TABLE segment_rules")
        XCTAssertThrowsError(try store.ingest(StoreFixtures.batch("b1", [StoreFixtures.segment(id: "a")]))) {
            let error = $0 as? PostgresError
            XCTAssertEqual(error?.sqlState, "42P01", "undefined table: \($0)")
            XCTAssertTrue(error?.message.contains("segment_rules") == true, "\($0)")
        }
        XCTAssertEqual(try store.feed(after: 0, limit: 10), [], "the failed batch was rolled back whole")
        XCTAssertEqual(try store.ingest(StoreFixtures.batch("b2", [])).stored, 0, "the connection is still usable")
    }

    func testReplacesAConnectionTheServerDropped() throws {
        let url = try databases.makeDatabase()
        let store = try SegmentStores.open(.postgresql(url: url))
        defer { store.close() }
        _ = try store.ingest(StoreFixtures.batch("b1", [StoreFixtures.segment(id: "a")]))
        let name = try XCTUnwrap(URLComponents(string: url)?.path.dropFirst())
        let terminated = try PostgresConnection(databases.server.conninfo).execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1",
            [String(name)]
        )
        XCTAssertEqual(terminated.rowCount, 1, "the store held one idle connection")
        XCTAssertThrowsError(try store.feed(after: 0, limit: 10)) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .connection, "\(error)")
        }
        XCTAssertEqual(try store.feed(after: 0, limit: 10).count, 1, "the next call connects again")
        XCTAssertEqual(try store.ingest(StoreFixtures.batch("b2", [StoreFixtures.segment(id: "b")])).stored, 1)
    }

    func testRefusesADatabaseWrittenByANewerCollector() throws {
        let url = try databases.makeDatabase()
        try SegmentStores.open(.postgresql(url: url)).close()
        try PostgresConnection(url).execute("UPDATE tracehound_schema SET version = 99")
        XCTAssertThrowsError(try SegmentStores.open(.postgresql(url: url))) { error in
            XCTAssertEqual(error as? SegmentStoreError, .unknownSchemaVersion(found: 99, supported: 1))
        }
    }

    func testAnUnreachableServerFailsToOpenWithLibpqsReason() throws {
        let url = "postgresql://postgres@/postgres?host=/nonexistent-socket-dir&port=5432"
        XCTAssertThrowsError(try SegmentStores.open(.postgresql(url: url))) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .connection)
            XCTAssertTrue("\(error)".contains("/nonexistent-socket-dir"), "\(error)")
        }
    }
}
