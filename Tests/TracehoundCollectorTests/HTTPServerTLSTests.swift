import Foundation
import TracehoundCollector
import TracehoundForward
import TracehoundTestKit
import XCTest

/// HTTPS through libmicrohttpd's GnuTLS with a CA made by openssl, checked with the real curl command and our own
/// libcurl client; mutual TLS; PEMs that do not parse.
final class HTTPServerTLSTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var certificates: TestCertificates!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        certificates = try TestCertificates.make(in: directory)
    }

    override func tearDown() {
        directory = nil  // XCTest keeps test case instances: let the directory go now
    }

    private func tls(clientCA: Bool) throws -> HTTPServerTLS {
        HTTPServerTLS(
            certificatePEM: try TestCertificates.contents(of: certificates.serverCertificateFile),
            keyPEM: try TestCertificates.contents(of: certificates.serverKeyFile),
            clientCAPEM: clientCA ? try TestCertificates.contents(of: certificates.caFile) : nil
        )
    }

    /// An HTTPS server answering "cn=NAME" for the request's verified client certificate, "cn=none" without one.
    private func makeServer(clientCA: Bool, _ seen: SeenRequests = SeenRequests()) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.tls = try tls(clientCA: clientCA)
        return try HTTPServer(configuration: configuration) { request in
            seen.add(request)
            return .text(200, "cn=\(request.clientCertificate.map { $0.commonName ?? "?" } ?? "none")\n")
        }
    }

    private func curl(_ arguments: [String], _ url: String) throws -> CommandResult {
        try runCommand(["curl", "-sS", "--max-time", "30"] + arguments + [url])
    }

    func testServesHTTPSToTheCurlCommandThatTrustsTheCA() throws {
        let server = try makeServer(clientCA: false)
        defer { server.stop() }
        let byAddress = try curl(["--cacert", certificates.caFile], "https://127.0.0.1:\(server.port)/hello")
        XCTAssertEqual(byAddress.status, 0, byAddress.stderrText)
        XCTAssertEqual(byAddress.stdoutText, "cn=none\n")

        let byName = try curl(
            ["--cacert", certificates.caFile, "--resolve", "localhost:\(server.port):127.0.0.1"],
            "https://localhost:\(server.port)/hello"
        )
        XCTAssertEqual(byName.status, 0, byName.stderrText)
        XCTAssertEqual(byName.stdoutText, "cn=none\n")
    }

    func testServesHTTPSToOurClientWithTheCAFile() throws {
        let seen = SeenRequests()
        let server = try makeServer(clientCA: false, seen)
        defer { server.stop() }
        var options = HTTPClientOptions()
        options.caFile = certificates.caFile
        let client = try HTTPClient(options: options)
        for _ in 0..<3 {
            let response = try client.post(url: "https://127.0.0.1:\(server.port)/v1/batches", body: Array("x".utf8))
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.bodyText, "cn=none\n")
        }
        XCTAssertEqual(seen.all.map(\.body), Array(repeating: Array("x".utf8), count: 3))
    }

    func testAClientThatDoesNotTrustTheCAFails() throws {
        let server = try makeServer(clientCA: false)
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/hello"
        // The system's CA bundle does not hold the test CA: curl exits 60 (peer certificate cannot be verified).
        XCTAssertEqual(try curl([], url).status, 60)
        XCTAssertThrowsError(try HTTPClient().get(url: url)) { error in
            XCTAssertEqual((error as? HTTPClientError)?.kind, .tls, "\(error)")
        }
        var options = HTTPClientOptions()
        options.insecureSkipVerify = true
        XCTAssertEqual(try HTTPClient(options: options).get(url: url).status, 200, "only when asked by name")
    }

    func testAVerifiedClientCertificateReachesTheHandlerWithItsCommonName() throws {
        let seen = SeenRequests()
        let server = try makeServer(clientCA: true, seen)
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/v1/batches"
        let result = try curl(
            [
                "--cacert", certificates.caFile, "--cert", certificates.clientCertificateFile, "--key",
                certificates.clientKeyFile,
            ],
            url
        )
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "cn=test-host\n")
        let certificate = try XCTUnwrap(seen.all.first?.clientCertificate)
        XCTAssertEqual(certificate.commonName, "test-host")
        XCTAssertTrue(certificate.subject.contains("CN=test-host"), certificate.subject)
        XCTAssertTrue(certificate.subject.contains("O=tracehound tests"), certificate.subject)

        // Our client, several requests on one kept-alive connection (verified once, remembered for each).
        var options = HTTPClientOptions()
        options.caFile = certificates.caFile
        options.clientCertificateFile = certificates.clientCertificateFile
        options.clientKeyFile = certificates.clientKeyFile
        let client = try HTTPClient(options: options)
        for _ in 0..<3 {
            XCTAssertEqual(try client.get(url: url).bodyText, "cn=test-host\n")
        }
        XCTAssertEqual(seen.all.compactMap(\.clientCertificate), Array(repeating: certificate, count: 4))
    }

    func testAStrangersCertificateOrNoneReachesTheHandlerWithoutOne() throws {
        let seen = SeenRequests()
        let server = try makeServer(clientCA: true, seen)
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/v1/batches"
        // Same common name, signed by a CA the server does not trust.
        let stranger = try curl(
            [
                "--cacert", certificates.caFile, "--cert", certificates.strangerCertificateFile, "--key",
                certificates.strangerKeyFile,
            ],
            url
        )
        XCTAssertEqual(stranger.status, 0, stranger.stderrText)
        XCTAssertEqual(stranger.stdoutText, "cn=none\n")

        // Signed by the trusted CA, but for servers only (extendedKeyUsage serverAuth).
        let serverOnly = try curl(
            [
                "--cacert", certificates.caFile, "--cert", certificates.serverCertificateFile, "--key",
                certificates.serverKeyFile,
            ],
            url
        )
        XCTAssertEqual(serverOnly.status, 0, serverOnly.stderrText)
        XCTAssertEqual(serverOnly.stdoutText, "cn=none\n")

        let anonymous = try curl(["--cacert", certificates.caFile], url)
        XCTAssertEqual(anonymous.status, 0, anonymous.stderrText)
        XCTAssertEqual(anonymous.stdoutText, "cn=none\n")

        var options = HTTPClientOptions()
        options.caFile = certificates.caFile
        options.clientCertificateFile = certificates.strangerCertificateFile
        options.clientKeyFile = certificates.strangerKeyFile
        XCTAssertEqual(try HTTPClient(options: options).get(url: url).bodyText, "cn=none\n")
        XCTAssertEqual(seen.all.count, 4)
        XCTAssertEqual(seen.all.compactMap(\.clientCertificate), [])
    }

    func testWithoutAClientCAEvenAValidCertificateIsNotReported() throws {
        let server = try makeServer(clientCA: false)
        defer { server.stop() }
        let result = try curl(
            [
                "--cacert", certificates.caFile, "--cert", certificates.clientCertificateFile, "--key",
                certificates.clientKeyFile,
            ],
            "https://127.0.0.1:\(server.port)/"
        )
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "cn=none\n")
    }

    func testAnswersADeferredResponseOverHTTPS() throws {
        var configuration = HTTPServerConfiguration()
        configuration.tls = try tls(clientCA: true)
        let server = try HTTPServer(configuration: configuration) { request, responder in
            let name = request.clientCertificate?.commonName ?? "none"
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) {
                responder.send(.text(200, "later for \(name)\n"))
            }
        }
        defer { server.stop() }
        var options = HTTPClientOptions()
        options.caFile = certificates.caFile
        options.clientCertificateFile = certificates.clientCertificateFile
        options.clientKeyFile = certificates.clientKeyFile
        let client = try HTTPClient(options: options)
        for _ in 0..<2 {
            XCTAssertEqual(
                try client.get(url: "https://127.0.0.1:\(server.port)/feed").bodyText,
                "later for test-host\n"
            )
        }
    }

    func testPEMsThatDoNotParseAreAThrownErrorNamingWhichOne() throws {
        let good = try tls(clientCA: true)
        let strangerKey = try TestCertificates.contents(of: certificates.strangerKeyFile)
        let cases: [(String, (inout HTTPServerTLS) -> Void, String)] = [
            (
                "garbage certificate", { $0.certificatePEM = Array("not a certificate".utf8) },
                "TLS certificate does not parse"
            ),
            (
                "garbage key", { $0.keyPEM = Array("-----BEGIN PRIVATE KEY-----\nAAAA\n".utf8) },
                "TLS key does not parse"
            ),
            ("another certificate's key", { $0.keyPEM = strangerKey }, "TLS certificate and key do not go together"),
            ("garbage client CA", { $0.clientCAPEM = Array("no CA here".utf8) }, "TLS client CA"),
            ("NUL byte", { $0.certificatePEM.append(0) }, "contains a NUL byte"),
        ]
        for (name, spoil, expected) in cases {
            var configuration = HTTPServerConfiguration()
            configuration.tls = good
            spoil(&configuration.tls!)
            XCTAssertThrowsError(try HTTPServer(configuration: configuration) { _ in .text(200, "") }, name) { error in
                let description = "\(error)"
                XCTAssertTrue(error is HTTPServerError, "\(name): \(type(of: error))")
                XCTAssertTrue(description.contains(expected), "\(name): \(description)")
                XCTAssertTrue(description.contains("127.0.0.1:0"), "\(name): \(description)")
            }
        }
    }
}
