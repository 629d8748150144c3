// The collector's config (collector.yaml, DESIGN.md §6): where it listens, where it stores, who may send, limits.
public import Foundation

/// Where the collector stores segments, named by a URL.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// `sqlite:///absolute/path.db`
    case sqlite(path: String)
    /// `postgresql://user@host:port/db?…` (or `postgres://`), handed to libpq as written.
    case postgresql(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://" + path
        case .postgresql(let url): return url
        }
    }

    /// The store `text` names, or why it names none.
    public static func parse(_ text: String) -> Result<StoreLocation, ValueSyntaxError> {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1 else {
                return .failure(ValueSyntaxError("'\(text)': write sqlite:///absolute/path.db (three slashes)"))
            }
            return .success(.sqlite(path: path))
        }
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            guard URLComponents(string: text) != nil else {
                return .failure(ValueSyntaxError("'\(text)' is not a valid PostgreSQL URL"))
            }
            return .success(.postgresql(url: text))
        }
        let scheme = text.range(of: "://").map { "scheme '\(text[..<$0.lowerBound])'" } ?? "no scheme"
        return .failure(
            ValueSyntaxError("'\(text)' has \(scheme); use sqlite:///path.db or postgresql://user@host/db")
        )
    }
}

public struct CollectorTLSConfig: Sendable, Equatable {
    public var certFile: String?
    public var keyFile: String?
    /// When set, a client certificate signed by this CA authenticates its CN's host, as a host-bound token would;
    /// clients with a token need none (a certificate is asked for, not required).
    public var clientCAFile: String?
    public init() {}

    static var section: ConfigSection<CollectorTLSConfig> {
        ConfigSection(
            defaults: CollectorTLSConfig(),
            keys: [
                ConfigKey(
                    "cert_file",
                    \.certFile,
                    .optional(.path),
                    doc: "PEM server certificate; with key_file, the collector speaks HTTPS."
                ),
                ConfigKey("key_file", \.keyFile, .optional(.path), doc: "PEM private key of cert_file."),
                ConfigKey(
                    "client_ca_file",
                    \.clientCAFile,
                    .optional(.path),
                    doc: "PEM CA bundle; a client certificate it signed authenticates the host named by its CN "
                        + "(a bearer token still works without one)."
                ),
            ],
            check: { tls, checker in
                if tls.certFile != nil && tls.keyFile == nil {
                    checker.error("cert_file", "cert_file needs key_file, the certificate's private key")
                }
                if tls.keyFile != nil && tls.certFile == nil {
                    checker.error("key_file", "key_file needs cert_file, the server certificate")
                }
                if tls.clientCAFile != nil && tls.certFile == nil {
                    checker.error("client_ca_file", "client_ca_file needs cert_file and key_file (TLS)")
                }
            }
        )
    }
}

public struct CollectorLimitsConfig: Sendable, Equatable {
    public var maxBodyBytes = 16 << 20
    public var maxDecodedBytes = 64 << 20
    public var maxConnections = 256
    public var batchesPerHostPerMinute = 0
    public init() {}

    static var section: ConfigSection<CollectorLimitsConfig> {
        ConfigSection(
            defaults: CollectorLimitsConfig(),
            keys: [
                ConfigKey(
                    "max_body_bytes",
                    \.maxBodyBytes,
                    .size(1 << 10...1 << 30),
                    unit: "bytes, compressed",
                    doc: "Request bodies larger than this are refused with 413."
                ),
                ConfigKey(
                    "max_decoded_bytes",
                    \.maxDecodedBytes,
                    .size(1 << 10...4 << 30),
                    unit: "bytes, decompressed",
                    doc: "Batches whose declared or actual decoded size is larger are refused (decompression bombs)."
                ),
                ConfigKey(
                    "max_connections",
                    \.maxConnections,
                    .int(1...65536),
                    unit: "connections",
                    doc: "Connections served at once; more wait in the kernel's backlog."
                ),
                ConfigKey(
                    "batches_per_host_per_minute",
                    \.batchesPerHostPerMinute,
                    .int(0...1_000_000),
                    unit: "batches",
                    doc: "Batches one agent (its credential's host, or its address) may send a minute, with ten "
                        + "seconds' worth as a burst; more are answered 429 with Retry-After. 0: no limit."
                ),
            ]
        )
    }
}

