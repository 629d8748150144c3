// What the forwarder reads from and reports to: a durable queue of batches in sequence order. The agent adapts its
// write-ahead spool to it (TracehoundForward never imports TracehoundSpool: dependencies point one way); tests
// may use a small queue over an array.

/// One batch to deliver, as the queue holds it.
public struct ForwardBatch: Sendable, Equatable {
    /// The batch id: sent as `Tracehound-Batch-Id`, and what acknowledgements name.
    public var id: String
    /// The queue's order: batches are taken in increasing sequence; pass it to `nextBatch(after:)`.
    public var sequence: UInt64
    /// The request body as it is: one LZ4 frame of NDJSON.
    public var payload: [UInt8]

    public init(id: String, sequence: UInt64, payload: [UInt8]) {
        self.id = id
        self.sequence = sequence
        self.payload = payload
    }
}

/// What a queue throws when the next batch exists but cannot be read back (its record failed its checksum): the
/// forwarder dead-letters it by id, with `reason`, and goes on after `sequence`.
public struct UnreadableBatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var batchID: String
    public var sequence: UInt64
    public var reason: String

    public init(batchID: String, sequence: UInt64, reason: String) {
        self.batchID = batchID
        self.sequence = sequence
        self.reason = reason
    }

    public var description: String { "batch \(batchID) (sequence \(sequence)) cannot be read: \(reason)" }
}

/// The forwarder's view of the spool. Every method may be called from several forwarder threads at once.
public protocol ForwardQueue: AnyObject, Sendable {
    /// The first pending batch whose sequence is greater than `sequence` (nil: the first pending batch), or nil
    /// when there is none. Throws `UnreadableBatch` for a batch that exists but does not read back intact.
    func nextBatch(after sequence: UInt64?) throws -> ForwardBatch?

    /// Blocks until a pending batch after `sequence` exists (true), `timeout` passes, or the queue stops waiting
    /// for shutdown (false).
    func waitForBatch(after sequence: UInt64?, timeout: Duration) -> Bool

    /// The collector stored the batch: the queue may delete it.
    func acknowledge(batchID: String) throws

    /// The collector refused the batch for good: the queue moves it aside with `reason` and counts it consumed.
    func deadLetter(batchID: String, reason: String) throws

    /// How many batches are neither acknowledged nor dead-lettered: what a drain waits to see reach zero.
    var pendingBatchCount: Int { get }
}
