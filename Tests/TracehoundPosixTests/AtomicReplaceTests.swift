import Glibc
import TracehoundPosix
import TracehoundTestKit
import XCTest

final class AtomicReplaceTests: XCTestCase {
    func testReplacesContentsWholeAndLeavesNoTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("checkpoint")
        try FileSystem.atomicReplace(path, with: Array("first".utf8))
        try FileSystem.atomicReplace(path, with: Array("second, longer".utf8))
        XCTAssertEqual(try FileSystem.readAll(path), Array("second, longer".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["checkpoint"])
        XCTAssertEqual(try FileStatus.of(path).permissions, 0o600)
    }

    func testAFailedReplaceKeepsTheOldFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("checkpoint")
        try FileSystem.atomicReplace(path, with: Array("old".utf8))
        // A directory where the temp file would go makes the write fail before the rename.
        try FileSystem.makeDirectory(path + ".tmp")
        XCTAssertThrowsError(try FileSystem.atomicReplace(path, with: Array("new".utf8))) { error in
            XCTAssertEqual((error as? Errno)?.code, EISDIR)
        }
        XCTAssertEqual(try FileSystem.readAll(path), Array("old".utf8))
    }

    func testParentDirectoryOfPaths() {
        XCTAssertEqual(FileSystem.parentDirectory(of: "/var/lib/x"), "/var/lib")
        XCTAssertEqual(FileSystem.parentDirectory(of: "/x"), "/")
        XCTAssertEqual(FileSystem.parentDirectory(of: "x"), ".")
    }
}
