// The library modules report events; the daemon turns them into log lines (once per condition where they can
// repeat) and counters. Nothing is lost silently: every drop or skip is counted and logged with its reason.
import TracehoundCLI
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
