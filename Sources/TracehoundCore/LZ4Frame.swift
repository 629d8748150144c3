// LZ4 frames: the envelope every batch travels in (DESIGN.md §2 "Batch", §4 wire protocol).
//
// A batch is exactly one LZ4 frame (lz4frame.h, the format the `lz4` command writes) with a content checksum and the
// content size in its header. `LZ4Frame.compress` writes such a frame in one call. `LZ4FrameDecompressor` reads one
// back in chunks, as an HTTP body arrives, and treats the frame as hostile input:
//
// - The decoded size is bounded WHILE decoding: the decoder never hands liblz4 more output room than is left under
//   the limit (plus one byte, to see that it would overflow), so a decompression bomb costs at most the limit.
// - The header's declared content size is never trusted to size a buffer, but a declared size over the limit is
//   rejected before any block is decoded. liblz4 itself checks the declared size against the actual one at the end.
// - Policy for what follows a frame: a body is ONE frame. Bytes after the frame's end (a second, concatenated frame
//   or garbage) are an error, `.trailingData`, naming the offset where the frame ended; a skippable frame is
//   rejected too. The `lz4` command accepts concatenated frames, the protocol does not: one batch, one checksum.
//
// Everything works on raw bytes ([UInt8] / UnsafeRawBufferPointer); no Strings and no Foundation.
import CLZ4

/// How `LZ4Frame.compress` builds its frame. The content checksum and content size are always written.
public struct LZ4FrameOptions: Sendable, Hashable {
    /// The largest block in the frame; the decoder's buffers are this big, so small blocks keep readers cheap.
    public enum BlockSize: Sendable, Hashable {
        case max64KB
        case max256KB
        case max1MB
        case max4MB
    }

    /// The fast compressor (what `lz4 -1` uses). Levels 3...12 select the high-compression compressor (`lz4 -9`).
    public static let fastLevel = 0
    /// The highest level liblz4 distinguishes (LZ4HC_CLEVEL_MAX); higher values behave the same.
    public static let maximumLevel = 12

    /// 0 (fast, the default), 3...12 high compression; negative values trade ratio for speed ("acceleration").
    public var level: Int
    public var blockSize: BlockSize
    /// Independent blocks can be decoded alone; linked blocks (the default) compress better.
    public var independentBlocks: Bool
    /// A checksum after every block, on top of the content checksum: corruption is found before the frame ends.
    public var blockChecksum: Bool

    public init(
        level: Int = LZ4FrameOptions.fastLevel,
        blockSize: BlockSize = .max64KB,
        independentBlocks: Bool = false,
        blockChecksum: Bool = false
    ) {
        self.level = level
        self.blockSize = blockSize
        self.independentBlocks = independentBlocks
        self.blockChecksum = blockChecksum
    }
}

