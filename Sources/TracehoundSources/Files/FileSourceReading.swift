// Reading: the round-robin read queue, one burst per file per turn, the truncation check before each burst, NUL
// runs at line starts, and the descriptors kept under `max_open_files`.
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

extension FileSource {
    func enqueue(_ file: TrackedFile) {
        guard !file.queued else { return }
        file.queued = true
        readQueue.append(file)
    }

    /// One burst for each queued file in turn, files being drained first, until the queue is empty or the poll's
    /// budget is spent.
    func readQueued(_ body: (FileSourceOutput) throws -> Void) throws {
        var budget = Self.readBytesPerPoll
        while !readQueue.isEmpty {
            let queued = readQueue.filter(\.isDraining) + readQueue.filter { !$0.isDraining }
            readQueue = []
            for (index, file) in queued.enumerated() {
                if budget <= 0 || control.isPaused {
                    // Still marked queued: put them back as they were.
                    readQueue = queued[index...].filter { $0.queued } + readQueue
                    return
                }
                guard file.queued else { continue }
                file.queued = false
                guard files[file.identity] === file else { continue }
                if try readBurst(file, budget: &budget, body) { enqueue(file) }
            }
        }
    }

    /// Reads up to a burst from `file`; true when more bytes may be waiting.
    private func readBurst(_ file: TrackedFile, budget: inout Int, _ body: (FileSourceOutput) throws -> Void) throws
        -> Bool
    {
        guard let descriptor = try descriptor(for: file, body) else { return false }
        let rewritten: Bool
        do {
            let status = try descriptor.status()
            file.knownSize = status.size
            rewritten = try wasRewritten(file, descriptor, size: status.size)
        } catch {
            try end(file, .unreadable(error), body)
            events?.fileUnreadable(path: file.path, reason: error)
            return false
        }
        if rewritten { try startOver(file, body) }
        var burst = Self.burstBytesPerFile
        while burst > 0 && budget > 0 {
            if control.isPaused { return true }
            let count: Int
            do {
                count = try descriptor.read(into: buffer, at: file.offset)
            } catch {
                try end(file, .unreadable(error), body)
                events?.fileUnreadable(path: file.path, reason: error)
                return false
            }
            if count == 0 { return false }
            try deliver(file, count: count, body)
            burst -= count
            budget -= count
            file.knownSize = max(file.knownSize, file.offset)
            // A short read of a regular file means its end, for now.
            if count < buffer.count { return false }
        }
        return true
    }

    /// Whether the file no longer holds what was read: shorter than the read position, or other bytes before it.
    private func wasRewritten(_ file: TrackedFile, _ descriptor: FileDescriptor, size: Int64) throws(Errno) -> Bool {
        if size < file.offset { return true }
        guard file.offset > 0 else { return false }
        let tail = try FileFingerprint.tailBytes(of: descriptor, before: file.offset)
        guard let known = file.tail else {
            // A stream that started past 0 learns its tail (and whether it starts a line) on its first read.
            file.tail = tail
            file.atLineStart = tail.last == UInt8(ascii: "\n")
            return false
        }
        return tail != known
    }

    /// Ends the stream of a truncated or rewritten file and starts a new one at 0, under a new key.
    func startOver(_ file: TrackedFile, _ body: (FileSourceOutput) throws -> Void) throws {
        reportNulRun(file)
        let previousOffset = file.offset
        filesByStream[file.stream] = nil
        try body(.ended(file.stream, .truncated))
        events?.fileTruncated(path: file.path, key: file.key, previousOffset: previousOffset)
        file.stream = nextStreamID()
        file.key = FileFingerprint.newKey(for: file.identity)
        file.offset = 0
        file.deliveringEnd = 0
        file.tail = []
        file.atLineStart = true
        file.partialFlushSent = false
        file.lastDataAt = .now
        partialLines.remove(file.identity)
        filesByStream[file.stream] = file
        try body(.started(file.info(resumed: false)))
    }

