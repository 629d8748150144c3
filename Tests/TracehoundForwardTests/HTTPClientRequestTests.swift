import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

/// What the client sends arrives intact, at an independent raw-socket peer and at our libmicrohttpd server.
final class HTTPClientRequestTests: XCTestCase {
    /// Bytes that break naive handling: NULs, CR LF, invalid UTF-8, and enough of them to take several reads.
    static let awkwardBody: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 8)) }

    func testPostsMethodPathHeadersAndABinaryBodyIntactToARawSocketPeer() throws {
        let peer = try RawHTTPListener { _ in RawHTTPListener.response(status: 200, body: Array("stored".utf8)) }
        defer { peer.stop() }
        let client = try HTTPClient()
        let response = try client.post(
            url: "http://127.0.0.1:\(peer.port)/v1/batches?dry=1",
            body: Self.awkwardBody,
            headers: [
                ("Content-Type", "application/x-ndjson"),
                ("Content-Encoding", "lz4"),
                ("Tracehound-Batch-Id", "b-0001"),
                ("Authorization", "Bearer s3cret"),
            ]
        )
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "stored")

        let request = try XCTUnwrap(peer.received.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.target, "/v1/batches?dry=1")
        XCTAssertEqual(request.header("Content-Type"), "application/x-ndjson")
        XCTAssertEqual(request.header("Content-Encoding"), "lz4")
        XCTAssertEqual(request.header("Tracehound-Batch-Id"), "b-0001")
        XCTAssertEqual(request.header("Authorization"), "Bearer s3cret")
        XCTAssertEqual(request.header("User-Agent"), "tracehound")
        XCTAssertEqual(request.header("Content-Length"), String(Self.awkwardBody.count))
        XCTAssertEqual(request.body, Self.awkwardBody)
    }

    func testPostsAnEmptyBodyAndAFoundationDataBody() throws {
        let peer = try RawHTTPListener { _ in RawHTTPListener.response(status: 204) }
        defer { peer.stop() }
        let client = try HTTPClient()
        XCTAssertEqual(try client.post(url: "http://127.0.0.1:\(peer.port)/empty", body: [UInt8]()).status, 204)
        XCTAssertEqual(try client.post(url: "http://127.0.0.1:\(peer.port)/data", body: Data("abc".utf8)).status, 204)
        XCTAssertEqual(peer.received.map(\.body), [[], Array("abc".utf8)])
        XCTAssertEqual(peer.received.map { $0.header("Content-Length") }, ["0", "3"])
    }

    func testAnEmptyHeaderValueRemovesAHeaderCurlWouldAdd() throws {
        let peer = try RawHTTPListener { _ in RawHTTPListener.response(status: 200) }
        defer { peer.stop() }
        let client = try HTTPClient()
        _ = try client.post(url: "http://127.0.0.1:\(peer.port)/", body: [1], headers: [("User-Agent", "")])
        _ = try client.post(url: "http://127.0.0.1:\(peer.port)/", body: [2])
        XCTAssertEqual(peer.received.map { $0.header("User-Agent") }, [nil, "tracehound"])
        XCTAssertEqual(peer.received.first?.header("Content-Type"), "application/x-www-form-urlencoded")
    }

    func testReadsStatusHeadersAndRetryAfterOfTheResponse() throws {
        let peer = try RawHTTPListener { _ in
            RawHTTPListener.response(
                status: 503,
                headers: [("Retry-After", "120"), ("X-Collector", "a"), ("x-collector", "b")],
                body: Array("busy".utf8)
            )
        }
        defer { peer.stop() }
        let response = try HTTPClient().post(url: "http://127.0.0.1:\(peer.port)/v1/batches", body: [1])
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.retryAfter, .seconds(120))
        XCTAssertEqual(response.header("x-COLLECTOR"), "a", "first value, case-insensitive name")
        XCTAssertEqual(response.headers.filter { $0.name.lowercased() == "x-collector" }.map(\.value), ["a", "b"])
        XCTAssertEqual(response.body, Array("busy".utf8))
    }

    func testReusesOneConnectionForConsecutiveRequests() throws {
        let peer = try RawHTTPListener { request in RawHTTPListener.response(status: 200, body: request.body) }
        defer { peer.stop() }
        let client = try HTTPClient()
        for index in 0..<5 {
            let body = Array("batch \(index)".utf8)
            XCTAssertEqual(try client.post(url: "http://127.0.0.1:\(peer.port)/v1/batches", body: body).body, body)
        }
        XCTAssertEqual(peer.received.count, 5)
        XCTAssertEqual(peer.acceptedConnections, 1, "keep-alive: every request rode the first connection")
        XCTAssertEqual(Set(peer.received.map(\.connection)), [0])
    }

    func testPostsToOurHTTPServerAndReadsItsAnswer() throws {
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { request in
            HTTPServerResponse(
                status: 200,
                headers: [("X-Method", request.method), ("X-Batch", request.header("Tracehound-Batch-Id") ?? "")],
                body: request.body
            )
        }
        defer { server.stop() }
        let client = try HTTPClient()
        let response = try client.post(
            url: "http://127.0.0.1:\(server.port)/v1/batches",
            body: Self.awkwardBody,
            headers: [("Tracehound-Batch-Id", "b-7")]
        )
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("X-Method"), "POST")
        XCTAssertEqual(response.header("X-Batch"), "b-7")
        XCTAssertEqual(response.body, Self.awkwardBody)

        let get = try client.get(url: "http://127.0.0.1:\(server.port)/healthz")
        XCTAssertEqual(get.header("X-Method"), "GET")
        XCTAssertEqual(get.body, [])
    }

    func testSwitchingMethodsOnOneHandleLeavesNoSettingBehind() throws {
        let server = try HTTPServer(configuration: HTTPServerConfiguration()) { request in
            HTTPServerResponse(status: 200, headers: [("X-Method", request.method)], body: request.body + [0x21])
        }
        defer { server.stop() }
        let client = try HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/any"

        let head = try client.perform(method: "HEAD", url: url)
        XCTAssertEqual(head.header("X-Method"), "HEAD")
        XCTAssertEqual(head.body, [], "HEAD carries no body")
        let put = try client.perform(method: "PUT", url: url, body: [1, 2])
        XCTAssertEqual(put.header("X-Method"), "PUT")
        XCTAssertEqual(put.body, [1, 2, 0x21])
        let post = try client.post(url: url, body: [3])
        XCTAssertEqual(post.header("X-Method"), "POST", "no custom method left over from PUT")
        XCTAssertEqual(post.body, [3, 0x21])
        let get = try client.get(url: url)
        XCTAssertEqual(get.header("X-Method"), "GET")
        XCTAssertEqual(get.body, [0x21], "no body left over from POST")
    }
}
