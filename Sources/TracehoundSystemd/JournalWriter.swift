// Structured log entries to journald through sd_journal_sendv, for the executables' log sink.
import CSystemd
import Glibc

/// syslog priorities as journald stores them in `PRIORITY=`.
public enum JournalPriority: Int32, Sendable, CaseIterable {
    case emergency = 0
    case alert = 1
    case critical = 2
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7
}

/// Sends one journal entry per call: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER` and any custom fields.
/// Values may hold newlines or binary bytes (sd_journal_sendv frames them). libsystemd silently drops entries when
/// no journald listens (its socket is missing), so a successful call is not proof of delivery.
public struct JournalWriter: Sendable {
    /// `SYSLOG_IDENTIFIER` of every entry, e.g. "tracehound".
    public var identifier: String

    public init(identifier: String) {
        self.identifier = identifier
    }

    /// Sends `message` with `priority` and `fields` (names: uppercase letters, digits and `_`, not starting with
    /// `_` or a digit, at most 64 bytes — journald would drop others silently, so they are refused here).
    public func send(
        message: String,
        priority: JournalPriority,
        fields: [(name: String, value: String)] = []
    ) throws {
        try send(message: message, priority: priority, binaryFields: fields.map { ($0.name, Array($0.value.utf8)) })
    }

    /// Like `send(message:priority:fields:)` with field values as raw bytes.
    public func send(
        message: String,
        priority: JournalPriority,
        binaryFields: [(name: String, value: [UInt8])]
    ) throws {
        for (name, _) in binaryFields where !Self.isValidFieldName(name) {
            throw SystemdError(operation: "sd_journal_sendv", code: EINVAL, message: "invalid field name \(name)")
        }
        let entries: [(name: String, value: [UInt8])] =
            [
                ("MESSAGE", Array(message.utf8)),
                ("PRIORITY", Array(String(priority.rawValue).utf8)),
                ("SYSLOG_IDENTIFIER", Array(identifier.utf8)),
            ] + binaryFields
        // One contiguous buffer of NAME=value items, and an iovec per item pointing into it.
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (name, value) in entries {
            let start = buffer.count
            buffer += Array(name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer += value
            ranges.append(start..<buffer.count)
        }
        let result = buffer.withUnsafeMutableBytes { bytes -> Int32 in
            let vectors = ranges.map { iovec(iov_base: bytes.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        try check(result, "sd_journal_sendv")
    }

    /// journald's rule for caller-supplied field names.
    public static func isValidFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        guard first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") else { return false }
        return bytes.allSatisfy {
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "_")
        }
    }

    /// True when standard error is connected to the journal: `JOURNAL_STREAM` holds `device:inode` of the stream
    /// systemd connected, and it matches fstat(2) of descriptor 2 (so a redirected stderr is not mistaken for it).
    public static func stderrIsJournal() -> Bool {
        descriptorIsJournalStream(2, journalStream: getenv("JOURNAL_STREAM").map { String(cString: $0) })
    }

    /// The check behind `stderrIsJournal()` for any descriptor and `JOURNAL_STREAM` value.
    public static func descriptorIsJournalStream(_ descriptor: Int32, journalStream: String?) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
