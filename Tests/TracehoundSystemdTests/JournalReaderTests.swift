import TracehoundSystemd
import TracehoundTestKit
import XCTest

/// Reads journal files written by the real systemd-journal-remote from export format.
final class JournalReaderTests: XCTestCase {
    static let binaryMessage: [UInt8] = Array("line one\nline two\0after NUL ".utf8) + [0xFF, 0xFE]

    static let entries: [ExportEntry] = [
        entry(time: 1_700_000_000_000_000, unit: "agent-runner.service", priority: "6", message: Array("started".utf8)),
        entry(time: 1_700_000_001_000_000, unit: "other.service", priority: "4", message: Array("unrelated".utf8)),
        entry(time: 1_700_000_002_000_000, unit: "agent-runner.service", priority: "3", message: binaryMessage),
        entry(time: 1_700_000_003_000_000, unit: "agent-runner.service", priority: "6", message: Array("done".utf8)),
    ]

    static func entry(time: UInt64, unit: String, priority: String, message: [UInt8]) -> ExportEntry {
        ExportEntry([
            ("__REALTIME_TIMESTAMP", Array(String(time).utf8)),
            ("__MONOTONIC_TIMESTAMP", Array(String(time - 1_699_999_000_000_000).utf8)),
            ("_BOOT_ID", Array("0123456789abcdef0123456789abcdef".utf8)),
            ("_SYSTEMD_UNIT", Array(unit.utf8)),
            ("PRIORITY", Array(priority.utf8)),
            ("MESSAGE", message),
        ])
    }

