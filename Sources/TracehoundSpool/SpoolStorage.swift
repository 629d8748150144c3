// The seam between the spool and the file system (Vector's `Filesystem` trait, swift-system's mockable syscalls):
// every file operation the spool performs goes through `SpoolStorage`, so tests can inject ENOSPC, short writes
// and a crash between a write and its fsync. Production uses `PosixStorage`, which is TracehoundPosix and nothing
// else; tests use the real files too and only wrap the calls they break.
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

/// The file operations of the spool. Paths are absolute; descriptors come from `open` and go back to `close`.
protocol SpoolStorage: Sendable {
    func open(_ path: String, _ options: FileDescriptor.OpenOptions) throws(Errno) -> FileDescriptor
    func close(_ descriptor: FileDescriptor)
    /// pread: may return fewer bytes than asked; 0 at end of file.
    func read(_ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno)
        -> Int
    /// pwrite: may write fewer bytes than given (a short write); returns how many it wrote.
    func write(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int
    func syncData(_ descriptor: FileDescriptor) throws(Errno)
    func resize(_ descriptor: FileDescriptor, to size: Int64) throws(Errno)
    func size(_ descriptor: FileDescriptor) throws(Errno) -> Int64
    func rename(_ source: String, to target: String) throws(Errno)
    func unlink(_ path: String) throws(Errno)
    func syncDirectory(_ path: String) throws(Errno)
    func atomicReplace(_ path: String, with contents: [UInt8]) throws(Errno)
    func makeDirectories(_ path: String) throws(Errno)
    /// The names (not paths) in `directory` that end with `suffix`, sorted.
    func list(_ directory: String, suffix: String) -> [String]
    func exists(_ path: String) -> Bool
}

/// The real thing: TracehoundPosix calls, unchanged.
struct PosixStorage: SpoolStorage {
    func open(_ path: String, _ options: FileDescriptor.OpenOptions) throws(Errno) -> FileDescriptor {
        try FileDescriptor.open(path, options, mode: 0o600)
    }

    func close(_ descriptor: FileDescriptor) { try? descriptor.close() }

    func read(_ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno)
        -> Int
    {
        try descriptor.read(into: buffer, at: offset)
    }

    func write(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try syscall("pwrite", subject: "fd \(descriptor.rawValue)") {
            pwrite(descriptor.rawValue, bytes.baseAddress, bytes.count, off_t(offset))
        }
    }

    func syncData(_ descriptor: FileDescriptor) throws(Errno) { try descriptor.syncData() }
    func resize(_ descriptor: FileDescriptor, to size: Int64) throws(Errno) { try descriptor.resize(to: size) }
    func size(_ descriptor: FileDescriptor) throws(Errno) -> Int64 { try descriptor.status().size }
    func rename(_ source: String, to target: String) throws(Errno) { try FileSystem.rename(source, to: target) }
    func unlink(_ path: String) throws(Errno) { try FileSystem.unlink(path) }
    func syncDirectory(_ path: String) throws(Errno) { try FileSystem.syncDirectory(path) }

    func atomicReplace(_ path: String, with contents: [UInt8]) throws(Errno) {
        try FileSystem.atomicReplace(path, with: contents)
    }

    func makeDirectories(_ path: String) throws(Errno) { try FileSystem.makeDirectories(path, mode: 0o700) }

    func list(_ directory: String, suffix: String) -> [String] {
        Glob.expand(Self.escapeGlob(directory) + "/*" + Self.escapeGlob(suffix)).map {
            String($0.utf8.suffix(from: $0.utf8.index(after: $0.utf8.lastIndex(of: UInt8(ascii: "/"))!)))!
        }
    }

    func exists(_ path: String) -> Bool { (try? FileStatus.ofLink(path)) != nil }

    /// glob(3) treats `*?[\` as syntax; the data directory's own name must match literally.
    static func escapeGlob(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// One open descriptor with one owner: closed when the owner lets go (the writer's active file, the journal).
final class OwnedDescriptor: @unchecked Sendable {
    let descriptor: FileDescriptor
    let path: String
    private let storage: any SpoolStorage

    init(_ path: String, _ options: FileDescriptor.OpenOptions, storage: any SpoolStorage) throws(Errno) {
        self.descriptor = try storage.open(path, options)
        self.path = path
        self.storage = storage
    }

    deinit { storage.close(descriptor) }
}

extension SpoolStorage {
    /// Writes all of `bytes` at `offset`, continuing after short writes; a write that makes no progress is EIO
    /// (it would otherwise loop forever).
    func writeAll(_ descriptor: FileDescriptor, _ bytes: [UInt8], at offset: Int64, path: String) throws(Errno) {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                var done = 0
                while done < raw.count {
                    let rest = UnsafeRawBufferPointer(rebasing: raw[done...])
                    let written = try write(descriptor, rest, at: offset + Int64(done))
                    if written <= 0 { throw Errno(code: EIO, call: "pwrite", subject: path) }
                    done += written
                }
            }
        }.get()
    }

    /// Reads exactly `buffer.count` bytes at `offset`; false when the file ends first.
    func readExactly(_ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64)
        throws(Errno) -> Bool
    {
        var done = 0
        while done < buffer.count {
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            let count = try read(descriptor, into: rest, at: offset + Int64(done))
            if count == 0 { return false }
            done += count
        }
        return true
    }
}
