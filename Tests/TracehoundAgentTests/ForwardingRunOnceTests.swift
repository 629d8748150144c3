// `tracehound run --once` with a sink, as the built executable: it delivers what it spooled before exiting,
// exits 1 when batches are still undelivered after shutdown_timeout (they stay in the spool), and refuses to
// start without its token file.
import Foundation
import TracehoundConfig
import TracehoundSpool
import TracehoundTestKit
import XCTest

final class ForwardingRunOnceTests: XCTestCase {
    var tracehound: String { builtProductsDirectory() + "/tracehound" }

    /// A config reading one log with a suspicious line, sending to `sink` (YAML of the sink section's keys).
    private func writeConfig(_ directory: TemporaryDirectory, sink: String, shutdownTimeout: String = "30s") throws
        -> String
    {
        let rules = try directory.write(
            "rules.yaml",
            "rules:\n  - {id: destructive.rm-root, category: destructive, severity: critical, "
                + "patterns: [{phrase: 'rm -rf /'}]}\n"
        )
        var lines = (0..<40).map { "ordinary line \($0)" }
        lines[10] = "then the agent ran rm -rf / on the host"
        try directory.write("logs/agent.log", lines.joined(separator: "\n") + "\n")
        return try directory.write(
            "tracehound.yaml",
            """
            host_id: forwarding-host
            data_dir: \(directory.file("data"))
            sources:
              - {type: file, name: agents, include: ["\(directory.file("logs"))/*.log"], format: text}
            rules: {include: ["\(rules)"]}
            batch: {max_wait: 100ms}
            sink: {\(sink), retry_min: 20ms, retry_max: 200ms}
            shutdown_timeout: \(shutdownTimeout)
            """
        )
    }

    private func pendingBatches(_ directory: TemporaryDirectory) throws -> Int {
        let spool = try Spool.open(directory: directory.file("data/spool"), config: SpoolConfig())
        defer { try? spool.close() }
        return spool.statistics.pendingBatches
    }

    func testRunOnceDeliversEverySpooledBatchAndExitsZero() throws {
        let directory = try TemporaryDirectory()
        let collector = try LoopbackCollector()
        defer { collector.stop() }
        let token = try directory.write("token", "t0ken\n")
        let config = try writeConfig(directory, sink: "url: \"\(collector.url)\", token_file: \(token)")

        let result = try runCommand([tracehound, "run", "--once", "--config", config, "--log-format", "logfmt"])
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertFalse(collector.received.isEmpty, result.stderrText)
        XCTAssertEqual(try pendingBatches(directory), 0, "everything spooled was acknowledged")
        let segments = collector.received.flatMap { request -> [Substring] in
            let text = (try? runCommand(["lz4", "-dc"], input: Data(request.body), check: true))?.stdoutText ?? ""
            return text.split(separator: "\n").filter { !$0.contains("\"type\":") }
        }
        XCTAssertEqual(segments.count, 1, "the one suspicious line reached the collector in one segment")
        XCTAssertTrue(result.stderrText.contains("forwarding to the collector"), result.stderrText)
    }

    func testRunOnceExitsOneWhenBatchesAreLeftUndeliveredAndKeepsThemSpooled() throws {
        let directory = try TemporaryDirectory()
        let config = try writeConfig(directory, sink: "url: \"\(try refusingURL())\"", shutdownTimeout: "500ms")

        let result = try runCommand([tracehound, "run", "--once", "--config", config, "--log-format", "logfmt"])
        XCTAssertEqual(result.status, 1, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("batches left undelivered"), result.stderrText)
        XCTAssertTrue(result.stderrText.contains("delivery failing"), result.stderrText)
        XCTAssertEqual(
            result.stderrText.components(separatedBy: "delivery failing").count - 1,
            1,
            "logged once per streak, not per retry: \(result.stderrText)"
        )
        XCTAssertGreaterThan(try pendingBatches(directory), 0, "undelivered batches stay for the next start")
    }

    func testRunRefusesToStartWithoutItsTokenFile() throws {
        let directory = try TemporaryDirectory()
        let config = try writeConfig(
            directory,
            sink: "url: \"http://127.0.0.1:9/v1/batches\", token_file: \(directory.file("missing-token"))"
        )
        let result = try runCommand([tracehound, "run", "--once", "--config", config, "--log-format", "logfmt"])
        XCTAssertEqual(result.status, 1, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("token_file \(directory.file("missing-token"))"), result.stderrText)
    }
}
