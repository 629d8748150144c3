// `tracehound-collector serve` as an operator runs it: the built executable as a child process with a config,
// answering on loopback, reloading its tokens on SIGHUP, exiting 0 on SIGTERM, and refusing to start without
// credentials it can use.
import Foundation
import TracehoundTestKit
import XCTest

/// The built collector running `serve`, its stderr in a file the test reads.
private final class ServedCollector {
    let child: BackgroundProcess
    var process: Process { child.process }
    var log: String { child.log }

    init(config: String, logPath: String) throws {
        child = try BackgroundProcess(
            builtProductsDirectory() + "/tracehound-collector",
            ["serve", "--config", config, "--log-format", "logfmt"],
            log: logPath
        )
    }

    /// The port from the "listening" line, once it is logged.
    func port() throws -> Int {
        var found: Int?
        try waitUntil("the collector logs where it listens", timeout: 60) {
            guard process.isRunning else { return true }
            found = log.split(separator: "\n").first { $0.contains("msg=listening") }
                .flatMap { $0.split(separator: " ").first { $0.hasPrefix("address=") } }
                .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
            return found != nil
        }
        return try XCTUnwrap(found, "not listening; log:\n\(log)")
    }

    func signal(_ number: Int32) { child.signal(number) }
}

final class ServeCommandTests: XCTestCase {
    private let collector = builtProductsDirectory() + "/tracehound-collector"
    private let first = "first-token-0123456789abcdef"
    private let second = "second-token-0123456789abcdef"

    private func writeConfig(_ directory: TemporaryDirectory, tokenFile: String) throws -> String {
        try directory.write(
            "collector.yaml",
            """
            listen: 127.0.0.1:0
            store: sqlite://\(directory.file("store/segments.db"))
            token_file: \(tokenFile)
            threads: 2
            feed: {max_wait: 5s}
            """
        )
    }

    private func status(_ url: String, token: String) throws -> String {
        try runCommand(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", url],
            check: true
        ).stdoutText
    }

    func testServeAnswersHealthzReloadsTokensOnSIGHUPAndExitsZeroOnSIGTERM() throws {
        let directory = try TemporaryDirectory()
        let tokens = try directory.write("tokens", "\(first)\n")
        chmod(tokens, 0o600)
        let served = try ServedCollector(
            config: try writeConfig(directory, tokenFile: tokens),
            logPath: directory.file("log")
        )
        let base = "http://127.0.0.1:\(try served.port())"

        let health = try runCommand(["curl", "-fsS", base + "/healthz"], check: true)
        XCTAssertEqual(health.stdoutText, "ok\n")
        XCTAssertEqual(try status(base + "/v1/stats", token: first), "200")
        XCTAssertEqual(try status(base + "/v1/stats", token: second), "401")
        XCTAssertFalse(served.log.contains("readable by its group"), served.log)

        try directory.write("tokens", "\(second)\n")
        served.signal(SIGHUP)
        try waitUntil("the tokens are reloaded", timeout: 30) { served.log.contains("msg=\"tokens reloaded\"") }
        XCTAssertEqual(try status(base + "/v1/stats", token: second), "200")
        XCTAssertEqual(try status(base + "/v1/stats", token: first), "401")

        // A broken file keeps the tokens in force.
        try directory.write("tokens", "\(first) host extra-word\n")
        served.signal(SIGHUP)
        try waitUntil("the reload is refused", timeout: 30) { served.log.contains("tokens not reloaded") }
        XCTAssertTrue(served.log.contains("found 3 words"), served.log)
        XCTAssertEqual(try status(base + "/v1/stats", token: second), "200")

        served.signal(SIGTERM)
        served.process.waitUntilExit()
        XCTAssertEqual(served.process.terminationStatus, 0, served.log)
        XCTAssertTrue(served.log.contains("msg=stopped"), served.log)
    }

    func testServeRefusesToStartWithoutCredentialsItCanUse() throws {
        let directory = try TemporaryDirectory()
        let open = try directory.write("open.yaml", "listen: 127.0.0.1:0\ntoken_file: none\n")
        for command in ["serve", "check"] {
            let result = try runCommand([collector, command, "--config", open])
            XCTAssertEqual(result.status, 1, command)
            XCTAssertTrue(
                result.stderrText.contains("\(open):2:13: token_file: with token_file: none and no tls.client_ca_file"),
                result.stderrText
            )
        }

        let missing = try writeConfig(directory, tokenFile: directory.file("absent-tokens"))
        let result = try runCommand([collector, "serve", "--config", missing, "--log-format", "logfmt"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderrText.contains("cannot read the token file"), result.stderrText)

        let readable = try directory.write("tokens", "\(first)\n")
        chmod(readable, 0o644)
        let warned = try ServedCollector(
            config: try writeConfig(directory, tokenFile: readable),
            logPath: directory.file("log")
        )
        _ = try warned.port()
        XCTAssertTrue(warned.log.contains("is readable by its group or others (mode 644)"), warned.log)
        warned.signal(SIGINT)
        warned.process.waitUntilExit()
        XCTAssertEqual(warned.process.terminationStatus, 0, warned.log)
    }
}
