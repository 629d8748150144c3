// LZ4 frames written by LZ4Frame.compress read back byte for byte through LZ4FrameDecompressor.
import Foundation
import TracehoundCore
import XCTest

final class LZ4FrameRoundTripTests: XCTestCase {
    func testAnEmptyBufferRoundTripsThroughOneFrame() throws {
        let frame = try LZ4Frame.compress([UInt8]())
        XCTAssertEqual(frame.prefix(4), [0x04, 0x22, 0x4D, 0x18], "the frame starts with the LZ4 frame magic")
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1024)
        XCTAssertEqual(try decoder.decompress(frame), [])
        XCTAssertEqual(decoder.consumedByteCount, frame.count)
    }

    func testASmallBufferRoundTrips() throws {
        let text = Array("the agent said: I'll just skip the failing tests for now\n".utf8)
        let frame = try LZ4Frame.compress(text)
        XCTAssertEqual(try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20).decompress(frame), text)
    }

    func testTheFrameCarriesAContentChecksumAndTheContentSize() throws {
        let bytes = Array(repeating: UInt8(ascii: "a"), count: 5000)
        let frame = try LZ4Frame.compress(bytes)
        let flags = frame[4]
        XCTAssertEqual(flags >> 6, 0b01, "frame format version 01")
        XCTAssertNotEqual(flags & 0b0000_0100, 0, "content checksum flag")
        XCTAssertNotEqual(flags & 0b0000_1000, 0, "content size flag")
        XCTAssertEqual(flags & 0b0001_0000, 0, "no block checksum unless asked")
        let declared = frame[6..<14].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        XCTAssertEqual(declared, 5000)
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
        _ = try decoder.decompress(frame)
        XCTAssertEqual(decoder.declaredContentSize, 5000)
    }

    func testTenMegabytesOfRandomBytesRoundTrip() throws {
        let bytes = randomBytes(count: 10 << 20, seed: 0x5EED)
        let frame = try LZ4Frame.compress(bytes)
        XCTAssertGreaterThan(frame.count, bytes.count, "random bytes do not compress")
        XCTAssertTrue(try LZ4FrameDecompressor(maxDecodedBytes: 10 << 20).decompress(frame) == bytes)
    }

    func testTenMegabytesOfRepetitiveTextRoundTripAndShrink() throws {
        let line = Array(#"{"type":"reasoning","text":"run the tests again and look at the output"}"#.utf8) + [10]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10 << 20)
        while bytes.count < 10 << 20 { bytes.append(contentsOf: line) }
        let frame = try LZ4Frame.compress(bytes)
        XCTAssertLessThan(frame.count, bytes.count / 20)
        XCTAssertTrue(try LZ4FrameDecompressor(maxDecodedBytes: 11 << 20).decompress(frame) == bytes)
    }

    func testEveryOptionCombinationRoundTrips() throws {
        let bytes = randomText(count: 700_000, seed: 7)
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
        for level in [-5, LZ4FrameOptions.fastLevel, 3, 9, LZ4FrameOptions.maximumLevel] {
            for blockSize in [LZ4FrameOptions.BlockSize.max64KB, .max256KB, .max1MB, .max4MB] {
                for (independent, blockChecksum) in [(false, false), (true, true)] {
                    let options = LZ4FrameOptions(
                        level: level,
                        blockSize: blockSize,
                        independentBlocks: independent,
                        blockChecksum: blockChecksum
                    )
                    let frame = try LZ4Frame.compress(bytes, options: options)
                    XCTAssertTrue(try decoder.decompress(frame) == bytes, "\(options)")
                }
            }
        }
    }

    func testAHigherLevelCompressesTextSmaller() throws {
        let bytes = randomText(count: 500_000, seed: 11)
        let fast = try LZ4Frame.compress(bytes)
        let high = try LZ4Frame.compress(bytes, options: LZ4FrameOptions(level: 9))
        XCTAssertLessThan(high.count, fast.count)
    }

    func testFeedingOneByteAtATimeGivesTheSameBytes() throws {
        let bytes = randomText(count: 300_000, seed: 3)
        let frame = try LZ4Frame.compress(bytes, options: LZ4FrameOptions(blockChecksum: true))
        for chunkSize in [1, 7, 4096, frame.count] {
            let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
            decoder.reset()
            var decoded: [UInt8] = []
            try frame.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let end = min(start + chunkSize, all.count)
                    try decoder.feed(UnsafeRawBufferPointer(rebasing: all[start..<end])) {
                        decoded.append(contentsOf: $0)
                    }
                    start = end
                }
            }
            try decoder.finish()
            XCTAssertTrue(decoded == bytes, "chunks of \(chunkSize)")
            XCTAssertEqual(decoder.decodedByteCount, bytes.count)
            XCTAssertEqual(decoder.consumedByteCount, frame.count)
        }
    }

    func testOneDecompressorReadsManyFramesInTurn() throws {
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
        for seed in 1...20 {
            let bytes = randomText(count: 1000 * seed, seed: UInt64(seed))
            XCTAssertTrue(try decoder.decompress(try LZ4Frame.compress(bytes)) == bytes)
        }
    }

    func testAnErrorInTheOutputHandlerAbandonsTheFrameUntilReset() throws {
        struct Stop: Error {}
        let frame = try LZ4Frame.compress(randomText(count: 10_000, seed: 5))
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 1 << 20)
        decoder.reset()
        XCTAssertThrowsError(try frame.withUnsafeBytes { try decoder.feed($0) { _ in throw Stop() } }) {
            XCTAssertTrue($0 is Stop)
        }
        XCTAssertThrowsError(try decoder.finish()) { XCTAssertEqual($0 as? LZ4FrameError, .abandoned) }
        XCTAssertEqual(try decoder.decompress(frame).count, 10_000)
    }
}

/// Incompressible bytes from a fixed seed (xorshift64*), so a failure is reproducible.
func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            var word = (state &* 0x2545_F491_4F6C_DD1D).littleEndian
            let take = min(8, count - offset)
            withUnsafeBytes(of: &word) {
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take)
            }
            offset += take
        }
    }
    return bytes
}

/// Compressible text: words drawn from a small vocabulary, from a fixed seed.
func randomText(count: Int, seed: UInt64) -> [UInt8] {
    let words = ["test", "skip", "the", "agent", "failing", "rm -rf", "output", "reasoning", "\n", "tool", "call"]
    let noise = randomBytes(count: count, seed: seed)
    var text: [UInt8] = []
    text.reserveCapacity(count + 16)
    var index = 0
    while text.count < count {
        text.append(contentsOf: words[Int(noise[index % noise.count]) % words.count].utf8)
        text.append(UInt8(ascii: " "))
        index += 1
    }
    return Array(text.prefix(count))
}
