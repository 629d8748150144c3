// The record framing shared by segment files, the acknowledgement journal and the positions snapshot (the layout
// is drawn in Spool.swift's design header). Encoding builds whole records in memory for one write; decoding reads
// only a record's metadata: a batch's payload stays on disk until a reader asks for it.
import TracehoundCore

/// What a record holds.
enum RecordType: UInt8, Sendable {
    /// One batch's payload and the checkpoints it makes durable (segment files).
    case batch = 1
    /// Checkpoints (and forgotten stream keys) without a batch (segment files, the positions snapshot).
    case positions = 2
    /// Batches acknowledged or dead-lettered (the acknowledgement journal).
    case acknowledgements = 3
}

/// How a batch left the spool, as the acknowledgement journal records it.
enum Disposition: UInt8, Sendable {
    case acknowledged = 0
    case deadLettered = 1
}

/// The metadata of a record, decoded.
enum RecordContent: Sendable, Equatable {
    case batch(id: String, createdAt: Int64, checkpoints: [StreamCheckpoint])
    case positions(checkpoints: [StreamCheckpoint], forgotten: [String])
    case acknowledgements([Acknowledgement])
}

/// One entry of the acknowledgement journal.
struct Acknowledgement: Sendable, Equatable {
    var sequence: UInt64
    var disposition: Disposition
}

enum RecordFormat {
    /// "THS1" as stored (little-endian): a new format gets a new magic.
    static let magic: UInt32 = 0x3153_4854
    /// magic, length, crc32c.
    static let headerBytes = 12
    /// type, sequence, metadata length: the start of every body.
    static let bodyPrefixBytes = 13
    /// Bodies above this are refused when writing and read as damage (a corrupt length field) when scanning.
    static let maxBodyBytes = 256 << 20
    /// Batch ids are short names (the batcher's `host-time-counter`); they name dead-letter files too.
    static let maxBatchIDBytes = 255

    /// The bytes of a whole record: header, body prefix, metadata, payload.
    static func encode(
        type: RecordType,
        sequence: UInt64,
        metadata: [UInt8],
        payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) -> [UInt8] {
        let bodyBytes = bodyPrefixBytes + metadata.count + payload.count
        var record: [UInt8] = []
        record.reserveCapacity(headerBytes + bodyBytes)
        var writer = ByteWriter()
        writer.integer(magic)
        writer.integer(UInt32(bodyBytes))
        writer.integer(UInt32(0))  // the CRC, filled in below
        writer.integer(type.rawValue)
        writer.integer(sequence)
        writer.integer(UInt32(metadata.count))
        record.append(contentsOf: writer.bytes)
        record.append(contentsOf: metadata)
        record.append(contentsOf: payload)
        // The CRC covers the length field and the whole body, so a damaged length is caught too.
        let crc = CRC32C.update(CRC32C.update(0, record, 4..<8), record, headerBytes..<record.count)
        record.withUnsafeMutableBytes { $0.storeBytes(of: crc.littleEndian, toByteOffset: 8, as: UInt32.self) }
        return record
    }

    /// The size of the record `encode` would produce.
    static func recordBytes(metadataBytes: Int, payloadBytes: Int) -> Int {
        headerBytes + bodyPrefixBytes + metadataBytes + payloadBytes
    }

    static func batchMetadata(id: String, createdAt: Int64, checkpoints: [StreamCheckpoint]) -> [UInt8] {
        var writer = ByteWriter()
        writer.integer(UInt64(bitPattern: createdAt))
        writer.shortString(id)
        writer.checkpoints(checkpoints)
        return writer.bytes
    }

    static func positionsMetadata(checkpoints: [StreamCheckpoint], forgotten: [String]) -> [UInt8] {
        var writer = ByteWriter()
        writer.checkpoints(checkpoints)
        writer.integer(UInt32(forgotten.count))
        for key in forgotten { writer.longString(key) }
        return writer.bytes
    }

