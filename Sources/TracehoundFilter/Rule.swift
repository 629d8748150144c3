// Rules: what operators write in rules.d/*.yaml (docs/RULES.md) once loaded, overridden and filtered.
public import TracehoundConfig
public import TracehoundCore

/// How bad a hit is; each level has a weight that adds to a segment's score.
public enum Severity: String, Sendable, CaseIterable, Comparable, Hashable {
    case low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The weight of each severity in a segment's score (DESIGN.md §2): 1, 3, 10 and 30 unless configured.
public struct SeverityWeights: Sendable, Equatable {
    public var low = 1
    public var medium = 3
    public var high = 10
    public var critical = 30

    public init() {}

    public init(low: Int, medium: Int, high: Int, critical: Int) {
        self.low = low
        self.medium = medium
        self.high = high
        self.critical = critical
    }

    public subscript(severity: Severity) -> Int {
        switch severity {
        case .low: low
        case .medium: medium
        case .high: high
        case .critical: critical
        }
    }
}

/// One pattern of a rule: a regular expression or a literal phrase, with where it was written.
public struct RulePattern: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case regex, phrase
    }
    public var kind: Kind
    public var text: String
    public var mark: YAMLMark

    public init(kind: Kind, text: String, mark: YAMLMark) {
        self.kind = kind
        self.text = text
        self.mark = mark
    }
}

/// One rule as loaded.
public struct Rule: Sendable, Equatable {
    public var id: String
    public var description: String
    public var category: String
    public var severity: Severity
    /// The field kinds the rule looks at; all kinds when the file names none.
    public var fields: Set<FieldKind>
    public var patterns: [RulePattern]
    /// Patterns that veto a hit when one of them matches the same field.
    public var vetoes: [RulePattern]
    public var caseSensitive: Bool
    public var enabled: Bool
    /// Where the rule starts (its `- id:` item).
    public var mark: YAMLMark

    public init(
        id: String,
        description: String = "",
        category: String,
        severity: Severity,
        fields: Set<FieldKind> = Set(FieldKind.allCases),
        patterns: [RulePattern],
        vetoes: [RulePattern] = [],
        caseSensitive: Bool = false,
        enabled: Bool = true,
        mark: YAMLMark = YAMLMark(file: "<inline>", line: 1, column: 1)
    ) {
        self.id = id
        self.description = description
        self.category = category
        self.severity = severity
        self.fields = fields
        self.patterns = patterns
        self.vetoes = vetoes
        self.caseSensitive = caseSensitive
        self.enabled = enabled
        self.mark = mark
    }
}
