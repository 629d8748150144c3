// The daemon's config (tracehound.yaml, DESIGN.md §6): the top level, the sink and metrics sections, and the API the
// command line calls: load, renderResolved, reference.
public import Foundation

public struct DaemonConfig: Sendable, Equatable {
    /// `auto` is kept as written; `resolvedHostID()` reads /etc/machine-id when the daemon needs the value.
    public var hostID = "auto"
    public var dataDir = "/var/lib/tracehound"
    public var sources: [SourceConfig] = []
    public var rules = RulesConfig()
    public var segments = SegmentsConfig()
    public var sampling = SamplingConfig()
    public var redact = RedactConfig()
    public var batch = BatchConfig()
    public var spool = SpoolConfig()
    /// nil with `sink: none`: batches stay in the spool.
    public var sink: SinkConfig? = SinkConfig()
    public var metrics = MetricsConfig()
    public var shutdownTimeout = Duration.seconds(10)

    public init() {}

    /// Reads and checks the config file at `path`; every problem in it is in the thrown error.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> DaemonConfig {
        try decodeConfig(bytes: readConfigFile(path: path), file: path, environment: environment, section: section)
    }

    /// Checks config text; `file` names it in diagnostics.
    public static func load(
        yaml: String,
        file: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> DaemonConfig {
        try decodeConfig(bytes: Array(yaml.utf8), file: file, environment: environment, section: section)
    }

    /// Every key with its effective value, as YAML that loads back to this config.
    public func renderResolved() -> String {
        renderDocument(
            Self.section.render(self),
            comment: "tracehound: resolved config (every key, defaults filled in)"
        )
    }

    /// Every key with its type, unit, default and doc line.
    public static func reference() -> String {
        referenceText(title: "tracehound.yaml (the tracehound daemon)", entries: section.reference(under: ""))
    }

    /// The host's identity: `host_id` as written, or /etc/machine-id's content when it is `auto`.
    public func resolvedHostID(machineIDPath: String = "/etc/machine-id") throws(ConfigError) -> String {
        guard hostID == "auto" else { return hostID }
        let text = String(decoding: try readConfigFile(path: machineIDPath), as: UTF8.self)
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty else {
            throw ConfigError([
                ConfigDiagnostic(
                    file: machineIDPath,
                    line: 0,
                    column: 0,
                    keyPath: "host_id",
                    message: "host_id is auto but the machine id file is empty"
                )
            ])
        }
        return id
    }

    static var section: ConfigSection<DaemonConfig> {
        ConfigSection(
            defaults: DaemonConfig(),
            keys: [
                ConfigKey(
                    "host_id",
                    \.hostID,
                    .string { $0.isEmpty || $0.contains(where: \.isWhitespace) ? "a host id is one word" : nil },
                    doc: "The host's name in every segment; auto reads /etc/machine-id when the daemon starts."
                ),
                ConfigKey(
                    "data_dir",
                    \.dataDir,
                    .path,
                    doc: "Folder of the spool, checkpoints and dead letters; the daemon must be able to write it."
                ),
                ConfigKey(
                    "sources",
                    \.sources,
                    SourceConfig.listType,
                    required: true,
                    doc: "Where records come from: a list of sources, each selected by its type."
                ),
                ConfigKey(
                    "rules",
                    \.rules,
                    RulesConfig.section.type,
                    doc: "Which rules run and when a segment is sent."
                ),
                ConfigKey(
                    "segments",
                    \.segments,
                    SegmentsConfig.section.type,
                    doc: "How records around hits are grouped into segments."
                ),
                ConfigKey("sampling", \.sampling, SamplingConfig.section.type, doc: "Calibration samples."),
                ConfigKey(
                    "redact",
                    \.redact,
                    RedactConfig.section.type,
                    doc: "Secrets replaced before anything leaves."
                ),
                ConfigKey("batch", \.batch, BatchConfig.section.type, doc: "How segments are grouped for sending."),
                ConfigKey("spool", \.spool, SpoolConfig.section.type, doc: "The on-disk queue of unsent batches."),
                ConfigKey(
                    "sink",
                    \.sink,
                    .orNone(SinkConfig.section.type),
                    required: true,
                    doc: "Where batches are sent; none keeps them in the spool."
                ),
                ConfigKey("metrics", \.metrics, MetricsConfig.section.type, doc: "The Prometheus endpoint."),
                ConfigKey(
                    "shutdown_timeout",
                    \.shutdownTimeout,
                    .duration(.zero...(.seconds(3600))),
                    doc:
                        "On SIGTERM (and after run --once), time the forwarder keeps delivering the spool before stopping."
                ),
            ],
            check: { config, checker in
                if config.sources.isEmpty { checker.error("sources", "at least one source is needed") }
                var firstIndex: [String: Int] = [:]
                for (index, source) in config.sources.enumerated() {
                    if let first = firstIndex[source.name] {
                        checker.error(
                            "sources[\(index)].name",
                            "source name '\(source.name)' is already used by sources[\(first)]"
                        )
                    } else {
                        firstIndex[source.name] = index
                    }
                }
                if config.segments.maxBytes > config.batch.maxBytes {
                    checker.error(
                        "segments.max_bytes",
                        "\(ByteSize.format(config.segments.maxBytes)) is larger than batch.max_bytes "
                            + "(\(ByteSize.format(config.batch.maxBytes))); a segment must fit in one batch"
                    )
                }
                if config.batch.maxBytes > config.spool.maxBytes {
                    checker.error(
                        "batch.max_bytes",
                        "\(ByteSize.format(config.batch.maxBytes)) is larger than spool.max_bytes "
                            + "(\(ByteSize.format(config.spool.maxBytes))); a batch must fit in the spool"
                    )
                }
            }
        )
    }
}

