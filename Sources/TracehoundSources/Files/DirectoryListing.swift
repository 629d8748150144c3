// Listing one folder with readdir(3). TracehoundPosix has no directory listing yet; this is the only place the file
// source calls the C library itself, and it opens the folder through TracehoundPosix (O_CLOEXEC, typed errno).
// It belongs in TracehoundPosix once another module needs it.
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

/// One entry of a folder: its name and, when the file system says so without a stat, its kind.
struct DirectoryEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case directory
        case regularFile
        case symbolicLink
        case other
        /// The file system does not fill d_type: ask lstat.
        case unknown
    }

    var name: String
    var kind: Kind
}

enum DirectoryListing {
    /// The entries of `path` except `.` and `..`; names that are not valid UTF-8 are left out (they could not be
    /// opened again from a Swift string).
    static func entries(of path: String) throws(Errno) -> [DirectoryEntry] {
        let folder = try FileDescriptor.open(path, [.readOnly, .directory, .nonBlocking])
        // fdopendir takes the descriptor over: closedir closes it.
        guard let stream = fdopendir(folder.rawValue) else {
            let code = errno
            try? folder.close()
            throw Errno(code: code, call: "fdopendir", subject: path)
        }
        defer { closedir(stream) }
        var entries: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw Errno(code: errno, call: "readdir", subject: path) }
                return entries
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String? in
                let bytes = raw.prefix { $0 != 0 }
                return String(validating: bytes, as: UTF8.self)
            }
            guard let name, name != ".", name != ".." else { continue }
            let kind: DirectoryEntry.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_REG): kind = .regularFile
            case Int32(DT_LNK): kind = .symbolicLink
            case Int32(DT_UNKNOWN): kind = .unknown
            default: kind = .other
            }
            entries.append(DirectoryEntry(name: name, kind: kind))
        }
    }

    /// `folder/name`, without doubling the slash of the root folder.
    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
