// Hand-written command-line parsing shared by `tracehound` and `tracehound-collector`.
//
// A program is a table of commands; each command declares its flags (with a value or without, repeatable or not)
// and its positional arguments, and gets the parsed result. `--flag value` and `--flag=value` are both accepted,
// `--` ends the flags, `-h`/`--help` works on every command. Mistakes are usage errors: the program prints the
// message and the command's usage line and exits 2. Exit codes: 0 ok, 1 failure, 2 usage.

/// The three exit codes the executables use.
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
}

/// One flag a command accepts.
public struct Flag: Sendable {
    public var name: String
    /// The value's placeholder in help (`FILE`), or nil for a switch with no value.
    public var valueName: String?
    public var help: String
    public var repeatable: Bool

    public init(_ name: String, value valueName: String? = nil, repeatable: Bool = false, help: String) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.repeatable = repeatable
    }
}

/// What a command was given: flag values by name, switches that were set, and positional arguments.
public struct ParsedArguments: Sendable {
    public var values: [String: [String]] = [:]
    public var switches: Set<String> = []
    public var positional: [String] = []

    /// The last value given for `flag`, or nil.
    public func value(_ flag: String) -> String? { values[flag]?.last }
    /// Every value given for a repeatable `flag`, in order.
    public func all(_ flag: String) -> [String] { values[flag] ?? [] }
    /// Whether the switch `flag` was given.
    public func isSet(_ flag: String) -> Bool { switches.contains(flag) }
}

/// A mistake in how the program was called; printed with the command's usage line, exit code 2.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One command of a program (`run`, `check`, ...).
public struct Command: Sendable {
    public var name: String
    public var summary: String
    /// The synopsis after the program and command names, e.g. `--config FILE [--print-reference]`.
    public var synopsis: String
    public var flags: [Flag]
    /// How many positional arguments the command takes.
    public var positional: ClosedRange<Int>
    /// Extra help text shown by `--help` after the flags.
    public var details: String
    public var run: @Sendable (ParsedArguments, CommandContext) throws -> ExitCode

    public init(
        name: String,
        summary: String,
        synopsis: String = "",
        flags: [Flag] = [],
        positional: ClosedRange<Int> = 0...0,
        details: String = "",
        run: @escaping @Sendable (ParsedArguments, CommandContext) throws -> ExitCode
    ) {
        self.name = name
        self.summary = summary
        self.synopsis = synopsis
        self.flags = flags
        self.positional = positional
        self.details = details
        self.run = run
    }

    /// Parses `arguments` (those after the command name) against this command's flags.
    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var flagsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if flagsEnded || !argument.hasPrefix("-") || argument == "-" {
                parsed.positional.append(argument)
                continue
            }
            if argument == "--" {
                flagsEnded = true
                continue
            }
            if argument == "-h" || argument == "--help" {
                parsed.switches.insert("help")
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("unknown flag '\(argument)'") }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let flag = flags.first(where: { $0.name == name }) else {
                throw UsageError("unknown flag '--\(name)'")
            }
            if flag.valueName == nil {
                if inlineValue != nil { throw UsageError("flag '--\(name)' takes no value") }
                parsed.switches.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError("flag '--\(name)' needs a value") }
                value = arguments[index]
                index += 1
            }
            if !flag.repeatable && parsed.values[name] != nil {
                throw UsageError("flag '--\(name)' given more than once")
            }
            parsed.values[name, default: []].append(value)
        }
        if parsed.isSet("help") { return parsed }
        if !positional.contains(parsed.positional.count) {
            if positional.upperBound == 0 {
                throw UsageError("unexpected argument '\(parsed.positional[0])'")
            }
            if parsed.positional.count < positional.lowerBound {
                throw UsageError("missing argument")
            }
            throw UsageError("too many arguments")
        }
        return parsed
    }
}
