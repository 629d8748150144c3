// TracehoundForward: the forwarder's HTTP client over libcurl, the only code that imports CCurl.
//
// HTTPClient owns one curl easy handle for its whole life. libcurl keeps the connection of the last request open
// in that handle, so consecutive POSTs to the collector reuse one TCP (and TLS) connection instead of paying a
// handshake per batch. The handle's fixed settings (timeouts, TLS files, verification, no signals, protocols)
// are set once in init; per request only the method, URL, headers, body and callback context change.
//
// Safety rules kept here:
// - curl_global_init runs exactly once per process, through a lazily initialized global (Swift runs it once,
//   thread-safely) before the first handle exists.
// - CURLOPT_NOSIGNAL: libcurl must not use SIGALRM for timeouts in a multi-threaded daemon.
// - TLS verification is on unless the caller says `insecureSkipVerify` by name.
// - The response body is capped (CURLOPT_MAXFILESIZE_LARGE when the length is announced, the write callback
//   otherwise): a misbehaving peer cannot make the agent buffer without bound.
// - Only http and https are allowed, and redirects are not followed (a batch is not re-POSTed elsewhere).
// - Requests on one client are serialized by a lock: an easy handle must never be used by two threads at once.
//   For parallel requests, use one client per thread.
import CCurl
public import Foundation

/// curl_global_init's result, computed once per process on first use.
private let curlGlobalInitialization: UInt32 = curl_global_init(th_curl_global_default()).rawValue

/// Fixed settings of an `HTTPClient`.
public struct HTTPClientOptions: Sendable {
    /// Time allowed to establish the TCP connection and TLS handshake.
    public var connectTimeout: Duration = .seconds(10)
    /// Time allowed for a whole request, connecting included.
    public var timeout: Duration = .seconds(30)
    /// PEM file of the certificate authorities that sign the server's certificate; nil uses the system's bundle.
    public var caFile: String?
    /// PEM file of the client certificate (mutual TLS); nil sends none.
    public var clientCertificateFile: String?
    /// PEM file of the client certificate's private key.
    public var clientKeyFile: String?
    /// Skip verifying the server's certificate and host name. Only for tests and explicit operator choice.
    public var insecureSkipVerify = false
    /// Largest response body accepted; a longer one fails with `.responseTooLarge`.
    public var maxResponseBytes = 1 << 20
    /// The User-Agent header.
    public var userAgent = "tracehound"

    public init() {}
}

/// An HTTP/1.1 client over one reusable libcurl easy handle (see the design note above).
public final class HTTPClient: @unchecked Sendable {
    // @unchecked: every use of `handle` and `errorBuffer` after init happens while holding `lock`.
    private let handle: UnsafeMutableRawPointer  // CURL * (a void typedef)
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let lock = NSLock()
    public let options: HTTPClientOptions

    public init(options: HTTPClientOptions = HTTPClientOptions()) throws {
        guard curlGlobalInitialization == CURLE_OK.rawValue else {
            throw Self.setupError(CURLcode(curlGlobalInitialization), "curl_global_init failed")
        }
        guard let handle = curl_easy_init() else {
            throw Self.setupError(CURLE_FAILED_INIT, "curl_easy_init returned no handle")
        }
        self.handle = handle
        self.options = options
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try configure()
    }

    deinit {
        curl_easy_cleanup(handle)  // also closes the kept-alive connection
        errorBuffer.deallocate()
    }

    /// POSTs `body` to `url` with extra `headers` and returns the response, whatever its status.
    /// Throws `HTTPClientError` when no response arrived (connect, timeout, TLS, too large, ...).
    public func post(url: String, body: [UInt8], headers: [(String, String)] = []) throws -> HTTPResponse {
        try body.withUnsafeBytes { try send(method: "POST", url: url, headers: headers, body: $0) }
    }

    /// POSTs `body` to `url`; see `post(url:body:headers:)`.
    public func post(url: String, body: Data, headers: [(String, String)] = []) throws -> HTTPResponse {
        try body.withUnsafeBytes { try send(method: "POST", url: url, headers: headers, body: $0) }
    }

    /// GETs `url` with extra `headers`.
    public func get(url: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        try send(method: "GET", url: url, headers: headers, body: nil)
    }

    /// Sends any method ("PUT", "DELETE", "HEAD", ...); `body` is sent for every method but GET and HEAD.
    public func perform(
        method: String,
        url: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) throws -> HTTPResponse {
        try body.withUnsafeBytes { try send(method: method, url: url, headers: headers, body: $0) }
    }

