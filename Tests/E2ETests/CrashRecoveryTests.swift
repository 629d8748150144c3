// Promise 1 and 3 end to end (DESIGN.md §3): `tracehound run` is killed with SIGKILL at random moments while
// transcripts grow and rotate; after a clean final run every suspicious line is in exactly one spooled segment.
import Foundation
import TracehoundTestKit
import XCTest

final class CrashRecoveryTests: XCTestCase {
    var tracehound: String { builtProductsDirectory() + "/tracehound" }

    /// The suspicious markers in the spooled segments' hit records, and the segments holding each.
    func spooledHits(_ directory: TemporaryDirectory) throws -> [String: Set<String>] {
        let export = try runCommand([tracehound, "spool", "export", "--data-dir", directory.file("data")], check: true)
        return suspiciousMarkers(in: try jsonObjects(export.stdout))
    }

    func testEverySuspiciousLineIsSpooledOnceAcrossKillsAndRotations() throws {
        let directory = try TemporaryDirectory()
        // Nothing listens on port 9: every batch stays in the spool, which is what this test reads.
        let agent = try AgentSetup(
            directory,
            sinkURL: "http://127.0.0.1:9/v1/batches",
            tokenFile: nil,
            shutdownTimeout: "1s"
        )
        var random = SeededGenerator(seed: 20_261_125)
        var writer = TranscriptWriter(seed: 20_261_125)
        var rotation = 0
        let log = directory.file("logs/agent.log")

        for round in 0..<20 {
            let daemon = try agent.start()
            try writer.append(Int(random.next() % 200) + 20, to: log)
            if round % 4 == 3 {
                rotation += 1
                try FileManager.default.moveItem(atPath: log, toPath: log + ".\(rotation)")
                try writer.append(Int(random.next() % 50) + 1, to: log)
            }
            // The kill instant is the randomised fault, not a wait for a condition.
            usleep(useconds_t(random.next() % 400_000))
            daemon.stop(SIGKILL)
        }

        let expected = writer.expected
        let daemon = try agent.start()
        do {
            try waitUntil("every suspicious line spooled", timeout: 120) {
                Set(try spooledHits(directory).keys).isSuperset(of: expected)
            }
        } catch {
            let missing = expected.subtracting(try spooledHits(directory).keys).sorted()
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
            XCTFail("missing \(missing.count): \(missing.prefix(20))\ndaemon log tail:\n\(daemon.logTail(6000))")
            throw error
        }
        XCTAssertEqual(daemon.stop(), 0, "a graceful stop exits 0")

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
