// The forwarder: takes batches from the write-ahead spool (through `ForwardQueue`), POSTs them to the collector,
// and decides once per answer whether the spool may delete the batch, must keep it for a retry, or moves it to the
// dead letters (ForwarderDecision.swift holds the table).
//
// # Workers
// `sink.in_flight` worker threads (blocking libcurl calls never run on the cooperative pool), each with its own
// HTTPClient, so each keeps one connection alive across batches. A worker takes the next batch in sequence order
// under `takeLock`, which also guards the shared `lastTaken` sequence: the next take asks the queue for the first
// pending batch *after* it, so no batch is ever sent by two workers at once, and batches are sent in order while
// their acknowledgements may complete out of order. A worker keeps its batch until the batch is settled
// (acknowledged or dead-lettered) or the forwarder stops; a retried batch is retried by the worker that holds it.
//
// # The request
// `POST <url>` with the batch payload as it is (one LZ4 frame), `Content-Type: application/x-ndjson`,
// `Content-Encoding: lz4`, `Tracehound-Batch-Id: <id>` (the collector deduplicates by segment id, so a resend
// after a lost answer is harmless) and `Authorization: Bearer <token>` when `token_file` is set.
//
// # Retries
// The n-th consecutive wait of a batch is drawn from [retry_min, min(retry_max, retry_min × 2ⁿ)] (Backoff.swift).
// A Retry-After on 429 or 503 replaces the draw, at least retry_min and at most `retryAfterCap` (10 minutes), and
// gates its URL: no worker sends there before it passes. Failover does not wait: after a transport error or a
// 5xx the request goes at once to the next URL, and only when the batch has failed on every URL since its last
// wait does it back off. 401/403 retry with backoff like 5xx, without failover (the credentials are the same
// for every URL), and are reported loudly, once per streak.
//
// # Several URLs
// Requests go to the first URL. A transport error or 5xx there moves every worker to the next (round robin; a
// worker that fails on a URL another worker already left does not move them again). After `failbackAfter`
// (5 minutes) on a later URL the next request tries the first again, so a repaired primary gets its traffic back
// within minutes while a dead one costs one failed attempt per five minutes.
//
// # Stopping and draining
// `stop()` wakes every waiting worker; a worker in a request finishes it and settles its answer (a 2xx is still
// acknowledged), then ends without taking another batch, so `stop()` returns within the request timeout. A batch
// being retried stays in the queue for the next start. `drain(timeout:)` keeps the workers delivering until the
// queue has no pending batch or the timeout passes, then stops: the agent calls it once its sources have
// committed everything, on SIGTERM and at the end of `run --once`.
//
// # Streaks
// Events that could repeat per attempt are reported once per streak (ForwarderEvents.swift); the counters in
// `ForwarderStatistics` count every attempt.
import Foundation
public import TracehoundConfig

/// Timings that are not in the config: defaults for the daemon, shorter ones for tests.
public struct ForwarderTiming: Sendable {
    /// The longest Retry-After honoured; a longer one is cut to this.
    public var retryAfterCap: Duration = .seconds(600)
    /// How long requests stay on a later URL before the first is tried again.
    public var failbackAfter: Duration = .seconds(300)
    /// How long an idle worker waits in the queue before looking again (bounds `stop()` when the queue does not
    /// wake waiters itself).
    public var idleWait: Duration = .seconds(1)

    public init() {}
}

