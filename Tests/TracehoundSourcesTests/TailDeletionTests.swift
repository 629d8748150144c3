// Deletion: unread bytes are drained through the open descriptor before the stream ends, and a new file that reuses
// the deleted file's inode (while running or while stopped) is a new stream read from 0.
import Foundation
import TracehoundCore
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailDeletionTests: XCTestCase {
    func testADeletedFileWithUnreadBytesIsDrainedThenForgotten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.log")
        try append(path, "first\n")
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first line") { $0.live(path)?.lines == ["first"] }
        let stream = try XCTUnwrap(harness.recorder.live(path)).info.id

        harness.source.control.pause()
        let rest = numberedLines("unread", 0..<200_000)  // several MB: more than one poll reads
        try append(path, rest)
        try FileSystem.unlink(path)
        try harness.wait("the deletion, seen while paused") { $0.events.contains { $0.hasPrefix("deleted") } }
        XCTAssertEqual(harness.recorder.streams[stream]?.lines, ["first"])
        harness.source.control.resume()
        try harness.wait("every unread byte, then the end") { $0.streams[stream]?.ended == .deleted }
        XCTAssertEqual(harness.recorder.streams[stream]?.text, "first\n" + rest)
        XCTAssertEqual(harness.source.trackedFileCount, 0)
        XCTAssertEqual(harness.source.openDescriptorCount, 0)
    }

    func testDeleteAndRecreateReusingTheInodeWhileRunningIsANewFileFromZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("r.log")
        try append(path, "old-1\nold-2\n")
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the old lines") { $0.live(path)?.lines.count == 2 }
        let old = try XCTUnwrap(harness.recorder.live(path))
        try FileSystem.unlink(path)
        try harness.wait("the old stream's end") { $0.streams[old.info.id]?.ended == .deleted }

        try recreateReusingInode(old.info.inode, at: path, with: "new-1\n", in: directory)
        try harness.wait("the new file") { $0.live(path)?.lines == ["new-1"] }
        let new = try XCTUnwrap(harness.recorder.live(path))
        XCTAssertEqual(new.info.inode, old.info.inode)
        XCTAssertEqual(new.info.startOffset, 0)
        XCTAssertNotEqual(new.info.key, old.info.key, "a reused inode is a new stream")
    }

    func testAReusedInodeWithTheSameFirstLineWhileStoppedIsANewFileFromZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("r.jsonl")
        let header = #"{"type":"session_meta"}"# + "\n"
        try append(path, header + "old body\n")
        let checkpoint = try checkpointAfterReading(tailConfig([path]), path, lines: 2)

        try FileSystem.unlink(path)
        try recreateReusingInode(checkpoint.inode, at: path, with: header + "a different, longer body\n", in: directory)
        let second = try TailHarness(tailConfig([path]), checkpoints: [checkpoint])
        try second.wait("the new file from 0") { $0.live(path)?.lines.count == 2 }
        let new = try XCTUnwrap(second.recorder.live(path))
        XCTAssertEqual(new.lines, [String(header.dropLast()), "a different, longer body"])
        XCTAssertFalse(new.info.resumed)
        XCTAssertNotEqual(new.info.key, checkpoint.key)
        XCTAssertEqual(second.recorder.discarded.count, 1)
    }

    func testAFileReplacedByAFolderEndsItsStreamAndTheFolderIsNotTailed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("x.jsonl")
        try append(path, "one\n")
        let harness = try TailHarness(tailConfig([directory.file("*.jsonl")]))
        try harness.wait("the line") { $0.live(path)?.lines == ["one"] }
        let stream = try XCTUnwrap(harness.recorder.live(path)).info.id
        try FileSystem.unlink(path)
        try FileSystem.makeDirectory(path)
        try append(directory.file("y.jsonl"), "still going\n")
        try harness.wait("the end, and the next file") { recorder in
            recorder.streams[stream]?.ended == .deleted && recorder.live(directory.file("y.jsonl")) != nil
        }
        XCTAssertEqual(harness.recorder.streams.count, 2)
    }

    /// Creates files beside `path` until one gets `inode` (ext4 and tmpfs hand a freed inode out again soon), then
    /// renames it to `path`. Skips the test when the file system does not reuse it.
    private func recreateReusingInode(
        _ inode: UInt64,
        at path: String,
        with text: String,
        in directory: TemporaryDirectory
    )
        throws
    {
        var scratch: [String] = []
        defer { for name in scratch { try? FileSystem.unlink(name) } }
        for attempt in 0..<200 {
            let candidate = directory.file("candidate-\(attempt)")
            try append(candidate, text)
            if try FileStatus.of(candidate).inode == inode {
                try FileSystem.rename(candidate, to: path)
                return
            }
            scratch.append(candidate)
        }
        throw XCTSkip("this file system did not reuse inode \(inode) within 200 files")
    }
}
