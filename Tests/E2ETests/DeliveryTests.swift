// The whole path over loopback (issue 5): `tracehound run` tails a transcript, spools batches and forwards them to
// a real `tracehound-collector serve`, which stores them in SQLite or in a throwaway PostgreSQL. Each test reads
// back what was stored through `tracehound-collector query`, the feed or the stats, as the central pipeline would.
import Foundation
import TracehoundTestKit
import XCTest

final class DeliveryTests: XCTestCase {
    func deliver(store: String?) throws {
        let directory = try TemporaryDirectory()
        let collectorSetup = try CollectorSetup(directory, store: store)
        let collector = try collectorSetup.startAndWait()
        let token = try directory.write("agent/token", collectorSetup.token + "\n")
        let agent = try AgentSetup(
            directory,
            sinkURL: collectorSetup.baseURL + "/v1/batches",
            tokenFile: token
        )
        let daemon = try agent.start()
        var writer = TranscriptWriter(seed: 5)
        try writer.append(300, to: directory.file("logs/agent.log"))
        try waitUntil("every suspicious line stored", timeout: 120) {
            Set(suspiciousMarkers(in: try collectorSetup.storedSegments()).keys) == writer.expected
        }
        XCTAssertEqual(daemon.stop(), 0, daemon.logTail())

        let markers = suspiciousMarkers(in: try collectorSetup.storedSegments())
        XCTAssertTrue(markers.values.allSatisfy { $0.count == 1 }, "a suspicious line in two segments")
        // The feed gives the same segments in order, each with its cursor; stats know the host.
        let feed = try runCommand(
            [
                "curl", "-fsS", "-H", "Authorization: Bearer \(collectorSetup.token)",
                collectorSetup.baseURL + "/v1/segments?after=0&limit=10000",
            ],
            check: true
        )
        let cursors = try feed.stdout.split(separator: 0x0A).map {
            try XCTUnwrap((JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])?["cursor"] as? Int)
        }
        XCTAssertEqual(cursors.count, try collectorSetup.storedSegments().count)
        XCTAssertEqual(cursors, cursors.sorted(), "the feed is in store order")
        let stats = try runCommand(
            [
                "curl", "-fsS", "-H", "Authorization: Bearer \(collectorSetup.token)",
                collectorSetup.baseURL + "/v1/stats",
            ],
            check: true
        )
        XCTAssertTrue(stats.stdoutText.contains("\"e2e-host\""), stats.stdoutText)
        XCTAssertTrue(stats.stdoutText.contains("test.suspicious"), stats.stdoutText)
        // Nothing is left pending: every batch was acknowledged after the collector's commit.
        let inspect = try runCommand(
            [builtProductsDirectory() + "/tracehound", "spool", "inspect", "--data-dir", directory.file("data")],
            check: true
        )
        XCTAssertFalse(inspect.stdoutText.contains("pending "), inspect.stdoutText)
        XCTAssertEqual(collector.stop(), 0, collector.logTail())
    }

    func testSegmentsAreStoredOnceInSQLite() throws {
        try deliver(store: nil)
    }

    func testSegmentsAreStoredOnceInPostgreSQL() throws {
        let postgres = try PostgresServer()
        defer { try? postgres.stop() }
        try deliver(store: postgres.url)
    }

    func testABadTokenIsRetriedUntilTheCollectorAcceptsIt() throws {
        let directory = try TemporaryDirectory()
        let collectorSetup = try CollectorSetup(directory)
        let collector = try collectorSetup.startAndWait()
        let token = try directory.write("agent/token", "not-yet-accepted\n")
        let agent = try AgentSetup(directory, sinkURL: collectorSetup.baseURL + "/v1/batches", tokenFile: token)
        let daemon = try agent.start()
        var writer = TranscriptWriter(seed: 6)
        try writer.append(100, to: directory.file("logs/agent.log"))
        try waitUntil("the daemon reports the refusal", timeout: 60) {
            daemon.logTail(20000).contains("401")
        }
        XCTAssertTrue(try collectorSetup.storedSegments().isEmpty)
        // The operator adds the token on the collector and reloads it: the daemon's next retry gets through.
        try directory.write("collector/tokens", "\(collectorSetup.token)\nnot-yet-accepted e2e-host\n")
        kill(collector.pid, SIGHUP)
        try waitUntil("every suspicious line stored after the reload", timeout: 120) {
            Set(suspiciousMarkers(in: try collectorSetup.storedSegments()).keys) == writer.expected
        }
        XCTAssertEqual(daemon.stop(), 0, daemon.logTail())
        XCTAssertEqual(collector.stop(), 0, collector.logTail())
    }

    func testABatchTheCollectorRefusesAsTooLargeIsDeadLetteredAndTheRestStillArrives() throws {
        let directory = try TemporaryDirectory()
        let collectorSetup = try CollectorSetup(directory, extra: "limits: {max_decoded_bytes: 64KiB}")
        let collector = try collectorSetup.startAndWait()
        let token = try directory.write("agent/token", collectorSetup.token + "\n")
        let agent = try AgentSetup(directory, sinkURL: collectorSetup.baseURL + "/v1/batches", tokenFile: token)
        let daemon = try agent.start()
        let log = directory.file("logs/agent.log")
        // One segment of about 200 KB decoded: over the collector's limit, so its batch is answered 413.
        let huge = "SUSPICIOUS-0 " + String(repeating: "padding ", count: 25_000)
        try FileHandleForAppending(log).append(huge + "\n")
        try waitUntil("the oversized batch is dead-lettered", timeout: 60) {
            let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.file("data/spool/dead-letter"))
            return !(entries ?? []).isEmpty
        }
        var writer = TranscriptWriter(seed: 7)
        writer.serial = 1
        try writer.append(100, to: log)
        try waitUntil("later suspicious lines still arrive", timeout: 120) {
            Set(suspiciousMarkers(in: try collectorSetup.storedSegments()).keys) == writer.expected
        }
        XCTAssertTrue(daemon.logTail(20000).contains("413"), daemon.logTail())
        XCTAssertEqual(daemon.stop(), 0, daemon.logTail())
        XCTAssertEqual(collector.stop(), 0, collector.logTail())
    }

    func testAnAgentOverItsBatchRateGets429AndWaitsOutRetryAfter() throws {
        let directory = try TemporaryDirectory()
        // 30 a minute: a burst of 5, then one batch every 2 s, so each 429 says Retry-After: 2 (or 1).
        let collectorSetup = try CollectorSetup(directory, extra: "limits: {batches_per_host_per_minute: 30}")
        let collector = try collectorSetup.startAndWait()
        let token = try directory.write("agent/token", collectorSetup.token + "\n")
        let agent = try AgentSetup(directory, sinkURL: collectorSetup.baseURL + "/v1/batches", tokenFile: token)
        let daemon = try agent.start()
        var writer = TranscriptWriter(seed: 8)
        let log = directory.file("logs/agent.log")
        // A dozen bursts, each spooled before the next is written: a dozen batches, more than the burst of five.
        for _ in 0..<12 {
            try writer.append(60, to: log)
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: log)[.size] as? Int)
            try waitUntil("the burst spooled", timeout: 60) {
                let inspect = try runCommand(
                    [
                        builtProductsDirectory() + "/tracehound", "spool", "inspect", "--data-dir",
                        directory.file("data"),
                    ]
                )
                return inspect.stdoutText.contains("offset \(size) ")
            }
        }
        try waitUntil("every suspicious line stored despite the rate limit", timeout: 180) {
            Set(suspiciousMarkers(in: try collectorSetup.storedSegments()).keys) == writer.expected
        }
        XCTAssertEqual(daemon.stop(), 0, daemon.logTail())

        let metrics = try runCommand(["curl", "-fsS", collectorSetup.baseURL + "/metrics"], check: true).stdoutText
        func counter(_ name: String) -> Int {
            let line = metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        }
        let limited = counter("tracehound_collector_rejections_total{reason=\"rate_limited\"}")
        let stored = counter("tracehound_collector_batches_total{result=\"stored\"}")
        XCTAssertGreaterThan(stored, 6, "enough batches to pass the burst")
        XCTAssertGreaterThan(limited, 0, "the rate limit answered 429")
        // An agent that ignored Retry-After (backoff from 200 ms) would be refused many times per stored batch.
        XCTAssertLessThanOrEqual(limited, 2 * stored, "429s: \(limited) for \(stored) batches")
        XCTAssertEqual(collector.stop(), 0, collector.logTail())
    }
}
