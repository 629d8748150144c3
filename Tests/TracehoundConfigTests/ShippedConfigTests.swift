// The config files the project ships load cleanly, and docs/CONFIGURATION.md holds the generated reference.
import Foundation
import TracehoundConfig
import XCTest

final class ShippedConfigTests: XCTestCase {
    /// The package root, found from this file's path: Tests/TracehoundConfigTests/<this file>.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testShippedDaemonConfigLoadsWithARealHostsDefaults() throws {
        let config = try DaemonConfig.load(path: Self.packageRoot + "/etc/tracehound/tracehound.yaml", environment: [:])
        XCTAssertEqual(config.sources.map(\.name), ["claude", "codex"])
        XCTAssertEqual(config.dataDir, "/var/lib/tracehound")
        XCTAssertEqual(config.rules.include, ["/etc/tracehound/rules.d/*.yaml"])
        XCTAssertEqual(config.sink?.urls, ["http://127.0.0.1:7800/v1/batches"])
        XCTAssertEqual(config.hostID, "auto")
    }

    func testShippedDaemonConfigTakesLocalFoldersFromTheEnvironment() throws {
        let config = try DaemonConfig.load(
            path: Self.packageRoot + "/etc/tracehound/tracehound.yaml",
            environment: [
                "TRACEHOUND_DATA_DIR": "/tmp/th/data", "TRACEHOUND_RULES_DIR": "/src/etc/tracehound/rules.d",
                "TRACEHOUND_SINK_URL": "http://127.0.0.1:17800/v1/batches",
            ]
        )
        XCTAssertEqual(config.dataDir, "/tmp/th/data")
        XCTAssertEqual(config.rules.include, ["/src/etc/tracehound/rules.d/*.yaml"])
        XCTAssertEqual(config.sink?.urls, ["http://127.0.0.1:17800/v1/batches"])
    }

    func testShippedCollectorConfigLoadsAndTakesALocalStoreFromTheEnvironment() throws {
        let config = try CollectorConfig.load(
            path: Self.packageRoot + "/etc/tracehound/collector.yaml",
            environment: [:]
        )
        XCTAssertEqual(config.listen, ListenAddress(host: "127.0.0.1", port: 7800))
        XCTAssertEqual(config.store, .sqlite(path: "/var/lib/tracehound-collector/segments.db"))
        let local = try CollectorConfig.load(
            path: Self.packageRoot + "/etc/tracehound/collector.yaml",
            environment: ["TRACEHOUND_COLLECTOR_STORE": "sqlite:///tmp/th/segments.db"]
        )
        XCTAssertEqual(local.store, .sqlite(path: "/tmp/th/segments.db"))
    }

    /// Set TRACEHOUND_UPDATE_DOCS=1 to rewrite the generated parts of docs/CONFIGURATION.md instead of checking them.
    func testConfigurationDocHoldsExactlyTheGeneratedReferences() throws {
        let path = Self.packageRoot + "/docs/CONFIGURATION.md"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let generated = [
            ("DaemonConfig.reference()", DaemonConfig.reference()),
            ("CollectorConfig.reference()", CollectorConfig.reference()),
        ]
        for (name, reference) in generated {
            let begin = "<!-- BEGIN GENERATED: \(name) -->\n"
            let end = "<!-- END GENERATED: \(name) -->"
            guard let start = text.range(of: begin),
                let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
            else { return XCTFail("docs/CONFIGURATION.md has no markers for \(name)") }
            let expected = "```text\n" + reference + "```\n"
            if ProcessInfo.processInfo.environment["TRACEHOUND_UPDATE_DOCS"] == "1" {
                text.replaceSubrange(start.upperBound..<stop.lowerBound, with: expected)
            } else {
                XCTAssertEqual(
                    String(text[start.upperBound..<stop.lowerBound]),
                    expected,
                    "docs/CONFIGURATION.md is stale for \(name); run the tests with TRACEHOUND_UPDATE_DOCS=1"
                )
            }
        }
        if ProcessInfo.processInfo.environment["TRACEHOUND_UPDATE_DOCS"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
