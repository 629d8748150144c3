import Foundation
import Glibc
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

/// Bodies are bounded, binding failures explain themselves, stopping closes the port.
final class HTTPServerLimitsTests: XCTestCase {
    private func limitedServer(_ seen: SeenRequests, maxBodyBytes: Int = 1_000) throws -> HTTPServer {
        try makeEchoServer(seen) { $0.maxBodyBytes = maxBodyBytes }
    }

    func testABodyAtTheLimitIsAccepted() throws {
        let server = try limitedServer(SeenRequests())
        defer { server.stop() }
        let body = [UInt8](repeating: 0x7A, count: 1_000)
        let response = try HTTPClient().post(url: "http://127.0.0.1:\(server.port)/echo", body: body)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, body)
    }

    func testADeclaredBodyOverTheLimitGets413WithoutReachingTheHandler() throws {
        let seen = SeenRequests()
        let server = try limitedServer(seen)
        defer { server.stop() }
        let response = try HTTPClient().post(
            url: "http://127.0.0.1:\(server.port)/echo",
            body: [UInt8](repeating: 1, count: 1_001)
        )
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.bodyText, "request body larger than 1000 bytes\n")
        XCTAssertEqual(seen.all.count, 0)
    }

    func testAMultiMegabyteBodyOverTheLimitGets413BeforeItIsSent() throws {
        // libcurl asks "Expect: 100-continue" for bodies over 1 MiB; the 413 goes out instead of the 100.
        let seen = SeenRequests()
        let server = try limitedServer(seen, maxBodyBytes: 1 << 20)
        defer { server.stop() }
        let client = try HTTPClient()
        for _ in 0..<3 {
            let response = try client.post(
                url: "http://127.0.0.1:\(server.port)/echo",
                body: [UInt8](repeating: 2, count: 3 << 20)
            )
            XCTAssertEqual(response.status, 413)
        }
        XCTAssertEqual(seen.all.count, 0)
    }

    func testTheCurlCommandGets413ForAnOversizeUpload() throws {
        let seen = SeenRequests()
        let server = try limitedServer(seen)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        try directory.write("big", String(repeating: "x", count: 50_000))
        let declared = try runCommand([
            "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect: 100-continue",
            "--data-binary", "@" + directory.file("big"), "http://127.0.0.1:\(server.port)/echo",
        ])
        XCTAssertEqual(declared.stdoutText, "413", declared.stderrText)
        XCTAssertEqual(seen.all.count, 0)
    }

    func testAChunkedBodyOverTheLimitGets413AtItsEnd() throws {
        let seen = SeenRequests()
        let server = try limitedServer(seen)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        try directory.write("big", String(repeating: "y", count: 1_500))
        let chunked = try runCommand([
            "curl", "-sS", "-w", "\n%{http_code}", "-H", "Transfer-Encoding: chunked",
            "--data-binary", "@" + directory.file("big"), "http://127.0.0.1:\(server.port)/echo",
        ])
        XCTAssertEqual(chunked.stdoutText, "request body larger than 1000 bytes\n\n413", chunked.stderrText)
        XCTAssertEqual(seen.all.count, 0)

        try directory.write("small", String(repeating: "y", count: 900))
        let fits = try runCommand(
            [
                "curl", "-sS", "-H", "Transfer-Encoding: chunked",
                "--data-binary", "@" + directory.file("small"), "http://127.0.0.1:\(server.port)/echo",
            ],
            check: true
        )
        XCTAssertEqual(fits.stdoutText, String(repeating: "y", count: 900))
    }

    func testAChunkedBodyFarPastTheLimitIsCutOff() throws {
        let seen = SeenRequests()
        let server = try limitedServer(seen)
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        try directory.write("huge", String(repeating: "z", count: 3 << 20))
        let result = try runCommand([
            "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Transfer-Encoding: chunked",
            "--data-binary", "@" + directory.file("huge"), "http://127.0.0.1:\(server.port)/echo",
        ])
        XCTAssertNotEqual(result.status, 0, "curl saw the connection close: \(result.stdoutText)")
        XCTAssertEqual(seen.all.count, 0)
    }

    func testBindingABusyPortFailsWithLibmicrohttpdsReason() throws {
        let first = try makeEchoServer(SeenRequests())
        defer { first.stop() }
        var configuration = HTTPServerConfiguration()
        configuration.port = first.port
        XCTAssertThrowsError(try HTTPServer(configuration: configuration) { _ in .text(200, "") }) { error in
            let failure = error as? HTTPServerError
            XCTAssertEqual(failure?.address, "127.0.0.1:\(first.port)")
            XCTAssertTrue(failure?.description.contains("Address already in use") ?? false, "\(error)")
        }
    }

    func testBindsIPv6LoopbackToo() throws {
        let server = try makeEchoServer(SeenRequests()) { $0.host = "::1" }
        defer { server.stop() }
        let response = try HTTPClient().get(url: "http://[::1]:\(server.port)/healthz")
        XCTAssertEqual(response.bodyText, "ok\n")
    }

    func testAnUnresolvableHostIsAStartError() {
        var configuration = HTTPServerConfiguration()
        configuration.host = "no-such-host.invalid"
        XCTAssertThrowsError(try HTTPServer(configuration: configuration) { _ in .text(200, "") }) { error in
            XCTAssertTrue("\(error)".contains("cannot resolve no-such-host.invalid"), "\(error)")
        }
    }

    func testAfterStopTheServerRefusesConnections() throws {
        let server = try makeEchoServer(SeenRequests())
        let url = "http://127.0.0.1:\(server.port)/healthz"
        XCTAssertEqual(try HTTPClient().get(url: url).status, 200)
        server.stop()
        server.stop()  // idempotent
        XCTAssertThrowsError(try HTTPClient().get(url: url)) { error in
            XCTAssertEqual((error as? HTTPClientError)?.kind, .couldNotConnect, "\(error)")
        }
    }

    /// An idle TCP connection to `port` on loopback, closed on deinit.
    private final class IdleConnection {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)

        init(port: UInt16) {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            XCTAssertEqual(connected, 0)
        }

        /// True once the server has closed its end (a read returns end of file without blocking).
        var closedByPeer: Bool {
            var byte: UInt8 = 0
            return recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT)) == 0
        }

        deinit { close(descriptor) }
    }

    func testThePerAddressLimitRefusesAConnectionOverIt() throws {
        let server = try makeEchoServer(SeenRequests()) { $0.maxConnectionsPerAddress = 1 }
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/healthz"
        var idle: IdleConnection? = IdleConnection(port: server.port)
        try waitUntil("the idle connection to be accepted and the next one refused") {
            (try? HTTPClient().get(url: url)) == nil
        }
        XCTAssertFalse(idle?.closedByPeer ?? true)
        idle = nil
        try waitUntil("a connection to be accepted again") { (try? HTTPClient().get(url: url))?.status == 200 }
    }

    func testAnIdleConnectionTimesOut() throws {
        let server = try makeEchoServer(SeenRequests()) { $0.connectionTimeoutSeconds = 1 }
        defer { server.stop() }
        let idle = IdleConnection(port: server.port)
        try waitUntil("the server to close the idle connection", timeout: 30) { idle.closedByPeer }
    }
}
