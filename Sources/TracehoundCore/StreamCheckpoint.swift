// How far a stream has been read durably: what the spool stores with each batch (one fsync commits the segments
// and the positions that they make safe, DESIGN.md §3.3) and what a source resumes from after a restart.

/// One stream's durable position.
public struct StreamCheckpoint: Sendable, Equatable, Hashable {
    /// The stream's identity: a file's fingerprint (stable across renames), or a journal match group's name.
    public var key: String
    /// The file's path when the checkpoint was taken (informational: identity is `key`), or the journal source name.
    public var path: String
    /// The file's device and inode when the checkpoint was taken (0 for journald).
    public var device: UInt64
    public var inode: UInt64
    /// Every byte before this offset is handled: its lines matched, the segments that need them spooled.
    public var offset: Int64
    /// A hash of the bytes just before `offset` (the tailer's offset marker): if the file no longer holds them,
    /// it was truncated or replaced and reading restarts at 0. Empty when offset is 0 or for journald.
    public var marker: [UInt8]
    /// The journald cursor, for journal streams.
    public var cursor: String?
    /// The name of the configured source that read the stream: a restart hands each source only its own
    /// checkpoints, so two sources never both resume one file. Empty in checkpoints written before it existed.
    public var source: String

    public init(
        key: String,
        path: String,
        device: UInt64 = 0,
        inode: UInt64 = 0,
        offset: Int64,
        marker: [UInt8] = [],
        cursor: String? = nil,
        source: String = ""
    ) {
        self.source = source
        self.key = key
        self.path = path
        self.device = device
        self.inode = inode
        self.offset = offset
        self.marker = marker
        self.cursor = cursor
    }
}

extension StreamCheckpoint {
    /// A compact binary form: fields length-prefixed, little-endian integers, version byte first. Version 2 added
    /// `source` at the end; version 1 is still read (with an empty source).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [2]
        Self.appendBytes(Array(key.utf8), to: &out)
        Self.appendBytes(Array(path.utf8), to: &out)
        Self.appendInteger(device, to: &out)
        Self.appendInteger(inode, to: &out)
        Self.appendInteger(UInt64(bitPattern: offset), to: &out)
        Self.appendBytes(marker, to: &out)
        if let cursor {
            out.append(1)
            Self.appendBytes(Array(cursor.utf8), to: &out)
        } else {
            out.append(0)
        }
        Self.appendBytes(Array(source.utf8), to: &out)
        return out
    }

    /// Decodes `encoded()` output starting at `index`, advancing it; nil when the bytes are not a checkpoint.
    public static func decode(_ bytes: [UInt8], at index: inout Int) -> StreamCheckpoint? {
        guard index < bytes.count, bytes[index] == 1 || bytes[index] == 2 else { return nil }
        let version = bytes[index]
        index += 1
        guard let key = readBytes(bytes, &index), let path = readBytes(bytes, &index),
            let device = readInteger(bytes, &index), let inode = readInteger(bytes, &index),
            let offset = readInteger(bytes, &index), let marker = readBytes(bytes, &index), index < bytes.count
        else { return nil }
        let hasCursor = bytes[index]
        index += 1
        var cursor: String?
        if hasCursor == 1 {
            guard let cursorBytes = readBytes(bytes, &index) else { return nil }
            cursor = String(decoding: cursorBytes, as: UTF8.self)
        }
        var source: [UInt8] = []
        if version >= 2 {
            guard let sourceBytes = readBytes(bytes, &index) else { return nil }
            source = sourceBytes
        }
        return StreamCheckpoint(
            key: String(decoding: key, as: UTF8.self),
            path: String(decoding: path, as: UTF8.self),
            device: device,
            inode: inode,
            offset: Int64(bitPattern: offset),
            marker: marker,
            cursor: cursor,
            source: String(decoding: source, as: UTF8.self)
        )
    }

    static func appendInteger(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func appendBytes(_ bytes: [UInt8], to out: inout [UInt8]) {
        appendInteger(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    static func readInteger(_ bytes: [UInt8], _ index: inout Int) -> UInt64? {
        guard index + 8 <= bytes.count else { return nil }
        var value: UInt64 = 0
        for offset in 0..<8 { value |= UInt64(bytes[index + offset]) << UInt64(offset * 8) }
        index += 8
        return value
    }

    static func readBytes(_ bytes: [UInt8], _ index: inout Int) -> [UInt8]? {
        guard let count = readInteger(bytes, &index), count <= UInt64(bytes.count - index) else { return nil }
        let start = index
        index += Int(count)
        return Array(bytes[start..<index])
    }
}
