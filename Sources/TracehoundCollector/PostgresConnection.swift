// The libpq boundary: the collector's shared store (many collectors, one PostgreSQL database).
//
// - `PostgresConnection` owns one PGconn (PQconnectdb with a conninfo string or a postgresql:// URL), freed with
//   PQfinish in deinit, even when the connection failed. It is used by one thread at a time (not Sendable).
// - Statements go through PQexecParams with parameters and text-format results: values are never spliced into SQL.
//   A parameter is text, bytes (binary format, for bytea) or NULL.
// - `PostgresResult` owns one PGresult (PQclear in deinit) and reads rows, columns and values from it in place.
// - Every failure is a `PostgresError` with the server's SQLSTATE, primary message, detail and hint when the server
//   sent them, and the SQL that failed.
// - libpq prints NOTICE messages (e.g. "relation already exists, skipping") to stderr by default; a library never
//   prints, so the connection installs a notice receiver that drops them.
import CPostgres

/// One connection to a PostgreSQL server.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects with `conninfo` ("host=/run/postgresql dbname=tracehound" or "postgresql://user@host/db").
    public init(_ conninfo: String) throws(PostgresError) {
        // PQconnectdb returns NULL only when it cannot allocate; any other failure is reported by PQstatus.
        guard let connection = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .connection, message: "out of memory allocating a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(connection))
            PQfinish(connection)  // a failed connection must be freed too
            throw PostgresError(kind: .connection, message: message)
        }
        handle = connection
        PQsetNoticeReceiver(handle, { _, _ in }, nil)
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether the connection is still usable (false after the server went away).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether the connection is outside any transaction (PQtransactionStatus is PQTRANS_IDLE).
    public var isIdle: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// The server's version as a number, e.g. 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Reconnects with the same parameters after the connection was lost (PQreset).
    public func reconnect() throws(PostgresError) {
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(kind: .connection, message: Self.text(PQerrorMessage(handle)))
        }
    }

    /// Runs one statement with `$1`, `$2`, ... bound to `parameters` (text format; nil is NULL).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        try execute(sql, values: parameters.map { $0.map(PostgresValue.text) ?? .null })
    }

    /// Runs one statement with `$1`, `$2`, ... bound to `values`: text in text format, bytes in binary format (for
    /// bytea columns, so bytes travel as they are, without hex encoding).
    @discardableResult
    public func execute(_ sql: String, values: [PostgresValue]) throws(PostgresError) -> PostgresResult {
        if let index = values.firstIndex(where: \.isTextWithNUL) {
            throw PostgresError(
                kind: .parameter,
                message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                sql: sql
            )
        }
        // All parameters in one buffer (text NUL-terminated); the pointers into it live for the call.
        var storage: [UInt8] = []
        var starts: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        storage.reserveCapacity(values.reduce(0) { $0 + $1.byteCount + 1 })
        for value in values {
            switch value {
            case .null:
                starts.append(nil)
                formats.append(0)
            case .text(let text):
                starts.append(storage.count)
                storage.append(contentsOf: text.utf8)
                storage.append(0)
                formats.append(0)
            case .bytes(let bytes):
                starts.append(storage.count)
                storage.append(contentsOf: bytes)
                formats.append(1)
            }
            lengths.append(Int32(clamping: value.byteCount))
        }
        storage.append(0)  // never empty, so the buffer has a base address
        let result = storage.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                let pointers: [UnsafePointer<CChar>?] = starts.map { start in start.map { base + $0 } }
                return PQexecParams(handle, sql, Int32(values.count), nil, pointers, lengths, formats, 0)
            }
        }
        return try check(result, sql: sql)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws (its error is rethrown).
    public func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN")
        let result: Result
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            // After a failed statement or COMMIT the rollback ends the aborted transaction; on a lost connection it
            // fails too, and its error would hide the real cause.
            _ = try? execute("ROLLBACK")
            throw error
        }
        return result
    }

    /// Runs several statements separated by semicolons, without parameters (PQexec: schema scripts).
    /// Returns the result of the last statement.
    @discardableResult
    public func executeScript(_ sql: String) throws(PostgresError) -> PostgresResult {
        try check(PQexec(handle, sql), sql: sql)
    }

    /// Wraps a result, or turns a failed one into an error (and frees it).
    private func check(_ result: OpaquePointer?, sql: String) throws(PostgresError) -> PostgresResult {
        guard let result else {
            // NULL: out of memory, or the connection could not even send the query.
            throw PostgresError(kind: .connection, message: Self.text(PQerrorMessage(handle)), sql: sql)
        }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return PostgresResult(owning: result)
        default:
            defer { PQclear(result) }
            throw PostgresError(
                result: result,
                status: String(cString: PQresStatus(status)),
                connectionLost: PQstatus(handle) != CONNECTION_OK,
                sql: sql
            )
        }
    }

    /// libpq's messages end with a newline; errors keep the text without it.
    static func text(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        var text = String(cString: message)
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}

/// A statement parameter.
public enum PostgresValue: Sendable, Hashable {
    case null
    /// Sent in text format; PostgreSQL converts it to the parameter's type. It must not contain a NUL byte.
    case text(String)
    /// Sent in binary format, for a bytea parameter: the bytes exactly.
    case bytes([UInt8])

    var isTextWithNUL: Bool {
        if case .text(let text) = self { return text.utf8.contains(0) }
        return false
    }

    var byteCount: Int {
        switch self {
        case .null: 0
        case .text(let text): text.utf8.count
        case .bytes(let bytes): bytes.count
        }
    }
}

/// A failed connection or statement.
public struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Connecting failed, or the connection was lost.
        case connection
        /// The server refused or failed the statement.
        case statement
        /// A parameter could not be sent.
        case parameter
    }

    public var kind: Kind
    /// The server's primary message, or libpq's message when the server sent none.
    public var message: String
    /// The five-character SQLSTATE, e.g. "42P01" (undefined table), "23505" (unique violation).
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// The constraint that refused the change, for integrity violations.
    public var constraint: String?
    /// The result status libpq reported, e.g. "PGRES_FATAL_ERROR".
    public var status: String?
    public var sql: String?

    public init(
        kind: Kind,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        constraint: String? = nil,
        status: String? = nil,
        sql: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.status = status
        self.sql = sql
    }

    init(result: OpaquePointer, status: String, connectionLost: Bool, sql: String) {
        let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        // The connection is gone when libpq says so, when the error is libpq's own (the server always sends an
        // SQLSTATE; "server closed the connection unexpectedly" has none), for class 08 (connection exception),
        // and for 57P01-57P03 (the server shutting down).
        let lost =
            connectionLost || sqlState == nil || sqlState?.hasPrefix("08") == true
            || ["57P01", "57P02", "57P03"].contains(sqlState)
        // postgres_ext.h defines the PG_DIAG_* field codes as character literals, which Swift does not import.
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
        }
        self.init(
            kind: lost ? .connection : .statement,
            message: field("M") ?? PostgresConnection.text(PQresultErrorMessage(result)),  // PG_DIAG_MESSAGE_PRIMARY
            sqlState: sqlState,  // PG_DIAG_SQLSTATE
            detail: field("D"),  // PG_DIAG_MESSAGE_DETAIL
            hint: field("H"),  // PG_DIAG_MESSAGE_HINT
            constraint: field("n"),  // PG_DIAG_CONSTRAINT_NAME
            status: status,
            sql: sql
        )
    }

    /// SQLSTATE 23505: a UNIQUE or PRIMARY KEY constraint refused a duplicate.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text = "PostgreSQL \(kind) error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let sql { text += " in: \(sql)" }
        return text
    }
}
