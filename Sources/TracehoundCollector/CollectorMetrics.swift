// The collector's counters, served by GET /metrics in the Prometheus text format (version 0.0.4).
import Synchronization

/// The routes requests are counted under; anything else is `other`, so a scan of random paths cannot grow the
/// number of series.
public enum CollectorRoute: String, Sendable, CaseIterable {
    case batches = "/v1/batches"
    case segments = "/v1/segments"
    case stats = "/v1/stats"
    case healthz = "/healthz"
    case metrics = "/metrics"
    case other

    init(path: String) {
        // A path always starts with "/", so it never names `other` itself.
        self = CollectorRoute(rawValue: path) ?? .other
    }
}

/// Why a request was refused, as counted by `tracehound_collector_rejections_total{reason=…}`.
public enum RejectionReason: String, Sendable, CaseIterable {
    case unauthenticated
    case forbidden
    case missingBatchID = "missing_batch_id"
    case unsupportedEncoding = "unsupported_encoding"
    case decodedTooLarge = "decoded_too_large"
    case corruptFrame = "corrupt_frame"
    case invalidLine = "invalid_line"
    case badRequest = "bad_request"
    case storeUnavailable = "store_unavailable"
    case busy
    case rateLimited = "rate_limited"
    case shuttingDown = "shutting_down"
}

/// Counters shared by every server thread.
public final class CollectorMetrics: Sendable {
    private struct Counts {
        var requests: [String: Int] = [:]
        var batchesStored = 0
        var batchesReplayed = 0
        var segmentsStored = 0
        var segmentsDuplicate = 0
        var decodedBytes = 0
        var rejections: [RejectionReason: Int] = [:]
    }

    private let counts = Mutex(Counts())

    init() {}

    func answered(_ route: CollectorRoute, status: Int) {
        let key = "route=\"\(route.rawValue)\",status=\"\(status)\""
        counts.withLock { $0.requests[key, default: 0] += 1 }
    }

    func ingested(_ result: IngestResult, decodedBytes: Int) {
        counts.withLock {
            if result.replayedBatch { $0.batchesReplayed += 1 } else { $0.batchesStored += 1 }
            $0.segmentsStored += result.stored
            $0.segmentsDuplicate += result.duplicates
            $0.decodedBytes += decodedBytes
        }
    }

    func rejected(_ reason: RejectionReason) {
        counts.withLock { $0.rejections[reason, default: 0] += 1 }
    }

    /// The count of requests answered on `route` with `status` (for tests and the serve command's summary).
    public func requests(_ route: CollectorRoute, status: Int) -> Int {
        counts.withLock { $0.requests["route=\"\(route.rawValue)\",status=\"\(status)\"", default: 0] }
    }

    /// The count of requests refused for `reason`.
    public func rejections(_ reason: RejectionReason) -> Int {
        counts.withLock { $0.rejections[reason, default: 0] }
    }

    /// Every metric in the Prometheus text format; `feedWaiters` is the gauge of waiting feed requests.
    public func render(feedWaiters: Int) -> String {
        let snapshot = counts.withLock { $0 }
        var text = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                text +=
                    sample.labels.isEmpty ? "\(name) \(sample.value)\n" : "\(name){\(sample.labels)} \(sample.value)\n"
            }
        }
        family(
            "tracehound_collector_requests_total",
            "counter",
            "HTTP requests answered, by route and status (413 for bodies over max_body_bytes is the server's own).",
            snapshot.requests.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        )
        family(
            "tracehound_collector_batches_total",
            "counter",
            "Batches acknowledged: stored (a new batch id) or replayed (an id seen before, answered again).",
            [("result=\"stored\"", snapshot.batchesStored), ("result=\"replayed\"", snapshot.batchesReplayed)]
        )
        family(
            "tracehound_collector_segments_total",
            "counter",
            "Segments received in acknowledged batches: stored, or duplicate (their id was already stored).",
            [("result=\"stored\"", snapshot.segmentsStored), ("result=\"duplicate\"", snapshot.segmentsDuplicate)]
        )
        family(
            "tracehound_collector_decoded_bytes_total",
            "counter",
            "NDJSON bytes decoded from acknowledged batches.",
            [("", snapshot.decodedBytes)]
        )
        family(
            "tracehound_collector_rejections_total",
            "counter",
            "Requests refused, by reason.",
            RejectionReason.allCases.map { ("reason=\"\($0.rawValue)\"", snapshot.rejections[$0, default: 0]) }
        )
        family(
            "tracehound_collector_feed_waiters",
            "gauge",
            "Feed requests waiting for new segments (long-polls).",
            [("", feedWaiters)]
        )
        return text
    }
}
