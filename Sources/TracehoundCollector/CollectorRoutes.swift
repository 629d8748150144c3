// The collector's routes: ingest (POST /v1/batches), the feed (GET /v1/segments) and the stats (GET /v1/stats),
// and `Reply`, through which every answer is counted. Collector.swift explains the design; this file holds the
// request-level work and the answers' formats.
import Dispatch
import Foundation
import Synchronization
import TracehoundCore

extension Collector {
    /// Most segments one feed answer holds; `limit=` above it is capped.
    static let maxFeedLimit = 10_000
    static let defaultFeedLimit = 100
    /// Bytes of lines one feed answer holds at most (beyond its first segment).
    static let feedByteBudget = 16 << 20
    /// Segments read from the store at a time while filling a feed answer.
    static let feedPageSize = 200

    func ingest(_ request: HTTPRequest, _ reply: Reply) {
        guard let credential = authenticate(request, reply) else { return }
        guard let batchID = request.header("Tracehound-Batch-Id").map(trimmed), Self.isValidBatchID(batchID) else {
            return reply.reject(
                400,
                .missingBatchID,
                "Tracehound-Batch-Id is required: the batch's id, 1 to 1024 bytes without blanks or control characters"
            )
        }
        guard request.header("Content-Encoding").map(trimmed)?.lowercased() == "lz4" else {
            return reply.reject(
                415,
                .unsupportedEncoding,
                "the body must be one LZ4 frame sent with Content-Encoding: lz4",
                headers: [("Accept-Encoding", "lz4")]
            )
        }
        let agent = credential.boundHost ?? request.clientAddress ?? "unknown"
        if let wait = rateLimiter?.admit(agent) {
            return reply.reject(
                429,
                .rateLimited,
                "\(agent) sent more than limits.batches_per_host_per_minute; retry in \(wait) s",
                retryAfter: wait
            )
        }
        guard beginIngest(reply) else { return }
        let accepted = workers.submit { [self] in
            defer { endIngest() }
            commit(request.body, batchID: batchID, credential: credential, reply)
        }
        if !accepted {
            endIngest()
            reply.reject(503, .busy, "every ingest worker is busy and the queue is full; retry", retryAfter: 1)
        }
    }

