import Synchronization
// The compiled form of a rule set: every pattern of every rule in one vectorscan database over decoded field text,
// and its raw-line twin (RawLinePattern.swift) for the fast path. Both are read-only and shared by all threads;
// each thread scans with its own `RuleMatcher` (its own scratch).
public import TracehoundConfig
import TracehoundCore

public final class RuleEngine: Sendable {
    public let rules: [Rule]
    public let weights: SeverityWeights
    /// One slot per pattern: which rule it belongs to, and whether it vetoes.
    let slots: [Slot]
    let decodedDatabase: PatternDatabase
    let rawDatabase: PatternDatabase
    /// What each raw pattern (by id) says about a line: it may hit, or it holds one side of a match across
    /// joined pieces and may hit if it also holds the other (`crossingCheck`; see RawLinePattern.swift).
    let rawRoles: [RawRole]
    /// For each slot with a crossing side in the raw database, the other side's expression.
    let crossingChecks: [UInt32: String]
    /// Per-slot databases of the other side, compiled the first time a line holds the first (nil: refused).
    private let crossingFinders = Mutex<[UInt32: PatternDatabase?]>([:])
    /// The raw database's id for the `\uXXXX` guard (lines holding it are always decoded).
    let guardID: UInt32
    /// The decoded patterns by slot, for the start-of-match databases.
    let decodedPatterns: [Pattern]
    /// Per-slot databases with start-of-match tracking, compiled the first time a slot hits (nil: refused).
    private let startFinders = Mutex<[UInt32: PatternDatabase?]>([:])

    struct Slot: Sendable {
        var rule: Int
        var isVeto: Bool
    }

    enum RawRole: Sendable, Equatable {
        /// A match of this slot within one piece (nil: the `\uXXXX` guard): the line may hit.
        case whole(UInt32?)
        /// One side (head or tail) of a match of this slot across joined pieces: the line may hit if it also
        /// holds the other side.
        case crossing(UInt32)
    }

    /// The field kinds a decoder may build from several JSON strings: a tool call's name and input values
    /// (ToolCallText.swift), a tool result's text blocks and Codex outputs. Every other kind is one string.
    static let joinedKinds: Set<FieldKind> = [.command, .output]

    /// Compiles `rules`; a pattern vectorscan refuses is an error naming the rule, where it was written and why.
    public init(rules: [Rule], weights: SeverityWeights = SeverityWeights()) throws(ConfigError) {
        self.rules = rules
        self.weights = weights
        var slots: [Slot] = []
        var decoded: [Pattern] = []
        var raw: [Pattern] = []
        var rawRoles: [RawRole] = []
        var checks: [UInt32: String] = [:]
        func addRaw(_ expression: String, _ role: RawRole) {
            raw.append(Pattern(id: UInt32(rawRoles.count), expression: expression))
            rawRoles.append(role)
        }
        var diagnostics: [ConfigDiagnostic] = []
        for (ruleIndex, rule) in rules.enumerated() {
            for (isVeto, patterns) in [(false, rule.patterns), (true, rule.vetoes)] {
                for pattern in patterns {
                    let id = UInt32(slots.count)
                    let expression =
                        pattern.kind == .regex ? pattern.text : RawLinePattern.phraseExpression(pattern.text)
                    do {
                        let node = try RegexParser.parse(expression, caseless: !rule.caseSensitive)
                        let flags: PatternFlags = rule.caseSensitive ? [] : [.caseless]
                        decoded.append(Pattern(id: id, expression: expression, flags: flags))
                        // A veto only takes hits away, so the raw scan needs no twin of it. Only command and
                        // output fields are made of joined pieces (RawLinePattern.swift): other rules need no
                        // matches across pieces.
                        if !isVeto {
                            let forms = RawLinePattern.expressions(for: node)
                            addRaw(forms.whole, .whole(id))
                            if let crossing = forms.crossing, !rule.fields.isDisjoint(with: Self.joinedKinds) {
                                addRaw(crossing.scan, .crossing(id))
                                checks[id] = crossing.check
                            }
                        }
                        slots.append(Slot(rule: ruleIndex, isVeto: isVeto))
                    } catch {
                        diagnostics.append(Self.diagnostic(rule, pattern, "invalid pattern: \(error)"))
                    }
                }
            }
        }
        guardID = UInt32(rawRoles.count)
        addRaw(RawLinePattern.guardExpression, .whole(nil))
        if !diagnostics.isEmpty { throw ConfigError(diagnostics) }

        // One database for all, compiled without start-of-match tracking: with it, vectorscan's compile time grows
        // far faster than the pattern count (11 s against 2.5 s for the 387 patterns of the default pack). Where a
        // hit starts is found afterwards, only for hits, by `startOfMatch` with a per-pattern database.
        // Compile all at once; only when that fails, find the culprits one by one.
        let compiledDecoded = try? PatternDatabase(patterns: decoded)
        if compiledDecoded == nil {
            for pattern in decoded where (try? PatternDatabase(patterns: [pattern])) == nil {
                do {
                    _ = try PatternDatabase(patterns: [pattern])
                } catch {
                    let rule = rules[slots[Int(pattern.id)].rule]
                    let source = Self.source(of: rule, slot: pattern.id, slots: slots)
                    diagnostics.append(Self.diagnostic(rule, source, "vectorscan refused the pattern: \(error)"))
                }
            }
            if !diagnostics.isEmpty { throw ConfigError(diagnostics) }
        }
        do {
            decodedDatabase = try compiledDecoded ?? PatternDatabase(patterns: decoded)
            rawDatabase = try PatternDatabase(patterns: raw)
        } catch {
            let mark = rules.first?.mark ?? YAMLMark(file: "<rules>", line: 1, column: 1)
            throw ConfigError([ConfigDiagnostic(at: mark, keyPath: "rules", message: "compiling the rules: \(error)")])
        }
        decodedPatterns = decoded
        self.slots = slots
        self.rawRoles = rawRoles
        crossingChecks = checks
    }

