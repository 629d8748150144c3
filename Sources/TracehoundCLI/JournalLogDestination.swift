// Log lines as structured journal entries: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and one field per logged key
// (upper-cased, as journald requires), so `journalctl -u tracehound PATH=/x` finds them.
import TracehoundSystemd

struct JournalLogDestination: Sendable {
    let writer: JournalWriter

    init(identifier: String) { writer = JournalWriter(identifier: identifier) }

    /// Whether `environment`'s JOURNAL_STREAM names this process's stderr (device:inode of descriptor 2).
    static func stderrIsJournal(environment: [String: String]) -> Bool {
        JournalWriter.descriptorIsJournalStream(2, journalStream: environment["JOURNAL_STREAM"])
    }

    /// Sends one entry; false when the journal refused it, so the caller falls back to stderr.
    func send(level: LogLevel, message: String, fields: [(String, String)]) -> Bool {
        let priority = JournalPriority(rawValue: Int32(level.rawValue)) ?? .info
        let named = fields.map { (name: LogLine.journalFieldName($0.0), value: $0.1) }
        do {
            try writer.send(message: message, priority: priority, fields: named)
            return true
        } catch {
            return false
        }
    }
}
