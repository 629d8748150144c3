// poll(2): wait on several descriptors (inotify, sd_journal_get_fd, a wake-up pipe) with one timeout.
#if canImport(Glibc)
import Glibc
#endif

public enum Poll {
    /// What to wait for, and what happened; raw values are poll's POLL* bits.
    public struct Events: OptionSet, Sendable, Hashable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }

        public static let readable = Events(rawValue: Int16(POLLIN))
        public static let writable = Events(rawValue: Int16(POLLOUT))
        public static let error = Events(rawValue: Int16(POLLERR))
        public static let hangUp = Events(rawValue: Int16(POLLHUP))
        public static let invalid = Events(rawValue: Int16(POLLNVAL))
    }

    /// Waits until one of `descriptors` is ready or `timeoutMilliseconds` passes (-1: forever).
    /// Returns the events that happened, one entry per descriptor, in the same order (empty set: nothing).
    /// An interrupted wait is retried with the whole timeout again; callers re-check their deadline anyway.
    public static func wait(
        _ descriptors: [(FileDescriptor, Events)],
        timeoutMilliseconds: Int32
    ) throws(Errno) -> [Events] {
        var entries = descriptors.map { pollfd(fd: $0.0.rawValue, events: $0.1.rawValue, revents: 0) }
        _ = try syscall("poll") { Glibc.poll(&entries, nfds_t(entries.count), timeoutMilliseconds) }
        return entries.map { Events(rawValue: $0.revents) }
    }
}

/// A self-pipe that wakes a thread blocked in `Poll.wait` from another thread (stop, reload, new work).
public final class WakeupPipe: @unchecked Sendable {
    /// Poll this one for `.readable`.
    public let readEnd: FileDescriptor
    private let writeEnd: FileDescriptor

    public init() throws(Errno) {
        var ends: [Int32] = [0, 0]
        // Glibc's module does not export pipe2 (it needs _GNU_SOURCE): set the flags with fcntl instead.
        _ = try syscall("pipe") { pipe(&ends) }
        for end in ends {
            _ = try syscall("fcntl") { fcntl(end, F_SETFD, FD_CLOEXEC) }
            _ = try syscall("fcntl") { fcntl(end, F_SETFL, O_NONBLOCK) }
        }
        readEnd = FileDescriptor(rawValue: ends[0])
        writeEnd = FileDescriptor(rawValue: ends[1])
    }

    deinit {
        try? readEnd.close()
        try? writeEnd.close()
    }

    /// Wakes the waiter; wake-ups coalesce (a full pipe already means "wake").
    public func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(writeEnd.rawValue, &byte, 1)
    }

    /// Empties the pipe after a wake-up, so the next poll blocks again.
    public func drain() {
        var sink = [UInt8](repeating: 0, count: 256)
        while Glibc.read(readEnd.rawValue, &sink, sink.count) > 0 {}
    }
}
