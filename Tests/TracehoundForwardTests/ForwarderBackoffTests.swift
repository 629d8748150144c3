// Backoff with full jitter stays between retry_min and retry_max and grows as failures add up; Retry-After is
// parsed in its forms and honoured between the backoff floor and its cap.
import Foundation
import TracehoundForward
import XCTest

/// splitmix64: the same seed draws the same delays, so a failing property replays.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

final class ForwarderBackoffTests: XCTestCase {
    func testEveryDelayLiesBetweenTheFloorAndThatFailuresCeiling() {
        let configurations: [(Duration, Duration)] = [
            (.milliseconds(200), .seconds(30)), (.milliseconds(1), .milliseconds(1)), (.seconds(1), .seconds(1)),
            (.milliseconds(7), .seconds(3600)), (.milliseconds(250), .milliseconds(300)),
        ]
        var generator = SeededGenerator(state: 20_261_124)
        for (minimum, maximum) in configurations {
            let backoff = Backoff(minimum: minimum, maximum: maximum)
            for failures in 0...80 {
                let ceiling = backoff.ceiling(afterFailures: failures)
                XCTAssertGreaterThanOrEqual(ceiling, minimum)
                XCTAssertLessThanOrEqual(ceiling, maximum)
                for _ in 0..<50 {
                    let delay = backoff.delay(afterFailures: failures, using: &generator)
                    XCTAssertGreaterThanOrEqual(delay, minimum, "\(minimum)…\(maximum) after \(failures)")
                    XCTAssertLessThanOrEqual(delay, ceiling, "\(minimum)…\(maximum) after \(failures)")
                }
            }
        }
    }

    func testTheCeilingDoublesFromTheFloorUntilItReachesTheMaximum() {
        let backoff = Backoff(minimum: .milliseconds(200), maximum: .seconds(30))
        XCTAssertEqual(backoff.ceiling(afterFailures: 1), .milliseconds(400))
        XCTAssertEqual(backoff.ceiling(afterFailures: 2), .milliseconds(800))
        XCTAssertEqual(backoff.ceiling(afterFailures: 7), .milliseconds(25_600))
        XCTAssertEqual(backoff.ceiling(afterFailures: 8), .seconds(30))
        XCTAssertEqual(backoff.ceiling(afterFailures: 1_000_000), .seconds(30), "no overflow")
        var previous = Duration.zero
        for failures in 0...100 {
            let ceiling = backoff.ceiling(afterFailures: failures)
            XCTAssertGreaterThanOrEqual(ceiling, previous, "never decreasing")
            previous = ceiling
        }
    }

    func testJitterIsFullSpreadingDelaysOverTheWholeRange() {
        let backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(30))
        var generator = SeededGenerator(state: 7)
        let delays = (0..<2000).map { _ in backoff.delay(afterFailures: 10, using: &generator) }
        XCTAssertTrue(delays.contains { $0 < .seconds(3) }, "draws near the floor")
        XCTAssertTrue(delays.contains { $0 > .seconds(27) }, "draws near the ceiling")
        XCTAssertGreaterThan(Set(delays).count, 1900, "not a few fixed steps")
    }

    func testAnInvertedOrZeroRangeIsClampedRatherThanTrusted() {
        let backoff = Backoff(minimum: .zero, maximum: .zero)
        XCTAssertEqual(backoff.minimum, .milliseconds(1))
        XCTAssertEqual(backoff.delay(afterFailures: 5), .milliseconds(1))
        XCTAssertEqual(Backoff(minimum: .seconds(5), maximum: .seconds(1)).maximum, .seconds(5))
    }

    // MARK: Retry-After

    private func retryAfter(_ value: String) -> RetryAfter? {
        let response = HTTPResponse(status: 429, headers: [(name: "Retry-After", value: value)], body: [])
        guard case .retry(let retry) = ForwarderDecision(response: response, url: "http://c/v1/batches") else {
            return nil
        }
        return retry.retryAfter
    }

    func testRetryAfterIsReadAsSecondsOrAsAnHTTPDateAndGarbageIsIgnored() {
        XCTAssertEqual(retryAfter("2"), .seconds(2))
        XCTAssertEqual(retryAfter("Sun, 06 Nov 1994 08:49:37 GMT"), .date(Date(timeIntervalSince1970: 784_111_777)))
        XCTAssertEqual(retryAfter("Sunday, 06-Nov-94 08:49:37 GMT"), .date(Date(timeIntervalSince1970: 784_111_777)))
        for garbage in ["", "soon", "-1", "2.5", "2 s", "tomorrow at noon", "99999999999999999999999"] {
            XCTAssertNil(retryAfter(garbage), "\(garbage.debugDescription): the backoff applies instead")
        }
    }

    func testRetryAfterIsHonouredBetweenTheBackoffFloorAndTheCap() {
        let floor = Duration.milliseconds(200)
        let cap = Duration.seconds(600)
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(RetryAfter.seconds(2).honouredDelay(from: now, floor: floor, cap: cap), .seconds(2))
        XCTAssertEqual(RetryAfter.seconds(0).honouredDelay(from: now, floor: floor, cap: cap), floor, "never a spin")
        XCTAssertEqual(RetryAfter.seconds(86_400).honouredDelay(from: now, floor: floor, cap: cap), cap)
        XCTAssertEqual(RetryAfter.seconds(Int.max).honouredDelay(from: now, floor: floor, cap: cap), cap)
        let soon = RetryAfter.date(now.addingTimeInterval(3.5))
        XCTAssertEqual(soon.honouredDelay(from: now, floor: floor, cap: cap), .milliseconds(3500))
        let past = RetryAfter.date(now.addingTimeInterval(-60))
        XCTAssertEqual(past.honouredDelay(from: now, floor: floor, cap: cap), floor, "a past date: the floor")
    }
}
