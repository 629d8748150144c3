// What stat(2) says about a file, reduced to what tailing, the spool and the fingerprints need.
#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// The fields of `struct stat` that the project uses, as Swift values.
public struct FileStatus: Equatable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mode: UInt32
    public var linkCount: UInt64
    public var ownerID: UInt32
    /// Modification time in nanoseconds since the epoch.
    public var modifiedNanoseconds: Int64

    public init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        mode = UInt32(info.st_mode)
        linkCount = UInt64(info.st_nlink)
        ownerID = UInt32(info.st_uid)
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    public var isRegularFile: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
    public var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
    /// The permission bits (e.g. 0o600).
    public var permissions: UInt32 { mode & 0o7777 }

    /// stat(2) of `path`, following symlinks.
    public static func of(_ path: String) throws(Errno) -> FileStatus {
        var info = stat()
        _ = try syscall("stat", subject: path) { fstatat(AT_FDCWD, path, &info, 0) }
        return FileStatus(info)
    }

    /// lstat(2) of `path`: a symlink's own status.
    public static func ofLink(_ path: String) throws(Errno) -> FileStatus {
        var info = stat()
        _ = try syscall("lstat", subject: path) { fstatat(AT_FDCWD, path, &info, AT_SYMLINK_NOFOLLOW) }
        return FileStatus(info)
    }
}
