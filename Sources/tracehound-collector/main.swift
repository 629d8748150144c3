// tracehound-collector: the central store's server and its query command. Commands are declared here; their work
// lives in the library modules (see docs/ARCHITECTURE.md).
import Foundation
import TracehoundCLI
import TracehoundCollector
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
                logger.info("config loaded", [("config", path)])
                return ServeCommand.run(config: config, logger: logger)
            }
        ),
        ConfigCommands.checkCommand(
            summary: "validate a collector config and print it resolved",
            configFlag: configFlag,
            reference: CollectorConfig.reference,
            render: { path, context in ConfigCommands.loadCollectorConfig(path, context: context)?.renderResolved() },
            defaultPath: defaultConfigPath
        ),
        QueryCommand.command(),
    ]
)

exit(program.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment).rawValue)
