// The library modules report events; the daemon turns them into log lines (once per condition where they can
// repeat) and counters. Nothing is lost silently: every drop or skip is counted and logged with its reason.
import Synchronization
import TracehoundCLI
import TracehoundConfig
import TracehoundForward
import TracehoundPosix
import TracehoundSources
import TracehoundSpool

final class FileSourceLogEvents: FileSourceInternalEvents, @unchecked Sendable {
    let logger: Logger
    let counters: AgentCounters
    let source: String

    init(logger: Logger, counters: AgentCounters, source: String) {
        self.logger = logger
        self.counters = counters
        self.source = source
    }

    func fileAdded(path: String, key: String, offset: Int64) {
        logger.info("tailing file", [("source", source), ("path", path), ("offset", "\(offset)")])
    }
    func fileResumed(path: String, key: String, offset: Int64) {
        logger.info("resuming file", [("source", source), ("path", path), ("offset", "\(offset)")])
    }
    func checkpointDiscarded(path: String, key: String, offset: Int64, reason: String) {
        logger.notice(
            "checkpoint no longer fits the file; reading it from the start",
            [("source", source), ("path", path), ("offset", "\(offset)"), ("reason", reason)]
        )
    }
    func fileRotated(path: String, key: String, unreadBytes: Int64) {
        logger.info("file rotated; draining it", [("path", path), ("unread_bytes", "\(unreadBytes)")])
    }
    func fileTruncated(path: String, key: String, previousOffset: Int64) {
        logger.notice("file truncated; reading it from the start", [("path", path), ("offset", "\(previousOffset)")])
    }
    func fileDeleted(path: String, key: String, unreadBytes: Int64) {
        logger.info("file deleted; draining it", [("path", path), ("unread_bytes", "\(unreadBytes)")])
    }
    func fileVanished(path: String, key: String, offset: Int64) {
        logger.warning(
            "file vanished while closed; its unread bytes are lost",
            [("path", path), ("offset", "\(offset)")]
        )
    }
    func fileUnreadable(path: String, reason: Errno) {
        logger.once("unreadable:\(path)", .warning, "cannot read file", [("path", path), ("error", "\(reason)")])
    }
    func directoryUnreadable(path: String, reason: Errno) {
        logger.once("unreadable-dir:\(path)", .warning, "cannot read folder", [("path", path), ("error", "\(reason)")])
    }
    func watchFailed(path: String, reason: Errno) {
        logger.once(
            "watch:\(path)",
            .warning,
            "inotify watch refused; folder covered by rescans only",
            [("path", path), ("error", "\(reason)")]
        )
    }
    func tooManyFiles(tracked: Int, limit: Int) {
        logger.once(
            "too-many-files:\(source)",
            .notice,
            "more files than max_open_files; idle files are closed and reopened",
            [("tracked", "\(tracked)"), ("limit", "\(limit)")]
        )
    }
    func nulRunSkipped(path: String, offset: Int64, bytes: Int64) {
        counters.nulBytesSkipped.add(Int(bytes), ordering: .relaxed)
        logger.once(
            "nul:\(path)",
            .notice,
            "skipped NUL bytes a stale writer left after truncation",
            [("path", path), ("offset", "\(offset)"), ("bytes", "\(bytes)")]
        )
    }
    func eventQueueOverflowed() {
        logger.notice("inotify queue overflowed; rescanning", [("source", source)])
    }
}

struct SpoolLogEvents: SpoolEvents {
    let logger: Logger
    let counters: AgentCounters

