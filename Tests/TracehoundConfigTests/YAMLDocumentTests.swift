// The YAML reader over libyaml: node tree, positions, scalar styles and tags, duplicates, aliases, syntax errors.
import TracehoundConfig
import XCTest

final class YAMLDocumentTests: XCTestCase {
    private func parse(_ text: String) throws -> YAMLNode {
        try XCTUnwrap(YAMLDocument.parse(text, file: "t.yaml"))
    }

    private func errors(_ text: String) -> [ConfigDiagnostic] {
        do {
            _ = try YAMLDocument.parse(text, file: "t.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    func testEveryNodeAndKeyCarriesItsFileLineAndColumn() throws {
        let root = try parse("# comment\na:\n  b: [1, two]\n  c: {d: x}\n")
        let entries = try XCTUnwrap(root.mapping)
        XCTAssertEqual(entries[0].key, "a")
        XCTAssertEqual(entries[0].keyMark, YAMLMark(file: "t.yaml", line: 2, column: 1))
        let inner = try XCTUnwrap(entries[0].value.mapping)
        XCTAssertEqual(inner.map(\.key), ["b", "c"])
        XCTAssertEqual(inner[0].keyMark.description, "t.yaml:3:3")
        let list = try XCTUnwrap(inner[0].value.sequence)
        XCTAssertEqual(inner[0].value.mark.description, "t.yaml:3:6")
        XCTAssertEqual(list.map(\.mark.column), [7, 10])
        XCTAssertEqual(list.map { $0.scalar?.text }, ["1", "two"])
        XCTAssertEqual(root["a"]?["c"]?["d"]?.mark.description, "t.yaml:4:10")
    }

    func testScalarsKeepTheirStyleSoQuotedNumbersAndBooleansStayStrings() throws {
        let root = try parse("p: 10\nd: \"10\"\ns: 'yes'\nl: |\n  line\nf: >\n  folded\nt: !!str 10\nn: ~\ne:\n")
        let scalars = try XCTUnwrap(root.mapping).map { try XCTUnwrap($0.value.scalar) }
        XCTAssertEqual(
            scalars.map(\.style),
            [.plain, .doubleQuoted, .singleQuoted, .literal, .folded, .plain, .plain, .plain]
        )
        XCTAssertEqual(scalars.map(\.isPlain), [true, false, false, false, false, false, true, true])
        XCTAssertEqual(scalars[3].text, "line\n")
        XCTAssertEqual(scalars[5].tag, "tag:yaml.org,2002:str")
        XCTAssertEqual(scalars.map(\.isNull), [false, false, false, false, false, false, true, true])
        XCTAssertEqual(root["d"]?.kindDescription, "a string")
        XCTAssertEqual(root["p"]?.kindDescription, "a number")
    }

    func testEveryDuplicateKeyIsReportedAtTheSecondOccurrence() {
        let found = errors("a: 1\nb: {x: 1, x: 2}\na: 3\n")
        XCTAssertEqual(
            found.map(\.description),
            [
                "t.yaml:2:11: b.x: duplicate key 'x' (first at line 2, column 5)",
                "t.yaml:3:1: a: duplicate key 'a' (first at line 1, column 1)",
            ]
        )
    }

    func testAnAliasStandsForTheAnchoredNodeAtTheAliasPosition() throws {
        let root = try parse("base: &globs [/a/*, /b/*]\nother: *globs\n")
        let other = try XCTUnwrap(root["other"])
        XCTAssertEqual(other.sequence?.compactMap { $0.scalar?.text }, ["/a/*", "/b/*"])
        XCTAssertEqual(other.mark.description, "t.yaml:2:8")
        XCTAssertEqual(other.sequence?.first?.mark.description, "t.yaml:1:15")
    }

    func testAliasesThatExpandToTooManyNodesAreRefused() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...6 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        let found = errors(lines.joined(separator: "\n"))
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.message.contains("aliases stand for more than 100000 nodes") == true, "\(found)")
    }

    func testAnAliasToAnUnknownAnchorIsAnError() {
        XCTAssertEqual(
            errors("a: *nowhere\n").map(\.description),
            ["t.yaml:1:4: a: alias *nowhere refers to no anchor before it"]
        )
    }

    func testNestingDeeperThanTheLimitIsRefusedWithoutExhaustingTheStack() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let found = errors(deep)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.message.contains("nesting is deeper than 100 levels") == true, "\(found)")
    }

    func testASyntaxErrorCarriesLibyamlsProblemAndPositionAndTheDuplicatesFoundBeforeIt() {
        let found = errors("a: 1\na: 2\nb: [1, 2\n")
        XCTAssertEqual(found.count, 2)
        XCTAssertEqual(found.first?.message, "duplicate key 'a' (first at line 1, column 1)")
        XCTAssertEqual(found.last?.line, 4)
        XCTAssertEqual(found.last?.keyPath, "b")
        XCTAssertTrue(found.last?.message.hasPrefix("YAML syntax error: did not find expected ',' or ']'") == true)
    }

    func testInvalidUTF8IsASyntaxErrorWithItsByteOffset() throws {
        let found: [ConfigDiagnostic]
        do {
            _ = try YAMLDocument.parse(bytes: Array("a: ".utf8) + [0xFF, 0x0A], file: "t.yaml")
            found = []
        } catch {
            found = error.diagnostics
        }
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.message.contains("invalid leading UTF-8 octet at byte 3") == true, "\(found)")
    }

    func testAnEmptyDocumentIsNilAndASecondDocumentIsAnError() throws {
        XCTAssertNil(try YAMLDocument.parse("# only a comment\n", file: "t.yaml"))
        XCTAssertNil(try YAMLDocument.parse("", file: "t.yaml"))
        XCTAssertEqual(
            errors("a: 1\n---\nb: 2\n").map(\.description),
            ["t.yaml:2:1: a config file holds one YAML document; a second one starts here"]
        )
    }

    func testAMappingKeyThatIsNotAScalarIsAnError() {
        XCTAssertEqual(errors("? [a, b]\n: 1\n").map(\.message), ["a mapping key must be a scalar, not a list"])
    }

    func testReadingAMissingFileNamesThePathAndTheErrnoText() {
        do {
            _ = try YAMLDocument.read(path: "/nonexistent/tracehound.yaml")
            XCTFail("read a file that does not exist")
        } catch {
            XCTAssertEqual(
                error.description,
                "/nonexistent/tracehound.yaml: cannot read config file: No such file or directory (errno 2)"
            )
        }
    }
}
