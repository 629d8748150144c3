// The value syntaxes of config scalars that are more than a number: sizes, durations and listen addresses.
// Each parses to an exact value (no rounding: `0.3KiB` is refused, not truncated) and formats back to text that
// parses to the same value.

/// Sizes in bytes: a plain integer, or a number (decimals allowed when the result is whole bytes) with a unit.
public enum ByteSize {
    /// Binary units first: formatting prefers them.
    static let units: [(name: String, bytes: Int)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1),
    ]
    static let unitList = "B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000)"

    /// The number of bytes `text` means, or why it means none.
    public static func parse(_ text: String) -> Result<Int, ValueSyntaxError> {
        let (number, unit) = splitNumber(text.trimmingASCIISpaces())
        guard !number.isEmpty else {
            return .failure(
                ValueSyntaxError("'\(text)' is not a size; write bytes or a number with a unit: \(unitList)")
            )
        }
        var scale = 1
        if !unit.isEmpty {
            guard let known = units.first(where: { $0.name == unit }) else {
                return .failure(ValueSyntaxError("'\(text)' has an unknown size unit '\(unit)'; use \(unitList)"))
            }
            scale = known.bytes
        }
        guard isDecimal(number) else {
            return .failure(ValueSyntaxError("'\(text)' is not a size; its number is malformed"))
        }
        guard let bytes = exactProduct(number, scale) else {
            return .failure(ValueSyntaxError("'\(text)' is not a whole number of bytes, or is too large"))
        }
        return .success(bytes)
    }

    /// The shortest exact spelling: the largest unit that divides `bytes`, or plain bytes.
    public static func format(_ bytes: Int) -> String {
        guard bytes > 0 else { return "\(bytes)" }
        for unit in units where unit.bytes > 1 && bytes % unit.bytes == 0 {
            return "\(bytes / unit.bytes)\(unit.name)"
        }
        return "\(bytes)"
    }
}

/// Durations: one or more number-unit pairs (`500ms`, `1.5s`, `2m`, `1h30m`), exact to the millisecond.
public enum DurationSyntax {
    static let units: [(name: String, milliseconds: Int)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
    static let unitList = "ms, s, m, h"

    /// The duration `text` means, or why it means none.
    public static func parse(_ text: String) -> Result<Duration, ValueSyntaxError> {
        var rest = Substring(text.trimmingASCIISpaces())
        guard !rest.isEmpty else { return .failure(ValueSyntaxError("an empty value is not a duration")) }
        var total = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard !number.isEmpty else {
                return .failure(
                    ValueSyntaxError("'\(text)' is not a duration; write a number with a unit (\(unitList)) like 10s")
                )
            }
            guard !unit.isEmpty else {
                return .failure(ValueSyntaxError("'\(text)' needs a unit (\(unitList)), like \(number)s"))
            }
            guard let known = units.first(where: { $0.name == unit }) else {
                return .failure(ValueSyntaxError("'\(text)' has an unknown duration unit '\(unit)'; use \(unitList)"))
            }
            guard isDecimal(String(number)) else {
                return .failure(ValueSyntaxError("'\(text)' is not a duration; its number '\(number)' is malformed"))
            }
            guard let milliseconds = exactProduct(String(number), known.milliseconds) else {
                return .failure(ValueSyntaxError("'\(text)' is not a whole number of milliseconds, or is too long"))
            }
            let (sum, overflow) = total.addingReportingOverflow(milliseconds)
            guard !overflow else { return .failure(ValueSyntaxError("'\(text)' is too long a duration")) }
            total = sum
        }
        return .success(.milliseconds(total))
    }

    /// The shortest exact spelling in the largest unit that divides the duration: `90s`, `1500ms`, `2h`.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        guard milliseconds != 0 else { return "0s" }
        for unit in units where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.name)"
        }
        return "\(milliseconds)ms"
    }
}

extension Duration {
    /// The duration in whole milliseconds (config durations are always whole milliseconds).
    public var wholeMilliseconds: Int {
        let parts = components
        return Int(parts.seconds) * 1000 + Int(parts.attoseconds / 1_000_000_000_000_000)
    }
}

/// An address to listen on: `host:port`, with an IPv6 host in brackets (`[::1]:7800`). Port 0 picks a free port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, bracketing an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The address `text` names, or why it names none.
    public static func parse(_ text: String) -> Result<ListenAddress, ValueSyntaxError> {
        let shape = "write host:port, like 127.0.0.1:7800 or [::1]:7800"
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.range(of: "]:") else {
                return .failure(ValueSyntaxError("'\(text)' is not a listen address; \(shape)"))
            }
            host = text[text.index(after: text.startIndex)..<close.lowerBound]
            portText = text[close.upperBound...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ValueSyntaxError("'\(text)' has no port; \(shape)"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return .failure(ValueSyntaxError("'\(text)': an IPv6 host goes in brackets, like [::1]:7800"))
            }
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            return .failure(ValueSyntaxError("'\(text)' has no valid host; \(shape) (0.0.0.0 for every interface)"))
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
            let port = Int(portText), port <= 65535
        else {
            return .failure(ValueSyntaxError("'\(text)' has no valid port (0...65535); \(shape)"))
        }
        return .success(ListenAddress(host: String(host), port: port))
    }
}

/// Why a value's text does not have the expected syntax.
public struct ValueSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Splits `12.5MiB` or `12.5 MiB` into its number (digits and dots) and its unit.
private func splitNumber(_ text: String) -> (number: String, unit: String) {
    let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    let unit = text.dropFirst(number.count).drop { $0 == " " }
    return (String(number), String(unit))
}

/// True for digits with at most one dot that has digits on both sides: `12`, `1.5`.
private func isDecimal(_ text: String) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
}

/// `decimal × scale` when it is a whole number that fits in an Int; nil for malformed or inexact values.
/// `decimal` is digits with at most one dot and at least one digit before it, like `12`, `1.5`.
private func exactProduct(_ decimal: String, _ scale: Int) -> Int? {
    let parts = decimal.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, let wholeValue = Int(whole) else { return nil }
    let fraction = parts.count == 2 ? parts[1] : ""
    guard parts.count == 1 || !fraction.isEmpty, fraction.count <= 18 else { return nil }
    var result = wholeValue.multipliedReportingOverflow(by: scale)
    guard !result.overflow else { return nil }
    if !fraction.isEmpty {
        guard let fractionValue = Int(fraction) else { return nil }
        var denominator = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        let numerator = fractionValue.multipliedReportingOverflow(by: scale)
        guard !numerator.overflow, numerator.partialValue % denominator == 0 else { return nil }
        result = result.partialValue.addingReportingOverflow(numerator.partialValue / denominator)
        guard !result.overflow else { return nil }
    }
    return result.partialValue
}

extension String {
    func trimmingASCIISpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
