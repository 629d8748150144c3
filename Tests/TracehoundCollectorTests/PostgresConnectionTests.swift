// libpq through its wrapper, against a throwaway PostgreSQL this test class starts itself.
import TracehoundCollector
import TracehoundTestKit
import XCTest

final class PostgresConnectionTests: XCTestCase {
    // One server for the class (starting one takes about a second); each test uses its own tables.
    nonisolated(unsafe) private static var server: PostgresServer?
    nonisolated(unsafe) private static var startFailure: (any Error)?
    private var connection: PostgresConnection!

    override class func setUp() {
        super.setUp()
        do { server = try PostgresServer() } catch { startFailure = error }
    }

    override class func tearDown() {
        try? server?.stop()
        server = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        // A missing PostgreSQL fails every test with the server's message (it names scripts/bootstrap).
        if let failure = Self.startFailure { throw failure }
        connection = try PostgresConnection(try XCTUnwrap(Self.server).conninfo)
    }

    override func tearDown() {
        connection = nil
    }

    func testRowsInsertedWithParametersAreSelectedBack() throws {
        try connection.execute(
            "CREATE TABLE segments (id text PRIMARY KEY, host text NOT NULL, score integer, note text)"
        )
        let insert = "INSERT INTO segments (id, host, score, note) VALUES ($1, $2, $3, $4)"
        for index in 0..<5 {
            let result = try connection.execute(insert, ["seg-\(index)", "agent-17", "\(index * 10)", nil])
            XCTAssertEqual(result.affectedRows, 1)
            XCTAssertEqual(result.commandTag, "INSERT 0 1")
        }
        let select = try connection.execute(
            "SELECT id, host, score, note FROM segments WHERE score >= $1 ORDER BY score",
            ["30"]
        )
        XCTAssertEqual(select.columnNames, ["id", "host", "score", "note"])
        XCTAssertEqual(select.rowCount, 2)
        XCTAssertEqual(select.rows, [["seg-3", "agent-17", "30", nil], ["seg-4", "agent-17", "40", nil]])
        XCTAssertEqual(select.value(row: 1, column: "id"), "seg-4")
        XCTAssertNil(select.value(row: 1, column: "absent"))
        XCTAssertEqual(select.affectedRows, 2, "a SELECT reports the rows it returned")
    }

    func testInsertOnConflictDoNothingCountsOnlyNewRows() throws {
        try connection.execute("CREATE TABLE stored (id text PRIMARY KEY)")
        let insert = "INSERT INTO stored (id) VALUES ($1) ON CONFLICT DO NOTHING"
        XCTAssertEqual(try connection.execute(insert, ["a"]).affectedRows, 1)
        XCTAssertEqual(try connection.execute(insert, ["a"]).affectedRows, 0)
        XCTAssertEqual(try connection.execute(insert, ["b"]).affectedRows, 1)
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM stored").value(row: 0, column: 0), "2")
    }

    func testAnUndefinedTableErrorCarriesSQLState42P01AndTheSQL() {
        XCTAssertThrowsError(try connection.execute("SELECT * FROM no_such_table WHERE id = $1", ["x"])) {
            guard let error = $0 as? PostgresError else { return XCTFail("\($0)") }
            XCTAssertEqual(error.kind, .statement)
            XCTAssertEqual(error.sqlState, "42P01")
            XCTAssertEqual(error.message, #"relation "no_such_table" does not exist"#)
            XCTAssertEqual(error.status, "PGRES_FATAL_ERROR")
            XCTAssertEqual(error.sql, "SELECT * FROM no_such_table WHERE id = $1")
            XCTAssertTrue("\(error)".hasPrefix("PostgreSQL statement error 42P01: relation"), "\(error)")
        }
        XCTAssertTrue(connection.isConnected, "a failed statement leaves the connection usable")
        XCTAssertEqual(try connection.execute("SELECT 1").value(row: 0, column: 0), "1")
    }

    func testAUniqueViolationCarriesSQLState23505TheConstraintAndDetail() throws {
        try connection.execute("CREATE TABLE unique_ids (id text CONSTRAINT unique_ids_pk PRIMARY KEY)")
        try connection.execute("INSERT INTO unique_ids VALUES ($1)", ["dup"])
        XCTAssertThrowsError(try connection.execute("INSERT INTO unique_ids VALUES ($1)", ["dup"])) {
            guard let error = $0 as? PostgresError else { return XCTFail("\($0)") }
            XCTAssertTrue(error.isUniqueViolation)
            XCTAssertEqual(error.sqlState, "23505")
            XCTAssertEqual(error.constraint, "unique_ids_pk")
            XCTAssertEqual(error.detail, "Key (id)=(dup) already exists.")
        }
    }

    func testParametersAreNeverSplicedIntoTheSQL() throws {
        try connection.execute("CREATE TABLE texts (body text)")
        let hostile = "'); DROP TABLE texts; -- naïve ✓"
        try connection.execute("INSERT INTO texts VALUES ($1)", [hostile])
        XCTAssertEqual(try connection.execute("SELECT body FROM texts").rows, [[hostile]])
    }

    func testANulByteInAParameterIsRefusedBeforeSending() {
        XCTAssertThrowsError(try connection.execute("SELECT $1::text", ["a\u{0}b"])) {
            XCTAssertEqual(($0 as? PostgresError)?.kind, .parameter)
        }
    }

    func testAScriptRunsSeveralStatements() throws {
        let result = try connection.executeScript(
            "CREATE TABLE script_a (x int); INSERT INTO script_a VALUES (1), (2); SELECT sum(x) FROM script_a"
        )
        XCTAssertEqual(result.value(row: 0, column: 0), "3")
        XCTAssertGreaterThanOrEqual(connection.serverVersion, 150_000)
    }

    func testTheServerURLConnectsToo() throws {
        let viaURL = try PostgresConnection(try XCTUnwrap(Self.server).url)
        XCTAssertEqual(try viaURL.execute("SELECT current_user").value(row: 0, column: 0), "postgres")
    }

    func testConnectingToNoServerNamesTheReason() throws {
        let directory = try TemporaryDirectory()
        XCTAssertThrowsError(try PostgresConnection("host=\(directory.path) port=5432 user=postgres")) {
            guard let error = $0 as? PostgresError else { return XCTFail("\($0)") }
            XCTAssertEqual(error.kind, .connection)
            XCTAssertTrue(error.message.contains("No such file or directory"), error.message)
            XCTAssertNil(error.sqlState)
        }
    }
}
