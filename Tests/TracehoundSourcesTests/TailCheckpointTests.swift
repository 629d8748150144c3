// Checkpoints: what a source produces for a durable offset, and how a new source (the daemon restarted) resumes from
// them: at the saved offset, after renames and several logrotate rotations while stopped, never resending a file.
import Foundation
import TracehoundCore
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailCheckpointTests: XCTestCase {
    func testAResumedFileStartsAtItsCheckpointUnderTheSameKey() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("c.log")
        try append(path, "one\ntwo\nthree\n")
        let first = try TailHarness(tailConfig([path]))
        try first.wait("the lines") { $0.live(path)?.lines.count == 3 }
        // The consumer says only "one\ntwo\n" is durable.
        let stream = try XCTUnwrap(first.recorder.live(path))
        let checkpoint = try XCTUnwrap(first.source.checkpoint(for: stream.info.id, offset: 8))
        XCTAssertEqual(checkpoint.key, stream.info.key)
        XCTAssertEqual(checkpoint.offset, 8)
        XCTAssertEqual(checkpoint.inode, stream.info.inode)
        XCTAssertFalse(checkpoint.marker.isEmpty)
        XCTAssertNil(first.source.checkpoint(for: stream.info.id, offset: 100), "not beyond what was read")

        try append(path, "four\n")
        let second = try TailHarness(tailConfig([path]), checkpoints: [checkpoint])
        try second.wait("the lines after the checkpoint") { $0.live(path)?.lines == ["three", "four"] }
        let resumed = try XCTUnwrap(second.recorder.live(path))
        XCTAssertTrue(resumed.info.resumed)
        XCTAssertEqual(resumed.info.key, checkpoint.key)
        XCTAssertEqual(resumed.info.startOffset, 8)
    }

    func testAFileRenamedWhileStoppedResumesUnderItsKey() throws {
        let directory = try TemporaryDirectory()
        let before = directory.file("a.jsonl")
        try append(before, "one\n")
        let checkpoint = try checkpointAfterReading(tailConfig([directory.file("*.jsonl")]), before, lines: 1)

        let after = directory.file("b.jsonl")
        try FileSystem.rename(before, to: after)
        try append(after, "two\n")
        let second = try TailHarness(tailConfig([directory.file("*.jsonl")]), checkpoints: [checkpoint])
        try second.wait("the new line") { $0.live(after)?.lines == ["two"] }
        XCTAssertEqual(second.recorder.live(after)?.info.key, checkpoint.key)
    }

    func testSeveralLogrotateRotationsWhileStoppedResumeTheRenamedFileAtItsSavedOffset() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        let include = [directory.file("app.log*")]
        try append(path, numberedLines("a", 0..<10))
        let checkpoint = try checkpointAfterReading(tailConfig(include), path, lines: 10)

        // While stopped: more lines, a rotation, a new file, another rotation, another new file.
        try append(path, numberedLines("a", 10..<15))
        try logrotate(path, mode: "create", in: directory)
        try append(path, numberedLines("b", 0..<7))
        try logrotate(path, mode: "create", in: directory)
        try append(path, numberedLines("c", 0..<3))

        let second = try TailHarness(tailConfig(include), checkpoints: [checkpoint])
        try second.wait("three files") { recorder in
            recorder.live(path + ".2")?.lines.count == 5 && recorder.live(path + ".1")?.lines.count == 7
                && recorder.live(path)?.lines.count == 3
        }
        let recorder = second.recorder
        let resumed = try XCTUnwrap(recorder.live(path + ".2"))
        XCTAssertTrue(resumed.info.resumed)
        XCTAssertEqual(resumed.info.startOffset, checkpoint.offset)
        XCTAssertEqual(resumed.info.key, checkpoint.key)
        XCTAssertEqual(
            recorder.allLines.sorted(),
            ((10..<15).map { "a-\($0)" } + (0..<7).map { "b-\($0)" } + (0..<3).map { "c-\($0)" }).sorted(),
            "every line after the checkpoint once, nothing before it"
        )
    }

    func testAFileRotatedOutOfThePatternsWhileStoppedIsDrainedFromItsCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        try append(path, numberedLines("a", 0..<10))
        let checkpoint = try checkpointAfterReading(tailConfig([path]), path, lines: 10)

        try append(path, numberedLines("a", 10..<12))
        try logrotate(path, mode: "create", in: directory)
        try append(path, numberedLines("b", 0..<2))

        let second = try TailHarness(tailConfig([path]), checkpoints: [checkpoint])
        try second.wait("the rotated file drained and released, the new one read") { recorder in
            recorder.streams(at: path + ".1").first?.ended == .rotated && recorder.live(path)?.lines.count == 2
        }
        let drained = try XCTUnwrap(second.recorder.streams(at: path + ".1").first)
        XCTAssertEqual(drained.lines, ["a-10", "a-11"])
        XCTAssertEqual(drained.info.key, checkpoint.key)
        XCTAssertEqual(second.recorder.live(path)?.lines, ["b-0", "b-1"])
    }

    func testAnotherSourcesCheckpointIsNeverResumed() throws {
        // Two sources share a folder with different patterns; the daemon hands every checkpoint to every source.
        let directory = try TemporaryDirectory()
        let codex = directory.file("session.codex")
        try append(codex, numberedLines("a", 0..<3))
        var codexConfig = tailConfig([directory.file("*.codex")])
        codexConfig.name = "codex"
        let checkpoint = try checkpointAfterReading(codexConfig, codex, lines: 3)
        XCTAssertEqual(checkpoint.source, "codex")

        try append(codex, numberedLines("a", 3..<5))
        var claudeConfig = tailConfig([directory.file("*.claude")])
        claudeConfig.name = "claude"
        let claude = directory.file("session.claude")
        try append(claude, "c-0\n")
        let other = try TailHarness(claudeConfig, checkpoints: [checkpoint])
        try other.wait("its own file") { $0.live(claude)?.lines == ["c-0"] }
        XCTAssertTrue(other.recorder.streams(at: codex).isEmpty, "the claude source must not drain the codex file")

        let own = try TailHarness(codexConfig, checkpoints: [checkpoint])
        try own.wait("the lines after the checkpoint") { $0.live(codex)?.lines == ["a-3", "a-4"] }
    }

    func testTheFinalCheckpointOfARotatedStreamOutlivesItsEnd() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        try append(path, "x\n")
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the line") { $0.live(path)?.lines == ["x"] }
        let stream = try XCTUnwrap(harness.recorder.live(path)).info.id
        try logrotate(path, mode: "create", in: directory)
        try harness.wait("the rotated stream's end") { $0.streams[stream]?.ended == .rotated }
        let final = try XCTUnwrap(harness.source.checkpoint(for: stream, offset: 2))
        XCTAssertEqual(final.path, path + ".1")
        XCTAssertNil(harness.source.checkpoint(for: stream, offset: 1), "only the final offset is kept")
    }
}
