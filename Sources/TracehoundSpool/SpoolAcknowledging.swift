// Consuming batches: acknowledgements and dead letters go to the journal; files whose batches are all consumed
// are deleted whole, after the positions snapshot has caught up with the checkpoints they carry.
import TracehoundCore
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

extension Spool {
    /// The journal is rewritten without the entries of deleted files once it passes this size and is mostly
    /// such entries.
    static let journalCompactionBytes: Int64 = 64 << 10

    /// Records that the collector stored the batch. Returns false when no pending batch has this id (already
    /// acknowledged, dropped by `drop_oldest`, or never spooled).
    @discardableResult
    public func acknowledge(batchID: String) throws -> Bool {
        try checkOpen()
        return try maintenanceLock.withLock {
            guard let (file, entry) = condition.withLock({ shared.lookupPending(batchID) }) else { return false }
            try consume(entry, in: file, as: .acknowledged)
            return true
        }
    }

    /// Moves a batch the collector refused for good to `dead-letter/<sequence>-<id>.ndjson.lz4`, with the reason
    /// in a `.reason` file beside it, and counts it as consumed. A payload that fails its CRC is moved as it is,
    /// and the reason says so. Returns false when no pending batch has this id.
    @discardableResult
    public func deadLetter(batchID: String, reason: String) throws -> Bool {
        try checkOpen()
        var moved: (file: String, reason: String)?
        let done = try maintenanceLock.withLock { () throws -> Bool in
            guard let (file, entry) = condition.withLock({ shared.lookupPending(batchID) }) else { return false }
            let (payload, problem) = try Self.readPayload(entry, file: file, layout: layout, storage: storage)
            var note = String(reason.map { $0.isNewline ? " " : $0 })  // one line per field in the .reason file
            if let problem { note += " (the payload failed its check: \(problem))" }
            let base = layout.deadLetters + "/" + Self.deadLetterName(entry)
            let description = """
                batch: \(entry.id)
                sequence: \(entry.sequence)
                created_at_ms: \(entry.createdAt)
                bytes: \(payload.count)
                reason: \(note)

                """
            try storage.atomicReplace(base + ".ndjson.lz4", with: payload)
            try storage.atomicReplace(base + ".reason", with: Array(description.utf8))
            try consume(entry, in: file, as: .deadLettered)
            moved = (base + ".ndjson.lz4", note)
            return true
        }
        if let moved { events.deadLettered(batchID: batchID, file: moved.file, reason: moved.reason) }
        return done
    }

