// Each answer is decided once: acknowledge, retry or dead-letter (ForwarderDecision.swift holds the table), and
// a refusal for good never blocks the batches after it.
import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

final class ForwarderDecisionTests: XCTestCase {
    private func decide(_ status: Int, _ headers: [(name: String, value: String)] = [], body: String = "")
        -> ForwarderDecision
    {
        ForwarderDecision(
            response: HTTPResponse(status: status, headers: headers, body: Array(body.utf8)),
            url: "http://collector/v1/batches"
        )
    }

    private func retry(_ status: Int, _ headers: [(name: String, value: String)] = []) -> ForwarderRetry? {
        if case .retry(let retry) = decide(status, headers) { return retry }
        return nil
    }

    func testEverySuccessStatusAcknowledges() {
        for status in [200, 201, 202, 204, 299] {
            XCTAssertEqual(decide(status), .acknowledge, "\(status)")
        }
    }

    func testClientErrorsButAuthenticationTimeoutAndThrottlingAreDeadLettered() {
        for status in [400, 409, 410, 411, 413, 415, 422, 451, 499] {
            guard case .deadLetter(let decided, _) = decide(status) else {
                return XCTFail("\(status) not dead-lettered")
            }
            XCTAssertEqual(decided, status)
        }
        for status in [401, 403, 408, 429] {
            XCTAssertNotNil(retry(status), "\(status) is retried")
        }
    }

    func testAURLThatIsNoBatchEndpointIsRetriedOnTheNextURLNotDeadLettered() {
        for status in [404, 405] {
            XCTAssertEqual(retry(status)?.cause, .unexpectedStatus(status: status))
            XCTAssertEqual(retry(status)?.failover, true)
        }
    }

    func testTheDeadLetterReasonNamesTheStatusTheURLAndTheStartOfTheBody() {
        let body = "line 3: not JSON\nmore detail " + String(repeating: "x", count: 500)
        guard case .deadLetter(_, let reason) = decide(400, body: body) else { return XCTFail("not dead-lettered") }
        XCTAssertTrue(
            reason.hasPrefix("HTTP 400 from http://collector/v1/batches: line 3: not JSON more detail"),
            reason
        )
        XCTAssertTrue(reason.hasSuffix("…"), "a long body is cut: \(reason)")
        XCTAssertLessThan(reason.count, 300)
        XCTAssertFalse(reason.contains("\n"), "one line")
    }

    func testCredentialsAreRetriedWithoutFailover() {
        for status in [401, 403] {
            XCTAssertEqual(retry(status)?.cause, .rejectedCredentials(status: status))
            XCTAssertEqual(retry(status)?.failover, false)
        }
    }

    func testServerErrorsAndOddStatusesAreRetriedOnTheNextURL() {
        for status in [500, 502, 503, 504, 599] {
            XCTAssertEqual(retry(status)?.cause, .serverError(status: status))
            XCTAssertEqual(retry(status)?.failover, true, "\(status)")
        }
        for status in [101, 301, 302, 304, 308, 600] {
            XCTAssertEqual(retry(status)?.cause, .unexpectedStatus(status: status))
            XCTAssertEqual(retry(status)?.failover, true, "\(status)")
        }
        XCTAssertEqual(retry(429)?.failover, false, "429 asks this agent to slow down; another URL would not help")
    }

    func testRetryAfterIsTakenFrom429And503Only() {
        let header = [(name: "Retry-After", value: "7")]
        XCTAssertEqual(retry(429, header)?.retryAfter, .seconds(7))
        XCTAssertEqual(retry(503, header)?.retryAfter, .seconds(7))
        XCTAssertNil(retry(500, header)?.retryAfter)
        XCTAssertNil(retry(408, header)?.retryAfter)
        XCTAssertNil(retry(401, header)?.retryAfter)
    }

    func testATransportErrorIsRetriedOnTheNextURL() {
        let error = HTTPClientError(
            kind: .couldNotConnect,
            code: 7,
            message: "Couldn't connect to server",
            detail: "Failed to connect to 127.0.0.1 port 9: Connection refused",
            url: "http://127.0.0.1:9/v1/batches"
        )
        guard case .retry(let retry) = ForwarderDecision(error: error) else { return XCTFail("not retried") }
        XCTAssertEqual(retry.cause, .transport(.couldNotConnect))
        XCTAssertTrue(retry.failover)
        XCTAssertTrue(retry.message.contains("Connection refused"), retry.message)
    }

    // MARK: Against a real server

    func test400DeadLettersTheBatchAndTheNextBatchStillGoes() throws {
        let collector = try ScriptedCollector { request, _ in
            request.header("Tracehound-Batch-Id") == "bad"
                ? HTTPServerResponse.text(400, "line 1: expected '{'") : HTTPServerResponse.text(200, "stored")
        }
        defer { collector.stop() }
        let queue = ArrayQueue()
        queue.add("bad")
        queue.add("good")
        let events = RecordedEvents()
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue, events: events)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("both batches settled") { queue.pendingBatchCount == 0 }
        XCTAssertEqual(queue.deadLettered["bad"], "HTTP 400 from \(collector.url): line 1: expected '{'")
        XCTAssertEqual(queue.acknowledged, ["good": 1])
        XCTAssertEqual(collector.arrivals.map(\.batchID), ["bad", "good"], "the refused batch was sent once")
        XCTAssertEqual(events.count("deadLettered bad 400"), 1)
        XCTAssertEqual(forwarder.statistics.batchesDeadLettered, 1)
        XCTAssertEqual(forwarder.statistics.batchesRetried, 0)
    }

    func test413FromTheServersBodyLimitDeadLettersTheBatch() throws {
        // The server's own limit answers 413 before reading the body: no scripted status here.
        let collector = try ScriptedCollector(script: [], configure: { $0.maxBodyBytes = 1024 })
        defer { collector.stop() }
        let queue = ArrayQueue()
        queue.add("huge", payload: Array(repeating: 0x42, count: 64 << 10))
        queue.add("small")
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("both batches settled") { queue.pendingBatchCount == 0 }
        XCTAssertTrue(queue.deadLettered["huge"]?.hasPrefix("HTTP 413 from ") ?? false, "\(queue.deadLettered)")
        XCTAssertEqual(queue.acknowledged, ["small": 1])
    }

    func testAnUnreadableBatchIsDeadLetteredWithoutBeingSent() throws {
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue()
        queue.add("torn", unreadableReason: "CRC32C mismatch")
        queue.add("fine")
        let events = RecordedEvents()
        let forwarder = try Forwarder(config: loopbackSink([collector.url]), queue: queue, events: events)
        forwarder.start()
        defer { forwarder.stop() }

        try waitUntil("both batches settled") { queue.pendingBatchCount == 0 }
        XCTAssertEqual(queue.deadLettered["torn"], "unreadable in the spool: CRC32C mismatch")
        XCTAssertEqual(collector.arrivals.map(\.batchID), ["fine"])
        XCTAssertEqual(events.count("unreadable torn"), 1)
    }
}
