// The collector's HTTP server over libmicrohttpd (the only code that imports CMicroHTTPD).
//
// MHD runs its own threads: MHD_USE_INTERNAL_POLLING_THREAD with epoll and a pool of `threadPoolSize` threads,
// each accepting and serving connections. For every request MHD calls the access handler several times — once
// when the head has arrived, once per chunk of body, once at the end — and this wrapper turns those calls into
// one `HTTPRequest` with the whole body and calls the Swift handler once with it and an `HTTPResponder`. The
// handler answers through the responder, before returning or later from any thread: a handler that returns
// without answering does not hold a pool thread, because the connection is suspended (MHD_ALLOW_SUSPEND_RESUME)
// until `send` resumes it (HTTPResponder.swift). The response is copied into MHD (MHD_RESPMEM_MUST_COPY).
// The callbacks and the per-request state live in HTTPServerCallbacks.swift.
//
// HTTPS (MHD_USE_TLS, GnuTLS underneath) when `tls` is set: the certificate and key go to MHD from memory after
// GnuTLS parsed them here (a bad PEM is a thrown error, not a failed start with a vague log line). With a client
// CA, MHD asks clients for a certificate and every request carries the verified one, or nil: verification is ours,
// once per connection (HTTPServerTLS.swift), so a client without a valid certificate still reaches the handler,
// which decides (e.g. falls back to a bearer token).
//
// Limits: the body is capped at `maxBodyBytes` (a declared Content-Length over it is answered 413 before any
// body is read; an undeclared one is dropped past the limit and answered 413), connections are capped in total
// and optionally per client address (suspended ones count), and idle connections time out (suspended ones do
// not).
//
// Options go to MHD as one MHD_OptionItem array through the shim's th_mhd_start_daemon (MHD_start_daemon is
// variadic). MHD's own messages go through .EXTERNAL_LOGGER to `diagnostics` and into the start error.
// stop() (also run by deinit) first resumes every suspended connection (MHD requires it), then calls
// MHD_stop_daemon, which closes the connections and waits for the pool threads; never call it from inside the
// handler. The handler runs on MHD's threads, concurrently, so it must be thread-safe and should not block for
// long: a blocked handler holds one pool thread (answer later through the responder instead).
import CMicroHTTPD
import Foundation

/// A running HTTP/1.1 server; it serves until `stop()` or deinit.
public final class HTTPServer: @unchecked Sendable {
    // @unchecked: `daemon` is only read or cleared while holding `lock`; everything else is immutable.
    private var daemon: OpaquePointer?
    private let lock = NSLock()
    private let context: ServerContext
    /// The PEM strings MHD was given, kept alive with the daemon.
    private let tlsMaterial: TLSMaterial?
    /// The port the server listens on (the kernel's pick when configured with port 0).
    public let port: UInt16
    public let configuration: HTTPServerConfiguration

    /// Whether this libmicrohttpd was built with TLS (GnuTLS) support, needed for `MHD_USE_TLS`.
    public static var supportsTLS: Bool { MHD_is_feature_supported(.FEATURE_TLS) == th_mhd_yes() }

    /// Binds and starts serving; `handler` answers every complete request with the response it returns.
    public convenience init(
        configuration: HTTPServerConfiguration,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPServerResponse
    ) throws {
        try self.init(configuration: configuration) { request, responder in responder.send(handler(request)) }
    }

