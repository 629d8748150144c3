// What the HTTP client hands back: status, headers (with Retry-After understood, RetryAfter.swift) and the body
// bytes.
import Foundation

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
