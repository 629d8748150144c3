// One tailed file: its identity, its current stream, where reading stands, and whether it is live (at a path the
// include patterns match) or being drained (rotated away or deleted, read through its open descriptor until its
// end and `rotate_wait` of quiet). A class, because the source indexes the same file by identity, path and stream.
import TracehoundPosix

final class TrackedFile {
    enum Phase: Equatable {
        case live
        case draining(FileStreamEnd)
    }

    let identity: FileIdentity
    var stream: FileStreamID
    var key: String
    var path: String
    var phase = Phase.live
    /// Open, or closed to stay under `max_open_files` (then reopened by path and checked against `identity`).
    var descriptor: FileDescriptor?
    /// The next byte to read.
    /// The end of the bytes being handed out right now: the consumer may checkpoint up to it from its callback,
    /// before `offset` moves past them.
    var deliveringEnd: Int64 = 0
    var offset: Int64
    /// The size seen by the last fstat or stat.
    var knownSize: Int64
    /// The bytes just before `offset` (at most `FileFingerprint.tailLimit`), to notice a rewrite in place;
    /// nil until read from the file (a stream that starts past 0 learns them on its first read).
    var tail: [UInt8]?
    /// The last byte handed out was a newline (or none was): NUL runs are skipped only here.
    var atLineStart = true
    /// A NUL run being skipped: where it started and how long it is so far.
    var nulRunStart: Int64 = 0
    var nulRunLength: Int64 = 0
    /// When bytes last arrived (or the stream started): for partial flush and `rotate_wait`.
    var lastDataAt: ContinuousClock.Instant
    var partialFlushSent = false
    /// Least-recently-used order for closing descriptors.
    var lastUse: UInt64 = 0
    /// Waiting in the read queue.
    var queued = false
    /// Its path went away in the current batch of events; decided after the batch (a rename shows up as a move
    /// out followed by a move in).
    var pathLost = false

    init(identity: FileIdentity, stream: FileStreamID, key: String, path: String, offset: Int64, size: Int64) {
        self.identity = identity
        self.stream = stream
        self.key = key
        self.path = path
        self.offset = offset
        knownSize = size
        lastDataAt = .now
        if offset == 0 { tail = [] }
    }

    var isDraining: Bool { phase != .live }

    /// Whether bytes beyond `offset` are known to exist.
    var hasUnreadBytes: Bool { knownSize > offset }

    func info(resumed: Bool) -> FileStreamInfo {
        FileStreamInfo(
            id: stream,
            key: key,
            path: path,
            device: identity.device,
            inode: identity.inode,
            startOffset: offset,
            resumed: resumed
        )
    }

    /// Remembers the last bytes read, keeping at most `tailLimit` of them.
    func remember(_ bytes: UnsafeRawBufferPointer) {
        let limit = FileFingerprint.tailLimit
        if bytes.count >= limit {
            tail = Array(bytes[(bytes.count - limit)...])
        } else {
            var kept = tail ?? []
            kept.append(contentsOf: bytes)
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
            tail = kept
        }
    }
}
