import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

/// Responders the handler kept without answering, shared between the server's threads and the test.
final class PendingResponders: @unchecked Sendable {
    private let lock = NSLock()
    private var responders: [HTTPResponder] = []
    func add(_ responder: HTTPResponder) { lock.withLock { responders.append(responder) } }
    var all: [HTTPResponder] { lock.withLock { responders } }
}

/// What each background client got: "STATUS BODY" or "error: ...".
final class ClientOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [String] = []
    func add(_ outcome: String) { lock.withLock { outcomes.append(outcome) } }
    var all: [String] { lock.withLock { outcomes } }
}

/// Starts one thread per request, each GETting `url` with its own client, and records what came back.
func startClients(_ count: Int, url: String, timeout: Duration = .seconds(60), into outcomes: ClientOutcomes) {
    for _ in 0..<count {
        Thread {
            do {
                var options = HTTPClientOptions()
                options.timeout = timeout
                let response = try HTTPClient(options: options).get(url: url)
                outcomes.add("\(response.status) \(response.bodyText)")
            } catch {
                outcomes.add("error: \(error)")
            }
        }.start()
    }
}

/// Answers given after the handler returned: the connection is suspended meanwhile and holds no pool thread.
final class HTTPServerDeferredTests: XCTestCase {
    func testAResponseSentLaterFromAnotherThreadArrives() throws {
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { request, responder in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) {
                responder.send(.text(200, "later for \(request.path)\n"))
            }
        }
        defer { server.stop() }
        let started = Date()
        let response = try HTTPClient().get(url: "http://127.0.0.1:\(server.port)/feed")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "later for /feed\n")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.3)
    }

    func testASendBeforeTheHandlerReturnsIsAnsweredWithoutSuspending() throws {
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { request, responder in
            if request.path == "/other-thread" {
                // Sent from another thread while the handler is still running: queued when it returns.
                let sent = DispatchSemaphore(value: 0)
                DispatchQueue.global().async {
                    responder.send(.text(201, "from another thread\n"))
                    sent.signal()
                }
                sent.wait()
            } else {
                responder.send(.text(200, "at once\n"))
            }
        }
        defer { server.stop() }
        let client = try HTTPClient()
        let direct = try client.get(url: "http://127.0.0.1:\(server.port)/direct")
        XCTAssertEqual(direct.status, 200)
        XCTAssertEqual(direct.bodyText, "at once\n")
        let other = try client.get(url: "http://127.0.0.1:\(server.port)/other-thread")
        XCTAssertEqual(other.status, 201)
        XCTAssertEqual(other.bodyText, "from another thread\n")
    }

    func testTheFirstSendWinsAndLaterOnesAreIgnored() throws {
        let pending = PendingResponders()
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { request, responder in
            if request.path == "/now" {
                responder.send(.text(200, "first\n"))
                responder.send(.text(500, "second\n"))
            } else {
                pending.add(responder)
            }
        }
        defer { server.stop() }
        let client = try HTTPClient()
        let now = try client.get(url: "http://127.0.0.1:\(server.port)/now")
        XCTAssertEqual(now.status, 200)
        XCTAssertEqual(now.bodyText, "first\n")

        let outcomes = ClientOutcomes()
        startClients(1, url: "http://127.0.0.1:\(server.port)/later", into: outcomes)
        try waitUntil("the deferred request to reach the handler") { pending.all.count == 1 }
        let responder = try XCTUnwrap(pending.all.first)
        responder.send(.text(202, "first later\n"))
        responder.send(.text(500, "second later\n"))
        try waitUntil("the client to get its answer") { outcomes.all.count == 1 }
        XCTAssertEqual(outcomes.all, ["202 first later\n"])
        responder.send(.text(500, "after the request ended\n"))

        // The kept-alive connection still serves the next request.
        XCTAssertEqual(try client.get(url: "http://127.0.0.1:\(server.port)/now").bodyText, "first\n")
    }

    func testPendingDeferredRequestsDoNotBlockAPlainRequestOnASmallPool() throws {
        let pending = PendingResponders()
        var configuration = HTTPServerConfiguration()
        configuration.threadPoolSize = 2
        let server = try HTTPServer(configuration: configuration) { request, responder in
            switch request.path {
            case "/healthz":
                responder.send(.text(200, "ok\n"))
            case "/wake":
                // Like an ingest waking the feed's long polls: resumes other connections from a pool thread.
                let waiting = pending.all
                for (index, waiter) in waiting.enumerated() { waiter.send(.text(200, "answer \(index)\n")) }
                responder.send(.text(200, "woke \(waiting.count)\n"))
            default:
                pending.add(responder)
            }
        }
        defer { server.stop() }
        let waiting = 2 * configuration.threadPoolSize + 4
        let outcomes = ClientOutcomes()
        startClients(waiting, url: "http://127.0.0.1:\(server.port)/feed", into: outcomes)
        try waitUntil("\(waiting) requests waiting for an answer") { pending.all.count == waiting }

        var options = HTTPClientOptions()
        options.timeout = .seconds(10)
        let client = try HTTPClient(options: options)
        let health = try client.get(url: "http://127.0.0.1:\(server.port)/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.bodyText, "ok\n")
        XCTAssertEqual(outcomes.all, [], "nobody answered the waiting requests yet")

        XCTAssertEqual(try client.get(url: "http://127.0.0.1:\(server.port)/wake").bodyText, "woke \(waiting)\n")
        try waitUntil("every waiting client to get its answer") { outcomes.all.count == waiting }
        XCTAssertEqual(Set(outcomes.all), Set((0..<waiting).map { "200 answer \($0)\n" }))
    }

    func testAnswersRacingTheHandlersReturnAreNeverLost() throws {
        // The send is dispatched before the handler returns, so it lands before, during or after the suspension.
        var configuration = HTTPServerConfiguration()
        configuration.threadPoolSize = 2
        let server = try HTTPServer(configuration: configuration) { request, responder in
            DispatchQueue.global().async { responder.send(HTTPServerResponse(status: 200, body: request.body)) }
        }
        defer { server.stop() }
        let failures = SeenFailures()
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            do {
                let client = try HTTPClient()
                for index in 0..<50 {
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
    }

    func testStopReturnsPromptlyWhileRequestsAreSuspended() throws {
        let pending = PendingResponders()
        var configuration = HTTPServerConfiguration()
        configuration.threadPoolSize = 2
        let server = try HTTPServer(configuration: configuration) { _, responder in pending.add(responder) }
        let waiting = 6
        let outcomes = ClientOutcomes()
        startClients(waiting, url: "http://127.0.0.1:\(server.port)/feed", into: outcomes)
        try waitUntil("\(waiting) requests waiting for an answer") { pending.all.count == waiting }

        // Half the answers race the stop from another thread; the rest come after it.
        let responders = pending.all
        let racing = Thread {
            for responder in responders.prefix(waiting / 2) { responder.send(.text(200, "raced the stop\n")) }
        }
        racing.start()
        let started = Date()
        server.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "stop() waited for the suspended requests")
        for responder in responders { responder.send(.text(200, "after the stop\n")) }

        try waitUntil("every client to see its request end") { outcomes.all.count == waiting }
        for outcome in outcomes.all {
            let acceptable =
                outcome.hasPrefix("error: ") || outcome == "503 the server is stopping\n"
                || outcome == "200 raced the stop\n"
            XCTAssertTrue(acceptable, outcome)
        }
        server.stop()  // idempotent
    }

    func testStopAnswersOrClosesAHandlerThatReturnsDuringTheStop() throws {
        // The handler is still running when stop() begins: it must not suspend a connection nobody will resume.
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { _, _ in
            entered.signal()
            release.wait()
        }
        let outcomes = ClientOutcomes()
        startClients(1, url: "http://127.0.0.1:\(server.port)/slow", into: outcomes)
        entered.wait()
        let stopped = ClientOutcomes()
        Thread {
            server.stop()
            stopped.add("stopped")
        }.start()
        let port = server.port
        Thread {
            // Let the handler go once stop() has begun: MHD_stop_daemon shuts the listening socket down first,
            // then waits for the pool thread that runs the handler.
            try? waitUntil("the listening socket to refuse connections") { !acceptsConnections(port: port) }
            release.signal()
        }.start()
        try waitUntil("stop() to return") { stopped.all == ["stopped"] }
        try waitUntil("the client to see its request end") { outcomes.all.count == 1 }
        let outcome = try XCTUnwrap(outcomes.all.first)
        XCTAssertTrue(outcome.hasPrefix("error: ") || outcome == "503 the server is stopping\n", outcome)
    }
}

/// Whether a TCP connection to 127.0.0.1:`port` is accepted (closed again at once).
private func acceptsConnections(port: UInt16) -> Bool {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { return false }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return status == 0
}
