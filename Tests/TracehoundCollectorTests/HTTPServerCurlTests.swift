import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

/// Requests as the handler saw them, shared between the server's threads and the test.
final class SeenRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [HTTPRequest] = []
    func add(_ request: HTTPRequest) { lock.withLock { requests.append(request) } }
    var all: [HTTPRequest] { lock.withLock { requests } }
}

/// A server whose handler echoes the body back, answers 404 off its two paths, and records every request.
func makeEchoServer(
    _ seen: SeenRequests,
    configure: (inout HTTPServerConfiguration) -> Void = { _ in }
) throws -> HTTPServer {
    var configuration = HTTPServerConfiguration()
    configure(&configuration)
    return try HTTPServer(configuration: configuration) { request in
        seen.add(request)
        switch request.path {
        case "/healthz": return .text(200, "ok\n")
        case "/echo":
            return HTTPServerResponse(status: 200, headers: [("X-Method", request.method)], body: request.body)
        default: return .text(404, "no route for \(request.path)\n")
        }
    }
}

/// The server answers the real curl command line tool, and our own libcurl client.
final class HTTPServerCurlTests: XCTestCase {
    func testAnswersAGetFromTheCurlCommandWithQueryAndHeaders() throws {
        let seen = SeenRequests()
        let server = try makeEchoServer(seen)
        defer { server.stop() }
        XCTAssertNotEqual(server.port, 0, "port 0 was replaced by the bound port")

        let result = try runCommand(
            [
                "curl", "-sS", "-i", "-H", "X-Trace: abc 123",
                "http://127.0.0.1:\(server.port)/healthz?after=c%2042&limit=10&wait",
            ],
            check: true
        )
        XCTAssertTrue(result.stdoutText.hasPrefix("HTTP/1.1 200"), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains("Content-Type: text/plain; charset=utf-8"), result.stdoutText)
        XCTAssertTrue(result.stdoutText.hasSuffix("\r\n\r\nok\n"), result.stdoutText)

        let request = try XCTUnwrap(seen.all.first)
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.path, "/healthz")
        XCTAssertEqual(request.queryValue("after"), "c 42")
        XCTAssertEqual(request.queryValue("limit"), "10")
        XCTAssertEqual(request.query.map(\.name), ["after", "limit", "wait"])
        XCTAssertNil(request.queryValue("wait"), "given without a value")
        XCTAssertEqual(request.header("x-trace"), "abc 123")
        XCTAssertEqual(request.header("Host"), "127.0.0.1:\(server.port)")
        XCTAssertEqual(request.clientAddress, "127.0.0.1")
        XCTAssertEqual(request.body, [])
    }

    func testEchoesABinaryPostBodyFromTheCurlCommand() throws {
        let seen = SeenRequests()
        let server = try makeEchoServer(seen)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        let body = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 9)) })
        try body.write(to: URL(fileURLWithPath: directory.file("body.bin")))

        let result = try runCommand(
            [
                "curl", "-sS", "--fail", "-H", "Content-Type: application/x-ndjson", "-H", "Content-Encoding: lz4",
                "--data-binary", "@" + directory.file("body.bin"), "http://127.0.0.1:\(server.port)/echo",
            ],
            check: true
        )
        XCTAssertEqual(result.stdout, body)
        let request = try XCTUnwrap(seen.all.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.header("Content-Encoding"), "lz4")
        XCTAssertEqual(request.header("Content-Length"), String(body.count))
    }

    func testAnUnknownPathGets404() throws {
        let server = try makeEchoServer(SeenRequests())
        defer { server.stop() }
        let result = try runCommand(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(server.port)/nowhere"],
            check: true
        )
        XCTAssertEqual(result.stdoutText, "404")
        let response = try HTTPClient().get(url: "http://127.0.0.1:\(server.port)/nowhere")
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.bodyText, "no route for /nowhere\n")
    }

    func testAnswersOurClientsGetAndPostOnOneConnection() throws {
        let seen = SeenRequests()
        let server = try makeEchoServer(seen)
        defer { server.stop() }
        let client = try HTTPClient()
        let base = "http://127.0.0.1:\(server.port)"

        let health = try client.get(url: base + "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.bodyText, "ok\n")
        let echo = try client.post(url: base + "/echo", body: Array("{\"v\":1}\n".utf8), headers: [("X-Batch", "7")])
        XCTAssertEqual(echo.status, 200)
        XCTAssertEqual(echo.header("X-Method"), "POST")
        XCTAssertEqual(echo.bodyText, "{\"v\":1}\n")
        XCTAssertEqual(seen.all.map(\.method), ["GET", "POST"])
        XCTAssertEqual(seen.all.last?.header("X-Batch"), "7")
    }

    func testAResponseHeaderWithALineBreakBecomesA500() throws {
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { _ in
            HTTPServerResponse(status: 200, headers: [("X-Bad", "a\r\nSet-Cookie: evil")], body: Array("x".utf8))
        }
        defer { server.stop() }
        let response = try HTTPClient().get(url: "http://127.0.0.1:\(server.port)/")
        XCTAssertEqual(response.status, 500)
        XCTAssertNil(response.header("Set-Cookie"))
    }

    func testThisLibmicrohttpdIsBuiltWithTLS() {
        // Debian's libmicrohttpd12 links GnuTLS: MHD_USE_TLS with in-memory cert and key is available (issue 5).
        XCTAssertTrue(HTTPServer.supportsTLS)
    }
}
