// Back-pressure and the dedicated thread: a paused source reads nothing and loses nothing; `run` on its own thread
// stops promptly when asked from another thread.
import Foundation
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailBackPressureTests: XCTestCase {
    func testAPausedSourceReadsNothingUntilResumed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("p.log")
        try append(path, "one\n")
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first line") { $0.live(path)?.lines == ["one"] }

        harness.source.control.pause()
        try append(path, "two\n")
        // Polling while paused for a while must not read the new line.
        let until = Date().addingTimeInterval(0.3)
        try harness.wait("polling while paused") { _ in Date() > until }
        XCTAssertEqual(harness.recorder.live(path)?.lines, ["one"])
        harness.source.control.resume()
        try harness.wait("the line held back") { $0.live(path)?.lines == ["one", "two"] }
    }

    func testRunOnItsOwnThreadDeliversLinesAndStopsWhenAsked() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.log")
        try append(path, "one\n")
        let received = Locked<[UInt8]>([])
        let control = Locked<FileSourceControl?>(nil)
        let finished = Locked(false)
        let config = tailConfig([path])
        let thread = Thread {
            do {
                let source = try FileSource(config: config)
                control.withLock { $0 = source.control }
                try source.run { output in
                    if case .chunk(let chunk) = output { received.withLock { $0.append(contentsOf: chunk.bytes) } }
                }
            } catch {
                XCTFail("the source failed: \(error)")
            }
            finished.withLock { $0 = true }
        }
        thread.start()
        try waitUntil("the first line", timeout: 20) { received.withLock { $0 } == Array("one\n".utf8) }
        try append(path, "two\n")
        try waitUntil("the second line", timeout: 20) { received.withLock { $0 } == Array("one\ntwo\n".utf8) }
        let sourceControl = try XCTUnwrap(control.withLock { $0 })
        sourceControl.stop()
        // run polls with a one-second timeout; the wake-up pipe must end it well before that.
        let stopAsked = Date()
        try waitUntil("the thread to finish", timeout: 20) { finished.withLock { $0 } }
        XCTAssertLessThan(Date().timeIntervalSince(stopAsked), 0.9)
    }
}

/// A value shared between the test and the source's thread.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
