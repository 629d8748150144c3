// `Retry-After` (RFC 9110 §10.2.3): parsing the header, and how long the forwarder actually waits for it.
//
// A collector that answers 429 or 503 with Retry-After knows better than our backoff when to come back, so the
// forwarder honours it, with two guards: never less than the backoff floor (`sink.retry_min`: "Retry-After: 0"
// or a date in the past must not turn into a tight loop) and never more than a cap (10 minutes by default: a
// misconfigured "Retry-After: 86400" or a clock far off must not park delivery for a day).
import CCurl
public import Foundation

/// `Retry-After` (RFC 9110 §10.2.3): either a number of seconds or an HTTP-date.
public enum RetryAfter: Sendable, Equatable {
    case seconds(Int)
    case date(Date)

    /// Parses a header value: digits are seconds; anything else must be an HTTP-date (IMF-fixdate, or the obsolete
    /// RFC 850 and asctime forms, which curl_getdate also reads).
    public init?(headerValue: String) {
        let value = headerValue.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let seconds = Int(value) else { return nil }  // too many digits to be a real delay
            self = .seconds(seconds)
            return
        }
        // A date must name a weekday or month; curl_getdate alone would also take bare numbers and times.
        guard value.contains(where: { $0.isLetter }) else { return nil }
        let time = curl_getdate(value, nil)
        guard time != -1 else { return nil }
        self = .date(Date(timeIntervalSince1970: TimeInterval(time)))
    }

    /// How long to wait from `now`, never negative (a date in the past means "retry now").
    public func delay(from now: Date = Date()) -> TimeInterval {
        switch self {
        case .seconds(let seconds): return TimeInterval(seconds)
        case .date(let date): return max(0, date.timeIntervalSince(now))
        }
    }
}

extension RetryAfter {
    /// What the forwarder waits when a response says this, from `now`: the header's delay, at least `floor`
    /// and at most `cap`.
    public func honouredDelay(from now: Date = Date(), floor: Duration, cap: Duration) -> Duration {
        let requested = delay(from: now)
        let capSeconds = Double(cap.components.seconds) + Double(cap.components.attoseconds) / 1e18
        let bounded: Duration = requested >= capSeconds ? cap : .milliseconds(Int64((requested * 1000).rounded(.up)))
        return max(floor, min(bounded, cap))
    }
}
