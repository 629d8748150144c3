// A segment (DESIGN.md §2, §4): the records around one or more hits in one stream, ready to batch. Values here
// are resolved (rule ids, categories and severities as text) so the batch codec and the collector need no rules.

/// Which stream a segment comes from.
public struct StreamIdentity: Sendable, Equatable {
    /// The source's configured name (`claude`, `codex`, ...).
    public var source: String
    /// The transcript format (`claude-code`, `codex`, `jsonl`, `text`, `journald`).
    public var format: String
    /// The file's path when the segment was made, or the journal match group.
    public var path: String
    /// What identifies the stream across renames (DESIGN.md §2).
    public var fingerprint: String

    public init(source: String, format: String, path: String, fingerprint: String) {
        self.source = source
        self.format = format
        self.path = path
        self.fingerprint = fingerprint
    }
}

/// One hit as it travels: indices into the segment's records and fields, byte range in the field's text.
public struct SegmentHit: Sendable, Equatable {
    public var rule: String
    public var category: String
    public var severity: String
    public var record: Int
    public var field: Int
    public var kind: FieldKind
    public var start: Int
    public var end: Int

    public init(
        rule: String,
        category: String,
        severity: String,
        record: Int,
        field: Int,
        kind: FieldKind,
        start: Int,
        end: Int
    ) {
        self.rule = rule
        self.category = category
        self.severity = severity
        self.record = record
        self.field = field
        self.kind = kind
        self.start = start
        self.end = end
    }
}

/// One record of a segment: where it is in its stream, and what it says.
public struct SegmentRecord: Sendable, Equatable {
    /// The line's byte offset in its file, or the journal cursor.
    public var position: String
    public var record: Record

    public init(position: String, record: Record) {
        self.position = position
        self.record = record
    }
}

public struct Segment: Sendable, Equatable {
    public var id: String
    public var host: String
    public var stream: StreamIdentity
    /// The session the records belong to, when the format says.
    public var session: String?
    public var score: Int
    /// The highest severity among the hits, nil for a sampled segment without hits.
    public var maxSeverity: String?
    /// A calibration sample of a window without hits (sampling.baseline_rate).
    public var sampled: Bool
    /// How many secrets were replaced in the records' text.
    public var redactions: Int
    public var hits: [SegmentHit]
    public var records: [SegmentRecord]

    public init(
        id: String,
        host: String,
        stream: StreamIdentity,
        session: String?,
        score: Int,
        maxSeverity: String?,
        sampled: Bool,
        redactions: Int,
        hits: [SegmentHit],
        records: [SegmentRecord]
    ) {
        self.id = id
        self.host = host
        self.stream = stream
        self.session = session
        self.score = score
        self.maxSeverity = maxSeverity
        self.sampled = sampled
        self.redactions = redactions
        self.hits = hits
        self.records = records
    }

    /// The id a segment gets from where it is: the same records of the same stream give the same id after a replay.
    public static func makeID(host: String, fingerprint: String, firstPosition: String, lastPosition: String) -> String
    {
        var hash = SHA256()
        for part in [host, fingerprint, firstPosition, lastPosition] {
            hash.update(part)
            hash.update([0])
        }
        return String(SHA256.hexString(hash.finalize()).prefix(32))
    }
}
