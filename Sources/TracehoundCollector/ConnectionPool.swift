// A small blocking pool of database connections, one per concurrent caller: the stores' reads (and PostgreSQL's
// writes) run on the HTTP server's threads, and a connection is used by one thread at a time.
//
// At most `maximum` connections exist; a caller beyond that waits for one to come back (a counting semaphore holds
// the permits). Connections open lazily, so an idle collector holds one or none. A connection whose use failed in a
// way that may have broken it (the caller says which errors) is dropped instead of returned, and the next caller
// opens a fresh one.
import Dispatch
import Synchronization

/// Hands a connection from the pool to exactly one caller at a time; that is what makes it safe to send.
final class PooledConnection<Connection>: @unchecked Sendable {
    let connection: Connection
    init(_ connection: Connection) { self.connection = connection }
}

final class ConnectionPool<Connection>: Sendable {
    private struct State {
        var idle: [PooledConnection<Connection>] = []
        var closed = false
    }

    let maximum: Int
    private let permits: DispatchSemaphore
    private let state = Mutex(State())
    private let open: @Sendable () throws -> Connection
    private let isReusable: @Sendable (Connection) -> Bool

    /// `open` makes a new connection; `isReusable` says whether a connection whose use threw may be used again.
    init(
        maximum: Int,
        open: @escaping @Sendable () throws -> Connection,
        isReusable: @escaping @Sendable (Connection) -> Bool
    ) {
        self.maximum = max(1, maximum)
        permits = DispatchSemaphore(value: self.maximum)
        self.open = open
        self.isReusable = isReusable
    }

    /// Puts an already open connection in the pool (the one that created the schema, say).
    func add(_ connection: Connection) {
        let pooled = PooledConnection(connection)
        state.withLock { state in
            if !state.closed && state.idle.count < maximum { state.idle.append(pooled) }
        }
    }

    /// Runs `body` with a connection of its own, waiting while `maximum` callers hold one.
    func withConnection<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        permits.wait()
        defer { permits.signal() }
        let taken: PooledConnection<Connection>? = try state.withLock { state in
            if state.closed { throw SegmentStoreError.closed }
            return state.idle.popLast()
        }
        let pooled = try taken ?? PooledConnection(open())
        let result: Result
        do {
            result = try body(pooled.connection)
        } catch {
            if isReusable(pooled.connection) { give(back: pooled) }
            throw error
        }
        give(back: pooled)
        return result
    }

    /// Drops the idle connections; connections in use are dropped when they come back, and later callers throw.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        _ = idle  // the last references go here, outside the lock: closing a connection may take a round trip
    }

    private func give(back pooled: PooledConnection<Connection>) {
        state.withLock { state in
            if !state.closed { state.idle.append(pooled) }
        }
    }
}
