// Shared helpers for tests: wait for a condition with a generous deadline, never for a fixed sleep.
import Foundation

public struct ConditionTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var seconds: Double
    public var description: String { "timed out after \(seconds)s waiting for \(what)" }
}

/// Checks `condition` every few milliseconds until it holds or `timeout` passes (then throws).
/// The deadline is generous by default because the machine is shared and noisy; a passing test returns early.
public func waitUntil(
    _ what: String,
    timeout: Double = 60,
    _ condition: () throws -> Bool
) throws {
    let deadline = Date().addingTimeInterval(timeout)
    var pause: useconds_t = 1_000
    while true {
        if try condition() { return }
        if Date() > deadline { throw ConditionTimedOut(what: what, seconds: timeout) }
        usleep(pause)
        pause = min(pause * 2, 100_000)
    }
}
