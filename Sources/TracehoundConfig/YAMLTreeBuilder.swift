// Turns libyaml's event stream into a `YAMLNode` tree by recursive descent: one call per node, depth-capped.
// Problems that do not stop parsing (duplicate keys, non-scalar keys, unknown aliases) are collected in
// `diagnostics` while the tree is still built (keeping a key's first value), so that decoding can report its own
// problems in the same run; a syntax error stops at once and is thrown with those collected before it.

struct YAMLTreeBuilder {
    let parser: LibYAMLParser
    let file: String
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var aliasedNodes = 0
    /// Problems found so far that did not stop reading.
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// The key path to the node being read, so that a syntax error can name where it happened.
    private var path: [String] = []

    init(parser: LibYAMLParser, file: String) {
        self.parser = parser
        self.file = file
    }

    /// Reads the stream's one document; nil when the stream holds none. See `diagnostics` for what did not stop it.
    mutating func document() throws(ConfigError) -> YAMLNode? {
        guard case .streamStart = try next().kind else { throw fail("expected the start of a YAML stream") }
        let first = try next()
        if case .streamEnd = first.kind { return nil }
        guard case .documentStart = first.kind else { throw fail("expected the start of a document", at: first.mark) }
        let root = try node(from: next(), depth: 0).node
        guard case .documentEnd = try next().kind else { throw fail("expected the end of the document") }
        let after = try next()
        if case .documentStart = after.kind {
            throw fail("a config file holds one YAML document; a second one starts here", at: after.mark)
        }
        return root
    }

    private mutating func next() throws(ConfigError) -> YAMLEvent {
        switch parser.next() {
        case .event(let event): return event
        case .failure(var diagnostic):
            diagnostic.keyPath = keyPath
            diagnostics.append(diagnostic)
            throw ConfigError(diagnostics)
        }
    }

    /// Reads the node that `event` starts; returns it with its size (nodes counted through aliases too).
    private mutating func node(from event: YAMLEvent, depth: Int) throws(ConfigError) -> (node: YAMLNode, size: Int) {
        guard depth < YAMLDocument.maximumDepth else {
            throw fail("nesting is deeper than \(YAMLDocument.maximumDepth) levels", at: event.mark)
        }
        let built: (node: YAMLNode, size: Int)
        switch event.kind {
        case .scalar(let scalar):
            built = (YAMLNode(.scalar(scalar), mark: event.mark), 1)
        case .alias(let anchor):
            return try resolveAlias(anchor, at: event.mark)
        case .sequenceStart:
            built = try sequence(startingAt: event, depth: depth)
        case .mappingStart:
            built = try mapping(startingAt: event, depth: depth)
        default:
            throw fail("expected a value", at: event.mark)
        }
        if let anchor = event.anchor { anchors[anchor] = built }
        return built
    }

    private mutating func resolveAlias(_ anchor: String, at mark: YAMLMark) throws(ConfigError) -> (
        node: YAMLNode, size: Int
    ) {
        guard let anchored = anchors[anchor] else {
            diagnostics.append(
                ConfigDiagnostic(at: mark, keyPath: keyPath, message: "alias *\(anchor) refers to no anchor before it")
            )
            let placeholder = YAMLScalar(text: "", style: .plain, tag: YAMLScalar.unresolvedAliasTag)
            return (YAMLNode(.scalar(placeholder), mark: mark), 1)
        }
        var node = anchored.node
        aliasedNodes = saturatingAdd(aliasedNodes, anchored.size)
        guard aliasedNodes <= YAMLDocument.maximumAliasedNodes else {
            throw fail("aliases stand for more than \(YAMLDocument.maximumAliasedNodes) nodes in all", at: mark)
        }
        node.mark = mark
        return (node, anchored.size)
    }

    private mutating func sequence(startingAt start: YAMLEvent, depth: Int) throws(ConfigError) -> (
        node: YAMLNode, size: Int
    ) {
        var items: [YAMLNode] = []
        var size = 1
        while true {
            let event = try next()
            if case .sequenceEnd = event.kind { break }
            path.append("[\(items.count)]")
            let item = try node(from: event, depth: depth + 1)
            path.removeLast()
            items.append(item.node)
            size = saturatingAdd(size, item.size)
        }
        return (YAMLNode(.sequence(items), mark: start.mark, tag: start.tag), size)
    }

    private mutating func mapping(startingAt start: YAMLEvent, depth: Int) throws(ConfigError) -> (
        node: YAMLNode, size: Int
    ) {
        var entries: [YAMLEntry] = []
        var firstMarks: [String: YAMLMark] = [:]
        var size = 1
        while true {
            let keyEvent = try next()
            if case .mappingEnd = keyEvent.kind { break }
            let key = try node(from: keyEvent, depth: depth + 1).node
            let keyText = key.scalar?.text
            path.append(keyText ?? "?")
            let value = try node(from: next(), depth: depth + 1)
            path.removeLast()
            guard let keyText else {
                diagnostics.append(
                    ConfigDiagnostic(
                        at: key.mark,
                        keyPath: keyPath,
                        message: "a mapping key must be a scalar, not \(key.kindDescription)"
                    )
                )
                continue
            }
            if let first = firstMarks[keyText] {
                let message = "duplicate key '\(keyText)' (first at line \(first.line), column \(first.column))"
                diagnostics.append(ConfigDiagnostic(at: key.mark, keyPath: childPath(keyText), message: message))
                continue
            }
            firstMarks[keyText] = key.mark
            entries.append(YAMLEntry(key: keyText, keyMark: key.mark, value: value.node))
            size = saturatingAdd(size, saturatingAdd(1, value.size))
        }
        return (YAMLNode(.mapping(entries), mark: start.mark, tag: start.tag), size)
    }

    private func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    private var keyPath: String { ConfigPath.join(path) }

    private func childPath(_ key: String) -> String { ConfigPath.join(path + [key]) }

    private mutating func fail(_ message: String, at mark: YAMLMark? = nil) -> ConfigError {
        let mark = mark ?? YAMLMark(file: file, line: 1, column: 1)
        diagnostics.append(ConfigDiagnostic(at: mark, keyPath: keyPath, message: message))
        return ConfigError(diagnostics)
    }
}

/// Key paths as written in diagnostics: `sources[1].format`, `segments.max_bytes`.
enum ConfigPath {
    /// Joins components where an index component (`[3]`) attaches without a dot.
    static func join(_ components: [String]) -> String {
        var text = ""
        for component in components {
            if !text.isEmpty && !component.hasPrefix("[") { text += "." }
            text += component
        }
        return text
    }

    static func child(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    static func index(_ parent: String, _ index: Int) -> String {
        parent + "[\(index)]"
    }
}
