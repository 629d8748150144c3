// The daemon's sections below the top level: how hits are found, grouped, sampled, redacted, batched, spooled and
// sent. Each struct's initial values are the defaults; each `section` declares its keys once.

public struct RulesConfig: Sendable, Equatable {
    public var include = ["/etc/tracehound/rules.d/*.yaml"]
    public var minScore = 10
    public var weights = SeverityWeightsConfig()
    public init() {}

    static var section: ConfigSection<RulesConfig> {
        ConfigSection(
            defaults: RulesConfig(),
            keys: [
                ConfigKey(
                    "include",
                    \.include,
                    .list(of: .path, unique: true),
                    doc: "Rule files or glob patterns, loaded in name order; a later rule with the same id overrides."
                ),
                ConfigKey(
                    "min_score",
                    \.minScore,
                    .int(1...1_000_000),
                    unit: "severity points",
                    doc: "A segment is forwarded when the sum of its hits' severity weights reaches this."
                ),
                ConfigKey(
                    "weights",
                    \.weights,
                    SeverityWeightsConfig.section.type,
                    doc: "How much one hit of each severity adds to its segment's score."
                ),
            ]
        )
    }
}

/// The score each severity adds (DESIGN.md §2): 1, 3, 10 and 30 by default.
public struct SeverityWeightsConfig: Sendable, Equatable {
    public var low = 1
    public var medium = 3
    public var high = 10
    public var critical = 30
    public init() {}

    static var section: ConfigSection<SeverityWeightsConfig> {
        ConfigSection(
            defaults: SeverityWeightsConfig(),
            keys: [
                ConfigKey("low", \.low, .int(0...1_000_000), unit: "severity points", doc: "Weight of a low hit."),
                ConfigKey(
                    "medium",
                    \.medium,
                    .int(0...1_000_000),
                    unit: "severity points",
                    doc: "Weight of a medium hit."
                ),
                ConfigKey("high", \.high, .int(0...1_000_000), unit: "severity points", doc: "Weight of a high hit."),
                ConfigKey(
                    "critical",
                    \.critical,
                    .int(0...1_000_000),
                    unit: "severity points",
                    doc: "Weight of a critical hit."
                ),
            ]
        )
    }
}

public struct SegmentsConfig: Sendable, Equatable {
    public var contextBefore = 8
    public var contextAfter = 4
    public var maxRecords = 200
    public var maxBytes = 1 << 20
    public var idleClose = Duration.seconds(5)
    public init() {}

    static var section: ConfigSection<SegmentsConfig> {
        ConfigSection(
            defaults: SegmentsConfig(),
            keys: [
                ConfigKey(
                    "context_before",
                    \.contextBefore,
                    .int(0...10_000),
                    unit: "records",
                    doc: "Records kept before the first hit of a segment."
                ),
                ConfigKey(
                    "context_after",
                    \.contextAfter,
                    .int(0...10_000),
                    unit: "records",
                    doc: "A segment stays open until this many records pass with no hit."
                ),
                ConfigKey(
                    "max_records",
                    \.maxRecords,
                    .int(1...100_000),
                    unit: "records",
                    doc: "A segment that reaches this many records is closed and a new one starts."
                ),
                ConfigKey(
                    "max_bytes",
                    \.maxBytes,
                    .size(1 << 10...64 << 20),
                    unit: "bytes",
                    doc: "A segment whose records' text reaches this size is closed and a new one starts."
                ),
                ConfigKey(
                    "idle_close",
                    \.idleClose,
                    .duration(.milliseconds(1)...(.seconds(86_400))),
                    doc: "An open segment is closed when its stream has had no new record for this long."
                ),
            ],
            check: { segments, checker in
                if segments.maxRecords <= segments.contextBefore {
                    checker.error(
                        "max_records",
                        "max_records (\(segments.maxRecords)) must be larger than context_before "
                            + "(\(segments.contextBefore)) so that a segment holds its hit"
                    )
                }
            }
        )
    }
}