public struct SinkConfig: Sendable, Equatable {
    /// Collector endpoints, tried in order; written as `url` (one) or `urls` (several).
    public var urls: [String] = []
    public var tokenFile: String?
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var tlsInsecureSkipVerify = false
    public var timeout = Duration.seconds(10)
    public var connectTimeout = Duration.seconds(5)
    /// Batches sent concurrently, each by its own worker over its own kept-alive connection.
    public var inFlight = 2
    /// The backoff floor: the shortest wait before a retry (and the least a Retry-After is rounded up to).
    public var retryMin = Duration.milliseconds(200)
    /// The backoff ceiling: the longest wait between retries of a batch (a Retry-After may ask for more).
    public var retryMax = Duration.seconds(30)
    public init() {}

    static var section: ConfigSection<SinkConfig> {
        let url = ConfigType<String>.url(schemes: ["http", "https"])
        let timeouts = ConfigType<Duration>.duration(.milliseconds(1)...(.seconds(3600)))
        return ConfigSection(
            defaults: SinkConfig(),
            keys: [
                ConfigKey(
                    "url",
                    .optional(url),
                    rendered: false,
                    doc: "The collector's batch endpoint, like https://collector:7800/v1/batches; or give urls.",
                    get: { $0.urls.count == 1 ? $0.urls[0] : nil },
                    set: { sink, value in sink.urls = value.map { [$0] } ?? [] }
                ),
                ConfigKey(
                    "urls",
                    \.urls,
                    .list(of: url, unique: true),
                    doc: "Several collector endpoints, tried in order when one fails; or give url."
                ),
                ConfigKey(
                    "token_file",
                    \.tokenFile,
                    .optional(.path),
                    doc: "File whose first line is the bearer token sent with every batch."
                ),
                ConfigKey("ca_file", \.caFile, .optional(.path), doc: "PEM CA bundle to verify the collector with."),
                ConfigKey("cert_file", \.certFile, .optional(.path), doc: "PEM client certificate (needs key_file)."),
                ConfigKey("key_file", \.keyFile, .optional(.path), doc: "PEM private key of cert_file."),
                ConfigKey(
                    "tls_insecure_skip_verify",
                    \.tlsInsecureSkipVerify,
                    .bool,
                    doc: "Do not verify the collector's certificate; for tests only."
                ),
                ConfigKey("timeout", \.timeout, timeouts, doc: "Whole-request deadline for sending one batch."),
                ConfigKey(
                    "connect_timeout",
                    \.connectTimeout,
                    timeouts,
                    doc: "Deadline for the TCP and TLS handshake."
                ),
                ConfigKey(
                    "in_flight",
                    \.inFlight,
                    .int(1...64),
                    unit: "batches",
                    doc: "Batches sent at once, each on its own kept-alive connection; acks may come out of order."
                ),
                ConfigKey(
                    "retry_min",
                    \.retryMin,
                    timeouts,
                    doc: "Shortest wait before retrying a batch; backoff doubles from here, with full jitter."
                ),
                ConfigKey(
                    "retry_max",
                    \.retryMax,
                    timeouts,
                    doc: "Longest wait between retries of a batch (Retry-After on 429/503 may ask up to 10m)."
                ),
            ],
            check: { sink, checker in
                if checker.wasWritten("url") && checker.wasWritten("urls") {
                    checker.error("url", "give url or urls, not both")
                } else if sink.urls.isEmpty {
                    checker.error("url", "missing required key 'url' (or 'urls', a list)")
                }
                if sink.certFile != nil && sink.keyFile == nil {
                    checker.error("cert_file", "cert_file needs key_file, the certificate's private key")
                }
                if sink.keyFile != nil && sink.certFile == nil {
                    checker.error("key_file", "key_file needs cert_file, the client certificate")
                }
                if sink.retryMin > sink.retryMax {
                    checker.error(
                        "retry_min",
                        "retry_min (\(DurationSyntax.format(sink.retryMin))) is longer than retry_max "
                            + "(\(DurationSyntax.format(sink.retryMax)))"
                    )
                }
                if sink.connectTimeout > sink.timeout {
                    checker.error(
                        "connect_timeout",
                        "connect_timeout (\(DurationSyntax.format(sink.connectTimeout))) is longer than timeout "
                            + "(\(DurationSyntax.format(sink.timeout)))"
                    )
                }
            }
        )
    }
}

public struct MetricsConfig: Sendable, Equatable {
    /// nil turns the metrics endpoint off.
    public var listen: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 9465)
    public init() {}

    static var section: ConfigSection<MetricsConfig> {
        ConfigSection(
            defaults: MetricsConfig(),
            keys: [
                ConfigKey(
                    "listen",
                    \.listen,
                    .optional(.listenAddress),
                    doc: "Address of /metrics and /healthz; null turns them off."
                )
            ]
        )
    }
}
