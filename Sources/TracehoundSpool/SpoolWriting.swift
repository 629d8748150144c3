// Writing: append into memory, commit with one write and (per policy) one fdatasync, make room under the cap.
import Foundation
public import TracehoundCore
import TracehoundPosix

extension Spool {
    /// Appends one batch and the checkpoints it makes durable; visible after the next `commit()`.
    /// Throws `SpoolError.full` (`when_full: block`, no room: commit, `waitForSpace`, retry),
    /// `.recordTooLarge`, `.invalidBatchID` or `.duplicateBatchID`.
    /// - Returns: the batch's sequence number.
    @discardableResult
    public func append(batchID: String, payload: [UInt8], checkpoints: [StreamCheckpoint] = []) throws -> UInt64 {
        guard !batchID.isEmpty, batchID.utf8.count <= RecordFormat.maxBatchIDBytes else {
            throw SpoolError.invalidBatchID(batchID)
        }
        let createdAt = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let metadata = RecordFormat.batchMetadata(id: batchID, createdAt: createdAt, checkpoints: checkpoints)
        return try writerLock.withLock {
            try checkOpen()
            let duplicate = condition.withLock { shared.pendingByID[batchID] != nil }
            if duplicate || writer.pendingIDs.contains(batchID) { throw SpoolError.duplicateBatchID(batchID) }
            let sequence = writer.nextSequence
            let record = payload.withUnsafeBytes {
                RecordFormat.encode(type: .batch, sequence: sequence, metadata: metadata, payload: $0)
            }
            try makeRoom(for: record.count)
            let payloadOffset = record.count - payload.count
            writer.pendingRecords.append(
                PendingRecord(
                    sequence: sequence,
                    offset: writer.pending.count,
                    batch: (batchID, createdAt, payloadOffset, payload.count),
                    checkpoints: checkpoints,
                    forgotten: []
                )
            )
            writer.pendingIDs.insert(batchID)
            addPending(record)
            return sequence
        }
    }

    /// Appends positions without a batch (streams that moved on without a hit), and forgets the checkpoints of
    /// streams that are gone for good; visible after the next `commit()`. Throws like `append`.
    /// - Returns: the record's sequence number; nil when there was nothing to append.
    @discardableResult
    public func appendPositions(_ checkpoints: [StreamCheckpoint], forgetting forgotten: [String] = []) throws
        -> UInt64?
    {
        guard !checkpoints.isEmpty || !forgotten.isEmpty else { return nil }
        let metadata = RecordFormat.positionsMetadata(checkpoints: checkpoints, forgotten: forgotten)
        return try writerLock.withLock {
            try checkOpen()
            let sequence = writer.nextSequence
            let record = RecordFormat.encode(type: .positions, sequence: sequence, metadata: metadata)
            try makeRoom(for: record.count)
            writer.pendingRecords.append(
                PendingRecord(
                    sequence: sequence,
                    offset: writer.pending.count,
                    batch: nil,
                    checkpoints: checkpoints,
                    forgotten: forgotten
                )
            )
            addPending(record)
            return sequence
        }
    }

    /// The bytes `append` would add for a batch: what to pass to `waitForSpace`.
    public static func recordBytes(batchID: String, payloadBytes: Int, checkpoints: [StreamCheckpoint] = []) -> Int {
        let metadata = RecordFormat.batchMetadata(id: batchID, createdAt: 0, checkpoints: checkpoints)
        return RecordFormat.recordBytes(metadataBytes: metadata.count, payloadBytes: payloadBytes)
    }

    private func addPending(_ record: [UInt8]) {
        writer.pending.append(contentsOf: record)
        writer.nextSequence += 1
        condition.withLock { shared.uncommittedBytes = writer.pending.count }
    }

    /// Makes `bytes` fit under the cap: reclaims consumed files, then blocks (throws `.full`) or drops the oldest.
    /// Called with `writerLock` held.
    private func makeRoom(for bytes: Int) throws {
        if bytes - RecordFormat.headerBytes > RecordFormat.maxBodyBytes || bytes > config.maxBytes {
            throw SpoolError.recordTooLarge(bytes: bytes, limit: min(config.maxBytes, RecordFormat.maxBodyBytes))
        }
        while true {
            let used = condition.withLock { shared.usedBytes }
            let available = config.maxBytes - Int(used) - writer.pending.count
            if bytes <= available { return }
            if reclaimForWriter() > 0 { continue }
            guard config.whenFull == .dropOldest, try dropOldestFile() else {
                throw SpoolError.full(needed: bytes, available: max(available, 0))
            }
        }
    }

