// `tracehound-collector serve`: read the tokens and TLS files, open the store, serve until SIGTERM or SIGINT; and
// `CollectorService`, the collector on the network (an HTTPServer answering through a `Collector`), which tests start
// on 127.0.0.1 port 0.
//
// Start-up fails (exit 1, the reason logged) on a token file that cannot be used, a TLS file that cannot be read,
// a store that cannot be opened or an address that cannot be bound. Once listening: READY=1. SIGHUP re-reads the
// token file (RELOADING=1 … READY=1); a broken file keeps the tokens in force and logs why. SIGTERM or SIGINT
// stops gracefully (CollectorService.stop: in-flight ingests commit and answer first), closes the store and
// exits 0; a second signal exits 1 at once, which loses nothing either: an unanswered batch is retried.
import Dispatch
import Foundation
public import TracehoundCLI
public import TracehoundConfig
import TracehoundSystemd

public enum ServeCommand {
    /// How long a graceful stop waits for ingests in flight.
    static let drainTimeout = Duration.seconds(30)

    public static func run(config: CollectorConfig, logger: Logger) -> ExitCode {
        let tokens: CollectorTokens?
        let tls: HTTPServerTLS?
        do {
            tokens = try config.tokenFile.map { try loadTokens($0, logger: logger) }
            tls = try readTLS(config.tls)
        } catch {
            logger.error("cannot start", [("error", "\(error)")])
            return .failure
        }
        let store: any SegmentStore
        do {
            store = try SegmentStores.open(config.store)
        } catch {
            logger.error("cannot open the store", [("store", redacted(config.store)), ("error", "\(error)")])
            return .failure
        }
        defer { store.close() }
        let service: CollectorService
        do {
            service = try CollectorService(
                config: config,
                store: store,
                tokens: tokens,
                tls: tls,
                events: { log($0, logger) },
                diagnostics: { logger.warning("http server", [("message", $0)]) }
            )
        } catch {
            logger.error("cannot listen", [("listen", "\(config.listen)"), ("error", "\(error)")])
            return .failure
        }

        let stopRequested = DispatchSemaphore(value: 0)
        let signals = ServeSignals(
            logger: logger,
            onStop: { stopRequested.signal() },
            onReload: { reloadTokens(config.tokenFile, into: service.collector, logger: logger) }
        )
        signals.install()
        let address = ListenAddress(host: config.listen.host, port: Int(service.port))
        logger.info(
            "listening",
            [
                ("address", "\(address)"), ("tls", tls == nil ? "off" : (tls?.clientCAPEM == nil ? "on" : "mutual")),
                ("store", redacted(config.store)), ("tokens", tokens.map { "\($0.count)" } ?? "none"),
                ("threads", "\(config.threads)"),
            ]
        )
        _ = try? SystemdNotifier().ready(status: "listening on \(address)")

        stopRequested.wait()
        _ = try? SystemdNotifier().notify(.stopping)
        logger.info("stopping: answering waiting feed requests, letting ingests in flight commit")
        if !service.stop(timeout: drainTimeout) {
            logger.warning("ingests still running after the drain timeout; their agents will retry them")
        }
        logger.info("stopped")
        return .success
    }

    /// Reads the token file, warning when its mode lets others read it.
    static func loadTokens(_ path: String, logger: Logger) throws -> CollectorTokens {
        if let warning = CollectorTokens.permissionWarning(path: path) { logger.warning(warning) }
        let tokens = try CollectorTokens.load(path: path)
        for warning in tokens.warnings { logger.warning(warning) }
        return tokens
    }

    /// SIGHUP: the token file again; on any problem the tokens in force stay.
    static func reloadTokens(_ path: String?, into collector: Collector, logger: Logger) {
        guard let path else {
            logger.info("reload: token_file is none; nothing to reload")
            return
        }
        let notifier = SystemdNotifier()
        _ = try? notifier.notify(.reloading)
        defer { _ = try? notifier.ready(status: "running") }
        do {
            let tokens = try loadTokens(path, logger: logger)
            collector.replaceTokens(tokens)
            logger.info("tokens reloaded", [("token_file", path), ("tokens", "\(tokens.count)")])
        } catch {
            logger.error("tokens not reloaded; the previous tokens stay in force", [("error", "\(error)")])
        }
    }

    /// The PEM files of `tls`, nil when TLS is off.
    static func readTLS(_ tls: CollectorTLSConfig) throws -> HTTPServerTLS? {
        guard let certFile = tls.certFile, let keyFile = tls.keyFile else { return nil }
        func read(_ path: String, _ what: String) throws -> [UInt8] {
            do {
                return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                let reason = (error as NSError).localizedFailureReason ?? "\(error)"
                throw ServeError("cannot read the \(what) \(path): \(reason)")
            }
        }
        return HTTPServerTLS(
            certificatePEM: try read(certFile, "TLS certificate (tls.cert_file)"),
            keyPEM: try read(keyFile, "TLS key (tls.key_file)"),
            clientCAPEM: try tls.clientCAFile.map { try read($0, "client CA (tls.client_ca_file)") }
        )
    }

