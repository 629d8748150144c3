// One batch's way to the collector: attempts, the decision on each answer, waits between attempts, and recording
// the outcome in the queue. The design is at the top of Forwarder.swift.
import Foundation

extension Forwarder {
    /// Delivers `batch` until it is settled or the forwarder stops (then it stays pending in the queue).
    func deliver(_ batch: ForwardBatch, client: HTTPClient, random: inout SystemRandomNumberGenerator) {
        state.withLock { counters.inFlight += 1 }
        defer { state.withLock { counters.inFlight -= 1 } }
        if let problem = validateHeader(name: "Tracehound-Batch-Id", value: batch.id) {
            // No request can carry this id; resending would fail the same way forever.
            settle(batch.id, deadLetterReason: "the batch id cannot be sent: \(problem)")
            return
        }
        var waits = 0
        var failedSinceWait: Set<Int> = []
        while true {
            guard let endpoint = nextEndpoint() else { return }
            var headers = [
                ("Content-Type", "application/x-ndjson"),
                ("Content-Encoding", "lz4"),
                ("Tracehound-Batch-Id", batch.id),
            ]
            if let authorization = token.authorization { headers.append(("Authorization", authorization)) }
            state.withLock {
                counters.batchesSent += 1
                counters.bytesSent += Int64(batch.payload.count)
            }
            let decision: ForwarderDecision
            do {
                let response = try client.post(url: endpoint.url, body: batch.payload, headers: headers)
                decision = ForwarderDecision(response: response, url: endpoint.url)
            } catch let error as HTTPClientError {
                decision = ForwarderDecision(error: error)
            } catch {
                let message = "request to \(endpoint.url) failed: \(error)"
                decision = .retry(ForwarderRetry(cause: .transport(.other), failover: true, message: message))
            }

            switch decision {
            case .acknowledge:
                noteAnswered(url: endpoint.url)
                settle(batch.id, deadLetterReason: nil)
                return
            case .deadLetter(let status, let reason):
                noteAnswered(url: endpoint.url)
                events.deadLettered(batchID: batch.id, url: endpoint.url, status: status, reason: reason)
                settle(batch.id, deadLetterReason: reason)
                return
            case .retry(let retry):
                failedSinceWait.insert(endpoint.index)
                let movedTo = retry.failover ? endpoints.failOver(from: endpoint.index) : nil
                // A Retry-After holds back every worker sending to this URL, not only this one.
                let honoured = retry.retryAfter?.honouredDelay(floor: backoff.minimum, cap: timing.retryAfterCap)
                if let honoured { endpoints.block(endpoint.index, until: .now + honoured) }
                var delay = Duration.zero
                if failedSinceWait.contains(endpoints.activeIndex) {
                    // Every URL this batch could go to has failed since its last wait: back off.
                    waits += 1
                    failedSinceWait = []
                    delay = honoured ?? backoff.delay(afterFailures: waits, using: &random)
                }
                noteFailed(url: endpoint.url, retry: retry, retryIn: delay)
                if let movedTo { events.failedOver(from: endpoint.url, to: movedTo, reason: retry.message) }
                guard pause(for: delay) else { return }
            }
        }
    }

    /// The URL to send to, after waiting out its Retry-After gate; nil when the forwarder is stopping.
    private func nextEndpoint() -> CollectorEndpoint? {
        while true {
            let (endpoint, returnedFrom) = endpoints.current()
            if let returnedFrom { events.returnedToFirstURL(endpoint.url, from: returnedFrom) }
            if let gate = endpoint.notBefore, gate > .now {
                guard pause(until: gate) else { return nil }
                continue  // the URL in use may have changed meanwhile
            }
            return isStopping ? nil : endpoint
        }
    }

    /// Records the decision in the queue: acknowledged (`deadLetterReason` nil) or dead-lettered. A queue error
    /// is retried with backoff (the decision stands; only recording it is repeated) until the forwarder stops;
    /// a batch whose acknowledgement never got recorded is sent again after a restart, and the collector
    /// deduplicates it.
    func settle(_ batchID: String, deadLetterReason: String?) {
        var failures = 0
        while true {
            do {
                if let reason = deadLetterReason {
                    try queue.deadLetter(batchID: batchID, reason: reason)
                } else {
                    try queue.acknowledge(batchID: batchID)
                }
                noteQueueRecovered()
                break
            } catch {
                failures += 1
                let operation = deadLetterReason == nil ? "acknowledge" : "dead-letter"
                noteQueueFailed(operation: operation, batchID: batchID, error: error)
                guard pause(for: backoff.delay(afterFailures: failures)) else { return }
            }
        }
        state.withLock {
            if deadLetterReason == nil {
                counters.batchesAcknowledged += 1
            } else {
                counters.batchesDeadLettered += 1
            }
            settledCount += 1
            state.broadcast()
        }
    }

    // MARK: Streaks

    /// A failed attempt: counted, and reported when it starts a streak (or a credentials streak).
    private func noteFailed(url: String, retry: ForwarderRetry, retryIn: Duration) {
        let rejected: Bool
        if case .rejectedCredentials = retry.cause { rejected = true } else { rejected = false }
        let (startsStreak, startsCredentialsStreak) = state.withLock {
            counters.batchesRetried += 1
            counters.consecutiveFailures += 1
            counters.lastError = retry.message
            let starts = counters.consecutiveFailures == 1
            if starts { streakStarted = .now }
            let credentials = rejected && !credentialsStreak
            if rejected { credentialsStreak = true }
            return (starts, credentials)
        }
        if startsCredentialsStreak {
            events.credentialsRejected(url: url, retry: retry, retryIn: retryIn)
        } else if startsStreak && !rejected {
            events.failureStreakStarted(url: url, retry: retry, retryIn: retryIn)
        }
    }

    /// The collector answered (2xx, or a refusal for good): a failure streak, if any, is over.
    private func noteAnswered(url: String) {
        let ended = state.withLock { () -> (failures: Int, duration: Duration)? in
            credentialsStreak = false
            guard counters.consecutiveFailures > 0 else { return nil }
            defer {
                counters.consecutiveFailures = 0
                streakStarted = nil
            }
            return (counters.consecutiveFailures, streakStarted.map { .now - $0 } ?? .zero)
        }
        if let ended { events.failureStreakEnded(url: url, failures: ended.failures, duration: ended.duration) }
    }

    func noteQueueFailed(operation: String, batchID: String?, error: any Error) {
        let first = state.withLock {
            counters.lastError = "\(operation) in the queue failed: \(error)"
            defer { queueFailing = true }
            return !queueFailing
        }
        if first { events.queueFailed(operation: operation, batchID: batchID, error: "\(error)") }
    }

    func noteQueueRecovered() {
        state.withLock { queueFailing = false }
    }
}
