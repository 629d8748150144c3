// The behaviour every segment store keeps, written once and run against SQLite (SQLiteSegmentStoreTests) and
// PostgreSQL (PostgresSegmentStoreTests): ingest, feed order, duplicates, replays, stats, query filters, and
// concurrent ingest with a feed reader polling meanwhile.
import Foundation
import Synchronization
import TracehoundCollector
import TracehoundCore
import TracehoundTestKit
import XCTest

/// Segments and batches as an agent would send them: real segment lines made by Core's encoder.
enum StoreFixtures {
    /// A segment with one record per text; `hits` mark (record, byte range, rule, category, severity).
    static func segment(
        id: String,
        host: String = "agent-17",
        score: Int = 10,
        texts: [String] = ["I will skip the failing tests for now"],
        hits: [(record: Int, range: Range<Int>, rule: String, category: String, severity: String)] = [
            (0, 7..<29, "tests.skip-intent", "test-tampering", "high")
        ],
        kind: FieldKind = .reasoning
    ) -> IngestSegment {
        let records = texts.enumerated().map { index, text in
            SegmentRecord(
                position: "\(1000 + index * 100)",
                record: Record(fields: [RecordField(kind: kind, text)], time: "2026-11-24T10:01:0\(index % 10).000Z")
            )
        }
        let segmentHits = hits.map { hit in
            SegmentHit(
                rule: hit.rule,
                category: hit.category,
                severity: hit.severity,
                record: hit.record,
                field: 0,
                kind: kind,
                start: hit.range.lowerBound,
                end: hit.range.upperBound
            )
        }
        let segment = Segment(
            id: id,
            host: host,
            stream: StreamIdentity(
                source: "claude",
                format: "claude-code",
                path: "/home/a/.claude/projects/p/\(host).jsonl",
                fingerprint: "fp-\(host)"
            ),
            session: "session-\(host)",
            score: score,
            maxSeverity: hits.first?.severity,
            sampled: false,
            redactions: 0,
            hits: segmentHits,
            records: records
        )
        return IngestSegment(
            id: id,
            host: host,
            source: "claude",
            format: "claude-code",
            streamPath: segment.stream.path,
            session: segment.session,
            score: score,
            maxSeverity: segment.maxSeverity,
            sampled: false,
            firstRecordTime: records.first?.record.time,
            hits: hits.map { IngestHit(rule: $0.rule, category: $0.category, severity: $0.severity) },
            line: Array(segment.jsonLine.dropLast())  // without the newline, as the collector stores it
        )
    }

    static func batch(_ id: String, _ segments: [IngestSegment]) -> IngestBatch {
        IngestBatch(batchID: id, segments: segments)
    }

    /// The ids of stored segments, read back from their lines.
    static func id(of stored: StoredSegment) -> String {
        var parser = JSONParser()
        return (try? parser.parse(stored.line) { $0.string($0.member("id", of: $0.root)) ?? "" }) ?? ""
    }
}

/// The shared test body: `open` gives a fresh, empty store each time it is called.
struct SegmentStoreBehaviour {
    let open: () throws -> any SegmentStore

