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

extension PostgresResult {
    /// The value at `row`, `column` as an integer; nil for SQL NULL or text that is not one.
    public func int64(row: Int, column: Int) -> Int64? {
        value(row: row, column: column).flatMap { Int64($0) }
    }

    /// A bytea value as its bytes (decoded from the server's `\x` hex text format); nil for SQL NULL.
    public func bytes(row: Int, column: Int) -> [UInt8]? {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columnCount, "cell out of range")
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return nil }
        guard let text = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return text.withMemoryRebound(to: UInt8.self, capacity: length) { characters in
            Self.decodeHex(UnsafeBufferPointer(start: characters, count: length))
        }
    }

    /// `\x` then two hex digits per byte (bytea_output = hex, the default since PostgreSQL 9.0).
    static func decodeHex(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            return nil
        }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.count / 2 - 1)
        var index = 2
        while index < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
