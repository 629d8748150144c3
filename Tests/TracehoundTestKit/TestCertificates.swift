// Shared helpers for tests: a throwaway PKI made with the real openssl command, for TLS and mutual TLS tests.
import Foundation

/// PEM files in a temporary directory: a CA; a server certificate for DNS:localhost and IP:127.0.0.1 signed by
/// it; a client certificate (extendedKeyUsage clientAuth) signed by it; and a "stranger" client certificate with
/// the same common name, signed by another CA that nothing trusts. Keys are EC P-256 (fast to make) in
/// unencrypted PKCS#8 PEM; certificates are valid for two days from now.
public struct TestCertificates: Sendable {
    public let caFile: String
    public let serverCertificateFile: String
    public let serverKeyFile: String
    public let clientCertificateFile: String
    public let clientKeyFile: String
    public let strangerCertificateFile: String
    public let strangerKeyFile: String

    /// Writes the files into `directory` (ca.pem, server.pem, server-key.pem, client.pem, client-key.pem,
    /// stranger.pem, stranger-key.pem, plus the stranger's CA and the openssl config).
    public static func make(in directory: TemporaryDirectory, clientCommonName: String = "test-host") throws
        -> TestCertificates
    {
        let config = try directory.write("openssl.cnf", opensslConfiguration)
        let maker = Maker(directory: directory, config: config)
        try maker.authority("ca", commonName: "tracehound test CA")
        try maker.authority("stranger-ca", commonName: "tracehound stranger CA")
        try maker.leaf("server", commonName: "localhost", signedBy: "ca", extensions: "server_cert", serial: 2)
        try maker.leaf("client", commonName: clientCommonName, signedBy: "ca", extensions: "client_cert", serial: 3)
        try maker.leaf(
            "stranger",
            commonName: clientCommonName,
            signedBy: "stranger-ca",
            extensions: "client_cert",
            serial: 4
        )
        return TestCertificates(
            caFile: directory.file("ca.pem"),
            serverCertificateFile: directory.file("server.pem"),
            serverKeyFile: directory.file("server-key.pem"),
            clientCertificateFile: directory.file("client.pem"),
            clientKeyFile: directory.file("client-key.pem"),
            strangerCertificateFile: directory.file("stranger.pem"),
            strangerKeyFile: directory.file("stranger-key.pem")
        )
    }

    /// The bytes of one of the files (for HTTPServerTLS's PEM fields).
    public static func contents(of file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// Runs openssl with the test's own configuration, so the system's openssl.cnf adds no extensions.
    private struct Maker {
        let directory: TemporaryDirectory
        let config: String

        func authority(_ name: String, commonName: String) throws {
            try runCommand(
                [
                    "openssl", "req", "-x509", "-config", config, "-extensions", "ca_cert", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=\(commonName)",
                    "-keyout", directory.file("\(name)-key.pem"), "-out", directory.file("\(name).pem"),
                ],
                check: true
            )
        }

        func leaf(_ name: String, commonName: String, signedBy issuer: String, extensions: String, serial: Int)
            throws
        {
            try runCommand(
                [
                    "openssl", "req", "-new", "-config", config, "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/O=tracehound tests/CN=\(commonName)",
                    "-keyout", directory.file("\(name)-key.pem"), "-out", directory.file("\(name).csr"),
                ],
                check: true
            )
            try runCommand(
                [
                    "openssl", "x509", "-req", "-in", directory.file("\(name).csr"), "-CA",
                    directory.file("\(issuer).pem"), "-CAkey", directory.file("\(issuer)-key.pem"), "-set_serial",
                    String(serial), "-days", "2", "-sha256", "-extfile", config, "-extensions", extensions, "-out",
                    directory.file("\(name).pem"),
                ],
                check: true
            )
        }
    }

    private static let opensslConfiguration = """
        [req]
        distinguished_name = subject
        [subject]
        [ca_cert]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        [server_cert]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:localhost, IP:127.0.0.1
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [client_cert]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid

        """
}
