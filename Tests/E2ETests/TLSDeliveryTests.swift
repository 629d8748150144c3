// The whole path over HTTPS (issue 5): the collector serves TLS with a certificate from a CA the test makes with
// openssl; the daemon verifies it through `ca_file`, and authenticates with a bearer token or, for mTLS, with a
// client certificate whose common name is its host id.
import Foundation
import TracehoundTestKit
import XCTest

final class TLSDeliveryTests: XCTestCase {
    func deliverOverTLS(clientCertificate: Bool) throws {
        let directory = try TemporaryDirectory()
        let certificates = try TestCertificates.make(in: directory, clientCommonName: "e2e-host")
        var collectorSetup = try CollectorSetup(
            directory,
            extra: """
                tls:
                  cert_file: \(certificates.serverCertificateFile)
                  key_file: \(certificates.serverKeyFile)
                  client_ca_file: \(certificates.caFile)
                """
        )
        collectorSetup.scheme = "https"
        let collector = try collectorSetup.startAndWait(extraCurlArguments: ["--cacert", certificates.caFile])
        let token = clientCertificate ? nil : try directory.write("agent/token", collectorSetup.token + "\n")
        let clientFiles =
            clientCertificate
            ? "cert_file: \(certificates.clientCertificateFile)\n  key_file: \(certificates.clientKeyFile)" : ""
        let agent = try AgentSetup(
            directory,
            sinkURL: collectorSetup.baseURL + "/v1/batches",
            tokenFile: token,
            extraSink: "ca_file: \(certificates.caFile)\n  \(clientFiles)"
        )
        let daemon = try agent.start()
        var writer = TranscriptWriter(seed: 11)
        try writer.append(150, to: directory.file("logs/agent.log"))
        try waitUntil("every suspicious line stored over HTTPS", timeout: 120) {
            Set(suspiciousMarkers(in: try collectorSetup.storedSegments()).keys) == writer.expected
        }
        XCTAssertEqual(daemon.stop(), 0, daemon.logTail())

        // Plain HTTP to the HTTPS port, and a client that does not trust the CA, get nothing stored or read.
        let plain = try runCommand(["curl", "-sS", "http://127.0.0.1:\(collectorSetup.port)/healthz"])
        XCTAssertNotEqual(plain.stdoutText, "ok")
        let untrusting = try runCommand(["curl", "-fsS", collectorSetup.baseURL + "/healthz"])
        XCTAssertNotEqual(untrusting.status, 0, "curl without the test CA must refuse the certificate")
        XCTAssertEqual(collector.stop(), 0, collector.logTail())
    }

    func testTheDaemonDeliversOverHTTPSWithABearerToken() throws {
        try deliverOverTLS(clientCertificate: false)
    }

    func testTheDaemonDeliversWithAClientCertificateAndNoToken() throws {
        try deliverOverTLS(clientCertificate: true)
    }
}
