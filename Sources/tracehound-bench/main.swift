// tracehound-bench: the baselines `make bench` measures the pipeline against, built from the same code.
//   tracehound-bench bare-scan RULES FILE   one vectorscan pass of the rules' own patterns over the file's bytes
//                                           in 1 MiB chunks: the physical limit the matcher should approach
//   tracehound-bench raw-scan RULES FILE    the fast path's raw-line database over the same chunks
//   tracehound-bench split FILE             line splitting alone (memchr), to set against `wc -l`
//   tracehound-bench raw-profile RULES FILE the rules whose raw-line patterns match most often (tuning rules)
//   tracehound-bench ingest URL TOKEN_FILE SEGMENTS BATCHES PER_BATCH CONCURRENCY
//                                           batches of real segments POSTed to a collector (IngestBench.swift)
//   tracehound-bench store-ingest STORE_URL SEGMENTS BATCHES PER_BATCH CONCURRENCY
//                                           the same, decoded and stored directly: ingest's baseline without HTTP
//   tracehound-bench latency FEED_URL TOKEN_FILE TRANSCRIPT MARKERS INTERVAL_MS EVERY
//                                           line written to segment on the feed, p50/p99 (LatencyBench.swift)
// Each prints one line: bytes, seconds, MB/s, matches.
import Foundation
import TracehoundCollector
import TracehoundConfig
import TracehoundFilter
import TracehoundPosix

func measure(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Int) throws {
    let file = try FileDescriptor.open(path)
    defer { try? file.close() }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var bytes = 0
    var matches = 0
    let started = Date()
    while true {
        let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
        if count == 0 { break }
        bytes += count
        matches += try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
    let seconds = Date().timeIntervalSince(started)
    print(
        String(format: "%d bytes %.3f s %.1f MB/s %d matches", bytes, seconds, Double(bytes) / 1e6 / seconds, matches)
    )
}

func readToken(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else {
    FileHandle.standardError.write(Data("usage: tracehound-bench bare-scan|raw-scan RULES FILE | split FILE\n".utf8))
    exit(2)
}
do {
    switch mode {
    case "bare-scan", "raw-scan":
        let engine = try RuleEngine(rules: try RuleLoader.load(paths: [arguments[1]]))
        let database = mode == "bare-scan" ? engine.benchDecodedDatabase : engine.benchRawDatabase
        let scratch = try database.makeScratch()
        try measure(arguments[2]) { chunk in
            var matches = 0
            try database.scan(chunk, scratch: scratch) { _ in
                matches += 1
                return .keepScanning
            }
            return matches
        }
    case "raw-profile":
        let engine = try RuleEngine(rules: try RuleLoader.load(paths: [arguments[1]]))
        let database = engine.benchRawDatabase
        let scratch = try database.makeScratch()
        var perPattern: [UInt32: Int] = [:]
        try measure(arguments[2]) { chunk in
            try database.scan(chunk, scratch: scratch) { match in
                perPattern[match.id, default: 0] += 1
                return .keepScanning
            }
            return 0
        }
        for (id, count) in perPattern.sorted(by: { $0.value > $1.value }).prefix(15) {
            print("\(count)\t\(engine.benchDescribe(slot: id))")
        }
    case "split":
        try measure(arguments[1]) { chunk in
            var lines = 0
            guard let base = chunk.baseAddress else { return 0 }
            var offset = 0
            while let found = memchr(base + offset, 0x0A, chunk.count - offset) {
                lines += 1
                offset = UnsafeRawPointer(found) - base + 1
            }
            return lines
        }
    case "ingest":
        guard arguments.count == 7, let batches = Int(arguments[4]), let perBatch = Int(arguments[5]),
            let concurrency = Int(arguments[6])
        else { throw BenchError("usage: ingest URL TOKEN_FILE SEGMENTS BATCHES PER_BATCH CONCURRENCY") }
        try IngestBench(
            target: .http(url: arguments[1], token: try readToken(arguments[2])),
            segmentsFile: arguments[3],
            batches: batches,
            perBatch: perBatch,
            concurrency: concurrency
        ).run()
    case "store-ingest":
        guard arguments.count == 6, let batches = Int(arguments[3]), let perBatch = Int(arguments[4]),
            let concurrency = Int(arguments[5]), case .success(let location) = StoreLocation.parse(arguments[1])
        else { throw BenchError("usage: store-ingest STORE_URL SEGMENTS BATCHES PER_BATCH CONCURRENCY") }
        let store = try SegmentStores.open(location)
        defer { store.close() }
        try IngestBench(
            target: .store(store),
            segmentsFile: arguments[2],
            batches: batches,
            perBatch: perBatch,
            concurrency: concurrency
        ).run()
    case "latency":
        guard arguments.count == 7, let markers = Int(arguments[4]), let milliseconds = Double(arguments[5]),
            let every = Int(arguments[6])
        else { throw BenchError("usage: latency FEED_URL TOKEN_FILE TRANSCRIPT MARKERS INTERVAL_MS EVERY") }
        try LatencyBench(
            feedURL: arguments[1],
            token: try readToken(arguments[2]),
            transcript: arguments[3],
            markers: markers,
            interval: milliseconds / 1000,
            every: every
        ).run()
    default:
        FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("tracehound-bench: \(error)\n".utf8))
    exit(1)
}
