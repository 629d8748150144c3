import Glibc
import TracehoundPosix
import TracehoundTestKit
import XCTest

final class SyscallTests: XCTestCase {
    func testRetriesACallInterruptedBySignal() throws {
        var attempts = 0
        let result = try syscall("fake") { () -> Int32 in
            attempts += 1
            if attempts < 3 {
                errno = EINTR
                return -1
            }
            return 42
        }
        XCTAssertEqual(result, 42)
        XCTAssertEqual(attempts, 3)
    }

    func testFailureCarriesTheErrnoTheCallAndTheSubject() throws {
        XCTAssertThrowsError(try FileDescriptor.open("/nonexistent/tracehound")) { error in
            guard let error = error as? Errno else { return XCTFail("not an Errno: \(error)") }
            XCTAssertEqual(error.code, ENOENT)
            XCTAssertEqual(error.call, "open")
            XCTAssertEqual(error.subject, "/nonexistent/tracehound")
            XCTAssertEqual(
                error.description,
                "open /nonexistent/tracehound: No such file or directory (errno \(ENOENT))"
            )
        }
    }

    func testEveryOpenedDescriptorIsCloseOnExec() throws {
        let directory = try TemporaryDirectory()
        let file = try FileDescriptor.open(directory.file("a"), [.writeOnly, .create])
        defer { try? file.close() }
        XCTAssertNotEqual(fcntl(file.rawValue, F_GETFD) & FD_CLOEXEC, 0)
    }

    func testCreatedFilesArePrivateByDefault() throws {
        let directory = try TemporaryDirectory()
        let previous = umask(0)
        defer { umask(previous) }
        let file = try FileDescriptor.open(directory.file("secret"), [.writeOnly, .create])
        try file.close()
        XCTAssertEqual(try FileStatus.of(directory.file("secret")).permissions, 0o600)
        try FileSystem.makeDirectory(directory.file("data"))
        XCTAssertEqual(try FileStatus.of(directory.file("data")).permissions, 0o700)
    }
}
