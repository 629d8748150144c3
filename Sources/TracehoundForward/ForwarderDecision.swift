// The decision, made once per answer (DESIGN.md §4; Fluent Bit's out_http returns ok, retry or error the same
// way): acknowledge, retry, or dead-letter. A pure function of the response or the transport error, so every
// status has one documented fate and the table below is the whole policy.
//
//   2xx                         acknowledge: the collector committed the batch (or already had it)
//   401, 403                    retry with backoff, loudly: credentials are a local problem, not the batch's
//   408, 429                    retry; 429 honours Retry-After
//   404, 405                    retry with backoff, and fail over: the URL is no batch endpoint (a sink.url without
//                               /v1/batches, a proxy's wrong route); dead-lettering would drop every batch
//   other 4xx (400, 413, ...)   dead-letter with the status and the start of the body: resending cannot help
//   503                         retry honouring Retry-After, and fail over to the next URL
//   other 5xx                   retry with backoff, and fail over
//   transport errors            retry with backoff, and fail over (refused, unresolvable, timeout, TLS, reset)
//   1xx, 3xx, anything else     retry with backoff, and fail over: a misconfigured URL (redirects are not
//                               followed), never the batch's fault, so never a reason to drop it
import Foundation

/// Why an attempt is to be retried.
public struct ForwarderRetry: Sendable, Equatable {
    public enum Cause: Sendable, Equatable {
        /// 401 or 403: the token or client certificate was refused.
        case rejectedCredentials(status: Int)
        /// 408 or 429: the collector asks the agent to come back later.
        case throttled(status: Int)
        /// A 5xx status.
        case serverError(status: Int)
        /// A status the protocol does not use here (1xx, 3xx, > 599), or 404/405: a URL that is no batch endpoint.
        case unexpectedStatus(status: Int)
        /// No answer at all.
        case transport(HTTPClientError.Kind)
    }

    public var cause: Cause
    /// The collector's Retry-After, honoured on 429 and 503 only.
    public var retryAfter: RetryAfter?
    /// Whether the next attempt should go to the next URL (transport errors and 5xx).
    public var failover: Bool
    /// What happened, for logs and `ForwarderStatistics.lastError`.
    public var message: String

    public init(cause: Cause, retryAfter: RetryAfter? = nil, failover: Bool, message: String) {
        self.cause = cause
        self.retryAfter = retryAfter
        self.failover = failover
        self.message = message
    }

    /// The HTTP status behind the retry, nil for a transport error.
    public var status: Int? {
        switch cause {
        case .rejectedCredentials(let status), .throttled(let status), .serverError(let status),
            .unexpectedStatus(let status):
            return status
        case .transport:
            return nil
        }
    }
}

/// What to do with a batch after one attempt.
public enum ForwarderDecision: Sendable, Equatable {
    /// Stored: the queue may delete the batch.
    case acknowledge
    /// Try again later (see `ForwarderRetry`).
    case retry(ForwarderRetry)
    /// Refused for good: move the batch to the dead letters with this reason.
    case deadLetter(status: Int, reason: String)

    /// How many bytes of a refusal's body go into the dead-letter reason.
    public static let reasonBodyBytes = 200

    /// The decision for a response from `url`.
    public init(response: HTTPResponse, url: String) {
        let status = response.status
        let message = "HTTP \(status) from \(url)" + Self.bodySummary(response.body)
        switch status {
        case 200...299:
            self = .acknowledge
        case 401, 403:
            self = .retry(
                ForwarderRetry(cause: .rejectedCredentials(status: status), failover: false, message: message)
            )
        case 408:
            self = .retry(ForwarderRetry(cause: .throttled(status: status), failover: false, message: message))
        case 429:
            self = .retry(
                ForwarderRetry(
                    cause: .throttled(status: status),
                    retryAfter: response.retryAfter,
                    failover: false,
                    message: message
                )
            )
        case 404, 405:
            self = .retry(
                ForwarderRetry(
                    cause: .unexpectedStatus(status: status),
                    failover: true,
                    message: message + " (not a batch endpoint: check sink.url)"
                )
            )
        case 400...499:
            self = .deadLetter(status: status, reason: message)
        case 503:
            self = .retry(
                ForwarderRetry(
                    cause: .serverError(status: status),
                    retryAfter: response.retryAfter,
                    failover: true,
                    message: message
                )
            )
        case 500...599:
            self = .retry(ForwarderRetry(cause: .serverError(status: status), failover: true, message: message))
        default:
            self = .retry(ForwarderRetry(cause: .unexpectedStatus(status: status), failover: true, message: message))
        }
    }

    /// The decision when no response arrived: always a retry on the next URL. Even `.invalidRequest` is retried:
    /// the URL and token were checked at start, so it is a local fault that dropping the batch would not fix.
    public init(error: HTTPClientError) {
        self = .retry(ForwarderRetry(cause: .transport(error.kind), failover: true, message: error.description))
    }

    /// ": <the start of the body>" on one line, or "" for an empty body.
    static func bodySummary(_ body: [UInt8]) -> String {
        let head = String(decoding: body.prefix(reasonBodyBytes), as: UTF8.self)
        let line = String(head.map { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true ? " " : $0 })
            .trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return "" }
        return ": " + line + (body.count > reasonBodyBytes ? "…" : "")
    }
}
