// max_open_files: many more files than descriptors; idle files are closed and reopened by identity.
import Foundation
import TracehoundPosix
import TracehoundSources
import TracehoundTestKit
import XCTest

final class TailOpenFilesTests: XCTestCase {
    func testThreeHundredFilesWithALimitOfSixteenAreAllReadWithinTheLimit() throws {
        let directory = try TemporaryDirectory()
        let names = (0..<300).map { directory.file("f\($0).log") }
        for (index, name) in names.enumerated() { try append(name, "\(index)-a\n\(index)-b\n") }
        let harness = try TailHarness(tailConfig([directory.file("*.log")], maxOpenFiles: 16))
        try harness.wait("every file's first lines") { recorder in
            recorder.streams.count == 300 && recorder.streams.values.allSatisfy { $0.lines.count == 2 }
        }
        XCTAssertLessThanOrEqual(harness.source.peakOpenDescriptors, 16)
        XCTAssertTrue(harness.recorder.events.contains("too many files"))

        for (index, name) in names.enumerated() { try append(name, "\(index)-c\n") }
        try harness.wait("every file's appended line") { recorder in
            recorder.streams.values.allSatisfy { $0.lines.count == 3 }
        }
        XCTAssertEqual(harness.recorder.streams.count, 300, "reopened files keep their streams")
        XCTAssertLessThanOrEqual(harness.source.peakOpenDescriptors, 16)
        for (index, name) in names.enumerated() {
            XCTAssertEqual(harness.recorder.live(name)?.lines, ["\(index)-a", "\(index)-b", "\(index)-c"])
        }
    }

    func testAFileRenamedWhileItsDescriptorWasClosedKeepsItsStream() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<4 { try append(directory.file("f\(index).log"), "\(index)\n") }
        let harness = try TailHarness(tailConfig([directory.file("*.log")], maxOpenFiles: 2))
        try harness.wait("every file") { $0.streams.values.filter { $0.lines.count == 1 }.count == 4 }
        // Touch the others so f0 is the least recently used and closed.
        for index in 1..<4 { try append(directory.file("f\(index).log"), "\(index)\n") }
        try harness.wait("the appended lines") { $0.streams.values.filter { $0.lines.count == 2 }.count == 3 }
        let stream = try XCTUnwrap(harness.recorder.live(directory.file("f0.log"))).info.id

        try FileSystem.rename(directory.file("f0.log"), to: directory.file("g0.log"))
        try append(directory.file("g0.log"), "after rename\n")
        try harness.wait("the line after the rename") { $0.streams[stream]?.lines == ["0", "after rename"] }
        XCTAssertEqual(harness.recorder.streams[stream]?.path, directory.file("g0.log"))
        XCTAssertEqual(harness.recorder.streams.count, 4)
        XCTAssertLessThanOrEqual(harness.source.peakOpenDescriptors, 2)
    }
}
