// TracehoundSystemd: the only code that talks to libsystemd.
//
// Three parts, one per use:
// - JournalReader owns one `sd_journal` handle: the journald source opens the system journal (or a directory or
//   files, for tests and offline reads), narrows it with matches, walks entries with next(), and keeps its
//   position as a cursor string. Entry data is bytes: journald stores binary fields (NUL, invalid UTF-8), so
//   values come back as [UInt8] and decoding is the caller's choice. For waiting, fileDescriptor() plus
//   process() let the caller poll the journal together with other descriptors instead of sleeping.
// - SystemdNotifier speaks sd_notify (READY=1, STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1) and is a no-op
//   when the service manager did not ask for notifications.
// - JournalWriter sends structured entries with sd_journal_sendv for the executables' log sink.
//
// An sd_journal handle is not thread-safe, so JournalReader is not Sendable: create it on the thread that
// reads it. Every call returns or throws SystemdError with the errno libsystemd reported; nothing here logs.
import CSystemd
import Glibc

/// Which journal files `JournalReader(flags:)` opens (the `SD_JOURNAL_*` open flags).
public struct JournalOpenFlags: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Only journal files generated on this machine (not ones copied in from others).
    public static let localOnly = JournalOpenFlags(rawValue: Int32(SD_JOURNAL_LOCAL_ONLY))
    /// Only volatile journal files in /run, not the persistent ones in /var.
    public static let runtimeOnly = JournalOpenFlags(rawValue: Int32(SD_JOURNAL_RUNTIME_ONLY))
    /// System services and the kernel.
    public static let system = JournalOpenFlags(rawValue: Int32(SD_JOURNAL_SYSTEM))
    /// The current user's journal.
    public static let currentUser = JournalOpenFlags(rawValue: Int32(SD_JOURNAL_CURRENT_USER))
    /// With `JournalReader(directory:)`: the directory is an OS root, journals are under its /var/log/journal.
    public static let osRoot = JournalOpenFlags(rawValue: Int32(SD_JOURNAL_OS_ROOT))
}

/// What `process()` found after the journal's descriptor became readable (`SD_JOURNAL_NOP/APPEND/INVALIDATE`).
public enum JournalChange: Sendable, Equatable {
    /// Nothing changed for this reader.
    case none
    /// Entries were appended to a file the reader has open.
    case append
    /// Files were added or removed (rotation, vacuuming): positions stay valid, re-read from the cursor.
    case invalidate
}

/// One `sd_journal` handle: open, filter with matches, seek, walk entries and read their fields.
public final class JournalReader {
    private let journal: OpaquePointer

    /// Opens the local system's journal (`sd_journal_open`).
    public init(flags: JournalOpenFlags = .localOnly) throws {
        var handle: OpaquePointer?
        try check(sd_journal_open(&handle, flags.rawValue), "sd_journal_open(flags: \(flags.rawValue))")
        journal = try Self.unwrap(handle, "sd_journal_open")
    }

    /// Opens every journal file in `directory` (`sd_journal_open_directory`); only `.osRoot` is accepted in flags.
    public init(directory: String, flags: JournalOpenFlags = []) throws {
        var handle: OpaquePointer?
        try check(
            sd_journal_open_directory(&handle, directory, flags.rawValue),
            "sd_journal_open_directory(\(directory))"
        )
        journal = try Self.unwrap(handle, "sd_journal_open_directory(\(directory))")
    }

    /// Opens exactly the given journal files (`sd_journal_open_files`).
    public init(files: [String]) throws {
        var handle: OpaquePointer?
        // sd_journal_open_files wants a NULL-terminated array of C strings that live for the call.
        let copies = files.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var paths: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        let result = paths.withUnsafeMutableBufferPointer { sd_journal_open_files(&handle, $0.baseAddress, 0) }
        try check(result, "sd_journal_open_files(\(files.joined(separator: ", ")))")
        journal = try Self.unwrap(handle, "sd_journal_open_files")
    }

