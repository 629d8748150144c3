// The file source: finds files by glob, tails them with pread(2) into one reused buffer, and follows each file
// across renames, rotations, truncations and restarts. One dedicated thread drives it with `poll` (or `run`); the
// consumer gets streams starting and ending and chunks of bytes (complete lines are the consumer's job).
//
// Identity: the fingerprint
//   A stream's key is `<device>-<inode>-<nonce>`: the file's device and inode plus a random birth nonce drawn when
//   the stream starts (the file is first seen, or starts over after a truncation). It is not derived from content:
//   - a checksum of the first bytes or lines (Vector's default) cannot name an empty or tiny file, and gives every
//     file with the same header (a banner, the same session-meta line) the same name;
//   - device+inode alone (Vector's alternative) names a new file that reuses a deleted file's inode like the old
//     one: it is resumed at the old offset (its head is skipped), and since segment ids derive from (host, stream,
//     positions) its segments collide with the old file's and the collector drops them as duplicates;
//   - a nonce hashed from the first line fails the same way for files that are empty when first seen, which is
//     the usual case (inotify reports the creation before the first write).
//   While running, device+inode is unique among existing files and an open descriptor pins its inode, so the
//   tables are keyed by it and the nonce separates the generations of an inode over time. Across a restart the key
//   comes from the checkpoint: a file with a checkpoint's device and inode resumes under its key only if the
//   checkpoint's offset marker matches the bytes now in the file. The marker hashes the head (the first line, at
//   most 256 bytes) and the tail (the 64 bytes before the offset), both functions of the bytes before the offset:
//   a renamed file keeps them; a truncated, rewritten or replaced (inode reuse) file does not. A file without a
//   verified checkpoint has nothing durable, so a fresh key costs nothing. Empty, tiny and identical-header files
//   are distinct because their inodes are. Left: a new file reusing an inode whose first line and the 64 bytes
//   before the old offset equal the old file's would resume at the old offset.
//
// Discovery (DirectoryWatcher)
//   Folders that can hold matches are watched with inotify (created, moved and deleted names; writes only where a
//   matching file can live) and listed after the watch is set. New folders are walked as they appear. A rescan
//   every `rescan_interval`, and at once after IN_Q_OVERFLOW or a folder moving, reconciles the tables with the
//   file system. `start_at` applies to files found by the first scan only: a file created later is new, read from 0.
//
// Reading
//   A file is read when inotify says it changed (or a rescan sees it grow), in bursts of up to 1 MiB per file and
//   16 MiB per poll, round robin, files being drained first. Before each burst the size and the 64 bytes before
//   the read position are checked: a file shorter than the position, or whose bytes there changed (copytruncate,
//   a rewrite in place, a stale writer filling the start with NULs), ends its stream (.truncated) and starts a new
//   stream at 0. Runs of NUL bytes at a line start are skipped and counted; chunk offsets stay file offsets.
//   When a stream's last line has had no newline for `partial_flush`, `.flushPartialLine` tells the consumer.
//
// Rotation and deletion
//   A file renamed to a path that no include pattern matches, or deleted, is drained through its open descriptor
//   until it has been quiet for `rotate_wait`, then `.ended`. A rename inside the patterns only changes the path.
//   At start, a checkpoint whose file was renamed out of the patterns while stopped (app.log -> app.log.1) is found
//   in the checkpoint's folder by device and inode, verified, and drained from its offset. With copytruncate the
//   copy is a new inode: if the include patterns match rotated names, it is read again from 0 (so they should not).
//   A file rotated and compressed while stopped is gone; its unread tail is lost.
//
// Descriptors
//   A file is opened when first seen (one that cannot be opened gets no stream and is reported once). At most
//   `max_open_files` descriptors are held: to open another, the least recently used live file that is fully read
//   (else any live one) is closed. A closed file is reopened by path and must still have its device and inode; one
//   that left its path meanwhile is looked for by a rescan and ends as `.vanished` if not found. Draining files keep
//   their descriptors (they cannot be reopened), so they may exceed the limit for `rotate_wait`.
//
// Back-pressure: while `control.isPaused`, nothing is read; files keep their data and tracking goes on.
public import TracehoundConfig
public import TracehoundCore
public import TracehoundPosix

