// Shared helpers for the spool tests: opening spools on temporary directories, payloads and checkpoints, an
// events recorder, and `FaultyStorage`, the fault-injection seam (real files; only the calls a test breaks fail).
import Foundation
import TracehoundConfig
import TracehoundCore
import TracehoundPosix
import TracehoundTestKit
import XCTest

@testable import TracehoundSpool

/// A spool config for tests.
func spoolConfig(
    maxBytes: Int = 8 << 20,
    whenFull: SpoolFullPolicy = .block,
    fsync: FsyncPolicy = .always
) -> SpoolConfig {
    var config = SpoolConfig()
    config.maxBytes = maxBytes
    config.whenFull = whenFull
    config.fsync = fsync
    return config
}

/// Opens (or reopens) the spool in `directory`; `fileBytes` is small so tests see several files.
func openSpool(
    _ directory: String,
    config: SpoolConfig = spoolConfig(),
    fileBytes: Int = 4096,
    fsyncInterval: Duration = .milliseconds(50),
    events: RecordingEvents = RecordingEvents(),
    storage: any SpoolStorage = PosixStorage()
) throws -> Spool {
    try Spool(
        directory: directory,
        config: config,
        fsyncInterval: fsyncInterval,
        fileBytes: fileBytes,
        events: events,
        storage: storage
    )
}

/// `count` bytes that differ per `seed`, so a payload read from the wrong place is noticed.
func payload(_ count: Int, seed: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ 1) }
}

func checkpoint(_ key: String, _ offset: Int64) -> StreamCheckpoint {
    StreamCheckpoint(key: key, path: "/logs/\(key).jsonl", device: 1, inode: 42, offset: offset, marker: [1, 2, 3])
}

/// The segment files in a spool directory, sorted.
func segmentFiles(_ directory: String) -> [String] {
    PosixStorage().list(directory, suffix: ".spool")
}

/// Flips one byte of the file at `path`.
func corruptByte(_ path: String, at offset: Int64) throws {
    let file = try FileDescriptor.open(path, .readWrite)
    defer { try? file.close() }
    var byte: [UInt8] = [0]
    _ = try byte.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
    byte[0] ^= 0x5A
    try byte.withUnsafeBytes { try file.writeAll($0, at: offset) }
}

/// Appends raw bytes to the file at `path`.
func appendBytes(_ path: String, _ bytes: [UInt8]) throws {
    let file = try FileDescriptor.open(path, [.writeOnly, .append])
    defer { try? file.close() }
    try file.writeAll(bytes)
}

func fileSize(_ path: String) throws -> Int64 { try FileStatus.of(path).size }

/// Every event a spool reported, in order.
final class RecordingEvents: SpoolEvents, @unchecked Sendable {
    enum Event: Equatable {
        case tornTail(file: String, bytes: Int64)
        case quarantined(file: String, lostBatches: Int)
        case recovered(files: Int, pendingBatches: Int)
        case dropped(batchID: String)
        case deadLettered(batchID: String)
        case deleted(file: String)
        case housekeepingFailed(Int32)
    }

    private let lock = NSLock()
    private var recorded: [Event] = []

    var events: [Event] { lock.withLock { recorded } }
    var dropped: [String] {
        events.compactMap {
            if case .dropped(let id) = $0 { return id }
            return nil
        }
    }

    func clear() { lock.withLock { recorded = [] } }
    private func add(_ event: Event) { lock.withLock { recorded.append(event) } }

    func recoveredTornTail(file: String, bytes: Int64, reason: String) { add(.tornTail(file: file, bytes: bytes)) }
    func quarantined(file: String, reason: String, lostBatches: Int) {
        add(.quarantined(file: file, lostBatches: lostBatches))
    }
    func recovered(files: Int, pendingBatches: Int, bytes: Int64) {
        add(.recovered(files: files, pendingBatches: pendingBatches))
    }
    func droppedOldest(batchID: String, bytes: Int) { add(.dropped(batchID: batchID)) }
    func deadLettered(batchID: String, file: String, reason: String) { add(.deadLettered(batchID: batchID)) }
    func deletedFile(file: String, batches: Int) { add(.deleted(file: file)) }
    func housekeepingFailed(_ error: Errno) { add(.housekeepingFailed(error.code)) }
}

/// Real files with faults on demand. Faults apply to segment files only unless `faultAllFiles`.
/// `crashAtNextSync` freezes the disk: that sync and every later call fail with EIO and change nothing, as if the
/// process had died between its write and its fsync. `powerLoss()` cuts every file back to what was synced.
final class FaultyStorage: SpoolStorage, @unchecked Sendable {
    private let real = PosixStorage()
    private let lock = NSLock()
    private var paths: [Int32: String] = [:]
    private var syncedSizes: [String: Int64] = [:]
    private var pendingWriteErrors: [Int32] = []
    private var pendingShortWrites: [Int] = []
    private var pendingSyncErrors: [Int32] = []
    private var crashAtSync = false
    private(set) var frozen = false
    private(set) var syncCount = 0
    var faultAllFiles = false
    /// Record syncs (for `powerLoss`) without calling fsync: the model-based tests run thousands of commits, and
    /// what they check is the spool's logic, not the disk's.
    let simulatesSyncs: Bool

    init(simulatesSyncs: Bool = false) { self.simulatesSyncs = simulatesSyncs }

