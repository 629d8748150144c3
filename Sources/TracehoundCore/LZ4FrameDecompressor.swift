// The bounded, streaming reader of one LZ4 frame (the policy is described at the top of LZ4Frame.swift).
import CLZ4

/// Reads one LZ4 frame at a time, in chunks, never producing more than `maxDecodedBytes`.
///
/// One instance owns one liblz4 decompression context and one output buffer and reuses both for every frame;
/// it is used by one thread at a time. Whole-buffer use: `decompress(_:)`. Streaming use: `reset()`, then
/// `feed(_:output:)` for each chunk, then `finish()`. After any error the frame is abandoned: call `reset()`.
public final class LZ4FrameDecompressor {
    /// The most decoded bytes one frame may produce.
    public let maxDecodedBytes: Int
    /// Bytes of the current frame decoded so far.
    public private(set) var decodedByteCount = 0
    /// Input bytes of the current frame consumed so far (the frame's length once it is complete).
    public private(set) var consumedByteCount = 0
    /// The content size the frame's header declares, if it declares one (known once the header is read).
    public private(set) var declaredContentSize: UInt64?

    private enum Phase {
        case header
        case body
        case finished
        case failed(LZ4FrameError)
    }

    private let context: OpaquePointer
    /// Reused for every call into liblz4; each chunk handed to `output` lives here until the next call.
    private let window: UnsafeMutableRawBufferPointer
    private var phase = Phase.header
    /// The frame header collected across chunks (at most LZ4F_HEADER_SIZE_MAX = 19 bytes).
    private var header: [UInt8] = []
    /// In the header: its full length once known (5 until then); in the body: liblz4's hint of the input it needs.
    private var expectedMore = LZ4FrameDecompressor.headerSizeToKnowLength

    private static let windowSize = 128 * 1024
    private static let headerSizeMaximum = 19
    /// LZ4F_MIN_SIZE_TO_KNOW_HEADER_LENGTH: the magic number and the flags byte.
    private static let headerSizeToKnowLength = 5

    public init(maxDecodedBytes: Int) throws(LZ4FrameError) {
        precondition(maxDecodedBytes >= 0, "maxDecodedBytes must not be negative")
        var made: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&made, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(status) == 0, let made else {
            // On failure liblz4 frees what it allocated and leaves the pointer NULL.
            throw .contextCreationFailed(errorName: LZ4FrameError.errorName(status))
        }
        self.maxDecodedBytes = maxDecodedBytes
        context = made
        window = .allocate(byteCount: Self.windowSize, alignment: 16)
        header.reserveCapacity(Self.headerSizeMaximum)
    }

    deinit {
        LZ4F_freeDecompressionContext(context)
        window.deallocate()
    }

    /// Forgets any frame in progress and gets ready for a new one.
    public func reset() {
        LZ4F_resetDecompressionContext(context)
        phase = .header
        header.removeAll(keepingCapacity: true)
        decodedByteCount = 0
        consumedByteCount = 0
        declaredContentSize = nil
        expectedMore = Self.headerSizeToKnowLength
    }

    /// Decodes one whole frame held in `frame`.
    public func decompress(_ frame: UnsafeRawBufferPointer) throws(LZ4FrameError) -> [UInt8] {
        reset()
        var output: [UInt8] = []
        var offset = 0
        while let produced = try decodeNext(frame, offset: &offset) {
            if output.isEmpty {
                // Reserve from the header only within the limit and what the input could possibly hold (LZ4's
                // ratio stays under 256:1), never from the declared size alone.
                let declared = Int(clamping: declaredContentSize ?? 0)
                let possible = frame.count.multipliedReportingOverflow(by: 256)
                output.reserveCapacity(
                    min(declared, maxDecodedBytes, possible.overflow ? Int.max : possible.partialValue)
                )
            }
            output.append(contentsOf: produced)
        }
        try finish()
        return output
    }

    /// Decodes one whole frame held in `frame`.
    public func decompress(_ frame: [UInt8]) throws(LZ4FrameError) -> [UInt8] {
        let result: Result<[UInt8], LZ4FrameError> = frame.withUnsafeBytes { buffer in
            Result { () throws(LZ4FrameError) in try decompress(buffer) }
        }
        return try result.get()
    }

