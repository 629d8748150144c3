// A real collector for tests: CollectorService on 127.0.0.1 port 0 over a real store (SQLite in a temporary
// directory unless a test brings its own), with one fleet token and one token bound to host "agent-1".
import Foundation
import TracehoundCollector
import TracehoundConfig
import TracehoundCore
import TracehoundForward
import TracehoundTestKit
import XCTest

/// Events the collector reported, shared between its threads and the test.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [CollectorEvent] = []
    func add(_ event: CollectorEvent) { lock.withLock { events.append(event) } }
    var all: [CollectorEvent] { lock.withLock { events } }
}

final class CollectorHarness {
    static let fleetToken = "fleet-token-0123456789abcdef"
    static let agentToken = "agent-token-0123456789abcdef"
    static let agentHost = "agent-1"
    static let tokenFileText = "# the central pipeline\n\(fleetToken)\n\n\(agentToken) \(agentHost)  # one agent\n"

    let directory: TemporaryDirectory
    let store: any SegmentStore
    let service: CollectorService
    let events = EventLog()
    let config: CollectorConfig

    let scheme: String
    var base: String { "\(scheme)://127.0.0.1:\(service.port)" }

    /// `configure` adjusts the config before the service starts (limits, threads, feed); with `tls`, HTTPS.
    init(
        store: (any SegmentStore)? = nil,
        tls: HTTPServerTLS? = nil,
        configure: (inout CollectorConfig) -> Void = { _ in }
    ) throws {
        scheme = tls == nil ? "http" : "https"
        directory = try TemporaryDirectory()
        var config = CollectorConfig()
        config.listen = ListenAddress(host: "127.0.0.1", port: 0)
        config.store = .sqlite(path: directory.file("segments.db"))
        configure(&config)
        self.config = config
        self.store = try store ?? SegmentStores.open(config.store)
        let tokens = try CollectorTokens.parse(Self.tokenFileText, path: "tokens")
        let events = self.events
        service = try CollectorService(config: config, store: self.store, tokens: tokens, tls: tls) { events.add($0) }
    }

    deinit {
        service.stop(timeout: .seconds(10))
        store.close()
    }

    /// The headers an agent sends with a batch.
    static func batchHeaders(batchID: String?, token: String? = CollectorHarness.fleetToken) -> [(String, String)] {
        var headers = [("Content-Type", "application/x-ndjson"), ("Content-Encoding", "lz4")]
        if let batchID { headers.append(("Tracehound-Batch-Id", batchID)) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return headers
    }

    /// POSTs `frame` as a batch with the usual headers; `headers` replace or add to them.
    func post(
        frame: [UInt8],
        batchID: String?,
        token: String? = CollectorHarness.fleetToken,
        headers extra: [(String, String)] = [],
        client: HTTPClient? = nil
    ) throws -> HTTPResponse {
        var headers = Self.batchHeaders(batchID: batchID, token: token)
        for (name, value) in extra {
            headers.removeAll { $0.0.lowercased() == name.lowercased() }
            headers.append((name, value))
        }
        return try (client ?? HTTPClient()).post(url: base + "/v1/batches", body: frame, headers: headers)
    }

    func post(_ batch: EncodedBatch, token: String? = CollectorHarness.fleetToken) throws -> HTTPResponse {
        try post(frame: batch.frame, batchID: batch.id, token: token)
    }

    /// GETs `path` (with its query) with `token`.
    func get(_ path: String, token: String? = CollectorHarness.fleetToken, client: HTTPClient? = nil) throws
        -> HTTPResponse
    {
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        return try (client ?? HTTPClient()).get(url: base + path, headers: headers)
    }
}

/// Segments, batches and answers for the collector tests.
enum CollectorFixtures {
    /// A segment of `host` whose id depends on `index`, with one hit of `rule`.
    static func segment(host: String, index: Int, rule: String = "tests.skip-intent", text: String = "skip the tests")
        -> Segment
    {
        Segment(
            id: Segment.makeID(host: host, fingerprint: "fp", firstPosition: "\(index)", lastPosition: "\(index + 1)"),
            host: host,
            stream: StreamIdentity(source: "claude", format: "claude-code", path: "/home/a/s.jsonl", fingerprint: "fp"),
            session: "session-1",
            score: 10,
            maxSeverity: "high",
            sampled: false,
            redactions: 0,
            hits: [
                SegmentHit(
                    rule: rule,
                    category: "test-tampering",
                    severity: "high",
                    record: 0,
                    field: 0,
                    kind: .reasoning,
                    start: 0,
                    end: 4
                )
            ],
            records: [
                SegmentRecord(
                    position: "\(index * 100)",
                    record: Record(fields: [RecordField(kind: .reasoning, text)], time: "2026-11-24T10:01:02.345Z")
                )
            ]
        )
    }

    /// A batch of `count` segments of `host`, numbered from `first`.
    static func batch(host: String, first: Int = 0, count: Int, builder: inout BatchBuilder) throws -> EncodedBatch {
        precondition(builder.host == host)
        for index in first..<first + count { builder.add(segment(host: host, index: index)) }
        return try builder.finish()
    }

    /// The JSON object of an answer's body.
    static func jsonObject(_ response: HTTPResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], response.bodyText)
    }

    /// The NDJSON lines of a feed answer, each as an object.
    static func feedLines(_ response: HTTPResponse) throws -> [[String: Any]] {
        try response.body.split(separator: 0x0A).map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
    }
}
