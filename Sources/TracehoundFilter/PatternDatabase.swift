// The vectorscan boundary: every pattern of every rule compiled into one database and scanned in one pass.
//
// - `PatternDatabase` owns one compiled hs_database_t (hs_compile_multi). Each `Pattern` carries the id that its
//   matches report, so a rule's patterns map back to the rule; ids may repeat. Compiled databases are immutable,
//   so one database is shared by every scanning thread.
// - `PatternScratch` owns one hs_scratch_t: the per-thread working memory of a scan. Each thread takes its own from
//   `PatternDatabase.makeScratch()`, which clones a prototype made once at compile time (hs_clone_scratch: cheaper
//   than sizing a new one).
// - Scans (PatternScan.swift) take a raw buffer and call a Swift closure for each match, without allocating per
//   match; the closure may stop the scan.
//
// Scanning granularity: Debian's vectorscan 5.4.9 was seen to miss a match in a short buffer that starts 8–12 bytes
// past a 64-byte boundary when lines were scanned one by one, while scanning the whole buffer found it. The API is
// therefore built for scanning whole chunks (many records at once) and mapping offsets back; the workaround for
// per-line scans belongs to the matcher (issue 3), not to this wrapper.
import CVectorscan

/// How a pattern is matched (the HS_FLAG_* compile flags).
public struct PatternFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Letters match regardless of case.
    public static let caseless = PatternFlags(rawValue: UInt32(HS_FLAG_CASELESS))
    /// `.` matches newlines too.
    public static let dotAll = PatternFlags(rawValue: UInt32(HS_FLAG_DOTALL))
    /// `^` and `$` match at every newline, not only at the ends of the buffer.
    public static let multiline = PatternFlags(rawValue: UInt32(HS_FLAG_MULTILINE))
    /// Report only the first match of this pattern per scan (or per stream).
    public static let singleMatch = PatternFlags(rawValue: UInt32(HS_FLAG_SINGLEMATCH))
    /// Allow patterns that can match the empty string, such as `a*`.
    public static let allowEmpty = PatternFlags(rawValue: UInt32(HS_FLAG_ALLOWEMPTY))
    /// The pattern and the data are UTF-8: `.` matches one code point, not one byte.
    public static let utf8 = PatternFlags(rawValue: UInt32(HS_FLAG_UTF8))
    /// Character classes such as `\w` and `\s` use Unicode properties (needs `.utf8`).
    public static let unicodeProperties = PatternFlags(rawValue: UInt32(HS_FLAG_UCP))
    /// Report where each match starts (the leftmost start); without it a match's `start` is 0.
    public static let startOfMatchLeftmost = PatternFlags(rawValue: UInt32(HS_FLAG_SOM_LEFTMOST))
}

/// One expression to compile, with the id its matches report.
public struct Pattern: Sendable, Hashable {
    public var id: UInt32
    /// A regular expression in vectorscan's (PCRE-like) syntax, without delimiters.
    public var expression: String
    public var flags: PatternFlags

    public init(id: UInt32, expression: String, flags: PatternFlags = []) {
        self.id = id
        self.expression = expression
        self.flags = flags
    }
}

/// What a database scans: whole buffers, or streams fed in pieces with matches across piece boundaries.
public enum PatternScanMode: Sendable, Hashable {
    case block
    case stream
}

/// The vectorscan library itself.
public enum Vectorscan {
    /// The library's version string, e.g. "5.4.9 2023-03-28".
    public static var version: String { String(cString: hs_version()) }

    /// Whether this CPU has the instructions the library needs (SSSE3 on x86).
    public static var isPlatformSupported: Bool { hs_valid_platform() == HS_SUCCESS }
}

/// Many patterns compiled into one vectorscan database.
///
/// Sendable: a compiled hs_database_t is read-only and vectorscan allows any number of threads to scan it at once
/// (each with its own scratch); the prototype scratch is only ever read, by hs_clone_scratch.
public final class PatternDatabase: @unchecked Sendable {
    public let mode: PatternScanMode
    public let patternCount: Int

    let database: OpaquePointer
    private let prototypeScratch: OpaquePointer

    /// Compiles `patterns`; a pattern vectorscan rejects is reported with its index, id, expression and reason.
    public init(patterns: [Pattern], mode: PatternScanMode = .block) throws(PatternDatabaseError) {
        guard Vectorscan.isPlatformSupported else { throw .unsupportedPlatform }
        for (index, pattern) in patterns.enumerated() where pattern.expression.utf8.contains(0) {
            throw .invalidPattern(
                index: index,
                id: pattern.id,
                expression: pattern.expression,
                message: "expression contains a NUL byte (write \\x00 instead)"
            )
        }
        var modeFlags = UInt32(mode == .block ? HS_MODE_BLOCK : HS_MODE_STREAM)
        if mode == .stream && patterns.contains(where: { $0.flags.contains(.startOfMatchLeftmost) }) {
            // Stream mode must be told how far back match starts are tracked; keep exact offsets.
            modeFlags |= UInt32(HS_MODE_SOM_HORIZON_LARGE)
        }
        let compiled = try Self.compile(patterns, modeFlags: modeFlags)
        var scratch: OpaquePointer?
        let status = hs_alloc_scratch(compiled, &scratch)
        guard status == HS_SUCCESS, let scratch else {
            hs_free_database(compiled)
            throw .library(call: "hs_alloc_scratch", code: status)
        }
        self.mode = mode
        patternCount = patterns.count
        database = compiled
        prototypeScratch = scratch
    }

