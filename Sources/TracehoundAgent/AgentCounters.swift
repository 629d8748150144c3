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

    /// Hits per rule id since the last batch that carried counters.
    private let hitsPerRule = Mutex<[String: Int]>([:])
    /// Records and bytes read since the last batch that carried counters.
    private let sinceLastCounters = Mutex<(records: Int, bytes: Int)>((0, 0))

    func countHits(_ perRule: [String: Int], records: Int, bytes: Int) {
        if !perRule.isEmpty { hitsPerRule.withLock { $0.merge(perRule, uniquingKeysWith: +) } }
        sinceLastCounters.withLock {
            $0.records += records
            $0.bytes += bytes
        }
    }

    /// The per-rule hits, records and bytes since the last call, for the counters line of the next batch.
    func takeCounters() -> (hits: [String: Int], records: Int, bytes: Int) {
        let hits = hitsPerRule.withLock { counts in
            defer { counts.removeAll() }
            return counts
        }
        let totals = sinceLastCounters.withLock { totals in
            defer { totals = (0, 0) }
            return totals
        }
        return (hits, totals.records, totals.bytes)
    }

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
