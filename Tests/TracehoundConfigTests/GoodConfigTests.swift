// Valid configs decode into the model with every key in place; defaults fill what is left out; several problems
// in one file are all reported in one run.
import TracehoundConfig
import TracehoundTestKit
import XCTest

/// A daemon config that sets every key to something other than its default.
let everyDaemonKey = """
    host_id: agent-17
    data_dir: /srv/tracehound
    sources:
      - type: file
        name: claude
        include: ["/home/*/.claude/projects/*/*.jsonl"]
        exclude: ["/home/bot/**"]
        format: claude-code
        start_at: end
        max_line_bytes: 4MiB
        max_open_files: 64
      - type: journald
        name: agents
        matches: [_SYSTEMD_UNIT=agent-runner.service]
        units: [codex.service]
        identifiers: [claude]
        start_at: beginning
        max_line_bytes: 1MiB
    rules: {include: [/etc/th/rules.d/*.yaml, /opt/extra.yaml], min_score: 25}
    segments: {context_before: 2, context_after: 1, max_records: 50, max_bytes: 256KiB, idle_close: 1m30s}
    sampling: {baseline_rate: 0.25}
    redact: {builtin: [aws, jwt], patterns: ['tok_[A-Za-z0-9]{32}']}
    batch: {max_bytes: 2MiB, max_wait: 250ms}
    spool: {max_bytes: 10GiB, when_full: drop_oldest, fsync: batch}
    sink:
      urls: ["https://c1:7800/v1/batches", "https://c2:7800/v1/batches"]
      token_file: /etc/th/token
      ca_file: /etc/th/ca.pem
      cert_file: /etc/th/client.pem
      key_file: /etc/th/client.key
      tls_insecure_skip_verify: true
      timeout: 30s
      connect_timeout: 3s
    metrics: {listen: "[::1]:9000"}
    shutdown_timeout: 1m

    """

final class GoodConfigTests: XCTestCase {
    func testEveryDaemonKeyLandsInItsModelProperty() throws {
        let config = try DaemonConfig.load(yaml: everyDaemonKey, file: "all.yaml", environment: [:])
        XCTAssertEqual(config.hostID, "agent-17")
        XCTAssertEqual(config.dataDir, "/srv/tracehound")
        guard case .file(let file) = config.sources[0], case .journald(let journal) = config.sources[1] else {
            return XCTFail("sources decoded as \(config.sources)")
        }
        XCTAssertEqual(file.name, "claude")
        XCTAssertEqual(file.include, ["/home/*/.claude/projects/*/*.jsonl"])
        XCTAssertEqual(file.exclude, ["/home/bot/**"])
        XCTAssertEqual(file.format, .claudeCode)
        XCTAssertEqual(file.startAt, .end)
        XCTAssertEqual(file.maxLineBytes, 4 << 20)
        XCTAssertEqual(file.maxOpenFiles, 64)
        XCTAssertEqual(journal.name, "agents")
        XCTAssertEqual(journal.matches, ["_SYSTEMD_UNIT=agent-runner.service"])
        XCTAssertEqual(journal.units, ["codex.service"])
        XCTAssertEqual(journal.identifiers, ["claude"])
        XCTAssertEqual(journal.startAt, .beginning)
        XCTAssertEqual(journal.maxLineBytes, 1 << 20)
        XCTAssertEqual(config.rules.include, ["/etc/th/rules.d/*.yaml", "/opt/extra.yaml"])
        XCTAssertEqual(config.rules.minScore, 25)
        XCTAssertEqual(config.segments.contextBefore, 2)
        XCTAssertEqual(config.segments.contextAfter, 1)
        XCTAssertEqual(config.segments.maxRecords, 50)
        XCTAssertEqual(config.segments.maxBytes, 256 << 10)
        XCTAssertEqual(config.segments.idleClose, .seconds(90))
        XCTAssertEqual(config.sampling.baselineRate, 0.25)
        XCTAssertEqual(config.redact.builtin, [.aws, .jwt])
        XCTAssertEqual(config.redact.patterns, ["tok_[A-Za-z0-9]{32}"])
        XCTAssertEqual(config.batch.maxBytes, 2 << 20)
        XCTAssertEqual(config.batch.maxWait, .milliseconds(250))
        XCTAssertEqual(config.spool.maxBytes, 10 << 30)
        XCTAssertEqual(config.spool.whenFull, .dropOldest)
        XCTAssertEqual(config.spool.fsync, .batch)
        XCTAssertEqual(config.sink?.urls, ["https://c1:7800/v1/batches", "https://c2:7800/v1/batches"])
        XCTAssertEqual(config.sink?.tokenFile, "/etc/th/token")
        XCTAssertEqual(config.sink?.caFile, "/etc/th/ca.pem")
        XCTAssertEqual(config.sink?.certFile, "/etc/th/client.pem")
        XCTAssertEqual(config.sink?.keyFile, "/etc/th/client.key")
        XCTAssertEqual(config.sink?.tlsInsecureSkipVerify, true)
        XCTAssertEqual(config.sink?.timeout, .seconds(30))
        XCTAssertEqual(config.sink?.connectTimeout, .seconds(3))
        XCTAssertEqual(config.metrics.listen, ListenAddress(host: "::1", port: 9000))
        XCTAssertEqual(config.shutdownTimeout, .seconds(60))
    }

