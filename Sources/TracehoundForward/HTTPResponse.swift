// What the HTTP client hands back: status, headers (with Retry-After understood) and the body bytes.
import CCurl
public import Foundation

/// A complete HTTP response. Headers are those of the final response (interim 100 Continue lines are dropped),
/// in the order received; names keep their case, lookups ignore it.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The `Retry-After` header, parsed; nil when absent or malformed.
    public var retryAfter: RetryAfter? {
        header("Retry-After").flatMap(RetryAfter.init(headerValue:))
    }

    /// The body decoded as UTF-8 (invalid sequences replaced): for messages and tests.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

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
