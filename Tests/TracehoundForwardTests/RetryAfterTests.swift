import Foundation
import TracehoundForward
import XCTest

/// Retry-After comes as seconds or as an HTTP-date (RFC 9110 §10.2.3).
final class RetryAfterTests: XCTestCase {
    func testParsesDelaySeconds() {
        XCTAssertEqual(RetryAfter(headerValue: "120"), .seconds(120))
        XCTAssertEqual(RetryAfter(headerValue: " 0 "), .seconds(0))
        XCTAssertEqual(RetryAfter(headerValue: "120")?.delay(), 120)
    }

    func testParsesTheThreeHTTPDateForms() {
        let expected = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        XCTAssertEqual(RetryAfter(headerValue: "Sun, 06 Nov 1994 08:49:37 GMT"), .date(expected))
        XCTAssertEqual(RetryAfter(headerValue: "Sunday, 06-Nov-94 08:49:37 GMT"), .date(expected))
        XCTAssertEqual(RetryAfter(headerValue: "Sun Nov  6 08:49:37 1994"), .date(expected))
    }

    func testADateGivesTheDelayFromNowAndNeverANegativeOne() {
        let now = Date(timeIntervalSince1970: 784_111_700)
        XCTAssertEqual(RetryAfter(headerValue: "Sun, 06 Nov 1994 08:49:37 GMT")?.delay(from: now), 77)
        XCTAssertEqual(RetryAfter(headerValue: "Sun, 06 Nov 1994 08:49:37 GMT")?.delay(), 0, "a past date: now")
    }

    func testRejectsMalformedValues() {
        for value in ["", "soon", "-5", "1.5", "12:30", "99999999999999999999999"] {
            XCTAssertNil(RetryAfter(headerValue: value), value)
        }
    }
}
