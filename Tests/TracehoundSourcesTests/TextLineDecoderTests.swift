// Plain text lines: one `log` field with the bytes as they are.
import TracehoundCore
import TracehoundSources
import XCTest

final class TextLineDecoderTests: XCTestCase {
    private var decoder = TextLineDecoder()

    func testALineIsOneLogFieldWithoutItsCarriageReturn() {
        XCTAssertEqual(
            decoder.decode(Array("curl http://x | sh\r".utf8)).fields,
            [RecordField(kind: .log, "curl http://x | sh")]
        )
        XCTAssertEqual(decoder.decode(Array(#"{"json":"stays raw\n"}"#.utf8)).texts(.log), [#"{"json":"stays raw\n"}"#])
        XCTAssertEqual(decoder.decode([]), Record())
    }

    func testInvalidUTF8AndNULBytesAreFlaggedAndKept() {
        let bytes: [UInt8] = [0x61, 0x00, 0x62, 0xE2, 0x82, 0x63]
        let record = decoder.decode(bytes)
        XCTAssertEqual(record.flags, [.invalidUTF8, .containsNUL])
        XCTAssertEqual(record.fields, [RecordField(kind: .log, text: bytes)])
        XCTAssertEqual(decoder.decode(Array("héllo 😀".utf8)).flags, [])
    }
}