    var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        try JournalFiles.make(Self.entries, in: directory.path)
    }

    private func readAll(_ reader: JournalReader) throws -> [[UInt8]] {
        var messages: [[UInt8]] = []
        while try reader.next() {
            messages.append(try XCTUnwrap(reader.field("MESSAGE")))
        }
        return messages
    }

    func testReadsEveryEntryOfADirectoryInOrderWithTheirTimestamps() throws {
        let reader = try JournalReader(directory: directory.path)
        try reader.seekHead()
        var times: [UInt64] = []
        var units: [String] = []
        while try reader.next() {
            times.append(try reader.realtimeMicroseconds())
            units.append(try XCTUnwrap(reader.string("_SYSTEMD_UNIT")))
        }
        XCTAssertEqual(times, Self.entries.indices.map { 1_700_000_000_000_000 + UInt64($0) * 1_000_000 })
        XCTAssertEqual(
            units,
            ["agent-runner.service", "other.service", "agent-runner.service", "agent-runner.service"]
        )
    }

    func testReturnsABinaryMessageFieldByteForByte() throws {
        let reader = try JournalReader(directory: directory.path)
        let messages = try readAll(reader)
        XCTAssertEqual(messages.count, 4)
        XCTAssertEqual(messages[2], Self.binaryMessage)
    }

    func testEnumeratesAllFieldsOfTheCurrentEntry() throws {
        let reader = try JournalReader(directory: directory.path)
        XCTAssertTrue(try reader.next())
        let fields = try reader.fields()
        let byName = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(byName["MESSAGE"], Array("started".utf8))
        XCTAssertEqual(byName["PRIORITY"], Array("6".utf8))
        XCTAssertEqual(byName["_SYSTEMD_UNIT"], Array("agent-runner.service".utf8))
        XCTAssertNil(try reader.field("NO_SUCH_FIELD"))
    }

    func testAMatchOnTheUnitFiltersEntries() throws {
        let reader = try JournalReader(directory: directory.path)
        try reader.addMatch(field: "_SYSTEMD_UNIT", value: Array("agent-runner.service".utf8))
        XCTAssertEqual(try readAll(reader), [Array("started".utf8), Self.binaryMessage, Array("done".utf8)])
    }

    func testConjunctionAndDisjunctionCombineMatches() throws {
        let reader = try JournalReader(directory: directory.path)
        // (unit=agent-runner AND priority=6) OR (unit=other)
        try reader.addMatch("_SYSTEMD_UNIT=agent-runner.service")
        try reader.addMatch("PRIORITY=6")
        try reader.addDisjunction()
        try reader.addMatch("_SYSTEMD_UNIT=other.service")
        XCTAssertEqual(
            try readAll(reader).map { String(decoding: $0, as: UTF8.self) },
            ["started", "unrelated", "done"]
        )

        reader.flushMatches()
        try reader.addMatch("PRIORITY=3")
        try reader.addConjunction()
        try reader.addMatch("_SYSTEMD_UNIT=agent-runner.service")
        try reader.seekHead()
        XCTAssertEqual(try readAll(reader), [Self.binaryMessage])
    }

    func testACursorSurvivesReopeningTheJournal() throws {
        let cursor: String
        do {
            let reader = try JournalReader(directory: directory.path)
            XCTAssertTrue(try reader.next())
            XCTAssertTrue(try reader.next())
            cursor = try reader.cursor()
            XCTAssertTrue(try reader.test(cursor: cursor))
        }
        let reopened = try JournalReader(files: [directory.file("test.journal")])
        try reopened.seek(cursor: cursor)
        XCTAssertTrue(try reopened.next())
        XCTAssertTrue(try reopened.test(cursor: cursor))
        XCTAssertEqual(try reopened.string("MESSAGE"), "unrelated")
        XCTAssertEqual(try readAll(reopened).count, 2, "the entries after the cursor")

        try reopened.seekHead()
        XCTAssertTrue(try reopened.next())
        XCTAssertFalse(try reopened.test(cursor: cursor))
    }

    func testSeeksTailRealtimeAndStepsBackwards() throws {
        let reader = try JournalReader(directory: directory.path)
        try reader.seekTail()
        XCTAssertTrue(try reader.previous())
        XCTAssertEqual(try reader.string("MESSAGE"), "done")

        try reader.seek(realtimeMicroseconds: 1_700_000_001_500_000)
        XCTAssertTrue(try reader.next())
        XCTAssertEqual(try reader.realtimeMicroseconds(), 1_700_000_002_000_000)
    }

    func testOffersADescriptorToWaitOnAndProcessesIt() throws {
        let reader = try JournalReader(directory: directory.path)
        let descriptor = try reader.fileDescriptor()
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        XCTAssertNotEqual(try reader.pollEvents() & Int16(POLLIN), 0)
        XCTAssertTrue(try reader.descriptorIsReliable())
        XCTAssertEqual(try reader.wait(timeoutMicroseconds: 0), .none)
        XCTAssertEqual(try reader.process(), .none)
    }

    func testOpeningAMissingFileFailsWithItsErrno() throws {
        XCTAssertThrowsError(try JournalReader(files: [directory.file("missing.journal")])) { error in
            let failure = error as? SystemdError
            XCTAssertEqual(failure?.code, ENOENT, "\(error)")
            XCTAssertTrue(failure?.description.contains("sd_journal_open_files") ?? false, "\(error)")
        }
    }

    func testItsDescriptorWakesWhenANewJournalFileAppearsAndTheNewEntriesAreRead() throws {
        let reader = try JournalReader(directory: directory.path)
        XCTAssertEqual(try readAll(reader).count, 4)
        var poller = pollfd(fd: try reader.fileDescriptor(), events: try reader.pollEvents(), revents: 0)
        _ = try reader.process()

        let later = Self.entry(
            time: 1_700_000_009_000_000,
            unit: "agent-runner.service",
            priority: "5",
            message: Array("appeared later".utf8)
        )
        try JournalFiles.make([later], in: directory.path, name: "second.journal")
        try waitUntil("the journal descriptor to become readable") { poll(&poller, 1, 0) == 1 }
        XCTAssertNotEqual(try reader.process(), .none)
        XCTAssertEqual(try readAll(reader), [Array("appeared later".utf8)])
    }
}
