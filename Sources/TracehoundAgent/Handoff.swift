// The hand-off between a source thread and the batch thread: whole segments and checkpoints, never lines.
// Bounded: when the batch thread is behind (the spool is full and `when_full: block`), a source thread blocks on
// `put`, stops reading, and its files keep the data.
import Foundation
import TracehoundCore

enum HandoffItem: Sendable {
    /// A stream's new segments and the checkpoint they make durable, together: the batch thread keeps them in
    /// one batch, so a spooled segment always travels with a checkpoint past it and a restart never produces it
    /// again. Everything of the stream before the checkpoint's offset is in these segments or earlier ones.
    case output([Segment], StreamCheckpoint?)
    /// The stream ended for good (deleted, truncated, gone): its checkpoint can be forgotten.
    case forget(String)
}

final class Handoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [HandoffItem] = []
    private let capacity: Int
    private var closed = false

    /// Items, not bytes: one item is one chunk's segments (a chunk is at most 1 MiB of input), so 64 items keep
    /// the memory between the stages to tens of MiB at worst while the batch thread commits.
    init(capacity: Int = 64) { self.capacity = capacity }

    /// Adds an item, waiting while the queue is full; false once closed.
    @discardableResult
    func put(_ item: HandoffItem) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Takes every queued item, waiting until `deadline` for the first; empty on timeout or when closed and empty.
    func takeAll(until deadline: Date) -> [HandoffItem] {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        let taken = items
        items.removeAll(keepingCapacity: true)
        condition.broadcast()
        return taken
    }

    /// No more puts; the consumer drains what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var isClosedAndEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed && items.isEmpty
    }
}
