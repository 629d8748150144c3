// Group commit without a thread of its own: callers of `submit` take turns leading.
//
// A caller queues its request. If no round is running it becomes the leader: it takes every request queued so far
// (its own among them), runs them as one round (for SQLite: one transaction, one fsync), hands each follower its
// result, and then, if more requests queued up meanwhile, makes the first of their callers the next leader before
// it returns its own result. A follower sleeps on its own semaphore until it is handed either its result or the lead.
// So under load every commit carries everything that arrived while the previous one was running, and an idle
// store costs nothing: the first request of a quiet period commits alone, at once.
//
// Memory ordering: a ticket's outcome is written before its semaphore is signalled and read after the wait
// returns, so the semaphore orders the two; a ticket is only ever touched by its caller and the current leader.
import Dispatch
import Synchronization

final class GroupCommit<Request: Sendable, Response: Sendable>: Sendable {
    /// Runs one round: the requests in queue order, a result for each in the same order. Called by one leader at a
    /// time, never concurrently.
    typealias Round = @Sendable ([Request]) -> [Result<Response, any Error>]

    private final class Ticket: @unchecked Sendable {
        enum Outcome {
            case done(Result<Response, any Error>)
            case lead
        }

        let request: Request
        let wakeup = DispatchSemaphore(value: 0)
        /// Written by the leader before `wakeup` is signalled.
        var outcome: Outcome?

        init(_ request: Request) { self.request = request }
    }

    private struct State {
        var queue: [Ticket] = []
        var leading = false
        var closed = false
        /// Callers of `close` waiting for the running rounds to finish.
        var closers = 0
    }

    private let state = Mutex(State())
    private let drained = DispatchSemaphore(value: 0)
    private let round: Round

    init(round: @escaping Round) {
        self.round = round
    }

    /// Queues `request`, waits until a round has run it, and returns its result.
    func submit(_ request: Request) throws -> Response {
        let ticket = Ticket(request)
        let leads = try state.withLock { state throws(SegmentStoreError) in
            if state.closed { throw .closed }
            state.queue.append(ticket)
            if state.leading { return false }
            state.leading = true
            return true
        }
        if !leads {
            ticket.wakeup.wait()
            guard case .done(let result) = ticket.outcome else { return try lead(ticket) }
            return try result.get()
        }
        return try lead(ticket)
    }

    /// Stops accepting requests and waits until the requests already queued have been run.
    func close() {
        let wait = state.withLock { state in
            state.closed = true
            guard state.leading else { return false }
            state.closers += 1
            return true
        }
        if wait { drained.wait() }
    }

    /// Runs one round as the leader, wakes the followers, passes the lead on, and returns `ticket`'s own result.
    private func lead(_ ticket: Ticket) throws -> Response {
        let tickets = state.withLock { state in
            defer { state.queue.removeAll(keepingCapacity: true) }
            return state.queue
        }
        var results = round(tickets.map(\.request))
        // A round that answers the wrong number of results is a bug; every caller still gets an answer.
        precondition(results.count == tickets.count, "a commit round must answer every request")
        var own: Result<Response, any Error>?
        for (index, queued) in tickets.enumerated() {
            if queued === ticket {
                own = results[index]
            } else {
                queued.outcome = .done(results[index])
                queued.wakeup.signal()
            }
        }
        results.removeAll()
        let (next, closers) = state.withLock { state -> (Ticket?, Int) in
            if let first = state.queue.first { return (first, 0) }
            state.leading = false
            defer { state.closers = 0 }
            return (nil, state.closers)
        }
        if let next {
            next.outcome = .lead
            next.wakeup.signal()
        }
        for _ in 0..<closers { drained.signal() }
        return try own!.get()
    }
}
