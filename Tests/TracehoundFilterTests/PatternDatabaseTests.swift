// Compiling many patterns into one vectorscan database: ids, flags, and errors that name the failing pattern.
import TracehoundFilter
import XCTest

final class PatternDatabaseTests: XCTestCase {
    func testTheLibraryReportsItsVersionAndSupportsThisCPU() {
        XCTAssertTrue(Vectorscan.version.hasPrefix("5."), Vectorscan.version)
        XCTAssertTrue(Vectorscan.isPlatformSupported)
    }

    func testManyPatternsCompileIntoOneDatabaseAndReportTheirIdsAndOffsets() throws {
        let database = try PatternDatabase(patterns: [
            Pattern(id: 10, expression: "skip(ping)? the tests?", flags: .startOfMatchLeftmost),
            Pattern(id: 20, expression: #"rm -rf /\S*"#, flags: .startOfMatchLeftmost),
            Pattern(id: 30, expression: "xfail", flags: .startOfMatchLeftmost),
        ])
        XCTAssertEqual(database.patternCount, 3)
        XCTAssertEqual(database.mode, .block)
        XCTAssertGreaterThan(database.sizeInBytes, 0)
        let text = "first skip the tests, then rm -rf /tmp/x and mark it xfail"
        let matches = try collect(database, text)
        XCTAssertTrue(matches.contains(PatternMatch(id: 10, start: 6, end: 20)), "\(matches)")
        XCTAssertTrue(matches.contains(PatternMatch(id: 20, start: 27, end: 40)), "\(matches)")
        XCTAssertTrue(matches.contains(PatternMatch(id: 30, start: 53, end: 58)), "\(matches)")
        XCTAssertEqual(Set(matches.map(\.id)), [10, 20, 30])
        XCTAssertEqual(matches.map(\.end), matches.map(\.end).sorted(), "matches arrive in order of their end")
    }

    func testPatternsMayShareAnId() throws {
        let database = try PatternDatabase(patterns: [
            Pattern(id: 7, expression: "alpha"),
            Pattern(id: 7, expression: "omega"),
        ])
        XCTAssertEqual(try collect(database, "alpha and omega").map(\.id), [7, 7])
    }

    func testWithoutStartOfMatchTheStartIsZero() throws {
        let database = try PatternDatabase(patterns: [Pattern(id: 1, expression: "tests")])
        XCTAssertEqual(try collect(database, "run the tests"), [PatternMatch(id: 1, start: 0, end: 13)])
    }

    func testCaselessMatchesAnyCaseAndTheDefaultDoesNot() throws {
        let database = try PatternDatabase(patterns: [
            Pattern(id: 1, expression: "skip the tests", flags: .caseless),
            Pattern(id: 2, expression: "skip the tests"),
        ])
        XCTAssertEqual(try collect(database, "I will SKIP The Tests").map(\.id), [1])
        XCTAssertEqual(try collect(database, "I will skip the tests").map(\.id).sorted(), [1, 2])
    }

    func testDotAllMultilineSingleMatchAndUTF8ChangeWhatMatches() throws {
        let database = try PatternDatabase(patterns: [
            Pattern(id: 1, expression: "a.b"),
            Pattern(id: 2, expression: "a.b", flags: .dotAll),
            Pattern(id: 3, expression: "^b", flags: .multiline),
            Pattern(id: 4, expression: "^b"),
            Pattern(id: 5, expression: "b", flags: .singleMatch),
            Pattern(id: 6, expression: "^é.$", flags: [.utf8, .multiline]),
        ])
        let matches = try collect(database, "a\nb b\néü")
        XCTAssertEqual(matches.filter { $0.id == 1 }.count, 0, "dot stops at newline")
        XCTAssertEqual(matches.filter { $0.id == 2 }.count, 1)
        XCTAssertEqual(matches.filter { $0.id == 3 }.count, 1)
        XCTAssertEqual(matches.filter { $0.id == 4 }.count, 0)
        XCTAssertEqual(matches.filter { $0.id == 5 }.count, 1, "reported once though b occurs twice")
        XCTAssertEqual(matches.filter { $0.id == 6 }.count, 1, "one dot matches one two-byte code point")
    }

    func testABadRegexNamesThePatternItsIdAndTheReason() {
        let patterns = [
            Pattern(id: 100, expression: "fine"),
            Pattern(id: 200, expression: "broken(unclosed"),
        ]
        XCTAssertThrowsError(try PatternDatabase(patterns: patterns)) { error in
            guard case .invalidPattern(let index, let id, let expression, let message)? = error as? PatternDatabaseError
            else { return XCTFail("expected invalidPattern, got \(error)") }
            XCTAssertEqual(index, 1)
            XCTAssertEqual(id, 200)
            XCTAssertEqual(expression, "broken(unclosed")
            XCTAssertTrue(message.contains("parenthes"), message)
            XCTAssertTrue("\(error)".hasPrefix("pattern 1 (id 200) /broken(unclosed/: "), "\(error)")
        }
    }

    func testAPatternThatMatchesEmptyIsRejectedUnlessAllowed() throws {
        XCTAssertThrowsError(try PatternDatabase(patterns: [Pattern(id: 5, expression: "a*")])) {
            guard case .invalidPattern(0, 5, _, _)? = $0 as? PatternDatabaseError else { return XCTFail("\($0)") }
        }
        XCTAssertNoThrow(try PatternDatabase(patterns: [Pattern(id: 5, expression: "a*", flags: .allowEmpty)]))
    }

    func testAnExpressionWithANulByteIsRefusedBeforeCompiling() {
        XCTAssertThrowsError(try PatternDatabase(patterns: [Pattern(id: 9, expression: "a\u{0}b")])) {
            guard case .invalidPattern(0, 9, _, let message)? = $0 as? PatternDatabaseError else {
                return XCTFail("\($0)")
            }
            XCTAssertTrue(message.contains("NUL"))
        }
    }

    func testAnEmptyPatternListIsACompileError() {
        XCTAssertThrowsError(try PatternDatabase(patterns: [])) {
            guard case .compileFailed(let message)? = $0 as? PatternDatabaseError else { return XCTFail("\($0)") }
            XCTAssertFalse(message.isEmpty)
        }
    }

    func testABlockDatabaseRefusesToOpenAStream() throws {
        let database = try PatternDatabase(patterns: [Pattern(id: 1, expression: "x")])
        XCTAssertThrowsError(try PatternStream(database: database)) {
            XCTAssertEqual($0 as? PatternDatabaseError, .library(call: "hs_open_stream", code: -7))
            XCTAssertEqual("\($0)", "hs_open_stream failed: HS_DB_MODE_ERROR (-7)")
        }
    }
}

/// Every match of `database` in `text`, in the order vectorscan reports them.
func collect(_ database: PatternDatabase, _ text: String) throws -> [PatternMatch] {
    let scratch = try database.makeScratch()
    var matches: [PatternMatch] = []
    try database.scan(Array(text.utf8), scratch: scratch) {
        matches.append($0)
        return .keepScanning
    }
    return matches
}