public final class FileSource {
    public let control: FileSourceControl
    let config: FileSourceConfig
    let events: (any FileSourceInternalEvents)?
    let inotify: Inotify
    let watcher: DirectoryWatcher
    let buffer: UnsafeMutableRawBufferPointer

    var files: [FileIdentity: TrackedFile] = [:]
    var filesByPath: [String: TrackedFile] = [:]
    var filesByStream: [FileStreamID: TrackedFile] = [:]
    var readQueue: [TrackedFile] = []
    var draining: Set<FileIdentity> = []
    var partialLines: Set<FileIdentity> = []
    var checkpointsByIdentity: [FileIdentity: [StreamCheckpoint]] = [:]
    /// Files that could not be opened, reported once each.
    var unreadable: Set<FileIdentity> = []
    /// The last checkpoint of streams that ended after a rotation, for a consumer that commits them later.
    var finalCheckpoints: [FileStreamID: StreamCheckpoint] = [:]
    var finalCheckpointOrder: [FileStreamID] = []
    var openDescriptors = 0
    var useClock: UInt64 = 0
    var lastStream: UInt64 = 0
    var startedUp = false
    var rescanRequested = false
    var nextRescan = ContinuousClock.now
    var tooManyFilesReported = false

    /// The largest number of descriptors held at once so far.
    public internal(set) var peakOpenDescriptors = 0
    /// NUL bytes skipped at line starts so far.
    public internal(set) var skippedNulBytes: Int64 = 0

    static let readBufferBytes = 256 << 10
    static let burstBytesPerFile = 1 << 20
    static let readBytesPerPoll = 16 << 20
    static let drainCheckInterval = Duration.milliseconds(200)
    static let finalCheckpointsKept = 4096

    /// A source for `config`, resuming the streams in `checkpoints` that it wrote (journald checkpoints and other
    /// sources' are ignored: two sources must never both resume one file).
    /// Nothing is read until the first `poll`.
    public init(
        config: FileSourceConfig,
        checkpoints: [StreamCheckpoint] = [],
        events: (any FileSourceInternalEvents)? = nil
    ) throws(Errno) {
        self.config = config
        self.events = events
        control = try FileSourceControl()
        inotify = try Inotify()
        watcher = DirectoryWatcher(
            inotify: inotify,
            includes: config.include.map(GlobPattern.init),
            excludes: config.exclude.map(GlobPattern.init)
        )
        watcher.events = events
        buffer = .allocate(byteCount: Self.readBufferBytes, alignment: 16)
        for checkpoint in checkpoints
        where checkpoint.cursor == nil && checkpoint.inode != 0
            && (checkpoint.source.isEmpty || checkpoint.source == config.name)
        {
            let identity = FileIdentity(device: checkpoint.device, inode: checkpoint.inode)
            checkpointsByIdentity[identity, default: []].append(checkpoint)
        }
    }

    deinit {
        for file in files.values { try? file.descriptor?.close() }
        buffer.deallocate()
    }

    public var trackedFileCount: Int { files.count }
    public var openDescriptorCount: Int { openDescriptors }
    public var watchedFolderCount: Int { watcher.watchedFolderCount }

    /// Polls until `control.stop()`.
    public func run(_ body: (FileSourceOutput) throws -> Void) throws {
        while !control.isStopped { try poll(timeout: .seconds(1), body) }
    }

