// The pipeline's last stage: the forwarder (TracehoundForward) delivering the spool's batches to the collector.
// TracehoundForward does not know the spool (dependencies point one way); `SpoolForwardQueue` adapts it here.
//
// Lifetime. The stage starts with the pipeline and runs beside it. When the pipeline stops (SIGTERM) or, with
// `run --once`, when every source has reached the end of its files, the sources' last segments are committed
// first; then the stage drains: it keeps delivering until the spool has no pending batch or `shutdown_timeout`
// passes, and stops. What is left stays in the spool for the next start. With `sink: none` there is no stage.
import TracehoundCLI
import TracehoundConfig
import TracehoundForward
import TracehoundSpool

/// The spool as the forwarder's queue.
final class SpoolForwardQueue: ForwardQueue {
    let spool: Spool

    init(spool: Spool) {
        self.spool = spool
    }

    func nextBatch(after sequence: UInt64?) throws -> ForwardBatch? {
        do {
            return try spool.nextBatch(after: sequence).map {
                ForwardBatch(id: $0.id, sequence: $0.sequence, payload: $0.payload)
            }
        } catch SpoolError.corruptRecord(let file, let offset, let reason) {
            // The error names the record by place; the forwarder dead-letters by id.
            guard let batch = spool.pendingBatches().first(where: { $0.file == file && $0.offset == offset }) else {
                throw SpoolError.corruptRecord(file: file, offset: offset, reason: reason)
            }
            throw UnreadableBatch(
                batchID: batch.id,
                sequence: batch.sequence,
                reason: "corrupt record in \(file) at \(offset): \(reason)"
            )
        }
    }

    func waitForBatch(after sequence: UInt64?, timeout: Duration) -> Bool {
        spool.waitForBatch(after: sequence, timeout: timeout)
    }

    func acknowledge(batchID: String) throws {
        // false: no longer pending (dropped by drop_oldest meanwhile); nothing left to do.
        _ = try spool.acknowledge(batchID: batchID)
    }

    func deadLetter(batchID: String, reason: String) throws {
        _ = try spool.deadLetter(batchID: batchID, reason: reason)
    }

    var pendingBatchCount: Int { spool.statistics.pendingBatches }
}

/// The forwarder over the pipeline's spool, logging through `ForwarderLogEvents`.
final class ForwarderStage: Sendable {
    let forwarder: Forwarder

    /// Reads the token file and sets up the HTTP clients; a missing token file stops the daemon at start.
    init(sink: SinkConfig, spool: Spool, logger: Logger, timing: ForwarderTiming = ForwarderTiming()) throws {
        forwarder = try Forwarder(
            config: sink,
            queue: SpoolForwardQueue(spool: spool),
            events: ForwarderLogEvents(logger: logger),
            timing: timing
        )
    }

    func start() { forwarder.start() }

    /// Delivers until the spool has no pending batch or `timeout` passes, then stops; returns what is left.
    func drain(timeout: Duration) -> Int { forwarder.drain(timeout: timeout) }

    func stop() { forwarder.stop() }

    func reloadCredentials() { forwarder.reloadCredentials() }

    var statistics: ForwarderStatistics { forwarder.statistics }
}
