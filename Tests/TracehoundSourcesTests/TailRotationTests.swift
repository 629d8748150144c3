// Rotation while running, with the real logrotate: create mode (rename, then a new file), copytruncate, and
// rotated names that the include patterns still match.
import Foundation
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailRotationTests: XCTestCase {
    func testLogrotateCreateModeDrainsTheOldFileThenReadsTheNewOneFromZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        try append(path, numberedLines("old", 0..<100))
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first lines") { $0.live(path)?.lines.count == 100 }
        let first = try XCTUnwrap(harness.recorder.live(path))

        // Unread lines at the moment of rotation: the old file must be drained, not dropped.
        harness.source.control.pause()
        try append(path, numberedLines("old", 100..<200))
        try logrotate(path, mode: "create", in: directory)
        try append(path, numberedLines("new", 0..<50))
        try harness.wait("the new file, seen while paused") { $0.streams.count == 2 }
        harness.source.control.resume()
        try harness.wait("the old file drained and released, the new one read") { recorder in
            recorder.streams[first.info.id]?.ended == .rotated && recorder.live(path)?.lines.count == 50
        }
        let recorder = harness.recorder
        let old = try XCTUnwrap(recorder.streams[first.info.id])
        XCTAssertEqual(old.lines, (0..<200).map { "old-\($0)" })
        XCTAssertEqual(old.path, path + ".1")
        let new = try XCTUnwrap(recorder.live(path))
        XCTAssertEqual(new.info.startOffset, 0)
        XCTAssertEqual(new.lines, (0..<50).map { "new-\($0)" })
        XCTAssertNotEqual(new.info.key, old.info.key)
        let lastOld = try XCTUnwrap(recorder.log.lastIndex(of: "chunk \(old.info.id.rawValue)"))
        let firstNew = try XCTUnwrap(recorder.log.firstIndex(of: "chunk \(new.info.id.rawValue)"))
        XCTAssertLessThan(lastOld, firstNew, "the old file is drained before the new one is read")
        XCTAssertTrue(recorder.events.contains("rotated \(path).1"))
    }

    func testLogrotateCopytruncateStartsTheSameFileOverAtZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        try append(path, numberedLines("before", 0..<20))
        let harness = try TailHarness(tailConfig([path]))
        try harness.wait("the first lines") { $0.live(path)?.lines.count == 20 }
        let first = try XCTUnwrap(harness.recorder.live(path))

        try logrotate(path, mode: "copytruncate", in: directory)
        try append(path, numberedLines("after", 0..<5))
        try harness.wait("the old stream truncated, the new one read from 0") { recorder in
            recorder.streams[first.info.id]?.ended == .truncated && recorder.live(path)?.lines.count == 5
        }
        let new = try XCTUnwrap(harness.recorder.live(path))
        XCTAssertEqual(new.lines, (0..<5).map { "after-\($0)" })
        XCTAssertEqual(new.info.startOffset, 0)
        XCTAssertEqual(new.info.inode, first.info.inode, "copytruncate keeps the inode")
        XCTAssertNotEqual(new.info.key, first.info.key, "a truncated file is a new stream")
        XCTAssertEqual(harness.recorder.streams.count, 2, "the copy (app.log.1) is not tailed")
    }

    func testRotatedNamesInsideThePatternsAreRenamesAndEveryLineArrivesOnce() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.log")
        try append(path, numberedLines("a", 0..<10))
        let harness = try TailHarness(tailConfig([directory.file("app.log*")]))
        try harness.wait("the first lines") { $0.live(path)?.lines.count == 10 }
        try logrotate(path, mode: "create", in: directory)
        try append(path, numberedLines("b", 0..<10))
        try harness.wait("the second file") { $0.live(path)?.lines.count == 10 }
        try logrotate(path, mode: "create", in: directory)
        try append(path, numberedLines("c", 0..<10))
        try harness.wait("the third file") { $0.live(path)?.lines.count == 10 && $0.streams.count == 3 }
        let recorder = harness.recorder
        XCTAssertEqual(
            recorder.allLines,
            (0..<10).map { "a-\($0)" } + (0..<10).map { "b-\($0)" } + (0..<10).map { "c-\($0)" }
        )
        XCTAssertEqual(recorder.streams(at: path + ".2").first?.lines.first, "a-0")
        XCTAssertEqual(recorder.streams(at: path + ".1").first?.lines.first, "b-0")
        XCTAssertTrue(recorder.streams.values.allSatisfy { $0.ended == nil })
    }
}
