import Synchronization
// What the file source hands its consumer: streams starting and ending, chunks of bytes, and the control a second
// thread uses to stop, pause or wake it. A chunk's bytes live in the source's reused read buffer and are valid only
// during the callback that receives them: feed them to a StreamScanner in place, or copy them.
public import TracehoundPosix

/// One stream of the source: one file from the moment it is first seen (or truncated) until it is rotated away,
/// deleted or truncated. Numbers are unique within one `FileSource`; the durable identity is `FileStreamInfo.key`.
public struct FileStreamID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "stream \(rawValue)" }
}

/// A stream as it starts.
public struct FileStreamInfo: Sendable, Equatable {
    public var id: FileStreamID
    /// The fingerprint: stable across renames and restarts, new after a truncation (see FileSource.swift).
    public var key: String
    public var path: String
    public var device: UInt64
    public var inode: UInt64
    /// Where reading starts: 0, the file's end (`start_at: end`), or a checkpoint's offset.
    public var startOffset: Int64
    /// Whether `startOffset` comes from a checkpoint given at start.
    public var resumed: Bool
}

/// Why a stream ended. After `.ended` no more chunks come for it; a consumer finishes its last partial line.
public enum FileStreamEnd: Sendable, Equatable {
    /// Renamed to a path no include pattern matches, read to its end and released after `rotate_wait`.
    case rotated
    /// Deleted, read to its end through the open descriptor and released after `rotate_wait`.
    case deleted
    /// Cut below the read position or rewritten in place; a new stream for the same file starts at 0.
    case truncated
    /// Left its path while its descriptor was closed (`max_open_files`) and was not found again.
    case vanished
    /// Could not be opened or read.
    case unreadable(Errno)
}

/// Bytes of one stream, at file offset `offset`. Chunks of a stream come in file order; the next chunk starts
/// where this one ends, except after a run of NUL bytes at a line start, which is skipped (and counted).
public struct FileChunk {
    public let stream: FileStreamID
    public let offset: Int64
    /// Valid only during the callback: the source reads the next chunk into the same memory.
    public let bytes: UnsafeRawBufferPointer

    /// The offset just past these bytes.
    public var endOffset: Int64 { offset + Int64(bytes.count) }
}

/// What one `poll` reports, in order.
public enum FileSourceOutput {
    case started(FileStreamInfo)
    case chunk(FileChunk)
    /// The file moved to `path`, still the same stream.
    case renamed(FileStreamID, path: String)
    /// No new bytes for `partial_flush` while the last line has no newline: pass the partial line on now.
    case flushPartialLine(FileStreamID)
    case ended(FileStreamID, FileStreamEnd)
}

/// The thread-safe handle to a running source: stop it, pause reading when the spool is full, resume, wake it.
public final class FileSourceControl: Sendable {
    let wakeup: WakeupPipe
    private let stopped = Atomic<Bool>(false)
    private let paused = Atomic<Bool>(false)

    init() throws(Errno) {
        wakeup = try WakeupPipe()
    }

    /// Ends `run` (and makes `poll` return at once); a source is not restarted after a stop.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        wakeup.wake()
    }

    /// Stops reading file contents: files keep their data, discovery and rotation tracking go on.
    public func pause() {
        paused.store(true, ordering: .releasing)
    }

    /// Reading goes on where it stopped.
    public func resume() {
        paused.store(false, ordering: .releasing)
        wakeup.wake()
    }

    /// Makes a waiting `poll` return early.
    public func wake() {
        wakeup.wake()
    }

    public var isStopped: Bool { stopped.load(ordering: .acquiring) }
    public var isPaused: Bool { paused.load(ordering: .acquiring) }
}
