// Shared helpers for tests: run a real command (lz4, initdb, systemd-journal-remote, the built executables).
import Foundation

/// What a finished command left behind.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

public struct CommandFailed: Error, CustomStringConvertible {
    public var command: [String]
    public var result: CommandResult
    public var description: String {
        "\(command.joined(separator: " ")) exited \(result.status): \(result.stderrText)"
    }
}

/// Finds `name` on PATH or in the usual system folders (tests run with a minimal PATH under CI).
public func findExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders =
        path.split(separator: ":").map(String.init) + [
            "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/lib/systemd", "/usr/lib/systemd",
        ]
    for folder in folders {
        let candidate = (folder as NSString).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs `arguments` to completion, feeding `input` to its stdin, and collects its output.
/// Output is drained on background threads so a chatty child never blocks on a full pipe.
@discardableResult
public func runCommand(
    _ arguments: [String],
    input: Data? = nil,
    environment: [String: String]? = nil,
    directory: String? = nil,
    check: Bool = false
) throws -> CommandResult {
    guard let executable = findExecutable(arguments[0]) else {
        throw CommandFailed(
            command: arguments,
            result: CommandResult(status: 127, stdout: Data(), stderr: Data("not found: \(arguments[0])".utf8))
        )
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = Array(arguments.dropFirst())
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    let stdinPipe = Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    process.standardInput = stdinPipe
    try process.run()

    let collected = CollectedOutput()
    let group = DispatchGroup()
    for (pipe, isStdout) in [(stdoutPipe, true), (stderrPipe, false)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(data, stdout: isStdout)
            group.leave()
        }
    }
    if let input { stdinPipe.fileHandleForWriting.write(input) }
    try? stdinPipe.fileHandleForWriting.close()
    process.waitUntilExit()
    group.wait()
    let result = CommandResult(status: process.terminationStatus, stdout: collected.stdout, stderr: collected.stderr)
    if check && result.status != 0 { throw CommandFailed(command: arguments, result: result) }
    return result
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    func set(_ data: Data, stdout: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if stdout { out = data } else { err = data }
    }
    var stdout: Data { lock.withLock { out } }
    var stderr: Data { lock.withLock { err } }
}

/// The folder holding the built products (`.build/debug`), found from the test bundle's location.
public func builtProductsDirectory() -> String {
    var url = Bundle.main.bundleURL
    // swift-corelibs-xctest: the bundle is .build/<triple>/debug/<Package>PackageTests.xctest
    while url.path != "/" {
        if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("tracehound").path) {
            return url.path
        }
        url.deleteLastPathComponent()
    }
    return Bundle.main.bundleURL.deletingLastPathComponent().path
}
