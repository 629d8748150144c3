// Per-thread scratch space for vectorscan scans.
import CVectorscan

/// The working memory of one scan at a time (one hs_scratch_t).
///
/// Not Sendable on purpose: each thread makes its own with `PatternDatabase.makeScratch()`. Vectorscan would refuse
/// a second concurrent scan on one scratch (HS_SCRATCH_IN_USE), but sharing one would serialise the threads anyway.
public final class PatternScratch {
    private(set) var scratch: OpaquePointer

    init(cloning prototype: OpaquePointer) throws(PatternDatabaseError) {
        var cloned: OpaquePointer?
        let status = hs_clone_scratch(prototype, &cloned)
        guard status == HS_SUCCESS, let cloned else { throw .library(call: "hs_clone_scratch", code: status) }
        scratch = cloned
    }

    deinit {
        hs_free_scratch(scratch)
    }

    /// Grows this scratch so it also serves `database` (for a thread that scans with several databases).
    public func prepare(for database: PatternDatabase) throws(PatternDatabaseError) {
        // hs_alloc_scratch frees the old block and returns a new one when it must grow.
        var grown: OpaquePointer? = scratch
        let status = hs_alloc_scratch(database.database, &grown)
        if let grown { scratch = grown }
        guard status == HS_SUCCESS else { throw .library(call: "hs_alloc_scratch", code: status) }
    }

    /// The scratch's size in bytes.
    public var sizeInBytes: Int {
        var size = 0
        return hs_scratch_size(scratch, &size) == HS_SUCCESS ? size : 0
    }
}
