// Keeping the tables true to the file system: files appearing, moving, leaving their path, being drained and
// released, from inotify notices and from rescans. A path's notice is only a hint: the file is always identified
// by stat (device and inode) before anything changes.
import TracehoundCore
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

extension FileSource {
    /// Applies one batch of folder changes. A file whose path went away is decided after the whole batch, since a
    /// rename arrives as a move out followed by a move in.
    func handle(_ changes: [FolderChange], _ body: (FileSourceOutput) throws -> Void) throws {
        var lost: [(file: TrackedFile, deleted: Bool)] = []
        for change in changes {
            switch change {
            case .overflow:
                rescanRequested = true
                events?.eventQueueOverflowed()
            case .folderLeft:
                rescanRequested = true
            case .found(let found):
                for item in found { try noteFound(item.path, item.status, initial: false, body) }
            case .path(let notice):
                switch notice.kind {
                case .changed:
                    if let file = filesByPath[notice.path] {
                        enqueue(file)
                    } else if notice.matches {
                        try noteAppeared(notice.path, matches: true, body)
                    }
                case .created, .movedIn:
                    // A move into a name the patterns do not match matters only to a file that lost its path.
                    if notice.matches || (notice.kind == .movedIn && !(lost.isEmpty && draining.isEmpty)) {
                        try noteAppeared(notice.path, matches: notice.matches, body)
                    }
                case .deleted, .movedOut:
                    guard let file = filesByPath[notice.path] else { continue }
                    filesByPath[notice.path] = nil
                    file.pathLost = true
                    lost.append((file, notice.kind == .deleted))
                }
            }
        }
        for (file, deleted) in lost where file.pathLost && files[file.identity] === file {
            file.pathLost = false
            try pathGone(file, deleted: deleted, body)
        }
    }

    /// A name appeared (or changed without being known): stat it and track or re-path what it is.
    private func noteAppeared(_ path: String, matches: Bool, _ body: (FileSourceOutput) throws -> Void) throws {
        guard let status = try? FileStatus.of(path), status.isRegularFile else { return }
        if matches {
            try noteFound(path, status, initial: false, body)
            return
        }
        // Renamed out of the patterns (app.log -> app.log.1): drain it under its new name.
        guard let file = files[FileIdentity(status)] else { return }
        if filesByPath[file.path] === file { filesByPath[file.path] = nil }
        file.path = path
        try body(.renamed(file.stream, path: path))
        if file.pathLost {
            file.pathLost = false
            try startDraining(file, .rotated)
        }
    }

    /// A matching regular file at `path`: a known identity moves there (and lives again if it was rotated away);
    /// an unknown one is added.
    func noteFound(_ path: String, _ status: FileStatus, initial: Bool, _ body: (FileSourceOutput) throws -> Void)
        throws
    {
        guard status.isRegularFile else { return }
        let identity = FileIdentity(status)
        if let other = filesByPath[path], other.identity != identity {
            // The path holds another file now: the one we knew there has gone somewhere.
            filesByPath[path] = nil
            try pathGone(other, deleted: false, body)
        }
        guard let file = files[identity] else {
            try add(path, status, initial: initial, body)
            return
        }
        file.pathLost = false
        if file.path != path || filesByPath[path] !== file {
            let old = file.path
            if filesByPath[old] === file { filesByPath[old] = nil }
            file.path = path
            filesByPath[path] = file
            if case .draining(.rotated) = file.phase {
                file.phase = .live
                draining.remove(identity)
            }
            if old != path {
                try body(.renamed(file.stream, path: path))
                events?.fileRenamed(from: old, to: path, key: file.key)
            }
        }
        if status.size != file.offset { enqueue(file) }
    }

    /// Starts tracking a file: resumed from a verified checkpoint, or at 0, or at its end (`start_at: end`, first
    /// scan only). The file is opened first (and the descriptor kept): one that cannot be read gets no stream, and
    /// is reported once.
    func add(_ path: String, _ found: FileStatus, initial: Bool, _ body: (FileSourceOutput) throws -> Void) throws {
        let descriptor: FileDescriptor
        let status: FileStatus
        do {
            (descriptor, status) = try Self.openWithStatus(path)
        } catch {
            if error.code != ENOENT && unreadable.insert(FileIdentity(found)).inserted {
                events?.fileUnreadable(path: path, reason: error)
            }
            return
        }
        let identity = FileIdentity(status)
        // Replaced between the stat and the open: the newcomer is announced by its own event or the next rescan.
        guard identity == FileIdentity(found), status.isRegularFile, files[identity] == nil else {
            try? descriptor.close()
            return
        }
        unreadable.remove(identity)
        var resumed: (key: String, offset: Int64)?
        if let candidates = checkpointsByIdentity.removeValue(forKey: identity) {
            resumed = resume(path, descriptor, status, candidates)
        }
        let offset = resumed?.offset ?? (initial && config.startAt == .end ? status.size : 0)
        let file = TrackedFile(
            identity: identity,
            stream: nextStreamID(),
            key: resumed?.key ?? FileFingerprint.newKey(for: identity),
            path: path,
            offset: offset,
            size: status.size
        )
        files[identity] = file
        filesByPath[path] = file
        filesByStream[file.stream] = file
        adopt(descriptor, for: file)
        try body(.started(file.info(resumed: resumed != nil)))
        if resumed != nil {
            events?.fileResumed(path: path, key: file.key, offset: offset)
        } else {
            events?.fileAdded(path: path, key: file.key, offset: offset)
        }
        if files.count > config.maxOpenFiles && !tooManyFilesReported {
            tooManyFilesReported = true
            events?.tooManyFiles(tracked: files.count, limit: config.maxOpenFiles)
        }
        if file.hasUnreadBytes { enqueue(file) }
    }

