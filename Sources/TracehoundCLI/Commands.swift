// Pieces that both executables' commands share: the version, the logging flags, loading a config for a command.
import Foundation
public import TracehoundConfig

public enum TracehoundVersion {
    /// The release this build belongs to; the wire protocol's version is separate (docs/PROTOCOL.md).
    public static let current = "0.1.0-dev"
}

/// `--log-level` and `--log-format`, accepted by the long-running commands.
public enum LoggingFlags {
    public static let flags = [
        Flag("log-level", value: "LEVEL", help: "error, warning, notice, info (default) or debug"),
        Flag(
            "log-format",
            value: "FORMAT",
            help: "auto (journal when stderr is the journal, else logfmt), logfmt, json or journal"
        ),
    ]

    /// The logger the flags ask for; a bad level or format is a usage error.
    public static func logger(_ arguments: ParsedArguments, identifier: String, context: CommandContext) throws
        -> Logger
    {
        var level = LogLevel.info
        if let name = arguments.value("log-level") {
            guard let parsed = LogLevel(name: name) else {
                throw UsageError("unknown log level '\(name)' (error, warning, notice, info or debug)")
            }
            level = parsed
        }
        var format = LogFormat.auto
        if let name = arguments.value("log-format") {
            guard let parsed = LogFormat(rawValue: name) else {
                throw UsageError("unknown log format '\(name)' (auto, logfmt, json or journal)")
            }
            format = parsed
        }
        return Logger(
            identifier: identifier,
            level: level,
            format: format,
            output: context.errors,
            environment: context.environment
        )
    }
}

/// Loading a config for a command: every error is printed, one per line, and the command fails with status 1.
public enum ConfigCommands {
    public static func loadDaemonConfig(_ path: String, context: CommandContext) -> DaemonConfig? {
        do {
            return try DaemonConfig.load(path: path, environment: context.environment)
        } catch {
            context.errors.write("\(error)\n")
            return nil
        }
    }

    public static func loadCollectorConfig(_ path: String, context: CommandContext) -> CollectorConfig? {
        do {
            return try CollectorConfig.load(path: path, environment: context.environment)
        } catch {
            context.errors.write("\(error)\n")
            return nil
        }
    }

    /// The `check` command both executables share: validate a config and print it resolved, or print the
    /// reference of every key. `render` loads the file (printing its errors) and returns its resolved form.
    public static func checkCommand(
        summary: String,
        configFlag: Flag,
        reference: @escaping @Sendable () -> String,
        render: @escaping @Sendable (String, CommandContext) -> String?,
        defaultPath: String
    ) -> Command {
        Command(
            name: "check",
            summary: summary,
            synopsis: "[--config FILE] [--print-reference]",
            flags: [
                configFlag,
                Flag("print-reference", help: "print every key with its type, default, unit and doc line instead"),
            ],
            details: "Exit status 0 when the config is valid, 1 with every error (file:line:column: key: message).",
            run: { arguments, context in
                if arguments.isSet("print-reference") {
                    context.output.write(reference())
                    return .success
                }
                guard let resolved = render(arguments.value("config") ?? defaultPath, context) else { return .failure }
                context.output.write(resolved)
                return .success
            }
        )
    }
}
