import XCTest

@testable import TracehoundSpool

final class CRC32CTests: XCTestCase {
    func testMatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
        XCTAssertEqual(CRC32C.checksum(Array("a".utf8)), 0xC1D0_4330)
    }

    /// RFC 3720 (iSCSI), appendix B.4.
    func testMatchesTheISCSITestVectors() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    func testChainedUpdatesEqualOneChecksumOverTheWhole() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let chained = CRC32C.update(CRC32C.update(0, Array(bytes[..<split])), Array(bytes[split...]))
            XCTAssertEqual(chained, CRC32C.checksum(bytes), "split at \(split)")
        }
    }

    func testSlicingByEightAgreesWithTheBytewiseDefinitionAtEveryLengthAndAlignment() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let slice = Array(bytes[start..<end])
                XCTAssertEqual(CRC32C.checksum(slice), bytewise(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    /// The definition, one bit at a time.
    private func bytewise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
