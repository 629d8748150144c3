// Sizes, durations and listen addresses: what parses, to what, what is refused, and that formatting round-trips.
import TracehoundConfig
import XCTest

final class ConfigValuesTests: XCTestCase {
    func testSizesParseBinaryAndDecimalUnitsExactly() {
        let cases: [(String, Int)] = [
            ("0", 0), ("512", 512), ("512B", 512), ("64KiB", 65536), ("1MiB", 1 << 20), ("1.5MiB", 1_572_864),
            ("2GiB", 2 << 30), ("1TiB", 1 << 40), ("1KB", 1000), ("1.5MB", 1_500_000), ("3GB", 3_000_000_000),
            ("2TB", 2_000_000_000_000), ("16 MiB", 16 << 20), (" 8KiB ", 8192), ("0.5KiB", 512),
        ]
        for (text, bytes) in cases {
            XCTAssertEqual(try ByteSize.parse(text).get(), bytes, text)
        }
    }

    func testSizesThatAreMalformedInexactOrAmbiguousAreRefusedWithAReason() {
        let cases: [(String, String)] = [
            ("", "is not a size"), ("MiB", "is not a size"), ("-1", "is not a size"), ("1M", "unknown size unit 'M'"),
            ("1k", "unknown size unit 'k'"), ("1mib", "unknown size unit 'mib'"),
            ("0.3KiB", "not a whole number of bytes"),
            ("1.5", "not a whole number of bytes"), ("1..5KiB", "malformed"), (".5KiB", "is not a size"),
            ("99999999999TiB", "too large"), ("1MiB2", "unknown size unit 'MiB2'"),
        ]
        for (text, reason) in cases {
            switch ByteSize.parse(text) {
            case .success(let value): XCTFail("'\(text)' parsed as \(value)")
            case .failure(let error): XCTAssertTrue(error.message.contains(reason), "'\(text)': \(error.message)")
            }
        }
    }

    func testSizesFormatInTheLargestUnitThatDividesThemAndParseBack() {
        let cases: [(Int, String)] = [
            (0, "0"), (1, "1"), (1000, "1KB"), (1024, "1KiB"), (1536, "1536"), (1 << 20, "1MiB"),
            (1_572_864, "1536KiB"),
            (1_000_000, "1MB"), (3 << 30, "3GiB"), (5 << 40, "5TiB"), (1_000_001, "1000001"),
        ]
        for (bytes, text) in cases {
            XCTAssertEqual(ByteSize.format(bytes), text)
            XCTAssertEqual(try ByteSize.parse(text).get(), bytes, text)
        }
    }

    func testDurationsParseUnitsDecimalsAndCompoundsToTheMillisecond() {
        let cases: [(String, Duration)] = [
            ("1s", .seconds(1)), ("500ms", .milliseconds(500)), ("1.5s", .milliseconds(1500)), ("2m", .seconds(120)),
            ("1h", .seconds(3600)), ("1h30m", .seconds(5400)), ("1m30s", .seconds(90)), ("0s", .zero),
            ("0.25h", .seconds(900)), ("1s500ms", .milliseconds(1500)),
        ]
        for (text, duration) in cases {
            XCTAssertEqual(try DurationSyntax.parse(text).get(), duration, text)
        }
    }

    func testDurationsWithoutAUnitOrFinerThanAMillisecondAreRefused() {
        let cases: [(String, String)] = [
            ("5", "needs a unit"), ("", "not a duration"), ("5sec", "unknown duration unit 'sec'"),
            ("1d", "unknown duration unit 'd'"),
            ("0.5ms", "not a whole number of milliseconds"), ("-1s", "is not a duration"), ("1..5s", "malformed"),
            ("s", "is not a duration"), ("99999999999999999h", "too long"),
        ]
        for (text, reason) in cases {
            switch DurationSyntax.parse(text) {
            case .success(let value): XCTFail("'\(text)' parsed as \(value)")
            case .failure(let error): XCTAssertTrue(error.message.contains(reason), "'\(text)': \(error.message)")
            }
        }
    }

    func testDurationsFormatInTheLargestUnitThatDividesThem() {
        let cases: [(Duration, String)] = [
            (.zero, "0s"), (.milliseconds(1500), "1500ms"), (.seconds(90), "90s"), (.seconds(120), "2m"),
            (.seconds(7200), "2h"), (.milliseconds(1), "1ms"),
        ]
        for (duration, text) in cases {
            XCTAssertEqual(DurationSyntax.format(duration), text)
            XCTAssertEqual(try DurationSyntax.parse(text).get(), duration, text)
        }
    }

    func testListenAddressesTakeAHostAndAPortWithIPv6InBrackets() throws {
        XCTAssertEqual(try ListenAddress.parse("127.0.0.1:7800").get(), ListenAddress(host: "127.0.0.1", port: 7800))
        XCTAssertEqual(try ListenAddress.parse("[::1]:9465").get(), ListenAddress(host: "::1", port: 9465))
        XCTAssertEqual(try ListenAddress.parse("collector.internal:0").get().port, 0)
        XCTAssertEqual(ListenAddress(host: "::1", port: 9465).description, "[::1]:9465")
        for bad in ["127.0.0.1", ":7800", "::1:7800", "host:port", "host:65536", "[::1]7800", "a b:80", "host:"] {
            XCTAssertThrowsError(try ListenAddress.parse(bad).get(), bad)
        }
    }
}
