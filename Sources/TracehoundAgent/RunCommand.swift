// `tracehound run`: load the config, build the detection stage, start the pipeline, stop it gracefully on SIGTERM
// or SIGINT (a second signal exits at once: the spool is consistent at every instant).
import Dispatch
import Foundation
public import TracehoundCLI
public import TracehoundConfig
import TracehoundSystemd

public enum RunCommand {
    public static func run(config: DaemonConfig, logger: Logger, once: Bool = false) throws -> ExitCode {
        let host = try config.resolvedHostID()
        let detection = try Detection.load(config: config)
        logger.info(
            "rules loaded",
            [("rules", "\(detection.engine.rules.count)"), ("patterns", "\(detection.engine.patternCount)")]
        )
        let pipeline = try AgentPipeline(config: config, detection: detection, host: host, logger: logger)
        let signals = SignalHandling(logger: logger) { pipeline.stop() }
        signals.install()
        pipeline.start(once: once)
        _ = try? SystemdNotifier().ready(status: "running")
        try pipeline.wait()
        return .success
    }
}

/// SIGTERM and SIGINT through dispatch sources: the first starts a graceful stop, the second exits at once.
final class SignalHandling: @unchecked Sendable {
    private let logger: Logger
    private let onStop: @Sendable () -> Void
    private var sources: [any DispatchSourceSignal] = []
    private let received = NSLock()
    private var count = 0

    init(logger: Logger, onStop: @escaping @Sendable () -> Void) {
        self.logger = logger
        self.onStop = onStop
    }

    func install() {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in handle(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    private func handle(_ signalNumber: Int32) {
        let seen = received.withLock {
            count += 1
            return count
        }
        if seen > 1 {
            logger.warning("second signal: exiting now; the spool is consistent", [("signal", "\(signalNumber)")])
            exit(1)
        }
        logger.info("stopping: closing open segments and committing the spool", [("signal", "\(signalNumber)")])
        onStop()
    }
}
