import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

/// Several clients on several threads at once: every request is answered with its own body.
final class HTTPServerConcurrencyTests: XCTestCase {
    func testAnswersConcurrentRequestsFromSeveralThreads() throws {
        let seen = SeenRequests()
        let server = try makeEchoServer(seen) { $0.threadPoolSize = 4 }
        defer { server.stop() }
        let threads = 8
        let requestsPerThread = 25
        let failures = SeenFailures()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            do {
                let client = try HTTPClient()
                for index in 0..<requestsPerThread {
                    let body = Array("thread \(thread) request \(index)".utf8)
                    let response = try client.post(url: "http://127.0.0.1:\(server.port)/echo", body: body)
                    if response.status != 200 || response.body != body {
                        failures.add("thread \(thread) request \(index): \(response.status) \(response.bodyText)")
                    }
                }
            } catch {
                failures.add("thread \(thread): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(seen.all.count, threads * requestsPerThread)
    }

    func testCurlCommandsInParallelAreAllAnswered() throws {
        let server = try makeEchoServer(SeenRequests())
        defer { server.stop() }
        let failures = SeenFailures()
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            do {
                let result = try runCommand(
                    ["curl", "-sS", "--data-binary", "curl \(index)", "http://127.0.0.1:\(server.port)/echo"],
                    check: true
                )
                if result.stdoutText != "curl \(index)" { failures.add("curl \(index): \(result.stdoutText)") }
            } catch {
                failures.add("curl \(index): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
    }
}

final class SeenFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String] = []
    func add(_ failure: String) { lock.withLock { failures.append(failure) } }
    var all: [String] { lock.withLock { failures } }
}
