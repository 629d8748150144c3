// `tracehound-collector query` as the executable runs it (its command in a Program, output captured): readable
// segments with hits highlighted, NDJSON with cursors, filters, exit codes; on SQLite and on PostgreSQL.
import Foundation
import TracehoundCLI
import TracehoundCollector
import TracehoundConfig
import TracehoundCore
import TracehoundTestKit
import XCTest

final class QueryCommandTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    private struct Outcome {
        var status: ExitCode
        var stdout: String
        var stderr: String
    }

    private func query(_ arguments: [String]) -> Outcome {
        let program = Program(
            name: "tracehound-collector",
            summary: "",
            version: "",
            commands: [QueryCommand.command()]
        )
        let output = TextOutput.capturing()
        let errors = TextOutput.capturing()
        let status = program.main(["query"] + arguments, environment: [:], output: output, errors: errors)
        return Outcome(status: status, stdout: output.text, stderr: errors.text)
    }

    /// A SQLite store holding three segments from two hosts; its URL.
    private func sampleStore() throws -> (url: String, segments: [IngestSegment]) {
        let path = directory.file("segments.db")
        let segments = try fill(.sqlite(path: path))
        return ("sqlite://" + path, segments)
    }

    private func fill(_ location: StoreLocation) throws -> [IngestSegment] {
        let rm = (record: 1, range: 4..<12, rule: "destructive.rm-root", category: "destructive", severity: "critical")
        let segments = [
            StoreFixtures.segment(id: "seg-1", host: "agent-a"),
            StoreFixtures.segment(
                id: "seg-2",
                host: "agent-b",
                score: 50,
                texts: ["let me clean up", "run rm -rf / now"],
                hits: [rm],
                kind: .command
            ),
            StoreFixtures.segment(id: "seg-3", host: "agent-a", score: 20),
        ]
        let store = try SegmentStores.open(location)
        defer { store.close() }
        _ = try store.ingest(StoreFixtures.batch("b1", segments))
        return segments
    }

    func testPrintsEachSegmentWithAHeaderAndItsHitsMarked() throws {
        let (url, _) = try sampleStore()
        let result = query(["--store", url])
        XCTAssertEqual(result.status, .success, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let blocks = result.stdout.components(separatedBy: "── cursor ").dropFirst()
        XCTAssertEqual(blocks.count, 3, result.stdout)
        let first = try XCTUnwrap(blocks.first)
        XCTAssertTrue(first.hasPrefix("1  20"), first)  // the cursor, then the received time
        XCTAssertTrue(first.contains("agent-a  claude  score 10  high"), first)
        XCTAssertTrue(first.contains("rules: tests.skip-intent"), first)
        XCTAssertTrue(first.contains("/home/a/.claude/projects/p/agent-a.jsonl  session session-agent-a"), first)
        XCTAssertTrue(first.contains("▶ @1000 reasoning: I will »skip the failing tests« for now"), first)
        let second = Array(blocks)[1]
        XCTAssertTrue(second.contains("agent-b  claude  score 50  critical"), second)
        XCTAssertTrue(second.contains("  @1000 command: let me clean up\n"), second)
        XCTAssertTrue(second.contains("▶ @1100 command: run »rm -rf /« now"), second)
        XCTAssertFalse(result.stdout.contains("\u{1B}"), "no ANSI codes when the output is not a terminal")
    }

    func testPrintsNDJSONWithTheCursorBeforeTheStoredLine() throws {
        let (url, segments) = try sampleStore()
        let result = query(["--store", url, "--json"])
        XCTAssertEqual(result.status, .success, result.stderr)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, "three lines and the final newline")
        for (index, segment) in segments.enumerated() {
            let expected = "{\"cursor\":\(index + 1)," + String(decoding: segment.line.dropFirst(), as: UTF8.self)
            XCTAssertEqual(String(lines[index]), expected)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
            XCTAssertEqual(object["cursor"] as? Int, index + 1)
            XCTAssertEqual(object["id"] as? String, segment.id)
        }
    }

    func testFlagsFilterTheSegments() throws {
        let (url, _) = try sampleStore()
        func ids(_ flags: [String]) -> [String] {
            let result = query(["--store", url, "--json"] + flags)
            XCTAssertEqual(result.status, .success, result.stderr)
            return result.stdout.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
            }
        }
        XCTAssertEqual(ids(["--host", "agent-a"]), ["seg-1", "seg-3"])
        XCTAssertEqual(ids(["--rule", "destructive.rm-root"]), ["seg-2"])
        XCTAssertEqual(ids(["--category", "test-tampering"]), ["seg-1", "seg-3"])
        XCTAssertEqual(ids(["--min-score", "20"]), ["seg-2", "seg-3"])
        XCTAssertEqual(ids(["--limit", "1"]), ["seg-3"])
        XCTAssertEqual(ids(["--since", "1h"]), ["seg-1", "seg-2", "seg-3"])
        XCTAssertEqual(ids(["--since", "2d", "--host", "agent-b"]), ["seg-2"])
        XCTAssertEqual(ids(["--since", "2000-01-01T00:00:00Z", "--limit", "2"]), ["seg-2", "seg-3"])
    }

    func testSaysNoSegmentsMatchOnStderrAndSucceeds() throws {
        let (url, _) = try sampleStore()
        let result = query(["--store", url, "--host", "nobody"])
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "no segments match\n")
        let future = query(["--store", url, "--since", "2999-01-01T00:00:00Z"])
        XCTAssertEqual(future.stderr, "no segments match\n")
    }

    func testUsageMistakesExitWithStatusTwo() throws {
        let (url, _) = try sampleStore()
        let mistakes: [([String], String)] = [
            ([], "--store is required"),
            (["--store", "mysql://db"], "--store: 'mysql://db' has scheme 'mysql'"),
            (["--store", url, "--since", "yesterday"], "--since:"),
            (["--store", url, "--since", "2026-13-45"], "--since: '2026-13-45' is not an RFC 3339 time"),
            (["--store", url, "--min-score", "high"], "--min-score: 'high' is not a whole number"),
            (["--store", url, "--limit", "0"], "--limit: '0' is not a positive whole number"),
            (["--store", url, "--colour"], "unknown flag '--colour'"),
        ]
        for (arguments, message) in mistakes {
            let result = query(arguments)
            XCTAssertEqual(result.status, .usage, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("usage: tracehound-collector query --store URL"), result.stderr)
        }
    }

    func testAStoreThatCannotBeReadExitsWithStatusOneAndTheReason() throws {
        let missing = query(["--store", "sqlite://" + directory.file("nowhere/segments.db")])
        XCTAssertEqual(missing.status, .failure)
        XCTAssertTrue(missing.stderr.contains("no SQLite store at \(directory.file("nowhere/segments.db"))"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("nowhere")), "nothing was created")

        let unreachable = query(["--store", "postgresql://postgres@/postgres?host=/nonexistent-socket-dir"])
        XCTAssertEqual(unreachable.status, .failure)
        XCTAssertTrue(unreachable.stderr.contains("cannot read the store"), unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("/nonexistent-socket-dir"), unreachable.stderr)
    }

    func testQueriesAPostgreSQLStoreInBothForms() throws {
        let databases = try PostgresTestDatabases()
        defer { try? databases.server.stop() }
        let url = try databases.makeDatabase()
        let segments = try fill(.postgresql(url: url))
        let readable = query(["--store", url, "--rule", "destructive.rm-root"])
        XCTAssertEqual(readable.status, .success, readable.stderr)
        XCTAssertTrue(readable.stdout.contains("run »rm -rf /« now"), readable.stdout)
        XCTAssertTrue(readable.stdout.contains("agent-b  claude  score 50  critical"), readable.stdout)
        let json = query(["--store", url, "--json", "--host", "agent-a"])
        XCTAssertEqual(json.status, .success, json.stderr)
        XCTAssertEqual(
            json.stdout,
            "{\"cursor\":1," + String(decoding: segments[0].line.dropFirst(), as: UTF8.self) + "\n"
                + "{\"cursor\":3," + String(decoding: segments[2].line.dropFirst(), as: UTF8.self) + "\n"
        )
    }

    func testSinceTakesDurationsDaysAndRFC3339Times() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func since(_ text: String) -> Double? { try? QueryCommand.since(text, now: now).get().timeIntervalSince(now) }
        XCTAssertEqual(since("30m"), -1800)
        XCTAssertEqual(since("24h"), -86_400)
        XCTAssertEqual(since("7d"), -7 * 86_400)
        XCTAssertEqual(since("1d12h"), -1.5 * 86_400)
        XCTAssertEqual(since("1500ms"), -1.5)
        XCTAssertEqual(
            try QueryCommand.since("2026-11-24T10:01:02.345Z", now: now).get().timeIntervalSince1970,
            1_795_514_462.345,
            accuracy: 0.001
        )
        XCTAssertEqual(try QueryCommand.since("2026-11-24", now: now).get().timeIntervalSince1970, 1_795_478_400)
        XCTAssertNil(since(""))
        XCTAssertNil(since("7days"))
        XCTAssertNil(since("d"))
        XCTAssertNil(since("soon"))
    }

    // MARK: The readable form

    private func rendered(_ segment: IngestSegment, colour: Bool = false) -> String {
        SegmentPrinter(colour: colour).render(
            StoredSegment(cursor: 7, receivedAt: Date(timeIntervalSince1970: 1_795_514_462.345), line: segment.line)
        )
    }

    func testHighlightsHitsInBoldRedOnATerminal() {
        let text = rendered(StoreFixtures.segment(id: "s"), colour: true)
        XCTAssertTrue(text.contains("I will \u{1B}[1;31mskip the failing tests\u{1B}[0m for now"), text)
        XCTAssertTrue(text.hasPrefix("\u{1B}[1m── cursor 7\u{1B}[0m  2026-11-24T10:01:02.345Z"), text)
        XCTAssertFalse(text.contains("»"))
    }

    func testShortensLongTextsAroundTheirHits() throws {
        let long = String(repeating: "a", count: 1000) + " rm -rf / " + String(repeating: "é", count: 500)
        let hit = (
            record: 0, range: 1001..<1009, rule: "destructive.rm-root", category: "destructive", severity: "high"
        )
        let quiet = String(repeating: "q", count: 1000)
        let text = rendered(StoreFixtures.segment(id: "s", texts: [long, quiet], hits: [hit]))
        let lines = text.split(separator: "\n")
        let hitLine = try XCTUnwrap(lines.first { $0.contains("»") })
        XCTAssertEqual(
            String(hitLine),
            "▶ @1000 reasoning: …" + String(repeating: "a", count: 79) + " »rm -rf /« "
                + String(repeating: "é", count: 39) + "…",
            "80 bytes each side, cut at a character boundary"
        )
        let quietLine = try XCTUnwrap(lines.first { $0.contains("@1100") })
        XCTAssertEqual(String(quietLine), "  @1100 reasoning: " + String(repeating: "q", count: 240) + "…")
    }

    func testShowsControlCharactersFromTranscriptsAsSymbols() {
        let text = rendered(
            StoreFixtures.segment(id: "s", texts: ["clear\u{1B}[2J\ttab\nnext\u{7F}\u{85}"], hits: []),
            colour: true
        )
        XCTAssertTrue(text.contains("clear␛[2J tab⏎next␡\u{FFFD}"), text)
        XCTAssertFalse(text.contains("\u{1B}[2J"), "the transcript cannot drive the terminal")
    }
}
