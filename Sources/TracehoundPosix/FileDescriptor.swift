// File descriptors and the file system calls on them. Every call goes through `syscall`, so EINTR is retried and
// failures are typed. Descriptors are opened with O_CLOEXEC always: the daemon starts child processes in tests and
// must not leak its spool or sockets into them.
#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A raw descriptor with typed calls. It does not close itself: an owner calls `close()` once
/// (the tailer keeps thousands of these in tables, where a class per descriptor would cost an allocation each).
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    /// How to open: the access mode and the flags that matter here; O_CLOEXEC is always added.
    public struct OpenOptions: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let readOnly = OpenOptions([])
        public static let writeOnly = OpenOptions(rawValue: O_WRONLY)
        public static let readWrite = OpenOptions(rawValue: O_RDWR)
        public static let create = OpenOptions(rawValue: O_CREAT)
        public static let exclusive = OpenOptions(rawValue: O_EXCL)
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        public static let append = OpenOptions(rawValue: O_APPEND)
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
        public static let noFollow = OpenOptions(rawValue: O_NOFOLLOW)
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
    }

    /// Opens `path` with O_CLOEXEC; `mode` applies when the file is created (0600: data is private by default).
    public static func open(
        _ path: String,
        _ options: OpenOptions = .readOnly,
        mode: mode_t = 0o600
    ) throws(Errno) -> FileDescriptor {
        let flags = options.rawValue | O_CLOEXEC
        let fd = try syscall("open", subject: path) { Glibc.open(path, flags, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens `path` relative to the directory `self` (openat), with O_CLOEXEC.
    public func openAt(
        _ path: String,
        _ options: OpenOptions = .readOnly,
        mode: mode_t = 0o600
    ) throws(Errno) -> FileDescriptor {
        let flags = options.rawValue | O_CLOEXEC
        let fd = try syscall("openat", subject: path) { Glibc.openat(rawValue, path, flags, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// Closes the descriptor. EINTR is not retried: on Linux the descriptor is gone either way.
    public func close() throws(Errno) {
        if Glibc.close(rawValue) == -1 && errno != EINTR {
            throw Errno(code: errno, call: "close", subject: "fd \(rawValue)")
        }
    }

    /// Reads up to `buffer.count` bytes at the current offset; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try syscall("read", subject: "fd \(rawValue)") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file offset; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try syscall("pread", subject: "fd \(rawValue)") {
            Glibc.pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset))
        }
    }

    /// Writes some of `bytes`; returns how many were written (may be fewer: see `writeAll`).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try syscall("write", subject: "fd \(rawValue)") { Glibc.write(rawValue, bytes.baseAddress, bytes.count) }
    }

    /// Writes all of `bytes`, continuing after short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            done += try write(rest)
        }
    }

    /// Writes all of `bytes`, continuing after short writes.
    public func writeAll(_ bytes: some Sequence<UInt8>) throws(Errno) {
        let array = Array(bytes)
        try array.withUnsafeBytes { raw in Result { () throws(Errno) in try writeAll(raw) } }.get()
    }

    /// Writes all of `bytes` at `offset` (pwrite), continuing after short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            done += try syscall("pwrite", subject: "fd \(rawValue)") {
                Glibc.pwrite(rawValue, rest.baseAddress, rest.count, off_t(offset) + off_t(done))
            }
        }
    }

    /// Flushes data and metadata to stable storage.
    public func sync() throws(Errno) {
        _ = try syscall("fsync", subject: "fd \(rawValue)") { Glibc.fsync(rawValue) }
    }

    /// Flushes data (and only the metadata needed to read it back) to stable storage.
    public func syncData() throws(Errno) {
        _ = try syscall("fdatasync", subject: "fd \(rawValue)") { Glibc.fdatasync(rawValue) }
    }

    /// Moves the file offset; returns the new offset.
    @discardableResult
    public func seek(to offset: Int64, whence: Int32 = SEEK_SET) throws(Errno) -> Int64 {
        Int64(try syscall("lseek", subject: "fd \(rawValue)") { Glibc.lseek(rawValue, off_t(offset), whence) })
    }

    /// Sets the file's size (ftruncate).
    public func resize(to size: Int64) throws(Errno) {
        _ = try syscall("ftruncate", subject: "fd \(rawValue)") { Glibc.ftruncate(rawValue, off_t(size)) }
    }

    /// The file's status (fstat).
    public func status() throws(Errno) -> FileStatus {
        var info = stat()
        _ = try syscall("fstat", subject: "fd \(rawValue)") { Glibc.fstat(rawValue, &info) }
        return FileStatus(info)
    }
}
