// Prepared SQLite statements: bind, step, read columns, reset (see SQLiteConnection.swift for the design).
import CSQLite

/// What one `step()` produced.
public enum SQLiteStep: Sendable, Hashable {
    /// A result row is available through the column getters.
    case row
    /// The statement has finished; `reset()` before running it again.
    case done
}

/// A column's storage class in the current row.
public enum SQLiteColumnType: Sendable, Hashable {
    case integer
    case real
    case text
    case blob
    case null
}

/// One prepared statement (sqlite3_stmt), finalized in deinit.
public final class SQLiteStatement {
    /// Held so the connection outlives the statement.
    public let connection: SQLiteConnection
    public let sql: String
    private let handle: OpaquePointer

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        var prepared: OpaquePointer?
        var tailIsBlank = true
        let status = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let status = sqlite3_prepare_v3(connection.handle, text, -1, 0, &prepared, &tail)
            if let tail { tailIsBlank = String(cString: tail).allSatisfy { $0.isWhitespace || $0 == ";" } }
            return status
        }
        guard status == SQLITE_OK else { throw SQLiteError(code: status, connection: connection.handle, sql: sql) }
        guard let prepared else {
            throw SQLiteError(
                code: SQLITE_MISUSE,
                extendedCode: SQLITE_MISUSE,
                message: "no statement in SQL",
                sql: sql
            )
        }
        guard tailIsBlank else {
            sqlite3_finalize(prepared)
            throw SQLiteError(
                code: SQLITE_MISUSE,
                extendedCode: SQLITE_MISUSE,
                message: "more than one statement; prepare them one by one or use execute()",
                sql: sql
            )
        }
        self.connection = connection
        self.sql = sql
        handle = prepared
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Parameters (numbered from 1)

    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// The number of a named parameter such as ":id", "@id" or "$id" (with its prefix), if the SQL has it.
    public func parameterIndex(named name: String) -> Int? {
        let index = sqlite3_bind_parameter_index(handle, name)
        return index == 0 ? nil : Int(index)
    }

    public func bind(_ value: Int64, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, Int32(index), value))
    }

    public func bind(_ value: Int, at index: Int) throws(SQLiteError) {
        try bind(Int64(value), at: index)
    }

    public func bind(_ value: Double, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, Int32(index), value))
    }

    /// Binds text; SQLite copies it (th_sqlite_transient), and embedded NUL bytes are kept.
    public func bind(_ value: String, at index: Int) throws(SQLiteError) {
        let status = value.withCString { text in
            sqlite3_bind_text64(
                handle,
                Int32(index),
                text,
                UInt64(value.utf8.count),
                th_sqlite_transient(),
                UInt8(SQLITE_UTF8)
            )
        }
        try check(status)
    }

    /// Binds a blob; SQLite copies it. An empty buffer binds an empty blob, not NULL.
    public func bind(bytes: UnsafeRawBufferPointer, at index: Int) throws(SQLiteError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return try check(sqlite3_bind_zeroblob(handle, Int32(index), 0))
        }
        try check(sqlite3_bind_blob64(handle, Int32(index), base, UInt64(bytes.count), th_sqlite_transient()))
    }

    public func bind(_ value: [UInt8], at index: Int) throws(SQLiteError) {
        let status = value.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_zeroblob(handle, Int32(index), 0)
            }
            return sqlite3_bind_blob64(handle, Int32(index), base, UInt64(bytes.count), th_sqlite_transient())
        }
        try check(status)
    }

    public func bindNull(at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_null(handle, Int32(index)))
    }

    public func bind(_ value: SQLiteValue, at index: Int) throws(SQLiteError) {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let number): try bind(number, at: index)
        case .real(let number): try bind(number, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let bytes): try bind(bytes, at: index)
        }
    }

    /// Clears all bindings, then binds `values` to parameters 1...n.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        clearBindings()
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1) }
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: Running

    /// Runs the statement to its next row or to its end.
    public func step() throws(SQLiteError) -> SQLiteStep {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return .row
        case SQLITE_DONE: return .done
        default: throw SQLiteError(code: status, connection: connection.handle, sql: sql)
        }
    }

    /// Makes the statement runnable again; bindings are kept. (sqlite3_reset repeats the last step's error, which
    /// `step()` already threw, so it is not reported twice.)
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Resets, binds `values`, steps to the end and returns the rows changed: the usual way to run a write.
    @discardableResult
    public func execute(_ values: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        reset()
        try bind(values)
        defer { reset() }  // release the statement's read lock now rather than at its next use
        while try step() == .row {}
        return connection.changes
    }

    // MARK: Columns of the current row (numbered from 0)

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func columnName(at index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }

    public func columnType(at index: Int) -> SQLiteColumnType {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    public func isNull(at index: Int) -> Bool { columnType(at: index) == .null }

    /// The column as an integer (0 for NULL; text and reals are converted as SQLite converts them).
    public func int64(at index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }

    public func int(at index: Int) -> Int { Int(int64(at: index)) }

    public func double(at index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    /// The column as text, nil for NULL.
    public func text(at index: Int) -> String? {
        // column_text before column_bytes: the byte count is of the converted text.
        guard let text = sqlite3_column_text(handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column as bytes, nil for NULL (an empty blob is []).
    public func blob(at index: Int) -> [UInt8]? {
        if isNull(at: index) { return nil }
        guard let bytes = sqlite3_column_blob(handle, Int32(index)) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return [UInt8](UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// The column as a value of its own storage class.
    public func value(at index: Int) -> SQLiteValue {
        switch columnType(at: index) {
        case .integer: .integer(int64(at: index))
        case .real: .real(double(at: index))
        case .text: .text(text(at: index) ?? "")
        case .blob: .blob(blob(at: index) ?? [])
        case .null: .null
        }
    }

    private func check(_ status: Int32) throws(SQLiteError) {
        guard status == SQLITE_OK else { throw SQLiteError(code: status, connection: connection.handle, sql: sql) }
    }
}
