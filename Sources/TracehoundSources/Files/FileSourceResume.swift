// Resuming from the checkpoints given at start. A checkpoint is matched to a file by device and inode, then must
// prove itself: its offset within the file and its marker equal to the marker of the bytes now before that offset.
// Several checkpoints may name one inode (a stream and the stream that followed its truncation); the verified one
// with the largest offset wins. A file whose checkpoints all fail is read from 0 under a new key.
import TracehoundCore
import TracehoundPosix

extension FileSource {
    /// The checkpoint that the file open as `descriptor` (at `path`, with `status`) still fits.
    func resume(_ path: String, _ descriptor: FileDescriptor, _ status: FileStatus, _ candidates: [StreamCheckpoint])
        -> (key: String, offset: Int64)?
    {
        var reasons: [(StreamCheckpoint, String)] = []
        for checkpoint in candidates.sorted(by: { $0.offset > $1.offset }) {
            if checkpoint.offset > status.size {
                reasons.append((checkpoint, "the file is \(status.size) bytes, shorter than the offset"))
                continue
            }
            guard let marker = try? FileFingerprint.marker(of: descriptor, offset: checkpoint.offset) else { continue }
            if marker == checkpoint.marker { return (checkpoint.key, checkpoint.offset) }
            reasons.append((checkpoint, "the bytes before the offset changed"))
        }
        for (checkpoint, reason) in reasons {
            events?.checkpointDiscarded(path: path, key: checkpoint.key, offset: checkpoint.offset, reason: reason)
        }
        return nil
    }

    /// Finds files that were renamed out of the include patterns while the daemon was stopped (logrotate's
    /// app.log -> app.log.1): each checkpoint not matched by the first scan is looked for, by device and inode, in
    /// the folder of its path. A verified one is drained from its offset and released; the rest wait, in case a
    /// matching file with their identity appears later.
    func resumeRenamedWhileStopped(_ body: (FileSourceOutput) throws -> Void) throws {
        guard !checkpointsByIdentity.isEmpty else { return }
        var folders: [String: Set<FileIdentity>] = [:]
        for (identity, checkpoints) in checkpointsByIdentity {
            for checkpoint in checkpoints {
                folders[FileSystem.parentDirectory(of: checkpoint.path), default: []].insert(identity)
            }
        }
        for (folder, wanted) in folders.sorted(by: { $0.key < $1.key }) {
            guard let entries = try? DirectoryListing.entries(of: folder) else { continue }
            for entry in entries where entry.kind == .regularFile || entry.kind == .unknown {
                let path = DirectoryListing.join(folder, entry.name)
                guard let status = try? FileStatus.ofLink(path), status.isRegularFile else { continue }
                let identity = FileIdentity(status)
                guard wanted.contains(identity), files[identity] == nil,
                    let candidates = checkpointsByIdentity[identity],
                    let (descriptor, opened) = try? Self.openWithStatus(path), FileIdentity(opened) == identity
                else { continue }
                guard let resumed = resume(path, descriptor, opened, candidates) else {
                    // Not the file the checkpoint was about: not ours to read, its name matches no pattern.
                    try? descriptor.close()
                    continue
                }
                checkpointsByIdentity[identity] = nil
                let file = TrackedFile(
                    identity: identity,
                    stream: nextStreamID(),
                    key: resumed.key,
                    path: path,
                    offset: resumed.offset,
                    size: status.size
                )
                file.phase = .draining(.rotated)
                files[identity] = file
                filesByStream[file.stream] = file
                draining.insert(identity)
                adopt(descriptor, for: file)
                try body(.started(file.info(resumed: true)))
                events?.fileResumed(path: path, key: file.key, offset: file.offset)
                events?.fileRotated(path: path, key: file.key, unreadBytes: max(0, status.size - file.offset))
                enqueue(file)
            }
        }
    }
}
