// What the forwarding tests of the agent share: a real spool in a temporary directory, and a loopback collector
// (our libmicrohttpd server) answering a scripted status per batch id.
import Foundation
import Synchronization
import TracehoundCollector
import TracehoundConfig
import TracehoundSpool
import TracehoundTestKit
import XCTest

/// Opens a spool in `directory`/spool and commits one batch per id, each payload naming its batch.
func makeSpool(_ directory: TemporaryDirectory, batches ids: [String]) throws -> Spool {
    let spool = try Spool.open(directory: directory.file("spool"), config: SpoolConfig())
    for id in ids {
        try spool.append(batchID: id, payload: Array("payload of \(id)".utf8))
    }
    try spool.commit()
    return spool
}

/// A sink with short retries for loopback tests; one worker, so batches arrive in spool order.
func loopbackSink(_ url: String) -> SinkConfig {
    var sink = SinkConfig()
    sink.urls = [url]
    sink.inFlight = 1
    sink.retryMin = .milliseconds(20)
    sink.retryMax = .milliseconds(200)
    return sink
}

/// A loopback collector on our HTTP server: `status` answers each request by its batch id; it records ids and
/// bodies in order.
final class LoopbackCollector: Sendable {
    private final class Requests: Sendable {
        let list = Mutex<[(batchID: String?, body: [UInt8])]>([])
    }

    private let server: HTTPServer
    private let requests = Requests()

    init(status: @escaping @Sendable (_ batchID: String?) -> Int = { _ in 200 }) throws {
        let requests = self.requests
        server = try HTTPServer(configuration: HTTPServerConfiguration()) { request in
            let batchID = request.header("Tracehound-Batch-Id")
            requests.list.withLock { $0.append((batchID, request.body)) }
            let answer = status(batchID)
            return .text(answer, "answered \(answer)")
        }
    }

    var url: String { "http://127.0.0.1:\(server.port)/v1/batches" }
    var received: [(batchID: String?, body: [UInt8])] { requests.list.withLock { $0 } }

    /// Stops the server: its connections are closed and its threads waited for.
    func stop() { server.stop() }
}

/// A URL on 127.0.0.1 where nothing listens.
func refusingURL() throws -> String {
    let collector = try LoopbackCollector()
    let url = collector.url
    collector.stop()
    return url
}
