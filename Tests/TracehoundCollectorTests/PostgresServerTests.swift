// The throwaway PostgreSQL of TracehoundTestKit: socket only, in its own directory, gone after stop().
import Foundation
import TracehoundCollector
import TracehoundTestKit
import XCTest

final class PostgresServerTests: XCTestCase {
    func testTheServerListensOnlyOnItsSocketAndStopRemovesEverything() throws {
        let server = try PostgresServer()
        XCTAssertTrue(FileManager.default.fileExists(atPath: server.directory + "/.s.PGSQL.\(server.port)"))
        let connection = try PostgresConnection(server.conninfo)
        XCTAssertEqual(try connection.execute("SHOW listen_addresses").value(row: 0, column: 0), "")
        XCTAssertEqual(try connection.execute("SHOW fsync").value(row: 0, column: 0), "off")

        try server.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.directory))
        XCTAssertThrowsError(try connection.execute("SELECT 1")) {
            XCTAssertEqual(($0 as? PostgresError)?.kind, .connection, "\($0)")
        }
        XCTAssertThrowsError(try connection.execute("SELECT 1")) {
            XCTAssertEqual(($0 as? PostgresError)?.kind, .connection, "\($0)")
        }
        XCTAssertFalse(connection.isConnected)
    }

    func testTwoServersRunSideBySide() throws {
        let first = try PostgresServer()
        let second = try PostgresServer()
        XCTAssertNotEqual(first.directory, second.directory)
        try PostgresConnection(first.conninfo).execute("CREATE TABLE only_in_first (x int)")
        XCTAssertThrowsError(try PostgresConnection(second.conninfo).execute("SELECT * FROM only_in_first")) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "42P01")
        }
    }
}