    func storesABatchAndFeedsItsSegmentsInOrderWithTheirLinesVerbatim() throws {
        let store = try open()
        defer { store.close() }
        let before = Date()
        var odd = StoreFixtures.segment(id: "seg-b", texts: ["naïve — \"quoted\"\nline\u{1}"], hits: [])
        odd.line += Array(#" "#.utf8)  // a trailing space must survive too
        let segments = [StoreFixtures.segment(id: "seg-a"), odd, StoreFixtures.segment(id: "seg-c", score: 40)]
        let result = try store.ingest(StoreFixtures.batch("batch-1", segments))
        XCTAssertEqual(result, IngestResult(stored: 3, duplicates: 0, replayedBatch: false))

        let feed = try store.feed(after: 0, limit: 100)
        XCTAssertEqual(feed.map(\.line), segments.map(\.line), "the lines come back byte for byte, in batch order")
        XCTAssertEqual(feed.map(\.cursor), feed.map(\.cursor).sorted())
        XCTAssertEqual(Set(feed.map(\.cursor)).count, 3)
        for stored in feed {
            XCTAssertGreaterThanOrEqual(stored.receivedAt.timeIntervalSince(before), -2)
            XCTAssertLessThanOrEqual(stored.receivedAt.timeIntervalSinceNow, 2)
        }
    }

    func feedsPageByCursorAndLimit() throws {
        let store = try open()
        defer { store.close() }
        for batch in 0..<3 {
            let segments = (0..<4).map { StoreFixtures.segment(id: "seg-\(batch)-\($0)") }
            _ = try store.ingest(StoreFixtures.batch("batch-\(batch)", segments))
        }
        var seen: [String] = []
        var cursor: Int64 = 0
        while true {
            let page = try store.feed(after: cursor, limit: 5)
            XCTAssertLessThanOrEqual(page.count, 5)
            guard let last = page.last else { break }
            XCTAssertTrue(page.allSatisfy { $0.cursor > cursor })
            seen += page.map(StoreFixtures.id)
            cursor = last.cursor
        }
        XCTAssertEqual(seen, (0..<3).flatMap { batch in (0..<4).map { "seg-\(batch)-\($0)" } })
        XCTAssertEqual(try store.feed(after: cursor, limit: 5), [], "nothing after the newest cursor")
    }

    func countsAStoredSegmentIdAsADuplicate() throws {
        let store = try open()
        defer { store.close() }
        _ = try store.ingest(StoreFixtures.batch("batch-1", [StoreFixtures.segment(id: "seg-a")]))
        let again = [
            StoreFixtures.segment(id: "seg-a"), StoreFixtures.segment(id: "seg-b"), StoreFixtures.segment(id: "seg-b"),
        ]
        let result = try store.ingest(StoreFixtures.batch("batch-2", again))
        XCTAssertEqual(result, IngestResult(stored: 1, duplicates: 2, replayedBatch: false))
        XCTAssertEqual(try store.feed(after: 0, limit: 100).map(StoreFixtures.id), ["seg-a", "seg-b"])
        XCTAssertEqual(try store.stats().first?.segments, 2, "duplicates are not counted as stored")
    }

    func acknowledgesAReplayedBatchWithoutCountingItsCountersTwice() throws {
        let store = try open()
        defer { store.close() }
        var batch = StoreFixtures.batch("agent-17-run-1", [StoreFixtures.segment(id: "seg-a")])
        batch.counters = [
            IngestCounters(
                host: "agent-17",
                time: "2026-11-24T10:00:00.000Z",
                records: 500,
                bytes: 90_000,
                hits: ["tests.skip-intent": 2, "destructive.rm-root": 1]
            ),
            IngestCounters(
                host: "agent-17",
                time: "2026-11-24T10:01:00.000Z",
                records: 100,
                bytes: 10_000,
                hits: ["tests.skip-intent": 1]
            ),
        ]
        batch.heartbeats = [IngestHeartbeat(host: "agent-17", time: "2026-11-24T10:01:00.000Z", version: "0.1.0")]
        XCTAssertEqual(try store.ingest(batch), IngestResult(stored: 1, duplicates: 0, replayedBatch: false))
        let first = try store.stats()
        XCTAssertEqual(try store.ingest(batch), IngestResult(stored: 0, duplicates: 1, replayedBatch: true))

        let stats = try XCTUnwrap(try store.stats().first)
        XCTAssertEqual(stats.hitsPerRule, ["tests.skip-intent": 3, "destructive.rm-root": 1])
        XCTAssertEqual(stats.recordsScanned, 600)
        XCTAssertEqual(stats.bytesScanned, 100_000)
        XCTAssertEqual(stats.segments, 1)
        XCTAssertEqual(stats.version, "0.1.0")
        XCTAssertEqual(first.first?.hitsPerRule, stats.hitsPerRule)
        XCTAssertEqual(try store.feed(after: 0, limit: 100).count, 1, "stored once")
    }

    func reportsStatsPerHost() throws {
        let store = try open()
        defer { store.close() }
        let start = Date()
        var first = StoreFixtures.batch(
            "b1",
            [StoreFixtures.segment(id: "a1", host: "agent-a"), StoreFixtures.segment(id: "a2", host: "agent-a")]
        )
        first.heartbeats = [IngestHeartbeat(host: "agent-a", time: "2026-11-24T10:00:00.000Z", version: "0.1.0")]
        first.counters = [
            IngestCounters(host: "agent-a", time: "2026-11-24T10:00:00.000Z", records: 10, bytes: 100, hits: ["r": 2])
        ]
        _ = try store.ingest(first)
        var second = StoreFixtures.batch("b2", [StoreFixtures.segment(id: "b1", host: "agent-b")])
        second.heartbeats = [IngestHeartbeat(host: "agent-a", time: "2026-11-24T10:01:00.000Z", version: "0.2.0")]
        _ = try store.ingest(second)
        _ = try store.ingest(IngestBatch(batchID: "b3", segments: [], counters: [], heartbeats: []))

        let stats = try store.stats()
        XCTAssertEqual(stats.map(\.host), ["agent-a", "agent-b"])
        let a = stats[0]
        let b = stats[1]
        XCTAssertEqual(a.segments, 2)
        XCTAssertEqual(a.version, "0.2.0", "the newest heartbeat's version")
        XCTAssertEqual(a.hitsPerRule, ["r": 2])
        XCTAssertEqual(a.recordsScanned, 10)
        XCTAssertEqual(a.bytesScanned, 100)
        XCTAssertNotNil(a.lastHeartbeatAt)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(a.lastBatchAt).timeIntervalSince(start), -2)
        XCTAssertEqual(b.segments, 1)
        XCTAssertNil(b.lastHeartbeatAt)
        XCTAssertNil(b.version)
        XCTAssertEqual(b.hitsPerRule, [:])
        XCTAssertNotNil(b.lastBatchAt)
    }

