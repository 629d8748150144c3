// Loading rules.d: every mistake reported with file:line:column and key path, later files overriding earlier
// ones by id, `disable:` and `enabled: false`, and vectorscan's refusals naming the rule and where it was written.
import Foundation
import TracehoundConfig
import TracehoundCore
import TracehoundTestKit
import XCTest

@testable import TracehoundFilter

final class RuleLoaderTests: XCTestCase {
    static let head = "rules:\n  - id: r.one\n    category: c\n    severity: high\n"

    /// A rules file with one mistake, and the one diagnostic it must produce: line, column, key path, message.
    static let badFiles: [(yaml: String, line: Int, column: Int, keyPath: String, message: String)] = [
        (
            head + "    patterns: [{regex: abc}]\n    colour: red\n", 6, 5, "rules[0].colour",
            "unknown key 'colour' (a rule has id, description, category, severity, fields, patterns, not, case, enabled)"
        ),
        ("rulez: []\n", 1, 1, "rulez", "unknown key 'rulez' (a rules file has 'rules' and 'disable')"),
        (
            "rules:\n  - category: c\n    severity: high\n    patterns: [{regex: abc}]\n", 2, 5, "rules[0]",
            "missing required key 'id'"
        ),
        (
            "rules:\n  - id: r.one\n    severity: high\n    patterns: [{regex: abc}]\n", 2, 5, "rules[0]",
            "missing required key 'category'"
        ),
        (head, 2, 5, "rules[0]", "missing required key 'patterns'"),
        (
            "rules:\n  - id: r.one\n    category: c\n    severity: severe\n    patterns: [{regex: abc}]\n", 4, 15,
            "rules[0].severity", "unknown severity 'severe' (low, medium, high or critical)"
        ),
        (
            head + "    fields: [reasoning, thoughts]\n    patterns: [{regex: abc}]\n", 5, 25, "rules[0].fields[1]",
            "unknown field kind 'thoughts' (reasoning, message, user, command, output, log)"
        ),
        (head + "    patterns: []\n", 5, 15, "rules[0].patterns", "a rule needs one pattern at least"),
        (
            head + "    patterns:\n      - {regex: abc, phrase: abc}\n", 6, 9, "rules[0].patterns[0]",
            "expected exactly one of {regex: ...} or {phrase: ...}"
        ),
        (
            head + "    patterns:\n      - regex: 'a(?=b)'\n", 6, 16, "rules[0].patterns[0].regex",
            "invalid pattern: lookahead is not supported by vectorscan at offset 1"
        ),
        (
            head + "    patterns:\n      - regex: 'x*'\n", 6, 16, "rules[0].patterns[0].regex",
            "the pattern matches the empty string"
        ),
        (
            head + "    patterns:\n      - phrase: ''\n", 6, 17, "rules[0].patterns[0].phrase",
            "expected a non-empty string"
        ),
        (
            head + "    case: maybe\n    patterns: [{regex: abc}]\n", 5, 11, "rules[0].case",
            "expected 'sensitive' or 'insensitive'"
        ),
        (
            head + "    enabled: yes\n    patterns: [{regex: abc}]\n", 5, 14, "rules[0].enabled",
            "expected true or false"
        ),
        (
            "rules:\n  - id: 'has space'\n    category: c\n    severity: high\n    patterns: [{regex: abc}]\n", 2, 9,
            "rules[0].id", "'has space' is not a rule id (letters, digits, '.', '-' and '_')"
        ),
        (
            head + "    patterns: [{regex: abc}]\n    not:\n      - regex: '(?<=x)y'\n", 7, 16, "rules[0].not[0].regex",
            "invalid pattern: lookbehind is not supported by vectorscan at offset 0"
        ),
    ]

    func testEachMistakeIsReportedWithItsLineColumnAndKeyPath() {
        for bad in Self.badFiles {
            XCTAssertThrowsError(try RuleLoader.load(yaml: bad.yaml, file: "bad.yaml"), bad.yaml) { error in
                let diagnostics = (error as? ConfigError)?.diagnostics ?? []
                let expected = ConfigDiagnostic(
                    file: "bad.yaml",
                    line: bad.line,
                    column: bad.column,
                    keyPath: bad.keyPath,
                    message: bad.message
                )
                XCTAssertEqual(diagnostics, [expected], bad.yaml)
            }
        }
    }

