// A program: its commands, `help`, `version`, `--help` everywhere, and the mapping of errors to exit codes.

/// Where a command writes and which program it belongs to.
public struct CommandContext: Sendable {
    public var programName: String
    public var output: TextOutput
    public var errors: TextOutput
    public var environment: [String: String]
}

/// A named set of commands, the entry point of one executable.
public struct Program: Sendable {
    public var name: String
    public var summary: String
    public var version: String
    public var commands: [Command]

    public init(name: String, summary: String, version: String, commands: [Command]) {
        self.name = name
        self.summary = summary
        self.version = version
        self.commands = commands
    }

    /// Runs the command named in `arguments` (without the program name) and returns the exit code.
    public func main(
        _ arguments: [String],
        environment: [String: String],
        output: TextOutput = .standardOutput,
        errors: TextOutput = .standardError
    ) -> ExitCode {
        let context = CommandContext(programName: name, output: output, errors: errors, environment: environment)
        guard let first = arguments.first else {
            errors.write(overview())
            return .usage
        }
        switch first {
        case "help", "-h", "--help":
            if arguments.count > 1, let command = commands.first(where: { $0.name == arguments[1] }) {
                output.write(help(for: command))
            } else {
                output.write(overview())
            }
            return .success
        case "version", "--version":
            output.write("\(name) \(version)\n")
            return .success
        default:
            break
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            errors.write("\(name): unknown command '\(first)'\n\(usageLine())\n")
            return .usage
        }
        let parsed: ParsedArguments
        do {
            parsed = try command.parse(Array(arguments.dropFirst()))
        } catch {
            errors.write(
                "\(name) \(command.name): \(error.message)\nusage: \(name) \(command.name) \(command.synopsis)\n"
            )
            return .usage
        }
        if parsed.isSet("help") {
            output.write(help(for: command))
            return .success
        }
        do {
            return try command.run(parsed, context)
        } catch let error as UsageError {
            errors.write(
                "\(name) \(command.name): \(error.message)\nusage: \(name) \(command.name) \(command.synopsis)\n"
            )
            return .usage
        } catch {
            errors.write("\(name) \(command.name): \(error)\n")
            return .failure
        }
    }

    func usageLine() -> String {
        "usage: \(name) <\(allCommandNames().joined(separator: "|"))> [flags]  (\(name) help COMMAND for more)"
    }

    func allCommandNames() -> [String] { commands.map(\.name) + ["version", "help"] }

    /// The program's help: what it is and its commands.
    public func overview() -> String {
        var text = "\(name) — \(summary)\n\n\(usageLine())\n\ncommands:\n"
        let width = (commands.map(\.name.count) + [7]).max()!
        for command in commands {
            text += "  \(command.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(command.summary)\n"
        }
        text += "  \("version".padding(toLength: width, withPad: " ", startingAt: 0))  print the version\n"
        text += "  \("help".padding(toLength: width, withPad: " ", startingAt: 0))  show this help, or a command's\n"
        return text
    }

    /// One command's help: synopsis, summary, flags, details.
    public func help(for command: Command) -> String {
        var text = "usage: \(name) \(command.name) \(command.synopsis)\n\n\(command.summary)\n"
        let flags = command.flags + [Flag("help", help: "show this help")]
        let labels = flags.map { flag in "--\(flag.name)" + (flag.valueName.map { " \($0)" } ?? "") }
        let width = labels.map(\.count).max() ?? 0
        text += "\nflags:\n"
        for (flag, label) in zip(flags, labels) {
            text += "  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(flag.help)"
            text += flag.repeatable ? " (repeatable)\n" : "\n"
        }
        if !command.details.isEmpty { text += "\n\(command.details)\n" }
        return text
    }
}