    func filtersQueriesByEveryFilterAndKeepsTheMostRecent() throws {
        let store = try open()
        defer { store.close() }
        let rm = (record: 0, range: 0..<8, rule: "destructive.rm-root", category: "destructive", severity: "critical")
        let skip = (record: 0, range: 9..<13, rule: "tests.skip-intent", category: "test-tampering", severity: "high")
        let ssh = (record: 0, range: 0..<3, rule: "secrets.ssh-key", category: "secrets", severity: "high")
        let old = [
            StoreFixtures.segment(id: "s1", host: "agent-a", score: 10, hits: [skip]),
            StoreFixtures.segment(id: "s2", host: "agent-b", score: 40, hits: [rm, skip]),
        ]
        _ = try store.ingest(StoreFixtures.batch("b1", old))
        // received_at comes from the store's clock: wait until it has moved on, then split old from new there.
        let received = try store.feed(after: 0, limit: 10).map(\.receivedAt).max()!
        try waitUntil("the clock passes the first batch's receipt") { Date().timeIntervalSince(received) > 0.05 }
        let split = Date()
        try waitUntil("the clock passes the split") { Date().timeIntervalSince(split) > 0.05 }
        let new = [
            StoreFixtures.segment(id: "s3", host: "agent-a", score: 30, hits: [ssh]),
            StoreFixtures.segment(id: "s4", host: "agent-a", score: 5, hits: [skip, skip]),
            StoreFixtures.segment(id: "s5", host: "agent-b", score: 50, hits: [rm]),
        ]
        _ = try store.ingest(StoreFixtures.batch("b2", new))

        func ids(_ query: SegmentQuery) throws -> [String] { try store.query(query).map(StoreFixtures.id) }
        XCTAssertEqual(try ids(SegmentQuery()), ["s1", "s2", "s3", "s4", "s5"])
        XCTAssertEqual(try ids(SegmentQuery(host: "agent-a")), ["s1", "s3", "s4"])
        XCTAssertEqual(try ids(SegmentQuery(rule: "tests.skip-intent")), ["s1", "s2", "s4"])
        XCTAssertEqual(try ids(SegmentQuery(category: "destructive")), ["s2", "s5"])
        XCTAssertEqual(try ids(SegmentQuery(since: split)), ["s3", "s4", "s5"])
        XCTAssertEqual(try ids(SegmentQuery(minScore: 30)), ["s2", "s3", "s5"])
        XCTAssertEqual(try ids(SegmentQuery(limit: 2)), ["s4", "s5"], "the most recent, oldest first")
        XCTAssertEqual(try ids(SegmentQuery(host: "agent-b", rule: "tests.skip-intent")), ["s2"])
        XCTAssertEqual(try ids(SegmentQuery(host: "agent-a", category: "test-tampering", minScore: 6)), ["s1"])
        XCTAssertEqual(try ids(SegmentQuery(rule: "tests.skip-intent", since: split, minScore: 1, limit: 1)), ["s4"])
        XCTAssertEqual(try ids(SegmentQuery(host: "nobody")), [])
        XCTAssertEqual(try ids(SegmentQuery(rule: "no.such-rule")), [])
    }

