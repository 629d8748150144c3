// Where the executables print: stdout and stderr through write(2), or a buffer that tests read back.
import Synchronization
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

/// A text sink that is safe to share between threads; each `write` lands whole.
public final class TextOutput: Sendable {
    private enum Target {
        case descriptor(FileDescriptor)
        case buffer
    }

    private let target: Target
    private let captured = Mutex<[UInt8]>([])
    private let writing = Mutex<Void>(())

    private init(_ target: Target) { self.target = target }

    public static let standardOutput = TextOutput(.descriptor(.standardOutput))
    public static let standardError = TextOutput(.descriptor(.standardError))

    /// A sink that keeps what is written, for tests.
    public static func capturing() -> TextOutput { TextOutput(.buffer) }

    /// Whether this sink is a terminal (colour and highlighting are only for terminals).
    public var isTerminal: Bool {
        if case .descriptor(let descriptor) = target { return isatty(descriptor.rawValue) == 1 }
        return false
    }

    /// The descriptor behind this sink, when there is one.
    var descriptor: FileDescriptor? {
        if case .descriptor(let descriptor) = target { return descriptor }
        return nil
    }

    public func write(_ text: String) {
        switch target {
        case .descriptor(let descriptor):
            writing.withLock { _ in
                var text = text
                // A closed or full stderr must not stop the daemon: a failed write is dropped.
                text.withUTF8 { bytes in try? descriptor.writeAll(UnsafeRawBufferPointer(bytes)) }
            }
        case .buffer:
            captured.withLock { $0.append(contentsOf: text.utf8) }
        }
    }

    /// What a capturing sink has received so far.
    public var text: String { captured.withLock { String(decoding: $0, as: UTF8.self) } }
}
