// The HTTP client's error: libcurl's code, its generic text and the transfer-specific detail, sorted into kinds.
import CCurl

/// A request that produced no HTTP response. `code` is the CURLcode, `message` its curl_easy_strerror text and
/// `detail` the transfer's CURLOPT_ERRORBUFFER text (which names the host, the errno, the TLS reason).
public struct HTTPClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, as the forwarder needs to decide between retrying and giving up.
    public enum Kind: Sendable, Equatable {
        /// The host name did not resolve (CURLE_COULDNT_RESOLVE_HOST).
        case couldNotResolve
        /// Nobody accepted the connection: refused, unreachable (CURLE_COULDNT_CONNECT).
        case couldNotConnect
        /// The connect or total timeout passed (CURLE_OPERATION_TIMEDOUT).
        case timedOut
        /// The TLS handshake or the peer's certificate failed, or a certificate/key/CA file is unusable.
        case tls
        /// The connection broke while sending the request (CURLE_SEND_ERROR).
        case sendFailed
        /// The connection broke or closed while receiving the response (CURLE_RECV_ERROR, CURLE_GOT_NOTHING, ...).
        case receiveFailed
        /// The response body passed `HTTPClientOptions.maxResponseBytes`.
        case responseTooLarge
        /// The request could not be made as given: malformed URL, unsupported scheme, a bad header.
        case invalidRequest
        /// Anything else libcurl reported.
        case other
    }

    public var kind: Kind
    /// The CURLcode number.
    public var code: Int32
    /// curl_easy_strerror(code): the generic meaning of the code.
    public var message: String
    /// The transfer's own explanation from CURLOPT_ERRORBUFFER, empty when libcurl left none.
    public var detail: String
    /// The URL of the failed request.
    public var url: String

    public init(kind: Kind, code: Int32, message: String, detail: String, url: String) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.url = url
    }

    /// Builds the error for a failed CURLcode, sorting it into a kind.
    init(code: CURLcode, detail: String, url: String, bodyLimitExceeded: Bool) {
        self.init(
            kind: bodyLimitExceeded ? .responseTooLarge : Self.kind(of: code),
            code: Int32(code.rawValue),
            message: String(cString: curl_easy_strerror(code)),
            detail: detail,
            url: url
        )
    }

    public var description: String {
        let explanation = detail.isEmpty || detail == message ? message : "\(message): \(detail)"
        return "request to \(url) failed (curl code \(code)): \(explanation)"
    }

    static func kind(of code: CURLcode) -> Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .couldNotResolve
        case CURLE_COULDNT_CONNECT:
            return .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_SEND_ERROR:
            return .sendFailed
        case CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .receiveFailed
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidRequest
        default:
            return .other
        }
    }
}
