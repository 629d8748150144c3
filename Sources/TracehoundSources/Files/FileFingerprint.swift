// File identity and the offset marker (the design is explained in FileSource.swift's header).
// The key names one stream: device, inode and a random birth nonce drawn when the stream starts. The marker says
// what the bytes before a checkpoint's offset were: a hash of the head (the first line, at most 256 bytes) and a
// hash of the tail (the 64 bytes just before the offset). Both are pure functions of bytes [0, offset), so the
// same file gives the same marker after any number of renames, and a truncated or replaced file gives another.
import TracehoundCore
import TracehoundPosix

/// What the kernel says identifies a file while it exists.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init(_ status: FileStatus) {
        self.init(device: status.device, inode: status.inode)
    }
}

enum FileFingerprint {
    /// The head ends after the first newline, or here.
    static let headLimit = 256
    /// How many bytes before an offset the marker (and the running truncation check) looks at.
    static let tailLimit = 64
    static let markerVersion: UInt8 = 1

    /// A key for a stream that starts now: `<device>-<inode>-<nonce>`, all hexadecimal.
    static func newKey(for identity: FileIdentity) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = String(generator.next() as UInt64, radix: 16)
        let padded = String(repeating: "0", count: 16 - nonce.count) + nonce
        return "\(String(identity.device, radix: 16))-\(String(identity.inode, radix: 16))-\(padded)"
    }

    /// The marker of `offset` in the open file: empty at 0; otherwise version, head length and hash, tail length
    /// and hash (hashes are the first 8 bytes of SHA-256).
    static func marker(of file: FileDescriptor, offset: Int64) throws(Errno) -> [UInt8] {
        guard offset > 0 else { return [] }
        var head = try readFully(file, at: 0, count: Int(min(offset, Int64(headLimit))))
        if let newline = head.firstIndex(of: UInt8(ascii: "\n")) { head.removeSubrange((newline + 1)...) }
        let tail = try tailBytes(of: file, before: offset)
        var marker: [UInt8] = [markerVersion, UInt8(head.count & 0xff), UInt8(head.count >> 8)]
        marker += hash(head)
        marker.append(UInt8(tail.count))
        marker += hash(tail)
        return marker
    }

    /// The up to `tailLimit` bytes just before `offset` (fewer when the file is now shorter).
    static func tailBytes(of file: FileDescriptor, before offset: Int64) throws(Errno) -> [UInt8] {
        let count = Int(min(offset, Int64(tailLimit)))
        return try readFully(file, at: offset - Int64(count), count: count)
    }

    private static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var sha = SHA256()
        sha.update(bytes)
        return Array(sha.finalize().prefix(8))
    }

    /// pread until `count` bytes or the end of the file.
    static func readFully(_ file: FileDescriptor, at offset: Int64, count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = try bytes.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]), at: offset + Int64(done))
                }
            }.get()
            if got == 0 { break }
            done += got
        }
        bytes.removeSubrange(done...)
        return bytes
    }
}
