// The detection stage as the config describes it: rules compiled, redaction compiled, segment limits. Built once
// per config load (and again on reload); shared read-only by every pipeline thread.
public import TracehoundConfig
public import TracehoundFilter

public struct Detection: Sendable {
    public var engine: RuleEngine
    public var redactions: RedactionSet
    public var settings: SegmentSettings

    public init(engine: RuleEngine, redactions: RedactionSet, settings: SegmentSettings) {
        self.engine = engine
        self.redactions = redactions
        self.settings = settings
    }

    /// Everything from a daemon config: `rules.include`, `segments`, `rules.min_score`, `sampling`, `redact`.
    public static func load(config: DaemonConfig) throws -> Detection {
        try load(rulePaths: config.rules.include, config: config)
    }

    /// Rules from `rulePaths` (files, folders or globs), everything else from `config` (defaults when nil).
    public static func load(rulePaths: [String], config: DaemonConfig? = nil) throws -> Detection {
        let rules = try RuleLoader.load(paths: rulePaths)
        var weights = SeverityWeights()
        if let configured = config?.rules.weights {
            weights = SeverityWeights(
                low: configured.low,
                medium: configured.medium,
                high: configured.high,
                critical: configured.critical
            )
        }
        let engine = try RuleEngine(rules: rules, weights: weights)
        var settings = SegmentSettings()
        var redact = RedactConfig()
        if let config {
            settings.contextBefore = config.segments.contextBefore
            settings.contextAfter = config.segments.contextAfter
            settings.maxRecords = config.segments.maxRecords
            settings.maxBytes = config.segments.maxBytes
            settings.minScore = config.rules.minScore
            settings.baselineRate = config.sampling.baselineRate
            redact = config.redact
        }
        return Detection(engine: engine, redactions: try RedactionSet(redact), settings: settings)
    }
}
