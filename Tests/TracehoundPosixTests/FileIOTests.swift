import Glibc
import TracehoundPosix
import TracehoundTestKit
import XCTest

final class FileIOTests: XCTestCase {
    func testWritesReadsAndPreadsTheSameBytes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("data")
        let file = try FileDescriptor.open(path, [.readWrite, .create, .truncate])
        defer { try? file.close() }
        let bytes = Array("hello, tracehound\n".utf8)
        try file.writeAll(bytes)
        try file.syncData()

        var buffer = [UInt8](repeating: 0, count: 5)
        let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 7) }
        XCTAssertEqual(count, 5)
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "trace")

        try file.seek(to: 0)
        var whole = [UInt8](repeating: 0, count: 64)
        let read = try whole.withUnsafeMutableBytes { try file.read(into: $0) }
        XCTAssertEqual(Array(whole[..<read]), bytes)
        let atEnd = try whole.withUnsafeMutableBytes { try file.read(into: $0) }
        XCTAssertEqual(atEnd, 0, "a read at end of file returns 0")
        XCTAssertEqual(try file.status().size, Int64(bytes.count))
    }

    func testStatusTellsFilesFromDirectoriesAndKeepsTheInode() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("f", "x")
        let status = try FileStatus.of(path)
        XCTAssertTrue(status.isRegularFile)
        XCTAssertFalse(status.isDirectory)
        XCTAssertTrue(try FileStatus.of(directory.path).isDirectory)
        try FileSystem.rename(path, to: directory.file("g"))
        XCTAssertEqual(try FileStatus.of(directory.file("g")).inode, status.inode, "rename keeps the inode")
    }

    func testMakeDirectoriesCreatesParentsAndAcceptsExisting() throws {
        let directory = try TemporaryDirectory()
        let nested = directory.file("a/b/c")
        try FileSystem.makeDirectories(nested)
        try FileSystem.makeDirectories(nested)
        XCTAssertTrue(try FileStatus.of(nested).isDirectory)
        let file = try directory.write("plain", "x")
        XCTAssertThrowsError(try FileSystem.makeDirectory(file)) { error in
            XCTAssertEqual((error as? Errno)?.code, EEXIST)
        }
    }

    func testReadAllRefusesFilesOverItsLimit() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("big", String(repeating: "x", count: 1000))
        XCTAssertEqual(try FileSystem.readAll(path).count, 1000)
        XCTAssertThrowsError(try FileSystem.readAll(path, limit: 999)) { error in
            XCTAssertEqual((error as? Errno)?.code, EFBIG)
        }
    }
}
