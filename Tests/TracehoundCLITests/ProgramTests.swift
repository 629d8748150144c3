import TracehoundCLI
import XCTest

final class ProgramTests: XCTestCase {
    func makeProgram() -> Program {
        Program(
            name: "tool",
            summary: "a tool",
            version: "1.2.3",
            commands: [
                Command(
                    name: "check",
                    summary: "check a thing",
                    synopsis: "[--config FILE]",
                    flags: [Flag("config", value: "FILE", help: "the config")],
                    run: { arguments, context in
                        context.output.write("config=\(arguments.value("config") ?? "-")\n")
                        return arguments.value("config") == "bad" ? .failure : .success
                    }
                ),
                Command(
                    name: "boom",
                    summary: "fails",
                    run: { _, _ in throw UsageError("not like that") }
                ),
            ]
        )
    }

    func run(_ arguments: [String]) -> (ExitCode, String, String) {
        let output = TextOutput.capturing()
        let errors = TextOutput.capturing()
        let code = makeProgram().main(arguments, environment: [:], output: output, errors: errors)
        return (code, output.text, errors.text)
    }

    func testRunsACommandAndReturnsItsExitCode() {
        XCTAssertEqual(run(["check", "--config", "a"]).0, .success)
        XCTAssertEqual(run(["check", "--config", "a"]).1, "config=a\n")
        XCTAssertEqual(run(["check", "--config=bad"]).0, .failure)
    }

    func testAnUnknownFlagIsAUsageErrorWithTheUsageLine() {
        let (code, output, errors) = run(["check", "--conf", "a"])
        XCTAssertEqual(code, .usage)
        XCTAssertEqual(code.rawValue, 2)
        XCTAssertEqual(output, "")
        XCTAssertEqual(errors, "tool check: unknown flag '--conf'\nusage: tool check [--config FILE]\n")
    }

    func testAnUnknownCommandIsAUsageError() {
        let (code, _, errors) = run(["frobnicate"])
        XCTAssertEqual(code, .usage)
        XCTAssertTrue(errors.hasPrefix("tool: unknown command 'frobnicate'\nusage: tool <check|boom|version|help>"))
    }

    func testNoCommandPrintsTheOverviewAsAUsageError() {
        let (code, _, errors) = run([])
        XCTAssertEqual(code, .usage)
        XCTAssertTrue(errors.contains("  check    check a thing\n"), errors)
    }

    func testHelpWorksOnEveryCommandAndAsACommand() {
        for arguments in [["check", "--help"], ["check", "-h"], ["help", "check"]] {
            let (code, output, _) = run(arguments)
            XCTAssertEqual(code, .success, "\(arguments)")
            XCTAssertTrue(output.hasPrefix("usage: tool check [--config FILE]\n"), "\(arguments): \(output)")
            XCTAssertTrue(output.contains("--config FILE  the config"), "\(arguments): \(output)")
        }
        let (code, output, _) = run(["--help"])
        XCTAssertEqual(code, .success)
        XCTAssertTrue(output.contains("boom"))
    }

    func testVersionPrintsTheProgramAndItsVersion() {
        XCTAssertEqual(run(["version"]).1, "tool 1.2.3\n")
        XCTAssertEqual(run(["--version"]).1, "tool 1.2.3\n")
    }

    func testAUsageErrorThrownByACommandExitsTwo() {
        let (code, _, errors) = run(["boom"])
        XCTAssertEqual(code, .usage)
        XCTAssertEqual(errors, "tool boom: not like that\nusage: tool boom \n")
    }
}