    /// `<sequence>-<id>` with every byte outside `[A-Za-z0-9._-]` replaced by `_`: ids are not trusted as names.
    static func deadLetterName(_ entry: BatchEntry) -> String {
        let safe = String(
            decoding: entry.id.utf8.map { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return byte
                default:
                    return UInt8(ascii: "_")
                }
            },
            as: UTF8.self
        )
        return SpoolLayout.segmentName(firstSequence: entry.sequence).dropLast(SpoolLayout.segmentSuffix.count) + "-"
            + safe
    }

    /// Journals one consumed batch, marks it in the index and deletes what that finished.
    /// Called with `maintenanceLock` held.
    private func consume(_ entry: BatchEntry, in file: String, as disposition: Disposition) throws {
        // A journal entry must never outlive the record it names (a reused sequence would be acked unsent).
        try ensureDurable(through: entry.sequence)
        try appendJournal(Acknowledgement(sequence: entry.sequence, disposition: disposition))
        condition.withLock {
            guard let (fileIndex, batchIndex) = shared.locate(entry.sequence) else { return }
            shared.files[fileIndex].batches[batchIndex].status =
                disposition == .acknowledged ? .acknowledged : .deadLettered
            shared.files[fileIndex].pendingCount -= 1
            shared.forgetPending(entry)
            if disposition == .acknowledged { shared.acknowledgedCount += 1 } else { shared.deadLetteredCount += 1 }
            shared.generation &+= 1
            condition.broadcast()
        }
        reclaimConsumedFiles(includingActive: false)
    }

    /// Deletes every segment file with no pending batch (the writer's own only if `includingActive`, which only
    /// the writer may ask), snapshotting positions first when one of them carries newer ones. Returns the names
    /// deleted. Failures are reported and retried on the next occasion. Called with `maintenanceLock` held.
    @discardableResult
    func reclaimConsumedFiles(includingActive: Bool) -> [String] {
        let candidates = condition.withLock {
            shared.files.filter { $0.pendingCount == 0 && (includingActive || $0.name != shared.activeFile) }
        }
        guard !candidates.isEmpty else { return [] }
        var deleted: [String] = []
        do {
            try writeSnapshotIfNeeded(before: candidates)
            for file in candidates {
                try removeSegment(file.name)
                deleted.append(file.name)
            }
            try storage.syncDirectory(layout.root)
        } catch {
            events.housekeepingFailed(error)
        }
        condition.withLock {
            removeFiles(deleted)
            shared.generation &+= 1
            condition.broadcast()
        }
        for file in candidates where deleted.contains(file.name) {
            events.deletedFile(file: file.name, batches: file.batches.count)
        }
        do {
            try compactJournalIfNeeded()
        } catch {
            events.housekeepingFailed(error)
        }
        return deleted
    }

    /// Unlinks a segment file; one already gone (a crash after its unlink) counts as deleted.
    func removeSegment(_ name: String) throws(Errno) {
        do {
            try storage.unlink(layout.path(name))
        } catch  where error.code == ENOENT {
        }
    }

    /// Drops deleted files from the index. Called with `condition` held.
    func removeFiles(_ names: [String]) {
        guard !names.isEmpty else { return }
        let gone = Set(names)
        for file in shared.files where gone.contains(file.name) {
            shared.usedBytes -= file.size
            for batch in file.batches where batch.status == .pending { shared.forgetPending(batch) }
        }
        shared.files.removeAll { gone.contains($0.name) }
        if let active = shared.activeFile, gone.contains(active) { shared.activeFile = nil }
    }

    /// Replaces the positions snapshot if any of `files` carries a checkpoint newer than it.
    /// Called with `maintenanceLock` held.
    func writeSnapshotIfNeeded(before files: [LiveFile]) throws(Errno) {
        let (needed, sequence, checkpoints) = condition.withLock {
            (
                files.contains { $0.lastCheckpointSequence > shared.snapshotSequence },
                shared.committedSequence, shared.checkpoints
            )
        }
        guard needed else { return }
        try ensureDurable(through: sequence)
        let sorted = checkpoints.values.sorted { $0.key < $1.key }
        let metadata = RecordFormat.positionsMetadata(checkpoints: sorted, forgotten: [])
        try storage.atomicReplace(
            layout.snapshot,
            with: RecordFormat.encode(type: .positions, sequence: sequence, metadata: metadata)
        )
        condition.withLock { shared.snapshotSequence = sequence }
    }

    /// Makes sure every record up to `sequence` is on stable storage (with `fsync: batch` a commit may not
    /// have synced yet): fdatasync of the file holding it; older files were synced when they were rolled.
    /// Called with `maintenanceLock` held.
    func ensureDurable(through sequence: UInt64) throws(Errno) {
        guard config.fsync != .never else { return }
        let target = condition.withLock { () -> (file: String, covers: UInt64)? in
            guard sequence > shared.durableSequence,
                let index = shared.files.lastIndex(where: { $0.firstSequence <= sequence })
            else { return nil }
            // Syncing the newest file covers everything committed so far (committed means written).
            let newest = index == shared.files.count - 1
            return (shared.files[index].name, newest ? shared.committedSequence : sequence)
        }
        guard let target else { return }
        let descriptor = try OwnedDescriptor(layout.path(target.file), .readOnly, storage: storage)
        try storage.syncData(descriptor.descriptor)
        condition.withLock { shared.durableSequence = max(shared.durableSequence, target.covers) }
    }

    // MARK: The acknowledgement journal

    /// Opens the journal at startup, rewriting it first when recovery asks.
    func openJournal(_ plan: RecoveryPlan) throws {
        try maintenanceLock.withLock {
            if plan.journalNeedsRewrite || !storage.exists(layout.journal) {
                let entries = plan.acknowledgements.sorted { $0.key < $1.key }.map {
                    Acknowledgement(sequence: $0.key, disposition: $0.value)
                }
                try rewriteJournal(entries)
            } else {
                let file = try OwnedDescriptor(layout.journal, .readWrite, storage: storage)
                journal.file = file
                journal.size = try storage.size(file.descriptor)
                journal.records = UInt64(plan.journalRecords)
            }
        }
    }

    /// Appends one entry and syncs it per policy. Called with `maintenanceLock` held.
    private func appendJournal(_ entry: Acknowledgement) throws {
        if journal.file == nil {  // a rewrite replaced the file but could not reopen it
            try checkOpen()
            let file = try OwnedDescriptor(layout.journal, .readWrite, storage: storage)
            journal.size = try storage.size(file.descriptor)
            journal.file = file
        }
        guard let file = journal.file else { throw SpoolError.closed }
        let record = RecordFormat.encode(
            type: .acknowledgements,
            sequence: journal.records + 1,
            metadata: RecordFormat.acknowledgementMetadata([entry])
        )
        do {
            try storage.writeAll(file.descriptor, record, at: journal.size, path: layout.journal)
        } catch {
            try? storage.resize(file.descriptor, to: journal.size)
            throw error
        }
        journal.size += Int64(record.count)
        journal.records += 1
        journal.unsynced = true
        try syncJournal(force: false)
    }

    /// Syncs the journal: `force`, or per the policy (`batch`: when the interval has passed).
    /// Called with `maintenanceLock` held.
    func syncJournal(force: Bool) throws(Errno) {
        guard journal.unsynced, let file = journal.file else { return }
        if !force {
            switch config.fsync {
            case .always: break
            case .batch: if ContinuousClock.now - journal.lastSync < fsyncInterval { return }
            case .never: return
            }
        }
        try storage.syncData(file.descriptor)
        journal.unsynced = false
        journal.lastSync = .now
    }

    /// Rewrites the journal with only the entries of batches still in the spool, once it is big and mostly
    /// stale. Called with `maintenanceLock` held.
    private func compactJournalIfNeeded() throws(Errno) {
        guard journal.size > Self.journalCompactionBytes else { return }
        let live = condition.withLock {
            shared.files.flatMap { file in
                file.batches.compactMap { batch -> Acknowledgement? in
                    switch batch.status {
                    case .pending: return nil
                    case .acknowledged: return Acknowledgement(sequence: batch.sequence, disposition: .acknowledged)
                    case .deadLettered: return Acknowledgement(sequence: batch.sequence, disposition: .deadLettered)
                    }
                }
            }
        }
        let liveBytes = Int64(RecordFormat.recordBytes(metadataBytes: 4 + 9 * live.count, payloadBytes: 0))
        guard journal.size > 2 * liveBytes else { return }
        try rewriteJournal(live)
    }

    /// Replaces the journal atomically with one record holding `entries` (an empty file for none). On failure
    /// the old journal stays in use.
    private func rewriteJournal(_ entries: [Acknowledgement]) throws(Errno) {
        let contents =
            entries.isEmpty
            ? []
            : RecordFormat.encode(
                type: .acknowledgements,
                sequence: 1,
                metadata: RecordFormat.acknowledgementMetadata(entries)
            )
        try storage.atomicReplace(layout.journal, with: contents)
        journal.file = nil
        journal.file = try OwnedDescriptor(layout.journal, .readWrite, storage: storage)
        journal.size = Int64(contents.count)
        journal.records = entries.isEmpty ? 0 : 1
        journal.unsynced = false
    }
}

extension SharedState {
    /// The file and batch indexes of the record with `sequence`, if a live file holds it.
    func locate(_ sequence: UInt64) -> (file: Int, batch: Int)? {
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].firstSequence <= sequence { low = middle + 1 } else { high = middle }
        }
        guard low > 0, sequence > 0 else { return nil }
        let batch = files[low - 1].firstBatch(after: sequence - 1)
        guard batch < files[low - 1].batches.count, files[low - 1].batches[batch].sequence == sequence else {
            return nil
        }
        return (low - 1, batch)
    }

    /// The oldest pending batch with this id, and the file that holds it.
    func lookupPending(_ id: String) -> (file: String, entry: BatchEntry)? {
        guard let sequence = pendingByID[id]?.first, let (file, batch) = locate(sequence) else { return nil }
        return (files[file].name, files[file].batches[batch])
    }

    mutating func forgetPending(_ entry: BatchEntry) {
        guard var sequences = pendingByID[entry.id] else { return }
        sequences.removeAll { $0 == entry.sequence }
        pendingByID[entry.id] = sequences.isEmpty ? nil : sequences
    }
}
