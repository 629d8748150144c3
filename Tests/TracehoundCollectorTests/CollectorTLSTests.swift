// Mutual TLS: a client certificate that the configured CA signed authenticates as the host its CN names; one from
// another CA, or none, authenticates nothing; a bearer token still works over HTTPS.
import Foundation
import TracehoundCollector
import TracehoundCore
import TracehoundTestKit
import XCTest

final class CollectorTLSTests: XCTestCase {
    func testAClientCertificateAuthenticatesAsTheHostItsCommonNameNames() throws {
        let directory = try TemporaryDirectory()
        let certificates = try TestCertificates.make(in: directory, clientCommonName: "cert-host")
        let tls = HTTPServerTLS(
            certificatePEM: try TestCertificates.contents(of: certificates.serverCertificateFile),
            keyPEM: try TestCertificates.contents(of: certificates.serverKeyFile),
            clientCAPEM: try TestCertificates.contents(of: certificates.caFile)
        )
        let collector = try CollectorHarness(tls: tls)
        let client = ["--cert", certificates.clientCertificateFile, "--key", certificates.clientKeyFile]
        let stranger = ["--cert", certificates.strangerCertificateFile, "--key", certificates.strangerKeyFile]

        /// The status of a request made with the real curl command, trusting the test CA.
        func status(_ arguments: [String], _ path: String) throws -> String {
            try runCommand(
                ["curl", "-sS", "--cacert", certificates.caFile, "-o", "/dev/null", "-w", "%{http_code}"]
                    + arguments + [collector.base + path],
                check: true
            ).stdoutText
        }
        func post(_ host: String, index: Int, _ credentials: [String]) throws -> String {
            var builder = BatchBuilder(host: host, maxBytes: 1 << 20)
            let batch = try CollectorFixtures.batch(host: host, first: index, count: 1, builder: &builder)
            let body = directory.file("batch-\(index).lz4")
            try Data(batch.frame).write(to: URL(fileURLWithPath: body))
            let headers = ["-H", "Content-Encoding: lz4", "-H", "Tracehound-Batch-Id: \(batch.id)"]
            return try status(credentials + headers + ["--data-binary", "@" + body], "/v1/batches")
        }

        XCTAssertEqual(try post("cert-host", index: 0, client), "200")
        XCTAssertEqual(try post("other-host", index: 1, client), "400", "the certificate binds its CN's host")
        XCTAssertEqual(try post("cert-host", index: 2, stranger), "401", "a certificate from another CA is none")
        XCTAssertEqual(try post("cert-host", index: 3, []), "401")
        let token = ["-H", "Authorization: Bearer \(CollectorHarness.fleetToken)"]
        XCTAssertEqual(try post("other-host", index: 4, token), "200", "a token works over HTTPS too")

        XCTAssertEqual(try status(client, "/v1/segments?after=0"), "403", "an agent's certificate reads nothing")
        XCTAssertEqual(try status(token, "/v1/segments?after=0"), "200")
        XCTAssertEqual(try collector.store.feed(after: 0, limit: 10).count, 2)
    }
}
