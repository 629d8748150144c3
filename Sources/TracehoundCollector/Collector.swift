// The collector: what tracehound-collector does with each HTTP request (docs/PROTOCOL.md).
//
// Design. Requests arrive complete (head and body) on the HTTP server's pool threads (`threads`), and `handle`
// answers each through its responder, exactly once. The routes:
//
// - POST /v1/batches: authenticate (a bearer token from token_file, or a client certificate verified by TLS;
//   CollectorTokens.swift) and check the headers (Tracehound-Batch-Id, Content-Encoding: lz4) on the server's
//   thread, then hand the batch to an ingest worker (IngestWorkers.swift: libmicrohttpd binds connections to
//   threads, so blocking one would stall its other connections). The worker decodes the LZ4 frame within
//   max_decoded_bytes, validates every NDJSON line (BatchParser.swift), calls `store.ingest` and answers 200 only
//   after it returned, i.e. after the commit (DESIGN.md §3.3). `threads` workers and a queue of 4 × `threads`
//   bound memory: beyond that a batch is answered 503 with Retry-After. The stores group-commit concurrent
//   batches, so the workers share commits.
// - GET /v1/segments: the feed. When nothing follows the cursor and the request may wait, it is parked in
//   FeedWaiters and answered later through the same responder: a long-poll holds no thread, so any number of
//   them never starve ingest.
// - GET /v1/stats, GET /healthz, GET /metrics.
//
// Credentials: a token without a host ("fleet") may post for any host and read; a host-bound credential (a token
// listed with a host id, or a client certificate, whose CN is its host) may post only lines naming its host (400
// otherwise: that batch can never be accepted) and may not read the fleet's feed or stats (403).
//
// Answers are decided once, here: 401 (with WWW-Authenticate), 403, 400 naming the first bad line, 415, 413
// (decoded size; the body size is refused by the server before the handler runs), 503 with Retry-After when the
// store fails, the ingest queue is full or the collector is shutting down, 429 with Retry-After when an agent
// sends more than `limits.batches_per_host_per_minute` (HostRateLimiter.swift). The library never logs: it
// reports `CollectorEvent`s and counts everything in `CollectorMetrics`; the serve command turns them into logs.
//
// Shutdown (`shutDown(timeout:)`): new batches are answered 503 (the agent retries, nothing is lost), waiting feed
// requests are answered at once with what they have (nothing), and the call returns when every ingest in flight
// has committed and answered; the server and the store are stopped after that by their owner.
import Foundation
import Synchronization
public import TracehoundConfig
import TracehoundCore

/// What the collector reports for the daemon to log.
public enum CollectorEvent: Sendable {
    /// A batch was committed and acknowledged.
    case batchStored(batchID: String, credential: CollectorCredential, result: IngestResult, decodedBytes: Int)
    /// A request was refused; `message` is the answer's body.
    case rejected(route: CollectorRoute, status: Int, reason: RejectionReason, message: String, client: String?)
    /// The store failed; reported once per kind of failure until it works again.
    case storeFailed(operation: String, error: String)
    /// The store worked again after failing.
    case storeRecovered(operation: String)
}

/// The parts of the collector's config that request handling needs.
public struct CollectorSettings: Sendable {
    public var maxDecodedBytes = 64 << 20
    /// The longest a feed request may wait; its `wait=` is capped to this.
    public var maxFeedWait = Duration.seconds(60)
    /// How often waiting feed requests poll the store for others' commits; nil when only this process writes.
    public var feedPollInterval: Duration?
    /// Threads that decode and commit batches; 4 × as many batches may wait for one.
    public var ingestWorkers = 4
    /// Batches one agent may send a minute before it is answered 429 with Retry-After; 0: no limit.
    public var batchesPerHostPerMinute = 0

    public init() {}

    public init(config: CollectorConfig) {
        maxDecodedBytes = config.limits.maxDecodedBytes
        maxFeedWait = config.feed.maxWait
        ingestWorkers = config.threads
        batchesPerHostPerMinute = config.limits.batchesPerHostPerMinute
        if case .postgresql = config.store { feedPollInterval = config.feed.pollInterval }
    }
}

/// Handles the collector's HTTP requests; see the design at the top of this file.
public final class Collector: Sendable {
    public let store: any SegmentStore
    public let metrics: CollectorMetrics
    let settings: CollectorSettings
    let events: @Sendable (CollectorEvent) -> Void
    let waiters: FeedWaiters
    let workers: IngestWorkers
    /// nil when only client certificates authenticate (token_file: none).
    private let tokens: Mutex<CollectorTokens?>
    private let draining = Atomic<Bool>(false)
    /// Ingests between their start and their answer; shutdown waits for it to empty.
    private let ingestsInFlight = DispatchGroup()
    /// Reports store failures once per kind.
    let storeHealth: StoreHealth
    /// nil without `limits.batches_per_host_per_minute`.
    let rateLimiter: HostRateLimiter?

    public init(
        settings: CollectorSettings,
        store: any SegmentStore,
        tokens: CollectorTokens?,
        events: @escaping @Sendable (CollectorEvent) -> Void = { _ in }
    ) {
        self.settings = settings
        self.store = store
        self.tokens = Mutex(tokens)
        self.events = events
        let metrics = CollectorMetrics()
        let storeHealth = StoreHealth(events: events)
        self.metrics = metrics
        self.storeHealth = storeHealth
        workers = IngestWorkers(count: settings.ingestWorkers, capacity: 4 * settings.ingestWorkers)
        rateLimiter = HostRateLimiter(batchesPerMinute: settings.batchesPerHostPerMinute)
        waiters = FeedWaiters(
            pollInterval: settings.feedPollInterval,
            read: { after, limit in try Self.readFeed(store, after: after, limit: limit) },
            deliver: { waiter, result in
                let reply = Reply(route: .segments, responder: waiter.responder, metrics: metrics, events: events)
                Self.answerWaiter(waiter, result, reply: reply, storeHealth: storeHealth)
            }
        )
    }