    /// The file's path no longer leads to it: drain it through its descriptor (deleted, or renamed out of sight),
    /// or, without one, end it when deleted and let a rescan look for it otherwise.
    private func pathGone(_ file: TrackedFile, deleted: Bool, _ body: (FileSourceOutput) throws -> Void) throws {
        guard let descriptor = file.descriptor else {
            if deleted {
                try end(file, .deleted, body)
            } else {
                rescanRequested = true
            }
            return
        }
        let status = try? descriptor.status()
        if let status { file.knownSize = status.size }
        try startDraining(file, status?.linkCount == 0 ? .deleted : .rotated)
    }

    private func startDraining(_ file: TrackedFile, _ reason: FileStreamEnd) throws {
        guard !file.isDraining else { return }
        file.phase = .draining(reason)
        // rotate_wait counts from now: a writer may still add a last line before it reopens.
        file.lastDataAt = .now
        draining.insert(file.identity)
        let unread = max(0, file.knownSize - file.offset)
        if reason == .deleted {
            events?.fileDeleted(path: file.path, key: file.key, unreadBytes: unread)
        } else {
            events?.fileRotated(path: file.path, key: file.key, unreadBytes: unread)
        }
        enqueue(file)
    }

    /// Reads what draining files still receive, and releases those quiet for `rotate_wait` at their end.
    func checkDraining(_ body: (FileSourceOutput) throws -> Void) throws {
        guard !draining.isEmpty else { return }
        let now = ContinuousClock.now
        for identity in draining {
            guard let file = files[identity], case .draining(let reason) = file.phase else {
                draining.remove(identity)
                continue
            }
            if let size = try? file.descriptor?.status().size { file.knownSize = size }
            if file.hasUnreadBytes {
                enqueue(file)
            } else if !file.queued && now - file.lastDataAt >= config.rotateWait {
                if reason == .rotated, let final = makeCheckpoint(file, offset: file.offset) {
                    keepFinalCheckpoint(final, for: file.stream)
                }
                try end(file, reason, body)
                events?.fileReleased(path: file.path, key: file.key, offset: file.offset)
            }
        }
    }

    /// Forgets the file and tells the consumer its stream ended.
    func end(_ file: TrackedFile, _ reason: FileStreamEnd, _ body: (FileSourceOutput) throws -> Void) throws {
        reportNulRun(file)
        closeDescriptor(of: file)
        files[file.identity] = nil
        if filesByPath[file.path] === file { filesByPath[file.path] = nil }
        filesByStream[file.stream] = nil
        draining.remove(file.identity)
        partialLines.remove(file.identity)
        file.queued = false
        if files.count <= config.maxOpenFiles { tooManyFilesReported = false }
        try body(.ended(file.stream, reason))
    }

    private func keepFinalCheckpoint(_ checkpoint: StreamCheckpoint, for stream: FileStreamID) {
        finalCheckpoints[stream] = checkpoint
        finalCheckpointOrder.append(stream)
        if finalCheckpointOrder.count > Self.finalCheckpointsKept {
            finalCheckpoints[finalCheckpointOrder.removeFirst()] = nil
        }
    }

    /// Walks every folder again and reconciles: new files are added, moved ones re-pathed, and live files not
    /// found anywhere are drained (or, closed, end as vanished).
    func rescan(initial: Bool, _ body: (FileSourceOutput) throws -> Void) throws {
        rescanRequested = false
        nextRescan = .now + config.rescanInterval
        let found = watcher.scanAll()
        var seen = Set<FileIdentity>()
        for item in found.sorted(by: { $0.path < $1.path }) {
            let identity = FileIdentity(item.status)
            guard seen.insert(identity).inserted else { continue }
            if !initial && files[identity] == nil && !unreadable.contains(identity) {
                events?.rescanFound(path: item.path)
            }
            try noteFound(item.path, item.status, initial: initial, body)
        }
        for file in Array(files.values) where !file.isDraining && !seen.contains(file.identity) {
            if filesByPath[file.path] === file { filesByPath[file.path] = nil }
            if file.descriptor != nil {
                try pathGone(file, deleted: false, body)
            } else {
                try end(file, .vanished, body)
                events?.fileVanished(path: file.path, key: file.key, offset: file.offset)
            }
        }
        if initial { try resumeRenamedWhileStopped(body) }
    }
}
