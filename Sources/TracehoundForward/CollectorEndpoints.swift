// The collector URLs the workers share: which one is in use, failover to the next on trouble, the return to the
// first, and each URL's Retry-After gate. One small lock; nothing here blocks.
import Foundation

/// Where the next request goes.
struct CollectorEndpoint: Sendable, Equatable {
    var index: Int
    var url: String
    /// Not before this instant: a Retry-After from this URL, for every worker that uses it.
    var notBefore: ContinuousClock.Instant?
}

final class CollectorEndpoints: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    let urls: [String]
    /// How long requests stay on a later URL before the first is tried again.
    let failbackAfter: Duration
    private let lock = NSLock()
    private var active = 0
    /// When requests left the first URL; nil while on it.
    private var leftFirst: ContinuousClock.Instant?
    private var gates: [ContinuousClock.Instant?]

    init(urls: [String], failbackAfter: Duration) {
        self.urls = urls
        self.failbackAfter = failbackAfter
        gates = Array(repeating: nil, count: urls.count)
    }

    /// The URL to use now; `returnedFrom` names the URL left when this call moved back to the first one.
    func current(now: ContinuousClock.Instant = .now) -> (endpoint: CollectorEndpoint, returnedFrom: String?) {
        lock.withLock {
            var returnedFrom: String?
            if active != 0, let left = leftFirst, now - left >= failbackAfter, !isGated(0, now) {
                returnedFrom = urls[active]
                active = 0
                leftFirst = nil
            }
            return (CollectorEndpoint(index: active, url: urls[active], notBefore: gates[active]), returnedFrom)
        }
    }

    /// The index in use now, without moving back to the first URL.
    var activeIndex: Int { lock.withLock { active } }

    /// A transport error or 5xx from `index`: move to the next URL (round robin), unless another worker already
    /// moved away from it. Returns the URL now in use when this call moved.
    func failOver(from index: Int, now: ContinuousClock.Instant = .now) -> String? {
        lock.withLock {
            guard urls.count > 1, index == active else { return nil }
            active = (active + 1) % urls.count
            if active == 0 {
                leftFirst = nil  // every URL failed in turn: the first is as good as any
            } else if leftFirst == nil {
                leftFirst = now
            }
            return urls[active]
        }
    }

    /// Honours a Retry-After from `index`: no worker sends there before `until`.
    func block(_ index: Int, until: ContinuousClock.Instant) {
        lock.withLock { gates[index] = max(gates[index] ?? until, until) }
    }

    private func isGated(_ index: Int, _ now: ContinuousClock.Instant) -> Bool {
        gates[index].map { $0 > now } ?? false
    }
}