    /// Replaces the accepted tokens (SIGHUP); requests in flight keep the credential they were checked with.
    public func replaceTokens(_ newTokens: CollectorTokens) {
        tokens.withLock { $0 = newTokens }
    }

    /// Answers one request (on the server's thread), now or later through `responder`.
    public func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let route = CollectorRoute(path: request.path)
        let reply = Reply(
            route: route,
            responder: responder,
            metrics: metrics,
            events: events,
            client: request.clientAddress
        )
        let isRead = request.method == "GET" || request.method == "HEAD"
        switch route {
        case .batches:
            guard request.method == "POST" else { return reply.methodNotAllowed(allow: "POST") }
            ingest(request, reply)
        case .segments:
            guard isRead else { return reply.methodNotAllowed(allow: "GET, HEAD") }
            guard let credential = authenticate(request, reply), mayRead(credential, reply) else { return }
            feed(request, reply)
        case .stats:
            guard isRead else { return reply.methodNotAllowed(allow: "GET, HEAD") }
            guard let credential = authenticate(request, reply), mayRead(credential, reply) else { return }
            stats(reply)
        case .healthz:
            guard isRead else { return reply.methodNotAllowed(allow: "GET, HEAD") }
            reply.send(.text(200, "ok\n"))
        case .metrics:
            guard isRead else { return reply.methodNotAllowed(allow: "GET, HEAD") }
            reply.send(
                HTTPServerResponse(
                    status: 200,
                    headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                    body: Array(metrics.render(feedWaiters: waiters.count).utf8)
                )
            )
        case .other:
            reply.send(.text(404, "no such resource: \(request.path)\n"))
        }
    }

    /// Stops taking batches (503), answers every waiting feed request, and waits until every ingest in flight has
    /// committed and answered. Returns false when `timeout` passed first.
    @discardableResult
    public func shutDown(timeout: Duration) -> Bool {
        draining.store(true, ordering: .sequentiallyConsistent)
        waiters.closeAll()
        let nanoseconds = Int(timeout.components.seconds) * 1_000_000_000
        let drained = ingestsInFlight.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success
        workers.stop()
        return drained
    }

    /// Feed requests waiting for segments right now.
    public var feedWaiterCount: Int { waiters.count }

    /// Whether `shutDown` has begun.
    public var isShuttingDown: Bool { draining.load(ordering: .sequentiallyConsistent) }

    // MARK: Authentication

    /// The request's credential, or nil after answering 401/403.
    func authenticate(_ request: HTTPRequest, _ reply: Reply) -> CollectorCredential? {
        switch checkCredential(request) {
        case .success(let credential):
            return credential
        case .failure(let refusal):
            reply.reject(refusal)
            return nil
        }
    }

    /// Refuses a request from its head alone, before its body is read (`HTTPServerConfiguration.admit`): without
    /// this, anyone who can connect could make the server buffer `max_body_bytes` per connection before a 401.
    /// /healthz and /metrics stay open; everything else needs a credential.
    public func admit(_ request: HTTPRequest) -> HTTPServerResponse? {
        let route = CollectorRoute(path: request.path)
        switch route {
        case .healthz, .metrics, .other: return nil
        case .batches, .segments, .stats: break
        }
        guard case .failure(let refusal) = checkCredential(request) else { return nil }
        return refusal.response(route: route, metrics: metrics, events: events, client: request.clientAddress)
    }

    /// Who sent `request`: a token from token_file, else a verified client certificate (bound to its CN's host).
    private func checkCredential(_ request: HTTPRequest) -> Result<CollectorCredential, Refusal> {
        if let authorization = request.header("Authorization") {
            guard let token = CollectorTokens.bearerToken(fromAuthorization: authorization),
                let credential = tokens.withLock({ $0?.credential(forToken: token.utf8) })
            else {
                return .failure(.unauthorized("the bearer token is not accepted", error: "invalid_token"))
            }
            return .success(credential)
        }
        if let certificate = request.clientCertificate {
            guard let commonName = certificate.commonName, !commonName.isEmpty else {
                let message = "the client certificate (\(certificate.subject)) has no CN naming a host"
                return .failure(Refusal(status: 403, reason: .forbidden, message: message))
            }
            return .success(.host(commonName))
        }
        return .failure(
            .unauthorized("credentials required: Authorization: Bearer <token> or a client certificate", error: nil)
        )
    }

    /// Whether `credential` may read the fleet's segments and stats; answers 403 when not.
    func mayRead(_ credential: CollectorCredential, _ reply: Reply) -> Bool {
        guard let host = credential.boundHost else { return true }
        reply.reject(
            403,
            .forbidden,
            "this credential is bound to host \"\(host)\"; reading the feed needs a token without a host"
        )
        return false
    }

    /// Ingest bookkeeping for shutdown: returns false (after answering 503) when the collector is draining.
    func beginIngest(_ reply: Reply) -> Bool {
        ingestsInFlight.enter()
        guard !isShuttingDown else {
            ingestsInFlight.leave()
            reply.reject(503, .shuttingDown, "the collector is shutting down; retry", retryAfter: 1)
            return false
        }
        return true
    }

    func endIngest() { ingestsInFlight.leave() }
}
