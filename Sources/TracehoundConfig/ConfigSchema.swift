// TracehoundConfig: strict YAML config for the daemon and the collector.
//
// Design. A config file goes through three steps:
//   1. YAMLDocument reads it with libyaml's event parser into a small node tree (scalars keep their style and tag;
//      every node and key keeps file:line:column). Duplicate keys are errors; a syntax error stops reading.
//   2. A schema decodes the tree into a plain Sendable model struct. The schema is a table, like Fluent Bit's
//      config_map: every key is declared once, as `ConfigKey(name, \.swiftProperty, type, unit:, doc:)`, and that
//      one declaration drives decoding, `renderResolved()` and the generated `reference()`. Defaults live in the
//      model struct's initial values. A type (`ConfigType`) knows how to decode one node, render one value and
//      name itself; nested sections and lists of `type:`-tagged sections are types too.
//   3. Cross-field checks run on a section once its own keys decoded cleanly (so one typo does not cascade).
// Decoding never stops at the first problem: every diagnostic is collected, then thrown together, sorted by place.
// `${VAR}` expansion applies to scalar values as they are decoded (see EnvironmentExpansion.swift).
// Adding a key later: add the property (with its default) to the model struct and one `ConfigKey` to its section.

/// What decoding has found so far: problems, and where each key path was written (for cross-field checks).
struct DecodeContext {
    let environment: [String: String]
    var diagnostics: [ConfigDiagnostic] = []
    var marks: [String: YAMLMark] = [:]

    init(environment: [String: String]) {
        self.environment = environment
    }

    mutating func error(_ mark: YAMLMark, _ path: String, _ message: String) {
        diagnostics.append(ConfigDiagnostic(at: mark, keyPath: path, message: message))
    }
}

/// One value type of the schema: how a node decodes, how a value renders, and what the reference calls it.
struct ConfigType<Value> {
    /// For the reference and messages: `size`, `int 0...100`, `one of: block, drop_oldest`.
    var name: String
    /// The value, or nil after recording why there is none.
    var decode: (YAMLNode, String, inout DecodeContext) -> Value?
    var render: (Value) -> RenderedValue
    /// Reference entries for what is inside a value of this type (the keys of a section), under a key path.
    var children: ((String) -> [ReferenceEntry])?

    init(
        name: String,
        decode: @escaping (YAMLNode, String, inout DecodeContext) -> Value?,
        render: @escaping (Value) -> RenderedValue,
        children: ((String) -> [ReferenceEntry])? = nil
    ) {
        self.name = name
        self.decode = decode
        self.render = render
        self.children = children
    }
}

/// One declared key of a section.
struct ConfigKey<Model> {
    var name: String
    var required: Bool
    var decode: (YAMLNode, inout Model, String, inout DecodeContext) -> Void
    /// nil for an input-only spelling that renders through another key (`sink.url` renders as `sink.urls`).
    var render: ((Model) -> RenderedValue)?
    var reference: (String, Model) -> [ReferenceEntry]

    /// A key stored in `property`: the declaration every later issue adds one of.
    init<Value>(
        _ name: String,
        _ property: WritableKeyPath<Model, Value>,
        _ type: ConfigType<Value>,
        unit: String? = nil,
        required: Bool = false,
        doc: String
    ) {
        self.init(name, type, unit: unit, required: required, doc: doc) {
            $0[keyPath: property]
        } set: {
            $0[keyPath: property] = $1
        }
    }

    /// A key with its own way in and out of the model.
    init<Value>(
        _ name: String,
        _ type: ConfigType<Value>,
        unit: String? = nil,
        required: Bool = false,
        rendered: Bool = true,
        doc: String,
        get: @escaping (Model) -> Value,
        set: @escaping (inout Model, Value) -> Void
    ) {
        self.name = name
        self.required = required
        decode = { node, model, path, context in
            guard !node.isUnresolvedAlias else { return }
            if let value = type.decode(node, path, &context) { set(&model, value) }
        }
        render = rendered ? { type.render(get($0)) } : nil
        reference = { prefix, defaults in
            let path = ConfigPath.child(prefix, name)
            let typeName = unit.map { "\(type.name) (\($0))" } ?? type.name
            let shown: ReferenceEntry.Default =
                required ? .required : (type.children != nil ? .section : .value(type.render(get(defaults)).flowText))
            let entry = ReferenceEntry(path: path, type: typeName, defaultValue: shown, doc: doc)
            return [entry] + (type.children?(path) ?? [])
        }
    }
}