    /// Waits up to `timeout` for file events (less when reading, a rescan, a partial flush or a drain is due), then
    /// does what is due and reports it through `body`, in order. The first call walks the folders and resumes
    /// the checkpoints. Throws only when inotify or poll itself fails, or when `body` throws.
    public func poll(timeout: Duration, _ body: (FileSourceOutput) throws -> Void) throws {
        guard !control.isStopped else { return }
        if !startedUp {
            startedUp = true
            try rescan(initial: true, body)
        }
        let ready = try Poll.wait(
            [(inotify.descriptor, .readable), (control.wakeup.readEnd, .readable)],
            timeoutMilliseconds: waitMilliseconds(timeout)
        )
        if !ready[1].isEmpty { control.wakeup.drain() }
        if !ready[0].isEmpty { try handle(watcher.translate(inotify.readEvents()), body) }
        if rescanRequested || ContinuousClock.now >= nextRescan { try rescan(initial: false, body) }
        try checkDraining(body)
        if !control.isPaused { try readQueued(body) }
        try flushIdlePartialLines(body)
    }

    /// The checkpoint of `stream` at `offset`, a position the consumer says is durable (every byte before it is
    /// handled): key, path, device, inode and the offset marker. Nil when the stream has ended (except at its final
    /// offset after a rotation), when `offset` is beyond what was read, or when the file cannot be read.
    /// Call it on the polling thread.
    public func checkpoint(for stream: FileStreamID, offset: Int64) -> StreamCheckpoint? {
        guard let file = filesByStream[stream] else {
            if let final = finalCheckpoints[stream], final.offset == offset { return final }
            return nil
        }
        guard offset >= 0, offset <= max(file.offset, file.deliveringEnd) else { return nil }
        return makeCheckpoint(file, offset: offset)
    }

    func makeCheckpoint(_ file: TrackedFile, offset: Int64) -> StreamCheckpoint? {
        var marker: [UInt8]
        if let descriptor = file.descriptor {
            guard let made = try? FileFingerprint.marker(of: descriptor, offset: offset) else { return nil }
            marker = made
        } else {
            // Closed to stay under max_open_files: open briefly, and only if the path still holds this file.
            guard let descriptor = try? FileDescriptor.open(file.path, [.readOnly, .nonBlocking]) else { return nil }
            defer { try? descriptor.close() }
            guard let status = try? descriptor.status(), FileIdentity(status) == file.identity,
                let made = try? FileFingerprint.marker(of: descriptor, offset: offset)
            else { return nil }
            marker = made
        }
        return StreamCheckpoint(
            key: file.key,
            path: file.path,
            device: file.identity.device,
            inode: file.identity.inode,
            offset: offset,
            marker: marker,
            source: config.name
        )
    }

    /// How long the next wait may last: nothing when reading is due, else until the nearest deadline.
    private func waitMilliseconds(_ timeout: Duration) -> Int32 {
        if !readQueue.isEmpty && !control.isPaused { return 0 }
        let now = ContinuousClock.now
        var deadline = min(now + timeout, nextRescan)
        if !draining.isEmpty { deadline = min(deadline, now + Self.drainCheckInterval) }
        for identity in partialLines {
            guard let file = files[identity], !file.partialFlushSent else { continue }
            deadline = min(deadline, file.lastDataAt + config.partialFlush)
        }
        let (seconds, attoseconds) = (deadline - now).components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        // Round up, so a wake-up is never a little early and spins.
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, milliseconds))
    }

    /// Tells the consumer about streams whose last line has waited for its newline for `partial_flush`.
    private func flushIdlePartialLines(_ body: (FileSourceOutput) throws -> Void) throws {
        guard !partialLines.isEmpty else { return }
        let now = ContinuousClock.now
        for identity in partialLines {
            guard let file = files[identity], !file.partialFlushSent else { continue }
            if now - file.lastDataAt >= config.partialFlush {
                file.partialFlushSent = true
                try body(.flushPartialLine(file.stream))
            }
        }
    }

    func nextStreamID() -> FileStreamID {
        lastStream += 1
        return FileStreamID(rawValue: lastStream)
    }
}