    /// Binds and starts serving; `handler` gets every complete request and answers it through the responder,
    /// before returning or later from any thread (see `HTTPResponder`).
    public init(
        configuration: HTTPServerConfiguration,
        responder handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void
    ) throws {
        self.configuration = configuration
        let context = ServerContext(
            handler: handler,
            admit: configuration.admit,
            maxBodyBytes: configuration.maxBodyBytes,
            verifiesClientCertificates: configuration.tls?.clientCAPEM != nil,
            diagnostics: configuration.diagnostics
        )
        self.context = context
        let display = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let addressText = "\(display):\(configuration.port)"

        var tlsMaterial: TLSMaterial?
        if let tls = configuration.tls {
            guard Self.supportsTLS else {
                throw HTTPServerError(address: addressText, code: 0, messages: ["this libmicrohttpd has no TLS"])
            }
            do {
                tlsMaterial = try TLSMaterial(tls)
            } catch {
                throw HTTPServerError(address: addressText, code: 0, messages: [error.description])
            }
        }
        self.tlsMaterial = tlsMaterial

        var storage = sockaddr_storage()
        let family = try Self.resolve(configuration.host, configuration.port, into: &storage, addressText)
        var flags =
            MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_USE_ERROR_LOG.rawValue
            | MHD_ALLOW_SUSPEND_RESUME.rawValue
        if family == AF_INET6 { flags |= MHD_USE_IPv6.rawValue }
        if tlsMaterial != nil { flags |= MHD_USE_TLS.rawValue }

        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        let started = withUnsafeMutablePointer(to: &storage) { address -> OpaquePointer? in
            var options: [MHD_OptionItem] = [
                // The logger goes first so that messages during start-up reach it too.
                Self.option(
                    .EXTERNAL_LOGGER,
                    function: unsafeBitCast(logMessage, to: UnsafeRawPointer.self),
                    contextPointer
                ),
                Self.option(
                    .NOTIFY_COMPLETED,
                    function: unsafeBitCast(requestCompleted, to: UnsafeRawPointer.self),
                    nil
                ),
                Self.option(.CONNECTION_LIMIT, configuration.maxConnections),
                Self.option(.CONNECTION_TIMEOUT, configuration.connectionTimeoutSeconds),
                MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: UnsafeMutableRawPointer(address)),
            ]
            if configuration.threadPoolSize > 1 {
                options.append(Self.option(.THREAD_POOL_SIZE, configuration.threadPoolSize))
            }
            if configuration.maxConnectionsPerAddress > 0 {
                options.append(Self.option(.PER_IP_CONNECTION_LIMIT, configuration.maxConnectionsPerAddress))
            }
            if let tlsMaterial {
                options.append(MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: tlsMaterial.certificate))
                options.append(MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: tlsMaterial.key))
                if let clientCAs = tlsMaterial.clientCAs {
                    // Also makes MHD request (not require) a client certificate on every handshake.
                    options.append(MHD_OptionItem(option: .HTTPS_MEM_TRUST, value: 0, ptr_value: clientCAs))
                    options.append(
                        Self.option(
                            .NOTIFY_CONNECTION,
                            function: unsafeBitCast(connectionNotified, to: UnsafeRawPointer.self),
                            nil
                        )
                    )
                }
            }
            options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            return options.withUnsafeMutableBufferPointer {
                th_mhd_start_daemon(flags, configuration.port, accessHandler, contextPointer, $0.baseAddress)
            }
        }
        guard let started else {
            throw HTTPServerError(address: addressText, code: errno, messages: context.recentMessages)
        }
        daemon = started
        port = th_mhd_daemon_bound_port(started)
    }

    deinit {
        stop()
    }

    /// Stops accepting, closes every connection (suspended ones included: their responders' later `send` is
    /// ignored) and waits for MHD's threads. Idempotent.
    public func stop() {
        lock.withLock {
            guard let running = daemon else { return }
            daemon = nil
            context.deferredAnswers.resumeAllForStop()
            MHD_stop_daemon(running)
        }
    }

    // MARK: Start-up helpers

    private static func option(_ option: MHD_OPTION, _ value: Int) -> MHD_OptionItem {
        MHD_OptionItem(option: option, value: value, ptr_value: nil)
    }

    /// Options taking two pointers (a function and its closure): the function goes in `value` as an intptr_t.
    private static func option(_ option: MHD_OPTION, function: UnsafeRawPointer, _ closure: UnsafeMutableRawPointer?)
        -> MHD_OptionItem
    {
        MHD_OptionItem(option: option, value: Int(bitPattern: function), ptr_value: closure)
    }

    /// Resolves `host` (a literal or a name) into a socket address for binding; returns its family.
    private static func resolve(
        _ host: String,
        _ port: UInt16,
        into storage: inout sockaddr_storage,
        _ addressText: String
    ) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            let reason = String(cString: gai_strerror(status))
            throw HTTPServerError(address: addressText, code: 0, messages: ["cannot resolve \(host): \(reason)"])
        }
        defer { freeaddrinfo(found) }
        guard let address = first.pointee.ai_addr, Int(first.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size
        else {
            throw HTTPServerError(address: addressText, code: 0, messages: ["\(host) resolved to no usable address"])
        }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
        }
        return first.pointee.ai_family
    }
}