    private static func source(of rule: Rule, slot: UInt32, slots: [Slot]) -> RulePattern {
        let first = slots.firstIndex { $0.rule == slots[Int(slot)].rule }!
        let offset = Int(slot) - first
        let all = rule.patterns + rule.vetoes
        return all[min(offset, all.count - 1)]
    }

    private static func diagnostic(_ rule: Rule, _ pattern: RulePattern, _ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(at: pattern.mark, keyPath: "rule \(rule.id)", message: message)
    }

    /// The database that finds where matches of `slot` start, compiled on first use; nil when vectorscan cannot
    /// track starts for that pattern (its hits then start at 0: the whole field before the end is shown).
    func startFinder(for slot: UInt32) -> PatternDatabase? {
        startFinders.withLock { cache in
            if let known = cache[slot] { return known }
            var pattern = decodedPatterns[Int(slot)]
            pattern.flags.insert(.startOfMatchLeftmost)
            let database = try? PatternDatabase(patterns: [pattern])
            cache[slot] = database
            return database
        }
    }

    /// The database that finds, in one raw line, the side of a match of `slot` across joined pieces that the
    /// raw database leaves out; compiled on first use, nil when refused (the line is then a candidate).
    func crossingCheck(for slot: UInt32) -> PatternDatabase? {
        crossingFinders.withLock { cache in
            if let known = cache[slot] { return known }
            let database = crossingChecks[slot].flatMap {
                try? PatternDatabase(patterns: [Pattern(id: slot, expression: $0)])
            }
            cache[slot] = database
            return database
        }
    }

    /// The database over decoded text, for `tracehound-bench`'s bare-scan baseline.
    public var benchDecodedDatabase: PatternDatabase { decodedDatabase }
    /// The raw-line database, for `tracehound-bench`.
    public var benchRawDatabase: PatternDatabase { rawDatabase }

    /// The rule and pattern behind a raw-database match id (`slot`), for `tracehound-bench raw-profile`.
    public func benchDescribe(slot rawID: UInt32) -> String {
        let slot: UInt32
        var side = ""
        switch rawRoles[Int(rawID)] {
        case .whole(nil): return "(\\u escape guard)"
        case .whole(let whole?): slot = whole
        case .crossing(let crossing): (slot, side) = (crossing, " (across joined pieces)")
        }
        let rule = rules[slots[Int(slot)].rule]
        return "\(rule.id)\(side) \(decodedPatterns[Int(slot)].expression)"
    }

    /// The number of patterns compiled (vetoes included).
    public var patternCount: Int { slots.count }
}