    /// 8 threads ingest overlapping batches (each also resends two segments of its neighbour) while a reader polls
    /// the feed: every segment is stored exactly once and the reader, moving only forward, sees each exactly once.
    func keepsEverySegmentOnceUnderConcurrentIngestWithAGaplessFeed() throws {
        let store = try open()
        defer { store.close() }
        let threads = 8
        let batchesPerThread = 12
        let segmentsPerBatch = 5
        @Sendable func segmentID(_ thread: Int, _ batch: Int, _ index: Int) -> String {
            "t\(thread)-b\(batch)-s\(index)"
        }
        let expected = Set(
            (0..<threads).flatMap { thread in
                (0..<batchesPerThread).flatMap { batch in
                    (0..<segmentsPerBatch).map { segmentID(thread, batch, $0) }
                }
            }
        )
        let totals = Mutex<(stored: Int, failures: [String])>((0, []))
        let writersDone = Mutex(0)
        let reader = FeedReader(store: store)
        let readerThread = Thread { reader.run(until: { writersDone.withLock { $0 } == threads }) }
        readerThread.start()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            defer { writersDone.withLock { $0 += 1 } }
            for batch in 0..<batchesPerThread {
                var segments = (0..<segmentsPerBatch).map { StoreFixtures.segment(id: segmentID(thread, batch, $0)) }
                let neighbour = (thread + 1) % threads
                segments += (0..<2).map { StoreFixtures.segment(id: segmentID(neighbour, batch, $0)) }
                do {
                    let result = try store.ingest(StoreFixtures.batch("t\(thread)-b\(batch)", segments))
                    XCTAssertEqual(result.stored + result.duplicates, segments.count)
                    totals.withLock { $0.stored += result.stored }
                } catch {
                    totals.withLock { $0.failures.append("\(error)") }
                }
            }
        }
        try waitUntil("the feed reader to finish") { reader.finished }
        XCTAssertEqual(totals.withLock { $0.failures }, [])
        XCTAssertEqual(totals.withLock { $0.stored }, expected.count, "each id stored by exactly one ingest")
        let seen = reader.seen
        XCTAssertEqual(seen.count - Set(seen).count, 0, "segments the reader saw twice")
        XCTAssertEqual(expected.subtracting(seen).sorted(), [], "segments the reader skipped")
        XCTAssertEqual(Set(seen).subtracting(expected).sorted(), [], "segments nobody sent")
        XCTAssertEqual(reader.problems, [])
        let all = try store.feed(after: 0, limit: 10_000)
        XCTAssertEqual(all.count, expected.count)
        XCTAssertEqual(try store.stats().first?.segments, expected.count)
    }

    func refusesCallsOnceClosed() throws {
        let store = try open()
        store.close()
        XCTAssertThrowsError(try store.ingest(StoreFixtures.batch("b", [StoreFixtures.segment(id: "x")])))
        XCTAssertThrowsError(try store.feed(after: 0, limit: 1))
    }
}

/// Polls the feed as the central pipeline does: from its last cursor forward, checking it only moves forward.
final class FeedReader: @unchecked Sendable {
    private let store: any SegmentStore
    private let state = Mutex<(seen: [String], problems: [String], finished: Bool)>(([], [], false))

    init(store: any SegmentStore) { self.store = store }

    var seen: [String] { state.withLock { $0.seen } }
    var problems: [String] { state.withLock { $0.problems } }
    var finished: Bool { state.withLock { $0.finished } }

    /// Polls until `writersDone` holds and one more poll after that returned nothing.
    func run(until writersDone: () -> Bool) {
        defer { state.withLock { $0.finished = true } }
        var cursor: Int64 = 0
        var finalPass = false
        while true {
            let done = writersDone()
            do {
                let page = try store.feed(after: cursor, limit: 37)
                for segment in page {
                    if segment.cursor <= cursor {
                        state.withLock { $0.problems.append("cursor \(segment.cursor) after \(cursor)") }
                    }
                    cursor = segment.cursor
                    state.withLock { $0.seen.append(StoreFixtures.id(of: segment)) }
                }
                if page.isEmpty {
                    if finalPass { return }
                    if done { finalPass = true }
                    usleep(1000)  // an empty poll: the real feed long-polls instead
                }
            } catch {
                state.withLock { $0.problems.append("\(error)") }
                return
            }
        }
    }
}