    /// Decodes the next chunk of the frame, handing each piece of output to `output` (valid only during that call).
    /// Throws `LZ4FrameError`, or whatever `output` throws (which abandons the frame too).
    public func feed(_ chunk: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws {
        var offset = 0
        while let produced = try decodeNext(chunk, offset: &offset) {
            do {
                try output(produced)
            } catch {
                fail(.abandoned)
                throw error
            }
        }
    }

    /// Ends the input: throws `.truncatedFrame` unless a whole frame was read.
    public func finish() throws(LZ4FrameError) {
        switch phase {
        case .finished: return
        case .failed(let error): throw error
        case .header:
            throw fail(.truncatedFrame(consumed: consumedByteCount, expectedMore: expectedMore - header.count))
        case .body:
            throw fail(.truncatedFrame(consumed: consumedByteCount, expectedMore: max(expectedMore, 1)))
        }
    }

    /// Advances through `input` from `offset`: returns the next piece of decoded output, or nil once `input` is used
    /// up (or the frame has ended) and nothing more is pending.
    private func decodeNext(
        _ input: UnsafeRawBufferPointer,
        offset: inout Int
    ) throws(LZ4FrameError) -> UnsafeRawBufferPointer? {
        while true {
            switch phase {
            case .failed(let error):
                throw error
            case .finished:
                if offset < input.count { throw fail(.trailingData(frameEnd: consumedByteCount)) }
                return nil
            case .header:
                guard offset < input.count else { return nil }
                try collectHeader(input, offset: &offset)
            case .body:
                // Room for one byte past the limit: producing it proves the frame is too big.
                var produced = min(window.count, maxDecodedBytes - decodedByteCount + 1)
                var consumed = input.count - offset
                var options = LZ4F_decompressOptions_t()
                let hint = LZ4F_decompress(
                    context,
                    window.baseAddress,
                    &produced,
                    input.baseAddress.map { $0 + offset },
                    &consumed,
                    &options
                )
                if LZ4F_isError(hint) != 0 { throw fail(.decoding(hint)) }
                offset += consumed
                consumedByteCount += consumed
                decodedByteCount += produced
                expectedMore = hint
                if decodedByteCount > maxDecodedBytes {
                    throw fail(.exceedsLimit(decodedAtLeast: decodedByteCount, limit: maxDecodedBytes))
                }
                if hint == 0 { phase = .finished }
                if produced > 0 { return UnsafeRawBufferPointer(rebasing: window[..<produced]) }
                if hint == 0 { continue }  // the frame ended; anything left in `input` is trailing data
                if offset >= input.count { return nil }  // used up and nothing pending: wait for the next chunk
                if consumed == 0 { throw fail(.corruptFrame(errorName: "LZ4F_decompress made no progress")) }
            }
        }
    }

    /// Gathers the header across chunks, then checks the frame type and the declared size before any block.
    private func collectHeader(_ input: UnsafeRawBufferPointer, offset: inout Int) throws(LZ4FrameError) {
        let needed = header.count < Self.headerSizeToKnowLength ? Self.headerSizeToKnowLength : expectedMore
        let take = min(needed - header.count, input.count - offset)
        header.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<offset + take]))
        offset += take
        consumedByteCount += take
        if header.count == Self.headerSizeToKnowLength && needed == Self.headerSizeToKnowLength {
            let size = header.withUnsafeBytes { LZ4F_headerSize($0.baseAddress, $0.count) }
            if LZ4F_isError(size) != 0 { throw fail(.decoding(size)) }
            expectedMore = size
        } else {
            expectedMore = needed
        }
        guard header.count == expectedMore else { return }

        var info = LZ4F_frameInfo_t()
        var used = header.count
        let hint = header.withUnsafeBytes { LZ4F_getFrameInfo(context, &info, $0.baseAddress, &used) }
        if LZ4F_isError(hint) != 0 { throw fail(.decoding(hint)) }
        if info.frameType == LZ4F_skippableFrame { throw fail(.skippableFrame) }
        if info.contentSize > 0 {
            declaredContentSize = info.contentSize
            if info.contentSize > UInt64(maxDecodedBytes) {
                throw fail(.declaredSizeExceedsLimit(declared: info.contentSize, limit: maxDecodedBytes))
            }
        }
        expectedMore = hint
        phase = .body
    }

    /// Abandons the frame: liblz4's context is not resumable after an error, so it is reset for the next frame.
    @discardableResult
    private func fail(_ error: LZ4FrameError) -> LZ4FrameError {
        LZ4F_resetDecompressionContext(context)
        phase = .failed(error)
        return error
    }
}
