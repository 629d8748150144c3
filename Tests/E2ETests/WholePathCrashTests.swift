// Promises 1, 2 and 3 over the whole path (DESIGN.md §3, issue 5): the daemon is killed with SIGKILL at random
// moments while transcripts grow and rotate, and every third round the collector is killed too, mid-ingest or
// mid-commit. After a clean final run every suspicious line is stored, in exactly one stored segment.
import Foundation
import TracehoundTestKit
import XCTest

final class WholePathCrashTests: XCTestCase {
    func testEverySuspiciousLineIsStoredExactlyOnceWhenTheDaemonAndTheCollectorAreKilled() throws {
        let directory = try TemporaryDirectory()
        let collectorSetup = try CollectorSetup(directory)
        let token = try directory.write("agent/token", collectorSetup.token + "\n")
        let agent = try AgentSetup(directory, sinkURL: collectorSetup.baseURL + "/v1/batches", tokenFile: token)
        var random = SeededGenerator(seed: 20_261_125_5)
        var writer = TranscriptWriter(seed: 20_261_125)
        let log = directory.file("logs/agent.log")
        var rotation = 0
        var collector: BackgroundProcess? = try collectorSetup.start()

        for round in 0..<20 {
            if collector?.isRunning != true { collector = try collectorSetup.start() }
            let daemon = try agent.start()
            try writer.append(Int(random.next() % 200) + 20, to: log)
            if round % 4 == 3 {
                rotation += 1
                try FileManager.default.moveItem(atPath: log, toPath: log + ".\(rotation)")
                try writer.append(Int(random.next() % 50) + 1, to: log)
            }
            // The kill instants are the randomised faults, not waits for a condition.
            usleep(useconds_t(random.next() % 600_000))
            if round % 3 == 1 {
                collector?.stop(SIGKILL)
                collector = nil
                usleep(useconds_t(random.next() % 200_000))
            }
            daemon.stop(SIGKILL)
        }

        let finalCollector = try collectorSetup.startAndWait()
        let daemon = try agent.start()
        do {
            try waitUntil("every suspicious line stored", timeout: 180) {
                Set(suspiciousMarkers(in: try collectorSetup.storedSegments()).keys).isSuperset(of: writer.expected)
            }
        } catch {
            let stored = Set(suspiciousMarkers(in: (try? collectorSetup.storedSegments()) ?? []).keys)
            let missing = writer.expected.subtracting(stored).sorted()
            let inspect = try runCommand(
                [builtProductsDirectory() + "/tracehound", "spool", "inspect", "--data-dir", directory.file("data")]
            )
            XCTFail(
                "missing \(missing.count): \(missing.prefix(20))\nspool:\n\(inspect.stdoutText.suffix(3000))\n"
                    + "daemon log:\n\(daemon.logTail(6000))\ncollector log:\n\(finalCollector.logTail(3000))"
            )
            throw error
        }
        XCTAssertEqual(daemon.stop(), 0, daemon.logTail())

        let segments = try collectorSetup.storedSegments()
        let markers = suspiciousMarkers(in: segments)
        XCTAssertEqual(Set(markers.keys), writer.expected)
        let repeated = markers.filter { $0.value.count != 1 }
        XCTAssertEqual(repeated.count, 0, "suspicious lines stored in more than one segment: \(repeated)")
        let ids = segments.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids.count, Set(ids).count, "a segment id stored twice")
        XCTAssertEqual(finalCollector.stop(), 0, finalCollector.logTail())
    }
}
