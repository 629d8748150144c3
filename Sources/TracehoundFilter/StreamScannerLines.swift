// The per-chunk work of StreamScanner: split, raw scan, decode what must be, match, segment.
import TracehoundCore

#if canImport(Glibc)
import Glibc
#endif

extension StreamScanner {
    /// Processes `chunk`, whole lines each ending in a newline (or one line without, from `finish` or a cut).
    /// A line longer than `maxLineBytes` is cut there and flagged `.truncated`.
    func process(chunk: UnsafeRawBufferPointer, at offset: Int64) throws -> [Segment] {
        splitLines(chunk)
        try matcher.markCandidateLines(in: chunk, lineStarts: lineStartsStorage, candidates: &candidatesStorage)
        var segments: [Segment] = []
        let lineCount = lineStartsStorage.count
        for index in 0..<lineCount {
            let start = lineStartsStorage[index]
            var end = index + 1 < lineCount ? lineStartsStorage[index + 1] - 1 : chunk.count
            if end > start && end == chunk.count && chunk[end - 1] == 0x0A { end -= 1 }
            let truncated = end - start > maxLineBytes
            if truncated {
                end = start + maxLineBytes
                countTruncated()
            }
            let line = UnsafeRawBufferPointer(rebasing: chunk[start..<end])
            let isCandidate = candidatesStorage[index]
            var record: Record?
            var hits: [Hit] = []
            if isCandidate || segmenter.wantsDecodedLines || decoderWantsEveryLine {
                var decoded = decodeLine(line)
                if truncated { decoded.flags.insert(.truncated) }
                if decoded.flags.contains(.malformedJSON) { countMalformed() }
                if isCandidate {
                    hits = try matcher.hits(in: decoded)
                    countCandidate(hits)
                }
                record = decoded
            }
            let position = offset + Int64(start)
            let closed = segmenter.add(position: position, line: line, record: record, hits: hits) { context in
                decodeLine(context)
            }
            for segment in closed {
                segments.append(try builder.build(segment, engine: matcher.engine, redactor: redactor))
            }
        }
        countLines(lineCount)
        return segments
    }

    /// Fills `lineStarts` with where each line of `chunk` starts, and sizes `candidates` to match, all false.
    private func splitLines(_ chunk: UnsafeRawBufferPointer) {
        lineStartsStorage.removeAll(keepingCapacity: true)
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        var start = 0
        while start < chunk.count {
            lineStartsStorage.append(start)
            guard let found = memchr(base + start, 0x0A, chunk.count - start) else { break }
            start = UnsafeRawPointer(found) - base + 1
        }
        candidatesStorage.removeAll(keepingCapacity: true)
        candidatesStorage.append(contentsOf: repeatElement(false, count: lineStartsStorage.count))
    }
}
