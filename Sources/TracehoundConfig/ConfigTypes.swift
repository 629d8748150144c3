// The value types a schema declares keys with. Numbers and booleans must be plain YAML scalars (`10`, `true`):
// a quoted `"10"` is a string and refused where an integer is expected, and YAML 1.1's `yes`/`no`/`on`/`off` are
// not booleans. Sizes, durations, enums, URLs and addresses are text, so they may be quoted or not.
import Foundation

extension ConfigType {
    /// A scalar's text after `${VAR}` expansion, or nil after recording why there is none (not a scalar, null,
    /// an unknown tag, an unset variable). `expected` is for messages, like "an integer".
    static func scalar(
        _ node: YAMLNode,
        _ path: String,
        _ expected: String,
        _ context: inout DecodeContext
    ) -> (text: String, isPlain: Bool)? {
        guard let scalar = node.scalar else {
            context.error(node.mark, path, "expected \(expected), got \(node.kindDescription)")
            return nil
        }
        if let tag = scalar.tag, !YAMLScalar.knownTags.contains(tag) {
            context.error(node.mark, path, "unsupported tag \(tag)")
            return nil
        }
        if scalar.isNull {
            context.error(node.mark, path, "expected \(expected), got null")
            return nil
        }
        do {
            var substituted = false
            let text = try EnvironmentExpansion.expand(
                scalar.text,
                environment: context.environment,
                substituted: &substituted
            )
            return (text, scalar.isPlain || substituted)
        } catch {
            context.error(node.mark, path, error.message)
            return nil
        }
    }

    /// A type read from a scalar's text by `parse`, which returns the value or why the text is not one.
    static func text(
        _ name: String,
        expected: String,
        plainOnly: Bool = false,
        parse: @escaping (String) -> Result<Value, ValueSyntaxError>,
        render: @escaping (Value) -> RenderedValue
    ) -> ConfigType<Value> {
        ConfigType(
            name: name,
            decode: { node, path, context in
                guard let (text, isPlain) = scalar(node, path, expected, &context) else { return nil }
                guard isPlain || !plainOnly else {
                    context.error(
                        node.mark,
                        path,
                        "expected \(expected), got the string \"\(text)\" (remove the quotes)"
                    )
                    return nil
                }
                switch parse(text) {
                case .success(let value): return value
                case .failure(let problem):
                    context.error(node.mark, path, problem.message)
                    return nil
                }
            },
            render: render
        )
    }
}

extension ConfigType where Value == String {
    /// Any scalar's text; `check` returns why a text is not acceptable, or nil.
    static func string(_ name: String = "string", check: ((String) -> String?)? = nil) -> Self {
        text(name, expected: "a string") { text in
            if let problem = check?(text) { return .failure(ValueSyntaxError(problem)) }
            return .success(text)
        } render: {
            .quoted($0)
        }
    }

    /// A file or directory path: a non-empty string.
    static var path: Self {
        string("path") { $0.isEmpty ? "a path may not be empty" : nil }
    }

    /// A URL with one of `schemes` and a host.
    static func url(schemes: [String]) -> Self {
        string("URL (\(schemes.joined(separator: ", ")))") { text in
            guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
                text.contains("://")
            else { return "'\(text)' is not a URL; write it like \(schemes[0])://host:port/path" }
            guard schemes.contains(scheme) else {
                return "'\(text)' has scheme '\(scheme)'; use one of: \(schemes.joined(separator: ", "))"
            }
            guard let host = components.host, !host.isEmpty else { return "'\(text)' has no host" }
            return nil
        }
    }
}

extension ConfigType where Value == Bool {
    static var bool: Self {
        text("bool", expected: "a boolean (true or false)", plainOnly: true) { text in
            switch text {
            case "true", "True", "TRUE": return .success(true)
            case "false", "False", "FALSE": return .success(false)
            default: return .failure(ValueSyntaxError("'\(text)' is not a boolean; write true or false"))
            }
        } render: {
            .plain($0 ? "true" : "false")
        }
    }
}

extension ConfigType where Value == Int {
    static func int(_ range: ClosedRange<Int>) -> Self {
        text("int \(range.lowerBound)...\(range.upperBound)", expected: "an integer", plainOnly: true) { text in
            guard let value = Int(text) else { return .failure(ValueSyntaxError("'\(text)' is not an integer")) }
            guard range.contains(value) else {
                return .failure(ValueSyntaxError("\(value) is out of range \(range.lowerBound)...\(range.upperBound)"))
            }
            return .success(value)
        } render: {
            .plain("\($0)")
        }
    }