    func testAMinimalDaemonConfigGetsEveryDefault() throws {
        let config = try DaemonConfig.load(
            yaml: "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink: {url: http://h/v1/batches}\n",
            file: "min.yaml",
            environment: [:]
        )
        var expected = DaemonConfig()
        var source = FileSourceConfig()
        source.name = "c"
        source.include = ["/a/*.jsonl"]
        expected.sources = [.file(source)]
        expected.sink?.urls = ["http://h/v1/batches"]
        XCTAssertEqual(config, expected)
        XCTAssertEqual(config.segments.maxBytes, 1 << 20)
        XCTAssertEqual(config.spool.whenFull, .block)
        XCTAssertEqual(config.redact.builtin.count, 10)
    }

    func testEmptySectionsAndNullMeanDefaultsOrOff() throws {
        let config = try DaemonConfig.load(
            yaml:
                "sources: [{type: file, name: c, include: [/a/*.jsonl], exclude: }]\nsink: {url: http://h/v1/batches}\n"
                + "segments:\nbatch: {}\nmetrics: {listen: null}\n",
            file: "null.yaml",
            environment: [:]
        )
        XCTAssertEqual(config.segments, SegmentsConfig())
        XCTAssertEqual(config.batch, BatchConfig())
        XCTAssertNil(config.metrics.listen)
    }

    func testAnAliasCanShareAListBetweenSources() throws {
        let yaml = """
            sources:
              - {type: file, name: a, include: [/a/*.jsonl], exclude: &skip ["/a/tmp/*", "/a/old/*"]}
              - {type: file, name: b, include: [/b/*.jsonl], exclude: *skip}
            sink: {url: http://h/v1/batches}
            """
        let config = try DaemonConfig.load(yaml: yaml, file: "alias.yaml", environment: [:])
        guard case .file(let second) = config.sources[1] else { return XCTFail("\(config.sources)") }
        XCTAssertEqual(second.exclude, ["/a/tmp/*", "/a/old/*"])
    }

    func testAnEmptyCollectorConfigIsEveryDefaultAndAPostgresStoreIsKeptAsWritten() throws {
        XCTAssertEqual(try CollectorConfig.load(yaml: "", file: "empty.yaml", environment: [:]), CollectorConfig())
        let config = try CollectorConfig.load(
            yaml: "listen: 0.0.0.0:7800\nstore: postgresql://th@db.internal:5432/tracehound?sslmode=require\n"
                + "token_file: /etc/thc/tokens\ntls: {cert_file: /s.pem, key_file: /s.key, client_ca_file: /ca.pem}\n"
                + "limits: {max_body_bytes: 8MiB, max_decoded_bytes: 128MiB, max_connections: 32}\n",
            file: "c.yaml",
            environment: [:]
        )
        XCTAssertEqual(config.listen, ListenAddress(host: "0.0.0.0", port: 7800))
        XCTAssertEqual(config.store, .postgresql(url: "postgresql://th@db.internal:5432/tracehound?sslmode=require"))
        XCTAssertEqual(config.tokenFile, "/etc/thc/tokens")
        XCTAssertEqual(config.tls.clientCAFile, "/ca.pem")
        XCTAssertEqual(config.limits.maxBodyBytes, 8 << 20)
        XCTAssertEqual(config.limits.maxDecodedBytes, 128 << 20)
        XCTAssertEqual(config.limits.maxConnections, 32)
    }

