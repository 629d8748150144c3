// The checkpoint's binary form, as the spool stores it: every field round-trips, and checkpoints written by the
// first version (without the source name) still load.
import TracehoundCore
import XCTest

final class StreamCheckpointTests: XCTestCase {
    func testEveryFieldRoundTripsThroughTheBinaryForm() {
        let checkpoints = [
            StreamCheckpoint(
                key: "2049-131-9f2c",
                path: "/home/a/.codex/sessions/s.jsonl",
                device: 2049,
                inode: 131,
                offset: 48_211,
                marker: [1, 2, 3],
                source: "codex"
            ),
            StreamCheckpoint(key: "agents", path: "agents", offset: 0, cursor: "s=abc;i=12", source: "agents"),
        ]
        var bytes: [UInt8] = []
        for checkpoint in checkpoints { bytes += checkpoint.encoded() }
        var index = 0
        var decoded: [StreamCheckpoint] = []
        while let checkpoint = StreamCheckpoint.decode(bytes, at: &index) { decoded.append(checkpoint) }
        XCTAssertEqual(decoded, checkpoints)
        XCTAssertEqual(index, bytes.count)
    }

    func testAVersionOneCheckpointLoadsWithAnEmptySource() {
        let current = StreamCheckpoint(key: "k", path: "/p", device: 1, inode: 2, offset: 3, marker: [9], source: "s")
        var bytes = current.encoded()
        // Version 1 had no source: the version byte and the trailing length-prefixed source go.
        bytes[0] = 1
        bytes.removeLast(8 + 1)
        var index = 0
        let decoded = StreamCheckpoint.decode(bytes, at: &index)
        XCTAssertEqual(decoded?.source, "")
        XCTAssertEqual(decoded?.offset, 3)
        XCTAssertEqual(index, bytes.count)
    }

    func testBytesThatAreNotACheckpointDecodeToNil() {
        var index = 0
        XCTAssertNil(StreamCheckpoint.decode([7, 0, 0], at: &index))
        XCTAssertNil(
            StreamCheckpoint.decode(
                Array(StreamCheckpoint(key: "k", path: "p", offset: 1).encoded().dropLast()),
                at: &index
            )
        )
    }
}