    private func send(
        method: String,
        url: String,
        headers: [(String, String)],
        body: UnsafeRawBufferPointer?
    ) throws -> HTTPResponse {
        for (name, value) in headers {
            if let problem = validateHeader(name: name, value: value) {
                throw HTTPClientError(
                    kind: .invalidRequest,
                    code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue),
                    message: "invalid request",
                    detail: problem,
                    url: url
                )
            }
        }
        lock.lock()
        defer { lock.unlock() }

        // An empty value tells curl to drop a header it would add itself (User-Agent, Expect, Content-Type).
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for (name, value) in headers {
            guard let extended = curl_slist_append(list, "\(name): \(value)") else {
                throw Self.setupError(CURLE_OUT_OF_MEMORY, "curl_slist_append failed", url: url)
            }
            list = extended
        }

        defer {
            // Leave no pointer to this request's memory (header list, body, transfer) in the handle.
            _ = th_curl_easy_setopt_ptr(handle, CURLOPT_POSTFIELDS, nil)
            _ = th_curl_easy_setopt_ptr(handle, CURLOPT_HTTPHEADER, nil)
            _ = th_curl_easy_setopt_ptr(handle, CURLOPT_WRITEDATA, nil)
            _ = th_curl_easy_setopt_ptr(handle, CURLOPT_HEADERDATA, nil)
        }
        let transfer = Transfer(limit: options.maxResponseBytes)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var emptyBody: CChar = 0  // POSTFIELDS must not be NULL, or curl would read the body from stdin.
        let code = try withUnsafeMutablePointer(to: &emptyBody) { empty -> CURLcode in
            try set(CURLOPT_URL, url)
            try set(CURLOPT_HTTPHEADER, UnsafeRawPointer(list))
            try set(CURLOPT_WRITEDATA, UnsafeRawPointer(context))
            try set(CURLOPT_HEADERDATA, UnsafeRawPointer(context))
            try set(CURLOPT_CUSTOMREQUEST, nil as UnsafeRawPointer?)
            try set(CURLOPT_NOBODY, 0)
            switch method {
            case "GET":
                try set(CURLOPT_HTTPGET, 1)
            case "HEAD":
                try set(CURLOPT_NOBODY, 1)
            default:
                try set(CURLOPT_POST, 1)
                let bytes = body ?? UnsafeRawBufferPointer(start: nil, count: 0)
                try setOffset(CURLOPT_POSTFIELDSIZE_LARGE, Int64(bytes.count))
                try set(CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(empty))
                if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
            }
            errorBuffer[0] = 0
            return withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        }
        guard code == CURLE_OK else {
            throw HTTPClientError(
                code: code,
                detail: String(cString: errorBuffer),
                url: url,
                bodyLimitExceeded: transfer.exceededLimit
            )
        }
        var status = 0
        _ = th_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: transfer.headers, body: transfer.body)
    }

    // MARK: Setup

    /// The settings that hold for every request of this client.
    private func configure() throws {
        try set(CURLOPT_ERRORBUFFER, UnsafeRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(options.timeout))
        try set(CURLOPT_USERAGENT, options.userAgent)
        try set(CURLOPT_SSL_VERIFYPEER, options.insecureSkipVerify ? 0 : 1)
        try set(CURLOPT_SSL_VERIFYHOST, options.insecureSkipVerify ? 0 : 2)
        if let caFile = options.caFile { try set(CURLOPT_CAINFO, caFile) }
        if let certificate = options.clientCertificateFile { try set(CURLOPT_SSLCERT, certificate) }
        if let key = options.clientKeyFile { try set(CURLOPT_SSLKEY, key) }
        try setOffset(CURLOPT_MAXFILESIZE_LARGE, Int64(options.maxResponseBytes))
        let write = th_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, transferWriteCallback)
        try check(write, "CURLOPT_WRITEFUNCTION")
        let header = th_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, transferHeaderCallback)
        try check(header, "CURLOPT_HEADERFUNCTION")
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(th_curl_easy_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: UnsafeRawPointer?) throws {
        try check(th_curl_easy_setopt_ptr(handle, option, value), "option \(option.rawValue)")
    }

    /// String options: libcurl copies the string, so the temporary C string may go after the call.
    private func set(_ option: CURLoption, _ value: String) throws {
        try check(th_curl_easy_setopt_ptr(handle, option, value), "option \(option.rawValue)")
    }

    private func setOffset(_ option: CURLoption, _ value: Int64) throws {
        try check(th_curl_easy_setopt_off_t(handle, option, curl_off_t(value)), "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else { throw Self.setupError(code, "setting \(what)") }
    }

    private static func setupError(_ code: CURLcode, _ detail: String, url: String = "") -> HTTPClientError {
        HTTPClientError(code: code, detail: detail, url: url, bodyLimitExceeded: false)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