/// The feed's long-poll (`GET /v1/segments?wait=S`).
public struct CollectorFeedConfig: Sendable, Equatable {
    public var maxWait = Duration.seconds(60)
    public var pollInterval = Duration.milliseconds(250)
    public init() {}

    static var section: ConfigSection<CollectorFeedConfig> {
        ConfigSection(
            defaults: CollectorFeedConfig(),
            keys: [
                ConfigKey(
                    "max_wait",
                    \.maxWait,
                    .duration(.zero...(.seconds(3600))),
                    doc: "Longest a feed request waits for new segments (its wait= is capped to this); 0s: never waits."
                ),
                ConfigKey(
                    "poll_interval",
                    \.pollInterval,
                    .duration(.milliseconds(10)...(.seconds(60))),
                    doc: "On PostgreSQL, how often waiting feed requests look for segments other collectors stored."
                ),
            ]
        )
    }
}

public struct CollectorConfig: Sendable, Equatable {
    public var listen = ListenAddress(host: "127.0.0.1", port: 7800)
    public var store = StoreLocation.sqlite(path: "/var/lib/tracehound-collector/segments.db")
    /// nil (`none`) only with client certificates: the collector never runs unauthenticated.
    public var tokenFile: String? = "/etc/tracehound-collector/tokens"
    public var tls = CollectorTLSConfig()
    public var limits = CollectorLimitsConfig()
    public var feed = CollectorFeedConfig()
    /// Threads serving HTTP, and as many decoding and committing batches (Collector.swift explains the split).
    public var threads = 4
    public init() {}

    /// Reads and checks the config file at `path`; every problem in it is in the thrown error.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> CollectorConfig {
        try decodeConfig(bytes: readConfigFile(path: path), file: path, environment: environment, section: section)
    }

    /// Checks config text; `file` names it in diagnostics.
    public static func load(
        yaml: String,
        file: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> CollectorConfig {
        try decodeConfig(bytes: Array(yaml.utf8), file: file, environment: environment, section: section)
    }

    /// Every key with its effective value, as YAML that loads back to this config.
    public func renderResolved() -> String {
        renderDocument(
            Self.section.render(self),
            comment: "tracehound-collector: resolved config (every key, defaults filled in)"
        )
    }

    /// Every key with its type, unit, default and doc line.
    public static func reference() -> String {
        referenceText(title: "collector.yaml (tracehound-collector)", entries: section.reference(under: ""))
    }

    static var section: ConfigSection<CollectorConfig> {
        ConfigSection(
            defaults: CollectorConfig(),
            keys: [
                ConfigKey(
                    "listen",
                    \.listen,
                    .listenAddress,
                    doc: "Address of the HTTP API: /v1/batches, /v1/segments, /v1/stats, /healthz, /metrics."
                ),
                ConfigKey(
                    "store",
                    \.store,
                    ConfigType.text("store URL (sqlite, postgresql)", expected: "a store URL") {
                        StoreLocation.parse($0)
                    } render: {
                        .quoted($0.description)
                    },
                    doc: "Where segments are stored: sqlite:///path.db, or postgresql://user@host/db (libpq URL)."
                ),
                ConfigKey(
                    "token_file",
                    \.tokenFile,
                    .orNone(.path),
                    doc: "Accepted bearer tokens, one per line, optionally `token host_id` to bind a token to a host; "
                        + "re-read on SIGHUP. none: only client certificates (tls.client_ca_file) authenticate."
                ),
                ConfigKey("tls", \.tls, CollectorTLSConfig.section.type, doc: "HTTPS and client certificates."),
                ConfigKey(
                    "limits",
                    \.limits,
                    CollectorLimitsConfig.section.type,
                    doc: "Limits on what one client can make the collector hold."
                ),
                ConfigKey("feed", \.feed, CollectorFeedConfig.section.type, doc: "The feed's long-poll."),
                ConfigKey(
                    "threads",
                    \.threads,
                    .int(1...1024),
                    unit: "threads",
                    doc: "Threads serving HTTP, and as many decoding and committing batches; when 4 × as many batches "
                        + "wait, more are answered 503 with Retry-After. A waiting feed request holds no thread."
                ),
            ],
            check: { config, checker in
                if config.tokenFile == nil && config.tls.clientCAFile == nil {
                    checker.error(
                        "token_file",
                        "with token_file: none and no tls.client_ca_file nobody could authenticate; the collector "
                            + "never runs open: name a token file or set tls.client_ca_file"
                    )
                }
            }
        )
    }
}
