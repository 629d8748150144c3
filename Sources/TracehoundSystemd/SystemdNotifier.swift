// sd_notify for the daemons: tell the service manager about start-up, status, liveness, reloads and shutdown.
import CSystemd
import Glibc

/// One state line of the sd_notify protocol.
public enum NotifyState: Sendable, Equatable {
    /// `READY=1`: start-up finished; systemd considers a `Type=notify` unit started.
    case ready
    /// `STATUS=…`: a one-line human-readable status shown by `systemctl status` (newlines become spaces).
    case status(String)
    /// `WATCHDOG=1`: the watchdog keep-alive, due at half of `SystemdNotifier.watchdogInterval()`.
    case watchdog
    /// `RELOADING=1` (with `MONOTONIC_USEC=`, as `Type=notify-reload` expects): a configuration reload began;
    /// send `.ready` when it is done.
    case reloading
    /// `STOPPING=1`: a graceful shutdown began.
    case stopping

    var line: String {
        switch self {
        case .ready: return "READY=1"
        case .status(let text):
            return "STATUS=" + String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        case .watchdog: return "WATCHDOG=1"
        case .reloading:
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
            return "RELOADING=1\nMONOTONIC_USEC=\(microseconds)"
        case .stopping: return "STOPPING=1"
        }
    }
}

/// Sends sd_notify messages to the socket named by `NOTIFY_SOCKET`. The environment is left as it is
/// (`unset_environment` 0) so later notifications still find the socket. Without `NOTIFY_SOCKET` (not started by
/// systemd, or not `Type=notify`) every call is a no-op that returns false.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// True when the service manager asked for notifications (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Sends the states as one datagram. Returns true when it was sent, false when there is no socket to send to;
    /// throws when sending failed.
    @discardableResult
    public func notify(_ states: NotifyState...) throws -> Bool {
        try notify(states)
    }

    /// Sends the states as one datagram (see `notify(_:...)`).
    @discardableResult
    public func notify(_ states: [NotifyState]) throws -> Bool {
        let message = states.map(\.line).joined(separator: "\n")
        return try check(sd_notify(0, message), "sd_notify(\(message))") > 0
    }

    /// `READY=1`, with an optional status line in the same datagram.
    @discardableResult
    public func ready(status: String? = nil) throws -> Bool {
        try notify([.ready] + (status.map { [NotifyState.status($0)] } ?? []))
    }

    /// `WATCHDOG=1`.
    @discardableResult
    public func watchdog() throws -> Bool {
        try notify(.watchdog)
    }

    /// The watchdog interval the unit asked for (`WatchdogSec=`), in microseconds, or nil when the watchdog is
    /// off or meant for another process (`WATCHDOG_PID`). Send `WATCHDOG=1` at half this interval.
    public static func watchdogIntervalMicroseconds() throws -> UInt64? {
        var microseconds: UInt64 = 0
        let enabled = try check(sd_watchdog_enabled(0, &microseconds), "sd_watchdog_enabled")
        return enabled > 0 ? microseconds : nil
    }
}