/// A mapping of declared keys decoding into `Model`, with checks across its keys.
struct ConfigSection<Model> {
    var defaults: Model
    var keys: [ConfigKey<Model>]
    /// Cross-field checks; they run only when the section's own keys decoded without a problem.
    var check: ((Model, inout ConfigChecker) -> Void)?

    init(defaults: Model, keys: [ConfigKey<Model>], check: ((Model, inout ConfigChecker) -> Void)? = nil) {
        self.defaults = defaults
        self.keys = keys
        self.check = check
    }

    /// Decodes a mapping (null counts as an empty one); `extraKeys` are accepted and left to the caller.
    func decode(
        _ node: YAMLNode,
        path: String,
        context: inout DecodeContext,
        extraKeys: Set<String> = []
    ) -> Model {
        var model = defaults
        let problemsBefore = context.diagnostics.count
        let names = keys.map(\.name)
        var entries: [YAMLEntry] = []
        if let mapping = node.mapping {
            entries = mapping
        } else if node.scalar?.isNull != true {
            context.error(
                node.mark,
                path,
                "expected a mapping with keys (\(names.joined(separator: ", "))), got \(node.kindDescription)"
            )
            return model
        }
        for entry in entries where !extraKeys.contains(entry.key) {
            let keyPath = ConfigPath.child(path, entry.key)
            guard let key = keys.first(where: { $0.name == entry.key }) else {
                let message =
                    entry.key == "<<"
                    ? "merge keys (<<) are not supported; repeat the keys or use an alias for the whole value"
                    : "unknown key '\(entry.key)'" + suggestion(for: entry.key, in: names)
                context.error(entry.keyMark, keyPath, message)
                continue
            }
            context.marks[keyPath] = entry.value.mark
            key.decode(entry.value, &model, keyPath, &context)
        }
        for key in keys where key.required && !entries.contains(where: { $0.key == key.name }) {
            context.error(node.mark, ConfigPath.child(path, key.name), "missing required key '\(key.name)'")
        }
        if let check, context.diagnostics.count == problemsBefore {
            var checker = ConfigChecker(path: path, sectionMark: node.mark, marks: context.marks)
            check(model, &checker)
            context.diagnostics += checker.diagnostics
        }
        return model
    }

    func render(_ model: Model) -> RenderedValue {
        .mapping(keys.compactMap { key in key.render.map { (key.name, $0(model)) } })
    }

    func reference(under path: String) -> [ReferenceEntry] {
        keys.flatMap { $0.reference(path, defaults) }
    }

    /// This section as the type of a key that holds it.
    var type: ConfigType<Model> {
        ConfigType(
            name: "section",
            decode: { node, path, context in decode(node, path: path, context: &context) },
            render: render,
            children: reference(under:)
        )
    }
}

/// Reports cross-field problems at the place a key was written (or its section, when the key was left out).
struct ConfigChecker {
    let path: String
    let sectionMark: YAMLMark
    let marks: [String: YAMLMark]
    var diagnostics: [ConfigDiagnostic] = []

    /// A problem with `key`, a dotted path relative to the section (`segments.max_bytes` from the root).
    mutating func error(_ key: String, _ message: String) {
        let keyPath = ConfigPath.child(path, key)
        var mark = sectionMark
        var probe = keyPath
        while !probe.isEmpty {
            if let found = marks[probe] {
                mark = found
                break
            }
            probe = probe.lastIndex(where: { $0 == "." || $0 == "[" }).map { String(probe[..<$0]) } ?? ""
        }
        diagnostics.append(ConfigDiagnostic(at: mark, keyPath: keyPath, message: message))
    }

    /// True when `key` (relative to the section) was written in the file.
    func wasWritten(_ key: String) -> Bool {
        marks[ConfigPath.child(path, key)] != nil
    }
}