    private static func unwrap(_ handle: OpaquePointer?, _ operation: String) throws -> OpaquePointer {
        guard let handle else { throw SystemdError(operation: operation, code: 0, message: "returned no handle") }
        return handle
    }

    deinit {
        sd_journal_close(journal)
    }

    // MARK: Matches

    /// Adds a `FIELD=value` match; matches on the same field are OR'd, on different fields AND'd.
    public func addMatch(field: String, value: [UInt8]) throws {
        let data = Array("\(field)=".utf8) + value
        let result = data.withUnsafeBytes { sd_journal_add_match(journal, $0.baseAddress, $0.count) }
        try check(result, "sd_journal_add_match(\(field)=…)")
    }

    /// Adds a match given as one `FIELD=value` string, as journalctl takes them.
    public func addMatch(_ match: String) throws {
        let data = Array(match.utf8)
        let result = data.withUnsafeBytes { sd_journal_add_match(journal, $0.baseAddress, $0.count) }
        try check(result, "sd_journal_add_match(\(match))")
    }

    /// Closes the current group of matches with AND: following matches form a term AND'd with the previous ones.
    public func addConjunction() throws {
        try check(sd_journal_add_conjunction(journal), "sd_journal_add_conjunction")
    }

    /// Closes the current group of matches with OR: following matches form an alternative to the previous ones.
    public func addDisjunction() throws {
        try check(sd_journal_add_disjunction(journal), "sd_journal_add_disjunction")
    }

    /// Removes every match: the reader sees all entries again.
    public func flushMatches() {
        sd_journal_flush_matches(journal)
    }

    // MARK: Position

    /// Moves before the first entry: the next `next()` returns the oldest entry.
    public func seekHead() throws {
        try check(sd_journal_seek_head(journal), "sd_journal_seek_head")
    }

    /// Moves after the last entry: `previous()` returns the newest, `next()` waits for new ones.
    public func seekTail() throws {
        try check(sd_journal_seek_tail(journal), "sd_journal_seek_tail")
    }

    /// Moves to the entry named by `cursor` (or the closest one if it is gone). Call `next()` to land on it and
    /// `test(cursor:)` to learn whether it is the very entry.
    public func seek(cursor: String) throws {
        try check(sd_journal_seek_cursor(journal, cursor), "sd_journal_seek_cursor(\(cursor))")
    }

    /// Moves to the first entry at or after `microseconds` since the epoch (wall clock); then call `next()`.
    public func seek(realtimeMicroseconds microseconds: UInt64) throws {
        try check(
            sd_journal_seek_realtime_usec(journal, microseconds),
            "sd_journal_seek_realtime_usec(\(microseconds))"
        )
    }

    /// Advances to the next entry that passes the matches; false at the end of the journal.
    public func next() throws -> Bool {
        try check(sd_journal_next(journal), "sd_journal_next") > 0
    }

    /// Steps back to the previous entry that passes the matches; false at the start of the journal.
    public func previous() throws -> Bool {
        try check(sd_journal_previous(journal), "sd_journal_previous") > 0
    }

    /// The current entry's cursor: an opaque string naming it across reopenings and file rotation.
    public func cursor() throws -> String {
        var text: UnsafeMutablePointer<CChar>?
        try check(sd_journal_get_cursor(journal, &text), "sd_journal_get_cursor")
        guard let text else {
            throw SystemdError(operation: "sd_journal_get_cursor", code: 0, message: "returned no cursor")
        }
        defer { free(text) }  // sd_journal_get_cursor hands over a malloc'd string.
        return String(cString: text)
    }

    /// True when the current entry is the one `cursor` names.
    public func test(cursor: String) throws -> Bool {
        try check(sd_journal_test_cursor(journal, cursor), "sd_journal_test_cursor(\(cursor))") > 0
    }

    // MARK: Entry data

    /// The current entry's wall-clock time in microseconds since the epoch.
    public func realtimeMicroseconds() throws -> UInt64 {
        var value: UInt64 = 0
        try check(sd_journal_get_realtime_usec(journal, &value), "sd_journal_get_realtime_usec")
        return value
    }

