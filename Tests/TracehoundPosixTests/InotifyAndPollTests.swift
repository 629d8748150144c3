import Glibc
import TracehoundPosix
import TracehoundTestKit
import XCTest

final class InotifyAndPollTests: XCTestCase {
    func testReportsCreateModifyAndRenameInAWatchedDirectory() throws {
        let directory = try TemporaryDirectory()
        let inotify = try Inotify()
        let watch = try inotify.addWatch(directory.path, mask: [.create, .modify, .movedFrom, .movedTo, .delete])
        XCTAssertTrue(try inotify.readEvents().isEmpty, "nothing happened yet, and the read does not block")

        let path = try directory.write("a.jsonl", "{}\n")
        try FileSystem.rename(path, to: directory.file("a.jsonl.1"))

        var events: [Inotify.Event] = []
        try waitUntil("create and rename events") {
            _ = try Poll.wait([(inotify.descriptor, .readable)], timeoutMilliseconds: 1000)
            events += try inotify.readEvents()
            return events.contains { $0.mask.contains(.movedTo) }
        }
        XCTAssertTrue(events.allSatisfy { $0.watch == watch })
        XCTAssertTrue(events.contains { $0.mask.contains(.create) && $0.name == "a.jsonl" })
        let from = try XCTUnwrap(events.first { $0.mask.contains(.movedFrom) })
        let to = try XCTUnwrap(events.first { $0.mask.contains(.movedTo) })
        XCTAssertEqual(from.name, "a.jsonl")
        XCTAssertEqual(to.name, "a.jsonl.1")
        XCTAssertEqual(from.cookie, to.cookie, "a rename's two halves share a cookie")
    }

    func testRemovingAWatchTheKernelDroppedIsNotAnError() throws {
        let directory = try TemporaryDirectory()
        let inotify = try Inotify()
        let path = try directory.write("f", "x")
        let watch = try inotify.addWatch(path, mask: [.deleteSelf])
        try FileSystem.unlink(path)
        try waitUntil("the watch is dropped") {
            _ = try Poll.wait([(inotify.descriptor, .readable)], timeoutMilliseconds: 1000)
            return try inotify.readEvents().contains { $0.mask.contains(.ignored) }
        }
        XCTAssertNoThrow(try inotify.removeWatch(watch))
    }

    func testPollTimesOutWithNothingReadyAndWakesOnTheWakeupPipe() throws {
        let pipe = try WakeupPipe()
        let idle = try Poll.wait([(pipe.readEnd, .readable)], timeoutMilliseconds: 10)
        XCTAssertEqual(idle, [[]])

        let waker = Thread { pipe.wake() }
        waker.start()
        var ready: [Poll.Events] = [[]]
        try waitUntil("the wake-up") {
            ready = try Poll.wait([(pipe.readEnd, .readable)], timeoutMilliseconds: 1000)
            return ready[0].contains(.readable)
        }
        pipe.drain()
        XCTAssertEqual(try Poll.wait([(pipe.readEnd, .readable)], timeoutMilliseconds: 0), [[]], "drained")
    }
}
