import Foundation
import TracehoundForward
import TracehoundTestKit
import XCTest

/// A real TLS peer: `openssl s_server -www` on a loopback port, answering GET with a status page.
private final class OpenSSLServer {
    private final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.withLock { text += String(decoding: data, as: UTF8.self) } }
        var all: String { lock.withLock { text } }
    }

    let process = Process()
    let port: UInt16
    private let pipe = Pipe()

    init(arguments: [String]) throws {
        let openssl = try XCTUnwrap(findExecutable("openssl"), "no openssl command (Debian package openssl)")
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-www"] + arguments
        process.standardOutput = pipe
        process.standardError = pipe
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { output.append($0.availableData) }
        try process.run()
        // s_server announces "ACCEPT 127.0.0.1:PORT" on a line of its own once it listens.
        func announcedPort() -> UInt16? {
            let lines = output.all.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            return lines.first { $0.hasPrefix("ACCEPT ") }?.split(separator: ":").last.flatMap { UInt16($0) }
        }
        let process = self.process
        try waitUntil("openssl s_server to listen") { announcedPort() != nil || !process.isRunning }
        port = try XCTUnwrap(announcedPort(), output.all)
    }

    deinit {
        pipe.fileHandleForReading.readabilityHandler = nil
        process.terminate()
        process.waitUntilExit()
    }
}

/// TLS through libcurl's OpenSSL: verification on by default, a CA file, the explicit skip, client certificates.
final class HTTPClientTLSTests: XCTestCase {
    private var directory: TemporaryDirectory!

    /// A self-signed certificate for 127.0.0.1 (its own CA) and one for the client.
    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=agent-17")] {
            try runCommand(
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", directory.file("\(name)-key.pem"), "-out", directory.file("\(name).pem"),
                ],
                check: true
            )
        }
    }

    private func serverArguments() -> [String] {
        ["-cert", directory.file("server.pem"), "-key", directory.file("server-key.pem")]
    }

    func testRefusesAnUnverifiableCertificateByDefault() throws {
        let server = try OpenSSLServer(arguments: serverArguments())
        XCTAssertThrowsError(try HTTPClient().get(url: "https://127.0.0.1:\(server.port)/")) { error in
            let failure = error as? HTTPClientError
            XCTAssertEqual(failure?.kind, .tls, "\(error)")
            XCTAssertEqual(failure?.code, 60, "CURLE_PEER_FAILED_VERIFICATION: \(error)")
            XCTAssertFalse(failure?.detail.isEmpty ?? true, "the error buffer says why")
        }
    }

    func testTrustsAServerSignedByTheConfiguredCAFile() throws {
        let server = try OpenSSLServer(arguments: serverArguments())
        var options = HTTPClientOptions()
        options.caFile = directory.file("server.pem")
        let response = try HTTPClient(options: options).get(url: "https://127.0.0.1:\(server.port)/")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.bodyText.contains("s_server"), response.bodyText)
    }

    func testSkipsVerificationOnlyWhenAskedByName() throws {
        let server = try OpenSSLServer(arguments: serverArguments())
        var options = HTTPClientOptions()
        XCTAssertFalse(options.insecureSkipVerify)
        options.insecureSkipVerify = true
        XCTAssertEqual(try HTTPClient(options: options).get(url: "https://127.0.0.1:\(server.port)/").status, 200)
    }

    func testPresentsTheClientCertificateWhenTheServerRequiresOne() throws {
        let server = try OpenSSLServer(
            arguments: serverArguments() + ["-Verify", "1", "-CAfile", directory.file("client.pem")]
        )
        var options = HTTPClientOptions()
        options.caFile = directory.file("server.pem")
        XCTAssertThrowsError(try HTTPClient(options: options).get(url: "https://127.0.0.1:\(server.port)/")) { error in
            let kind = (error as? HTTPClientError)?.kind
            XCTAssertTrue(kind == .tls || kind == .receiveFailed, "no client certificate: \(error)")
        }

        options.clientCertificateFile = directory.file("client.pem")
        options.clientKeyFile = directory.file("client-key.pem")
        XCTAssertEqual(try HTTPClient(options: options).get(url: "https://127.0.0.1:\(server.port)/").status, 200)
    }

    func testAMissingCAFileIsATLSError() throws {
        let server = try OpenSSLServer(arguments: serverArguments())
        var options = HTTPClientOptions()
        options.caFile = directory.file("missing.pem")
        XCTAssertThrowsError(try HTTPClient(options: options).get(url: "https://127.0.0.1:\(server.port)/")) { error in
            XCTAssertEqual((error as? HTTPClientError)?.kind, .tls, "\(error)")
        }
    }
}