    /// The current entry's time since boot in microseconds.
    public func monotonicMicroseconds() throws -> UInt64 {
        var value: UInt64 = 0
        var bootID = sd_id128_t()
        try check(sd_journal_get_monotonic_usec(journal, &value, &bootID), "sd_journal_get_monotonic_usec")
        return value
    }

    /// Caps how many bytes of each field are returned (libsystemd's default is 64 KiB; 0 means no cap).
    /// Larger compressed fields are cut to about this size, which bounds memory for huge log lines.
    public func setDataThreshold(_ bytes: Int) throws {
        try check(sd_journal_set_data_threshold(journal, bytes), "sd_journal_set_data_threshold(\(bytes))")
    }

    /// The value of `field` in the current entry, or nil when the entry has no such field.
    /// The bytes are the value only (without the `FIELD=` prefix) and may be binary.
    public func field(_ name: String) throws -> [UInt8]? {
        var data: UnsafeRawPointer?
        var length = 0
        let result = sd_journal_get_data(journal, name, &data, &length)
        if result == -ENOENT { return nil }
        try check(result, "sd_journal_get_data(\(name))")
        guard let data else { return nil }
        let prefix = name.utf8.count + 1
        guard length >= prefix else { return [] }
        return Array(UnsafeRawBufferPointer(start: data + prefix, count: length - prefix))
    }

    /// The value of `field` decoded as UTF-8 (invalid sequences replaced), or nil when absent.
    public func string(_ name: String) throws -> String? {
        try field(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every field of the current entry in stored order, as name and value bytes. Fields the library cannot
    /// read (for example compressed with an algorithm it was built without) are skipped.
    public func fields() throws -> [(name: String, value: [UInt8])] {
        sd_journal_restart_data(journal)
        var fields: [(name: String, value: [UInt8])] = []
        while true {
            var data: UnsafeRawPointer?
            var length = 0
            let result = try check(
                sd_journal_enumerate_available_data(journal, &data, &length),
                "sd_journal_enumerate_available_data"
            )
            guard result > 0, let data else { break }
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: bytes[..<equals], as: UTF8.self)
            fields.append((name: name, value: Array(bytes[(equals + 1)...])))
        }
        return fields
    }

    // MARK: Waiting

    /// A descriptor that becomes readable when the journal changes; poll it with `pollEvents()` and call
    /// `process()` when it fires. It belongs to the reader: do not close it.
    public func fileDescriptor() throws -> Int32 {
        try check(sd_journal_get_fd(journal), "sd_journal_get_fd")
    }

    /// The poll(2) events to wait for on `fileDescriptor()`.
    public func pollEvents() throws -> Int16 {
        Int16(truncatingIfNeeded: try check(sd_journal_get_events(journal), "sd_journal_get_events"))
    }

    /// False when the descriptor alone cannot be trusted to signal changes (files on a network file system):
    /// then the caller must also wake up on a timer, as `sd_journal_reliable_fd` documents.
    public func descriptorIsReliable() throws -> Bool {
        try check(sd_journal_reliable_fd(journal), "sd_journal_reliable_fd") > 0
    }

    /// Handles the wake-up of `fileDescriptor()` and says what changed.
    public func process() throws -> JournalChange {
        Self.change(try check(sd_journal_process(journal), "sd_journal_process"))
    }

    /// Blocks until the journal changes or `timeoutMicroseconds` passes (`UInt64.max` waits forever).
    public func wait(timeoutMicroseconds: UInt64) throws -> JournalChange {
        Self.change(try check(sd_journal_wait(journal, timeoutMicroseconds), "sd_journal_wait"))
    }

    private static func change(_ value: Int32) -> JournalChange {
        switch value {
        case Int32(SD_JOURNAL_APPEND): return .append
        case Int32(SD_JOURNAL_INVALIDATE): return .invalidate
        default: return .none
        }
    }
}