    /// Hands `count` bytes of the buffer out as chunks, leaving out NUL runs that start at a line start.
    private func deliver(_ file: TrackedFile, count: Int, _ body: (FileSourceOutput) throws -> Void) throws {
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        let base = file.offset
        file.deliveringEnd = base + Int64(count)
        func emit(_ range: Range<Int>) throws {
            guard !range.isEmpty else { return }
            let chunk = FileChunk(
                stream: file.stream,
                offset: base + Int64(range.lowerBound),
                bytes: UnsafeRawBufferPointer(rebasing: bytes[range])
            )
            try body(.chunk(chunk))
        }
        let start = bytes.baseAddress!
        if memchr(start, 0, count) == nil {
            // The usual case: no NUL at all, one chunk.
            reportNulRun(file)
            try emit(0..<count)
            file.atLineStart = bytes[count - 1] == UInt8(ascii: "\n")
        } else {
            var emitFrom = 0
            var index = 0
            while index < count {
                if file.atLineStart && bytes[index] == 0 {
                    try emit(emitFrom..<index)
                    if file.nulRunLength == 0 { file.nulRunStart = base + Int64(index) }
                    var end = index
                    while end < count && bytes[end] == 0 { end += 1 }
                    file.nulRunLength += Int64(end - index)
                    skippedNulBytes += Int64(end - index)
                    index = end
                    emitFrom = end
                    continue
                }
                reportNulRun(file)
                if let newline = memchr(start + index, Int32(UInt8(ascii: "\n")), count - index) {
                    index = start.distance(to: UnsafeRawPointer(newline)) + 1
                    file.atLineStart = true
                } else {
                    index = count
                    file.atLineStart = false
                }
            }
            try emit(emitFrom..<count)
        }
        file.offset += Int64(count)
        file.remember(bytes)
        file.lastDataAt = .now
        if file.atLineStart {
            partialLines.remove(file.identity)
        } else {
            partialLines.insert(file.identity)
            file.partialFlushSent = false
        }
    }

    func reportNulRun(_ file: TrackedFile) {
        guard file.nulRunLength > 0 else { return }
        events?.nulRunSkipped(path: file.path, offset: file.nulRunStart, bytes: file.nulRunLength)
        file.nulRunLength = 0
    }

    // MARK: - Descriptors

    /// The file's descriptor, reopening it by path when it was closed. Nil when the path no longer holds the file
    /// (a rescan looks for it) or it cannot be opened (the stream ends).
    func descriptor(for file: TrackedFile, _ body: (FileSourceOutput) throws -> Void) throws -> FileDescriptor? {
        useClock += 1
        file.lastUse = useClock
        if let descriptor = file.descriptor { return descriptor }
        let descriptor: FileDescriptor
        let status: FileStatus
        do {
            (descriptor, status) = try Self.openWithStatus(file.path)
        } catch  where error.code == ENOENT || error.code == ENOTDIR {
            lostWhileClosed(file)
            return nil
        } catch {
            try end(file, .unreadable(error), body)
            events?.fileUnreadable(path: file.path, reason: error)
            return nil
        }
        guard FileIdentity(status) == file.identity else {
            try? descriptor.close()
            lostWhileClosed(file)
            return nil
        }
        adopt(descriptor, for: file)
        return descriptor
    }

    /// Opens `path` for reading (non-blocking, so a FIFO put in a file's place cannot hang the thread) and stats it.
    static func openWithStatus(_ path: String) throws(Errno) -> (FileDescriptor, FileStatus) {
        let descriptor = try FileDescriptor.open(path, [.readOnly, .nonBlocking])
        do {
            return (descriptor, try descriptor.status())
        } catch {
            try? descriptor.close()
            throw error
        }
    }

    /// Takes `descriptor` as the file's own, closing another file's first when at `max_open_files`.
    func adopt(_ descriptor: FileDescriptor, for file: TrackedFile) {
        makeRoom(except: file)
        file.descriptor = descriptor
        openDescriptors += 1
        peakOpenDescriptors = max(peakOpenDescriptors, openDescriptors)
    }

    /// Closes the least recently used live file's descriptor (preferring files read to their end) when at the limit.
    private func makeRoom(except keep: TrackedFile) {
        guard openDescriptors >= config.maxOpenFiles else { return }
        var victim: TrackedFile?
        for file in files.values where file !== keep && file.descriptor != nil && !file.isDraining {
            guard let current = victim else {
                victim = file
                continue
            }
            if (file.hasUnreadBytes ? 1 : 0, file.lastUse) < (current.hasUnreadBytes ? 1 : 0, current.lastUse) {
                victim = file
            }
        }
        guard let victim else { return }
        closeDescriptor(of: victim)
        if victim.hasUnreadBytes { enqueue(victim) }
    }

    func closeDescriptor(of file: TrackedFile) {
        guard let descriptor = file.descriptor else { return }
        try? descriptor.close()
        file.descriptor = nil
        openDescriptors -= 1
    }

    /// A closed file's path holds something else now: a rescan looks for the file elsewhere.
    private func lostWhileClosed(_ file: TrackedFile) {
        if filesByPath[file.path] === file { filesByPath[file.path] = nil }
        rescanRequested = true
    }
}
