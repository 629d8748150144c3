// The SQLite boundary: the collector's embedded store.
//
// - `SQLiteConnection` owns one sqlite3 handle (sqlite3_open_v2 with extended result codes). It is used by one
//   thread at a time (not Sendable); the store gives each thread its own connection, and WAL mode lets readers run
//   beside the one writer.
// - `SQLiteStatement` owns one prepared statement and keeps its connection alive, so a statement never outlives the
//   handle it was prepared on; it is finalized in deinit. Parameters are numbered from 1 and columns from 0, as in
//   SQLite's own API.
// - Every failure is an `SQLiteError` with the primary and extended result codes, SQLite's message and the SQL.
// - A database file this connection creates gets `filePermissions` (0600 by default: segments hold transcripts);
//   SQLite gives its -wal and -shm files the same permissions as the database file.
import CSQLite
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

/// One open SQLite database.
public final class SQLiteConnection {
    /// How the database is opened (SQLITE_OPEN_*).
    public struct OpenFlags: OptionSet, Sendable, Hashable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let readOnly = OpenFlags(rawValue: SQLITE_OPEN_READONLY)
        public static let readWrite = OpenFlags(rawValue: SQLITE_OPEN_READWRITE)
        /// Create the database if it does not exist (with `readWrite`).
        public static let create = OpenFlags(rawValue: SQLITE_OPEN_CREATE)
        /// Interpret the path as a `file:` URI.
        public static let uri = OpenFlags(rawValue: SQLITE_OPEN_URI)
        /// No per-connection mutex: the caller guarantees one thread at a time (this class's contract).
        public static let noMutex = OpenFlags(rawValue: SQLITE_OPEN_NOMUTEX)
        /// Refuse a path whose last component is a symbolic link.
        public static let noFollow = OpenFlags(rawValue: SQLITE_OPEN_NOFOLLOW)
    }

    /// How a transaction takes its locks (BEGIN DEFERRED / IMMEDIATE / EXCLUSIVE).
    public enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        /// Takes the write lock at BEGIN, so a busy database fails (or waits) there and not halfway through.
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    /// The path the connection was opened with.
    public let path: String
    let handle: OpaquePointer

    /// Opens (or creates) the database at `path`; ":memory:" opens a private in-memory database.
    /// `busyTimeoutMilliseconds` is how long a statement waits for another connection's lock before SQLITE_BUSY.
    public init(
        path: String,
        flags: OpenFlags = [.readWrite, .create],
        filePermissions: UInt32 = 0o600,
        busyTimeoutMilliseconds: Int = 5000
    ) throws(SQLiteError) {
        if flags.contains(.create) && !flags.contains(.uri) && path != ":memory:" && !path.isEmpty {
            try Self.createFile(path, permissions: filePermissions)
        }
        var opened: OpaquePointer?
        let status = sqlite3_open_v2(path, &opened, flags.rawValue | SQLITE_OPEN_EXRESCODE, nil)
        guard status == SQLITE_OK, let opened else {
            // Even a failed open may allocate a handle, which holds the message and must be closed.
            let error = SQLiteError(code: status, connection: opened, sql: nil)
            sqlite3_close_v2(opened)
            throw error
        }
        self.path = path
        handle = opened
        setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
    }

    deinit {
        // close_v2: statements hold this connection alive, so none remain; it never fails with SQLITE_BUSY.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows (schema, pragmas, BEGIN/COMMIT).
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        // sqlite3_exec allocates the message with sqlite3_malloc; it is ours to free.
        defer { sqlite3_free(message) }
        guard status == SQLITE_OK else {
            var error = SQLiteError(code: status, connection: handle, sql: sql)
            if let message { error.message = String(cString: message) }
            throw error
        }
    }

    /// Prepares exactly one statement; trailing statements are an error rather than silently ignored.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// Switches the database to write-ahead logging (persistent: it stays on for later connections).
    public func enableWriteAheadLog() throws(SQLiteError) {
        let mode = try pragma("journal_mode", "WAL")
        guard case .text(let name) = mode, name.lowercased() == "wal" else {
            throw SQLiteError(
                code: SQLITE_ERROR,
                extendedCode: SQLITE_ERROR,
                message: "journal_mode stayed \(mode.map { "\($0)" } ?? "unset") instead of wal",
                sql: "PRAGMA journal_mode = WAL"
            )
        }
    }

    /// Reads a pragma (`value` nil) or sets it, returning the first column of the first row it answers, if any.
    /// `name` and `value` are inserted into the SQL as they are: pass constants, never outside input.
    @discardableResult
    public func pragma(_ name: String, _ value: String? = nil) throws(SQLiteError) -> SQLiteValue? {
        let statement = try prepare(value.map { "PRAGMA \(name) = \($0)" } ?? "PRAGMA \(name)")
        return try statement.step() == .row ? statement.value(at: 0) : nil
    }

    /// How long statements wait for a lock held by another connection before failing with SQLITE_BUSY.
    public func setBusyTimeout(milliseconds: Int) {
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE (0 for a row skipped by ON CONFLICT DO NOTHING).
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    /// Rows changed since the connection opened.
    public var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }
    /// The rowid of the last successful INSERT.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// False inside an explicit transaction.
    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws (its error is rethrown).
    public func transaction<Result>(
        _ kind: TransactionKind = .immediate,
        _ body: () throws -> Result
    ) throws -> Result {
        try execute("BEGIN \(kind.rawValue)")
        let result: Result
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            // A failed COMMIT may leave the transaction open; a rollback error would hide the real cause.
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
        return result
    }

    /// Creates the database file with `permissions` before SQLite does (SQLite would use 0644 minus the umask).
    private static func createFile(_ path: String, permissions: UInt32) throws(SQLiteError) {
        do throws(Errno) {
            let descriptor = try FileDescriptor.open(path, [.readWrite, .create, .exclusive], mode: permissions)
            try descriptor.close()
        } catch  where error.code == EEXIST {
            return  // an existing database keeps its permissions
        } catch {
            throw SQLiteError(
                code: SQLITE_CANTOPEN,
                extendedCode: SQLITE_CANTOPEN,
                message: "cannot create database file: \(error)",
                sql: nil
            )
        }
    }
}
