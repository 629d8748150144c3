// A batch body into an `IngestBatch`: one LZ4 frame decoded within `max_decoded_bytes`, its NDJSON validated line
// by line (docs/PROTOCOL.md). Lines are validated as the frame decodes, so the decoded text is never held twice:
// each line is parsed where it lies in the decoder's window when it fits there, and only the segment lines are
// copied out, once, into their `IngestSegment`. Nothing is stored unless the whole frame decoded and its content
// checksum matched.
import Foundation
public import TracehoundCore

/// Why a batch body is refused, and the status it is answered with.
public struct BatchRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// The frame's declared or actual decoded size is over `max_decoded_bytes` (413).
        case decodedTooLarge = "decoded_too_large"
        /// Not one whole, intact LZ4 frame (400).
        case corruptFrame = "corrupt_frame"
        /// A line is not a valid protocol line (400).
        case invalidLine = "invalid_line"
        /// A line names another host than the credential is bound to (400: the batch can never be accepted from
        /// this credential, so the agent must dead-letter it rather than retry it forever as it would a 403).
        case foreignHost = "foreign_host"
    }

    public var reason: Reason
    /// For the answer's body: `line 3: missing "id"`.
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var status: Int {
        switch reason {
        case .decodedTooLarge: return 413
        case .corruptFrame, .invalidLine, .foreignHost: return 400
        }
    }

    public var description: String { message }
}

/// Decodes and validates batch bodies. Holds one LZ4 decompressor: use one parser per thread at a time.
public final class BatchParser {
    public let maxDecodedBytes: Int
    private let decompressor: LZ4FrameDecompressor
    /// Its index is bounded like the decoded text: 16 bytes a value, at most max_decoded_bytes of them.
    private var json: JSONParser
    /// A line that spans the decoder's output chunks, gathered here.
    private var pending: [UInt8] = []

    public init(maxDecodedBytes: Int) throws(LZ4FrameError) {
        self.maxDecodedBytes = maxDecodedBytes
        decompressor = try LZ4FrameDecompressor(maxDecodedBytes: maxDecodedBytes)
        json = JSONParser(maxDepth: 64, maxValues: max(1024, maxDecodedBytes / 16))
    }

    /// The batch in `frame`. With `boundHost`, every line must name that host (else `.foreignHost`).
    /// Returns the batch and its decoded size.
    public func parse(
        frame: [UInt8],
        batchID: String,
        boundHost: String? = nil
    ) throws(BatchRejection) -> (batch: IngestBatch, decodedBytes: Int) {
        var lines = LineValidator(batchID: batchID, boundHost: boundHost)
        pending.removeAll(keepingCapacity: true)
        decompressor.reset()
        do {
            try frame.withUnsafeBytes { body in
                try decompressor.feed(body) { chunk in try split(chunk, into: &lines) }
            }
            try decompressor.finish()
            if !pending.isEmpty {
                try pending.withUnsafeBytes { try lines.accept($0, parser: &json) }
            }
        } catch let rejection as BatchRejection {
            throw rejection
        } catch let error as LZ4FrameError {
            throw Self.rejection(for: error)
        } catch {
            throw BatchRejection(.corruptFrame, "cannot decode the LZ4 frame: \(error)")
        }
        pending = []
        return (lines.batch, decompressor.decodedByteCount)
    }

    /// Hands every complete line of `chunk` (plus what `pending` holds of the first) to `lines`.
    private func split(_ chunk: UnsafeRawBufferPointer, into lines: inout LineValidator) throws {
        guard let base = chunk.baseAddress else { return }
        var start = 0
        while start < chunk.count, let found = memchr(base + start, 0x0A, chunk.count - start) {
            let newline = base.distance(to: UnsafeRawPointer(found))
            if pending.isEmpty {
                try lines.accept(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), parser: &json)
            } else {
                pending.append(contentsOf: chunk[start..<newline])
                try pending.withUnsafeBytes { try lines.accept($0, parser: &json) }
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending.append(contentsOf: chunk[start...])
    }

    static func rejection(for error: LZ4FrameError) -> BatchRejection {
        switch error {
        case .declaredSizeExceedsLimit(let declared, let limit):
            return BatchRejection(
                .decodedTooLarge,
                "the frame declares \(declared) decoded bytes, over the limit of \(limit)"
            )
        case .exceedsLimit(_, let limit):
            return BatchRejection(.decodedTooLarge, "the frame decodes to more than the limit of \(limit) bytes")
        default:
            return BatchRejection(.corruptFrame, "not one intact LZ4 frame: \(error)")
        }
    }
}

/// Validates lines one at a time and gathers what they say.
private struct LineValidator {
    let boundHost: String?
    var batch: IngestBatch
    var number = 0

    init(batchID: String, boundHost: String?) {
        self.boundHost = boundHost
        batch = IngestBatch(batchID: batchID, segments: [])
    }

    mutating func accept(_ line: UnsafeRawBufferPointer, parser: inout JSONParser) throws(BatchRejection) {
        number += 1
        if line.isEmpty { return }
        let document: JSONDocument
        do {
            document = try parser.parse(line)
        } catch {
            throw BatchRejection(.invalidLine, "line \(number): not JSON: \(error)")
        }
        let fields = LineFields(document: document, number: number)
        let root = document.root
        guard document.kind(of: root) == .object else { throw fields.invalid("not a JSON object") }
        try fields.checkMembers(of: root, topLevel: true)
        let version = try fields.required("v", of: root)
        guard document.kind(of: version) == .number, Array(document.sourceText(version)) == [UInt8(ascii: "1")] else {
            throw fields.invalid("\"v\" must be 1, the protocol version this collector speaks")
        }
        let host: String
        if let type = document.member("type", of: root) {
            guard let name = document.string(type), document.kind(of: type) == .string else {
                throw fields.invalid("\"type\" must be a string")
            }
            switch name {
            case "counters":
                let counters = try fields.counters(root)
                host = counters.host
                try checkHost(host)
                batch.counters.append(counters)
            case "heartbeat":
                let heartbeat = try fields.heartbeat(root)
                host = heartbeat.host
                try checkHost(host)
                batch.heartbeats.append(heartbeat)
            default:
                throw fields.invalid("unknown type \"\(name)\" (counters, heartbeat, or none for a segment)")
            }
        } else {
            let segment = try fields.segment(root, line: line)
            try checkHost(segment.host)
            batch.segments.append(segment)
        }
    }

    private func checkHost(_ host: String) throws(BatchRejection) {
        guard let boundHost, host != boundHost else { return }
        throw BatchRejection(
            .foreignHost,
            "line \(number): host \"\(host)\" is not the host this credential is bound to (\"\(boundHost)\")"
        )
    }
}