    /// On an ingest worker: decode and validate the body, commit it, answer.
    private func commit(_ body: [UInt8], batchID: String, credential: CollectorCredential, _ reply: Reply) {
        let parsed: (batch: IngestBatch, decodedBytes: Int)
        do {
            let parser = try BatchParser(maxDecodedBytes: settings.maxDecodedBytes)
            parsed = try parser.parse(frame: body, batchID: batchID, boundHost: credential.boundHost)
        } catch let rejection as BatchRejection {
            return reply.reject(rejection.status, Self.rejectionReason(rejection.reason), rejection.message)
        } catch {
            // Only creating liblz4's context can fail here: out of memory, so worth a retry.
            return reply.reject(503, .busy, "cannot decode now (\(error)); retry", retryAfter: 1)
        }

        let result: IngestResult
        do {
            result = try store.ingest(parsed.batch)
            storeHealth.worked("ingest")
        } catch {
            storeHealth.failed("ingest", error)
            return reply.reject(503, .storeUnavailable, "the store is unavailable; retry", retryAfter: 1)
        }
        if result.stored > 0 { waiters.committed() }
        metrics.ingested(result, decodedBytes: parsed.decodedBytes)
        events(
            .batchStored(
                batchID: batchID,
                credential: credential,
                result: result,
                decodedBytes: parsed.decodedBytes
            )
        )
        let answer =
            "{\"batch\":\(JSONQuoting.quoted(batchID)),\"stored\":\(result.stored),"
            + "\"duplicates\":\(result.duplicates)}\n"
        reply.send(
            HTTPServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(answer.utf8))
        )
    }

    func feed(_ request: HTTPRequest, _ reply: Reply) {
        let query: FeedQuery
        switch FeedQuery.parse(request, maxWait: settings.maxFeedWait.seconds) {
        case .success(let parsed): query = parsed
        case .failure(let problem): return reply.reject(400, .badRequest, problem.message)
        }
        let generation = waiters.generation
        let segments: [StoredSegment]
        do {
            segments = try Self.readFeed(store, after: query.after, limit: query.limit)
            storeHealth.worked("feed")
        } catch {
            storeHealth.failed("feed", error)
            return reply.reject(503, .storeUnavailable, "the store is unavailable; retry", retryAfter: 1)
        }
        guard segments.isEmpty, query.wait > 0, !isShuttingDown else {
            return reply.send(Self.feedResponse(segments, after: query.after))
        }
        let deadline = DispatchTime.now() + .nanoseconds(Int(query.wait * 1e9))
        waiters.wait(
            FeedWaiter(after: query.after, limit: query.limit, deadline: deadline, responder: reply.responder),
            seenGeneration: generation
        )
    }

    func stats(_ reply: Reply) {
        let hosts: [HostStats]
        do {
            hosts = try store.stats()
            storeHealth.worked("stats")
        } catch {
            storeHealth.failed("stats", error)
            return reply.reject(503, .storeUnavailable, "the store is unavailable; retry", retryAfter: 1)
        }
        let entries = hosts.map { host -> String in
            let hits = host.hitsPerRule.sorted { $0.key < $1.key }.map { "\(JSONQuoting.quoted($0.key)):\($0.value)" }
            return "{\"host\":\(JSONQuoting.quoted(host.host)),"
                + "\"last_batch\":\(JSONText.date(host.lastBatchAt)),"
                + "\"last_heartbeat\":\(JSONText.date(host.lastHeartbeatAt)),"
                + "\"version\":\(host.version.map(JSONQuoting.quoted) ?? "null"),"
                + "\"segments\":\(host.segments),\"hits\":{\(hits.joined(separator: ","))},"
                + "\"records_scanned\":\(host.recordsScanned),\"bytes_scanned\":\(host.bytesScanned)}"
        }
        let body = "{\"hosts\":[" + entries.joined(separator: ",") + "]}\n"
        reply.send(
            HTTPServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        )
    }

    /// Answers a feed request that waited: with segments, with none, or 503 when the store failed.
    static func answerWaiter(
        _ waiter: FeedWaiter,
        _ result: Result<[StoredSegment], any Error>,
        reply: Reply,
        storeHealth: StoreHealth
    ) {
        switch result {
        case .success(let segments):
            reply.send(feedResponse(segments, after: waiter.after))
        case .failure(let error):
            storeHealth.failed("feed", error)
            reply.reject(503, .storeUnavailable, "the store is unavailable; retry", retryAfter: 1)
        }
    }

    /// The segments after `after`: at most `limit`, and no more than `feedByteBudget` bytes of lines unless the
    /// first alone is larger. Read in pages, so a large `limit` of large segments never sits in memory at once.
    static func readFeed(_ store: any SegmentStore, after: Int64, limit: Int) throws -> [StoredSegment] {
        var segments: [StoredSegment] = []
        var bytes = 0
        var cursor = after
        while segments.count < limit {
            let wanted = min(feedPageSize, limit - segments.count)
            let page = try store.feed(after: cursor, limit: wanted)
            for segment in page {
                if !segments.isEmpty && bytes + segment.line.count > feedByteBudget { return segments }
                segments.append(segment)
                bytes += segment.line.count
            }
            guard page.count == wanted, let last = page.last else { break }
            cursor = last.cursor
        }
        return segments
    }

    /// NDJSON: each stored line with `"cursor":N` as its first member; `Tracehound-Cursor` is the last cursor
    /// returned, or `after` when there is none.
    static func feedResponse(_ segments: [StoredSegment], after: Int64) -> HTTPServerResponse {
        var body: [UInt8] = []
        body.reserveCapacity(segments.reduce(0) { $0 + $1.line.count + 24 })
        for segment in segments {
            // The line was validated as an object: its first `{` opens it (only blanks or a BOM may precede it).
            let open = segment.line.firstIndex(of: UInt8(ascii: "{")) ?? segment.line.startIndex
            body.append(contentsOf: "{\"cursor\":\(segment.cursor),".utf8)
            body.append(contentsOf: segment.line[(open + 1)...])
            body.append(0x0A)
        }
        return HTTPServerResponse(
            status: 200,
            headers: [
                ("Content-Type", "application/x-ndjson"),
                ("Tracehound-Cursor", String(segments.last?.cursor ?? after)),
            ],
            body: body
        )
    }

    /// A batch id: 1 to 1024 bytes without blanks or control characters (it is echoed in the answer and logged;
    /// a host id may hold any letters, and the agent's batch ids start with it).
    static func isValidBatchID(_ id: String) -> Bool {
        (1...1024).contains(id.utf8.count) && id.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    static func rejectionReason(_ reason: BatchRejection.Reason) -> RejectionReason {
        switch reason {
        case .decodedTooLarge: return .decodedTooLarge
        case .corruptFrame: return .corruptFrame
        case .invalidLine: return .invalidLine
        case .foreignHost: return .forbidden
        }
    }
}

/// `after`, `limit` and `wait` of a feed request.
struct FeedQuery: Equatable {
    struct Problem: Error {
        var message: String
    }

