// `tracehound-bench ingest`: how fast a collector stores batches. Real segments (the NDJSON that test-rules
// prints) are cut into batches of `perBatch` segments, each given a fresh id so that nothing is a duplicate,
// compressed into LZ4 frames up front, and POSTed by `concurrency` clients as fast as the collector answers.
// Prints segments/s and decoded MB/s; an answer other than 200 stops the run.
// `store-ingest` is its baseline: the same frames decoded by the collector's BatchParser and written by the same
// store, called directly from the same number of threads, without HTTP.
import Foundation
import TracehoundCollector
import TracehoundConfig
import TracehoundCore
import TracehoundForward

struct IngestBench {
    enum Target {
        case http(url: String, token: String)
        case store(any SegmentStore)
    }
    var target: Target
    var segmentsFile: String
    var batches: Int
    var perBatch: Int
    var concurrency: Int

    func run() throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: segmentsFile))
        let lines = source.split(separator: 0x0A).map(Array.init).filter {
            $0.starts(with: Array(#"{"v":1,"id":""#.utf8))
        }
        guard !lines.isEmpty else { throw BenchError("no segment lines in \(segmentsFile)") }
        // A run nonce keeps ids unique across runs against the same store.
        let nonce = UInt32.random(in: 0...UInt32.max)
        var frames: [[UInt8]] = []
        var decodedBytes = 0
        for batch in 0..<batches {
            var ndjson: [UInt8] = []
            for index in 0..<perBatch {
                var line = lines[(batch * perBatch + index) % lines.count]
                let id = String(format: "%08x%08x%016x", nonce, batch, index)
                line.replaceSubrange(13..<45, with: Array(id.utf8))
                ndjson += line
                ndjson.append(0x0A)
            }
            decodedBytes += ndjson.count
            frames.append(try LZ4Frame.compress(ndjson))
        }

        let next = Counter()
        let failure = FailureSlot()
        let group = DispatchGroup()
        let started = Date()
        for worker in 0..<concurrency {
            group.enter()
            let thread = Thread { [target, frames] in
                defer { group.leave() }
                do {
                    let send = try Self.sender(for: target)
                    while failure.value == nil, let index = next.take(below: frames.count) {
                        if let problem = try send(frames[index], "bench-\(nonce)-\(index)") {
                            failure.set("batch \(index): \(problem)")
                        }
                    }
                } catch {
                    failure.set("worker \(worker): \(error)")
                }
            }
            thread.start()
        }
        group.wait()
        if let message = failure.value { throw BenchError(message) }
        let seconds = Date().timeIntervalSince(started)
        let segments = batches * perBatch
        print(
            String(
                format: "%d segments in %d batches %.3f s %.0f segments/s %.1f MB/s decoded",
                segments,
                batches,
                seconds,
                Double(segments) / seconds,
                Double(decodedBytes) / 1e6 / seconds
            )
        )
    }
}

extension IngestBench {
    /// A function that delivers one frame and returns what went wrong, if anything; one per thread.
    static func sender(for target: Target) throws -> ([UInt8], String) throws -> String? {
        switch target {
        case .http(let url, let token):
            var options = HTTPClientOptions()
            options.timeout = .seconds(60)
            let client = try HTTPClient(options: options)
            return { frame, batchID in
                let response = try client.post(
                    url: url,
                    body: frame,
                    headers: [
                        ("Content-Type", "application/x-ndjson"), ("Content-Encoding", "lz4"),
                        ("Tracehound-Batch-Id", batchID), ("Authorization", "Bearer \(token)"),
                    ]
                )
                return response.status == 200 ? nil : "\(response.status) \(response.bodyText.prefix(200))"
            }
        case .store(let store):
            let parser = try BatchParser(maxDecodedBytes: 64 << 20)
            return { frame, batchID in
                let parsed = try parser.parse(frame: frame, batchID: batchID)
                _ = try store.ingest(parsed.batch)
                return nil
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Hands out 0, 1, 2, ... to several threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}

/// The first failure any thread reports.
final class FailureSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var first: String?
    var value: String? { lock.withLock { first } }
    func set(_ message: String) { lock.withLock { if first == nil { first = message } } }
}
