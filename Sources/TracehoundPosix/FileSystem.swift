// Path-level calls (rename, unlink, mkdir, directory fsync) and the atomic replace that durable state uses:
// write a temp file, fsync it, rename it over the target, fsync the directory (Vector's checkpointer.rs,
// journal-upload's cursor state file). After a crash the target holds either the old or the new contents, whole.
#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

public enum FileSystem {
    /// Renames `source` to `target`, replacing it atomically if it exists.
    public static func rename(_ source: String, to target: String) throws(Errno) {
        _ = try syscall("rename", subject: "\(source) -> \(target)") { Glibc.rename(source, target) }
    }

    /// Removes the file `path`.
    public static func unlink(_ path: String) throws(Errno) {
        _ = try syscall("unlink", subject: path) { Glibc.unlink(path) }
    }

    /// Creates the directory `path` with `mode` (0700: data directories are private by default).
    /// An existing directory is not an error.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(Errno) {
        do {
            _ = try syscall("mkdir", subject: path) { Glibc.mkdir(path, mode) }
        } catch  where error.code == EEXIST {
            guard (try? FileStatus.of(path))?.isDirectory == true else { throw error }
        }
    }

    /// Creates `path` and every missing parent with `mode`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(Errno) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix, mode: mode)
        }
    }

    /// Flushes a directory's entries (a created, renamed or removed name) to stable storage.
    public static func syncDirectory(_ path: String) throws(Errno) {
        let directory = try FileDescriptor.open(path, [.readOnly, .directory])
        defer { try? directory.close() }
        try directory.sync()
    }

    /// The directory part of `path` ("." for a bare name).
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == path.utf8.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Replaces the file at `path` with `contents` so that a crash at any instant leaves either the old file or
    /// the new one, whole: write `path.tmp`, fsync it, rename it over `path`, fsync the directory.
    public static func atomicReplace(
        _ path: String,
        with contents: UnsafeRawBufferPointer,
        mode: mode_t = 0o600
    ) throws(Errno) {
        let temporary = path + ".tmp"
        let file = try FileDescriptor.open(temporary, [.writeOnly, .create, .truncate], mode: mode)
        do {
            try file.writeAll(contents)
            try file.sync()
            try file.close()
        } catch {
            try? file.close()
            try? unlink(temporary)
            throw error
        }
        try rename(temporary, to: path)
        try syncDirectory(parentDirectory(of: path))
    }

    /// `atomicReplace` for a byte array.
    public static func atomicReplace(_ path: String, with contents: [UInt8], mode: mode_t = 0o600) throws(Errno) {
        try contents.withUnsafeBytes { raw in
            Result { () throws(Errno) in try atomicReplace(path, with: raw, mode: mode) }
        }.get()
    }

    /// Reads the whole file at `path` with read(2), refusing files over `limit` bytes.
    public static func readAll(_ path: String, limit: Int = 64 << 20) throws(Errno) -> [UInt8] {
        let file = try FileDescriptor.open(path)
        defer { try? file.close() }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in try file.read(into: raw) }
            }.get()
            if count == 0 { return result }
            if result.count + count > limit { throw Errno(code: EFBIG, call: "read", subject: path) }
            result.append(contentsOf: chunk[..<count])
        }
    }
}
