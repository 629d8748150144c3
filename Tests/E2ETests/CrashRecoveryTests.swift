// Promise 1 and 3 end to end (DESIGN.md §3): `tracehound run` is killed with SIGKILL at random moments while
// transcripts grow and rotate; after a clean final run every suspicious line is in exactly one spooled segment.
import Foundation
import TracehoundTestKit
import XCTest

final class CrashRecoveryTests: XCTestCase {
    var tracehound: String { builtProductsDirectory() + "/tracehound" }

    func makeConfig(_ directory: TemporaryDirectory) throws -> String {
        try FileManager.default.createDirectory(atPath: directory.file("logs"), withIntermediateDirectories: true)
        let rules = try directory.write(
            "rules/suspicious.yaml",
            """
            rules:
              - id: test.suspicious
                category: test
                severity: high
                patterns:
                  - regex: 'SUSPICIOUS-[0-9]+'
            """
        )
        return try directory.write(
            "tracehound.yaml",
            """
            host_id: test-host
            data_dir: \(directory.file("data"))
            sources:
              - {type: file, name: agents, include: ["\(directory.file("logs"))/*.log*"], format: text,
                 rescan_interval: 1s, rotate_wait: 1s}
            rules: {include: ["\(rules)"], min_score: 10}
            segments: {context_before: 2, context_after: 2, idle_close: 1s}
            batch: {max_bytes: 1MiB, max_wait: 200ms}
            spool: {max_bytes: 256MiB, fsync: always}
            sink: {url: "http://127.0.0.1:9/v1/batches"}
            shutdown_timeout: 1s
            """
        )
    }

    func startDaemon(_ config: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tracehound)
        process.arguments = ["run", "--config", config, "--log-format", "logfmt"]
        process.standardOutput = FileHandle.nullDevice
        if !FileManager.default.fileExists(atPath: log) {
            XCTAssertTrue(FileManager.default.createFile(atPath: log, contents: nil))
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardError = handle
        try process.run()
        return process
    }

    /// The suspicious markers in the spooled segments' hit records, and how many distinct segments hold each.
    func spooledHits(_ directory: TemporaryDirectory) throws -> [String: Set<String>] {
        let export = try runCommand([tracehound, "spool", "export", "--data-dir", directory.file("data")], check: true)
        var found: [String: Set<String>] = [:]
        for line in export.stdout.split(separator: 0x0A) {
            guard let segment = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let id = segment["id"] as? String, let records = segment["records"] as? [[String: Any]],
                let hits = segment["hits"] as? [[String: Any]]
            else { continue }
            for hit in hits {
                guard let record = hit["record"] as? Int, let fields = records[record]["fields"] as? [[String: Any]],
                    let text = fields.first?["text"] as? String
                else { continue }
                for word in text.split(separator: " ") where word.hasPrefix("SUSPICIOUS-") {
                    found[String(word), default: []].insert(id)
                }
            }
        }
        return found
    }

    func testEverySuspiciousLineIsSpooledOnceAcrossKillsAndRotations() throws {
        let directory = try TemporaryDirectory()
        let config = try makeConfig(directory)
        var random = SeededGenerator(seed: 20_261_125)
        var expected: Set<String> = []
        var serial = 0
        var rotation = 0
        let log = directory.file("logs/agent.log")

        func append(_ count: Int) throws {
            var text = ""
            for _ in 0..<count {
                serial += 1
                if random.next() % 10 == 0 {
                    text += "the agent says SUSPICIOUS-\(serial) here\n"
                    expected.insert("SUSPICIOUS-\(serial)")
                } else {
                    text += "benign line \(serial) with some ordinary words in it\n"
                }
            }
            let handle = try FileHandleForAppending(log)
            try handle.append(text)
        }

        for round in 0..<20 {
            let daemon = try startDaemon(config, log: directory.file("daemon.log"))
            try append(Int(random.next() % 200) + 20)
            if round % 4 == 3 {
                rotation += 1
                try FileManager.default.moveItem(atPath: log, toPath: log + ".\(rotation)")
                try append(Int(random.next() % 50) + 1)
            }
            // The kill instant is the randomised fault, not a wait for a condition.
            usleep(useconds_t(random.next() % 400_000))
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }

        let daemon = try startDaemon(config, log: directory.file("daemon.log"))
        do {
            try waitUntil("every suspicious line spooled", timeout: 120) {
                Set(try spooledHits(directory).keys).isSuperset(of: expected)
            }
        } catch {
            let missing = expected.subtracting(try spooledHits(directory).keys).sorted()
            let log = (try? String(contentsOfFile: directory.file("daemon.log"), encoding: .utf8)) ?? ""
            // Where each missing line is, and what the spool says: enough to tell a tailer bug from a spool one.
            var whereabouts = ""
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.file("logs"))) ?? [] {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: directory.file("logs/" + name)))) ?? Data()
                for marker in missing {
                    if let range = bytes.range(of: Data((marker + " ").utf8)) {
                        whereabouts += "\(marker) in \(name) at \(range.lowerBound) of \(bytes.count)\n"
                    }
                }
            }
            let inspect = try runCommand([tracehound, "spool", "inspect", "--data-dir", directory.file("data")])
            print("whereabouts:\n\(whereabouts)spool:\n\(inspect.stdoutText)")
            XCTFail("missing \(missing.count): \(missing.prefix(20))\ndaemon log tail:\n\(log.suffix(6000))")
            daemon.terminate()
            throw error
        }
        daemon.terminate()
        daemon.waitUntilExit()
        XCTAssertEqual(daemon.terminationStatus, 0, "a graceful stop exits 0")

        let hits = try spooledHits(directory)
        XCTAssertEqual(Set(hits.keys), expected)
        let repeated = hits.filter { $0.value.count != 1 }
        XCTAssertEqual(repeated.count, 0, "suspicious lines in more than one segment: \(repeated)")
        let verify = try runCommand([tracehound, "spool", "verify", "--data-dir", directory.file("data")])
        XCTAssertEqual(verify.status, 0, verify.stdoutText)
    }
}

/// Appends to a file with O_APPEND, as agents write transcripts.
struct FileHandleForAppending {
    let path: String
    init(_ path: String) throws { self.path = path }
    func append(_ text: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            written += result
        }
    }
}

/// A small deterministic generator (splitmix64): the same seed replays the same kills.
struct SeededGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
