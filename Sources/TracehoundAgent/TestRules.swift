// `tracehound test-rules`: runs decoders, rules, segmenter and redaction over files exactly as the daemon would,
// and shows operators what would be shipped. Files are read with read(2) in 1 MiB chunks through the same
// StreamScanner the pipeline uses; only the output differs (human, or the NDJSON segments with --json).
import Foundation
public import TracehoundCLI
public import TracehoundCore
public import TracehoundFilter
import TracehoundPosix
import TracehoundSources

public struct TestRulesOptions: Sendable {
    public var files: [String]
    public var format: TranscriptFormat
    public var json: Bool
    public var colour: Bool
    public var host: String

    public init(
        files: [String],
        format: TranscriptFormat = .auto,
        json: Bool = false,
        colour: Bool = false,
        host: String
    ) {
        self.files = files
        self.format = format
        self.json = json
        self.colour = colour
        self.host = host
    }
}

/// What a test-rules run saw, summed over its files.
public struct TestRulesSummary: Sendable {
    public var files = 0
    public var counts = ScanCounts()
    public var segments = 0
    public var sampledSegments = 0
    public var segmentsBelowScore = 0
    public var recordsForwarded = 0
    public var seconds = 0.0

    /// The share of records that would be forwarded.
    public var forwardedShare: Double { counts.lines == 0 ? 0 : Double(recordsForwarded) / Double(counts.lines) }
}

public enum TestRules {
    /// Runs over `options.files`; segments go to `output`, the summary to `summaryOutput`.
    public static func run(
        _ options: TestRulesOptions,
        detection: Detection,
        output: TextOutput,
        summaryOutput: TextOutput
    ) throws -> TestRulesSummary {
        var summary = TestRulesSummary()
        let started = Date()
        let matcher = try RuleMatcher(engine: detection.engine)
        let redactor = try Redactor(set: detection.redactions)
        let report = TestRulesReport(engine: detection.engine, colour: options.colour)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for path in options.files {
            let file = try FileDescriptor.open(path)
            defer { try? file.close() }
            let decoder = options.format.makeDecoder(path: path)
            let resolvedFormat =
                options.format == .auto ? (TranscriptFormat.conventional(forPath: path) ?? .auto) : options.format
            let stream = StreamIdentity(
                source: "test-rules",
                format: resolvedFormat.rawValue,
                path: path,
                fingerprint: String(SHA256.hex(Array(path.utf8)).prefix(16))
            )
            let scanner = StreamScanner(
                matcher: matcher,
                redactor: redactor,
                decoder: decoder,
                settings: detection.settings,
                builder: SegmentBuilder(host: options.host, stream: stream)
            )
            func emit(_ segments: [Segment]) {
                for segment in segments {
                    output.write(
                        options.json ? String(decoding: segment.jsonLine, as: UTF8.self) : report.render(segment)
                    )
                }
            }
            while true {
                let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
                if count == 0 { break }
                emit(try buffer.withUnsafeBytes { try scanner.feed(UnsafeRawBufferPointer(rebasing: $0[..<count])) })
            }
            emit(try scanner.finish())
            summary.files += 1
            summary.counts.lines += scanner.counts.lines
            summary.counts.bytes += scanner.counts.bytes
            summary.counts.candidateLines += scanner.counts.candidateLines
            summary.counts.decodedLines += scanner.counts.decodedLines
            summary.counts.truncatedLines += scanner.counts.truncatedLines
            summary.counts.malformedLines += scanner.counts.malformedLines
            summary.counts.hitsPerRule.merge(scanner.counts.hitsPerRule, uniquingKeysWith: +)
            let segmenterCounts = scanner.segmenter.counts
            summary.segments += segmenterCounts.segmentsKept
            summary.sampledSegments += segmenterCounts.segmentsSampled
            summary.segmentsBelowScore += segmenterCounts.segmentsBelowScore
            summary.recordsForwarded += segmenterCounts.recordsForwarded
        }
        summary.seconds = Date().timeIntervalSince(started)
        summaryOutput.write(report.summary(summary))
        return summary
    }
}
