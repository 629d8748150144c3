import XCTest

// The raw-line translation's decisions, one by one (the property tests check the result as a whole): which
// assertions survive into raw bytes, which patterns need forms for matches across joined pieces, and windows.
@testable import TracehoundFilter

final class RawLinePatternTests: XCTestCase {
    func raw(_ pattern: String, caseless: Bool = false) throws -> RawLinePattern.Expressions {
        RawLinePattern.expressions(for: try RegexParser.parse(pattern, caseless: caseless))
    }

    func testAWordBoundaryStaysWhereARawBoundaryMustHold() throws {
        // At the start, the byte before may be an escape's letter (`\ngit`): the raw match may start with it.
        XCTAssertTrue(try raw(#"\bgit\b"#).whole.hasPrefix(#"(?:\b|\\{1,3}[bfnrt])"#))
        XCTAssertTrue(try raw(#"\bgit\b"#).whole.hasSuffix(#"\b"#), "after a letter a raw boundary always holds")
        XCTAssertTrue(try raw(#"-\bgit"#).whole.contains(#"]\b["#), "after a dash, kept as is")
        XCTAssertFalse(try raw(#"\s\bgit"#).whole.contains(#"\b"#), "after \\s the byte may be written \\n: dropped")
        XCTAssertFalse(try raw(#"x\Bgit"#).whole.contains(#"\B"#))
    }

    func testAFieldStartIsAfterAQuoteOrALineBreakAndMultilineAnchorsAreDropped() throws {
        XCTAssertTrue(try raw("^rm").whole.hasPrefix(#"(?:^|[\n"])"#))
        XCTAssertFalse(try raw("(?m)^rm").whole.contains("^"))
        XCTAssertFalse(try raw("rm$").whole.contains("$"))
    }

    func testPatternsThatCannotTakeAnLFHaveNoCrossingForms() throws {
        XCTAssertNil(try raw(#"\bgit push"#).crossing, "a literal space is an argv boundary, never an LF")
        XCTAssertNil(try raw(#"rm.{0,9}-rf"#).crossing)
        XCTAssertNotNil(try raw(#"rm\s+-rf"#).crossing)
        XCTAssertNotNil(try raw(#"rm[^a-z]-rf"#).crossing)
    }

    func testTheSideWithTheLongerLiteralIsScannedAndTheOtherChecked() throws {
        let forms = try XCTUnwrap(try raw(#"\bsh\s+-c\s+base64_decoded_payload"#).crossing)
        XCTAssertTrue(forms.scan.contains("[\\x5f][\\x64]"), "the long tail literal is scanned: \(forms.scan)")
        XCTAssertFalse(forms.check.contains("[\\x5f][\\x64]"), forms.check)
    }

    func testWideWindowsAreLeftOpenAndNarrowOnesScaleWithTheLongestRawForm() throws {
        XCTAssertTrue(try raw("a.{0,500}b").whole.contains("]*"), "500 × 7 raw bytes: left open")
        XCTAssertTrue(try raw("a.{0,40}b").whole.contains("{0,280}"), "a space may be an argv boundary of 7 bytes")
        XCTAssertTrue(try raw(#"a\d{1,4}b"#).whole.contains("{1,4}"), "digits are never escaped")
        XCTAssertTrue(try raw(#"a[\w/]{1,4}b"#).whole.contains("{1,16}"), "a slash may be \\\\\\/")
    }

    func testVetoesGetNoRawFormAndOnlyCommandAndOutputRulesGetCrossings() throws {
        let yaml =
            "rules:\n"
            + ruleYAML(id: "r.thinking", fields: ["reasoning"], regex: [#"a\s+b"#], not: [#"c\s+d"#])
            + ruleYAML(id: "r.command", fields: ["command"], regex: [#"e\s+f"#])
        let engine = try FilterFixtures.engine(yaml: yaml)
        XCTAssertEqual(engine.rawRoles, [.whole(0), .whole(2), .crossing(2), .whole(nil)])
        XCTAssertNotNil(engine.crossingCheck(for: 2))
        XCTAssertNil(engine.crossingCheck(for: 0))
    }
}
