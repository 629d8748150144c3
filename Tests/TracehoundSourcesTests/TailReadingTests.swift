// Tailing one file at a time: appends, chunk offsets, start_at, partial lines, and file identity for empty, tiny
// and identical-header files.
import Foundation
import TracehoundCore
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailReadingTests: XCTestCase {
    func testAppendedLinesArriveInOrderWithFileOffsets() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.jsonl")
        try append(path, "one\ntwo\n")
        let harness = try TailHarness(tailConfig([directory.file("*.jsonl")]))
        try harness.wait("the first lines") { $0.live(path)?.lines == ["one", "two"] }
        for round in 0..<5 {
            try append(path, "more-\(round)\n")
        }
        try harness.wait("the appended lines") { $0.live(path)?.lines.count == 7 }
        let stream = try XCTUnwrap(harness.recorder.live(path))
        XCTAssertEqual(stream.lines, ["one", "two", "more-0", "more-1", "more-2", "more-3", "more-4"])
        XCTAssertEqual(stream.info.startOffset, 0)
        XCTAssertEqual(stream.nextOffset, Int64(stream.bytes.count), "chunk offsets are file offsets, without gaps")
        XCTAssertTrue(stream.gaps.isEmpty)
    }

    func testAFileLargerThanTheReadBufferComesInSeveralChunks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("big.jsonl")
        let text = numberedLines("line", 0..<100_000)  // about 1.1 MB
        try append(path, text)
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the whole file") { $0.live(path)?.bytes.count == text.utf8.count }
        XCTAssertEqual(harness.recorder.live(path)?.text, text)
        XCTAssertGreaterThan(harness.recorder.log.filter { $0.hasPrefix("chunk") }.count, 2)
    }

    func testStartAtEndSkipsExistingContentButReadsNewFilesFromTheirStart() throws {
        let directory = try TemporaryDirectory()
        let old = directory.file("old.log")
        try append(old, "before start\n")
        let harness = try TailHarness(tailConfig([directory.file("*.log")], startAt: .end))
        try harness.wait("the existing file") { $0.live(old) != nil }
        XCTAssertEqual(harness.recorder.live(old)?.info.startOffset, Int64("before start\n".utf8.count))
        try append(old, "after start\n")
        let new = directory.file("new.log")
        try append(new, "first line of a new file\n")
        try harness.wait("new lines of both files") { recorder in
            recorder.live(old)?.lines == ["after start"] && recorder.live(new)?.lines == ["first line of a new file"]
        }
    }

    func testAPartialLastLineIsSignalledForFlushAfterTheTimeoutOnce() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("p.log")
        let harness = try TailHarness(tailConfig([path], partialFlush: .milliseconds(150)))
        try append(path, "complete\nno newline yet")
        try harness.wait("the partial line and its flush signal") { $0.live(path)?.partialFlushes == 1 }
        XCTAssertEqual(harness.recorder.live(path)?.text, "complete\nno newline yet")
        try append(path, " ... done\n")
        try harness.wait("the rest of the line") { $0.live(path)?.text.hasSuffix("done\n") == true }
        // A complete last line is never signalled: keep polling past the timeout and look.
        let quietUntil = Date().addingTimeInterval(0.4)
        try harness.wait("polling past the flush timeout") { _ in Date() > quietUntil }
        XCTAssertEqual(harness.recorder.live(path)?.partialFlushes, 1)
    }

    func testEmptyTinyAndIdenticalHeaderFilesAreDistinctStreams() throws {
        let directory = try TemporaryDirectory()
        let header = #"{"type":"session_meta","payload":{"cli_version":"0.1"}}"# + "\n"
        for name in ["h1", "h2", "h3"] { try append(directory.file("\(name).jsonl"), header) }
        try append(directory.file("empty1.jsonl"), "")
        try append(directory.file("empty2.jsonl"), "")
        try append(directory.file("tiny.jsonl"), "x")
        let harness = try TailHarness(tailConfig([directory.file("*.jsonl")]))
        try harness.wait("six streams") { $0.streams.count == 6 }
        try append(directory.file("h2.jsonl"), "only h2\n")
        try append(directory.file("empty2.jsonl"), "only empty2\n")
        try harness.wait("the appended lines") { recorder in
            recorder.live(directory.file("h2.jsonl"))?.lines.last == "only h2"
                && recorder.live(directory.file("empty2.jsonl"))?.lines == ["only empty2"]
        }
        let recorder = harness.recorder
        XCTAssertEqual(Set(recorder.streams.values.map(\.info.key)).count, 6, "six files, six keys")
        XCTAssertEqual(recorder.live(directory.file("h1.jsonl"))?.lines, [String(header.dropLast())])
        XCTAssertEqual(recorder.live(directory.file("h3.jsonl"))?.lines.count, 1)
        XCTAssertEqual(recorder.live(directory.file("empty1.jsonl"))?.bytes, [])
        XCTAssertEqual(recorder.live(directory.file("tiny.jsonl"))?.text, "x")

        // After a restart each one resumes its own offset: identical headers do not mix them up.
        let checkpoints = try ["h1", "h2", "h3", "empty1", "empty2", "tiny"].map {
            try harness.checkpointAtEnd(of: directory.file("\($0).jsonl"))
        }
        let restarted = try TailHarness(tailConfig([directory.file("*.jsonl")]), checkpoints: checkpoints)
        try append(directory.file("h3.jsonl"), "after restart\n")
        try restarted.wait("the line after the restart") {
            $0.live(directory.file("h3.jsonl"))?.lines == ["after restart"]
        }
        for checkpoint in checkpoints {
            let stream = try XCTUnwrap(restarted.recorder.live(checkpoint.path))
            XCTAssertEqual(stream.info.key, checkpoint.key)
            XCTAssertTrue(stream.info.resumed)
            XCTAssertEqual(stream.info.startOffset, checkpoint.offset)
        }
        XCTAssertEqual(restarted.recorder.allLines, ["after restart"], "nothing is read twice")
    }

    func testARenameInsideThePatternsKeepsTheStream() throws {
        let directory = try TemporaryDirectory()
        let before = directory.file("a.jsonl")
        let after = directory.file("b.jsonl")
        try append(before, "first\n")
        let harness = try TailHarness(tailConfig([directory.file("*.jsonl")]))
        try harness.wait("the first line") { $0.live(before)?.lines == ["first"] }
        try FileSystem.rename(before, to: after)
        try append(after, "second\n")
        try harness.wait("the line after the rename") { $0.live(after)?.lines == ["first", "second"] }
        XCTAssertEqual(harness.recorder.streams.count, 1)
        XCTAssertTrue(harness.recorder.log.contains { $0.hasPrefix("renamed") })
    }
}
