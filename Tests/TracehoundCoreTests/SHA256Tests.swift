// SHA-256 (FIPS 180-4) for replay-stable ids: the standard test vectors, every padding boundary against the real
// `sha256sum`, and updates in pieces equal to one update.
import Foundation
import TracehoundCore
import TracehoundTestKit
import XCTest

final class SHA256Tests: XCTestCase {
    func testTheFIPSVectorsHashToTheirKnownDigests() {
        XCTAssertEqual(
            SHA256.hex(Array("".utf8)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        XCTAssertEqual(
            SHA256.hex(Array("abc".utf8)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        XCTAssertEqual(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "the 448-bit message: its padding needs a second block"
        )
    }

    func testAMillionLettersAHashToTheKnownDigest() {
        var hash = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hash.update(chunk) }
        XCTAssertEqual(
            SHA256.hexString(hash.finalize()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }

    func testEveryLengthAroundTheBlockAndPaddingBoundariesMatchesSha256sum() throws {
        var state: UInt64 = 0x5A5A_0001
        for length in [1, 54, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 1000] {
            let bytes = (0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            let result = try runCommand(["sha256sum"], input: Data(bytes), check: true)
            let expected = String(result.stdoutText.prefix(64))
            XCTAssertEqual(SHA256.hex(bytes), expected, "\(length) bytes")
        }
    }

    func testUpdatingInPiecesEqualsOneUpdate() {
        let text = Array("The quick brown fox jumps over the lazy dog, then over the next one, and the next.".utf8)
        let whole = SHA256.hex(text)
        for piece in 1...text.count {
            var hash = SHA256()
            var start = 0
            while start < text.count {
                hash.update(text[start..<min(start + piece, text.count)])
                start += piece
            }
            XCTAssertEqual(SHA256.hexString(hash.finalize()), whole, "pieces of \(piece)")
        }
        var strings = SHA256()
        strings.update("The quick brown fox ")
        strings.update(Array("jumps over the lazy dog, then over the next one, and the next.".utf8))
        XCTAssertEqual(SHA256.hexString(strings.finalize()), whole)
    }

    func testSegmentIDsAreStableAndSeparateTheirParts() {
        let id = Segment.makeID(host: "h", fingerprint: "f", firstPosition: "1", lastPosition: "2")
        XCTAssertEqual(id, Segment.makeID(host: "h", fingerprint: "f", firstPosition: "1", lastPosition: "2"))
        XCTAssertEqual(id.count, 32)
        XCTAssertTrue(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // The parts are separated, so moving a character from one part to the next changes the id.
        XCTAssertNotEqual(id, Segment.makeID(host: "h", fingerprint: "f1", firstPosition: "", lastPosition: "2"))
        XCTAssertNotEqual(id, Segment.makeID(host: "hf", fingerprint: "", firstPosition: "1", lastPosition: "2"))
    }
}
