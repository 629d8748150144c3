// Discovery with inotify: files and nested folders appearing while the source runs, excludes, a root that does not
// exist yet, and the rescan that follows an overflowed event queue.
import Foundation
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class DiscoveryWatchTests: XCTestCase {
    func testFilesInNestedFoldersCreatedWhileRunningAreReadFromTheirStart() throws {
        let directory = try TemporaryDirectory()
        try FileSystem.makeDirectory(directory.file("sessions"))
        let harness = try TailHarness(tailConfig([directory.file("sessions/**/*.jsonl")]))
        try harness.pump()
        XCTAssertTrue(harness.recorder.streams.isEmpty)

        // Codex's YYYY/MM/DD: the folders and the first file appear faster than a watch can be added.
        let day = directory.file("sessions/2026/05/01")
        try FileSystem.makeDirectories(day)
        try append(day + "/rollout-a.jsonl", "a1\na2\n")
        try append(directory.file("sessions/2026/top.jsonl"), "t1\n")
        try harness.wait("files in the new folders") { recorder in
            recorder.live(day + "/rollout-a.jsonl")?.lines == ["a1", "a2"]
                && recorder.live(directory.file("sessions/2026/top.jsonl"))?.lines == ["t1"]
        }
        // The new folders are watched: a later file and later lines are seen too.
        try append(day + "/rollout-b.jsonl", "b1\n")
        try append(day + "/rollout-a.jsonl", "a3\n")
        try harness.wait("a second file and an appended line") { recorder in
            recorder.live(day + "/rollout-b.jsonl")?.lines == ["b1"]
                && recorder.live(day + "/rollout-a.jsonl")?.lines == ["a1", "a2", "a3"]
        }
        XCTAssertNil(harness.recorder.live(directory.file("sessions/2026/05/01")), "folders are not streams")
    }

    func testExcludedAndNonMatchingFilesAreNotTailed() throws {
        let directory = try TemporaryDirectory()
        try append(directory.file("keep.jsonl"), "k\n")
        try append(directory.file("skip.tmp.jsonl"), "s\n")
        try append(directory.file("other.txt"), "o\n")
        let harness = try TailHarness(tailConfig([directory.file("*.jsonl")], exclude: ["*.tmp.jsonl"]))
        try harness.wait("the included file") { $0.live(directory.file("keep.jsonl"))?.lines == ["k"] }
        try append(directory.file("late.tmp.jsonl"), "l\n")
        try append(directory.file("late.jsonl"), "l\n")
        try harness.wait("the later included file") { $0.live(directory.file("late.jsonl"))?.lines == ["l"] }
        XCTAssertEqual(
            Set(harness.recorder.streams.values.map(\.path)),
            [
                directory.file("keep.jsonl"), directory.file("late.jsonl"),
            ]
        )
    }

    func testARootFolderCreatedAfterStartIsWatchedFromItsParent() throws {
        let directory = try TemporaryDirectory()
        let harness = try TailHarness(tailConfig([directory.file("agent/logs/*.log")]))
        try harness.pump()
        try FileSystem.makeDirectories(directory.file("agent/logs"))
        try append(directory.file("agent/logs/run.log"), "hello\n")
        try harness.wait("the file under the new root") {
            $0.live(directory.file("agent/logs/run.log"))?.lines == ["hello"]
        }
    }

    func testAFolderMovedIntoPlaceIsWalked() throws {
        let directory = try TemporaryDirectory()
        try FileSystem.makeDirectory(directory.file("projects"))
        let harness = try TailHarness(tailConfig([directory.file("projects/*/*.jsonl")]))
        try harness.pump()
        try FileSystem.makeDirectory(directory.file("staging"))
        try append(directory.file("staging/s.jsonl"), "moved in\n")
        try FileSystem.rename(directory.file("staging"), to: directory.file("projects/p1"))
        try harness.wait("the file of the moved folder") {
            $0.live(directory.file("projects/p1/s.jsonl"))?.lines == ["moved in"]
        }
    }

    func testAnOverflowedEventQueueIsFollowedByARescanThatFindsWhatWasMissed() throws {
        let directory = try TemporaryDirectory()
        try append(directory.file("a.log"), "")
        try append(directory.file("b.log"), "")
        let harness = try TailHarness(tailConfig([directory.file("*.log")]))
        try harness.wait("both files") { $0.streams.count == 2 }

        // More events than the kernel queues (fs.inotify.max_queued_events, 16384 by default) while nobody reads;
        // alternating files so the kernel cannot merge them.
        let limit =
            (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 16384
        try XCTSkipIf(limit > 200_000, "max_queued_events is \(limit): too many writes to overflow it here")
        let a = try FileDescriptor.open(directory.file("a.log"), [.writeOnly, .append])
        let b = try FileDescriptor.open(directory.file("b.log"), [.writeOnly, .append])
        defer {
            try? a.close()
            try? b.close()
        }
        for _ in 0..<(limit / 2 + 100) {
            try a.writeAll(Array("x\n".utf8))
            try b.writeAll(Array("y\n".utf8))
        }
        try append(directory.file("c.log"), "lost in the overflow\n")
        try harness.wait("the overflow, the rescan and every byte") { recorder in
            recorder.events.contains("overflow")
                && recorder.live(directory.file("c.log"))?.lines == ["lost in the overflow"]
                && recorder.live(directory.file("a.log"))?.bytes.count == 2 * (limit / 2 + 100)
                && recorder.live(directory.file("b.log"))?.bytes.count == 2 * (limit / 2 + 100)
        }
    }
}
