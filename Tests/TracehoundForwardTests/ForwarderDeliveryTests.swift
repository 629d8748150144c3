// Delivery on the happy path: the request as DESIGN.md §4 describes it, acknowledgements, keep-alive, concurrent
// workers, stopping and draining.
import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

final class ForwarderDeliveryTests: XCTestCase {
    func testPostsEachBatchWithItsHeadersAndAcknowledgesItOnA200() throws {
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue()
        let payload: [UInt8] = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }  // binary, like an LZ4 frame
        queue.add("b-1", payload: payload)
        queue.add("b-2")
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("both batches acknowledged") { queue.pendingBatchCount == 0 }
        XCTAssertEqual(queue.acknowledged, ["b-1": 1, "b-2": 1])
        let arrivals = collector.arrivals
        XCTAssertEqual(arrivals.map(\.batchID), ["b-1", "b-2"], "sent in sequence order")
        XCTAssertEqual(arrivals.first?.body, payload, "the payload is sent as it is")
        XCTAssertEqual(arrivals.first?.contentType, "application/x-ndjson")
        XCTAssertEqual(arrivals.first?.contentEncoding, "lz4")
        XCTAssertNil(arrivals.first?.authorization, "no token_file, no Authorization")

        let statistics = forwarder.statistics
        XCTAssertEqual(statistics.batchesSent, 2)
        XCTAssertEqual(statistics.batchesAcknowledged, 2)
        XCTAssertEqual(statistics.batchesRetried, 0)
        XCTAssertEqual(statistics.bytesSent, Int64(payload.count + Array("payload of b-2".utf8).count))
        XCTAssertEqual(statistics.consecutiveFailures, 0)
        XCTAssertNil(statistics.lastError)
    }

    func testDeliversBatchesAddedWhileRunning() throws {
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue()
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue)
        forwarder.start()
        defer { forwarder.stop() }
        for index in 0..<3 {
            queue.add("late-\(index)")
            try waitUntil("late-\(index) acknowledged") { queue.acknowledged["late-\(index)"] == 1 }
        }
    }

    func testKeepsOneConnectionAliveAcrossBatches() throws {
        let peer = try RawHTTPListener { _ in RawHTTPListener.response(status: 200, body: Array("ok".utf8)) }
        defer { peer.stop() }
        let queue = ArrayQueue(count: 5)
        let forwarder = try Forwarder(
            config: loopbackSink(["http://127.0.0.1:\(peer.port)/v1/batches"]),
            queue: queue
        )
        forwarder.start()
        defer { forwarder.stop() }
        try waitUntil("five batches acknowledged") { queue.pendingBatchCount == 0 }
        XCTAssertEqual(peer.received.count, 5)
        XCTAssertEqual(peer.acceptedConnections, 1, "every batch rode the first connection")
    }

    func testInFlightTwoSendsTwoBatchesAtOnceAndAcknowledgesEachExactlyOnce() throws {
        // A thread per connection (RawHTTPListener): libmicrohttpd's pool may serve two kept-alive connections on
        // one thread, where a handler that waits for the other request would wait for itself.
        let meeting = Meeting()
        let peer = try RawHTTPListener { _ in
            meeting.arrive(waitingFor: 2, timeout: 30)
            return RawHTTPListener.response(status: 200, body: Array("stored".utf8))
        }
        defer { peer.stop() }
        let queue = ArrayQueue(count: 20)
        let forwarder = try Forwarder(
            config: loopbackSink(["http://127.0.0.1:\(peer.port)/v1/batches"], inFlight: 2),
            queue: queue
        )
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("twenty batches acknowledged") { queue.pendingBatchCount == 0 }
        XCTAssertEqual(meeting.mostAtOnce, 2, "the handler saw two requests at once")
        XCTAssertEqual(queue.acknowledged, Dictionary(uniqueKeysWithValues: (0..<20).map { ("batch-\($0)", 1) }))
        let sent = peer.received.compactMap { $0.header("Tracehound-Batch-Id") }
        XCTAssertEqual(sent.count, 20, "no batch was sent twice: \(sent)")
        XCTAssertEqual(Set(sent).count, 20)
        XCTAssertEqual(Set(peer.received.map(\.connection)).count, 2, "one kept-alive connection per worker")
        XCTAssertEqual(forwarder.statistics.batchesAcknowledged, 20)
    }

    func testStopReturnsWhileTheCollectorIsDownAndLeavesTheBatchPending() throws {
        let queue = ArrayQueue(count: 2)
        let events = RecordedEvents()
        let forwarder = try Forwarder(
            config: loopbackSink([try refusingURL()], retryMin: .milliseconds(50), retryMax: .seconds(30)),
            queue: queue,
            events: events
        )
        forwarder.start()
        try waitUntil("a few refused attempts") { forwarder.statistics.batchesRetried >= 3 }
        forwarder.stop()
        XCTAssertEqual(queue.pendingBatchCount, 2, "undelivered batches stay in the queue")
        XCTAssertEqual(queue.acknowledged, [:])
        XCTAssertEqual(events.count("failing transport"), 1, "one event per streak, not per attempt")
        XCTAssertEqual(events.all.last, "stopped")
        let statistics = forwarder.statistics
        XCTAssertGreaterThanOrEqual(statistics.consecutiveFailures, 3)
        XCTAssertTrue(
            statistics.lastError?.contains("curl code 7") ?? false,
            "\(String(describing: statistics.lastError))"
        )
    }

    func testDrainDeliversWhatIsPendingThenStops() throws {
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue(count: 6)
        let forwarder = try Forwarder(config: loopbackSink([collector.url], inFlight: 2), queue: queue)
        XCTAssertEqual(forwarder.drain(timeout: .seconds(60)), 0)
        XCTAssertEqual(queue.acknowledged.count, 6)
        XCTAssertEqual(forwarder.statistics.inFlight, 0)
    }

    func testDrainGivesUpAfterItsTimeoutAndLeavesWhatIsLeftPending() throws {
        let queue = ArrayQueue(count: 3)
        let forwarder = try Forwarder(config: loopbackSink([try refusingURL()]), queue: queue)
        forwarder.start()
        XCTAssertEqual(forwarder.drain(timeout: .milliseconds(300)), 3)
        XCTAssertEqual(queue.acknowledged, [:])
    }
}

/// Requests meet here: the first ones wait until `count` are inside at once (or a timeout), and the most inside
/// at once is recorded.
private final class Meeting: @unchecked Sendable {
    // @unchecked: guarded by `condition`.
    private let condition = NSCondition()
    private var inside = 0
    private var most = 0
    private var met = false

    func arrive(waitingFor count: Int, timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.withLock {
            inside += 1
            most = max(most, inside)
            if inside >= count { met = true }
            condition.broadcast()
            while !met && condition.wait(until: deadline) {}
            inside -= 1
        }
    }

    var mostAtOnce: Int { condition.withLock { most } }
}
