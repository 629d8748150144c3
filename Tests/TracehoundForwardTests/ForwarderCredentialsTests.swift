// The bearer token from token_file: sent with every batch, re-read on reloadCredentials(), refused at start when
// missing or empty, kept when a reload finds a bad file. TLS settings reach the client; skipping verification is
// reported at start.
import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

final class ForwarderCredentialsTests: XCTestCase {
    func testSendsTheTokenFileFirstLineTrimmedAndRereadsItOnReload() throws {
        let directory = try TemporaryDirectory()
        let tokenFile = try directory.write("token", "  s3cret-one \r\nsecond line is ignored\n")
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue()
        let events = RecordedEvents()
        var sink = loopbackSink([collector.url])
        sink.tokenFile = tokenFile
        let forwarder = try Forwarder(config: sink, queue: queue, events: events)
        forwarder.start()
        defer { forwarder.stop() }

        queue.add("before")
        try waitUntil("the first batch acknowledged") { queue.acknowledged["before"] == 1 }
        try directory.write("token", "s3cret-two\n")
        XCTAssertTrue(forwarder.reloadCredentials())
        queue.add("after")
        try waitUntil("the second batch acknowledged") { queue.acknowledged["after"] == 1 }

        XCTAssertEqual(collector.arrivals.map(\.authorization), ["Bearer s3cret-one", "Bearer s3cret-two"])
        XCTAssertEqual(events.count("reloaded"), 1)
    }

    func testAReloadThatFindsNoUsableTokenKeepsTheOldOneAndSaysWhy() throws {
        let directory = try TemporaryDirectory()
        let tokenFile = try directory.write("token", "kept\n")
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue()
        let events = RecordedEvents()
        var sink = loopbackSink([collector.url])
        sink.tokenFile = tokenFile
        let forwarder = try Forwarder(config: sink, queue: queue, events: events)
        forwarder.start()
        defer { forwarder.stop() }

        try directory.write("token", "\n")
        XCTAssertFalse(forwarder.reloadCredentials())
        try FileManager.default.removeItem(atPath: tokenFile)
        XCTAssertFalse(forwarder.reloadCredentials())
        queue.add("batch")
        try waitUntil("the batch acknowledged") { queue.acknowledged["batch"] == 1 }

        XCTAssertEqual(collector.arrivals.map(\.authorization), ["Bearer kept"])
        let failures = events.all.filter { $0.hasPrefix("reloadFailed") }
        XCTAssertEqual(failures.count, 2)
        XCTAssertTrue(failures[0].contains("the first line is empty"), failures[0])
        XCTAssertTrue(failures[1].contains("No such file or directory (errno 2)"), failures[1])
    }

    func testAMissingEmptyOrMalformedTokenFileAtStartIsAnError() throws {
        let directory = try TemporaryDirectory()
        let cases: [(String, String?, String)] = [
            ("missing", nil, "No such file or directory"),
            ("empty", "", "the first line is empty"),
            ("blank-first-line", "\nlater\n", "the first line is empty"),
            ("two-words", "two words\n", "holds a space"),
        ]
        for (name, contents, expected) in cases {
            if let contents { try directory.write(name, contents) }
            var sink = loopbackSink(["http://127.0.0.1:9/v1/batches"])
            sink.tokenFile = directory.file(name)
            XCTAssertThrowsError(try Forwarder(config: sink, queue: ArrayQueue()), name) { error in
                guard case .tokenFile(let path, _, _) = error as? ForwarderError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(path, directory.file(name))
                XCTAssertTrue("\(error)".contains(expected), "\(name): \(error)")
            }
        }
    }

    func testSkippingTLSVerificationIsReportedAtStart() throws {
        var sink = loopbackSink(["https://127.0.0.1:9/v1/batches"])
        sink.tlsInsecureSkipVerify = true
        let events = RecordedEvents()
        let forwarder = try Forwarder(config: sink, queue: ArrayQueue(), events: events)
        forwarder.start()
        forwarder.stop()
        XCTAssertEqual(events.all.first, "insecureTLS")

        let verified = RecordedEvents()
        let normal = try Forwarder(
            config: loopbackSink(["https://127.0.0.1:9/v1/batches"]),
            queue: ArrayQueue(),
            events: verified
        )
        normal.start()
        normal.stop()
        XCTAssertEqual(verified.count("insecureTLS"), 0)
    }

    func testAnUnverifiableCollectorCertificateIsRetriedNotDeadLettered() throws {
        // A plain-HTTP server spoken to over https fails the TLS handshake: a transport error, retried.
        let collector = try ScriptedCollector(script: [])
        defer { collector.stop() }
        let queue = ArrayQueue(count: 1)
        let url = collector.url.replacingOccurrences(of: "http://", with: "https://")
        let forwarder = try Forwarder(config: loopbackSink([url]), queue: queue)
        forwarder.start()
        try waitUntil("two failed handshakes") { forwarder.statistics.batchesRetried >= 2 }
        forwarder.stop()
        XCTAssertEqual(queue.pendingBatchCount, 1)
        XCTAssertEqual(queue.deadLettered, [:])
    }
}
