// `${VAR}` expansion in scalar values: defaults, escapes, errors at the scalar's position, typed values after it.
import TracehoundConfig
import XCTest

final class EnvironmentExpansionTests: XCTestCase {
    private let prefix =
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink: {url: \"http://h/v1/batches\"}\n"

    private func load(_ lines: String, _ environment: [String: String]) throws -> DaemonConfig {
        try DaemonConfig.load(yaml: prefix + lines, file: "env.yaml", environment: environment)
    }

    func testVariablesExpandInPlainAndQuotedValues() throws {
        let config = try load(
            "data_dir: ${STATE}/tracehound\nhost_id: \"${HOST}\"\nrules: {include: ['${RULES}/*.yaml']}\n",
            ["STATE": "/srv", "HOST": "agent-17", "RULES": "/opt/rules"]
        )
        XCTAssertEqual(config.dataDir, "/srv/tracehound")
        XCTAssertEqual(config.hostID, "agent-17")
        XCTAssertEqual(config.rules.include, ["/opt/rules/*.yaml"])
    }

    func testADefaultIsUsedWhenTheVariableIsUnsetOrEmpty() throws {
        let lines = "data_dir: ${STATE:-/var/lib/th}\nhost_id: ${HOST:-fallback}\n"
        XCTAssertEqual(try load(lines, [:]).dataDir, "/var/lib/th")
        XCTAssertEqual(try load(lines, ["HOST": ""]).hostID, "fallback")
        XCTAssertEqual(try load(lines, ["HOST": "set"]).hostID, "set")
    }

    func testADoubleDollarIsOneDollarAndALoneDollarStaysAsWritten() throws {
        let config = try load("redact: {patterns: ['secret=\\S+$', 'cost: $$5 $${NOT}', 'a$b']}\n", [:])
        XCTAssertEqual(config.redact.patterns, ["secret=\\S+$", "cost: $5 ${NOT}", "a$b"])
    }

    func testExpandedTextIsTypedSoNumbersSizesAndDurationsCanComeFromTheEnvironment() throws {
        let config = try load(
            "segments:\n  max_records: ${RECORDS}\n  max_bytes: ${SEGMENT_SIZE}\n  idle_close: ${IDLE:-7s}\n",
            ["RECORDS": "300", "SEGMENT_SIZE": "512KiB"]
        )
        XCTAssertEqual(config.segments.maxRecords, 300)
        XCTAssertEqual(config.segments.maxBytes, 512 << 10)
        XCTAssertEqual(config.segments.idleClose, .seconds(7))
    }

    func testAQuotedReferenceIsTypedByItsValueSinceFlowStyleNeedsTheQuotes() throws {
        let config = try load(
            "segments: {max_records: \"${RECORDS}\", context_before: \"${BEFORE:-3}\"}\n",
            ["RECORDS": "50"]
        )
        XCTAssertEqual(config.segments.maxRecords, 50)
        XCTAssertEqual(config.segments.contextBefore, 3)
    }

    func testAnUnsetVariableIsAnErrorAtItsScalarNamingTheVariable() {
        XCTAssertThrowsError(try load("\ndata_dir:   /x/${MISSING_DIR}/y\n", [:])) { error in
            XCTAssertEqual(
                (error as? ConfigError)?.description,
                "env.yaml:4:13: data_dir: environment variable MISSING_DIR is not set (give a default with ${MISSING_DIR:-value})"
            )
        }
    }

    func testMalformedReferencesAreErrors() {
        XCTAssertThrowsError(try load("data_dir: /x/${OPEN\n", [:])) { error in
            XCTAssertTrue("\(error)".contains("'${' has no closing '}'"), "\(error)")
        }
        XCTAssertThrowsError(try load("data_dir: /x/${1BAD}\n", [:])) { error in
            XCTAssertTrue("\(error)".contains("'${1BAD}' does not name an environment variable"), "\(error)")
        }
    }

    func testKeysAreNeverExpanded() {
        XCTAssertThrowsError(try load("${KEY}: 1\n", ["KEY": "data_dir"])) { error in
            XCTAssertTrue("\(error)".contains("unknown key '${KEY}'"), "\(error)")
        }
    }
}
