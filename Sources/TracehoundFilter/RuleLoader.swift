// Loading rules.d: files in name order, a later rule with the same id replaces the earlier one, `disable: [ids]`
// turns rules off, `enabled: false` too. Every problem in every file is reported in one run, each with its
// file:line:column and key path, like config errors.
public import TracehoundConfig
import TracehoundCore
import TracehoundPosix

public enum RuleLoader {
    /// Loads the rules of `paths` (files, or folders whose `*.yaml`/`*.yml` files load in name order).
    public static func load(paths: [String]) throws(ConfigError) -> [Rule] {
        var files: [String] = []
        for path in paths {
            files += try ruleFiles(at: path)
        }
        var documents: [(YAMLNode?, String)] = []
        var diagnostics: [ConfigDiagnostic] = []
        for file in files {
            do {
                documents.append((try YAMLDocument.read(path: file), file))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        var loader = Collector()
        for (node, file) in documents {
            loader.add(node, file: file)
        }
        diagnostics += loader.diagnostics
        if !diagnostics.isEmpty { throw ConfigError(diagnostics) }
        return loader.rules
    }

    /// Loads rules from one YAML text, for tests and `test-rules --rules`.
    public static func load(yaml: String, file: String) throws(ConfigError) -> [Rule] {
        var loader = Collector()
        loader.add(try YAMLDocument.parse(yaml, file: file), file: file)
        if !loader.diagnostics.isEmpty { throw ConfigError(loader.diagnostics) }
        return loader.rules
    }

    /// The rule files for an `include` entry: a glob, a folder, or one file.
    public static func ruleFiles(at path: String) throws(ConfigError) -> [String] {
        if path.contains("*") || path.contains("?") || path.contains("[") {
            return Glob.expand(path)
        }
        if Glob.isDirectory(path) {
            return Glob.expand(path + "/*.yaml") + Glob.expand(path + "/*.yml")
        }
        return [path]
    }

    /// Gathers rules across files in order; overrides and disables apply across files.
    struct Collector {
        var order: [String] = []
        var byID: [String: Rule] = [:]
        var disabled: Set<String> = []
        var diagnostics: [ConfigDiagnostic] = []

        var rules: [Rule] {
            order.compactMap { byID[$0] }.filter { $0.enabled && !disabled.contains($0.id) }
        }

        mutating func add(_ root: YAMLNode?, file: String) {
            guard let root else { return }
            guard let entries = root.mapping else {
                error(root, "", "expected a mapping with 'rules' and 'disable', got \(root.kindDescription)")
                return
            }
            for entry in entries {
                switch entry.key {
                case "rules":
                    guard let items = entry.value.sequence else {
                        if entry.value.scalar?.isNull != true {
                            error(entry.value, "rules", "expected a list of rules, got \(entry.value.kindDescription)")
                        }
                        continue
                    }
                    for (index, item) in items.enumerated() {
                        if let rule = parseRule(item, path: "rules[\(index)]") {
                            if byID[rule.id] == nil { order.append(rule.id) }
                            byID[rule.id] = rule
                        }
                    }
                case "disable":
                    for id in strings(entry.value, "disable") { disabled.insert(id) }
                default:
                    diagnostics.append(
                        ConfigDiagnostic(
                            at: entry.keyMark,
                            keyPath: entry.key,
                            message: "unknown key '\(entry.key)' (a rules file has 'rules' and 'disable')"
                        )
                    )
                }
            }
        }

        mutating func error(_ node: YAMLNode, _ path: String, _ message: String) {
            diagnostics.append(ConfigDiagnostic(at: node.mark, keyPath: path, message: message))
        }

        mutating func strings(_ node: YAMLNode, _ path: String) -> [String] {
            if let scalar = node.scalar, !scalar.isNull { return [scalar.text] }
            guard let items = node.sequence else {
                if node.scalar?.isNull != true { error(node, path, "expected a list of strings") }
                return []
            }
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard let scalar = item.scalar, !scalar.isNull else {
                    error(item, "\(path)[\(index)]", "expected a string, got \(item.kindDescription)")
                    continue
                }
                result.append(scalar.text)
            }
            return result
        }
    }
}
