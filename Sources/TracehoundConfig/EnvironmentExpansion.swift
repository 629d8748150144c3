// `${VAR}` expansion in scalar values (never in keys), in every scalar style:
//   ${NAME}            the variable's value; an unset variable is an error naming it
//   ${NAME:-default}   the variable's value, or `default` when it is unset or empty (the shell's `:-`)
//   $$                 one `$`
//   $ followed by anything else stays as written, so regular expressions ending in `$` need no escaping.
// Names are [A-Za-z_][A-Za-z0-9_]*. The default is taken literally up to the first `}`; it is not expanded again.
// A value with a `${…}` in it is typed by its expanded text even when quoted: flow collections (`{a: "${N}"}`)
// need the quotes, since `{` and `}` cannot appear in a plain scalar there.

/// Why a value could not be expanded; the message names the variable.
struct ExpansionError: Error, Equatable {
    var message: String
}

enum EnvironmentExpansion {
    /// `text` with every `${…}` replaced from `environment` and every `$$` made one `$`.
    static func expand(_ text: String, environment: [String: String]) throws(ExpansionError) -> String {
        var substituted = false
        return try expand(text, environment: environment, substituted: &substituted)
    }

    /// `expand`, also telling whether any `${…}` was substituted.
    static func expand(
        _ text: String,
        environment: [String: String],
        substituted: inout Bool
    ) throws(ExpansionError) -> String {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            guard afterDollar < rest.endIndex else {
                result += "$"
                rest = rest[afterDollar...]
                break
            }
            switch rest[afterDollar] {
            case "$":
                result += "$"
                rest = rest[rest.index(after: afterDollar)...]
            case "{":
                let body = rest[rest.index(after: afterDollar)...]
                guard let close = body.firstIndex(of: "}") else {
                    throw ExpansionError(message: "'${' has no closing '}' (write '$$' for a literal '$')")
                }
                result += try substitute(String(body[..<close]), environment: environment)
                substituted = true
                rest = body[body.index(after: close)...]
            default:
                result += "$"
                rest = rest[afterDollar...]
            }
        }
        return result + rest
    }

    /// The value of one `${…}` body: `NAME` or `NAME:-default`.
    private static func substitute(_ body: String, environment: [String: String]) throws(ExpansionError) -> String {
        var name = body
        var fallback: String?
        if let separator = body.range(of: ":-") {
            name = String(body[..<separator.lowerBound])
            fallback = String(body[separator.upperBound...])
        }
        guard isVariableName(name) else {
            throw ExpansionError(
                message: "'${\(body)}' does not name an environment variable (names are letters, digits and _)"
            )
        }
        if let fallback {
            if let value = environment[name], !value.isEmpty { return value }
            return fallback
        }
        guard let value = environment[name] else {
            throw ExpansionError(
                message: "environment variable \(name) is not set (give a default with ${\(name):-value})"
            )
        }
        return value
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// `text` written so that `expand` gives it back unchanged: a `$` before `$` or `{` is doubled.
    static func escape(_ text: String) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            result.append(character)
            if character == "$", index + 1 < characters.count,
                characters[index + 1] == "$" || characters[index + 1] == "{"
            {
                result.append("$")
            }
        }
        return result
    }
}
