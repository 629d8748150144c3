// `limits.batches_per_host_per_minute`: one token bucket per agent, so a host that floods (a rule that fires on
// every line, a replay of a huge spool) cannot take the store from the rest of the fleet. A batch over the rate is
// answered 429 with Retry-After: the seconds until the bucket holds a token again; the agent waits that long,
// keeps the batch in its spool and loses nothing. The bucket holds ten seconds' worth of batches (at least one),
// so a host catching up after a short outage is not refused at once.
//
// An agent is its credential's host, or, for a token without a host, the client's address. Buckets idle for a
// while are forgotten, so memory follows the hosts active in the last minutes.
import Foundation
import Synchronization
import TracehoundCore

final class HostRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let perSecond: Double
    private let capacity: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    /// nil when `batchesPerMinute` is 0: no limit.
    init?(batchesPerMinute: Int) {
        guard batchesPerMinute > 0 else { return nil }
        perSecond = Double(batchesPerMinute) / 60
        capacity = max(1, perSecond * 10)
    }

    /// Takes a token for `agent`; when there is none, the whole seconds until there will be one.
    func admit(_ agent: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            if buckets.count > 10_000 { forgetIdle(&buckets, now: now) }
            var bucket = buckets[agent] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = (now - bucket.updated).seconds
            bucket.tokens = min(capacity, bucket.tokens + elapsed * perSecond)
            bucket.updated = now
            defer { buckets[agent] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    /// Drops buckets that have refilled completely: they hold nothing a fresh bucket would not.
    private func forgetIdle(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = capacity / perSecond
        buckets = buckets.filter { (now - $0.value.updated).seconds < refill }
    }
}
