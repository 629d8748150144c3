// `tracehound run`: load the config, build the detection stage, start the pipeline, stop it gracefully on SIGTERM
// or SIGINT (a second signal exits at once: the spool is consistent at every instant). SIGHUP re-reads the sink's
// token file.
//
// Exit status. A graceful stop exits 0 even when the forwarder's drain left batches in the spool: the daemon is
// meant to be started again, and they go then. `run --once` is a job that should finish its work: with a sink,
// it exits 1 when batches are still undelivered after `shutdown_timeout` (they stay in the spool); with
// `sink: none` it exits 0 with everything in the spool.
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
        let signals = SignalHandling(logger: logger) {
            pipeline.stop()
        } onReload: {
            pipeline.reloadCredentials()
        }
        signals.install()
        pipeline.start(once: once)
        _ = try? SystemdNotifier().ready(status: "running")
        let undelivered = try pipeline.wait() ?? 0
        if undelivered > 0 {
            let fields = [
                ("batches", "\(undelivered)"), ("shutdown_timeout", DurationSyntax.format(config.shutdownTimeout)),
            ]
            if once {
                logger.error("batches left undelivered in the spool after shutdown_timeout", fields)
                return .failure
            }
            logger.notice("batches left in the spool; they are sent after the next start", fields)
        }
        return .success
    }
}

/// SIGTERM and SIGINT through dispatch sources: the first starts a graceful stop, the second exits at once.
/// SIGHUP calls `onReload`.
final class SignalHandling: @unchecked Sendable {
    private let logger: Logger
    private let onStop: @Sendable () -> Void
    private let onReload: @Sendable () -> Void
    private var sources: [any DispatchSourceSignal] = []
    private let received = NSLock()
    private var count = 0

    init(logger: Logger, onStop: @escaping @Sendable () -> Void, onReload: @escaping @Sendable () -> Void) {
        self.logger = logger
        self.onStop = onStop
        self.onReload = onReload
    }

    func install() {
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler { [logger, onReload] in
            logger.info("SIGHUP: reloading the sink's token file")
            onReload()
        }
        reload.resume()
        sources.append(reload)
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
