// Reading for the forwarder: batches in sequence order, each payload read from disk when asked for and checked
// against its CRC, so a backlog of any size replays in the memory of one batch.
import Foundation
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

extension Spool {
    /// The pending batches in order, without payloads.
    public func pendingBatches() -> [SpoolBatchInfo] {
        condition.withLock {
            shared.files.flatMap { file in
                file.batches.filter { $0.status == .pending }.map { Self.info($0, file: file.name) }
            }
        }
    }

    /// The first pending batch after `sequence` (nil: from the start), payload read from disk; nil when there is
    /// none. The forwarder passes the sequence of the last batch it took, so batches in flight are not returned
    /// twice. Throws `SpoolError.corruptRecord` when the record no longer verifies (the forwarder may
    /// dead-letter it).
    public func nextBatch(after sequence: UInt64? = nil) throws -> SpooledBatch? {
        try checkOpen()
        while true {
            guard let (file, entry) = condition.withLock({ shared.firstPending(after: sequence ?? 0) }) else {
                return nil
            }
            do {
                let (payload, problem) = try Self.readPayload(entry, file: file, layout: layout, storage: storage)
                if let problem {
                    throw SpoolError.corruptRecord(file: file, offset: entry.recordOffset, reason: problem)
                }
                return SpooledBatch(
                    id: entry.id,
                    sequence: entry.sequence,
                    createdAt: entry.createdAt,
                    payload: payload
                )
            } catch let error as Errno where error.code == ENOENT {
                // `drop_oldest` deleted the file meanwhile: look again, unless the batch is somehow still listed.
                let listed = condition.withLock { shared.locate(entry.sequence) != nil }
                if listed { throw error }
            }
        }
    }

    /// Waits until a pending batch after `sequence` exists, for at most `timeout`. Returns false on timeout or
    /// after `stopWaiting()`.
    public func waitForBatch(after sequence: UInt64?, timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        return condition.withLock {
            while shared.firstPending(after: sequence ?? 0) == nil {
                if shared.stopped || !condition.wait(until: deadline) { return false }
            }
            return true
        }
    }

    static func info(_ entry: BatchEntry, file: String) -> SpoolBatchInfo {
        SpoolBatchInfo(
            id: entry.id,
            sequence: entry.sequence,
            createdAt: entry.createdAt,
            payloadBytes: entry.payloadBytes,
            file: file,
            offset: entry.recordOffset,
            status: entry.status
        )
    }

    /// Reads a batch's payload and checks its record; returns what did not check out beside the bytes.
    static func readPayload(_ entry: BatchEntry, file: String, layout: SpoolLayout, storage: any SpoolStorage)
        throws -> (payload: [UInt8], problem: String?)
    {
        let owner = try OwnedDescriptor(layout.path(file), .readOnly, storage: storage)
        defer { withExtendedLifetime(owner) {} }
        let descriptor = owner.descriptor
        var head = [UInt8](repeating: 0, count: Int(entry.payloadOffset - entry.recordOffset))
        var payload = [UInt8](repeating: 0, count: entry.payloadBytes)
        let headComplete = try head.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in try storage.readExactly(descriptor, into: raw, at: entry.recordOffset) }
        }.get()
        let payloadComplete = try payload.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in try storage.readExactly(descriptor, into: raw, at: entry.payloadOffset) }
        }.get()
        guard headComplete, payloadComplete else { return (payload, "the record is cut short") }
        var reader = ByteReader(bytes: head)
        let magic = reader.integer(UInt32.self)
        let length = reader.integer(UInt32.self).map(Int.init)
        let stored = reader.integer(UInt32.self)
        _ = reader.integer(UInt8.self)
        let sequence = reader.integer(UInt64.self)
        guard magic == RecordFormat.magic, length == head.count - RecordFormat.headerBytes + payload.count,
            sequence == entry.sequence
        else { return (payload, "the record header does not match the index") }
        var crc = CRC32C.update(0, head, 4..<8)
        crc = CRC32C.update(crc, head, RecordFormat.headerBytes..<head.count)
        crc = CRC32C.update(crc, payload)
        guard crc == stored else { return (payload, "CRC32C mismatch") }
        return (payload, nil)
    }
}

extension SharedState {
    /// The first pending batch after `sequence`, and the name of its file.
    func firstPending(after sequence: UInt64) -> (file: String, entry: BatchEntry)? {
        for file in files where file.pendingCount > 0 {
            guard let last = file.batches.last, last.sequence > sequence else { continue }
            var index = file.firstBatch(after: sequence)
            while index < file.batches.count {
                if file.batches[index].status == .pending { return (file.name, file.batches[index]) }
                index += 1
            }
        }
        return nil
    }
}
