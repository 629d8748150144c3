// The HTTP server's values: its configuration (TLS included), a request as the handler sees it, the handler's
// answer, errors.

/// How the collector's HTTP server listens and what it bounds.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind: an IPv4 or IPv6 literal or a host name ("127.0.0.1", "::1", "0.0.0.0", "localhost").
    public var host = "127.0.0.1"
    /// Port to bind; 0 lets the kernel pick one, which `HTTPServer.port` then reports.
    public var port: UInt16 = 0
    /// Threads that accept and serve connections (each runs the handler for its connections).
    public var threadPoolSize = 4
    /// Most connections open at once; further ones are refused.
    public var maxConnections = 256
    /// Most connections open at once from one client address; 0 means no per-address limit.
    public var maxConnectionsPerAddress = 0
    /// Seconds a connection may stay idle before it is closed; 0 means never.
    public var connectionTimeoutSeconds = 30
    /// Largest request body accepted; bigger ones get 413 without being buffered (a body without Content-Length
    /// is read and dropped past the limit; if it goes on for as much again, at least 1 MiB, the connection is cut).
    public var maxBodyBytes = 16 << 20
    /// Called with the request's head (its body still unread and empty) before any body byte is buffered; a
    /// response it returns is the answer, and the body is dropped. The collector refuses unauthenticated batches
    /// here, so a client without credentials cannot make it hold `maxBodyBytes` per connection.
    public var admit: (@Sendable (HTTPRequest) -> HTTPServerResponse?)?
    /// Receives libmicrohttpd's own diagnostics (bind errors, protocol violations) for the daemon to log.
    public var diagnostics: (@Sendable (String) -> Void)?
    /// Serve HTTPS with this certificate and key instead of plain HTTP; nil serves plain HTTP.
    public var tls: HTTPServerTLS?

    public init() {}
}

/// HTTPS settings: PEM text as read from the files (the server checks that it parses before listening).
public struct HTTPServerTLS: Sendable {
    /// The server's certificate, optionally followed by its intermediate certificates.
    public var certificatePEM: [UInt8]
    /// The certificate's private key (unencrypted PEM: PKCS#8, PKCS#1 or SEC1).
    public var keyPEM: [UInt8]
    /// Certificate authorities that sign client certificates. When set, clients are asked for a certificate
    /// (optionally) and `HTTPRequest.clientCertificate` tells which verified one a request came with.
    public var clientCAPEM: [UInt8]?

    public init(certificatePEM: [UInt8], keyPEM: [UInt8], clientCAPEM: [UInt8]? = nil) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.clientCAPEM = clientCAPEM
    }
}

/// A client certificate that was presented and verified against `HTTPServerTLS.clientCAPEM`.
public struct HTTPClientCertificate: Sendable, Equatable {
    /// The subject's first common name (CN), if it has one.
    public var commonName: String?
    /// The subject's distinguished name as RFC 4514 text ("CN=agent-17,O=example").
    public var subject: String

    public init(commonName: String?, subject: String) {
        self.commonName = commonName
        self.subject = subject
    }
}

/// One complete HTTP request: its head and the whole body, at most `maxBodyBytes`.
public struct HTTPRequest: Sendable {
    /// The method as sent ("GET", "POST", ...).
    public var method: String
    /// The path without the query, percent-decoded by libmicrohttpd ("/v1/batches").
    public var path: String
    /// The query arguments in order, percent-decoded; a name without `=` has a nil value.
    public var query: [(name: String, value: String?)]
    /// The request headers in order, names as sent.
    public var headers: [(name: String, value: String)]
    /// The request body.
    public var body: [UInt8]
    /// The client's IP address ("127.0.0.1", "::1"), when known.
    public var clientAddress: String?
    /// The client certificate the connection presented, only when it verified against the configured client CA;
    /// nil without TLS, without a client CA, without a certificate, or when verification failed.
    public var clientCertificate: HTTPClientCertificate?

    public init(
        method: String,
        path: String,
        query: [(name: String, value: String?)] = [],
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        clientAddress: String? = nil,
        clientCertificate: HTTPClientCertificate? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
        self.clientCertificate = clientCertificate
    }

    /// The first value of header `name`, compared without regard to ASCII case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The first value of query argument `name` (nil when absent or given without a value).
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value ?? nil
    }
}

/// The handler's answer. libmicrohttpd copies the body, so the value can go as soon as it is returned.
public struct HTTPServerResponse: Sendable {
    public var status: Int
    /// Extra headers; Content-Length, Date and Connection are set by the server.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain` response.
    public static func text(_ status: Int, _ text: String) -> HTTPServerResponse {
        HTTPServerResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8")],
            body: Array(text.utf8)
        )
    }
}

/// The server could not start. `code` is the errno left by the failing call (0 if none), `messages` what
/// libmicrohttpd reported while starting (e.g. "Failed to bind to port 7800: Address already in use"), or why
/// the TLS certificate, key or client CA did not parse (with GnuTLS's error text and number).
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public var address: String
    public var code: Int32
    public var messages: [String]

    public init(address: String, code: Int32, messages: [String]) {
        self.address = address
        self.code = code
        self.messages = messages
    }

    public var description: String {
        let reason = messages.isEmpty ? "no reason given" : messages.joined(separator: "; ")
        return "cannot start the HTTP server on \(address): \(reason)" + (code == 0 ? "" : " (errno \(code))")
    }
}
