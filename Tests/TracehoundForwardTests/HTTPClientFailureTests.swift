import Foundation
import Glibc
import TracehoundForward
import TracehoundTestKit
import XCTest

/// Requests that get no usable response fail with a typed error that keeps curl's code and explanation.
final class HTTPClientFailureTests: XCTestCase {
    /// A port that refuses connections: bound (so nobody else takes it) but not listening.
    private final class ClosedPort {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var port: UInt16 = 0

        init() {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    XCTAssertEqual(bind(descriptor, $0, length), 0)
                    XCTAssertEqual(getsockname(descriptor, $0, &length), 0)
                }
            }
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(descriptor) }
    }

    private func expectFailure(
        _ kind: HTTPClientError.Kind,
        _ body: () throws -> HTTPResponse,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> HTTPClientError? {
        do {
            let response = try body()
            XCTFail("expected \(kind), got status \(response.status)", file: file, line: line)
        } catch let error as HTTPClientError {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected HTTPClientError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testARefusedConnectionIsCouldNotConnectWithCurlsCodeAndDetail() throws {
        let closed = ClosedPort()
        let url = "http://127.0.0.1:\(closed.port)/v1/batches"
        let error = expectFailure(.couldNotConnect) { try HTTPClient().post(url: url, body: [1, 2, 3]) }
        XCTAssertEqual(error?.code, 7, "CURLE_COULDNT_CONNECT")
        XCTAssertEqual(error?.message, "Couldn't connect to server")
        XCTAssertTrue(error?.detail.contains(String(closed.port)) ?? false, error?.detail ?? "")
        XCTAssertEqual(error?.url, url)
    }

    func testAPeerThatNeverAnswersTimesOut() throws {
        let silent = try RawHTTPListener { _ in nil }
        defer { silent.stop() }
        var options = HTTPClientOptions()
        options.timeout = .milliseconds(300)
        let client = try HTTPClient(options: options)
        let started = Date()
        let error = expectFailure(.timedOut) {
            try client.post(url: "http://127.0.0.1:\(silent.port)/v1/batches", body: [1])
        }
        XCTAssertEqual(error?.code, 28, "CURLE_OPERATION_TIMEDOUT")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the timeout, not a default, ended the request")
        try waitUntil("the silent peer saw the request") { silent.received.count == 1 }
    }

    func testAResponseBodyOverTheCapFailsWhetherDeclaredOrStreamed() throws {
        let big = [UInt8](repeating: 0x61, count: 5_000)
        let peer = try RawHTTPListener { request in
            if request.target == "/declared" { return RawHTTPListener.response(status: 200, body: big) }
            // Chunked, so the size is known only while receiving.
            let chunk = Array(String(big.count, radix: 16).utf8) + [13, 10] + big + Array("\r\n0\r\n\r\n".utf8)
            return Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + chunk
        }
        defer { peer.stop() }
        var options = HTTPClientOptions()
        options.maxResponseBytes = 1_000
        let client = try HTTPClient(options: options)
        let declared = expectFailure(.responseTooLarge) {
            try client.post(url: "http://127.0.0.1:\(peer.port)/declared", body: [])
        }
        XCTAssertEqual(declared?.code, 63, "CURLE_FILESIZE_EXCEEDED")
        let streamed = expectFailure(.responseTooLarge) {
            try client.post(url: "http://127.0.0.1:\(peer.port)/streamed", body: [])
        }
        XCTAssertEqual(streamed?.code, 23, "CURLE_WRITE_ERROR from the body cap")

        options.maxResponseBytes = 5_000
        XCTAssertEqual(try HTTPClient(options: options).get(url: "http://127.0.0.1:\(peer.port)/streamed").body, big)
    }

    func testRefusesHeadersThatWouldSplitTheRequest() throws {
        let client = try HTTPClient()
        let injected = expectFailure(.invalidRequest) {
            try client.post(url: "http://127.0.0.1:1/", body: [], headers: [("X-A", "1\r\nX-Evil: 2")])
        }
        XCTAssertTrue(injected?.detail.contains("X-A") ?? false, "\(String(describing: injected))")
        _ = expectFailure(.invalidRequest) {
            try client.post(url: "http://127.0.0.1:1/", body: [], headers: [("Bad Name", "1")])
        }
    }

    func testOnlyHTTPAndHTTPSAreAllowed() throws {
        let client = try HTTPClient()
        let error = expectFailure(.invalidRequest) { try client.get(url: "file:///etc/passwd") }
        XCTAssertEqual(error?.code, 1, "CURLE_UNSUPPORTED_PROTOCOL")
        _ = expectFailure(.invalidRequest) { try client.get(url: "http://[bad") }
    }

}
