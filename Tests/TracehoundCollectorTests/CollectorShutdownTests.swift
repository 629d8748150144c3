// A graceful stop: an ingest in flight commits and is answered 200 before the server stops, batches arriving
// meanwhile are answered 503 with Retry-After, and waiting feed requests are answered at once.
import Foundation
import TracehoundCollector
import TracehoundCore
import TracehoundForward
import TracehoundTestKit
import XCTest

/// A real store whose `ingest` waits at a gate the test opens: a seam to hold a commit in flight.
private final class GatedStore: SegmentStore, @unchecked Sendable {
    // @unchecked: `arrived` is guarded by `lock`; the rest is immutable or thread-safe.
    let inner: any SegmentStore
    private let gate = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var arrived = 0

    init(_ inner: any SegmentStore) { self.inner = inner }

    var ingestsWaiting: Int { lock.withLock { arrived } }
    func open() { gate.signal() }

    func ingest(_ batch: IngestBatch) throws -> IngestResult {
        lock.withLock { arrived += 1 }
        gate.wait()
        return try inner.ingest(batch)
    }
    func feed(after cursor: Int64, limit: Int) throws -> [StoredSegment] { try inner.feed(after: cursor, limit: limit) }
    func stats() throws -> [HostStats] { try inner.stats() }
    func query(_ query: SegmentQuery) throws -> [StoredSegment] { try inner.query(query) }
    func close() { inner.close() }
}

final class CollectorShutdownTests: XCTestCase {
    func testAStopLetsTheIngestInFlightCommitAndAnswersLaterBatches503() throws {
        let directory = try TemporaryDirectory()
        let store = GatedStore(try SegmentStores.open(.sqlite(path: directory.file("segments.db"))))
        let collector = try CollectorHarness(store: store)
        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        let held = try CollectorFixtures.batch(host: "h", count: 2, builder: &builder)
        let late = try CollectorFixtures.batch(host: "h", first: 2, count: 1, builder: &builder)
        let base = collector.base
        let poll = BackgroundRequest {
            try HTTPClient().get(
                url: base + "/v1/segments?after=1000&wait=60",
                headers: [("Authorization", "Bearer \(CollectorHarness.fleetToken)")]
            )
        }
        let inFlight = BackgroundRequest {
            try HTTPClient().post(
                url: base + "/v1/batches",
                body: held.frame,
                headers: CollectorHarness.batchHeaders(batchID: held.id)
            )
        }
        try waitUntil("the ingest reaches the store and a feed request waits", timeout: 30) {
            store.ingestsWaiting == 1 && collector.service.collector.feedWaiterCount == 1
        }

        let service = collector.service
        let stopping = BackgroundRequest {
            let drained = service.stop(timeout: .seconds(60))
            return HTTPResponse(status: drained ? 200 : 500, headers: [], body: [])
        }
        try waitUntil("the collector drains", timeout: 30) { collector.service.collector.isShuttingDown }
        try waitUntil("the waiting feed request is answered at once", timeout: 30) { poll.isDone }
        XCTAssertEqual(try poll.response().status, 200)
        XCTAssertEqual(try poll.response().header("Tracehound-Cursor"), "1000")

        let refused = try collector.post(late)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "1")
        XCTAssertFalse(inFlight.isDone)
        XCTAssertFalse(stopping.isDone, "the stop waits for the ingest in flight")

        store.open()
        try waitUntil("the held ingest is answered and the stop completes", timeout: 30) {
            inFlight.isDone && stopping.isDone
        }
        let answer = try inFlight.response()
        XCTAssertEqual(answer.status, 200, answer.bodyText)
        XCTAssertEqual(try CollectorFixtures.jsonObject(answer)["stored"] as? Int, 2)
        XCTAssertEqual(try stopping.response().status, 200, "drained within the timeout")
        XCTAssertEqual(try store.inner.feed(after: 0, limit: 10).count, 2)
    }
}
