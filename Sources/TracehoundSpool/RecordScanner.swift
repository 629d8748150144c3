// Reading records back: a scan walks one file from the start, verifies every CRC, decodes metadata and stops at
// the first damage, then looks past it for a whole record to tell a torn tail (damage running to the end of the
// file: a write cut short by a crash) from corruption (a whole record after it). Scans never modify anything;
// recovery and inspection both decide from them. Memory is bounded by the metadata of one record plus one chunk.
import TracehoundPosix

/// One whole record found by a scan (its payload stays on disk).
struct ScannedRecord: Sendable {
    var offset: Int64
    var bytes: Int64
    var type: RecordType
    var sequence: UInt64
    var content: RecordContent
    var payloadOffset: Int64
    var payloadBytes: Int
}

/// Where a file stops being whole records, and why.
struct ScanDamage: Sendable, Equatable {
    var offset: Int64
    var reason: String
    /// A whole record starts after the damage: the file was corrupted, not cut short by a crash.
    var wholeRecordFollows: Bool
}

/// A file read from start to end (or to its first damage).
struct FileScan: Sendable {
    var name: String
    var size: Int64
    var records: [ScannedRecord]
    var damage: ScanDamage?
    /// The bytes that are whole records.
    var validBytes: Int64 { damage?.offset ?? size }
}

