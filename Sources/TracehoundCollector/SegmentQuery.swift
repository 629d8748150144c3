// What `tracehound-collector query` (and anything else that searches the store) asks for, and the SQL both
// stores run for it and for the feed. Filters combine with AND; the answer is the most recent `limit` matches,
// returned oldest first (cursor order), so a listing reads like the feed.
public import Foundation

/// A search over stored segments. Every filter left nil matches everything.
public struct SegmentQuery: Sendable, Equatable {
    /// Only segments from this host.
    public var host: String?
    /// Only segments with a hit of this rule id.
    public var rule: String?
    /// Only segments with a hit of this category.
    public var category: String?
    /// Only segments received at or after this instant.
    public var since: Date?
    /// Only segments scoring at least this much.
    public var minScore: Int?
    /// At most this many segments: the most recent matches.
    public var limit: Int = 100

    public init() {}

    public init(
        host: String? = nil,
        rule: String? = nil,
        category: String? = nil,
        since: Date? = nil,
        minScore: Int? = nil,
        limit: Int = 100
    ) {
        self.host = host
        self.rule = rule
        self.category = category
        self.since = since
        self.minScore = minScore
        self.limit = limit
    }
}

/// A value bound to a query's placeholder.
enum StoreParameter: Sendable, Equatable {
    case text(String)
    case integer(Int64)

    /// The parameter as libpq's text format sends it.
    var postgresText: String {
        switch self {
        case .text(let text): text
        case .integer(let number): "\(number)"
        }
    }

    var sqliteValue: SQLiteValue {
        switch self {
        case .text(let text): .text(text)
        case .integer(let number): .integer(number)
        }
    }
}

/// One SELECT of (cursor, received_at in microseconds, line) and its parameters, for one dialect.
struct SegmentSelect: Equatable {
    var sql: String
    var parameters: [StoreParameter]
    /// Whether the rows come newest first and must be reversed into cursor order.
    var newestFirst: Bool

    /// The feed: rows after `cursor`, oldest first.
    static func feed(after cursor: Int64, limit: Int, dialect: StoreDialect) -> SegmentSelect {
        SegmentSelect(
            sql: "SELECT s.cursor, \(dialect.receivedAtMicroseconds), s.line FROM segments s "
                + "WHERE s.cursor > \(dialect.placeholder(1)) ORDER BY s.cursor LIMIT \(dialect.placeholder(2))",
            parameters: [.integer(cursor), .integer(Int64(max(0, limit)))],
            newestFirst: false
        )
    }

    /// The most recent `query.limit` rows matching `query`, newest first (the store reverses them).
    static func query(_ query: SegmentQuery, dialect: StoreDialect) -> SegmentSelect {
        var conditions: [String] = []
        var parameters: [StoreParameter] = []
        func bind(_ parameter: StoreParameter) -> Int {
            parameters.append(parameter)
            return parameters.count
        }
        if let host = query.host {
            conditions.append("s.host = \(dialect.placeholder(bind(.text(host))))")
        }
        if let rule = query.rule {
            conditions.append(
                "EXISTS (SELECT 1 FROM segment_rules r WHERE r.cursor = s.cursor AND r.rule = "
                    + "\(dialect.placeholder(bind(.text(rule)))))"
            )
        }
        if let category = query.category {
            conditions.append(
                "EXISTS (SELECT 1 FROM segment_rules r WHERE r.cursor = s.cursor AND r.category = "
                    + "\(dialect.placeholder(bind(.text(category)))))"
            )
        }
        if let since = query.since {
            conditions.append(dialect.receivedSince(bind(.integer(StoreClock.microseconds(since)))))
        }
        if let minScore = query.minScore {
            conditions.append("s.score >= \(dialect.placeholder(bind(.integer(Int64(minScore)))))")
        }
        var sql = "SELECT s.cursor, \(dialect.receivedAtMicroseconds), s.line FROM segments s"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY s.cursor DESC LIMIT \(dialect.placeholder(bind(.integer(Int64(max(0, query.limit))))))"
        return SegmentSelect(sql: sql, parameters: parameters, newestFirst: true)
    }
}
