// GET /v1/segments and GET /v1/stats against a real collector: the feed's format and cursor, long-polls that
// are answered by a commit or by their deadline without holding server threads, the parameters, who may read,
// and (on a throwaway PostgreSQL) a long-poll woken by another collector's commit.
import Foundation
import TracehoundCollector
import TracehoundConfig
import TracehoundCore
import TracehoundForward
import TracehoundTestKit
import XCTest

/// A request running on its own thread (with its own client), and its outcome once it is answered.
final class BackgroundRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<HTTPResponse, any Error>?
    let started = Date()
    private(set) var finished: Date?

    init(_ perform: @escaping @Sendable () throws -> HTTPResponse) {
        Thread.detachNewThread { [self] in
            let result = Result { try perform() }
            lock.withLock {
                outcome = result
                finished = Date()
            }
        }
    }

    var isDone: Bool { lock.withLock { outcome != nil } }
    var seconds: Double { lock.withLock { (finished ?? Date()).timeIntervalSince(started) } }
    func response() throws -> HTTPResponse { try XCTUnwrap(lock.withLock { outcome }).get() }
}

final class CollectorFeedTests: XCTestCase {
    private func feedRequest(_ collector: CollectorHarness, _ query: String) -> BackgroundRequest {
        let url = collector.base + "/v1/segments?" + query
        return BackgroundRequest {
            try HTTPClient().get(url: url, headers: [("Authorization", "Bearer \(CollectorHarness.fleetToken)")])
        }
    }

    func testTheFeedServesStoredLinesInOrderWithTheirCursorAsFirstMember() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        XCTAssertEqual(
            try collector.post(try CollectorFixtures.batch(host: "h", count: 2, builder: &builder)).status,
            200
        )
        XCTAssertEqual(
            try collector.post(try CollectorFixtures.batch(host: "h", first: 2, count: 1, builder: &builder)).status,
            200
        )

        let all = try collector.get("/v1/segments?after=0")
        XCTAssertEqual(all.status, 200)
        XCTAssertEqual(all.header("Content-Type"), "application/x-ndjson")
        let lines = all.body.split(separator: 0x0A)
        XCTAssertEqual(lines.count, 3)
        let cursors = try CollectorFixtures.feedLines(all).map { try XCTUnwrap($0["cursor"] as? Int) }
        XCTAssertEqual(cursors, cursors.sorted())
        XCTAssertEqual(all.header("Tracehound-Cursor"), String(cursors[2]))
        for (index, line) in lines.enumerated() {
            let original = CollectorFixtures.segment(host: "h", index: index).jsonLine.dropLast()
            XCTAssertEqual(Array(line), Array("{\"cursor\":\(cursors[index]),".utf8) + original.dropFirst())
        }