/// Why a frame could not be written or read. Each case keeps liblz4's error name or the numbers involved.
public enum LZ4FrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which checksum disagreed with the bytes.
    public enum Checksum: String, Sendable, Hashable {
        case header
        case block
        case content
    }

    /// liblz4 rejected the frame's bytes; `errorName` is LZ4F_getErrorName's answer (e.g. ERROR_decompressionFailed).
    case corruptFrame(errorName: String)
    /// A checksum stored in the frame does not match the bytes it covers.
    case checksumMismatch(Checksum)
    /// The header declares more decoded bytes than the limit; refused before decoding any block.
    case declaredSizeExceedsLimit(declared: UInt64, limit: Int)
    /// Decoding produced more than `limit` bytes (`decodedAtLeast` is where it was stopped).
    case exceedsLimit(decodedAtLeast: Int, limit: Int)
    /// The input ended inside the frame: `consumed` bytes were read and liblz4 expected `expectedMore` more.
    case truncatedFrame(consumed: Int, expectedMore: Int)
    /// Bytes follow the end of the frame at offset `frameEnd` (a concatenated frame or garbage); a body is one frame.
    case trailingData(frameEnd: Int)
    /// The input starts with a skippable frame (user metadata), not a data frame.
    case skippableFrame
    /// liblz4 could not compress (`errorName` from LZ4F_getErrorName), e.g. ERROR_allocation_failed.
    case compressionFailed(errorName: String)
    /// The frame was abandoned because the streaming output handler threw; call `reset()` before the next frame.
    case abandoned
    /// LZ4F_createDecompressionContext failed (out of memory or a library version mismatch).
    case contextCreationFailed(errorName: String)

    public var description: String {
        switch self {
        case .corruptFrame(let name): "corrupt LZ4 frame: \(name)"
        case .checksumMismatch(let which): "LZ4 frame \(which.rawValue) checksum mismatch"
        case .declaredSizeExceedsLimit(let declared, let limit):
            "LZ4 frame declares \(declared) decoded bytes, limit is \(limit)"
        case .exceedsLimit(let decoded, let limit):
            "LZ4 frame decodes to more than its limit: at least \(decoded) bytes, limit is \(limit)"
        case .truncatedFrame(let consumed, let expectedMore):
            "truncated LZ4 frame: input ended after \(consumed) bytes, \(expectedMore) more expected"
        case .trailingData(let frameEnd): "unexpected bytes after the LZ4 frame ending at offset \(frameEnd)"
        case .skippableFrame: "LZ4 skippable frame where a data frame was expected"
        case .abandoned: "LZ4 frame abandoned after its output handler failed"
        case .compressionFailed(let name): "LZ4 compression failed: \(name)"
        case .contextCreationFailed(let name): "LZ4 decompression context could not be created: \(name)"
        }
    }

    /// Maps an LZ4F error result to a case; checksum failures are told apart by liblz4's stable error names.
    static func decoding(_ code: Int) -> LZ4FrameError {
        let name = errorName(code)
        switch name {
        case "ERROR_contentChecksum_invalid": return .checksumMismatch(.content)
        case "ERROR_blockChecksum_invalid": return .checksumMismatch(.block)
        case "ERROR_headerChecksum_invalid": return .checksumMismatch(.header)
        default: return .corruptFrame(errorName: name)
        }
    }

    static func errorName(_ code: Int) -> String {
        String(cString: LZ4F_getErrorName(code))
    }
}

/// One-shot LZ4 frame compression.
public enum LZ4Frame {
    /// Compresses `bytes` into one frame with a content checksum and the content size in its header.
    public static func compress(
        _ bytes: UnsafeRawBufferPointer,
        options: LZ4FrameOptions = LZ4FrameOptions()
    ) throws(LZ4FrameError) -> [UInt8] {
        var preferences = th_lz4f_default_preferences()
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.blockChecksumFlag =
            options.blockChecksum ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum
        preferences.frameInfo.blockMode = options.independentBlocks ? LZ4F_blockIndependent : LZ4F_blockLinked
        preferences.frameInfo.blockSizeID = options.blockSize.identifier
        // LZ4F_compressFrame writes the content size when this is non-zero; an empty input has nothing to declare.
        preferences.frameInfo.contentSize = UInt64(bytes.count)
        preferences.compressionLevel = Int32(clamping: options.level)

        let bound = LZ4F_compressFrameBound(bytes.count, &preferences)
        var output = [UInt8](repeating: 0, count: bound)
        var placeholder: UInt8 = 0  // liblz4 wants a valid source pointer even for zero bytes
        let written = output.withUnsafeMutableBytes { destination in
            withUnsafeMutablePointer(to: &placeholder) { empty in
                LZ4F_compressFrame(
                    destination.baseAddress,
                    destination.count,
                    bytes.baseAddress ?? UnsafeRawPointer(empty),
                    bytes.count,
                    &preferences
                )
            }
        }
        if LZ4F_isError(written) != 0 {
            throw .compressionFailed(errorName: LZ4FrameError.errorName(written))
        }
        output.removeLast(bound - written)
        return output
    }

    /// Compresses `bytes` into one frame with a content checksum and the content size in its header.
    public static func compress(
        _ bytes: [UInt8],
        options: LZ4FrameOptions = LZ4FrameOptions()
    ) throws(LZ4FrameError) -> [UInt8] {
        // withUnsafeBytes rethrows untyped; carry the typed error out by hand.
        let result: Result<[UInt8], LZ4FrameError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(LZ4FrameError) in try compress(buffer, options: options) }
        }
        return try result.get()
    }
}

extension LZ4FrameOptions.BlockSize {
    var identifier: LZ4F_blockSizeID_t {
        switch self {
        case .max64KB: LZ4F_max64KB
        case .max256KB: LZ4F_max256KB
        case .max1MB: LZ4F_max1MB
        case .max4MB: LZ4F_max4MB
        }
    }
}
