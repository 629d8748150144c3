// What the forwarder tests share: a queue over an array (it stands in for the spool, not for the forwarder), a
// collector scripted per test on our real HTTP server, an events recorder, and a sink config for loopback.
import Foundation
import TracehoundCollector
import TracehoundConfig
import TracehoundForward
import TracehoundTestKit
import XCTest

/// A `ForwardQueue` over an array: pending batches in sequence order, and what was done to each.
final class ArrayQueue: ForwardQueue, @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private var batches: [ForwardBatch] = []
    private var pending: Set<String> = []
    private var acknowledgements: [String: Int] = [:]
    private var deadLetters: [String: String] = [:]
    private var unreadable: [String: String] = [:]
    private var nextSequence: UInt64 = 1

    init(count: Int = 0) {
        for index in 0..<count { add("batch-\(index)") }
    }

    /// Adds a pending batch whose payload names it; `unreadableReason` makes reading it throw.
    @discardableResult
    func add(_ id: String, payload: [UInt8]? = nil, unreadableReason: String? = nil) -> ForwardBatch {
        condition.withLock {
            let batch = ForwardBatch(id: id, sequence: nextSequence, payload: payload ?? Array("payload of \(id)".utf8))
            nextSequence += 1
            batches.append(batch)
            pending.insert(id)
            if let unreadableReason { unreadable[id] = unreadableReason }
            condition.broadcast()
            return batch
        }
    }

    func nextBatch(after sequence: UInt64?) throws -> ForwardBatch? {
        try condition.withLock {
            guard let batch = batches.first(where: { $0.sequence > sequence ?? 0 && pending.contains($0.id) }) else {
                return nil
            }
            if let reason = unreadable[batch.id] {
                throw UnreadableBatch(batchID: batch.id, sequence: batch.sequence, reason: reason)
            }
            return batch
        }
    }

    func waitForBatch(after sequence: UInt64?, timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        return condition.withLock {
            while !batches.contains(where: { $0.sequence > sequence ?? 0 && pending.contains($0.id) }) {
                if !condition.wait(until: deadline) { return false }
            }
            return true
        }
    }

    func acknowledge(batchID: String) throws {
        condition.withLock {
            acknowledgements[batchID, default: 0] += 1
            pending.remove(batchID)
        }
    }

    func deadLetter(batchID: String, reason: String) throws {
        condition.withLock {
            deadLetters[batchID] = reason
            pending.remove(batchID)
        }
    }

    var pendingBatchCount: Int { condition.withLock { pending.count } }
    /// How many times each batch was acknowledged.
    var acknowledged: [String: Int] { condition.withLock { acknowledgements } }
    var deadLettered: [String: String] { condition.withLock { deadLetters } }
}

/// One request as the scripted collector saw it.
struct Arrival: Sendable {
    var batchID: String?
    var authorization: String?
    var contentType: String?
    var contentEncoding: String?
    var body: [UInt8]
    var time: ContinuousClock.Instant
}

/// Our HTTP server on 127.0.0.1 with a handler scripted per test: `answer` gets each request and its arrival
/// index (0, 1, ...). It records arrivals.
final class ScriptedCollector: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    private let lock = NSLock()
    private var seen: [Arrival] = []
    private var server: HTTPServer!

    init(
        configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        answer: @escaping @Sendable (_ request: HTTPRequest, _ index: Int) -> HTTPServerResponse
    ) throws {
        var configuration = HTTPServerConfiguration()
        configure(&configuration)
        server = try HTTPServer(configuration: configuration) { [unowned self] request in
            let index = lock.withLock {
                seen.append(
                    Arrival(
                        batchID: request.header("Tracehound-Batch-Id"),
                        authorization: request.header("Authorization"),
                        contentType: request.header("Content-Type"),
                        contentEncoding: request.header("Content-Encoding"),
                        body: request.body,
                        time: .now
                    )
                )
                return seen.count - 1
            }
            return answer(request, index)
        }
    }

    /// Answers the statuses of `script` in order (then 200), each with its headers.
    convenience init(script: [(Int, [(String, String)])], configure: (inout HTTPServerConfiguration) -> Void = { _ in })
        throws
    {
        try self.init(configure: configure) { _, index in
            guard index < script.count else { return HTTPServerResponse.text(200, "stored") }
            let (status, headers) = script[index]
            return HTTPServerResponse(status: status, headers: headers, body: Array("scripted \(status)".utf8))
        }
    }

    var url: String { "http://127.0.0.1:\(server.port)/v1/batches" }
    var arrivals: [Arrival] { lock.withLock { seen } }
    func stop() { server.stop() }
}

/// Every event as one line, in order.
final class RecordedEvents: ForwarderEvents, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var all: [String] { lock.withLock { lines } }
    func count(_ prefix: String) -> Int { all.filter { $0.hasPrefix(prefix) }.count }
    private func add(_ line: String) { lock.withLock { lines.append(line) } }

    func started(urls: [String], inFlight: Int) { add("started \(inFlight)") }
    func insecureTLS(urls: [String]) { add("insecureTLS") }
    func failureStreakStarted(url: String, retry: ForwarderRetry, retryIn: Duration) {
        add("failing \(retry.status.map(String.init) ?? "transport") \(url)")
    }
    func credentialsRejected(url: String, retry: ForwarderRetry, retryIn: Duration) {
        add("credentialsRejected \(retry.status ?? 0)")
    }
    func failureStreakEnded(url: String, failures: Int, duration: Duration) { add("recovered \(failures) \(url)") }
    func failedOver(from: String, to: String, reason: String) { add("failedOver \(from) -> \(to)") }
    func returnedToFirstURL(_ url: String, from: String) { add("returned \(url)") }
    func deadLettered(batchID: String, url: String, status: Int, reason: String) {
        add("deadLettered \(batchID) \(status)")
    }
    func unreadableBatch(batchID: String, reason: String) { add("unreadable \(batchID)") }
    func queueFailed(operation: String, batchID: String?, error: String) { add("queueFailed \(operation)") }
    func credentialsReloaded(file: String) { add("reloaded") }
    func credentialsReloadFailed(file: String, reason: String) { add("reloadFailed \(reason)") }
    func stopped(statistics: ForwarderStatistics) { add("stopped") }
}

/// A sink for loopback tests: short backoff so retries do not slow the suite.
func loopbackSink(
    _ urls: [String],
    inFlight: Int = 1,
    retryMin: Duration = .milliseconds(20),
    retryMax: Duration = .milliseconds(200)
) -> SinkConfig {
    var sink = SinkConfig()
    sink.urls = urls
    sink.inFlight = inFlight
    sink.retryMin = retryMin
    sink.retryMax = retryMax
    sink.timeout = .seconds(10)
    sink.connectTimeout = .seconds(5)
    return sink
}

/// A URL on 127.0.0.1 where nothing listens: a server's port, after the server stopped.
func refusingURL() throws -> String {
    let server = try HTTPServer(configuration: HTTPServerConfiguration()) { _ in HTTPServerResponse(status: 200) }
    let port = server.port
    server.stop()
    return "http://127.0.0.1:\(port)/v1/batches"
}

extension ContinuousClock.Instant {
    /// Seconds from `earlier` to this instant.
    func seconds(since earlier: ContinuousClock.Instant) -> Double {
        let elapsed = self - earlier
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
