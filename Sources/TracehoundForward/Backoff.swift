// Exponential backoff with full jitter (the AWS Architecture Blog's "Exponential Backoff And Jitter"), kept
// between a floor and a ceiling: the n-th consecutive failure waits a uniformly random time in
// [minimum, min(maximum, minimum × 2ⁿ)]. Full jitter spreads the retries of many agents that failed together
// (a collector restart) instead of bringing them back in waves; the floor keeps a flapping collector from being
// hammered; the ceiling bounds how stale a backlog gets once the collector is back.

/// The retry delays of `sink.retry_min` … `sink.retry_max`.
public struct Backoff: Sendable, Equatable {
    public let minimum: Duration
    public let maximum: Duration

    /// `minimum` must be positive and at most `maximum` (the config checks both; this clamps to be safe).
    public init(minimum: Duration, maximum: Duration) {
        let floor = max(minimum, .milliseconds(1))
        self.minimum = floor
        self.maximum = max(maximum, floor)
    }

    /// The largest delay after `failures` consecutive failures (1 for the first): minimum × 2^failures, capped
    /// at `maximum`. Never below `minimum`, never decreasing as failures grow.
    public func ceiling(afterFailures failures: Int) -> Duration {
        let doublings = min(max(failures, 0), 62)
        let floorNanoseconds = Self.nanoseconds(minimum)
        let maximumNanoseconds = Self.nanoseconds(maximum)
        let (scaled, overflow) = floorNanoseconds.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        if overflow || scaled >= maximumNanoseconds { return maximum }
        return .nanoseconds(scaled)
    }

    /// A delay drawn uniformly from [minimum, ceiling(afterFailures: failures)].
    public func delay(afterFailures failures: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let low = Self.nanoseconds(minimum)
        let high = Self.nanoseconds(ceiling(afterFailures: failures))
        guard high > low else { return minimum }
        return .nanoseconds(Int64.random(in: low...high, using: &generator))
    }

    /// A delay drawn with the system's generator.
    public func delay(afterFailures failures: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterFailures: failures, using: &generator)
    }

    /// Whole nanoseconds, saturating at Int64.max (durations here are at most hours).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        return max(0, whole + attoseconds / 1_000_000_000)
    }
}
