// tracehound-collector: the central store's server and its query command. Commands are declared here; their work
// lives in the library modules (see docs/ARCHITECTURE.md).
import Foundation
import TracehoundCLI
import TracehoundConfig

let configFlag = Flag(
    "config",
    value: "FILE",
    help: "the collector's YAML config (default /etc/tracehound/collector.yaml)"
)
let defaultConfigPath = "/etc/tracehound/collector.yaml"

let program = Program(
    name: "tracehound-collector",
    summary: "the central store that tracehound daemons forward segments to",
    version: TracehoundVersion.current,
    commands: [
        Command(
            name: "serve",
            summary: "accept batches over HTTP and store them (SQLite or PostgreSQL)",
            synopsis: "[--config FILE] [--log-level LEVEL] [--log-format auto|logfmt|json|journal]",
            flags: [configFlag] + LoggingFlags.flags,
            run: { arguments, context in
                let path = arguments.value("config") ?? defaultConfigPath
                let logger = try LoggingFlags.logger(arguments, identifier: "tracehound-collector", context: context)
                guard let config = ConfigCommands.loadCollectorConfig(path, context: context) else {
                    return .failure
                }
                logger.info("config loaded", [("config", path), ("listen", "\(config.listen)")])
                logger.error("the collector server is not built yet (issue 5); exiting", [("config", path)])
                return .failure
            }
        ),
        ConfigCommands.checkCommand(
            summary: "validate a collector config and print it resolved",
            configFlag: configFlag,
            reference: CollectorConfig.reference,
            render: { path, context in ConfigCommands.loadCollectorConfig(path, context: context)?.renderResolved() },
            defaultPath: defaultConfigPath
        ),
        Command(
            name: "query",
            summary: "list stored segments",
            synopsis:
                "--store URL [--host H] [--rule R] [--category C] [--since D] [--min-score N] [--json]",
            flags: [
                Flag("store", value: "URL", help: "sqlite:///path or postgresql://..."),
                Flag("host", value: "H", help: "only segments from this host"),
                Flag("rule", value: "R", help: "only segments with a hit of this rule"),
                Flag("category", value: "C", help: "only segments with a hit of this category"),
                Flag("since", value: "D", help: "only segments stored within this duration (e.g. 24h)"),
                Flag("min-score", value: "N", help: "only segments scoring at least N"),
                Flag("json", help: "print NDJSON segments"),
            ],
            run: { _, context in
                context.errors.write("\(context.programName): query is not built yet (issue 5).\n")
                return .failure
            }
        ),
    ]
)

exit(program.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment).rawValue)