    /// The store's URL without a password, for logs.
    static func redacted(_ location: StoreLocation) -> String {
        guard case .postgresql(let url) = location, var components = URLComponents(string: url) else {
            return location.description
        }
        if components.password != nil { components.password = "xxxxx" }
        components.queryItems = components.queryItems?.map {
            $0.name == "password" ? URLQueryItem(name: $0.name, value: "xxxxx") : $0
        }
        return components.string ?? "postgresql://…"
    }

    /// Turns the collector's events into log lines.
    static func log(_ event: CollectorEvent, _ logger: Logger) {
        switch event {
        case .batchStored(let batchID, let credential, let result, let decodedBytes):
            logger.debug(
                "batch stored",
                [
                    ("batch", batchID), ("host", credential.boundHost ?? "*"), ("stored", "\(result.stored)"),
                    ("duplicates", "\(result.duplicates)"), ("replayed", "\(result.replayedBatch)"),
                    ("decoded_bytes", "\(decodedBytes)"),
                ]
            )
        case .rejected(let route, let status, let reason, let message, let client):
            let fields = [
                ("route", route.rawValue), ("status", "\(status)"), ("reason", reason.rawValue),
                ("client", client ?? "-"), ("message", message),
            ]
            switch reason {
            case .storeUnavailable, .shuttingDown:
                logger.debug("request refused", fields)
            case .unauthenticated, .forbidden:
                // Retried with backoff by a misconfigured agent: once per client and reason is loud enough.
                logger.once("refused \(reason.rawValue) \(client ?? "-")", .warning, "request refused", fields)
            default:
                logger.warning("request refused", fields)
            }
        case .storeFailed(let operation, let error):
            logger.error(
                "the store failed; answering 503 until it works again",
                [("operation", operation), ("error", error)]
            )
        case .storeRecovered(let operation):
            logger.notice("the store works again", [("operation", operation)])
        }
    }
}

struct ServeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SIGTERM and SIGINT stop (a second one exits at once); SIGHUP reloads. Through dispatch sources.
final class ServeSignals: @unchecked Sendable {
    // @unchecked: `sources` is written once by install(); `stops` is guarded by `lock`.
    private let logger: Logger
    private let onStop: @Sendable () -> Void
    private let onReload: @Sendable () -> Void
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()
    private var stops = 0
    private let queue = DispatchQueue(label: "tracehound-collector.signals")

    init(logger: Logger, onStop: @escaping @Sendable () -> Void, onReload: @escaping @Sendable () -> Void) {
        self.logger = logger
        self.onStop = onStop
        self.onReload = onReload
    }

    func install() {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [self] in handle(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    private func handle(_ signalNumber: Int32) {
        if signalNumber == SIGHUP {
            onReload()
            return
        }
        let seen = lock.withLock {
            stops += 1
            return stops
        }
        if seen > 1 {
            logger.warning("second signal: exiting now; unanswered batches will be retried by their agents")
            exit(1)
        }
        logger.info("signal received", [("signal", signalNumber == SIGTERM ? "SIGTERM" : "SIGINT")])
        onStop()
    }
}

/// A running collector: the HTTP server and the request handling behind it. The store stays the caller's.
public final class CollectorService: Sendable {
    public let collector: Collector
    public let server: HTTPServer

    /// The port the server listens on (the kernel's pick for port 0).
    public var port: UInt16 { server.port }

    /// Binds `config.listen` and starts serving. `tokens` is nil when only client certificates authenticate.
    public init(
        config: CollectorConfig,
        store: any SegmentStore,
        tokens: CollectorTokens?,
        tls: HTTPServerTLS? = nil,
        events: @escaping @Sendable (CollectorEvent) -> Void = { _ in },
        diagnostics: (@Sendable (String) -> Void)? = nil
    ) throws {
        let collector = Collector(
            settings: CollectorSettings(config: config),
            store: store,
            tokens: tokens,
            events: events
        )
        self.collector = collector
        var configuration = Self.serverConfiguration(config, tls: tls, diagnostics: diagnostics)
        configuration.admit = { collector.admit($0) }
        server = try HTTPServer(
            configuration: configuration,
            responder: { request, responder in collector.handle(request, responder) }
        )
    }

    /// The server's settings from the collector's config.
    public static func serverConfiguration(
        _ config: CollectorConfig,
        tls: HTTPServerTLS?,
        diagnostics: (@Sendable (String) -> Void)?
    ) -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration()
        configuration.host = config.listen.host
        configuration.port = UInt16(clamping: config.listen.port)
        configuration.threadPoolSize = config.threads
        configuration.maxConnections = config.limits.maxConnections
        configuration.maxBodyBytes = config.limits.maxBodyBytes
        configuration.tls = tls
        configuration.diagnostics = diagnostics
        return configuration
    }

    /// Stops gracefully: batches arriving now are answered 503 (their agents retry), waiting feed requests are
    /// answered, ingests in flight commit and answer, then the server stops. Returns false when ingests were
    /// still running after `timeout` (the server stops anyway; their agents retry and get duplicates counted).
    @discardableResult
    public func stop(timeout: Duration = .seconds(30)) -> Bool {
        let drained = collector.shutDown(timeout: timeout)
        server.stop()
        return drained
    }
}
