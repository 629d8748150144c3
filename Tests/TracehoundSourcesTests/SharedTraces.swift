// Access to the real transcripts in ../shared/traces (beside the package root), shared by the format tests.
import Foundation
import TracehoundCore
import TracehoundSources
import XCTest

struct SharedTracesMissing: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "the shared transcripts are not at \(path): they are expected in shared/traces beside the package root"
    }
}

enum SharedTraces {
    /// `<package root>/../shared/traces`, found from this file's path.
    static func directory(file: StaticString = #filePath) throws -> URL {
        let packageRoot = URL(fileURLWithPath: "\(file)")
            .deletingLastPathComponent()  // TracehoundSourcesTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        let traces = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/traces")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: traces.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw SharedTracesMissing(path: traces.path) }
        return traces
    }

    /// Every transcript file (JSONL, `.traj`, OpenHands `.json`), relative to the traces directory, sorted.
    static func transcriptFiles() throws -> [String] {
        let root = try directory()
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw SharedTracesMissing(path: root.path)
        }
        let files = walker.compactMap { $0 as? String }.filter { path in
            let name = (path as NSString).lastPathComponent
            return !name.hasPrefix("UPSTREAM_") && [".jsonl", ".traj", ".json"].contains { name.hasSuffix($0) }
        }
        guard !files.isEmpty else { throw SharedTracesMissing(path: root.path) }
        return files.sorted()
    }

    /// The lines of a file as the tailer hands them over: split on LF, no newline, no empty piece after the last LF.
    static func lines(of relativePath: String) throws -> [[UInt8]] {
        let bytes = try [UInt8](Data(contentsOf: directory().appendingPathComponent(relativePath)))
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        if bytes.last == 0x0A { lines.removeLast() }
        return lines
    }

    /// Decodes a whole file with one decoder for the stream, as the daemon would.
    static func decode(_ relativePath: String, as format: TranscriptFormat) throws -> [Record] {
        var decoder = format.makeDecoder(path: relativePath)
        return try lines(of: relativePath).map { decoder.decode($0) }
    }
}

extension Array where Element == Record {
    /// How many fields of each kind the records hold.
    var fieldCounts: [FieldKind: Int] {
        var counts: [FieldKind: Int] = [:]
        for record in self {
            for field in record.fields { counts[field.kind, default: 0] += 1 }
        }
        return counts
    }

    /// The 1-based line numbers of the records flagged malformed.
    var malformedLineNumbers: [Int] {
        enumerated().filter { $0.element.flags.contains(.malformedJSON) }.map { $0.offset + 1 }
    }
}

extension Record {
    /// The texts of the fields of `kind`, as Strings (tests only).
    func texts(_ kind: FieldKind) -> [String] {
        fields.filter { $0.kind == kind }.map { String(decoding: $0.text, as: UTF8.self) }
    }
}

/// Decodes a single line given as a String.
func decodeLine(_ line: String, with decoder: inout some RecordDecoder) -> Record {
    decoder.decode(Array(line.utf8))
}
