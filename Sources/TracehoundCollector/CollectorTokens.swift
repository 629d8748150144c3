// Who may talk to the collector: bearer tokens from `token_file`, and client certificates verified by TLS.
//
// The token file holds one token per line, optionally followed by the host id it is bound to (`token host_id`);
// `#` starts a comment (at the start of a line or after whitespace) and blank lines are ignored. A token bound to a
// host is an agent's: it may post only lines of that host and may not read the fleet's feed or stats. A token
// without a host is the central pipeline's (or a shared agent token): it may post for any host and read.
//
// Tokens are kept only as SHA-256 digests, and a presented token is hashed and compared with every digest in
// constant time, so neither the comparison's timing nor an early exit tells how much of a guess was right.
import Foundation
import TracehoundCore

/// Who a request is from, once authenticated.
public enum CollectorCredential: Sendable, Equatable {
    /// A token without a host binding: posts for any host, reads the feed and the stats.
    case fleet
    /// An agent's credential (a token bound to a host, or a client certificate's CN): posts only this host's lines.
    case host(String)

    /// The host this credential is bound to, nil for `.fleet`.
    public var boundHost: String? {
        if case .host(let host) = self { return host }
        return nil
    }
}

/// A token file that cannot be used, with the line at fault when there is one.
public struct TokenFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based line number, nil for problems with the whole file.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
}

/// The accepted bearer tokens, as read from a token file.
public struct CollectorTokens: Sendable {
    struct Entry: Sendable {
        var digest: [UInt8]
        var host: String?
    }

    /// Shorter tokens are accepted with a warning: a token is never typed, so it can be long and random.
    public static let recommendedLength = 16

    let entries: [Entry]
    /// What is accepted but unwise (short tokens), for the daemon to log.
    public let warnings: [String]

    /// How many tokens are accepted.
    public var count: Int { entries.count }
    /// How many of them are bound to a host.
    public var boundCount: Int { entries.filter { $0.host != nil }.count }

    /// Parses token file text; `path` names the file in errors.
    public static func parse(_ text: String, path: String) throws(TokenFileError) -> CollectorTokens {
        var entries: [Entry] = []
        var warnings: [String] = []
        var firstLine: [[UInt8]: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let fields = withoutComment(rawLine).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count <= 2 else {
                throw TokenFileError(
                    path: path,
                    line: number,
                    message: "expected `token` or `token host_id`, found \(fields.count) words"
                )
            }
            let token = String(fields[0])
            if token.utf8.count < recommendedLength {
                warnings.append(
                    "\(path):\(number): the token is \(token.utf8.count) characters long; use at least "
                        + "\(recommendedLength) random ones (e.g. `openssl rand -hex 32`)"
                )
            }
            let digest = digest(of: token.utf8)
            if let earlier = firstLine[digest] {
                throw TokenFileError(path: path, line: number, message: "the token of line \(earlier) is repeated")
            }
            firstLine[digest] = number
            entries.append(Entry(digest: digest, host: fields.count == 2 ? String(fields[1]) : nil))
        }
        guard !entries.isEmpty else {
            throw TokenFileError(path: path, line: nil, message: "no tokens in the file: nobody could authenticate")
        }
        return CollectorTokens(entries: entries, warnings: warnings)
    }

    /// Reads and parses the token file at `path`.
    public static func load(path: String) throws(TokenFileError) -> CollectorTokens {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw TokenFileError(path: path, line: nil, message: "cannot read the token file: \(reason)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// A warning when the file at `path` may be read by its group or by others (tokens are secrets), else nil.
    public static func permissionWarning(path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let mode = status.st_mode & 0o777
        guard mode & 0o044 != 0 else { return nil }
        return "token file \(path) is readable by its group or others (mode \(String(mode, radix: 8))); "
            + "chmod 600 it"
    }

    /// The credential `token` stands for, or nil when it is not listed. Every entry is compared, in constant time.
    public func credential<Token: Sequence<UInt8>>(forToken token: Token) -> CollectorCredential? {
        let presented = Self.digest(of: token)
        var found: Entry?
        for entry in entries {
            var difference: UInt8 = 0
            for index in 0..<presented.count { difference |= entry.digest[index] ^ presented[index] }
            if difference == 0 { found = entry }
        }
        guard let found else { return nil }
        return found.host.map { .host($0) } ?? .fleet
    }

    /// The token of an `Authorization: Bearer <token>` header value, or nil for any other scheme.
    public static func bearerToken(fromAuthorization value: String) -> Substring? {
        let trimmed = value.drop(while: { $0 == " " })
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : Substring(token)
    }

    private static func digest<Token: Sequence<UInt8>>(of token: Token) -> [UInt8] {
        var hash = SHA256()
        hash.update(token)
        return hash.finalize()
    }

    /// The part of a line before its comment: `#` at the start or after a blank.
    private static func withoutComment(_ line: Substring) -> Substring {
        var previous: Character = " "
        for index in line.indices {
            let character = line[index]
            if character == "#" && (previous == " " || previous == "\t") { return line[..<index] }
            previous = character
        }
        return line
    }
}
