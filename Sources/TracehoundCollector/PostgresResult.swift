// The rows a PostgreSQL statement returned (see PostgresConnection.swift for the design).
import CPostgres

/// One successful statement's result (one PGresult, freed in deinit). Values are text, as the server sent them.
///
/// Sendable: a PGresult is read-only once libpq hands it over, and libpq allows reading it from any thread.
public final class PostgresResult: @unchecked Sendable {
    private let handle: OpaquePointer
    public let rowCount: Int
    public let columnCount: Int

    init(owning result: OpaquePointer) {
        handle = result
        rowCount = Int(PQntuples(result))
        columnCount = Int(PQnfields(result))
    }

    deinit {
        PQclear(handle)
    }

    /// The column names, in order.
    public var columnNames: [String] {
        (0..<columnCount).map { PQfname(handle, Int32($0)).map { String(cString: $0) } ?? "" }
    }

    /// The index of the column called `name`, if there is one.
    public func columnIndex(named name: String) -> Int? {
        let index = PQfnumber(handle, "\"\(name.replacingQuotes())\"")
        return index < 0 ? nil : Int(index)
    }

    /// The value at `row`, `column` as text; nil for SQL NULL.
    public func value(row: Int, column: Int) -> String? {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columnCount, "cell out of range")
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return nil }
        guard let text = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return text.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The value at `row` in the column called `column`; nil for SQL NULL or an unknown column.
    public func value(row: Int, column name: String) -> String? {
        columnIndex(named: name).flatMap { value(row: row, column: $0) }
    }

    /// Every row, each as its columns' values in order (copied out of the result).
    public var rows: [[String?]] {
        (0..<rowCount).map { row in (0..<columnCount).map { value(row: row, column: $0) } }
    }

    /// Rows an INSERT, UPDATE, DELETE, MERGE, SELECT or COPY affected (PQcmdTuples); nil for other commands.
    /// An INSERT ... ON CONFLICT DO NOTHING that skipped its row reports 0.
    public var affectedRows: Int? {
        guard let text = PQcmdTuples(handle) else { return nil }
        return Int(String(cString: text))
    }

    /// The command tag, e.g. "INSERT 0 1" or "CREATE TABLE".
    public var commandTag: String {
        PQcmdStatus(handle).map { String(cString: $0) } ?? ""
    }
}

extension String {
    /// Doubles quotes so the name can sit inside a quoted identifier (PQfnumber folds unquoted names to lower case).
    fileprivate func replacingQuotes() -> String {
        var quoted = ""
        for character in self { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted
    }
}
