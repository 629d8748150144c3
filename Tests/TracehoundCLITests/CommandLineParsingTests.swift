import TracehoundCLI
import XCTest

final class CommandLineParsingTests: XCTestCase {
    let command = Command(
        name: "test-rules",
        summary: "try rules",
        synopsis: "[--config FILE] [--json] FILE...",
        flags: [
            Flag("config", value: "FILE", help: "config"),
            Flag("rules", value: "PATH", repeatable: true, help: "rules"),
            Flag("json", help: "json"),
        ],
        positional: 1...Int.max,
        run: { _, _ in .success }
    )

    func testAcceptsFlagValueAsSeparateArgumentAndAfterEquals() throws {
        let separate = try command.parse(["--config", "a.yaml", "t.jsonl"])
        XCTAssertEqual(separate.value("config"), "a.yaml")
        let joined = try command.parse(["--config=b.yaml", "t.jsonl"])
        XCTAssertEqual(joined.value("config"), "b.yaml")
        let emptyAfterEquals = try command.parse(["--config=", "t.jsonl"])
        XCTAssertEqual(emptyAfterEquals.value("config"), "")
    }

    func testKeepsEveryValueOfARepeatableFlagInOrder() throws {
        let parsed = try command.parse(["--rules", "a", "--rules=b", "x", "--json", "y"])
        XCTAssertEqual(parsed.all("rules"), ["a", "b"])
        XCTAssertTrue(parsed.isSet("json"))
        XCTAssertEqual(parsed.positional, ["x", "y"])
    }

    func testDoubleDashEndsFlagsSoFilesMayStartWithADash() throws {
        let parsed = try command.parse(["--json", "--", "--weird-name.jsonl"])
        XCTAssertEqual(parsed.positional, ["--weird-name.jsonl"])
    }

    func testRejectsUnknownFlagsMissingValuesRepeatsAndValuesOnSwitches() {
        let cases: [([String], String)] = [
            (["--nope", "f"], "unknown flag '--nope'"),
            (["-x", "f"], "unknown flag '-x'"),
            (["f", "--config"], "flag '--config' needs a value"),
            (["--config", "a", "--config", "b", "f"], "flag '--config' given more than once"),
            (["--json=yes", "f"], "flag '--json' takes no value"),
            (["--json"], "missing argument"),
        ]
        for (arguments, message) in cases {
            XCTAssertThrowsError(try command.parse(arguments), "\(arguments)") { error in
                XCTAssertEqual((error as? UsageError)?.message, message, "\(arguments)")
            }
        }
    }

    func testRejectsPositionalArgumentsACommandDoesNotTake() {
        let check = Command(name: "check", summary: "", run: { _, _ in .success })
        XCTAssertThrowsError(try check.parse(["stray"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "unexpected argument 'stray'")
        }
    }
}
