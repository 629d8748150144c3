// The daemon's counters: what it read, matched, dropped and committed. Shared by every thread (atomics); the
// metrics endpoint (issue 7) and the status line read them.
import Synchronization

final class AgentCounters: Sendable {
    let bytesRead = Atomic<Int>(0)
    let linesRead = Atomic<Int>(0)
    let hits = Atomic<Int>(0)
    let segments = Atomic<Int>(0)
    let batches = Atomic<Int>(0)
    let batchBytes = Atomic<Int>(0)
    let truncatedLines = Atomic<Int>(0)
    let streamsStarted = Atomic<Int>(0)
    let streamsEnded = Atomic<Int>(0)
    let nulBytesSkipped = Atomic<Int>(0)
    let spoolDroppedBatches = Atomic<Int>(0)
    let spoolQuarantinedFiles = Atomic<Int>(0)
    let spoolFullWaits = Atomic<Int>(0)

    func batchCommitted(segments count: Int, bytes: Int) {
        batches.add(1, ordering: .relaxed)
        segments.add(count, ordering: .relaxed)
        batchBytes.add(bytes, ordering: .relaxed)
    }

    /// A one-line summary for logs and sd_notify STATUS=.
    var summary: [(String, String)] {
        [
            ("bytes", "\(bytesRead.load(ordering: .relaxed))"),
            ("lines", "\(linesRead.load(ordering: .relaxed))"),
            ("hits", "\(hits.load(ordering: .relaxed))"),
            ("segments", "\(segments.load(ordering: .relaxed))"),
            ("batches", "\(batches.load(ordering: .relaxed))"),
        ]
    }
}
