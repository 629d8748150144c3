// The one error type of the libsystemd wrappers: which call failed and the errno it returned.
import CSystemd
import Glibc

/// A libsystemd call failed. sd-* functions return `-errno`; `code` keeps the positive errno and `message`
/// its strerror text, so a log line says both what was attempted and why it failed.
public struct SystemdError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call or step that failed, e.g. `sd_journal_open_directory(/var/log/journal)`.
    public var operation: String
    /// The positive errno value (`ENOENT`, `EINVAL`, ...), or 0 when the failure is not an errno.
    public var code: Int32
    /// `strerror(code)`, or a sentence of our own when `code` is 0.
    public var message: String

    public init(operation: String, code: Int32, message: String? = nil) {
        self.operation = operation
        self.code = code
        self.message = message ?? String(cString: strerror(code))
    }

    public var description: String {
        code == 0 ? "\(operation): \(message)" : "\(operation): \(message) (errno \(code))"
    }
}

/// Turns an sd-* return value into its result: negative values are `-errno` and become a thrown error.
@discardableResult
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
    if result < 0 { throw SystemdError(operation: operation(), code: -result) }
    return result
}
