// Feed requests that found nothing after their cursor and wait for segments (`GET /v1/segments?wait=S`).
//
// A waiter holds no thread: its request was answered "later" through the server's deferred responder, and the
// waiter keeps only the responder, the cursor, the limit and a deadline. Three things look at waiters, all on one
// serial queue, so the store is queried once per wake-up and group of waiters with the same cursor, not once per
// waiter:
// - a local ingest commit (`committed()`) wakes them at once;
// - on a shared store (PostgreSQL, where other collectors commit too) a poll every `pollInterval` while anyone
//   waits;
// - each waiter's deadline answers it with no segments.
// A commit that lands between a request's empty read and its registration is not missed: the request reads the
// commit generation before querying, and registering with an older generation triggers an immediate check.
import Dispatch
import Synchronization

/// One waiting feed request.
struct FeedWaiter: Sendable {
    let after: Int64
    let limit: Int
    let deadline: DispatchTime
    let responder: HTTPResponder
}

final class FeedWaiters: Sendable {
    private struct State {
        var waiting: [UInt64: FeedWaiter] = [:]
        var nextID: UInt64 = 0
        /// Bumped by every local commit that stored segments.
        var generation: UInt64 = 0
        var checkScheduled = false
        var polling = false
        /// After `closeAll()`, new waiters are answered at once.
        var closed = false
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "tracehound-collector.feed-waiters")
    /// Reads the segments after a cursor, at most a limit.
    private let read: @Sendable (Int64, Int) throws -> [StoredSegment]
    private let pollInterval: Duration?
    /// Answers a waiter: with segments, with none (deadline or shutdown), or with the store's failure.
    private let deliver: @Sendable (FeedWaiter, Result<[StoredSegment], any Error>) -> Void

    /// `pollInterval`: how often to look for segments committed by others, nil when only this process writes.
    init(
        pollInterval: Duration?,
        read: @escaping @Sendable (Int64, Int) throws -> [StoredSegment],
        deliver: @escaping @Sendable (FeedWaiter, Result<[StoredSegment], any Error>) -> Void
    ) {
        self.read = read
        self.pollInterval = pollInterval
        self.deliver = deliver
    }

    /// Requests waiting right now.
    var count: Int { state.withLock { $0.waiting.count } }

    /// The commit generation: read it before querying the store, and pass it to `wait`.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Parks `waiter` until segments arrive after its cursor or its deadline passes.
    func wait(_ waiter: FeedWaiter, seenGeneration: UInt64) {
        enum Outcome {
            case closed
            case parked(id: UInt64, checkNow: Bool, startPolling: Bool)
        }
        let outcome = state.withLock { state -> Outcome in
            if state.closed { return .closed }
            let id = state.nextID
            state.nextID += 1
            state.waiting[id] = waiter
            let checkNow = state.generation != seenGeneration && !state.checkScheduled
            if checkNow { state.checkScheduled = true }
            let startPolling = pollInterval != nil && !state.polling
            if startPolling { state.polling = true }
            return .parked(id: id, checkNow: checkNow, startPolling: startPolling)
        }
        guard case .parked(let id, let checkNow, let startPolling) = outcome else {
            deliver(waiter, .success([]))
            return
        }
        queue.asyncAfter(deadline: waiter.deadline) { [self] in
            if let expired = remove(id) { deliver(expired, .success([])) }
        }
        if checkNow { queue.async { [self] in check() } }
        if startPolling { schedulePoll() }
    }

    /// A local ingest stored segments: wake the waiters.
    func committed() {
        let wake = state.withLock { state -> Bool in
            state.generation &+= 1
            guard !state.waiting.isEmpty, !state.checkScheduled else { return false }
            state.checkScheduled = true
            return true
        }
        if wake { queue.async { [self] in check() } }
    }

    /// Answers every waiter with no segments, now and for any that arrive later (shutdown).
    func closeAll() {
        let all = state.withLock { state -> [FeedWaiter] in
            state.closed = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for waiter in all { deliver(waiter, .success([])) }
    }

    // MARK: On the queue

    /// Queries the store for each cursor that someone waits after, and answers those who now have segments.
    private func check() {
        let waiting = state.withLock { state -> [UInt64: FeedWaiter] in
            state.checkScheduled = false
            return state.waiting
        }
        let byCursor = Dictionary(grouping: waiting, by: { $0.value.after })
        for (cursor, group) in byCursor {
            let limit = group.map(\.value.limit).max() ?? 1
            let result = Result { try read(cursor, limit) }
            if case .success(let segments) = result, segments.isEmpty { continue }
            for (id, _) in group {
                guard let waiter = remove(id) else { continue }
                deliver(waiter, result.map { Array($0.prefix(waiter.limit)) })
            }
        }
    }

    private func schedulePoll() {
        guard let pollInterval else { return }
        let nanoseconds =
            Int(pollInterval.components.seconds) * 1_000_000_000
            + Int(pollInterval.components.attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            check()
            let again = state.withLock { state -> Bool in
                state.polling = !state.waiting.isEmpty && !state.closed
                return state.polling
            }
            if again { schedulePoll() }
        }
    }

    private func remove(_ id: UInt64) -> FeedWaiter? {
        state.withLock { $0.waiting.removeValue(forKey: id) }
    }
}
