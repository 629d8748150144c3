// A long-running child for tests (a collector, a daemon): stderr goes to a log file that survives restarts, so a
// failing test can show its tail; killed with SIGKILL if the test forgets it.
import Foundation

public final class BackgroundProcess {
    public let process = Process()
    /// The file stderr is appended to.
    public let logPath: String

    public init(_ executable: String, _ arguments: [String], log: String, environment: [String: String]? = nil) throws {
        logPath = log
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = FileHandle.nullDevice
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardError = handle
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// What the child logged so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func logTail(_ characters: Int = 4000) -> String { String(log.suffix(characters)) }

    public func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Sends `number` and waits for the exit; returns the exit status (or the signal number when killed).
    @discardableResult
    public func stop(_ number: Int32 = SIGTERM) -> Int32 {
        signal(number)
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
