// The token file: tokens with and without a host, comments, the mistakes that make a file unusable, and the
// Authorization header.
import Foundation
import TracehoundCollector
import TracehoundTestKit
import XCTest

final class CollectorTokensTests: XCTestCase {
    func testTokensWithAndWithoutAHostAreRecognisedAndCommentsAreIgnored() throws {
        let tokens = try CollectorTokens.parse(
            """
            # central pipeline
            pipeline-0123456789abcdef

              agent-0123456789abcdef-17   agent-17   # the build box
            agent-with#hash-in-it-0123 agent-18
            """,
            path: "tokens"
        )
        XCTAssertEqual(tokens.count, 3)
        XCTAssertEqual(tokens.boundCount, 2)
        XCTAssertEqual(tokens.credential(forToken: "pipeline-0123456789abcdef".utf8), .fleet)
        XCTAssertEqual(tokens.credential(forToken: "agent-0123456789abcdef-17".utf8), .host("agent-17"))
        XCTAssertEqual(tokens.credential(forToken: "agent-with#hash-in-it-0123".utf8), .host("agent-18"))
        XCTAssertNil(tokens.credential(forToken: "pipeline-0123456789abcde".utf8), "a prefix is not the token")
        XCTAssertNil(tokens.credential(forToken: "agent-17".utf8))
        XCTAssertEqual(tokens.warnings, [])
    }

    func testAFileThatCannotBeUsedIsAnErrorNamingTheLine() throws {
        let cases: [(text: String, description: String)] = [
            ("a-token-0123456789abcdef host extra\n", "tokens:1: expected `token` or `token host_id`, found 3 words"),
            (
                "a-token-0123456789abcdef\n# again\na-token-0123456789abcdef h\n",
                "tokens:3: the token of line 1 is repeated"
            ),
            ("# nothing but comments\n\n", "tokens: no tokens in the file: nobody could authenticate"),
        ]
        for (text, description) in cases {
            XCTAssertThrowsError(try CollectorTokens.parse(text, path: "tokens")) {
                XCTAssertEqual("\($0)", description)
            }
        }
        XCTAssertThrowsError(try CollectorTokens.load(path: "/nonexistent/tokens")) {
            XCTAssertTrue("\($0)".hasPrefix("/nonexistent/tokens: cannot read the token file"), "\($0)")
        }
    }

    func testAShortTokenIsAcceptedWithAWarning() throws {
        let tokens = try CollectorTokens.parse("short\n", path: "tokens")
        XCTAssertEqual(tokens.credential(forToken: "short".utf8), .fleet)
        XCTAssertEqual(tokens.warnings.count, 1)
        XCTAssertTrue(tokens.warnings[0].hasPrefix("tokens:1: the token is 5 characters long"), tokens.warnings[0])
    }

    func testAFileOthersMayReadIsWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tokens", "a-token-0123456789abcdef\n")
        chmod(path, 0o600)
        XCTAssertNil(CollectorTokens.permissionWarning(path: path))
        chmod(path, 0o640)
        XCTAssertEqual(
            CollectorTokens.permissionWarning(path: path),
            "token file \(path) is readable by its group or others (mode 640); chmod 600 it"
        )
        XCTAssertEqual(try CollectorTokens.load(path: path).count, 1)
    }

    func testTheBearerTokenIsTakenFromTheAuthorizationHeaderOnly() {
        XCTAssertEqual(CollectorTokens.bearerToken(fromAuthorization: "Bearer abc"), "abc")
        XCTAssertEqual(CollectorTokens.bearerToken(fromAuthorization: "bearer  abc "), "abc")
        XCTAssertNil(CollectorTokens.bearerToken(fromAuthorization: "Basic abc"))
        XCTAssertNil(CollectorTokens.bearerToken(fromAuthorization: "Bearer "))
        XCTAssertNil(CollectorTokens.bearerToken(fromAuthorization: "Bearerabc"))
    }
}