    func recoveredTornTail(file: String, bytes: Int64, reason: String) {
        logger.warning(
            "spool: cut a torn record off the end",
            [("file", file), ("bytes", "\(bytes)"), ("reason", reason)]
        )
    }
    func quarantined(file: String, reason: String, lostBatches: Int) {
        counters.spoolQuarantinedFiles.add(1, ordering: .relaxed)
        logger.error(
            "spool: corrupt file quarantined; the rest recovered",
            [("file", file), ("reason", reason), ("lost_batches", "\(lostBatches)")]
        )
    }
    func recovered(files: Int, pendingBatches: Int, bytes: Int64) {
        logger.info(
            "spool recovered",
            [("files", "\(files)"), ("pending_batches", "\(pendingBatches)"), ("bytes", "\(bytes)")]
        )
    }
    func droppedOldest(batchID: String, bytes: Int) {
        counters.spoolDroppedBatches.add(1, ordering: .relaxed)
        logger.warning(
            "spool full: dropped the oldest batch (when_full: drop_oldest)",
            [("batch", batchID), ("bytes", "\(bytes)")]
        )
    }
    func deadLettered(batchID: String, file: String, reason: String) {
        logger.error("batch moved to dead letters", [("batch", batchID), ("file", file), ("reason", reason)])
    }
    func housekeepingFailed(_ error: Errno) {
        logger.once("spool-housekeeping", .warning, "spool housekeeping failed; will retry", [("error", "\(error)")])
    }
}

/// The forwarder's events as log lines. The forwarder reports failures once per streak; failovers, which can
/// repeat within a streak when every URL is down, are logged once per streak here.
final class ForwarderLogEvents: ForwarderEvents {
    let logger: Logger
    private let failoverLogged = Mutex<Bool>(false)

    init(logger: Logger) {
        self.logger = logger
    }

    func started(urls: [String], inFlight: Int) {
        logger.info(
            "forwarding to the collector",
            [("urls", urls.joined(separator: ",")), ("in_flight", "\(inFlight)")]
        )
    }
    func insecureTLS(urls: [String]) {
        logger.warning(
            "sink.tls_insecure_skip_verify is on: the collector's certificate is not verified",
            [("urls", urls.joined(separator: ","))]
        )
    }
    func failureStreakStarted(url: String, retry: ForwarderRetry, retryIn: Duration) {
        logger.warning(
            "delivery failing; retrying with backoff until it succeeds",
            [("url", url), ("error", retry.message), ("retry_in", DurationSyntax.format(retryIn))]
        )
    }
    func credentialsRejected(url: String, retry: ForwarderRetry, retryIn: Duration) {
        logger.error(
            "the collector refused our credentials; check sink.token_file or the client certificate; retrying",
            [("url", url), ("error", retry.message), ("retry_in", DurationSyntax.format(retryIn))]
        )
    }
    func failureStreakEnded(url: String, failures: Int, duration: Duration) {
        failoverLogged.withLock { $0 = false }
        logger.info(
            "delivery recovered",
            [("url", url), ("failed_attempts", "\(failures)"), ("after", DurationSyntax.format(duration))]
        )
    }
    func failedOver(from: String, to: String, reason: String) {
        let first = failoverLogged.withLock { logged in
            defer { logged = true }
            return !logged
        }
        if first {
            logger.notice("failing over to the next collector URL", [("from", from), ("to", to), ("error", reason)])
        }
    }
    func returnedToFirstURL(_ url: String, from: String) {
        logger.info("trying the first collector URL again", [("url", url), ("from", from)])
    }
    func deadLettered(batchID: String, url: String, status: Int, reason: String) {
        // The spool logs the move with the file it went to; this line only adds the status for debugging.
        logger.debug("collector refused a batch for good", [("batch", batchID), ("status", "\(status)"), ("url", url)])
    }
    func unreadableBatch(batchID: String, reason: String) {
        logger.debug("spooled batch unreadable; dead-lettering it", [("batch", batchID), ("reason", reason)])
    }
    func queueFailed(operation: String, batchID: String?, error: String) {
        logger.error(
            "spool \(operation) failed; retrying",
            [("operation", operation), ("batch", batchID ?? "-"), ("error", error)]
        )
    }
    func credentialsReloaded(file: String) {
        logger.info("token reloaded", [("file", file)])
    }
    func credentialsReloadFailed(file: String, reason: String) {
        logger.warning("cannot reload the token; keeping the old one", [("file", file), ("error", reason)])
    }
    func stopped(statistics: ForwarderStatistics) {
        logger.info(
            "forwarder stopped",
            [
                ("sent", "\(statistics.batchesSent)"), ("acknowledged", "\(statistics.batchesAcknowledged)"),
                ("retried", "\(statistics.batchesRetried)"), ("dead_lettered", "\(statistics.batchesDeadLettered)"),
                ("bytes", "\(statistics.bytesSent)"),
            ]
        )
    }
}
