// Logging for the executables. Library modules never log: they report events, and the daemon turns events into
// log lines and metrics here (systemd's CODING_STYLE: log only from the main program).
//
// Three formats: logfmt to stderr (the default), JSON lines to stderr (`--log-format json`), and structured
// journal entries through sd_journal_sendv when stderr is connected to the journal (`JOURNAL_STREAM` names it),
// so fields stay queryable with `journalctl FIELD=value` instead of being flattened into MESSAGE.
import Foundation
import Synchronization

/// Severity, ordered; the raw value is the syslog priority the journal records.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    public var name: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }

    /// More severe compares smaller, as syslog priorities do: `.error < .info`.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `journal` when stderr is the journal, `logfmt` otherwise.
    case auto
    case logfmt
    case json
    case journal
}

/// A logger shared by every thread of an executable. Each line is written whole.
public final class Logger: Sendable {
    public let level: LogLevel
    public let format: LogFormat
    private let identifier: String
    private let output: TextOutput
    private let journal: JournalLogDestination?
    /// Keys already logged by `once`: "logged once with its reason" for repeated conditions.
    private let loggedOnce = Mutex<Set<String>>([])

    /// `format: .auto` resolves to `.journal` when `environment`'s JOURNAL_STREAM names stderr.
    public init(
        identifier: String,
        level: LogLevel = .info,
        format: LogFormat = .auto,
        output: TextOutput = .standardError,
        environment: [String: String]
    ) {
        self.identifier = identifier
        self.level = level
        self.output = output
        var resolved = format
        if format == .auto {
            resolved = JournalLogDestination.stderrIsJournal(environment: environment) ? .journal : .logfmt
        }
        self.format = resolved
        journal = resolved == .journal ? JournalLogDestination(identifier: identifier) : nil
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        guard level <= self.level else { return }
        switch format {
        case .journal:
            if let journal, journal.send(level: level, message: message, fields: fields) { return }
            output.write(LogLine.logfmt(level: level, message: message, fields: fields, date: Date()))
        case .json:
            output.write(LogLine.json(level: level, message: message, fields: fields, date: Date()))
        case .logfmt, .auto:
            output.write(LogLine.logfmt(level: level, message: message, fields: fields, date: Date()))
        }
    }

    /// Logs only the first time `key` is seen: for conditions that repeat (a bad line per second in one file).
    public func once(_ key: String, _ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        let first = loggedOnce.withLock { $0.insert(key).inserted }
        if first { log(level, message, fields) }
    }

    public func error(_ message: String, _ fields: [(String, String)] = []) { log(.error, message, fields) }
    public func warning(_ message: String, _ fields: [(String, String)] = []) { log(.warning, message, fields) }
    public func notice(_ message: String, _ fields: [(String, String)] = []) { log(.notice, message, fields) }
    public func info(_ message: String, _ fields: [(String, String)] = []) { log(.info, message, fields) }
    public func debug(_ message: String, _ fields: [(String, String)] = []) { log(.debug, message, fields) }
}
