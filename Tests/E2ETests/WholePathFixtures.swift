// What the whole-path tests share: the two executables run as child processes on loopback, their configs, and
// reading back what the collector stored (through `tracehound-collector query --json`, as an operator would).
import Foundation
import TracehoundTestKit
import XCTest

struct WholePathError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A port on 127.0.0.1 that was free a moment ago (the kernel's pick for a socket bound to port 0).
func freeLoopbackPort() throws -> UInt16 {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(descriptor, pointer, length) == 0 else { return -1 }
            return getsockname(descriptor, pointer, &length)
        }
    }
    guard bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return UInt16(bigEndian: address.sin_port)
}

/// One collector and the files it needs, under `directory/collector`.
struct CollectorSetup {
    let directory: TemporaryDirectory
    let port: UInt16
    let store: String
    let token: String
    let config: String
    var scheme = "http"

    init(_ directory: TemporaryDirectory, store: String? = nil, token: String = "e2e-token", extra: String = "") throws
    {
        self.directory = directory
        self.port = try freeLoopbackPort()
        self.store = store ?? "sqlite://\(directory.file("collector/segments.db"))"
        self.token = token
        let tokens = try directory.write("collector/tokens", token + "\n")
        chmod(tokens, 0o600)
        config = try directory.write(
            "collector/collector.yaml",
            """
            listen: 127.0.0.1:\(port)
            store: \(self.store)
            token_file: \(tokens)
            threads: 4
            \(extra)
            """
        )
    }

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    func start() throws -> BackgroundProcess {
        try BackgroundProcess(
            builtProductsDirectory() + "/tracehound-collector",
            ["serve", "--config", config, "--log-format", "logfmt"],
            log: directory.file("collector.log")
        )
    }

    /// Starts the collector and waits until it answers /healthz.
    func startAndWait(extraCurlArguments: [String] = []) throws -> BackgroundProcess {
        let collector = try start()
        do {
            try waitUntil("the collector answers /healthz", timeout: 60) {
                guard collector.isRunning else { return true }
                let probe = try runCommand(["curl", "-fsS"] + extraCurlArguments + ["\(baseURL)/healthz"])
                return probe.status == 0
            }
        } catch {
            XCTFail("collector log:\n\(collector.logTail())")
            throw error
        }
        guard collector.isRunning else { throw WholePathError("the collector exited:\n\(collector.logTail())") }
        return collector
    }

    /// Every stored segment, parsed, in store order.
    func storedSegments() throws -> [[String: Any]] {
        let query = try runCommand(
            [
                builtProductsDirectory() + "/tracehound-collector", "query", "--store", store, "--json", "--limit",
                "1000000",
            ]
        )
        guard query.status == 0 else { throw WholePathError("query failed: \(query.stderrText)") }
        return try jsonObjects(query.stdout)
    }
}

/// A daemon reading `directory/logs/*.log*` as text with one rule on `SUSPICIOUS-<n>`, sending to `collector`.
struct AgentSetup {
    let directory: TemporaryDirectory
    let config: String

    init(
        _ directory: TemporaryDirectory,
        sinkURL: String,
        tokenFile: String?,
        extraSink: String = "",
        shutdownTimeout: String = "5s",
        batchBytes: String = "1MiB"
    )
        throws
    {
        self.directory = directory
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
        let token = tokenFile.map { "token_file: \($0)" } ?? ""
        config = try directory.write(
            "tracehound.yaml",
            """
            host_id: e2e-host
            data_dir: \(directory.file("data"))
            sources:
              - {type: file, name: agents, include: ["\(directory.file("logs"))/*.log*"], format: text,
                 rescan_interval: 1s, rotate_wait: 1s}
            rules: {include: ["\(rules)"], min_score: 10}
            segments: {context_before: 2, context_after: 2, idle_close: 1s, max_bytes: \(batchBytes)}
            batch: {max_bytes: \(batchBytes), max_wait: 200ms}
            spool: {max_bytes: 256MiB, fsync: always}
            sink:
              url: \(sinkURL)
              retry_max: 1s
              \(token)
              \(extraSink)
            shutdown_timeout: \(shutdownTimeout)
            """
        )
    }

    func start() throws -> BackgroundProcess {
        try BackgroundProcess(
            builtProductsDirectory() + "/tracehound",
            ["run", "--config", config, "--log-format", "logfmt"],
            log: directory.file("daemon.log")
        )
    }
}

/// Every NDJSON line of `data` parsed (what `query --json` and `spool export` print).
func jsonObjects(_ data: Data) throws -> [[String: Any]] {
    try data.split(separator: 0x0A).map {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
    }
}

/// The `SUSPICIOUS-<n>` markers in the hit records of `segments`, each with the ids of the segments holding it.
func suspiciousMarkers(in segments: [[String: Any]]) -> [String: Set<String>] {
    var found: [String: Set<String>] = [:]
    for segment in segments {
        guard let id = segment["id"] as? String, let records = segment["records"] as? [[String: Any]],
            let hits = segment["hits"] as? [[String: Any]]
        else { continue }
        for hit in hits {
            guard let record = hit["record"] as? Int, record < records.count,
                let fields = records[record]["fields"] as? [[String: Any]], let text = fields.first?["text"] as? String
            else { continue }
            for word in text.split(separator: " ") where word.hasPrefix("SUSPICIOUS-") {
                found[String(word), default: []].insert(id)
            }
        }
    }
    return found
}

/// Lines for a transcript: every tenth (by the generator) carries a new `SUSPICIOUS-<n>` marker.
struct TranscriptWriter {
    var random: SeededGenerator
    var serial = 0
    var expected: Set<String> = []

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func append(_ count: Int, to path: String) throws {
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
        try FileHandleForAppending(path).append(text)
    }
}
