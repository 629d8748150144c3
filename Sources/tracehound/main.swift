// tracehound: the agent-host daemon and its operator commands. Commands are declared here; their work lives in
// the library modules (see docs/ARCHITECTURE.md).
import Foundation
import TracehoundAgent
import TracehoundCLI
import TracehoundConfig
import TracehoundCore

let configFlag = Flag(
    "config",
    value: "FILE",
    help: "the daemon's YAML config (default /etc/tracehound/tracehound.yaml)"
)
let defaultConfigPath = "/etc/tracehound/tracehound.yaml"

let program = Program(
    name: "tracehound",
    summary: "watch what AI coding agents think and do, and ship the suspicious parts to a central store",
    version: TracehoundVersion.current,
    commands: [
        Command(
            name: "run",
            summary: "run the daemon: tail sources, match rules, spool and forward segments",
            synopsis: "[--config FILE] [--once] [--log-level LEVEL] [--log-format auto|logfmt|json|journal]",
            flags: [configFlag] + LoggingFlags.flags + [
                Flag("once", help: "read every file to its end, commit, and exit (backfills, benchmarks)")
            ],
            run: { arguments, context in
                let path = arguments.value("config") ?? defaultConfigPath
                let logger = try LoggingFlags.logger(arguments, identifier: "tracehound", context: context)
                guard let config = ConfigCommands.loadDaemonConfig(path, context: context) else { return .failure }
                do {
                    return try RunCommand.run(config: config, logger: logger, once: arguments.isSet("once"))
                } catch {
                    logger.error("tracehound run failed", [("error", "\(error)")])
                    return .failure
                }
            }
        ),
        ConfigCommands.checkCommand(
            summary: "validate a config and print it resolved, every key with its effective value",
            configFlag: configFlag,
            reference: DaemonConfig.reference,
            render: { path, context in ConfigCommands.loadDaemonConfig(path, context: context)?.renderResolved() },
            defaultPath: defaultConfigPath
        ),
        Command(
            name: "test-rules",
            summary: "run decoders, rules, segmenter and redaction over files exactly as the daemon would",
            synopsis: "(--config FILE | --rules PATH...) [--format auto|claude-code|codex|jsonl|text] [--json] FILE...",
            flags: [
                configFlag,
                Flag("rules", value: "PATH", repeatable: true, help: "a rules file or rules.d folder"),
                Flag("format", value: "FORMAT", help: "transcript format: auto, claude-code, codex, jsonl or text"),
                Flag("json", help: "print the NDJSON segments that would be shipped"),
            ],
            positional: 1...Int.max,
            details: "Segments go to stdout (NDJSON with --json); the summary goes to stderr.",
            run: { arguments, context in
                let rulePaths = arguments.all("rules")
                let configPath = arguments.value("config")
                guard rulePaths.isEmpty != (configPath == nil) else {
                    throw UsageError("give either --config FILE or --rules PATH...")
                }
                var format = TranscriptFormat.auto
                if let name = arguments.value("format") {
                    guard let parsed = TranscriptFormat(rawValue: name) else {
                        throw UsageError("unknown format '\(name)' (auto, claude-code, codex, jsonl or text)")
                    }
                    format = parsed
                }
                let detection: Detection
                var host = ProcessInfo.processInfo.hostName
                do {
                    if let configPath {
                        guard let config = ConfigCommands.loadDaemonConfig(configPath, context: context) else {
                            return .failure
                        }
                        host = (try? config.resolvedHostID()) ?? host
                        detection = try Detection.load(config: config)
                    } else {
                        detection = try Detection.load(rulePaths: rulePaths)
                    }
                } catch {
                    context.errors.write("\(error)\n")
                    return .failure
                }
                let options = TestRulesOptions(
                    files: arguments.positional,
                    format: format,
                    json: arguments.isSet("json"),
                    colour: !arguments.isSet("json") && context.output.isTerminal,
                    host: host
                )
                _ = try TestRules.run(
                    options,
                    detection: detection,
                    output: context.output,
                    summaryOutput: context.errors
                )
                return .success
            }
        ),
        Command(
            name: "spool",
            summary: "inspect, verify or export the on-disk spool",
            synopsis: "inspect|verify|export --data-dir DIR [--batch ID]",
            flags: [
                Flag("data-dir", value: "DIR", help: "the daemon's data_dir"),
                Flag("batch", value: "ID", help: "export only this batch"),
            ],
            positional: 1...1,
            run: { arguments, context in
                guard let dataDirectory = arguments.value("data-dir") else {
                    throw UsageError("--data-dir is required")
                }
                return try SpoolCommand.run(
                    action: arguments.positional[0],
                    dataDirectory: dataDirectory,
                    batchID: arguments.value("batch"),
                    output: context.output
                )
            }
        ),
    ]
)

exit(program.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment).rawValue)