        let page = try collector.get("/v1/segments?after=\(cursors[0])&limit=1")
        XCTAssertEqual(try CollectorFixtures.feedLines(page).compactMap { $0["cursor"] as? Int }, [cursors[1]])
        XCTAssertEqual(page.header("Tracehound-Cursor"), String(cursors[1]))
        let end = try collector.get("/v1/segments?after=\(cursors[2])")
        XCTAssertEqual(end.status, 200)
        XCTAssertEqual(end.body, [])
        XCTAssertEqual(end.header("Tracehound-Cursor"), String(cursors[2]), "no segment: the cursor stays")
    }

    func testAnAnswerLongerThanOnePageOfTheStoreHoldsEverySegmentOnceInOrder() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "h", maxBytes: 8 << 20)
        XCTAssertEqual(
            try collector.post(try CollectorFixtures.batch(host: "h", count: 450, builder: &builder)).status,
            200
        )
        let response = try collector.get("/v1/segments?after=0&limit=1000")
        let cursors = try CollectorFixtures.feedLines(response).map { try XCTUnwrap($0["cursor"] as? Int) }
        XCTAssertEqual(cursors.count, 450)
        XCTAssertEqual(cursors, cursors.sorted())
        XCTAssertEqual(Set(cursors).count, 450)
        XCTAssertEqual(response.header("Tracehound-Cursor"), cursors.last.map(String.init))
    }

    func testAWaitingFeedRequestIsAnsweredAsSoonAsABatchIsIngested() throws {
        let collector = try CollectorHarness()
        let waiting = feedRequest(collector, "after=0&wait=10")
        try waitUntil("the feed request waits", timeout: 10) { collector.service.collector.feedWaiterCount == 1 }
        XCTAssertFalse(waiting.isDone)

        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        XCTAssertEqual(
            try collector.post(try CollectorFixtures.batch(host: "h", count: 2, builder: &builder)).status,
            200
        )
        try waitUntil("the waiting request is answered", timeout: 10) { waiting.isDone }
        XCTAssertLessThan(waiting.seconds, 9, "answered by the commit, not by its deadline")
        let response = try waiting.response()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try CollectorFixtures.feedLines(response).count, 2)
        XCTAssertEqual(collector.service.collector.feedWaiterCount, 0)
    }

    func testAnIdleWaitEndsWithNoSegmentsAndTheCursorItWasGivenCappedByMaxWait() throws {
        let collector = try CollectorHarness { $0.feed.maxWait = .seconds(1) }
        let idle = feedRequest(collector, "after=41&wait=1")
        let capped = feedRequest(collector, "after=41&wait=3600")
        try waitUntil("both requests are answered", timeout: 30) { idle.isDone && capped.isDone }
        for request in [idle, capped] {
            let response = try request.response()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, [])
            XCTAssertEqual(response.header("Tracehound-Cursor"), "41")
            XCTAssertGreaterThanOrEqual(request.seconds, 0.9)
            XCTAssertLessThan(request.seconds, 30)
        }
    }

    func testManyLongPollsDoNotBlockIngestOnATwoThreadPool() throws {
        let collector = try CollectorHarness { $0.threads = 2 }
        let polls = (0..<6).map { _ in feedRequest(collector, "after=0&wait=60") }
        try waitUntil("six requests wait", timeout: 20) { collector.service.collector.feedWaiterCount == 6 }

        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        let started = Date()
        let ingest = try collector.post(try CollectorFixtures.batch(host: "h", count: 1, builder: &builder))
        XCTAssertEqual(ingest.status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        try waitUntil("every long-poll is answered", timeout: 30) { polls.allSatisfy(\.isDone) }
        for poll in polls {
            XCTAssertEqual(try CollectorFixtures.feedLines(try poll.response()).count, 1)
        }
    }

    func testMalformedFeedParametersAre400AndAnOversizedLimitIsCapped() throws {
        let collector = try CollectorHarness()
        for query in ["after=-1", "after=abc", "after", "limit=0", "limit=ten", "wait=-1", "wait=soon", "wait=nan"] {
            let response = try collector.get("/v1/segments?" + query)
            XCTAssertEqual(response.status, 400, query)
        }
        XCTAssertEqual(try collector.get("/v1/segments?after=0&limit=1000000&wait=0").status, 200)
        XCTAssertEqual(try collector.get("/v1/segments").status, 200, "every parameter has a default")
    }

    func testOnlyCredentialsWithoutAHostMayReadTheFeedAndTheStats() throws {
        let collector = try CollectorHarness()
        for path in ["/v1/segments?after=0", "/v1/stats"] {
            XCTAssertEqual(try collector.get(path, token: nil).status, 401, path)
            let agent = try collector.get(path, token: CollectorHarness.agentToken)
            XCTAssertEqual(agent.status, 403, path)
            XCTAssertTrue(agent.bodyText.contains("bound to host \"agent-1\""), agent.bodyText)
            XCTAssertEqual(try collector.get(path, token: CollectorHarness.fleetToken).status, 200, path)
        }
    }

    func testStatsReportEachHostsBatchesHeartbeatSegmentsAndHitsPerRule() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "agent-1", maxBytes: 1 << 20)
        builder.add(CollectorFixtures.segment(host: "agent-1", index: 0))
        builder.addCounters(["tests.skip-intent": 3, "secrets.env": 1], records: 1_000, bytes: 50_000)
        builder.addHeartbeat(version: "0.1.0-test")
        XCTAssertEqual(try collector.post(try builder.finish(), token: CollectorHarness.agentToken).status, 200)

        let response = try collector.get("/v1/stats")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        let hosts = try XCTUnwrap(try CollectorFixtures.jsonObject(response)["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.count, 1)
        let host = try XCTUnwrap(hosts.first)
        XCTAssertEqual(host["host"] as? String, "agent-1")
        XCTAssertEqual(host["segments"] as? Int, 1)
        XCTAssertEqual(host["version"] as? String, "0.1.0-test")
        XCTAssertEqual(host["hits"] as? [String: Int], ["tests.skip-intent": 3, "secrets.env": 1])
        for key in ["last_batch", "last_heartbeat"] {
            let text = try XCTUnwrap(host[key] as? String, key)
            XCTAssertNotNil(ISO8601DateFormatter.withFractionalSeconds.date(from: text), text)
        }
    }

    func testOnPostgreSQLAWaitingRequestSeesABatchThatAnotherCollectorStored() throws {
        let postgres = try PostgresServer()
        defer { try? postgres.stop() }
        let reader = try CollectorHarness { $0.store = .postgresql(url: postgres.url) }
        let writer = try CollectorHarness { $0.store = .postgresql(url: postgres.url) }
        let waiting = feedRequest(reader, "after=0&wait=30")
        try waitUntil("the feed request waits", timeout: 20) { reader.service.collector.feedWaiterCount == 1 }

        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        XCTAssertEqual(try writer.post(try CollectorFixtures.batch(host: "h", count: 3, builder: &builder)).status, 200)
        try waitUntil("the reader's poll finds the other collector's segments", timeout: 25) { waiting.isDone }
        XCTAssertLessThan(waiting.seconds, 25)
        XCTAssertEqual(try CollectorFixtures.feedLines(try waiting.response()).count, 3)
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
