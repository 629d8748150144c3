// Truncation in place, while running and while stopped: below the offset, rewritten past it (the offset marker), and
// the NUL runs a stale writer leaves after copytruncate.
import Foundation
import TracehoundCore
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailTruncationTests: XCTestCase {
    func testTruncationBelowTheOffsetWhileRunningStartsANewStreamAtZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.log")
        try append(path, numberedLines("old", 0..<10))
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first lines") { $0.live(path)?.lines.count == 10 }
        let first = try XCTUnwrap(harness.recorder.live(path))
        let file = try FileDescriptor.open(path, .writeOnly)
        try file.resize(to: 0)
        try file.close()
        try append(path, "new\n")
        try harness.wait("the new stream") { $0.live(path)?.lines == ["new"] }
        XCTAssertEqual(harness.recorder.streams[first.info.id]?.ended, .truncated)
        XCTAssertEqual(harness.recorder.events.filter { $0.hasPrefix("truncated") }.count, 1)
    }

    func testARewriteThatGrowsPastTheOffsetIsNoticedByTheBytesBeforeIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.log")
        try append(path, numberedLines("old", 0..<10))
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first lines") { $0.live(path)?.lines.count == 10 }
        let first = try XCTUnwrap(harness.recorder.live(path))
        // Truncated and rewritten, longer than before, between two polls: the size alone cannot tell.
        try rewrite(path, numberedLines("rewritten", 0..<20))
        XCTAssertEqual(try FileStatus.of(path).inode, first.info.inode)
        try harness.wait("the rewritten file from 0") { $0.live(path)?.lines.count == 20 }
        XCTAssertEqual(harness.recorder.live(path)?.lines, (0..<20).map { "rewritten-\($0)" })
        XCTAssertEqual(harness.recorder.streams[first.info.id]?.ended, .truncated)
    }

    func testNulRunsLeftByAStaleWriterAfterCopytruncateAreSkippedAndCounted() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        // A writer without O_APPEND keeps its offset after the truncation and leaves a hole of NULs behind it.
        let writer = try FileDescriptor.open(path, [.writeOnly, .create], mode: 0o644)
        defer { try? writer.close() }
        let before = numberedLines("before", 0..<30)
        try writer.writeAll(Array(before.utf8))
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first lines") { $0.live(path)?.lines.count == 30 }
        let first = try XCTUnwrap(harness.recorder.live(path))

        try logrotate(path, mode: "copytruncate", in: directory)
        try writer.writeAll(Array("after-0\nafter-1\n".utf8))
        XCTAssertEqual(try FileStatus.of(path).size, Int64(before.utf8.count + 16))
        try harness.wait("the lines after the hole") { $0.live(path)?.lines == ["after-0", "after-1"] }
        let recorder = harness.recorder
        let new = try XCTUnwrap(recorder.live(path))
        XCTAssertNotEqual(new.info.id, first.info.id)
        XCTAssertFalse(new.bytes.contains(0), "no NUL byte is handed out")
        XCTAssertEqual(recorder.skippedNul, Int64(before.utf8.count))
        XCTAssertEqual(harness.source.skippedNulBytes, Int64(before.utf8.count))
        XCTAssertEqual(new.gaps.count, 1)
        XCTAssertEqual(new.gaps.first?.1, Int64(before.utf8.count), "chunk offsets stay file offsets")
    }

    func testNulBytesInsideALineAreData() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("n.log")
        try append(path, "a\u{0}b\n")
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the line") { $0.live(path)?.bytes == Array("a\u{0}b\n".utf8) }
        XCTAssertEqual(harness.recorder.skippedNul, 0)
    }

    func testTruncationWhileStoppedRestartsAtZeroUnderANewKey() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.log")
        try append(path, numberedLines("old", 0..<10))
        let checkpoint = try checkpointAfterReading(tailConfig([path]), path, lines: 10)

        let file = try FileDescriptor.open(path, .writeOnly)
        try file.resize(to: 0)
        try file.close()
        try append(path, "short\n")
        let second = try TailHarness(tailConfig([path]), checkpoints: [checkpoint])
        try second.wait("the file from 0") { $0.live(path)?.lines == ["short"] }
        XCTAssertEqual(second.recorder.live(path)?.info.resumed, false)
        XCTAssertNotEqual(second.recorder.live(path)?.info.key, checkpoint.key)
        XCTAssertEqual(second.recorder.discarded.count, 1)
    }

    func testARewriteWhileStoppedWithTheSameFirstLineRestartsAtZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.jsonl")
        let header = #"{"type":"session_meta"}"# + "\n"
        try append(path, header + "old body\n")
        let checkpoint = try checkpointAfterReading(tailConfig([path]), path, lines: 2)

        try rewrite(path, header + "a new body, longer than the old one\n")
        XCTAssertEqual(try FileStatus.of(path).inode, checkpoint.inode)
        let second = try TailHarness(tailConfig([path]), checkpoints: [checkpoint])
        try second.wait("the file from 0") { $0.live(path)?.lines.count == 2 }
        XCTAssertEqual(second.recorder.live(path)?.lines.last, "a new body, longer than the old one")
        XCTAssertEqual(second.recorder.discarded.count, 1)
    }
}
