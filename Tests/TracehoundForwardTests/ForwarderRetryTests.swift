// Retries against a real server: backoff on 5xx and 401, Retry-After honoured on 429 and 503 (gaps measured on the
// server side; only lower bounds are asserted), one event per failure streak.
import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

final class ForwarderRetryTests: XCTestCase {
    /// Seconds between consecutive arrivals.
    private func gaps(_ arrivals: [Arrival]) -> [Double] {
        zip(arrivals.dropFirst(), arrivals).map { $0.time.seconds(since: $1.time) }
    }

    func test401IsRetriedWithBackoffAndReportedOnceThenTheBatchIsDelivered() throws {
        let collector = try ScriptedCollector(script: [(401, []), (401, []), (403, [])])
        defer { collector.stop() }
        let queue = ArrayQueue(count: 1)
        let events = RecordedEvents()
        let forwarder = try Forwarder(
            config: loopbackSink([collector.url], retryMin: .milliseconds(100), retryMax: .seconds(1)),
            queue: queue,
            events: events
        )
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("delivered after the refusals") { queue.acknowledged["batch-0"] == 1 }
        XCTAssertEqual(collector.arrivals.count, 4)
        for gap in gaps(collector.arrivals) {
            XCTAssertGreaterThanOrEqual(gap, 0.099, "every retry waits at least retry_min")
        }
        XCTAssertEqual(events.count("credentialsRejected"), 1, "loud once per streak: \(events.all)")
        XCTAssertEqual(events.count("failing"), 0, "a credentials streak is reported as such")
        XCTAssertEqual(events.count("recovered 3"), 1)
        XCTAssertEqual(forwarder.statistics.batchesRetried, 3)
        XCTAssertEqual(forwarder.statistics.consecutiveFailures, 0)
    }

    func test429WithRetryAfterTwoSecondsIsNotResentBeforeThen() throws {
        let collector = try ScriptedCollector(script: [(429, [("Retry-After", "2")])])
        defer { collector.stop() }
        let queue = ArrayQueue(count: 1)
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("delivered after the wait") { queue.acknowledged["batch-0"] == 1 }
        let arrivals = collector.arrivals
        XCTAssertEqual(arrivals.map(\.batchID), ["batch-0", "batch-0"])
        XCTAssertGreaterThanOrEqual(gaps(arrivals)[0], 1.9, "Retry-After: 2 was honoured")
    }

    func test503WithAnHTTPDateRetryAfterIsNotResentBeforeThatDate() throws {
        let collector = try ScriptedCollector { _, index in
            guard index == 0 else { return HTTPServerResponse.text(200, "stored") }
            // Three seconds ahead, at whole-second resolution: at least two seconds from now.
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = formatter.string(from: Date().addingTimeInterval(3))
            return HTTPServerResponse(status: 503, headers: [("Retry-After", date)], body: Array("busy".utf8))
        }
        defer { collector.stop() }
        let queue = ArrayQueue(count: 1)
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("delivered after the date") { queue.acknowledged["batch-0"] == 1 }
        XCTAssertEqual(collector.arrivals.count, 2)
        XCTAssertGreaterThanOrEqual(gaps(collector.arrivals)[0], 1.9, "the HTTP-date was honoured")
    }

    func test500IsRetriedWithGrowingBackoffAndReportedOnceAsAStreak() throws {
        let collector = try ScriptedCollector(script: [(500, []), (502, []), (500, [])])
        defer { collector.stop() }
        let queue = ArrayQueue(count: 2)
        let events = RecordedEvents()
        let forwarder = try Forwarder(
            config: loopbackSink([collector.url], retryMin: .milliseconds(100), retryMax: .seconds(2)),
            queue: queue,
            events: events
        )
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("both delivered") { queue.pendingBatchCount == 0 }
        let arrivals = collector.arrivals
        XCTAssertEqual(arrivals.compactMap(\.batchID), ["batch-0", "batch-0", "batch-0", "batch-0", "batch-1"])
        for gap in gaps(Array(arrivals.prefix(4))) {
            XCTAssertGreaterThanOrEqual(gap, 0.099, "backoff waits at least retry_min")
        }
        XCTAssertEqual(events.count("failing 500"), 1, "\(events.all)")
        XCTAssertEqual(events.count("recovered 3"), 1)
        let statistics = forwarder.statistics
        XCTAssertEqual(statistics.batchesSent, 5)
        XCTAssertEqual(statistics.batchesRetried, 3)
        XCTAssertEqual(statistics.batchesAcknowledged, 2)
        XCTAssertEqual(statistics.lastError, "HTTP 500 from \(collector.url): scripted 500")
    }

    func testARetryAfterFromAURLHoldsBackEveryWorkerUsingIt() throws {
        let collector = try ScriptedCollector(script: [(429, [("Retry-After", "2")])])
        defer { collector.stop() }
        let queue = ArrayQueue(count: 1)
        let forwarder = try Forwarder(config: loopbackSink([collector.url], inFlight: 2), queue: queue)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("the first answer was a 429") { forwarder.statistics.batchesRetried == 1 }
        queue.add("second")  // the idle worker takes it, and must wait for the same Retry-After
        try waitUntil("both delivered") { queue.pendingBatchCount == 0 }
        let arrivals = collector.arrivals
        let refused = try XCTUnwrap(arrivals.first)
        let second = try XCTUnwrap(arrivals.first { $0.batchID == "second" })
        XCTAssertGreaterThanOrEqual(second.time.seconds(since: refused.time), 1.9, "the other worker waited too")
    }

    func testConnectionRefusedOnTheFirstURLFailsOverToTheSecond() throws {
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let refused = try refusingURL()
        let queue = ArrayQueue(count: 3)
        let events = RecordedEvents()
        let forwarder = try Forwarder(config: loopbackSink([refused, collector.url]), queue: queue, events: events)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("every batch delivered") { queue.pendingBatchCount == 0 }
        XCTAssertEqual(collector.arrivals.compactMap(\.batchID), ["batch-0", "batch-1", "batch-2"])
        XCTAssertEqual(events.count("failedOver \(refused) -> \(collector.url)"), 1)
        XCTAssertEqual(forwarder.statistics.batchesRetried, 1, "only the first attempt went to the dead URL")
    }

    func testRequestsReturnToTheFirstURLAfterTheFailbackInterval() throws {
        let first = try ScriptedCollector(script: [(500, [])])
        defer { first.stop() }
        let second = try ScriptedCollector(script: [])
        defer { second.stop() }
        let queue = ArrayQueue(count: 1)
        let events = RecordedEvents()
        var timing = ForwarderTiming()
        timing.failbackAfter = .milliseconds(300)
        let forwarder = try Forwarder(
            config: loopbackSink([first.url, second.url]),
            queue: queue,
            events: events,
            timing: timing
        )
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("the first batch delivered by the second URL") { second.arrivals.count == 1 }
        var added = 0
        try waitUntil("a later batch back on the first URL") {
            if queue.pendingBatchCount == 0 {
                added += 1
                queue.add("later-\(added)")
            }
            return first.arrivals.count == 2
        }
        XCTAssertEqual(events.count("returned \(first.url)"), 1)
        try waitUntil("every batch delivered") { queue.pendingBatchCount == 0 }
    }
}
