// Shared helpers for tests: real journal files, made by systemd-journal-remote from journal export format.
import Foundation

/// One journal entry in export format: fields in order, values as bytes (binary allowed).
public struct ExportEntry: Sendable {
    public var fields: [(name: String, value: [UInt8])]

    public init(_ fields: [(name: String, value: [UInt8])]) {
        self.fields = fields
    }

    /// Text fields, e.g. `ExportEntry(["MESSAGE": …])` in the given order.
    public init(text fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: Array($0.1.utf8)) }
    }
}

public struct JournalFilesError: Error, CustomStringConvertible {
    public var description: String
}

/// Builds journal files the way journald would store them, using the real `systemd-journal-remote`.
public enum JournalFiles {
    /// The systemd-journal-remote binary (Debian: package systemd-journal-remote, in /lib/systemd).
    public static func journalRemote() throws -> String {
        for candidate in ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw JournalFilesError(
            description: "systemd-journal-remote is not installed (looked in /lib/systemd and /usr/lib/systemd); "
                + "run scripts/bootstrap, which installs the systemd-journal-remote package"
        )
    }

    /// Serializes entries in journal export format (systemd's JOURNAL_EXPORT_FORMATS): `NAME=value\n` for text,
    /// `NAME\n` + 64-bit little-endian length + bytes + `\n` for values holding a newline or other control bytes;
    /// an empty line ends each entry.
    public static func exportFormat(_ entries: [ExportEntry]) -> Data {
        var out = Data()
        for entry in entries {
            for (name, value) in entry.fields {
                out.append(contentsOf: Array(name.utf8))
                if value.contains(where: { $0 < 0x20 && $0 != UInt8(ascii: "\t") }) {
                    out.append(UInt8(ascii: "\n"))
                    var length = UInt64(value.count).littleEndian
                    withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
                } else {
                    out.append(UInt8(ascii: "="))
                }
                out.append(contentsOf: value)
                out.append(UInt8(ascii: "\n"))
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Writes `entries` into a new journal file `name` (must end in `.journal`) inside `directory` and returns
    /// its path. Fails with systemd-journal-remote's own message when it rejects the input.
    @discardableResult
    public static func make(
        _ entries: [ExportEntry],
        in directory: String,
        name: String = "test.journal"
    ) throws -> String {
        let output = (directory as NSString).appendingPathComponent(name)
        let result = try runCommand(
            [try journalRemote(), "--output=\(output)", "--split-mode=none", "-"],
            input: exportFormat(entries)
        )
        guard result.status == 0, FileManager.default.fileExists(atPath: output) else {
            throw JournalFilesError(
                description: "systemd-journal-remote exited \(result.status) writing \(output): \(result.stderrText)"
            )
        }
        return output
    }
}
