// The batch thread: segments from every source become batches (closed by `batch.max_bytes` or `batch.max_wait`),
// each appended to the spool together with the checkpoints it makes durable, and committed (one fsync covers the
// segments and the positions, DESIGN.md §3.3). Checkpoints of quiet streams are committed on their own every
// `positionInterval`, so a restart does not re-read hours of quiet transcript.
import Foundation
import Synchronization
import TracehoundCLI
import TracehoundCore
import TracehoundSpool

/// The pipeline stopped while a batch waited for spool space.
struct PipelineStopped: Error, CustomStringConvertible {
    var description: String { "stopped while waiting for spool space; the batch will be read again on restart" }
}

final class BatchStage: @unchecked Sendable {
    private let spool: Spool
    private let handoff: Handoff
    private let maxWait: Duration
    private let positionInterval: Duration
    private var builder: BatchBuilder
    private var pendingCheckpoints: [String: StreamCheckpoint] = [:]
    private var forgotten: [String] = []
    private let counters: AgentCounters
    /// How often a batch carries the per-rule counters and a heartbeat, even when no segment was found: the
    /// centre tells a quiet host from a dead one.
    private let heartbeatInterval: Duration
    /// Set by the pipeline's stop: a wait for spool space gives up (the batch's checkpoints were never
    /// committed, so a restart reads its records again).
    let stopping = Atomic<Bool>(false)

    init(
        spool: Spool,
        handoff: Handoff,
        host: String,
        maxBytes: Int,
        maxWait: Duration,
        counters: AgentCounters,
        heartbeatInterval: Duration = .seconds(60)
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.spool = spool
        self.handoff = handoff
        self.maxWait = maxWait
        self.counters = counters
        positionInterval = .seconds(5)
        builder = BatchBuilder(host: host, maxBytes: maxBytes)
    }

    /// Runs until the hand-off is closed and drained; everything taken is committed before it returns.
    func run() throws {
        // The first batch announces the start: a heartbeat, committed after max_wait like any batch.
        addHeartbeat()
        var batchOpened: Date? = Date()
        var lastPositions = Date()
        var lastHeartbeat = Date()
        while true {
            let now = Date()
            let waitUntil =
                batchOpened.map { $0.addingTimeInterval(maxWait.seconds) }
                ?? now.addingTimeInterval(positionInterval.seconds)
            let items = handoff.takeAll(until: waitUntil)
            for item in items {
                switch item {
                case .output(let segments, let checkpoint):
                    for segment in segments {
                        if batchOpened == nil { batchOpened = Date() }
                        builder.add(segment)
                    }
                    if let checkpoint { pendingCheckpoints[checkpoint.key] = checkpoint }
                    if builder.isFull {
                        try closeBatch()
                        batchOpened = nil
                    }
                case .forget(let key):
                    pendingCheckpoints[key] = nil
                    forgotten.append(key)
                }
            }
            let drained = handoff.isClosedAndEmpty
            if Date().timeIntervalSince(lastHeartbeat) >= heartbeatInterval.seconds || drained {
                addHeartbeat()
                lastHeartbeat = Date()
                try closeBatch()
                batchOpened = nil
            }
            if let opened = batchOpened, drained || Date().timeIntervalSince(opened) >= maxWait.seconds {
                try closeBatch()
                batchOpened = nil
            }
            let positionsDue = Date().timeIntervalSince(lastPositions) >= positionInterval.seconds
            if (!pendingCheckpoints.isEmpty || !forgotten.isEmpty) && (positionsDue || drained) {
                // A checkpoint may cover segments still in the open batch: those must reach the spool with it
                // or before it, never after.
                if !builder.isEmpty {
                    try closeBatch()
                    batchOpened = nil
                }
                if !pendingCheckpoints.isEmpty || !forgotten.isEmpty {
                    try spool.appendPositions(Array(pendingCheckpoints.values), forgetting: forgotten)
                    try spool.commit()
                    pendingCheckpoints.removeAll()
                    forgotten.removeAll()
                }
                lastPositions = Date()
            }
            if drained { return }
        }
    }

    /// The counters since the last heartbeat and a heartbeat line, into the open batch.
    private func addHeartbeat() {
        let taken = counters.takeCounters()
        builder.addCounters(taken.hits, records: taken.records, bytes: taken.bytes)
        builder.addHeartbeat(version: TracehoundVersion.current)
    }

    private func closeBatch() throws {
        guard !builder.isEmpty else { return }
        let segments = builder.segmentCount
        let batch = try builder.finish()
        // The checkpoints taken so far are covered by this batch: their streams' segments are in it or earlier.
        let checkpoints = Array(pendingCheckpoints.values)
        while true {
            do {
                try spool.append(batchID: batch.id, payload: batch.frame, checkpoints: checkpoints)
                break
            } catch SpoolError.full {
                // `when_full: block`: wait for acknowledgements to free space. Meanwhile the hand-off fills and the
                // sources stop reading; their files keep the data. Nothing is dropped.
                try spool.commit()
                counters.spoolFullWaits.add(1, ordering: .relaxed)
                let needed = Spool.recordBytes(
                    batchID: batch.id,
                    payloadBytes: batch.frame.count,
                    checkpoints: checkpoints
                )
                while !spool.waitForSpace(bytes: needed, timeout: .seconds(1)) {
                    if stopping.load(ordering: .relaxed) { throw PipelineStopped() }
                }
            }
        }
        try spool.commit()
        pendingCheckpoints.removeAll()
        counters.batchCommitted(segments: segments, bytes: batch.frame.count)
    }
}