public final class Forwarder: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `state` (an NSCondition) or, for `lastTaken`, by `takeLock`.
    public let urls: [String]
    public let inFlight: Int
    let queue: any ForwardQueue
    let events: any ForwarderEvents
    let backoff: Backoff
    let timing: ForwarderTiming
    let endpoints: CollectorEndpoints
    let token: BearerToken
    private let clients: [HTTPClient]
    private let insecure: Bool

    let state = NSCondition()
    var stopping = false
    private var started = false
    private var runningWorkers = 0
    var counters = ForwarderStatistics()
    /// Bumped whenever a batch is settled: what `drain` waits on.
    var settledCount = 0
    var streakStarted: ContinuousClock.Instant?
    var credentialsStreak = false
    var queueFailing = false

    private let takeLock = NSLock()
    private var lastTaken: UInt64?

    /// Reads the token file and sets up one HTTP client per worker. Throws `ForwarderError`.
    public init(
        config: SinkConfig,
        queue: any ForwardQueue,
        events: any ForwarderEvents = IgnoredForwarderEvents(),
        timing: ForwarderTiming = ForwarderTiming()
    ) throws {
        guard !config.urls.isEmpty else { throw ForwarderError.noURLs }
        urls = config.urls
        inFlight = max(1, config.inFlight)
        self.queue = queue
        self.events = events
        self.timing = timing
        backoff = Backoff(minimum: config.retryMin, maximum: config.retryMax)
        endpoints = CollectorEndpoints(urls: config.urls, failbackAfter: timing.failbackAfter)
        token = try BearerToken(file: config.tokenFile)
        insecure = config.tlsInsecureSkipVerify
        var options = HTTPClientOptions()
        options.connectTimeout = config.connectTimeout
        options.timeout = config.timeout
        options.caFile = config.caFile
        options.clientCertificateFile = config.certFile
        options.clientKeyFile = config.keyFile
        options.insecureSkipVerify = config.tlsInsecureSkipVerify
        do {
            clients = try (0..<inFlight).map { _ in try HTTPClient(options: options) }
        } catch let error as HTTPClientError {
            throw ForwarderError.client(error)
        }
    }

    /// Starts the workers; a second call does nothing.
    public func start() {
        let first = state.withLock {
            defer { started = true }
            return !started && !stopping
        }
        guard first else { return }
        if insecure { events.insecureTLS(urls: urls) }
        events.started(urls: urls, inFlight: inFlight)
        for (index, client) in clients.enumerated() {
            state.withLock { runningWorkers += 1 }
            let thread = Thread { [self] in
                work(client: client)
                state.withLock {
                    runningWorkers -= 1
                    state.broadcast()
                }
            }
            thread.name = "tracehound-fwd-\(index)"
            thread.start()
        }
    }

    /// Stops taking batches and returns once every worker has ended: a request in progress finishes (bounded by
    /// `sink.timeout`) and its answer is settled; waits end at once. Idempotent.
    public func stop() {
        let first = state.withLock {
            defer { stopping = true }
            state.broadcast()
            return !stopping
        }
        state.withLock {
            while runningWorkers > 0 { state.wait() }
        }
        if first { events.stopped(statistics: statistics) }
    }

    /// Keeps delivering until the queue has no pending batch or `timeout` passes, then stops. Returns how many
    /// batches are still pending (they stay in the queue for the next start).
    @discardableResult
    public func drain(timeout: Duration) -> Int {
        start()
        let deadline = Date().addingTimeInterval(Self.seconds(timeout))
        while true {
            let seen = state.withLock { settledCount }
            if queue.pendingBatchCount == 0 { break }
            let goOn = state.withLock {
                while settledCount == seen && !stopping {
                    if !state.wait(until: deadline) { return false }
                }
                return !stopping
            }
            if !goOn { break }
        }
        stop()
        return queue.pendingBatchCount
    }

    /// Reads `token_file` again. On failure the old token stays in use and `credentialsReloadFailed` says why.
    @discardableResult
    public func reloadCredentials() -> Bool {
        guard let file = token.file else { return true }
        do {
            try token.reload()
            events.credentialsReloaded(file: file)
            return true
        } catch {
            events.credentialsReloadFailed(file: file, reason: error.description)
            return false
        }
    }

    public var statistics: ForwarderStatistics { state.withLock { counters } }

    var isStopping: Bool { state.withLock { stopping } }

    // MARK: Workers

    private func work(client: HTTPClient) {
        var random = SystemRandomNumberGenerator()
        var readFailures = 0
        while !isStopping {
            let batch: ForwardBatch?
            do {
                batch = try take()
                readFailures = 0
                noteQueueRecovered()
            } catch let unreadable as UnreadableBatch {
                events.unreadableBatch(batchID: unreadable.batchID, reason: unreadable.reason)
                settle(unreadable.batchID, deadLetterReason: "unreadable in the spool: \(unreadable.reason)")
                continue
            } catch {
                readFailures += 1
                noteQueueFailed(operation: "read", batchID: nil, error: error)
                _ = pause(for: backoff.delay(afterFailures: readFailures, using: &random))
                continue
            }
            if let batch {
                deliver(batch, client: client, random: &random)
            } else {
                idle()
            }
        }
    }

    /// The next batch after the last one taken, which then becomes the last one taken.
    private func take() throws -> ForwardBatch? {
        try takeLock.withLock {
            do {
                guard let batch = try queue.nextBatch(after: lastTaken) else { return nil }
                lastTaken = max(lastTaken ?? 0, batch.sequence)
                return batch
            } catch let unreadable as UnreadableBatch {
                lastTaken = max(lastTaken ?? 0, unreadable.sequence)
                throw unreadable
            }
        }
    }

    /// Waits for a new batch. A queue that says "none" before the wait is over has stopped waiting for good
    /// (shutdown): the rest of the wait happens here, where `stop()` ends it, so a stopped queue is not spun on.
    private func idle() {
        let began = ContinuousClock.now
        let after = takeLock.withLock { lastTaken }
        if queue.waitForBatch(after: after, timeout: timing.idleWait) { return }
        _ = pause(until: began + timing.idleWait)
    }

    /// Waits until `deadline`; false when the forwarder is stopping (at once, or as soon as `stop()` is called).
    func pause(until deadline: ContinuousClock.Instant) -> Bool {
        state.withLock {
            while !stopping {
                let left = deadline - .now
                if left <= .zero { return true }
                _ = state.wait(until: Date().addingTimeInterval(Self.seconds(left)))
            }
            return false
        }
    }

    func pause(for duration: Duration) -> Bool {
        pause(until: .now + duration)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
