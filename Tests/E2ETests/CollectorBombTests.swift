// A decompression bomb against the real collector binary (issue 5): 1 GiB of zeros in a 4 MiB LZ4 frame that
// does not declare its size. The collector must refuse it with 413 while decoding, and its peak memory must stay
// near its max_decoded_bytes, nowhere near the gigabyte the frame would inflate to.
import Foundation
import TracehoundTestKit
import XCTest

final class CollectorBombTests: XCTestCase {
    func testAnLZ4BombIsRefusedWithoutTheCollectorsMemoryFollowingIt() throws {
        let directory = try TemporaryDirectory()
        let collectorSetup = try CollectorSetup(directory, extra: "limits: {max_decoded_bytes: 32MiB}")
        let collector = try collectorSetup.startAndWait()
        let bomb = directory.file("bomb.lz4")
        try runCommand(["sh", "-c", "head -c \(1 << 30) /dev/zero | lz4 -1 -c > '\(bomb)'"], check: true)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int)
        XCTAssertLessThan(size, 16 << 20, "the frame fits under max_body_bytes, so only decoding can stop it")

        let answer = try runCommand(
            [
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "-H", "Authorization: Bearer \(collectorSetup.token)", "-H", "Content-Encoding: lz4",
                "-H", "Content-Type: application/x-ndjson", "-H", "Tracehound-Batch-Id: bomb-1",
                "--data-binary", "@\(bomb)", collectorSetup.baseURL + "/v1/batches",
            ],
            check: true
        )
        XCTAssertEqual(answer.stdoutText, "413")
        // VmHWM: the collector's peak resident memory since it started, bomb included.
        let status = try String(contentsOfFile: "/proc/\(collector.pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kibibytes = try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        XCTAssertLessThan(kibibytes, 256 << 10, "peak RSS \(kibibytes) KiB: the bomb was inflated past the limit")
        XCTAssertEqual(collector.stop(), 0, collector.logTail())
    }
}
