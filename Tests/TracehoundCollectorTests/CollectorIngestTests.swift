// POST /v1/batches against a real collector on loopback and a real SQLite store: delivery, replay, every refusal
// with its status, and the counters /metrics shows.
import Foundation
import TracehoundCollector
import TracehoundCore
import TracehoundForward
import TracehoundTestKit
import XCTest

final class CollectorIngestTests: XCTestCase {
    func testTheCurlCommandDeliversABatchAndTheAnswerCountsWhatWasStored() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "agent-1", maxBytes: 1 << 20)
        let batch = try CollectorFixtures.batch(host: "agent-1", count: 3, builder: &builder)
        let body = try collector.directory.write("batch.lz4", "")
        try Data(batch.frame).write(to: URL(fileURLWithPath: body))

        let result = try runCommand(
            [
                "curl", "-sS", "-i", "-H", "Content-Type: application/x-ndjson", "-H", "Content-Encoding: lz4",
                "-H", "Tracehound-Batch-Id: \(batch.id)", "-H", "Authorization: Bearer \(CollectorHarness.agentToken)",
                "--data-binary", "@" + body, collector.base + "/v1/batches",
            ],
            check: true
        )
        XCTAssertTrue(result.stdoutText.hasPrefix("HTTP/1.1 200"), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains("Content-Type: application/json"), result.stdoutText)
        XCTAssertTrue(
            result.stdoutText.hasSuffix("{\"batch\":\"\(batch.id)\",\"stored\":3,\"duplicates\":0}\n"),
            result.stdoutText
        )
        let stored = try collector.store.feed(after: 0, limit: 10)
        XCTAssertEqual(
            stored.map(\.line),
            (0..<3).map { Array(CollectorFixtures.segment(host: "agent-1", index: $0).jsonLine.dropLast()) }
        )
    }

    func testAReplayedBatchIsAnswered200WithItsSegmentsCountedAsDuplicatesAndStoredOnce() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "agent-1", maxBytes: 1 << 20)
        let batch = try CollectorFixtures.batch(host: "agent-1", count: 4, builder: &builder)
        let first = try collector.post(batch)
        XCTAssertEqual(first.status, 200, first.bodyText)
        XCTAssertEqual(try CollectorFixtures.jsonObject(first)["stored"] as? Int, 4)

        let replay = try collector.post(batch)
        XCTAssertEqual(replay.status, 200, replay.bodyText)
        let answer = try CollectorFixtures.jsonObject(replay)
        XCTAssertEqual(answer["batch"] as? String, batch.id)
        XCTAssertEqual(answer["stored"] as? Int, 0)
        XCTAssertEqual(answer["duplicates"] as? Int, 4)
        XCTAssertEqual(try collector.store.feed(after: 0, limit: 100).count, 4)

        let metrics = try collector.get("/metrics", token: nil).bodyText
        XCTAssertTrue(metrics.contains("tracehound_collector_batches_total{result=\"stored\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("tracehound_collector_batches_total{result=\"replayed\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("tracehound_collector_segments_total{result=\"duplicate\"} 4\n"), metrics)
    }

    func testNoTokenOrAnUnknownTokenIsAnswered401WithABearerChallenge() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "agent-1", maxBytes: 1 << 20)
        let batch = try CollectorFixtures.batch(host: "agent-1", count: 1, builder: &builder)
        let missing = try collector.post(frame: batch.frame, batchID: batch.id, token: nil)
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.header("WWW-Authenticate"), "Bearer realm=\"tracehound\"")
        let wrong = try collector.post(frame: batch.frame, batchID: batch.id, token: "not-a-listed-token-0123456789")
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.header("WWW-Authenticate"), "Bearer realm=\"tracehound\", error=\"invalid_token\"")
        let basic = try collector.post(
            frame: batch.frame,
            batchID: batch.id,
            headers: [("Authorization", "Basic \(CollectorHarness.fleetToken)")]
        )
        XCTAssertEqual(basic.status, 401)
        XCTAssertEqual(try collector.store.feed(after: 0, limit: 10).count, 0)
        XCTAssertEqual(collector.service.collector.metrics.rejections(.unauthenticated), 3)
    }

    func testAnUnauthenticatedBodyIsRefusedFromItsHeadBeforeItIsUploaded() throws {
        let collector = try CollectorHarness()
        let body = collector.directory.file("eight-mebibytes")
        try Data(count: 8 << 20).write(to: URL(fileURLWithPath: body))
        // curl asks `Expect: 100-continue` for a body this big: the 401 must come instead of the 100.
        let result = try runCommand(
            [
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}", "-H", "Content-Encoding: lz4",
                "-H", "Tracehound-Batch-Id: b-1", "--data-binary", "@" + body, collector.base + "/v1/batches",
            ],
            check: true
        )
        let fields = result.stdoutText.split(separator: " ")
        XCTAssertEqual(fields.first, "401", result.stdoutText)
        XCTAssertLessThan(Int(fields.last ?? "") ?? .max, 1 << 20, "the body was uploaded before the refusal")
        XCTAssertEqual(collector.service.collector.metrics.rejections(.unauthenticated), 1)
    }

    func testAnAgentOverItsBatchRateIsAnswered429WithRetryAfterAndOthersAreNot() throws {
        // 6 a minute: a burst of one, then one every 10 s.
        let collector = try CollectorHarness { $0.limits.batchesPerHostPerMinute = 6 }
        var builder = BatchBuilder(host: CollectorHarness.agentHost, maxBytes: 1 << 20)
        let first = try CollectorFixtures.batch(host: CollectorHarness.agentHost, count: 1, builder: &builder)
        XCTAssertEqual(try collector.post(first, token: CollectorHarness.agentToken).status, 200)
        let over = try CollectorFixtures.batch(host: CollectorHarness.agentHost, first: 1, count: 1, builder: &builder)
        let refused = try collector.post(over, token: CollectorHarness.agentToken)
        XCTAssertEqual(refused.status, 429, refused.bodyText)
        let wait = try XCTUnwrap(refused.header("Retry-After").flatMap { Int($0) })
        XCTAssertTrue((1...10).contains(wait), "Retry-After \(wait): the seconds until the next token")
        XCTAssertEqual(collector.service.collector.metrics.rejections(.rateLimited), 1)
        // Another agent (the fleet token, keyed by this address) has a bucket of its own.
        var other = BatchBuilder(host: "agent-9", maxBytes: 1 << 20)
        let batch = try CollectorFixtures.batch(host: "agent-9", count: 1, builder: &other)
        XCTAssertEqual(try collector.post(batch).status, 200)
    }

    func testAHostBoundTokenPostsItsOwnHostAndIsRefused400ForAnother() throws {
        let collector = try CollectorHarness()
        var other = BatchBuilder(host: "agent-2", maxBytes: 1 << 20)
        let foreign = try CollectorFixtures.batch(host: "agent-2", count: 2, builder: &other)
        let refused = try collector.post(foreign, token: CollectorHarness.agentToken)
        XCTAssertEqual(
            refused.status,
            400,
            "a batch naming another host can never be accepted: dead-lettered, not retried"
        )
        XCTAssertEqual(
            refused.bodyText,
            "line 1: host \"agent-2\" is not the host this credential is bound to (\"agent-1\")\n"
        )
        var own = BatchBuilder(host: "agent-1", maxBytes: 1 << 20)
        XCTAssertEqual(
            try collector.post(
                try CollectorFixtures.batch(host: "agent-1", count: 1, builder: &own),
                token: CollectorHarness.agentToken
            ).status,
            200
        )
        XCTAssertEqual(
            try collector.post(foreign, token: CollectorHarness.fleetToken).status,
            200,
            "a fleet token posts any host"
        )
    }

    func testAMalformedBatchIsAnswered400NamingTheFirstBadLineAndNothingIsStored() throws {
        let collector = try CollectorHarness()
        let good = String(decoding: CollectorFixtures.segment(host: "h", index: 0).jsonLine, as: UTF8.self)
        let ndjson = good + good.replacingOccurrences(of: "\"id\":", with: "\"ID\":") + "{\"v\":1,\"type\":\"x\"}\n"
        let response = try collector.post(frame: try LZ4Frame.compress(Array(ndjson.utf8)), batchID: "bad-1")
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.bodyText, "line 2: missing \"id\"\n")
        XCTAssertEqual(try collector.store.feed(after: 0, limit: 10).count, 0, "a batch is stored whole or not at all")
    }

    func testABatchWithoutItsIdIs400AndOneNotInLZ4Is415() throws {
        let collector = try CollectorHarness()
        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        let batch = try CollectorFixtures.batch(host: "h", count: 1, builder: &builder)
        let noID = try collector.post(frame: batch.frame, batchID: nil)
        XCTAssertEqual(noID.status, 400)
        XCTAssertTrue(noID.bodyText.contains("Tracehound-Batch-Id is required"), noID.bodyText)
        let gzip = try collector.post(frame: batch.frame, batchID: batch.id, headers: [("Content-Encoding", "gzip")])
        XCTAssertEqual(gzip.status, 415)
        XCTAssertEqual(gzip.header("Accept-Encoding"), "lz4")
        let none = try collector.post(frame: batch.frame, batchID: batch.id, headers: [("Content-Encoding", "")])
        XCTAssertEqual(none.status, 415)
        XCTAssertEqual(try collector.post(batch).status, 200)
    }

    func testABodyOverMaxBodyBytesIsAnswered413() throws {
        let collector = try CollectorHarness { $0.limits.maxBodyBytes = 4 << 10 }
        XCTAssertEqual(collector.service.server.configuration.maxBodyBytes, 4 << 10, "the limit reaches the server")
        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        // Text that does not compress: random hex in each segment.
        for index in 0..<20 {
            let noise = (0..<200).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
            builder.add(CollectorFixtures.segment(host: "h", index: index, text: noise))
        }
        let batch = try builder.finish()
        XCTAssertGreaterThan(batch.frame.count, 4 << 10)
        XCTAssertEqual(try collector.post(batch).status, 413)
    }

    func testAFrameThatDeclaresOneKibibyteAndInflatesPastMaxDecodedBytesIsAnswered413() throws {
        let collector = try CollectorHarness { $0.limits.maxDecodedBytes = 64 << 10 }
        let bomb = try CollectorFixtures.lyingFrame(declaring: 1024, inflatingTo: 8 << 20)
        let response = try collector.post(frame: bomb, batchID: "bomb-1")
        XCTAssertEqual(response.status, 413, response.bodyText)
        XCTAssertEqual(collector.service.collector.metrics.rejections(.decodedTooLarge), 1)

        // The lz4 command's own frame of 8 MiB declares its size: refused before any block is decoded.
        let zeros = collector.directory.file("zeros")
        let framed = try runCommand(
            ["sh", "-c", "head -c \(8 << 20) /dev/zero > '\(zeros)' && lz4 -1 -c --content-size '\(zeros)'"],
            check: true
        )
        XCTAssertEqual(try collector.post(frame: [UInt8](framed.stdout), batchID: "bomb-2").status, 413)
    }

    func testAStoreFailureIsAnswered503WithRetryAfterAndReportedOnce() throws {
        let collector = try CollectorHarness()
        collector.store.close()
        var builder = BatchBuilder(host: "h", maxBytes: 1 << 20)
        for _ in 0..<2 {
            let response = try collector.post(try CollectorFixtures.batch(host: "h", count: 1, builder: &builder))
            XCTAssertEqual(response.status, 503)
            XCTAssertEqual(response.header("Retry-After"), "1")
        }
        let failures = collector.events.all.filter {
            if case .storeFailed = $0 { return true }
            return false
        }
        XCTAssertEqual(failures.count, 1, "\(collector.events.all)")
    }

    func testHealthzAndMetricsNeedNoTokenAndOtherPathsAndMethodsAreRefused() throws {
        let collector = try CollectorHarness()
        let health = try collector.get("/healthz", token: nil)
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.bodyText, "ok\n")
        XCTAssertEqual(try collector.get("/nowhere", token: nil).status, 404)
        let getBatches = try collector.get("/v1/batches")
        XCTAssertEqual(getBatches.status, 405)
        XCTAssertEqual(getBatches.header("Allow"), "POST")
        // Credentials are checked from the head first: without them even a wrong method is a 401.
        let anonymousPost = try HTTPClient().post(url: collector.base + "/v1/segments", body: [1])
        XCTAssertEqual(anonymousPost.status, 401)
        let postFeed = try HTTPClient().post(
            url: collector.base + "/v1/segments",
            body: [1],
            headers: [("Authorization", "Bearer \(CollectorHarness.fleetToken)")]
        )
        XCTAssertEqual(postFeed.status, 405)

        let metrics = try collector.get("/metrics", token: nil)
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        for line in [
            "tracehound_collector_requests_total{route=\"/healthz\",status=\"200\"} 1",
            "tracehound_collector_requests_total{route=\"other\",status=\"404\"} 1",
            "tracehound_collector_requests_total{route=\"/v1/batches\",status=\"405\"} 1",
            "tracehound_collector_rejections_total{reason=\"invalid_line\"} 0",
            "tracehound_collector_feed_waiters 0",
            "# TYPE tracehound_collector_decoded_bytes_total counter",
        ] {
            XCTAssertTrue(metrics.bodyText.contains(line + "\n"), "missing \(line) in\n\(metrics.bodyText)")
        }
    }
}
