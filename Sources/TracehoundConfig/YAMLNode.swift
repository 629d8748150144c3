// The YAML node tree that the config decoder (and later the rules loader) reads: scalars keep their style and tag,
// so `"10"`, `10` and `'yes'` stay different, and every node and key keeps where it was written.

/// A place in a YAML file: the file's name as given, 1-based line and column (columns count characters).
public struct YAMLMark: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// How a scalar was written. Only plain scalars are resolved to numbers, booleans and null.
public enum YAMLScalarStyle: Sendable, Equatable {
    case plain
    case singleQuoted
    case doubleQuoted
    case literal
    case folded
}

/// A scalar as written: its text (after YAML unescaping, before `${VAR}` expansion), style and explicit tag.
public struct YAMLScalar: Sendable, Equatable {
    public var text: String
    public var style: YAMLScalarStyle
    /// The explicit tag, fully resolved (`!!str` is `tag:yaml.org,2002:str`), or nil when none was written.
    public var tag: String?

    public init(text: String, style: YAMLScalarStyle, tag: String? = nil) {
        self.text = text
        self.style = style
        self.tag = tag
    }

    /// True for a plain, untagged scalar: the only kind that may be read as a number, boolean or null.
    /// An explicit `!!int`, `!!float`, `!!bool` or `!!null` tag counts as plain too.
    public var isPlain: Bool {
        if let tag { return YAMLScalar.plainTags.contains(tag) }
        return style == .plain
    }

    /// True when this scalar is YAML's null: a plain `~`, `null` (any case spelling YAML allows) or nothing at all.
    public var isNull: Bool {
        if tag == YAMLScalar.nullTag { return true }
        return tag == nil && style == .plain && ["", "~", "null", "Null", "NULL"].contains(text)
    }

    static let stringTag = "tag:yaml.org,2002:str"
    /// Marks the stand-in for an alias to no anchor, already reported, so that decoding stays quiet about it.
    static let unresolvedAliasTag = "tag:tracehound,2026:unresolved-alias"
    static let nullTag = "tag:yaml.org,2002:null"
    static let plainTags: Set<String> = [
        "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", nullTag,
    ]
    /// Tags a scalar may carry; anything else (`!env`, `!!binary`, …) is refused by the config decoder.
    static let knownTags: Set<String> = plainTags.union([stringTag, "!"])
}

/// One `key: value` pair of a mapping. Keys are scalars; the key keeps its own mark.
public struct YAMLEntry: Sendable, Equatable {
    public var key: String
    public var keyMark: YAMLMark
    public var value: YAMLNode

    public init(key: String, keyMark: YAMLMark, value: YAMLNode) {
        self.key = key
        self.keyMark = keyMark
        self.value = value
    }
}

/// A node of a YAML document with the place it starts at.
public struct YAMLNode: Sendable, Equatable {
    public indirect enum Content: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Entries in document order; keys are unique (the reader refuses duplicates).
        case mapping([YAMLEntry])
    }

    public var content: Content
    public var mark: YAMLMark
    /// The explicit tag of a sequence or mapping (a scalar's tag is on the scalar), or nil.
    public var tag: String?

    public init(_ content: Content, mark: YAMLMark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLEntry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The value under `key` when this node is a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key == key }?.value
    }

    /// True for the stand-in of an alias to no anchor: already reported, so decoding skips it quietly.
    var isUnresolvedAlias: Bool { scalar?.tag == YAMLScalar.unresolvedAliasTag }

    /// What this node is, for messages: "a string", "a list", "a mapping", "null", "a number".
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            guard scalar.isPlain else { return "a string" }
            if ["true", "false", "True", "False", "TRUE", "FALSE"].contains(scalar.text) { return "a boolean" }
            if Double(scalar.text) != nil { return "a number" }
            return "a string"
        }
    }
}
