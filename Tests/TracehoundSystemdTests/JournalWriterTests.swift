import Glibc
import TracehoundSystemd
import TracehoundTestKit
import XCTest

/// The journal log sink: when stderr is the journal, and which entries it refuses to send.
final class JournalWriterTests: XCTestCase {
    private func deviceAndInode(_ descriptor: Int32) -> String {
        var status = stat()
        XCTAssertEqual(fstat(descriptor, &status), 0)
        return "\(status.st_dev):\(status.st_ino)"
    }

    func testStderrIsNotTheJournalWithoutJournalStream() {
        let saved = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        defer { if let saved { setenv("JOURNAL_STREAM", saved, 1) } else { unsetenv("JOURNAL_STREAM") } }

        unsetenv("JOURNAL_STREAM")
        XCTAssertFalse(JournalWriter.stderrIsJournal())

        setenv("JOURNAL_STREAM", deviceAndInode(2), 1)
        XCTAssertTrue(JournalWriter.stderrIsJournal(), "JOURNAL_STREAM names this very stderr")
    }

    func testAJournalStreamNamingAnotherFileDoesNotMatch() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("other", "")
        let other = open(path, O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(other, 0)
        defer { close(other) }

        let otherStream = deviceAndInode(other)
        XCTAssertTrue(JournalWriter.descriptorIsJournalStream(other, journalStream: otherStream))
        XCTAssertFalse(JournalWriter.descriptorIsJournalStream(2, journalStream: otherStream), "stderr was redirected")
        XCTAssertFalse(JournalWriter.descriptorIsJournalStream(other, journalStream: "garbage"))
        XCTAssertFalse(JournalWriter.descriptorIsJournalStream(other, journalStream: "1:2:3"))
    }

    func testRefusesFieldNamesJournaldWouldDrop() {
        for name in ["lower", "_TRUSTED", "9LIVES", "WITH-DASH", "", String(repeating: "A", count: 65)] {
            XCTAssertFalse(JournalWriter.isValidFieldName(name), name)
        }
        for name in ["TRACEHOUND_RULE", "A", "X9_", String(repeating: "A", count: 64)] {
            XCTAssertTrue(JournalWriter.isValidFieldName(name), name)
        }
        let writer = JournalWriter(identifier: "tracehound-test")
        XCTAssertThrowsError(try writer.send(message: "m", priority: .info, fields: [("bad name", "v")])) { error in
            XCTAssertEqual((error as? SystemdError)?.code, EINVAL, "\(error)")
        }
    }

    func testSendsStructuredFieldsWithoutError() throws {
        // Without a running journald, libsystemd drops the entry and reports success; with one, it is delivered.
        let writer = JournalWriter(identifier: "tracehound-test")
        try writer.send(
            message: "segment forwarded\nsecond line",
            priority: .notice,
            fields: [("TRACEHOUND_SEGMENT", "9f2c"), ("TRACEHOUND_SCORE", "40")]
        )
        try writer.send(message: "binary", priority: .debug, binaryFields: [("PAYLOAD", [0, 1, 2, 0xFF])])
    }
}
