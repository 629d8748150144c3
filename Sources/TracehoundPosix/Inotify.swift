// inotify: the tailer waits for file events instead of polling on a timer (Fluent Bit's tail_fs_inotify.c),
// with a slow stat poll only as a fallback. Events are decoded from one reused buffer, not allocated per read.
#if canImport(Glibc)
import Glibc
#endif

/// One inotify instance; owns its descriptor and closes it on deinit.
public final class Inotify {
    public let descriptor: FileDescriptor
    private var buffer: UnsafeMutableRawBufferPointer

    /// The events to watch for; the raw values are inotify's IN_* masks.
    public struct Mask: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let modify = Mask(rawValue: UInt32(IN_MODIFY))
        public static let attributes = Mask(rawValue: UInt32(IN_ATTRIB))
        public static let closeWrite = Mask(rawValue: UInt32(IN_CLOSE_WRITE))
        public static let movedFrom = Mask(rawValue: UInt32(IN_MOVED_FROM))
        public static let movedTo = Mask(rawValue: UInt32(IN_MOVED_TO))
        public static let create = Mask(rawValue: UInt32(IN_CREATE))
        public static let delete = Mask(rawValue: UInt32(IN_DELETE))
        public static let deleteSelf = Mask(rawValue: UInt32(IN_DELETE_SELF))
        public static let moveSelf = Mask(rawValue: UInt32(IN_MOVE_SELF))
        public static let onlyDirectories = Mask(rawValue: UInt32(IN_ONLYDIR))
        /// Set in events: the watch was removed (file deleted, unmounted, or removed explicitly).
        public static let ignored = Mask(rawValue: UInt32(IN_IGNORED))
        /// Set in events: the kernel's queue overflowed and events were lost; rescan.
        public static let overflow = Mask(rawValue: UInt32(IN_Q_OVERFLOW))
        /// Set in events: the subject is a directory.
        public static let isDirectory = Mask(rawValue: UInt32(IN_ISDIR))
    }

    /// One decoded event. `name` is the entry's name inside a watched directory, empty for the watch itself.
    public struct Event: Sendable, Equatable {
        public var watch: Int32
        public var mask: Mask
        public var cookie: UInt32
        public var name: String
    }

    /// Creates a non-blocking inotify instance (IN_NONBLOCK | IN_CLOEXEC).
    public init() throws(Errno) {
        let fd = try syscall("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        descriptor = FileDescriptor(rawValue: fd)
        // Room for many events per read; one event is at most sizeof(inotify_event) + NAME_MAX + 1.
        buffer = .allocate(byteCount: 64 << 10, alignment: MemoryLayout<inotify_event>.alignment)
    }

    deinit {
        try? descriptor.close()
        buffer.deallocate()
    }

    /// Watches `path` for `mask`; returns the watch descriptor (the same one if `path` is already watched).
    public func addWatch(_ path: String, mask: Mask) throws(Errno) -> Int32 {
        try syscall("inotify_add_watch", subject: path) { inotify_add_watch(descriptor.rawValue, path, mask.rawValue) }
    }

    /// Stops watching `watch`. A watch the kernel already removed (EINVAL) is not an error.
    public func removeWatch(_ watch: Int32) throws(Errno) {
        do {
            _ = try syscall("inotify_rm_watch") { inotify_rm_watch(descriptor.rawValue, watch) }
        } catch  where error.code == EINVAL {
            return
        }
    }

    /// Reads every event queued now, without blocking; an empty array when none are pending.
    public func readEvents() throws(Errno) -> [Event] {
        var events: [Event] = []
        while true {
            let count: Int
            do {
                count = try descriptor.read(into: buffer)
            } catch  where error.code == EAGAIN {
                return events
            }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let header = buffer.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let nameBytes = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<nameStart + Int(header.len)])
                // The name is NUL-padded to an aligned length.
                let nameLength = nameBytes.firstIndex(of: 0) ?? nameBytes.count
                let name = String(decoding: nameBytes[..<nameLength], as: UTF8.self)
                events.append(
                    Event(watch: header.wd, mask: Mask(rawValue: header.mask), cookie: header.cookie, name: name)
                )
                offset = nameStart + Int(header.len)
            }
        }
    }
}
