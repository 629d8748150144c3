// SQLite statements: typed errors with codes and SQL, conflict counting, and values that survive the round trip.
import TracehoundCollector
import XCTest

final class SQLiteStatementTests: XCTestCase {
    private var database: SQLiteConnection!

    override func setUpWithError() throws {
        database = try SQLiteConnection(path: ":memory:")
        try database.execute("CREATE TABLE segments (id TEXT PRIMARY KEY, batch TEXT, n INTEGER, UNIQUE (batch, n))")
    }

    override func tearDown() {
        database = nil
    }

    func testAUniqueViolationIsATypedErrorWithCodesMessageAndSQL() throws {
        let insert = try database.prepare("INSERT INTO segments (id, batch, n) VALUES (?, ?, ?)")
        try insert.execute(["a", "b1", 1])
        XCTAssertThrowsError(try insert.execute(["b", "b1", 1])) {
            guard let error = $0 as? SQLiteError else { return XCTFail("\($0)") }
            XCTAssertEqual(error.code, SQLiteError.constraintCode)
            XCTAssertEqual(error.extendedCode, SQLiteError.uniqueConstraintCode)
            XCTAssertEqual(error.extendedCode, 2067)
            XCTAssertTrue(error.isConstraintViolation)
            XCTAssertTrue(error.isUniqueViolation)
            XCTAssertEqual(error.message, "UNIQUE constraint failed: segments.batch, segments.n")
            XCTAssertEqual(error.sql, "INSERT INTO segments (id, batch, n) VALUES (?, ?, ?)")
            XCTAssertTrue("\(error)".hasPrefix("SQLite error 19/2067 (constraint failed): UNIQUE"), "\(error)")
        }
        XCTAssertThrowsError(try insert.execute(["a", "b2", 2])) {
            XCTAssertEqual(($0 as? SQLiteError)?.extendedCode, SQLiteError.primaryKeyConstraintCode)
        }
    }

    func testInsertOnConflictDoNothingCountsOnlyNewRows() throws {
        let insert = try database.prepare("INSERT INTO segments (id, batch, n) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        XCTAssertEqual(try insert.execute(["s1", "b", 1]), 1)
        XCTAssertEqual(try insert.execute(["s1", "b", 1]), 0, "a duplicate id changes nothing")
        XCTAssertEqual(try insert.execute(["s2", "b", 1]), 0, "a duplicate (batch, n) changes nothing")
        XCTAssertEqual(try insert.execute(["s3", "b", 2]), 1)
        XCTAssertEqual(database.totalChanges, 2)
    }

    func testASyntaxErrorNamesTheSQL() {
        XCTAssertThrowsError(try database.prepare("SELEC id FROM segments")) {
            let error = $0 as? SQLiteError
            XCTAssertEqual(error?.code, 1, "SQLITE_ERROR")
            XCTAssertEqual(error?.message, #"near "SELEC": syntax error"#)
            XCTAssertEqual(error?.sql, "SELEC id FROM segments")
        }
        XCTAssertThrowsError(try database.execute("CREATE TABLE segments (x)")) {
            XCTAssertEqual(($0 as? SQLiteError)?.message, "table segments already exists")
            XCTAssertEqual(($0 as? SQLiteError)?.sql, "CREATE TABLE segments (x)")
        }
    }

    func testPreparingTwoStatementsAtOnceIsRefused() {
        XCTAssertThrowsError(try database.prepare("DELETE FROM segments; DROP TABLE segments")) {
            XCTAssertEqual(($0 as? SQLiteError)?.code, 21, "SQLITE_MISUSE")
        }
        XCTAssertNoThrow(try database.prepare("SELECT 1;  "))
    }

    func testBindingPastTheLastParameterIsARangeError() throws {
        let statement = try database.prepare("SELECT ?")
        XCTAssertEqual(statement.parameterCount, 1)
        XCTAssertThrowsError(try statement.bind(1, at: 2)) {
            XCTAssertEqual(($0 as? SQLiteError)?.code, 25, "SQLITE_RANGE")
        }
    }

    func testEveryStorageClassRoundTrips() throws {
        try database.execute("CREATE TABLE v (x)")
        let values: [SQLiteValue] = [
            .null, .integer(.max), .integer(.min), .real(-2.5), .text(""), .text("naïve ✓ \u{0} after nul"),
            .blob([]), .blob([0, 255, 0]),
        ]
        let insert = try database.prepare("INSERT INTO v (rowid, x) VALUES (?, ?)")
        for (index, value) in values.enumerated() { try insert.execute([.integer(Int64(index)), value]) }
        let select = try database.prepare("SELECT x, typeof(x) FROM v ORDER BY rowid")
        var read: [SQLiteValue] = []
        while try select.step() == .row { read.append(select.value(at: 0)) }
        XCTAssertEqual(read, values)
    }

    func testTypedGettersAndNamedParameters() throws {
        let statement = try database.prepare("SELECT :n + 1, :t, :b, NULL")
        let n = try XCTUnwrap(statement.parameterIndex(named: ":n"))
        try statement.bind(Int64(41), at: n)
        try statement.bind("text", at: XCTUnwrap(statement.parameterIndex(named: ":t")))
        try statement.bind([9, 8], at: XCTUnwrap(statement.parameterIndex(named: ":b")))
        XCTAssertNil(statement.parameterIndex(named: ":missing"))
        XCTAssertEqual(try statement.step(), .row)
        XCTAssertEqual(statement.int64(at: 0), 42)
        XCTAssertEqual(statement.columnType(at: 0), .integer)
        XCTAssertEqual(statement.text(at: 1), "text")
        XCTAssertEqual(statement.blob(at: 2), [9, 8])
        XCTAssertTrue(statement.isNull(at: 3))
        XCTAssertNil(statement.text(at: 3))
        XCTAssertNil(statement.blob(at: 3))
        XCTAssertEqual(try statement.step(), .done)
        statement.reset()
        XCTAssertEqual(try statement.step(), .row, "bindings survive reset")
        XCTAssertEqual(statement.int(at: 0), 42)
    }

    func testLastInsertRowIDFollowsInserts() throws {
        try database.execute("CREATE TABLE r (x)")
        try database.prepare("INSERT INTO r VALUES (1)").execute()
        try database.prepare("INSERT INTO r VALUES (2)").execute()
        XCTAssertEqual(database.lastInsertRowID, 2)
        XCTAssertEqual(database.changes, 1)
    }
}