    func testEveryMistakeOfEveryFileIsReportedInOneRun() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "10-a.yaml",
            Self.head
                + "    patterns: []\n  - id: r.two\n    category: c\n    severity: hot\n    patterns: [{regex: x}]\n"
        )
        _ = try directory.write("20-b.yml", "disable: [r.one]\nextra: 1\n")
        XCTAssertThrowsError(try RuleLoader.load(paths: [directory.path])) { error in
            let found = ((error as? ConfigError)?.diagnostics ?? []).map {
                "\(($0.file as NSString).lastPathComponent):\($0.line) \($0.keyPath)"
            }
            XCTAssertEqual(
                found,
                ["10-a.yaml:5 rules[0].patterns", "10-a.yaml:8 rules[1].severity", "20-b.yml:2 extra"]
            )
        }
    }

    func testALaterFileReplacesARuleWithTheSameIDInItsOriginalPlace() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "10-a.yaml",
            "rules:\n" + ruleYAML(id: "r.first", regex: ["a"]) + ruleYAML(id: "r.shared", severity: "low", regex: ["b"])
        )
        _ = try directory.write(
            "20-b.yaml",
            "rules:\n" + ruleYAML(id: "r.shared", severity: "critical", regex: ["c"])
                + ruleYAML(id: "r.last", regex: ["d"])
        )
        let rules = try RuleLoader.load(paths: [directory.path])
        XCTAssertEqual(rules.map(\.id), ["r.first", "r.shared", "r.last"])
        XCTAssertEqual(rules[1].severity, .critical)
        XCTAssertEqual(rules[1].patterns.map(\.text), ["c"])
        XCTAssertTrue(rules[1].mark.file.hasSuffix("20-b.yaml"))
    }

    func testDisableWorksAcrossFilesInEitherOrderAndEnabledFalseDropsARule() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "10-a.yaml",
            "disable: [r.later]\nrules:\n" + ruleYAML(id: "r.kept", regex: ["a"])
                + ruleYAML(id: "r.earlier", regex: ["b"])
        )
        _ = try directory.write(
            "20-b.yaml",
            "disable: [r.earlier]\nrules:\n" + ruleYAML(id: "r.later", regex: ["c"])
                + ruleYAML(id: "r.off", regex: ["d"]) + "    enabled: false\n"
        )
        XCTAssertEqual(try RuleLoader.load(paths: [directory.path]).map(\.id), ["r.kept"])
    }

    func testRuleFilesOfAFolderLoadInNameOrder() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("b.yaml", "rules:\n" + ruleYAML(id: "r.b", regex: ["b"]))
        _ = try directory.write("a.yml", "rules:\n" + ruleYAML(id: "r.a", regex: ["a"]))
        _ = try directory.write("c.txt", "not rules")
        let files = try RuleLoader.ruleFiles(at: directory.path).map { ($0 as NSString).lastPathComponent }
        XCTAssertEqual(Set(files), ["a.yml", "b.yaml"])
        XCTAssertEqual(Set(try RuleLoader.load(paths: [directory.path]).map(\.id)), ["r.a", "r.b"])
    }

    func testAPatternVectorscanRefusesNamesTheRuleAndWhereItWasWritten() throws {
        let yaml =
            "rules:\n" + ruleYAML(id: "r.fine", regex: ["fine"]) + ruleYAML(id: "r.huge", regex: ["ok", "a{40000}"])
        let rules = try RuleLoader.load(yaml: yaml, file: "huge.yaml")
        XCTAssertThrowsError(try RuleEngine(rules: rules)) { error in
            let diagnostics = (error as? ConfigError)?.diagnostics ?? []
            XCTAssertEqual(diagnostics.count, 1)
            XCTAssertEqual(diagnostics.first?.file, "huge.yaml")
            XCTAssertEqual(diagnostics.first?.line, 12, "the line of the refused pattern")
            XCTAssertEqual(diagnostics.first?.keyPath, "rule r.huge")
            XCTAssertTrue(diagnostics.first?.message.contains("Bounded repeat is too large") == true, "\(diagnostics)")
        }
    }

    func testTheDefaultPackLoadsWithUniqueIDsAndCompiles() throws {
        let rules = try RuleLoader.load(paths: [FilterFixtures.defaultPackDirectory])
        XCTAssertGreaterThan(rules.count, 50)
        XCTAssertEqual(Set(rules.map(\.id)).count, rules.count)
        XCTAssertEqual(try FilterFixtures.defaultEngine().rules.map(\.id), rules.map(\.id))
    }
}
