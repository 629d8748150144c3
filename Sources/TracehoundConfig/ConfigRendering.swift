// Writing config back out: the resolved config as YAML that loads back to the same model, and the generated
// reference (every key with its type, unit, default and doc line).
//
// Strings are always double-quoted, so no value can be read back as another type (`"no"`, `"10"`, `"null"`), and
// a `$` that `${VAR}` expansion would eat is written as `$$`.

/// A value ready to be written as YAML.
indirect enum RenderedValue {
    /// Written as is: numbers, booleans, sizes, durations, enum values, null.
    case plain(String)
    /// A string, written double-quoted and escaped.
    case quoted(String)
    case list([RenderedValue])
    case mapping([(String, RenderedValue)])

    /// The value on one line, in flow style: `["a", "b"]`, `{url: "…"}`.
    var flowText: String {
        switch self {
        case .plain(let text): return text
        case .quoted(let text): return doubleQuoted(EnvironmentExpansion.escape(text))
        case .list(let items): return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let entries):
            return "{" + entries.map { "\($0.0): \($0.1.flowText)" }.joined(separator: ", ") + "}"
        }
    }

    private var isScalarOrFlowList: Bool {
        switch self {
        case .plain, .quoted: return true
        case .list(let items): return items.allSatisfy { if case .mapping = $0 { false } else { true } }
        case .mapping(let entries): return entries.isEmpty
        }
    }

    /// Block-style YAML lines for a mapping's entries at `indent` spaces.
    func blockLines(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .mapping(let entries):
            return entries.flatMap { key, value -> [String] in
                if value.isScalarOrFlowList { return ["\(pad)\(key): \(value.flowText)"] }
                return ["\(pad)\(key):"] + value.blockLines(indent: indent + 2)
            }
        case .list(let items):
            return items.flatMap { item -> [String] in
                if item.isScalarOrFlowList { return ["\(pad)- \(item.flowText)"] }
                // The first line of a mapping item goes after the dash; the rest line up under it.
                var lines = item.blockLines(indent: indent + 2)
                if !lines.isEmpty { lines[0] = pad + "- " + lines[0].dropFirst(indent + 2) }
                return lines
            }
        case .plain, .quoted:
            return [pad + flowText]
        }
    }
}

/// `text` as a YAML double-quoted scalar.
func doubleQuoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case "\0": result += "\\0"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || [0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF].contains(scalar.value)
            {
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// One line of the generated reference.
struct ReferenceEntry {
    enum Default {
        case value(String)
        case required
        /// A nested section: its keys follow with their own defaults.
        case section
    }

    var path: String
    var type: String
    var defaultValue: Default
    var doc: String

    /// `path: type = default` (or `, required`), then the doc line indented.
    var text: String {
        var head = "\(path): \(type)"
        switch defaultValue {
        case .value(let value): head += " = \(value)"
        case .required: head += ", required"
        case .section: break
        }
        return head + "\n    " + doc
    }
}

/// The reference text for a config file: a title line, then every key in declaration order.
func referenceText(title: String, entries: [ReferenceEntry]) -> String {
    let legend = """
        # \(title)
        # Each key: `path: type = default` (or `, required`), then what it does. Sizes are bytes, written as an
        # integer or with B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000); durations are
        # ms, s, m, h (1.5s, 1m30s). Values may use ${VAR} and ${VAR:-default}; $$ is a literal $.
        """
    // A blank line before each top-level key groups a section with its keys.
    let lines = entries.map { entry in
        entry.path.contains(where: { $0 == "." || $0 == "[" }) ? entry.text : "\n" + entry.text
    }
    return legend + "\n" + lines.joined(separator: "\n") + "\n"
}

/// A whole config as block YAML, with a leading comment.
func renderDocument(_ value: RenderedValue, comment: String) -> String {
    "# \(comment)\n" + value.blockLines(indent: 0).joined(separator: "\n") + "\n"
}