    /// Deletes every fully consumed file, the active one included; returns the bytes freed.
    /// Called with `writerLock` held.
    func reclaimForWriter() -> Int64 {
        let before = condition.withLock { shared.usedBytes }
        let active = writer.active?.name
        let deleted = maintenanceLock.withLock { reclaimConsumedFiles(includingActive: true) }
        if let active, deleted.contains(active) { retireActiveFile() }
        return before - condition.withLock { shared.usedBytes }
    }

    /// Stops appending to the active file; the next commit starts a new one.
    private func retireActiveFile() {
        writer.active = nil
        condition.withLock { shared.activeFile = nil }
    }

    /// `when_full: drop_oldest`: deletes the oldest segment file with its pending batches, reporting each.
    /// Returns false when there is nothing left to drop. Called with `writerLock` held.
    private func dropOldestFile() throws -> Bool {
        var dropped: [(id: String, bytes: Int)] = []
        let name = try maintenanceLock.withLock { () throws -> String? in
            guard let oldest = condition.withLock({ shared.files.first }) else { return nil }
            if oldest.name == writer.active?.name { retireActiveFile() }
            try writeSnapshotIfNeeded(before: [oldest])
            try removeSegment(oldest.name)
            try storage.syncDirectory(layout.root)
            condition.withLock {
                for batch in oldest.batches where batch.status == .pending {
                    dropped.append((batch.id, batch.payloadBytes))
                    shared.forgetPending(batch)
                }
                shared.droppedCount += dropped.count
                removeFiles([oldest.name])
            }
            return oldest.name
        }
        guard let name else { return false }
        for batch in dropped { events.droppedOldest(batchID: batch.id, bytes: batch.bytes) }
        events.deletedFile(file: name, batches: dropped.count)
        return true
    }

    /// Writes everything appended since the last commit with one write, syncs it per the fsync policy and
    /// publishes it to readers and `checkpoints`. On failure nothing is published, the partial write is cut off,
    /// and the records stay pending: a later `commit()` retries them.
    public func commit() throws {
        try writerLock.withLock {
            try checkOpen()
            guard !writer.pendingRecords.isEmpty else {
                if config.fsync == .batch, ContinuousClock.now - writer.lastSync >= fsyncInterval {
                    try syncActiveFile()
                }
                return
            }
            let rolled = try prepareActiveFile()
            guard var active = writer.active else { return }
            let base = active.size
            do {
                try storage.writeAll(active.file.descriptor, writer.pending, at: base, path: active.file.path)
            } catch {
                cutBack(&active)
                writer.active = active
                throw error
            }
            active.unsynced = true
            writer.active = active
            let synced: Bool
            switch config.fsync {
            case .always: synced = true
            case .batch: synced = ContinuousClock.now - writer.lastSync >= fsyncInterval
            case .never: synced = false
            }
            if synced {
                do {
                    try storage.syncData(active.file.descriptor)
                } catch {
                    cutBack(&active)
                    writer.active = active
                    throw error
                }
                writer.lastSync = .now
                writer.active?.unsynced = false
            }
            let end = base + Int64(writer.pending.count)
            writer.active?.size = end
            publish(base: base, file: active.name, synced: synced)
            writer.pending = []
            writer.pendingRecords = []
            writer.pendingIDs = []
            if rolled {
                maintenanceLock.withLock { _ = reclaimConsumedFiles(includingActive: false) }
            }
        }
    }

    /// Rolls to a new file when the pending records would push the active one past `fileBytes` (or there is
    /// none); returns whether it rolled. Called with `writerLock` held.
    private func prepareActiveFile() throws -> Bool {
        if var active = writer.active, active.tailDirty {
            try storage.resize(active.file.descriptor, to: active.size)
            active.tailDirty = false
            writer.active = active
        }
        var rolled = false
        if let active = writer.active, active.size > 0, active.size + Int64(writer.pending.count) > fileBytes {
            try syncActiveFile()
            retireActiveFile()
            rolled = true
        }
        if writer.active == nil {
            let name = SpoolLayout.segmentName(firstSequence: writer.pendingRecords[0].sequence)
            let file = try OwnedDescriptor(layout.path(name), [.readWrite, .create, .exclusive], storage: storage)
            writer.active = ActiveFile(file: file, name: name, size: 0, directoryUnsynced: config.fsync != .never)
            condition.withLock {
                shared.files.append(LiveFile(name: name, firstSequence: writer.pendingRecords[0].sequence))
                shared.activeFile = name
            }
        }
        // A new file's name must be durable before its records are (retried by the next commit if this fails).
        if writer.active?.directoryUnsynced == true {
            try storage.syncDirectory(layout.root)
            writer.active?.directoryUnsynced = false
        }
        return rolled
    }