    deinit {
        hs_free_scratch(prototypeScratch)
        hs_free_database(database)
    }

    /// A scratch for one thread, sized for this database.
    public func makeScratch() throws(PatternDatabaseError) -> PatternScratch {
        try PatternScratch(cloning: prototypeScratch)
    }

    /// The compiled database's size in bytes.
    public var sizeInBytes: Int {
        var size = 0
        return hs_database_size(database, &size) == HS_SUCCESS ? size : 0
    }

    private static func compile(_ patterns: [Pattern], modeFlags: UInt32) throws(PatternDatabaseError) -> OpaquePointer
    {
        // All expressions in one NUL-separated buffer: one allocation, pointers into it stay valid for the call.
        var storage: [CChar] = []
        var starts: [Int] = []
        storage.reserveCapacity(patterns.reduce(0) { $0 + $1.expression.utf8.count + 1 })
        for pattern in patterns {
            starts.append(storage.count)
            storage.append(contentsOf: pattern.expression.utf8.map { CChar(bitPattern: $0) })
            storage.append(0)
        }
        let flags = patterns.map(\.flags.rawValue)
        let ids = patterns.map(\.id)
        var database: OpaquePointer?
        var failure: UnsafeMutablePointer<hs_compile_error_t>?
        let status = storage.withUnsafeBufferPointer { characters in
            let expressions = starts.map { Optional(characters.baseAddress! + $0) }
            return hs_compile_multi(
                expressions,
                flags,
                ids,
                UInt32(patterns.count),
                modeFlags,
                nil,
                &database,
                &failure
            )
        }
        if status == HS_SUCCESS, let database { return database }
        guard let failure else { throw .library(call: "hs_compile_multi", code: status) }
        // The compile error is ours to free, whatever it says.
        defer { hs_free_compile_error(failure) }
        let message = failure.pointee.message.map { String(cString: $0) } ?? "unknown compile error"
        let index = Int(failure.pointee.expression)
        guard patterns.indices.contains(index) else { throw .compileFailed(message: message) }
        throw .invalidPattern(
            index: index,
            id: patterns[index].id,
            expression: patterns[index].expression,
            message: message
        )
    }
}

/// Why a database could not be compiled or scanned.
public enum PatternDatabaseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Vectorscan rejected the pattern at `index` of the list (its `id` and `expression` are repeated here).
    case invalidPattern(index: Int, id: UInt32, expression: String, message: String)
    /// Compilation failed for a reason not tied to one pattern (an empty list, a resource limit).
    case compileFailed(message: String)
    /// This CPU lacks the instructions vectorscan needs (hs_valid_platform).
    case unsupportedPlatform
    /// A buffer longer than vectorscan's 32-bit length; scan it in chunks.
    case bufferTooLarge(byteCount: Int)
    /// A vectorscan call failed with an hs_error_t code.
    case library(call: String, code: Int32)

    public var description: String {
        switch self {
        case .invalidPattern(let index, let id, let expression, let message):
            "pattern \(index) (id \(id)) /\(expression)/: \(message)"
        case .compileFailed(let message): "vectorscan compile failed: \(message)"
        case .unsupportedPlatform: "vectorscan does not support this CPU"
        case .bufferTooLarge(let count): "buffer of \(count) bytes is too large for one vectorscan scan"
        case .library(let call, let code): "\(call) failed: \(Self.name(of: code)) (\(code))"
        }
    }

    /// The HS_* name of an hs_error_t.
    static func name(of code: Int32) -> String {
        switch code {
        case HS_INVALID: "HS_INVALID"
        case HS_NOMEM: "HS_NOMEM"
        case HS_SCAN_TERMINATED: "HS_SCAN_TERMINATED"
        case HS_COMPILER_ERROR: "HS_COMPILER_ERROR"
        case HS_DB_VERSION_ERROR: "HS_DB_VERSION_ERROR"
        case HS_DB_PLATFORM_ERROR: "HS_DB_PLATFORM_ERROR"
        case HS_DB_MODE_ERROR: "HS_DB_MODE_ERROR"
        case HS_BAD_ALIGN: "HS_BAD_ALIGN"
        case HS_BAD_ALLOC: "HS_BAD_ALLOC"
        case HS_SCRATCH_IN_USE: "HS_SCRATCH_IN_USE"
        case HS_ARCH_ERROR: "HS_ARCH_ERROR"
        case HS_INSUFFICIENT_SPACE: "HS_INSUFFICIENT_SPACE"
        default: "HS_UNKNOWN_ERROR"
        }
    }
}
