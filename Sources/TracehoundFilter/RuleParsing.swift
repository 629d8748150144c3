// One rule item of a rules file, checked key by key (docs/RULES.md has the schema).
import TracehoundConfig
import TracehoundCore

extension RuleLoader.Collector {
    private static let ruleKeys = [
        "id", "description", "category", "severity", "fields", "patterns", "not", "case", "enabled",
    ]

    mutating func parseRule(_ node: YAMLNode, path: String) -> Rule? {
        guard let entries = node.mapping else {
            error(
                node,
                path,
                "expected a rule (a mapping with id, category, severity, patterns), got \(node.kindDescription)"
            )
            return nil
        }
        let before = diagnostics.count
        for entry in entries where !Self.ruleKeys.contains(entry.key) {
            diagnostics.append(
                ConfigDiagnostic(
                    at: entry.keyMark,
                    keyPath: "\(path).\(entry.key)",
                    message: "unknown key '\(entry.key)' (a rule has \(Self.ruleKeys.joined(separator: ", ")))"
                )
            )
        }
        let id = requiredString(node, "id", path)
        if let id, id.isEmpty || !id.utf8.allSatisfy(Self.isIDByte) {
            error(node["id"]!, "\(path).id", "'\(id)' is not a rule id (letters, digits, '.', '-' and '_')")
        }
        let category = requiredString(node, "category", path)
        var severity = Severity.medium
        if let text = requiredString(node, "severity", path) {
            if let parsed = Severity(rawValue: text) {
                severity = parsed
            } else {
                error(
                    node["severity"]!,
                    "\(path).severity",
                    "unknown severity '\(text)' (low, medium, high or critical)"
                )
            }
        }
        var fields = Set(FieldKind.allCases)
        if let fieldsNode = node["fields"] {
            let names = strings(fieldsNode, "\(path).fields")
            fields = []
            for (index, name) in names.enumerated() {
                if let kind = FieldKind(name: name) {
                    fields.insert(kind)
                } else {
                    let item = fieldsNode.sequence?[index] ?? fieldsNode
                    let kinds = FieldKind.allCases.map(\.name).joined(separator: ", ")
                    error(item, "\(path).fields[\(index)]", "unknown field kind '\(name)' (\(kinds))")
                }
            }
            if names.isEmpty { error(fieldsNode, "\(path).fields", "a rule must look at one field kind at least") }
        }
        var caseSensitive = false
        if let caseNode = node["case"] {
            switch caseNode.scalar?.text {
            case "sensitive": caseSensitive = true
            case "insensitive": caseSensitive = false
            default: error(caseNode, "\(path).case", "expected 'sensitive' or 'insensitive'")
            }
        }
        var enabled = true
        if let enabledNode = node["enabled"] {
            switch enabledNode.scalar.flatMap({ $0.isPlain ? $0.text : nil }) {
            case "true": enabled = true
            case "false": enabled = false
            default: error(enabledNode, "\(path).enabled", "expected true or false")
            }
        }
        let patterns = parsePatterns(node["patterns"], "\(path).patterns", caseSensitive: caseSensitive, required: true)
        if node["patterns"] == nil { error(node, path, "missing required key 'patterns'") }
        let vetoes = parsePatterns(node["not"], "\(path).not", caseSensitive: caseSensitive, required: false)
        guard diagnostics.count == before, let id, let category else { return nil }
        return Rule(
            id: id,
            description: node["description"]?.scalar?.text ?? "",
            category: category,
            severity: severity,
            fields: fields,
            patterns: patterns,
            vetoes: vetoes,
            caseSensitive: caseSensitive,
            enabled: enabled,
            mark: node.mark
        )
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private mutating func requiredString(_ node: YAMLNode, _ key: String, _ path: String) -> String? {
        guard let value = node[key] else {
            error(node, path, "missing required key '\(key)'")
            return nil
        }
        guard let scalar = value.scalar, !scalar.isNull else {
            error(value, "\(path).\(key)", "expected a string, got \(value.kindDescription)")
            return nil
        }
        return scalar.text
    }

    private mutating func parsePatterns(
        _ node: YAMLNode?,
        _ path: String,
        caseSensitive: Bool,
        required: Bool
    ) -> [RulePattern] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            error(node, path, "expected a list of {regex: ...} or {phrase: ...}, got \(node.kindDescription)")
            return []
        }
        if required && items.isEmpty { error(node, path, "a rule needs one pattern at least") }
        var patterns: [RulePattern] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let entries = item.mapping, entries.count == 1, let entry = entries.first,
                entry.key == "regex" || entry.key == "phrase"
            else {
                error(item, itemPath, "expected exactly one of {regex: ...} or {phrase: ...}")
                continue
            }
            guard let text = entry.value.scalar?.text, !text.isEmpty, entry.value.scalar?.isNull == false else {
                error(entry.value, "\(itemPath).\(entry.key)", "expected a non-empty string")
                continue
            }
            let pattern = RulePattern(kind: entry.key == "regex" ? .regex : .phrase, text: text, mark: entry.value.mark)
            if pattern.kind == .regex {
                do {
                    let parsed = try RegexParser.parse(text, caseless: !caseSensitive)
                    if parsed.isNullable {
                        error(entry.value, "\(itemPath).regex", "the pattern matches the empty string")
                        continue
                    }
                } catch {
                    self.error(entry.value, "\(itemPath).regex", "invalid pattern: \(error)")
                    continue
                }
            }
            patterns.append(pattern)
        }
        return patterns
    }
}