    /// Cuts a failed write back off the active file; if even that fails, the next commit tries again first.
    private func cutBack(_ active: inout ActiveFile) {
        do {
            try storage.resize(active.file.descriptor, to: active.size)
        } catch {
            active.tailDirty = true
        }
    }

    /// Publishes the records just written at `base` of `file`. Called with `writerLock` held.
    private func publish(base: Int64, file: String, synced: Bool) {
        condition.withLock {
            let index = shared.files.count - 1
            precondition(shared.files[index].name == file, "the active file is the newest")
            for record in writer.pendingRecords {
                let start = base + Int64(record.offset)
                if let batch = record.batch {
                    shared.files[index].batches.append(
                        BatchEntry(
                            id: batch.id,
                            sequence: record.sequence,
                            createdAt: batch.createdAt,
                            recordOffset: start,
                            payloadOffset: start + Int64(batch.payloadOffset),
                            payloadBytes: batch.payloadBytes,
                            status: .pending
                        )
                    )
                    shared.files[index].pendingCount += 1
                    shared.pendingByID[batch.id, default: []].append(record.sequence)
                }
                if !record.checkpoints.isEmpty || !record.forgotten.isEmpty {
                    for checkpoint in record.checkpoints { shared.checkpoints[checkpoint.key] = checkpoint }
                    for key in record.forgotten { shared.checkpoints[key] = nil }
                    shared.files[index].lastCheckpointSequence = record.sequence
                }
            }
            let written = writer.pending.count
            shared.files[index].size += Int64(written)
            shared.usedBytes += Int64(written)
            shared.uncommittedBytes = 0
            shared.committedSequence = writer.pendingRecords.last!.sequence
            if synced { shared.durableSequence = shared.committedSequence }
            shared.generation &+= 1
            condition.broadcast()
        }
    }

    /// fdatasyncs the active file if a commit left it unsynced. Called with `writerLock` held.
    func syncActiveFile() throws {
        guard config.fsync != .never else { return }
        try syncActiveFileRegardless()
    }

    /// fdatasyncs the active file unless everything committed is known durable (an ack may have synced it).
    /// Called with `writerLock` held.
    private func syncActiveFileRegardless() throws {
        guard let active = writer.active, active.unsynced else { return }
        let durable = condition.withLock { shared.durableSequence >= shared.committedSequence }
        if !durable { try storage.syncData(active.file.descriptor) }
        writer.active?.unsynced = false
        writer.lastSync = .now
        condition.withLock { shared.durableSequence = shared.committedSequence }
    }

    /// Makes every commit so far durable, whatever the policy says (`never` included): for shutdown, or a timer
    /// with `fsync: batch`.
    public func sync() throws {
        try writerLock.withLock {
            try checkOpen()
            try syncActiveFileRegardless()
        }
        try maintenanceLock.withLock { try syncJournal(force: true) }
    }

    /// Waits until `bytes` more fit under `max_bytes` (acknowledgements free whole files), for at most `timeout`.
    /// Returns false on timeout, after `stopWaiting()`, or when `bytes` can never fit. Commit before waiting:
    /// uncommitted bytes count against the cap and only the caller can commit them. With `drop_oldest`, room
    /// is always made by dropping, so this returns at once.
    public func waitForSpace(bytes: Int, timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        while true {
            let (fits, generation) = writerLock.withLock { () -> (Bool, UInt64) in
                let pending = writer.pending.count
                if config.whenFull == .dropOldest { return (bytes + pending <= config.maxBytes, 0) }
                var used = condition.withLock { shared.usedBytes }
                if Int(used) + pending + bytes > config.maxBytes {
                    _ = reclaimForWriter()
                    used = condition.withLock { shared.usedBytes }
                }
                let fits = Int(used) + pending + bytes <= config.maxBytes
                return (fits, condition.withLock { shared.generation })
            }
            if fits { return true }
            if config.whenFull == .dropOldest || bytes > config.maxBytes { return false }
            let woken = condition.withLock { () -> Bool in
                while shared.generation == generation && !shared.stopped {
                    if !condition.wait(until: deadline) { return false }
                }
                return !shared.stopped
            }
            if !woken { return false }
        }
    }
}