    func testEveryProblemInAFileIsReportedInOneRunInFileOrder() {
        let yaml = """
            host_id: two words
            sources:
              - {type: file, name: c, include: [relative/*.jsonl], format: jsnl}
              - {type: socket, name: s}
            segments: {max_bytes: lots, colour: blue}
            sink: {url: "http://h/v1/batches", timeout: 10}
            spool: {when_full: drop_oldest, when_full: block}
            """
        XCTAssertThrowsError(try DaemonConfig.load(yaml: yaml, file: "many.yaml", environment: [:])) { error in
            XCTAssertEqual(
                "\(error)",
                """
                many.yaml:1:10: host_id: a host id is one word
                many.yaml:3:37: sources[0].include[0]: 'relative/*.jsonl' is not an absolute path pattern
                many.yaml:3:64: sources[0].format: 'jsnl' is not one of: auto, claude-code, codex, jsonl, text (did you mean 'jsonl'?)
                many.yaml:4:12: sources[1].type: 'socket' is not one of: file, journald
                many.yaml:5:23: segments.max_bytes: 'lots' is not a size; write bytes or a number with a unit: B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000)
                many.yaml:5:29: segments.colour: unknown key 'colour'
                many.yaml:6:45: sink.timeout: '10' needs a unit (ms, s, m, h), like 10s
                many.yaml:7:33: spool.when_full: duplicate key 'when_full' (first at line 7, column 9)
                """
            )
        }
    }

    func testAMissingFileAndADirectoryAreClearErrorsNamingThePath() throws {
        let folder = try TemporaryDirectory()
        XCTAssertThrowsError(try DaemonConfig.load(path: folder.file("absent.yaml"), environment: [:])) { error in
            XCTAssertEqual(
                "\(error)",
                folder.file("absent.yaml") + ": cannot read config file: No such file or directory (errno 2)"
            )
        }
        XCTAssertThrowsError(try CollectorConfig.load(path: folder.path, environment: [:])) { error in
            XCTAssertTrue("\(error)".hasPrefix(folder.path + ": cannot read config file: "), "\(error)")
        }
    }

    func testAFileOnDiskIsNamedInItsDiagnostics() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("collector.yaml", "listen: 127.0.0.1:7800\nlimits: {max_connections: 0}\n")
        XCTAssertThrowsError(try CollectorConfig.load(path: path, environment: [:])) { error in
            XCTAssertEqual("\(error)", "\(path):2:27: limits.max_connections: 0 is out of range 1...65536")
        }
    }

    func testHostIDAutoResolvesFromTheMachineIDFileAndAnExplicitIDIsKept() throws {
        let folder = try TemporaryDirectory()
        let machineID = try folder.write("machine-id", "0123456789abcdef0123456789abcdef\n")
        var config = DaemonConfig()
        XCTAssertEqual(try config.resolvedHostID(machineIDPath: machineID), "0123456789abcdef0123456789abcdef")
        config.hostID = "agent-17"
        XCTAssertEqual(try config.resolvedHostID(machineIDPath: folder.file("missing")), "agent-17")
    }
}

final class SinkNoneTests: XCTestCase {
    func testSinkNoneKeepsBatchesInTheSpoolAndRendersBack() throws {
        let yaml = """
            sources:
              - {type: file, name: a, include: ["/a/*.jsonl"]}
            sink: none
            """
        let config = try DaemonConfig.load(yaml: yaml, file: "t.yaml", environment: [:])
        XCTAssertNil(config.sink)
        XCTAssertTrue(config.renderResolved().contains("sink: none"))
        XCTAssertEqual(try DaemonConfig.load(yaml: config.renderResolved(), file: "r.yaml", environment: [:]), config)
    }

    func testAnotherWordForTheSinkIsAnError() {
        let yaml = "sources:\n  - {type: file, name: a, include: [\"/a/*.jsonl\"]}\nsink: nowhere\n"
        XCTAssertThrowsError(try DaemonConfig.load(yaml: yaml, file: "t.yaml", environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("t.yaml:3:7: sink:"), "\(error)")
        }
    }
}