    var after: Int64 = 0
    var limit = Collector.defaultFeedLimit
    /// Seconds, already capped to `feed.max_wait`.
    var wait: Double = 0

    static func parse(_ request: HTTPRequest, maxWait: Double) -> Result<FeedQuery, Problem> {
        var query = FeedQuery()
        for (name, value) in request.query {
            guard ["after", "limit", "wait"].contains(name) else { continue }
            guard let value, !value.isEmpty else {
                return .failure(Problem(message: "\(name)= needs a value"))
            }
            switch name {
            case "after":
                guard let after = Int64(value), after >= 0 else {
                    return .failure(Problem(message: "after=\(value) is not a cursor (a non-negative integer)"))
                }
                query.after = after
            case "limit":
                guard let limit = Int(value), limit >= 1 else {
                    return .failure(Problem(message: "limit=\(value) is not a positive integer"))
                }
                query.limit = min(limit, Collector.maxFeedLimit)
            default:
                guard let wait = Double(value), wait.isFinite, wait >= 0, value.first?.isNumber == true else {
                    return .failure(Problem(message: "wait=\(value) is not a number of seconds"))
                }
                query.wait = min(wait, maxWait)
            }
        }
        return .success(query)
    }
}

/// JSON text for the answers the collector writes itself.
enum JSONText {
    static func date(_ date: Date?) -> String {
        date.map { "\"\(Timestamp.rfc3339($0))\"" } ?? "null"
    }
}

private func trimmed(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespaces)
}

/// A refusal decided before answering: its status, what it is counted as, its text and extra headers.
struct Refusal: Error, Sendable {
    var status: Int
    var reason: RejectionReason
    var message: String
    var retryAfter: Int?
    var headers: [(name: String, value: String)] = []

    /// 401 with the challenge RFC 6750 asks for; `error` is `invalid_token` when a token was presented.
    static func unauthorized(_ message: String, error: String?) -> Refusal {
        let challenge = "Bearer realm=\"tracehound\"" + (error.map { ", error=\"\($0)\"" } ?? "")
        return Refusal(
            status: 401,
            reason: .unauthenticated,
            message: message,
            headers: [("WWW-Authenticate", challenge)]
        )
    }

    /// Counts and reports the refusal and returns its answer, counted as answered: the caller must send it.
    func response(
        route: CollectorRoute,
        metrics: CollectorMetrics,
        events: @Sendable (CollectorEvent) -> Void,
        client: String?
    ) -> HTTPServerResponse {
        metrics.rejected(reason)
        events(.rejected(route: route, status: status, reason: reason, message: message, client: client))
        var response = HTTPServerResponse.text(status, message + "\n")
        if let retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
        response.headers += headers
        metrics.answered(route, status: response.status)
        return response
    }
}

/// One request's way back: its responder, and where its answer is counted.
struct Reply: Sendable {
    let route: CollectorRoute
    let responder: HTTPResponder
    let metrics: CollectorMetrics
    let events: @Sendable (CollectorEvent) -> Void
    var client: String?

    func send(_ response: HTTPServerResponse) {
        metrics.answered(route, status: response.status)
        responder.send(response)
    }

    /// A refusal: counted under `reason`, reported, and answered with `message` as plain text.
    func reject(
        _ status: Int,
        _ reason: RejectionReason,
        _ message: String,
        retryAfter: Int? = nil,
        headers: [(name: String, value: String)] = []
    ) {
        reject(Refusal(status: status, reason: reason, message: message, retryAfter: retryAfter, headers: headers))
    }

    func reject(_ refusal: Refusal) {
        responder.send(refusal.response(route: route, metrics: metrics, events: events, client: client))
    }

    func methodNotAllowed(allow: String) {
        var response = HTTPServerResponse.text(405, "\(route.rawValue) accepts \(allow)\n")
        response.headers.append(("Allow", allow))
        send(response)
    }
}

/// Store failures, reported once per kind until the store works again, and the recovery after them.
final class StoreHealth: Sendable {
    private let failures = Mutex<Set<String>>([])
    private let events: @Sendable (CollectorEvent) -> Void

    init(events: @escaping @Sendable (CollectorEvent) -> Void) {
        self.events = events
    }

    func failed(_ operation: String, _ error: any Error) {
        let kind = "\(operation): \(type(of: error))"
        if failures.withLock({ $0.insert(kind).inserted }) {
            events(.storeFailed(operation: operation, error: "\(error)"))
        }
    }

    func worked(_ operation: String) {
        let recovered = failures.withLock { failures -> Bool in
            guard !failures.isEmpty else { return false }
            failures.removeAll()
            return true
        }
        if recovered { events(.storeRecovered(operation: operation)) }
    }
}
