// SQLite through its wrapper: open a file, create, insert in a transaction, select back, WAL and permissions.
import Foundation
import TracehoundCollector
import TracehoundTestKit
import XCTest

final class SQLiteConnectionTests: XCTestCase {
    func testRowsInsertedInATransactionAreSelectedBack() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.file("segments.db"))
        try database.execute(
            "CREATE TABLE segments (id TEXT PRIMARY KEY, host TEXT NOT NULL, score INTEGER, body BLOB)"
        )
        let insert = try database.prepare("INSERT INTO segments (id, host, score, body) VALUES (?, ?, ?, ?)")
        try database.transaction {
            for index in 0..<100 {
                let changed = try insert.execute([
                    .text("seg-\(index)"), "agent-17", .integer(Int64(index)), .blob([1, 2]),
                ])
                XCTAssertEqual(changed, 1)
            }
        }
        XCTAssertTrue(database.isAutocommit)

        let select = try database.prepare("SELECT id, host, score, body FROM segments WHERE score >= ? ORDER BY score")
        try select.bind(98, at: 1)
        var rows: [[SQLiteValue]] = []
        while try select.step() == .row {
            rows.append((0..<select.columnCount).map { select.value(at: $0) })
        }
        XCTAssertEqual(
            rows,
            [["seg-98", "agent-17", 98, .blob([1, 2])], ["seg-99", "agent-17", 99, .blob([1, 2])]]
        )
        XCTAssertEqual(select.columnName(at: 2), "score")

        // A second connection to the same file sees the committed rows.
        let again = try SQLiteConnection(path: directory.file("segments.db"), flags: .readOnly)
        let count = try again.prepare("SELECT count(*) FROM segments")
        XCTAssertEqual(try count.step(), .row)
        XCTAssertEqual(count.int(at: 0), 100)
    }

    func testAThrowingTransactionIsRolledBackAndItsErrorRethrown() throws {
        struct Abort: Error {}
        let database = try SQLiteConnection(path: ":memory:")
        try database.execute("CREATE TABLE t (k INTEGER)")
        XCTAssertThrowsError(
            try database.transaction {
                try database.prepare("INSERT INTO t VALUES (1)").execute()
                throw Abort()
            }
        ) { XCTAssertTrue($0 is Abort) }
        XCTAssertTrue(database.isAutocommit)
        let count = try database.prepare("SELECT count(*) FROM t")
        _ = try count.step()
        XCTAssertEqual(count.int(at: 0), 0)
    }

    func testWriteAheadLoggingIsEnabledAndPragmasAnswer() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.file("wal.db"))
        try database.enableWriteAheadLog()
        XCTAssertEqual(try database.pragma("journal_mode"), "wal")
        try database.pragma("synchronous", "NORMAL")
        XCTAssertEqual(try database.pragma("synchronous"), 1)
        try database.execute("CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1);")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("wal.db-wal")))
    }

    func testAWriteAheadLogCannotBeEnabledInMemory() throws {
        let database = try SQLiteConnection(path: ":memory:")
        XCTAssertThrowsError(try database.enableWriteAheadLog()) {
            XCTAssertTrue("\($0)".contains("journal_mode stayed 'memory'"), "\($0)")
        }
    }

    func testACreatedDatabaseAndItsLogAreReadableOnlyByTheOwner() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("private.db")
        let database = try SQLiteConnection(path: path)
        try database.enableWriteAheadLog()
        try database.execute("CREATE TABLE t (k INTEGER)")
        XCTAssertEqual(try permissions(path), 0o600)
        XCTAssertEqual(try permissions(path + "-wal"), 0o600)

        let shared = directory.file("shared.db")
        _ = try SQLiteConnection(path: shared, filePermissions: 0o640)
        XCTAssertEqual(try permissions(shared), 0o640 & ~currentUmask())
    }

    func testAnExistingDatabaseKeepsItsPermissions() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("existing.db")
        XCTAssertTrue(
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        )
        _ = try SQLiteConnection(path: path)
        XCTAssertEqual(try permissions(path), 0o644)
    }

    func testOpeningAMissingFileWithoutCreateFailsWithCantOpen() throws {
        let directory = try TemporaryDirectory()
        XCTAssertThrowsError(try SQLiteConnection(path: directory.file("absent.db"), flags: .readWrite)) {
            let error = $0 as? SQLiteError
            XCTAssertEqual(error?.code, 14, "SQLITE_CANTOPEN")
            XCTAssertFalse(error?.message.isEmpty ?? true)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("absent.db")))
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    private func currentUmask() -> Int {
        let mask = umask(0)
        umask(mask)
        return Int(mask)
    }
}