/// Decodes a whole document with the root section `section`, throwing every problem found.
func decodeConfig<Model>(
    bytes: [UInt8],
    file: String,
    environment: [String: String],
    section: ConfigSection<Model>
) throws(ConfigError) -> Model {
    let (root, problems) = try YAMLDocument.parseKeepingProblems(bytes: bytes, file: file)
    let node = root ?? YAMLNode(.mapping([]), mark: YAMLMark(file: file, line: 1, column: 1))
    var context = DecodeContext(environment: environment)
    context.diagnostics = problems
    context.marks[""] = node.mark
    let model = section.decode(node, path: "", context: &context)
    guard context.diagnostics.isEmpty else {
        let sorted = context.diagnostics.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }
        throw ConfigError(sorted.map(\.element))
    }
    return model
}

/// One value of the tag key of a tagged list (`type: file`) and the section such items decode with.
struct TaggedVariant<Item> {
    var tag: String
    var decode: (YAMLNode, String, inout DecodeContext, String) -> Item
    /// The item's keys without the tag, or nil when the item is another variant.
    var render: (Item) -> [(String, RenderedValue)]?
    var reference: (String) -> [ReferenceEntry]

    init<Section>(
        _ tag: String,
        _ section: ConfigSection<Section>,
        doc: String,
        embed: @escaping (Section) -> Item,
        extract: @escaping (Item) -> Section?
    ) {
        self.tag = tag
        decode = { node, path, context, tagKey in
            embed(section.decode(node, path: path, context: &context, extraKeys: [tagKey]))
        }
        render = { item in
            guard let value = extract(item), case .mapping(let entries) = section.render(value) else { return nil }
            return entries
        }
        reference = { path in
            let variantPath = "\(path)[type=\(tag)]"
            return [ReferenceEntry(path: variantPath, type: "section", defaultValue: .section, doc: doc)]
                + section.reference(under: variantPath)
        }
    }
}

extension ConfigType {
    /// A list of mappings whose `tagKey` (like `type`) picks the section each item decodes with.
    static func taggedList<Item>(tagKey: String = "type", variants: [TaggedVariant<Item>]) -> ConfigType<[Item]> {
        let tags = variants.map(\.tag)
        let tagType = ConfigType<String>.string { tag in
            tags.contains(tag)
                ? nil : "'\(tag)' is not one of: \(tags.joined(separator: ", "))" + suggestion(for: tag, in: tags)
        }
        return ConfigType<[Item]>(
            name: "list of sections tagged by \(tagKey)",
            decode: { node, path, context in
                if node.scalar?.isNull == true { return [] }
                guard let items = node.sequence else {
                    context.error(node.mark, path, "expected a list, got \(node.kindDescription)")
                    return nil
                }
                var values: [Item] = []
                for (index, item) in items.enumerated() {
                    let itemPath = ConfigPath.index(path, index)
                    context.marks[itemPath] = item.mark
                    if item.isUnresolvedAlias { continue }
                    guard let entries = item.mapping else {
                        context.error(
                            item.mark,
                            itemPath,
                            "expected a mapping with a '\(tagKey)' key, got \(item.kindDescription)"
                        )
                        continue
                    }
                    let tagPath = ConfigPath.child(itemPath, tagKey)
                    guard let tagEntry = entries.first(where: { $0.key == tagKey }) else {
                        let message = "missing required key '\(tagKey)' (one of: \(tags.joined(separator: ", ")))"
                        context.error(item.mark, tagPath, message)
                        continue
                    }
                    context.marks[tagPath] = tagEntry.value.mark
                    guard let tag = tagType.decode(tagEntry.value, tagPath, &context),
                        let variant = variants.first(where: { $0.tag == tag })
                    else { continue }
                    values.append(variant.decode(item, itemPath, &context, tagKey))
                }
                return values
            },
            render: { items in
                .list(
                    items.map { item in
                        for variant in variants {
                            if let entries = variant.render(item) {
                                return .mapping([(tagKey, .plain(variant.tag))] + entries)
                            }
                        }
                        return .mapping([])
                    }
                )
            },
            children: { path in
                let tagEntry = ReferenceEntry(
                    path: "\(path)[].\(tagKey)",
                    type: "one of: \(tags.joined(separator: ", "))",
                    defaultValue: .required,
                    doc: "Selects the kind of each item, and so the keys it takes (below)."
                )
                return [tagEntry] + variants.flatMap { $0.reference(path) }
            }
        )
    }
}
