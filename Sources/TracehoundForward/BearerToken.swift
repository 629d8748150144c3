// The bearer token from `sink.token_file`: its first line, trimmed. Read when the forwarder is made (a missing or
// empty file is an error then: the daemon must not start sending unauthenticated batches that would all be
// refused) and again on `reloadCredentials()` (a bad file then keeps the old token: a half-written rotation
// must not stop delivery).
import Foundation
import Synchronization

/// Why the forwarder could not be made, or a token could not be read.
public enum ForwarderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sink has no URL.
    case noURLs
    /// The token file could not be read or holds no usable token. `code` is the errno, 0 when none applies.
    case tokenFile(path: String, reason: String, code: Int32)
    /// The HTTP client could not be set up.
    case client(HTTPClientError)

    public var description: String {
        switch self {
        case .noURLs: return "the sink has no URL"
        case .tokenFile(let path, let reason, let code):
            return "token_file \(path): \(reason)" + (code == 0 ? "" : " (errno \(code))")
        case .client(let error): return "cannot set up the HTTP client: \(error)"
        }
    }
}

final class BearerToken: Sendable {
    /// A token file larger than this is not a token file.
    static let maxFileBytes = 64 << 10
    let file: String?
    private let token: Mutex<String?>

    /// Reads `file` (nil: no token is sent).
    init(file: String?) throws(ForwarderError) {
        self.file = file
        token = Mutex(try file.map(Self.read))
    }

    /// The `Authorization` header value, nil without a token file.
    var authorization: String? { token.withLock { $0.map { "Bearer " + $0 } } }

    /// Reads the file again; on failure the old token stays and the error says why.
    func reload() throws(ForwarderError) {
        guard let file else { return }
        let fresh = try Self.read(file)
        token.withLock { $0 = fresh }
    }

    /// The first line of `path`, trimmed; it must be one word of visible ASCII (a valid header value).
    static func read(_ path: String) throws(ForwarderError) -> String {
        let bytes: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            bytes = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let code = underlying?.domain == NSPOSIXErrorDomain ? Int32(underlying?.code ?? 0) : 0
            let reason = code == 0 ? "\(error)" : String(cString: strerror(code))
            throw .tokenFile(path: path, reason: "cannot read it: \(reason)", code: code)
        }
        guard bytes.count <= maxFileBytes else {
            throw .tokenFile(path: path, reason: "larger than \(maxFileBytes) bytes; not a token file", code: 0)
        }
        let firstLine = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? Data()
        let token = String(decoding: firstLine, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw .tokenFile(path: path, reason: "the first line is empty; it must hold the token", code: 0)
        }
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .tokenFile(
                path: path,
                reason: "the token holds a space, a control or a non-ASCII character",
                code: 0
            )
        }
        return token
    }
}