    /// Bytes, as `1048576`, `1MiB`, `1.5GiB` or `1MB`.
    static func size(_ range: ClosedRange<Int>) -> Self {
        let bounds = "\(ByteSize.format(range.lowerBound))...\(ByteSize.format(range.upperBound))"
        return text("size \(bounds)", expected: "a size like 64KiB") { text in
            ByteSize.parse(text).flatMap { value in
                range.contains(value)
                    ? .success(value)
                    : .failure(ValueSyntaxError("\(ByteSize.format(value)) is out of range \(bounds)"))
            }
        } render: {
            .plain(ByteSize.format($0))
        }
    }
}

extension ConfigType where Value == Double {
    static func number(_ range: ClosedRange<Double>) -> Self {
        text("number \(range.lowerBound)...\(range.upperBound)", expected: "a number", plainOnly: true) { text in
            guard let value = Double(text), value.isFinite else {
                return .failure(ValueSyntaxError("'\(text)' is not a number"))
            }
            guard range.contains(value) else {
                return .failure(ValueSyntaxError("\(text) is out of range \(range.lowerBound)...\(range.upperBound)"))
            }
            return .success(value)
        } render: {
            .plain("\($0)")
        }
    }
}

extension ConfigType where Value == Duration {
    /// A duration like `500ms`, `1.5s`, `2m`, `1h30m`.
    static func duration(_ range: ClosedRange<Duration>) -> Self {
        let bounds = "\(DurationSyntax.format(range.lowerBound))...\(DurationSyntax.format(range.upperBound))"
        return text("duration \(bounds)", expected: "a duration like 10s") { text in
            DurationSyntax.parse(text).flatMap { value in
                range.contains(value)
                    ? .success(value)
                    : .failure(ValueSyntaxError("\(DurationSyntax.format(value)) is out of range \(bounds)"))
            }
        } render: {
            .plain(DurationSyntax.format($0))
        }
    }
}

extension ConfigType where Value == ListenAddress {
    static var listenAddress: Self {
        text("host:port", expected: "a listen address like 127.0.0.1:7800") {
            ListenAddress.parse($0)
        } render: {
            .quoted($0.description)
        }
    }
}

extension ConfigType where Value: CaseIterable & RawRepresentable<String> {
    /// One of the enum's raw values.
    static var oneOf: Self {
        let allowed = Value.allCases.map(\.rawValue)
        let list = allowed.joined(separator: ", ")
        return text("one of: \(list)", expected: "one of: \(list)") { text in
            if let value = Value(rawValue: text) { return .success(value) }
            return .failure(ValueSyntaxError("'\(text)' is not one of: \(list)" + suggestion(for: text, in: allowed)))
        } render: {
            .plain($0.rawValue)
        }
    }
}

extension ConfigType {
    /// A list (null is an empty list); with `unique`, an element written twice is an error.
    static func list<Element: Equatable>(of element: ConfigType<Element>, unique: Bool = false) -> ConfigType<[Element]>
    {
        ConfigType<[Element]>(
            name: "list of \(element.name)",
            decode: { node, path, context in
                if node.scalar?.isNull == true { return [] }
                guard let items = node.sequence else {
                    context.error(node.mark, path, "expected a list of \(element.name), got \(node.kindDescription)")
                    return nil
                }
                var values: [Element] = []
                var failed = false
                for (index, item) in items.enumerated() {
                    let itemPath = ConfigPath.index(path, index)
                    context.marks[itemPath] = item.mark
                    guard !item.isUnresolvedAlias, let value = element.decode(item, itemPath, &context) else {
                        failed = true
                        continue
                    }
                    if unique, let first = values.firstIndex(of: value) {
                        context.error(item.mark, itemPath, "listed twice (first as \(ConfigPath.index(path, first)))")
                        failed = true
                    }
                    values.append(value)
                }
                return failed ? nil : values
            },
            render: { .list($0.map(element.render)) }
        )
    }

    /// `Value?` from `wrapped`, where the plain word `none` is nil: `sink: none` keeps batches in the spool.
    static func orNone<Wrapped>(_ wrapped: ConfigType<Wrapped>) -> ConfigType<Wrapped?> {
        ConfigType<Wrapped?>(
            name: "\(wrapped.name) or none",
            decode: { node, path, context in
                if let scalar = node.scalar, scalar.isPlain, scalar.text == "none" { return .some(nil) }
                return wrapped.decode(node, path, &context).map { .some($0) }
            },
            render: { $0.map(wrapped.render) ?? .plain("none") },
            children: wrapped.children
        )
    }

    /// `Value?` from `wrapped`: null (`~`, `null` or nothing) is nil.
    static func optional<Wrapped>(_ wrapped: ConfigType<Wrapped>) -> ConfigType<Wrapped?> {
        ConfigType<Wrapped?>(
            name: "\(wrapped.name) or null",
            decode: { node, path, context in
                if let scalar = node.scalar, scalar.isNull { return .some(nil) }
                return wrapped.decode(node, path, &context).map { .some($0) }
            },
            render: { $0.map(wrapped.render) ?? .plain("null") },
            children: wrapped.children
        )
    }
}
