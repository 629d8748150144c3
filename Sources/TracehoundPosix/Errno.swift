// The syscall chokepoint: every system call of the project goes through `syscall(_:_:)`, which retries EINTR,
// turns -1 into a typed `Errno` carrying the call's name, and stops the process on EBADF or EFAULT, which only
// a bug can cause (SwiftNIO's System.swift, swift-system's valueOrErrno(retryOnInterrupt:)).
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and the errno it returned.
public struct Errno: Error, Equatable, CustomStringConvertible, Sendable {
    /// The raw errno value (`ENOENT`, `ENOSPC`, ...).
    public var code: Int32
    /// The system call that failed, e.g. `open`.
    public var call: String
    /// The path or descriptor the call was about, when known.
    public var subject: String?

    public init(code: Int32, call: String, subject: String? = nil) {
        self.code = code
        self.call = call
        self.subject = subject
    }

    /// The C library's text for `code`, e.g. "No such file or directory".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        if let subject { return "\(call) \(subject): \(reason) (errno \(code))" }
        return "\(call): \(reason) (errno \(code))"
    }

}

/// Calls `body` until it does not fail with EINTR and returns its result, or throws the errno it set.
/// EBADF and EFAULT are programming errors (a closed descriptor, a bad pointer) and trap.
@inline(__always)
public func syscall<Result: BinaryInteger>(
    _ call: StaticString,
    subject: @autoclosure () -> String? = nil,
    _ body: () -> Result
) throws(Errno) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        if code == EBADF || code == EFAULT {
            preconditionFailure("\(call) failed with \(String(cString: strerror(code))): a bug, not a runtime error")
        }
        throw Errno(code: code, call: "\(call)", subject: subject())
    }
}

/// Like `syscall` for calls that return a pointer and set errno on NULL (opendir, realpath).
@inline(__always)
public func syscallPointer<Pointer>(
    _ call: StaticString,
    subject: @autoclosure () -> String? = nil,
    _ body: () -> Pointer?
) throws(Errno) -> Pointer {
    while true {
        if let pointer = body() { return pointer }
        let code = errno
        if code == EINTR { continue }
        throw Errno(code: code, call: "\(call)", subject: subject())
    }
}
