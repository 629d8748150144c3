// The file source's internal events (Vector's FileSourceInternalEvents): the library never logs; the daemon turns
// these into log lines and counters. Every method has an empty default, so an observer implements what it needs.
// They are called on the thread that polls the source.
public import TracehoundPosix

public protocol FileSourceInternalEvents: AnyObject {
    /// A file is tailed from `offset` (0, or its end with `start_at: end`).
    func fileAdded(path: String, key: String, offset: Int64)
    /// A file is tailed from a checkpoint given at start.
    func fileResumed(path: String, key: String, offset: Int64)
    /// A checkpoint did not fit the file that now has its device and inode: reading starts at 0.
    func checkpointDiscarded(path: String, key: String, offset: Int64, reason: String)
    /// The file moved to another path that the include patterns match (the same stream goes on).
    func fileRenamed(from: String, to: String, key: String)
    /// The file was renamed out of the include patterns; it is read to its end, then released.
    func fileRotated(path: String, key: String, unreadBytes: Int64)
    /// The file shrank below the read position, or the bytes before it changed: a new stream starts at 0.
    func fileTruncated(path: String, key: String, previousOffset: Int64)
    /// The file was deleted; `unreadBytes` are still read through the open descriptor.
    func fileDeleted(path: String, key: String, unreadBytes: Int64)
    /// A rotated or deleted file was released after being read to its end.
    func fileReleased(path: String, key: String, offset: Int64)
    /// A file left its path while its descriptor was closed and was not found again.
    func fileVanished(path: String, key: String, offset: Int64)
    func fileUnreadable(path: String, reason: Errno)
    func directoryUnreadable(path: String, reason: Errno)
    /// inotify refused a watch (often the max_user_watches limit): the folder is covered by rescans only.
    func watchFailed(path: String, reason: Errno)
    /// More files are tailed than `max_open_files`: idle descriptors are closed and reopened by identity.
    func tooManyFiles(tracked: Int, limit: Int)
    /// A run of NUL bytes at a line start (a stale writer after a truncation) was skipped.
    func nulRunSkipped(path: String, offset: Int64, bytes: Int64)
    /// A rescan found a file that inotify had not reported.
    func rescanFound(path: String)
    /// The kernel's inotify queue overflowed; a rescan follows.
    func eventQueueOverflowed()
}

extension FileSourceInternalEvents {
    public func fileAdded(path: String, key: String, offset: Int64) {}
    public func fileResumed(path: String, key: String, offset: Int64) {}
    public func checkpointDiscarded(path: String, key: String, offset: Int64, reason: String) {}
    public func fileRenamed(from: String, to: String, key: String) {}
    public func fileRotated(path: String, key: String, unreadBytes: Int64) {}
    public func fileTruncated(path: String, key: String, previousOffset: Int64) {}
    public func fileDeleted(path: String, key: String, unreadBytes: Int64) {}
    public func fileReleased(path: String, key: String, offset: Int64) {}
    public func fileVanished(path: String, key: String, offset: Int64) {}
    public func fileUnreadable(path: String, reason: Errno) {}
    public func directoryUnreadable(path: String, reason: Errno) {}
    public func watchFailed(path: String, reason: Errno) {}
    public func tooManyFiles(tracked: Int, limit: Int) {}
    public func nulRunSkipped(path: String, offset: Int64, bytes: Int64) {}
    public func rescanFound(path: String) {}
    public func eventQueueOverflowed() {}
}