struct RecordScanner {
    let storage: any SpoolStorage
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)

    init(storage: any SpoolStorage) { self.storage = storage }

    /// Scans the file at `path`. `types` are the record types the file may hold; `increasing` requires record
    /// sequences to grow (segment files), so a file spliced from two others is damage too.
    mutating func scan(path: String, name: String, types: Set<RecordType>, increasing: Bool) throws(Errno)
        -> FileScan
    {
        let file = try OwnedDescriptor(path, .readOnly, storage: storage)
        let size = try storage.size(file.descriptor)
        var scan = FileScan(name: name, size: size, records: [], damage: nil)
        var offset: Int64 = 0
        while offset < size {
            switch try readRecord(file.descriptor, at: offset, fileSize: size) {
            case .record(let record):
                var problem: String?
                if !types.contains(record.type) {
                    problem = "a \(record.type) record does not belong in this file"
                } else if increasing, let last = scan.records.last, record.sequence <= last.sequence {
                    problem = "sequence \(record.sequence) does not follow \(last.sequence)"
                }
                if let problem {
                    scan.damage = ScanDamage(offset: offset, reason: problem, wholeRecordFollows: true)
                    return scan
                }
                scan.records.append(record)
                offset += record.bytes
            case .damaged(let reason):
                let follows = try wholeRecordFollows(file.descriptor, after: offset, fileSize: size)
                scan.damage = ScanDamage(offset: offset, reason: reason, wholeRecordFollows: follows)
                return scan
            }
        }
        return scan
    }

    enum RecordRead {
        case record(ScannedRecord)
        case damaged(String)
    }

    /// Reads and verifies the record at `offset`.
    mutating func readRecord(_ descriptor: FileDescriptor, at offset: Int64, fileSize: Int64) throws(Errno)
        -> RecordRead
    {
        let left = fileSize - offset
        let fixed = RecordFormat.headerBytes + RecordFormat.bodyPrefixBytes
        if left < Int64(RecordFormat.headerBytes) { return .damaged("\(left) bytes, less than a record header") }
        var head = [UInt8](repeating: 0, count: fixed)
        let headBytes = Int(min(Int64(fixed), left))
        _ = try head.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in
                try storage.readExactly(
                    descriptor,
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[..<headBytes]),
                    at: offset
                )
            }
        }.get()
        var reader = ByteReader(bytes: head)
        let magic = reader.integer(UInt32.self)!
        let length = Int(reader.integer(UInt32.self)!)
        let stored = reader.integer(UInt32.self)!
        guard magic == RecordFormat.magic else { return .damaged("no record magic (found 0x\(hex(magic)))") }
        guard length >= RecordFormat.bodyPrefixBytes, length <= RecordFormat.maxBodyBytes else {
            return .damaged("implausible record length \(length)")
        }
        guard Int64(RecordFormat.headerBytes + length) <= left else {
            return .damaged("a record of \(RecordFormat.headerBytes + length) bytes with only \(left) bytes left")
        }
        let rawType = reader.integer(UInt8.self)!
        let sequence = reader.integer(UInt64.self)!
        let metadataBytes = Int(reader.integer(UInt32.self)!)
        guard metadataBytes <= length - RecordFormat.bodyPrefixBytes else {
            return .damaged("metadata length \(metadataBytes) exceeds the record length \(length)")
        }
        var metadata = [UInt8](repeating: 0, count: metadataBytes)
        let metadataOffset = offset + Int64(fixed)
        _ = try metadata.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in try storage.readExactly(descriptor, into: raw, at: metadataOffset) }
        }.get()
        var crc = CRC32C.update(0, head, 4..<8)
        crc = CRC32C.update(crc, head, RecordFormat.headerBytes..<fixed)
        crc = CRC32C.update(crc, metadata)
        let payloadOffset = metadataOffset + Int64(metadataBytes)
        let payloadBytes = length - RecordFormat.bodyPrefixBytes - metadataBytes
        crc = try checksum(descriptor, from: payloadOffset, count: payloadBytes, continuing: crc)
        guard crc == stored else { return .damaged("CRC32C mismatch: stored 0x\(hex(stored)), computed 0x\(hex(crc))") }
        guard let type = RecordType(rawValue: rawType) else { return .damaged("unknown record type \(rawType)") }
        guard let content = RecordFormat.decode(type: type, metadata: metadata) else {
            return .damaged("the metadata of a \(type) record does not parse")
        }
        return .record(
            ScannedRecord(
                offset: offset,
                bytes: Int64(RecordFormat.headerBytes + length),
                type: type,
                sequence: sequence,
                content: content,
                payloadOffset: payloadOffset,
                payloadBytes: payloadBytes
            )
        )
    }

    /// Continues `crc` over `count` bytes at `offset`, one chunk at a time.
    private mutating func checksum(_ descriptor: FileDescriptor, from offset: Int64, count: Int, continuing crc: UInt32)
        throws(Errno) -> UInt32
    {
        var crc = crc
        var done = 0
        let storage = self.storage
        while done < count {
            let step = min(chunk.count, count - done)
            let position = offset + Int64(done)
            let complete = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try storage.readExactly(
                        descriptor,
                        into: UnsafeMutableRawBufferPointer(rebasing: raw[..<step]),
                        at: position
                    )
                }
            }.get()
            if !complete { return ~crc }  // the file shrank under us: report a mismatch
            crc = CRC32C.update(crc, chunk, 0..<step)
            done += step
        }
        return crc
    }

    /// Whether a whole, CRC-valid record starts anywhere after `offset`.
    private mutating func wholeRecordFollows(_ descriptor: FileDescriptor, after offset: Int64, fileSize: Int64)
        throws(Errno) -> Bool
    {
        let magic = withUnsafeBytes(of: RecordFormat.magic.littleEndian) { Array($0) }
        var window = [UInt8](repeating: 0, count: 64 << 10)
        var position = offset + 1
        while fileSize - position >= Int64(RecordFormat.headerBytes) {
            let count = Int(min(Int64(window.count), fileSize - position))
            let start = position
            let read = try window.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try storage.read(
                        descriptor,
                        into: UnsafeMutableRawBufferPointer(rebasing: raw[..<count]),
                        at: start
                    )
                }
            }.get()
            if read < magic.count { return false }
            for index in 0...(read - magic.count)
            where window[index] == magic[0] && window[index + 1] == magic[1] && window[index + 2] == magic[2]
                && window[index + 3] == magic[3]
            {
                if case .record = try readRecord(descriptor, at: start + Int64(index), fileSize: fileSize) {
                    return true
                }
            }
            position += Int64(read - magic.count + 1)
        }
        return false
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
