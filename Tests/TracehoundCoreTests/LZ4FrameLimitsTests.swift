// Hostile frames: bombs, corruption, truncation and trailing bytes fail with a typed error and bounded memory.
import Foundation
import TracehoundCore
import TracehoundTestKit
import XCTest

final class LZ4FrameLimitsTests: XCTestCase {
    private static let hundredMegabytes = 100 << 20
    private static let oneMegabyte = 1 << 20

    func testABombThatDeclaresItsSizeIsRefusedBeforeDecoding() throws {
        let directory = try TemporaryDirectory()
        let zeros = directory.file("zeros")
        try runCommand(["sh", "-c", "head -c \(Self.hundredMegabytes) /dev/zero > '\(zeros)'"], check: true)
        let frame = [UInt8](try runCommand(["lz4", "-1", "--content-size", "-c", zeros], check: true).stdout)
        XCTAssertLessThan(frame.count, Self.oneMegabyte)

        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: Self.oneMegabyte)
        XCTAssertThrowsError(try decoder.decompress(frame)) {
            XCTAssertEqual(
                $0 as? LZ4FrameError,
                .declaredSizeExceedsLimit(declared: UInt64(Self.hundredMegabytes), limit: Self.oneMegabyte)
            )
        }
        XCTAssertEqual(decoder.decodedByteCount, 0, "no block was decoded")
    }

    func testABombWithoutADeclaredSizeStopsAtTheLimitWithoutAllocatingIt() throws {
        let frame = try runCommand(
            ["sh", "-c", "head -c \(Self.hundredMegabytes) /dev/zero | lz4 -1 -c"],
            check: true
        ).stdout
        XCTAssertLessThan(frame.count, Self.oneMegabyte)
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: Self.oneMegabyte)

        // Streaming: the handler never sees more than the limit.
        decoder.reset()
        var delivered = 0
        XCTAssertThrowsError(try frame.withUnsafeBytes { try decoder.feed($0) { delivered += $0.count } }) {
            guard case .exceedsLimit(let decoded, let limit)? = $0 as? LZ4FrameError else {
                return XCTFail("expected exceedsLimit, got \($0)")
            }
            XCTAssertEqual(limit, Self.oneMegabyte)
            XCTAssertEqual(decoded, Self.oneMegabyte + 1, "stopped one byte past the limit")
        }
        XCTAssertLessThanOrEqual(delivered, Self.oneMegabyte)

        // Whole buffer: the process's peak memory does not grow by anything like 100 MB.
        let peakBefore = peakResidentBytes()
        XCTAssertThrowsError(try decoder.decompress([UInt8](frame))) {
            XCTAssertEqual(
                $0 as? LZ4FrameError,
                .exceedsLimit(decodedAtLeast: Self.oneMegabyte + 1, limit: Self.oneMegabyte)
            )
        }
        XCTAssertLessThan(peakResidentBytes() - peakBefore, 20 << 20)
    }

    func testAFrameOfExactlyTheLimitDecodes() throws {
        let bytes = randomText(count: 65_536 * 3, seed: 9)
        let frame = try LZ4Frame.compress(bytes)
        XCTAssertTrue(try LZ4FrameDecompressor(maxDecodedBytes: bytes.count).decompress(frame) == bytes)
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: bytes.count - 1).decompress(frame)) {
            XCTAssertEqual(
                $0 as? LZ4FrameError,
                .declaredSizeExceedsLimit(declared: UInt64(bytes.count), limit: bytes.count - 1)
            )
        }
    }

    func testAFlippedByteInTheContentIsAnErrorOrChangesNothing() throws {
        let bytes = randomText(count: 200_000, seed: 21)
        let frame = try LZ4Frame.compress(bytes)
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
        var kinds: Set<String> = []
        // A flip past the header is caught by the decoder or the content checksum, unless it turns a match offset
        // into another spot holding the same bytes (repetitive text): then the output is still exactly right.
        for position in stride(from: 20, to: frame.count, by: 97) {
            var damaged = frame
            damaged[position] ^= 0x20
            do throws(LZ4FrameError) {
                let decoded = try decoder.decompress(damaged)
                XCTAssertTrue(decoded == bytes, "flip at \(position) changed the output")
                kinds.insert("harmless")
            } catch .checksumMismatch(.content) {
                kinds.insert("content checksum")
            } catch .corruptFrame(let name) {
                kinds.insert(name)
            } catch .truncatedFrame {
                kinds.insert("truncated")  // a flipped block size can swallow the end mark
            } catch {
                XCTFail("flip at \(position): unexpected \(error)")
            }
        }
        XCTAssertTrue(kinds.contains("content checksum"), "\(kinds)")
        XCTAssertTrue(kinds.contains("ERROR_decompressionFailed"), "\(kinds)")
    }

    func testAFlippedByteInTheHeaderIsAHeaderChecksumMismatch() throws {
        var frame = try LZ4Frame.compress(Array("hello".utf8))
        frame[6] ^= 0x01  // the low byte of the declared content size, covered by the header checksum
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: 1024).decompress(frame)) {
            XCTAssertEqual($0 as? LZ4FrameError, .checksumMismatch(.header))
        }
    }

    func testAFlippedByteInABlockWithBlockChecksumsIsABlockChecksumMismatch() throws {
        var frame = try LZ4Frame.compress(
            randomText(count: 10_000, seed: 2),
            options: LZ4FrameOptions(blockChecksum: true)
        )
        frame[30] ^= 0x01
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20).decompress(frame)) {
            XCTAssertEqual($0 as? LZ4FrameError, .checksumMismatch(.block))
        }
    }

    func testBytesThatAreNotAFrameAreRefusedByName() throws {
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: 1024).decompress(Array("{\"v\":1}\n".utf8))) {
            XCTAssertEqual($0 as? LZ4FrameError, .corruptFrame(errorName: "ERROR_frameType_unknown"))
        }
    }

    func testEveryTruncationIsATruncatedFrame() throws {
        let frame = try LZ4Frame.compress(randomText(count: 100_000, seed: 4))
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
        for length in Array(0..<30) + Array(stride(from: 30, to: frame.count, by: 101)) + [frame.count - 1] {
            XCTAssertThrowsError(try decoder.decompress(Array(frame.prefix(length))), "cut at \(length)") {
                guard case .truncatedFrame(let consumed, let expectedMore)? = $0 as? LZ4FrameError else {
                    return XCTFail("cut at \(length): expected truncatedFrame, got \($0)")
                }
                XCTAssertEqual(consumed, length)
                XCTAssertGreaterThan(expectedMore, 0)
            }
        }
    }

    func testGarbageAfterTheFrameIsTrailingData() throws {
        let frame = try LZ4Frame.compress(Array("one batch\n".utf8))
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: 1024).decompress(frame + [0])) {
            XCTAssertEqual($0 as? LZ4FrameError, .trailingData(frameEnd: frame.count))
        }
    }

    func testASkippableFrameIsRefused() throws {
        // Magic 0x184D2A50, a 4-byte length, then that many bytes of user data.
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: 1024).decompress(skippable)) {
            XCTAssertEqual($0 as? LZ4FrameError, .skippableFrame)
        }
    }

    /// The process's peak resident set size so far (getrusage reports KiB on Linux).
    private func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
