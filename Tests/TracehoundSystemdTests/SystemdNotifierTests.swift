import Glibc
import TracehoundSystemd
import TracehoundTestKit
import XCTest

/// sd_notify against a real Unix datagram socket standing in for the service manager.
final class SystemdNotifierTests: XCTestCase {
    private var saved: [String: String?] = [:]

    override func setUp() {
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            saved[name] = getenv(name).map { String(cString: $0) }
            unsetenv(name)
        }
    }

    override func tearDown() {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }

    /// A bound AF_UNIX datagram socket: what systemd listens on for notifications.
    private final class NotifySocket {
        let descriptor: Int32
        let path: String

        init(path: String) throws {
            self.path = path
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        }

        /// The datagram already queued, if any (never blocks: sd_notify sent it before returning).
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
        }

        deinit { close(descriptor) }
    }

    func testSendsReadyWithStatusToTheNotifySocket() throws {
        let directory = try TemporaryDirectory()
        let listener = try NotifySocket(path: directory.file("notify"))
        setenv("NOTIFY_SOCKET", listener.path, 1)

        let notifier = SystemdNotifier()
        XCTAssertTrue(notifier.isEnabled)
        XCTAssertTrue(try notifier.ready(status: "watching 3 sources\nsecond line"))
        XCTAssertEqual(listener.receive(), "READY=1\nSTATUS=watching 3 sources second line")
        XCTAssertNotNil(getenv("NOTIFY_SOCKET"), "the socket stays set for later notifications")

        XCTAssertTrue(try notifier.watchdog())
        XCTAssertEqual(listener.receive(), "WATCHDOG=1")
        XCTAssertTrue(try notifier.notify(.stopping))
        XCTAssertEqual(listener.receive(), "STOPPING=1")
    }

    func testReloadingCarriesTheMonotonicTime() throws {
        let directory = try TemporaryDirectory()
        let listener = try NotifySocket(path: directory.file("notify"))
        setenv("NOTIFY_SOCKET", listener.path, 1)

        XCTAssertTrue(try SystemdNotifier().notify(.reloading))
        let lines = try XCTUnwrap(listener.receive()).split(separator: "\n")
        XCTAssertEqual(lines.first, "RELOADING=1")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[1].hasPrefix("MONOTONIC_USEC="), "\(lines)")
        XCTAssertNotNil(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
    }

    func testIsANoOpWithoutNotifySocket() throws {
        let notifier = SystemdNotifier()
        XCTAssertFalse(notifier.isEnabled)
        XCTAssertFalse(try notifier.ready())
        XCTAssertFalse(try notifier.notify(.status("idle"), .watchdog))
    }

    func testSendingToAMissingSocketIsAnError() throws {
        let directory = try TemporaryDirectory()
        setenv("NOTIFY_SOCKET", directory.file("nobody-listens"), 1)
        XCTAssertThrowsError(try SystemdNotifier().ready()) { error in
            XCTAssertEqual((error as? SystemdError)?.code, ENOENT, "\(error)")
        }
    }

    func testReadsTheWatchdogIntervalMeantForThisProcess() throws {
        XCTAssertNil(try SystemdNotifier.watchdogIntervalMicroseconds())

        setenv("WATCHDOG_USEC", "3000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        XCTAssertEqual(try SystemdNotifier.watchdogIntervalMicroseconds(), 3_000_000)

        setenv("WATCHDOG_PID", String(getpid() + 1), 1)
        XCTAssertNil(try SystemdNotifier.watchdogIntervalMicroseconds(), "the watchdog belongs to another process")
    }
}
