// Redaction (DESIGN.md §3.7): every built-in detector replaces what it finds with [REDACTED:name], keeping the key
// of an assignment or bearer header; configured patterns too; look-alikes stay; hit offsets follow the edits,
// invalid UTF-8 becomes U+FFFD, and the number of redactions travels with the segment.
import Foundation
import TracehoundConfig
import TracehoundCore
import XCTest

@testable import TracehoundFilter

final class RedactionTests: XCTestCase {
    func redact(_ text: String, patterns: [String] = []) throws -> (text: String, edits: [TextEdit]) {
        let redactor = try Redactor(set: RedactionSet(builtin: BuiltinRedaction.allCases, patterns: patterns))
        var bytes = Array(text.utf8)
        let edits = try redactor.redact(&bytes)
        return (String(decoding: bytes, as: UTF8.self), edits)
    }

    static let secrets: [(text: String, redacted: String)] = [
        ("key AKIAIOSFODNN7EXAMPLE here", "key [REDACTED:aws] here"),
        (
            "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "export AWS_SECRET_ACCESS_KEY=[REDACTED:aws]"
        ),
        (
            #"aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#,
            #"aws_secret_access_key: "[REDACTED:aws]""#
        ),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB.", "token [REDACTED:github]."),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv end", "[REDACTED:github] end"),
        ("OPENAI_KEY sk-abcdefghijklmnopqrstuvwxyz012345", "OPENAI_KEY [REDACTED:openai]"),
        ("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz_0123-456 x", "[REDACTED:openai] x"),
        ("use sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123-AA now", "use [REDACTED:anthropic] now"),
        ("slack xoxb-1234567890-0987654321-abcdefghijklmnop", "slack [REDACTED:slack]"),
        (
            "post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX ok",
            "post to [REDACTED:slack] ok"
        ),
        (
            "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0\nabc+/=\n-----END RSA PRIVATE KEY-----\nafter",
            "a\n[REDACTED:private_key]\nafter"
        ),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n(cut off)", "[REDACTED:private_key]"),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U;",
            "jwt [REDACTED:jwt];"
        ),
        ("Authorization: Bearer abcdef0123456789abcdef.xyz", "Authorization: Bearer [REDACTED:bearer]"),
        ("curl -H 'authorization: bearer AbC123dEf456GhI789jk'", "curl -H 'authorization: bearer [REDACTED:bearer]'"),
        ("db password=hunter2hunter2 ok", "db password=[REDACTED:password] ok"),
        (#"{"secret": "s3cr3t-value"}"#, #"{"secret": "[REDACTED:password]"}"#),
        ("API_KEY: zz9-plural-z-alpha", "API_KEY: [REDACTED:password]"),
        ("PAYMENTS_API_KEY=zz9-plural-z-alpha", "PAYMENTS_API_KEY=[REDACTED:password]"),
        ("DB_PASSWORD: hunter2hunter2", "DB_PASSWORD: [REDACTED:password]"),
        ("key sk_live_51Hc8Lm2eZvKYlo2C9xQd7Rk3 end", "key [REDACTED:stripe] end"),
        ("rk_test_4eC39HqLyjWDarjtT1zdp7dc", "[REDACTED:stripe]"),
    ]

    func testEachBuiltinDetectorReplacesItsSecretAndKeepsTheKeyOfAssignments() throws {
        for (text, expected) in Self.secrets {
            let result = try redact(text)
            XCTAssertEqual(result.text, expected, text)
            XCTAssertEqual(result.edits.count, 1, text)
        }
    }

    func testLookAlikesAreNotRedacted() throws {
        let benign = [
            "task-output-waiting-1770847386522",
            "the risk-assessment-document-for-q3-planning is ready",
            "disk-usage-monitoring-dashboard-v2-final",
            "password=short and secret: tiny",
            "the password is stored in the vault",
            "AKIAshort and akiaiosfodnn7example",
            "ghp_tooShort and github_pat_short",
            "Bearer token and Bearer short",
            "eyJhbGciOi.eyJzdWIi.sig",
            "xoxb-123",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
            "a sketch of the sk- prefix",
        ]
        for text in benign {
            XCTAssertEqual(try redact(text).text, text)
        }
    }

    func testConfiguredPatternsAreRedactedAsCustom() throws {
        let result = try redact("ticket INTERNAL-123456 and internal-654321", patterns: [#"INTERNAL-\d{6}"#])
        XCTAssertEqual(
            result.text,
            "ticket [REDACTED:custom] and internal-654321",
            "configured patterns are case-sensitive"
        )
        XCTAssertThrowsError(try RedactionSet(builtin: [], patterns: ["(unclosed"]))
    }

    func testSeveralSecretsInOneFieldAreEachReplacedInOrder() throws {
        let result = try redact("a AKIAIOSFODNN7EXAMPLE b password=abcdefgh c ghp_abcdefghijklmnopqrstuvwxyz0123456789")
        XCTAssertEqual(result.text, "a [REDACTED:aws] b password=[REDACTED:password] c [REDACTED:github]")
        XCTAssertEqual(result.edits.map(\.start), [2, 34, 45], "offsets in the old text; the key stays")
    }

    // MARK: - Offsets through edits

    func testOffsetsMoveWithReplacementsBeforeThemAndStayWithReplacementsAfter() {
        // Old text: 0..<10 replaced by 4 bytes (shorter), 20..<22 replaced by 9 bytes (longer).
        let edits = [
            TextEdit(start: 0, end: 10, replacementCount: 4), TextEdit(start: 20, end: 22, replacementCount: 9),
        ]
        XCTAssertEqual(TextEdits.map(12, through: edits, isEnd: false), 6, "after the shorter one")
        XCTAssertEqual(TextEdits.map(25, through: edits, isEnd: false), 25 - 6 + 7, "after both")
        XCTAssertEqual(TextEdits.map(20, through: edits, isEnd: true), 14, "right at the start of the second")
        XCTAssertEqual(TextEdits.map(10, through: edits, isEnd: false), 4, "right at the end of the first")
        XCTAssertEqual(TextEdits.map(5, through: edits, isEnd: false), 0, "a start inside a replacement moves to it")
        XCTAssertEqual(TextEdits.map(21, through: edits, isEnd: true), 14 + 9, "an end inside one moves past it")
        XCTAssertEqual(TextEdits.map(0, through: [], isEnd: false), 0)
    }

    /// A segment of one record with one field, one hit at `hit` in it, built with every redaction.
    func buildSegment(_ text: [UInt8], hit: Range<Int>) throws -> Segment {
        let engine = try FilterFixtures.engine(
            yaml: "rules:\n" + ruleYAML(id: "r.one", severity: "critical", regex: ["x"])
        )
        let closed = Segmenter.ClosedSegment(
            records: [SegmentRecord(position: "0", record: Record(fields: [RecordField(kind: .command, text: text)]))],
            hits: [(0, Hit(rule: 0, field: 0, start: hit.lowerBound, end: hit.upperBound))],
            score: 30,
            sampled: false
        )
        let builder = SegmentBuilder(
            host: "h",
            stream: StreamIdentity(source: "s", format: "text", path: "/p", fingerprint: "f")
        )
        return try builder.build(closed, engine: engine, redactor: Redactor(set: RedactionSet(RedactConfig())))
    }

    func testAHitKeepsCoveringItsTextWhenSecretsAreRedactedAroundIt() throws {
        let text = "AKIAIOSFODNN7EXAMPLE; rm -rf / ; password=abcdefgh"
        let hit = try XCTUnwrap(text.range(of: "rm -rf /")).utf8Offsets(in: text)
        let segment = try buildSegment(Array(text.utf8), hit: hit)
        let field = String(decoding: segment.records[0].record.fields[0].text, as: UTF8.self)
        XCTAssertEqual(field, "[REDACTED:aws]; rm -rf / ; password=[REDACTED:password]")
        XCTAssertEqual(segment.redactions, 2)
        let mapped = try XCTUnwrap(segment.hits.first)
        XCTAssertEqual(Array(field.utf8)[mapped.start..<mapped.end], Array("rm -rf /".utf8)[...])
        XCTAssertEqual(mapped.rule, "r.one")
        XCTAssertEqual(mapped.kind, .command)
    }

    func testAHitThatOverlapsASecretCoversItsReplacement() throws {
        let text = "curl -H 'Authorization: Bearer abcdef0123456789abcdef' x"
        // The hit ends inside the secret: it must end after the replacement, not inside another word.
        let hit = 0..<(text.utf8.count - 10)
        let segment = try buildSegment(Array(text.utf8), hit: hit)
        let field = String(decoding: segment.records[0].record.fields[0].text, as: UTF8.self)
        XCTAssertEqual(field, "curl -H 'Authorization: Bearer [REDACTED:bearer]' x")
        XCTAssertEqual(segment.hits.first?.start, 0)
        XCTAssertEqual(segment.hits.first?.end, field.utf8.count - 3, "the end moves to the end of [REDACTED:bearer]")
    }

    func testInvalidUTF8IsRepairedAndOffsetsAfterItAreRemapped() throws {
        // "a", two invalid bytes (one run), "b", a lone continuation byte, then the hit "rm".
        let text: [UInt8] = [0x61, 0xFF, 0xFE, 0x62, 0x80, 0x20] + Array("rm".utf8)
        let segment = try buildSegment(text, hit: 6..<8)
        let repaired = segment.records[0].record.fields[0].text
        XCTAssertEqual(String(validating: repaired, as: UTF8.self), "a\u{FFFD}b\u{FFFD} rm")
        XCTAssertEqual(segment.hits.first.map { Array(repaired[$0.start..<$0.end]) }, Array("rm".utf8))
        XCTAssertEqual(segment.redactions, 0, "repairs are not redactions")
    }

    func testTheRedactionCountTravelsInTheSegmentJSON() throws {
        let segment = try buildSegment(Array("ghp_abcdefghijklmnopqrstuvwxyz0123456789 x".utf8), hit: 41..<42)
        let object = try JSONSerialization.jsonObject(with: Data(segment.jsonLine)) as? [String: Any]
        XCTAssertEqual(object?["redactions"] as? Int, 1)
        XCTAssertFalse(String(decoding: segment.jsonLine, as: UTF8.self).contains("ghp_abc"), "the secret left")
    }
}

extension Range where Bound == String.Index {
    /// The UTF-8 offsets of this range in `text` (the texts here are ASCII).
    func utf8Offsets(in text: String) -> Range<Int> {
        text.utf8.distance(
            from: text.startIndex,
            to: lowerBound
        )..<text.utf8.distance(from: text.startIndex, to: upperBound)
    }
}
