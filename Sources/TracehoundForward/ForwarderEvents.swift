// What the forwarder reports instead of logging, and the counters it keeps. Events that could repeat per retry
// are reported once per streak: a failure streak starts with the first failed attempt after an answer and ends
// with the next answer (a 2xx or a refusal), so a collector that is down for an hour gives two events, not
// thousands. The daemon turns events into log lines; the statistics feed its metrics.

/// Counters since the forwarder was created. Read them with `Forwarder.statistics`.
public struct ForwarderStatistics: Sendable, Equatable {
    /// Requests made: every attempt, retries included.
    public var batchesSent = 0
    /// Batches the collector stored and the queue recorded as acknowledged.
    public var batchesAcknowledged = 0
    /// Attempts that ended in a decision to retry.
    public var batchesRetried = 0
    /// Batches moved to the dead letters: refused for good, or unreadable in the queue.
    public var batchesDeadLettered = 0
    /// Payload bytes of every request made.
    public var bytesSent: Int64 = 0
    /// The most recent failure (a retry's message or a queue error); nil until the first.
    public var lastError: String?
    /// Failed attempts since the last answer; 0 while delivery is healthy.
    public var consecutiveFailures = 0
    /// Batches being delivered (sent or waiting to be retried) right now.
    public var inFlight = 0

    public init() {}
}

/// The forwarder's events. Called synchronously on a forwarder thread, never with a forwarder lock held.
public protocol ForwarderEvents: Sendable {
    /// The workers started.
    func started(urls: [String], inFlight: Int)
    /// `tls_insecure_skip_verify` is on: the collector's certificate is not checked. Reported at start.
    func insecureTLS(urls: [String])
    /// The first failed attempt after an answer (not for 401/403, which report `credentialsRejected`).
    func failureStreakStarted(url: String, retry: ForwarderRetry, retryIn: Duration)
    /// The first 401 or 403 since the last accepted answer: the token or the client certificate is wrong.
    func credentialsRejected(url: String, retry: ForwarderRetry, retryIn: Duration)
    /// An answer after a failure streak of `failures` attempts that lasted `duration`.
    func failureStreakEnded(url: String, failures: Int, duration: Duration)
    /// Requests now go to `to`: `from` failed with a transport error or 5xx.
    func failedOver(from: String, to: String, reason: String)
    /// Requests go back to the first URL after `failbackAfter` on another one.
    func returnedToFirstURL(_ url: String, from: String)
    /// The collector refused a batch for good; it was moved to the dead letters.
    func deadLettered(batchID: String, url: String, status: Int, reason: String)
    /// The queue could not read a batch back; it was moved to the dead letters.
    func unreadableBatch(batchID: String, reason: String)
    /// Reading, acknowledging or dead-lettering in the queue failed; retried with backoff. Once per streak.
    func queueFailed(operation: String, batchID: String?, error: String)
    /// `reloadCredentials()` read a new token.
    func credentialsReloaded(file: String)
    /// `reloadCredentials()` could not read the token file; the old token stays in use.
    func credentialsReloadFailed(file: String, reason: String)
    /// `stop()` finished: every worker has ended.
    func stopped(statistics: ForwarderStatistics)
}

extension ForwarderEvents {
    public func started(urls: [String], inFlight: Int) {}
    public func insecureTLS(urls: [String]) {}
    public func failureStreakStarted(url: String, retry: ForwarderRetry, retryIn: Duration) {}
    public func credentialsRejected(url: String, retry: ForwarderRetry, retryIn: Duration) {}
    public func failureStreakEnded(url: String, failures: Int, duration: Duration) {}
    public func failedOver(from: String, to: String, reason: String) {}
    public func returnedToFirstURL(_ url: String, from: String) {}
    public func deadLettered(batchID: String, url: String, status: Int, reason: String) {}
    public func unreadableBatch(batchID: String, reason: String) {}
    public func queueFailed(operation: String, batchID: String?, error: String) {}
    public func credentialsReloaded(file: String) {}
    public func credentialsReloadFailed(file: String, reason: String) {}
    public func stopped(statistics: ForwarderStatistics) {}
}

/// Events nobody listens to.
public struct IgnoredForwarderEvents: ForwarderEvents {
    public init() {}
}