    /// The next writes fail with these errnos, one each.
    func failWrites(_ codes: Int32...) { lock.withLock { pendingWriteErrors += codes } }
    /// The next writes write at most this many bytes, one each.
    func shortenWrites(to counts: Int...) { lock.withLock { pendingShortWrites += counts } }
    func failSyncs(_ codes: Int32...) { lock.withLock { pendingSyncErrors += codes } }
    func crashAtNextSync() { lock.withLock { crashAtSync = true } }
    var syncs: Int { lock.withLock { syncCount } }

    /// Every tracked file loses what was written after its last sync (a power cut with no write-back).
    func powerLoss() throws {
        let sizes = lock.withLock { syncedSizes }
        for (path, size) in sizes where real.exists(path) {
            let file = try FileDescriptor.open(path, .readWrite)
            defer { try? file.close() }
            if try file.status().size > size { try file.resize(to: size) }
        }
    }

    private func applies(_ path: String?) -> Bool {
        guard let path else { return false }
        return faultAllFiles || path.hasSuffix(".spool")
    }

    private func checkFrozen(_ call: String) throws(Errno) {
        if lock.withLock({ frozen }) { throw Errno(code: EIO, call: call, subject: "frozen by a simulated crash") }
    }

    func open(_ path: String, _ options: FileDescriptor.OpenOptions) throws(Errno) -> FileDescriptor {
        try checkFrozen("open")
        let descriptor = try real.open(path, options)
        lock.withLock {
            paths[descriptor.rawValue] = path
            if options.contains(.create) && syncedSizes[path] == nil { syncedSizes[path] = 0 }
        }
        return descriptor
    }

    func close(_ descriptor: FileDescriptor) {
        lock.withLock { paths[descriptor.rawValue] = nil }
        real.close(descriptor)
    }

    func read(_ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno)
        -> Int
    {
        try checkFrozen("pread")
        return try real.read(descriptor, into: buffer, at: offset)
    }

    func write(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try checkFrozen("pwrite")
        let path = lock.withLock { paths[descriptor.rawValue] }
        if applies(path) {
            if let code = lock.withLock({ pendingWriteErrors.isEmpty ? nil : pendingWriteErrors.removeFirst() }) {
                throw Errno(code: code, call: "pwrite", subject: path)
            }
            if let count = lock.withLock({ pendingShortWrites.isEmpty ? nil : pendingShortWrites.removeFirst() }) {
                let shortened = UnsafeRawBufferPointer(rebasing: bytes[..<min(count, bytes.count)])
                return try real.write(descriptor, shortened, at: offset)
            }
        }
        return try real.write(descriptor, bytes, at: offset)
    }

    func syncData(_ descriptor: FileDescriptor) throws(Errno) {
        try checkFrozen("fdatasync")
        let path = lock.withLock { paths[descriptor.rawValue] }
        if applies(path) {
            let crash = lock.withLock { () -> Bool in
                defer { crashAtSync = false }
                if crashAtSync { frozen = true }
                return crashAtSync
            }
            if crash { throw Errno(code: EIO, call: "fdatasync", subject: "simulated crash") }
            if let code = lock.withLock({ pendingSyncErrors.isEmpty ? nil : pendingSyncErrors.removeFirst() }) {
                throw Errno(code: code, call: "fdatasync", subject: path)
            }
        }
        if !simulatesSyncs { try real.syncData(descriptor) }
        let size = try real.size(descriptor)
        lock.withLock {
            syncCount += 1
            if let path { syncedSizes[path] = size }
        }
    }

    func resize(_ descriptor: FileDescriptor, to size: Int64) throws(Errno) {
        try checkFrozen("ftruncate")
        try real.resize(descriptor, to: size)
    }

    func size(_ descriptor: FileDescriptor) throws(Errno) -> Int64 { try real.size(descriptor) }

    func rename(_ source: String, to target: String) throws(Errno) {
        try checkFrozen("rename")
        try real.rename(source, to: target)
        lock.withLock { syncedSizes[target] = syncedSizes.removeValue(forKey: source) }
    }

    func unlink(_ path: String) throws(Errno) {
        try checkFrozen("unlink")
        try real.unlink(path)
        lock.withLock { syncedSizes[path] = nil }
    }

    func syncDirectory(_ path: String) throws(Errno) {
        try checkFrozen("fsync")
        if !simulatesSyncs { try real.syncDirectory(path) }
    }

    func atomicReplace(_ path: String, with contents: [UInt8]) throws(Errno) {
        try checkFrozen("atomicReplace")
        if simulatesSyncs {
            let file = try FileDescriptor.open(path + ".tmp", [.writeOnly, .create, .truncate])
            try contents.withUnsafeBytes { raw in
                Result { () throws(Errno) in try file.writeAll(raw) }
            }.get()
            try file.close()
            try real.rename(path + ".tmp", to: path)
        } else {
            try real.atomicReplace(path, with: contents)
        }
        lock.withLock { syncedSizes[path] = Int64(contents.count) }
    }

    func makeDirectories(_ path: String) throws(Errno) {
        try checkFrozen("mkdir")
        try real.makeDirectories(path)
    }

    func list(_ directory: String, suffix: String) -> [String] { real.list(directory, suffix: suffix) }
    func exists(_ path: String) -> Bool { real.exists(path) }
}

extension Spool {
    /// The pending batches' ids, in order.
    var pendingIDs: [String] { pendingBatches().map(\.id) }

    /// Reads every pending batch through `nextBatch`, in order.
    func drain() throws -> [SpooledBatch] {
        var batches: [SpooledBatch] = []
        var cursor: UInt64?
        while let batch = try nextBatch(after: cursor) {
            batches.append(batch)
            cursor = batch.sequence
        }
        return batches
    }
}