public struct SamplingConfig: Sendable, Equatable {
    public var baselineRate = 0.001
    public init() {}

    static var section: ConfigSection<SamplingConfig> {
        ConfigSection(
            defaults: SamplingConfig(),
            keys: [
                ConfigKey(
                    "baseline_rate",
                    \.baselineRate,
                    .number(0...1),
                    unit: "fraction of windows",
                    doc: "Share of windows without hits forwarded anyway, marked sampled, to calibrate rules; 0 is off."
                )
            ]
        )
    }
}

/// The secret shapes redaction knows without configuration.
public enum BuiltinRedaction: String, CaseIterable, Sendable {
    case aws, github, openai, anthropic, slack, stripe
    case privateKey = "private_key"
    case jwt, bearer, password
}

public struct RedactConfig: Sendable, Equatable {
    public var builtin = BuiltinRedaction.allCases
    public var patterns: [String] = []
    public init() {}

    static var section: ConfigSection<RedactConfig> {
        ConfigSection(
            defaults: RedactConfig(),
            keys: [
                ConfigKey(
                    "builtin",
                    \.builtin,
                    .list(of: .oneOf, unique: true),
                    doc: "Built-in secret patterns replaced in every forwarded field before batching."
                ),
                ConfigKey(
                    "patterns",
                    \.patterns,
                    .list(of: .string("regex") { $0.isEmpty ? "an empty pattern would match everywhere" : nil }),
                    doc: "More regular expressions whose matches are replaced, like the built-in ones."
                ),
            ]
        )
    }
}

public struct BatchConfig: Sendable, Equatable {
    public var maxBytes = 1 << 20
    /// Half a second keeps a hit's way to the central feed under a second (BENCHMARKS.md) while a quiet host
    /// still sends at most two batches a second.
    public var maxWait = Duration.milliseconds(500)
    public init() {}

    static var section: ConfigSection<BatchConfig> {
        ConfigSection(
            defaults: BatchConfig(),
            keys: [
                ConfigKey(
                    "max_bytes",
                    \.maxBytes,
                    .size(4 << 10...64 << 20),
                    unit: "bytes, before compression",
                    doc: "A batch is closed when its NDJSON reaches this size."
                ),
                ConfigKey(
                    "max_wait",
                    \.maxWait,
                    .duration(.milliseconds(1)...(.seconds(3600))),
                    doc: "A batch is closed this long after its first segment, however small it is."
                ),
            ]
        )
    }
}

/// What the spool does when it is full.
public enum SpoolFullPolicy: String, CaseIterable, Sendable {
    /// Sources stop reading; their files keep the data. Nothing is lost.
    case block
    /// The oldest batches are deleted, and counted.
    case dropOldest = "drop_oldest"
}

/// When the spool calls fsync.
public enum FsyncPolicy: String, CaseIterable, Sendable {
    case always, batch, never
}

public struct SpoolConfig: Sendable, Equatable {
    public var maxBytes = 1 << 30
    public var whenFull = SpoolFullPolicy.block
    public var fsync = FsyncPolicy.always
    public init() {}

    static var section: ConfigSection<SpoolConfig> {
        ConfigSection(
            defaults: SpoolConfig(),
            keys: [
                ConfigKey(
                    "max_bytes",
                    \.maxBytes,
                    .size(1 << 20...1 << 50),
                    unit: "bytes on disk",
                    doc: "The spool (batches not yet acknowledged by the collector) never grows past this."
                ),
                ConfigKey(
                    "when_full",
                    \.whenFull,
                    .oneOf,
                    doc: "block: sources wait and nothing is lost; drop_oldest: the oldest batches go, counted."
                ),
                ConfigKey(
                    "fsync",
                    \.fsync,
                    .oneOf,
                    doc:
                        "always: every commit is durable before it returns; batch: at most one fsync a second (a "
                        + "crash may lose the last second); never: leave it to the kernel (a crash may lose hits)."
                ),
            ]
        )
    }
}
