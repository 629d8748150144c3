// Shell-style globs through glob(3), for config includes such as `rules.d/*.yaml` (the tailer's `**` globs are
// its own matcher, since glob(3) has no `**`).
#if canImport(Glibc)
import Glibc
#endif

public enum Glob {
    /// The paths matching `pattern`, sorted; none when nothing matches or the folder is unreadable.
    public static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }

    /// Whether `path` names a directory (following symlinks).
    public static func isDirectory(_ path: String) -> Bool {
        (try? FileStatus.of(path))?.isDirectory ?? false
    }
}
