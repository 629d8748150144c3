// renderResolved writes every key with its effective value as YAML that loads back to the same config.
import TracehoundConfig
import XCTest

final class RenderResolvedTests: XCTestCase {
    private func roundTrip(_ config: DaemonConfig, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = config.renderResolved()
        let reloaded = try DaemonConfig.load(yaml: text, file: "resolved.yaml", environment: [:])
        XCTAssertEqual(reloaded, config, text, file: file, line: line)
    }

    func testAConfigSettingEveryKeyRoundTrips() throws {
        try roundTrip(DaemonConfig.load(yaml: everyDaemonKey, file: "all.yaml", environment: [:]))
    }

    func testTheShippedDaemonConfigRoundTrips() throws {
        try roundTrip(
            DaemonConfig.load(
                path: ShippedConfigTests.packageRoot + "/etc/tracehound/tracehound.yaml",
                environment: [:]
            )
        )
    }

    func testStringsThatLookLikeOtherTypesOrHoldDollarsQuotesAndControlCharactersRoundTrip() throws {
        var config = DaemonConfig()
        var source = FileSourceConfig()
        source.name = "c"
        source.include = ["/a/*.jsonl"]
        source.exclude = ["no", "10", "null", "~", "true", " padded ", "a: b", "# not a comment", "[x]", "{y}"]
        config.sources = [.file(source)]
        config.sink?.urls = ["http://h/v1/batches"]
        config.redact.patterns = [
            "end$", "$$", "${HOME}", "$${X}", "quote \" and back\\slash", "tab\tnew\nline", "bell\u{07}", "ünïcødé ✓",
            "nel\u{85}", "'single'",
        ]
        config.hostID = "${NOT_EXPANDED}"
        config.metrics.listen = nil
        config.sampling.baselineRate = 1e-5
        try roundTrip(config)
        XCTAssertTrue(config.renderResolved().contains("  listen: null\n"))
    }

    func testEveryKeyIsWrittenWithItsEffectiveValue() throws {
        let config = try DaemonConfig.load(
            yaml: "sources: [{type: journald, name: j, units: [a.service]}]\nsink: {url: http://h/v1/batches}\n",
            file: "j.yaml",
            environment: [:]
        )
        let text = config.renderResolved()
        for line in [
            "host_id: \"auto\"", "  - type: journald", "    units: [\"a.service\"]", "    start_at: end",
            "  context_before: 8", "  max_bytes: 1GiB", "  when_full: block", "  urls: [\"http://h/v1/batches\"]",
            "  token_file: null", "  tls_insecure_skip_verify: false", "  listen: \"127.0.0.1:9465\"",
            "shutdown_timeout: 10s", "  baseline_rate: 0.001",
        ] {
            XCTAssertTrue(text.contains(line + "\n"), "missing \(line) in\n\(text)")
        }
    }

    func testCollectorConfigsRoundTrip() throws {
        var config = CollectorConfig()
        XCTAssertEqual(
            try CollectorConfig.load(yaml: config.renderResolved(), file: "r.yaml", environment: [:]),
            config
        )
        config.store = .postgresql(url: "postgres://u@[::1]:5432/db?application_name=thc")
        config.listen = ListenAddress(host: "::", port: 0)
        config.tokenFile = "/etc/tokens"
        config.tls.certFile = "/c.pem"
        config.tls.keyFile = "/c.key"
        config.tls.clientCAFile = "/ca.pem"
        config.limits.maxDecodedBytes = 100_000_000
        XCTAssertEqual(
            try CollectorConfig.load(yaml: config.renderResolved(), file: "r.yaml", environment: [:]),
            config
        )
    }
}
