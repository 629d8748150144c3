// Scanning: stopping early, handler errors, streams across chunks, and one scratch per thread.
import Foundation
import Synchronization
import TracehoundFilter
import XCTest

final class PatternScanTests: XCTestCase {
    func testTheHandlerCanStopTheScanAfterTheFirstMatch() throws {
        let database = try PatternDatabase(patterns: [Pattern(id: 1, expression: "test")])
        let scratch = try database.makeScratch()
        var seen = 0
        let outcome = try database.scan(Array("test test test".utf8), scratch: scratch) { _ in
            seen += 1
            return .stop
        }
        XCTAssertEqual(outcome, .stopped)
        XCTAssertEqual(seen, 1)
        let all = try database.scan(Array("test test test".utf8), scratch: scratch) { _ in .keepScanning }
        XCTAssertEqual(all, .completed, "the scratch is reusable after a stopped scan")
    }

    func testAnErrorThrownByTheHandlerStopsTheScanAndIsRethrown() throws {
        struct Enough: Error, Equatable {}
        let database = try PatternDatabase(patterns: [Pattern(id: 1, expression: "x")])
        let scratch = try database.makeScratch()
        var seen = 0
        XCTAssertThrowsError(
            try database.scan(Array("x x x".utf8), scratch: scratch) { _ in
                seen += 1
                throw Enough()
            }
        ) { XCTAssertEqual($0 as? Enough, Enough()) }
        XCTAssertEqual(seen, 1)
    }

    func testAnEmptyBufferScansWithoutMatches() throws {
        let database = try PatternDatabase(patterns: [Pattern(id: 1, expression: "x")])
        let outcome = try database.scan(UnsafeRawBufferPointer(start: nil, count: 0), scratch: database.makeScratch()) {
            XCTFail("no match expected: \($0)")
            return .keepScanning
        }
        XCTAssertEqual(outcome, .completed)
    }

    func testAStreamFindsAMatchSplitAcrossChunksWithStreamOffsets() throws {
        let database = try PatternDatabase(
            patterns: [
                Pattern(id: 1, expression: "skip the tests", flags: [.caseless, .startOfMatchLeftmost]),
                Pattern(id: 2, expression: "done$"),
            ],
            mode: .stream
        )
        let scratch = try database.makeScratch()
        let stream = try PatternStream(database: database)
        var matches: [PatternMatch] = []
        for chunk in ["we will SKIP th", "e TESTS and be ", "done"] {
            try stream.scan(Array(chunk.utf8), scratch: scratch) {
                matches.append($0)
                return .keepScanning
            }
        }
        XCTAssertEqual(matches, [PatternMatch(id: 1, start: 8, end: 22)])
        try stream.close(scratch: scratch) {
            matches.append($0)
            return .keepScanning
        }
        XCTAssertEqual(matches.last, PatternMatch(id: 2, start: 0, end: 34), "$ matches only once the stream ends")
    }

    func testOneScratchServesTwoDatabasesOncePrepared() throws {
        let small = try PatternDatabase(patterns: [Pattern(id: 1, expression: "a")])
        let large = try PatternDatabase(
            patterns: (0..<200).map { Pattern(id: UInt32($0), expression: "w\($0)[a-z]{2,9}x") }
        )
        let scratch = try small.makeScratch()
        try scratch.prepare(for: large)
        XCTAssertGreaterThan(scratch.sizeInBytes, 0)
        var ids: [UInt32] = []
        try large.scan(Array("w17abcx".utf8), scratch: scratch) {
            ids.append($0.id)
            return .keepScanning
        }
        try small.scan(Array("a".utf8), scratch: scratch) {
            ids.append($0.id)
            return .keepScanning
        }
        XCTAssertEqual(ids, [17, 1])
    }

    func testTwoThreadsScanOneDatabaseAtOnceEachWithItsOwnScratch() throws {
        let database = try PatternDatabase(patterns: [
            Pattern(id: 1, expression: "needle", flags: .caseless),
            Pattern(id: 2, expression: #"\bhay\d+\b"#),
        ])
        var text = ""
        for index in 0..<2000 { text += index % 100 == 0 ? "a NEEDLE here " : "hay\(index) " }
        let haystack = Array(text.utf8)
        let expected = try collect(database, text)
        XCTAssertEqual(expected.filter { $0.id == 1 }.count, 20)

        let results = Mutex<[[PatternMatch]]>([])
        let finished = DispatchGroup()
        for _ in 0..<2 {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                do {
                    let scratch = try database.makeScratch()
                    for _ in 0..<50 {
                        var matches: [PatternMatch] = []
                        try database.scan(haystack, scratch: scratch) {
                            matches.append($0)
                            return .keepScanning
                        }
                        results.withLock { $0.append(matches) }
                    }
                } catch {
                    XCTFail("scan on a thread failed: \(error)")
                }
            }
            thread.start()
        }
        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success)
        let all = results.withLock { $0 }
        XCTAssertEqual(all.count, 100)
        for matches in all { XCTAssertEqual(matches, expected) }
    }
}
