// SQLite values and errors (see SQLiteConnection.swift for the design).
import CSQLite

/// A value in one of SQLite's storage classes.
public enum SQLiteValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let number): "\(number)"
        case .real(let number): "\(number)"
        case .text(let text): "'\(text)'"
        case .blob(let bytes): "blob of \(bytes.count) bytes"
        }
    }
}

extension SQLiteValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// A failed SQLite call: its result codes, SQLite's message and the SQL it ran.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The primary result code (SQLITE_CONSTRAINT = 19, SQLITE_BUSY = 5, ...).
    public var code: Int32
    /// The extended result code (SQLITE_CONSTRAINT_UNIQUE = 2067, ...); equals `code` when there is none.
    public var extendedCode: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, extendedCode: Int32, message: String, sql: String?) {
        self.code = code
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The error a call returned with `status`, with the connection's message (connections report extended codes).
    init(code status: Int32, connection: OpaquePointer?, sql: String?) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        self.init(
            code: status & 0xFF,
            extendedCode: status,
            message: message ?? String(cString: sqlite3_errstr(status)),
            sql: sql
        )
    }

    public static let constraintCode: Int32 = SQLITE_CONSTRAINT
    public static let busyCode: Int32 = SQLITE_BUSY
    // sqlite3.h defines extended codes as macros over other macros, which Swift does not import; same values.
    /// SQLITE_CONSTRAINT_UNIQUE (2067).
    public static let uniqueConstraintCode: Int32 = SQLITE_CONSTRAINT | (8 << 8)
    /// SQLITE_CONSTRAINT_PRIMARYKEY (1555).
    public static let primaryKeyConstraintCode: Int32 = SQLITE_CONSTRAINT | (6 << 8)

    /// A constraint (UNIQUE, PRIMARY KEY, NOT NULL, CHECK, FOREIGN KEY) refused the change.
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    /// A UNIQUE or PRIMARY KEY constraint refused a duplicate.
    public var isUniqueViolation: Bool {
        extendedCode == Self.uniqueConstraintCode || extendedCode == Self.primaryKeyConstraintCode
    }
    /// Another connection held the lock past the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    public var description: String {
        let codes = code == extendedCode ? "\(code)" : "\(code)/\(extendedCode)"
        let reason = String(cString: sqlite3_errstr(extendedCode))
        return "SQLite error \(codes) (\(reason)): \(message)" + (sql.map { " in: \($0)" } ?? "")
    }
}
