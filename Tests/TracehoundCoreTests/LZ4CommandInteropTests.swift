// Frames cross the boundary with the real `lz4` command (1.9.4) in both directions: what operators and peers use.
import Foundation
import TracehoundCore
import TracehoundTestKit
import XCTest

final class LZ4CommandInteropTests: XCTestCase {
    private var sample: [UInt8] = []

    override func setUpWithError() throws {
        _ = try XCTUnwrap(findExecutable("lz4"), "the lz4 command is missing: run scripts/bootstrap (package lz4)")
        sample = randomText(count: 3 << 20, seed: 42) + randomBytes(count: 100_000, seed: 43)
    }

    func testOurFrameDecodesWithTheLZ4Command() throws {
        for options in [LZ4FrameOptions(), LZ4FrameOptions(level: 9, blockSize: .max4MB, blockChecksum: true)] {
            let frame = try LZ4Frame.compress(sample, options: options)
            let result = try runCommand(["lz4", "-d", "-c"], input: Data(frame), check: true)
            XCTAssertTrue([UInt8](result.stdout) == sample, "\(options)")
        }
    }

    func testTheLZ4CommandVerifiesOurContentChecksum() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("batch.lz4")
        try Data(try LZ4Frame.compress(sample)).write(to: URL(fileURLWithPath: path))
        try runCommand(["lz4", "-t", path], check: true)
        // lz4 --list prints to stderr; -v shows exact sizes and the content checksum's type.
        let result = try runCommand(["lz4", "--list", "-v", path], check: true)
        let listing = result.stdoutText + result.stderrText
        XCTAssertTrue(listing.contains(" \(sample.count) "), "the declared content size: \(listing)")
        XCTAssertTrue(listing.contains("XXH32"), "the content checksum: \(listing)")
    }

    func testAFrameFromLZ4FastLevelFromStdinDecodes() throws {
        let frame = try runCommand(["lz4", "-1", "-c"], input: Data(sample), check: true).stdout
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 4 << 20)
        XCTAssertTrue(try decoder.decompress([UInt8](frame)) == sample)
        XCTAssertNil(decoder.declaredContentSize, "lz4 cannot know the size of stdin")
    }

    func testAFrameFromLZ4HighLevelWithContentSizeDecodes() throws {
        let frame = try lz4File(["-9", "--content-size"])
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 4 << 20)
        XCTAssertTrue(try decoder.decompress(frame) == sample)
        XCTAssertEqual(decoder.declaredContentSize, UInt64(sample.count))
    }

    func testAFrameWithLinkedBlocksFromLZ4Decodes() throws {
        // -BD links blocks (each block may refer to the previous 64 KiB); -B4 keeps blocks at 64 KiB so many link.
        let frame = try lz4File(["-1", "-BD", "-B4"])
        XCTAssertTrue(try LZ4FrameDecompressor(maxDecodedBytes: 4 << 20).decompress(frame) == sample)
    }

    func testAFrameWithBlockChecksumsFromLZ4DecodesInSmallChunks() throws {
        let frame = try lz4File(["-1", "-BX", "-B5"])
        let decoder = try LZ4FrameDecompressor(maxDecodedBytes: 4 << 20)
        decoder.reset()
        var decoded: [UInt8] = []
        try frame.withUnsafeBytes { all in
            for start in stride(from: 0, to: all.count, by: 1000) {
                let chunk = UnsafeRawBufferPointer(rebasing: all[start..<min(start + 1000, all.count)])
                try decoder.feed(chunk) { decoded.append(contentsOf: $0) }
            }
        }
        try decoder.finish()
        XCTAssertTrue(decoded == sample)
    }

    func testTwoConcatenatedFramesFromLZ4AreRefusedAsTrailingData() throws {
        let first = try runCommand(["lz4", "-1", "-c"], input: Data("one\n".utf8), check: true).stdout
        let second = try runCommand(["lz4", "-1", "-c"], input: Data("two\n".utf8), check: true).stdout
        let both = [UInt8](first + second)
        let all = try runCommand(["lz4", "-d", "-c"], input: Data(both), check: true).stdoutText
        XCTAssertEqual(all, "one\ntwo\n", "the command reads concatenated frames")
        XCTAssertThrowsError(try LZ4FrameDecompressor(maxDecodedBytes: 1024).decompress(both)) {
            XCTAssertEqual($0 as? LZ4FrameError, .trailingData(frameEnd: first.count))
        }
    }

    /// Compresses `sample` from a file (so lz4 knows its size) with `flags`, returning the frame.
    private func lz4File(_ flags: [String]) throws -> [UInt8] {
        let directory = try TemporaryDirectory()
        let input = directory.file("sample")
        try Data(sample).write(to: URL(fileURLWithPath: input))
        return [UInt8](try runCommand(["lz4"] + flags + ["-c", input], check: true).stdout)
    }
}