    static func acknowledgementMetadata(_ acknowledgements: [Acknowledgement]) -> [UInt8] {
        var writer = ByteWriter()
        writer.integer(UInt32(acknowledgements.count))
        for acknowledgement in acknowledgements {
            writer.integer(acknowledgement.sequence)
            writer.integer(acknowledgement.disposition.rawValue)
        }
        return writer.bytes
    }

    /// Decodes metadata of `type`; nil when the bytes do not parse (a CRC-valid record that does not parse is a
    /// bug or a foreign format, and is treated as damage).
    static func decode(type: RecordType, metadata: [UInt8]) -> RecordContent? {
        var reader = ByteReader(bytes: metadata)
        let content: RecordContent?
        switch type {
        case .batch:
            guard let createdAt = reader.integer(UInt64.self), let id = reader.shortString(),
                let checkpoints = reader.checkpoints()
            else { return nil }
            content = .batch(id: id, createdAt: Int64(bitPattern: createdAt), checkpoints: checkpoints)
        case .positions:
            guard let checkpoints = reader.checkpoints(), let count = reader.integer(UInt32.self) else { return nil }
            var forgotten: [String] = []
            for _ in 0..<count {
                guard let key = reader.longString() else { return nil }
                forgotten.append(key)
            }
            content = .positions(checkpoints: checkpoints, forgotten: forgotten)
        case .acknowledgements:
            guard let count = reader.integer(UInt32.self), Int(count) <= metadata.count / 9 else { return nil }
            var acknowledgements: [Acknowledgement] = []
            acknowledgements.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let sequence = reader.integer(UInt64.self), let raw = reader.integer(UInt8.self),
                    let disposition = Disposition(rawValue: raw)
                else { return nil }
                acknowledgements.append(Acknowledgement(sequence: sequence, disposition: disposition))
            }
            content = .acknowledgements(acknowledgements)
        }
        return reader.isAtEnd ? content : nil
    }
}

/// Little-endian integers and length-prefixed strings into a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func integer<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A string of at most 65535 bytes behind a 2-byte length (batch ids).
    mutating func shortString(_ string: String) {
        let utf8 = Array(string.utf8.prefix(Int(UInt16.max)))
        integer(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A string behind a 4-byte length (stream keys).
    mutating func longString(_ string: String) {
        integer(UInt32(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }

    mutating func checkpoints(_ checkpoints: [StreamCheckpoint]) {
        integer(UInt32(checkpoints.count))
        for checkpoint in checkpoints {
            let encoded = checkpoint.encoded()
            integer(UInt32(encoded.count))
            bytes.append(contentsOf: encoded)
        }
    }
}

/// The reading side of `ByteWriter`; every read returns nil past the end instead of trapping.
struct ByteReader {
    let bytes: [UInt8]
    var index = 0

    var isAtEnd: Bool { index == bytes.count }

    mutating func integer<Value: FixedWidthInteger>(_: Value.Type) -> Value? {
        let size = MemoryLayout<Value>.size
        guard bytes.count - index >= size else { return nil }
        var value: Value = 0
        for offset in 0..<size { value |= Value(bytes[index + offset]) << (offset * 8) }
        index += size
        return value
    }

    mutating func slice(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.count - index >= count else { return nil }
        defer { index += count }
        return bytes[index..<index + count]
    }

    mutating func shortString() -> String? {
        guard let count = integer(UInt16.self), let utf8 = slice(Int(count)) else { return nil }
        return String(decoding: utf8, as: UTF8.self)
    }

    mutating func longString() -> String? {
        guard let count = integer(UInt32.self), let utf8 = slice(Int(count)) else { return nil }
        return String(decoding: utf8, as: UTF8.self)
    }

    mutating func checkpoints() -> [StreamCheckpoint]? {
        guard let count = integer(UInt32.self), Int(count) <= (bytes.count - index) / 4 else { return nil }
        var checkpoints: [StreamCheckpoint] = []
        checkpoints.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = integer(UInt32.self), let encoded = slice(Int(length)) else { return nil }
            let array = Array(encoded)
            var position = 0
            guard let checkpoint = StreamCheckpoint.decode(array, at: &position), position == array.count else {
                return nil
            }
            checkpoints.append(checkpoint)
        }
        return checkpoints
    }
}
