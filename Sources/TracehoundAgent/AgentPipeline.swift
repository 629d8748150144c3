// The daemon's pipeline (`tracehound run`): file sources → decoders → matcher → segmenter → redaction → batcher →
// spool (DESIGN.md §1), on dedicated threads that hand whole segments between stages.
//
// Threads. Each file source has one thread: it polls its FileSource and runs every chunk through its streams'
// StreamScanners in place (the hot path: raw scan of the chunk, decode only what may hit). Segments and the
// streams' durable positions go through a bounded Handoff to the batch thread, which builds LZ4 batches and
// appends each to the spool with the checkpoints it covers, then commits (one fsync for both). When the spool is
// full (`when_full: block`) the batch thread waits in the spool, the hand-off fills, the source threads wait on
// it, and files keep their unread data: nothing is dropped.
//
// Durability. A stream's checkpoint is handed over only after its segments, so it reaches the spool in the same
// record as those segments or a later one; the checkpoint never passes an open segment's first record
// (StreamScanner.durableOffset). After a crash the sources resume from the spool's checkpoints and produce the
// unspooled segments again, with the same ids.
//
// Forwarding. With a sink, ForwarderStage delivers the spool's batches to the collector on its own threads,
// beside the pipeline, from start to stop (ForwarderStage.swift).
//
// Shutdown. `stop()` stops the sources; each source thread closes its open segments and hands over final
// checkpoints; the batch thread commits what it was given and returns. Then `wait()` lets the forwarder drain the
// spool for up to `shutdown_timeout` (also after `--once`) before closing it; undelivered batches stay for the
// next start.
import Foundation
public import TracehoundCLI
public import TracehoundConfig
import TracehoundCore
import TracehoundPosix
import TracehoundSpool

public final class AgentPipeline: @unchecked Sendable {
    private let config: DaemonConfig
    private let logger: Logger
    private let counters = AgentCounters()
    private let handoff = Handoff()
    private let spool: Spool
    private var workers: [FileSourceWorker] = []
    private let batchStage: BatchStage
    private let forwarder: ForwarderStage?
    private let finished = DispatchGroup()
    private let failure = FailureBox()

    /// Opens the data directory and the spool (recovering it) and the sources (resuming from its checkpoints).
    public init(config: DaemonConfig, detection: Detection, host: String, logger: Logger) throws {
        self.config = config
        self.logger = logger
        try FileSystem.makeDirectories(config.dataDir)
        let spool = try Spool.open(
            directory: Spool.directory(inDataDirectory: config.dataDir),
            config: config.spool,
            events: SpoolLogEvents(logger: logger, counters: counters)
        )
        self.spool = spool
        forwarder = try config.sink.map { try ForwarderStage(sink: $0, spool: spool, logger: logger) }
        let checkpoints = Array(spool.checkpoints.values)
        for case .file(let source) in config.sources {
            workers.append(
                try FileSourceWorker(
                    config: source,
                    checkpoints: checkpoints,
                    detection: detection,
                    host: host,
                    handoff: handoff,
                    counters: counters,
                    idleClose: config.segments.idleClose,
                    events: FileSourceLogEvents(logger: logger, counters: counters, source: source.name)
                )
            )
        }
        for case .journald(let source) in config.sources {
            logger.warning("journald sources are not built yet (issue 6); skipping", [("source", source.name)])
        }
        batchStage = BatchStage(
            spool: spool,
            handoff: handoff,
            host: host,
            maxBytes: config.batch.maxBytes,
            maxWait: config.batch.maxWait,
            counters: counters
        )
    }

    /// Starts every thread and returns; `wait()` blocks until they end. With `once`, each source stops by itself
    /// when it has read every file to its end (Filebeat's `--once`): for backfills and benchmarks.
    public func start(once: Bool = false) {
        let sourcesLeft = SourceCount(workers.count)
        if workers.isEmpty { handoff.close() }
        startThread("tracehound-batch") { [batchStage] in
            do {
                try batchStage.run()
            } catch is PipelineStopped {
                // Stopped while the spool was full: what was not committed is read again after a restart.
            }
        } onExit: { [handoff, workers] failed in
            // Without the batch thread nothing can be committed: stop reading and release blocked sources.
            if failed {
                for worker in workers { worker.stop() }
                handoff.close()
            }
        }
        for worker in workers {
            startThread("tracehound-src-\(worker.config.name)") {
                try worker.run(once: once)
            } onExit: { [handoff] _ in
                // The last source to end closes the hand-off, so the batch thread drains it and ends.
                if sourcesLeft.finishOne() { handoff.close() }
            }
        }
        forwarder?.start()
        logger.info("running", [("sources", "\(workers.count)"), ("data_dir", config.dataDir)])
    }

    /// Stops reading; open segments are closed and committed, then the threads end.
    public func stop() {
        for worker in workers { worker.stop() }
        batchStage.stopping.store(true, ordering: .relaxed)
        spool.stopWaiting()
    }

    /// Waits for every thread, then lets the forwarder drain the spool for up to `shutdown_timeout`; throws the
    /// first failure of any thread. Returns how many batches are still undelivered in the spool, nil with
    /// `sink: none`.
    @discardableResult
    public func wait() throws -> Int? {
        finished.wait()
        // Nothing is appended any more: waiters in the spool (the forwarder's idle workers) need not wait.
        spool.stopWaiting()
        let undelivered = forwarder?.drain(timeout: config.shutdownTimeout)
        try spool.close()
        logger.info("stopped", counters.summary + [("undelivered_batches", undelivered.map { "\($0)" } ?? "-")])
        if let error = failure.error { throw error }
        return undelivered
    }

    /// Re-reads the sink's token file (SIGHUP); a bad file keeps the old token and is logged.
    public func reloadCredentials() {
        forwarder?.reloadCredentials()
    }

    private func startThread(
        _ name: String,
        _ body: @escaping @Sendable () throws -> Void,
        onExit: @escaping @Sendable (_ failed: Bool) -> Void
    ) {
        finished.enter()
        let thread = Thread { [failure, logger, finished, workers] in
            var failed = false
            do {
                try body()
            } catch {
                failed = true
                failure.record(error)
                logger.error("stage failed; stopping", [("thread", name), ("error", "\(error)")])
                for worker in workers { worker.stop() }
            }
            onExit(failed)
            finished.leave()
        }
        thread.name = name
        thread.start()
    }
}

/// The first error of any thread.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var first: (any Error)?
    func record(_ error: any Error) { lock.withLock { if first == nil { first = error } } }
    var error: (any Error)? { lock.withLock { first } }
}

/// Counts source threads down; the last one to finish closes the hand-off so the batch thread drains and ends.
final class SourceCount: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    init(_ count: Int) { left = count }
    func finishOne() -> Bool {
        lock.withLock {
            left -= 1
            return left == 0
        }
    }
}
