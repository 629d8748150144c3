// `tracehound-bench latency`: the time from a suspicious line written to a transcript until its segment is on the
// collector's feed, through a running daemon and collector with their default settings. A writer appends lines
// at a steady pace, every `every`-th one carrying a `LATENCY-<n>` marker; a reader long-polls the feed and notes
// when each marker arrives. Prints p50, p99 and the maximum, and how many markers never arrived.
import Foundation
import TracehoundForward

struct LatencyBench {
    var feedURL: String
    var token: String
    var transcript: String
    var markers: Int
    var interval: Double
    var every: Int

    func run() throws {
        let written = Timestamps()
        let received = Timestamps()
        let done = Flag()
        let failure = FailureSlot()
        let reader = Thread { [feedURL, token] in
            do {
                var options = HTTPClientOptions()
                options.timeout = .seconds(40)
                let client = try HTTPClient(options: options)
                var cursor = "0"
                while !done.isSet {
                    let response = try client.get(
                        url: "\(feedURL)?after=\(cursor)&limit=1000&wait=2",
                        headers: [("Authorization", "Bearer \(token)")]
                    )
                    guard response.status == 200 else {
                        failure.set("feed answered \(response.status): \(response.bodyText.prefix(200))")
                        return
                    }
                    let now = Date()
                    cursor = response.header("Tracehound-Cursor") ?? cursor
                    for marker in Self.markers(in: response.bodyText) { received.note(marker, now) }
                }
            } catch {
                failure.set("feed reader: \(error)")
            }
        }
        reader.start()

        let file = open(transcript, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw BenchError("cannot open \(transcript): errno \(errno)") }
        defer { close(file) }
        var line = 0
        var sent = 0
        let deadline = Date().addingTimeInterval(Double(markers * every) * interval + 60)
        // Benign lines keep coming after the last marker, as an agent's would, so segments close on context.
        while Date() < deadline && failure.value == nil && received.count < markers {
            line += 1
            var text = "benign line \(line) of ordinary agent work\n"
            if line % every == 0 && sent < markers {
                sent += 1
                text = "the agent says LATENCY-\(sent) now\n"
                written.note(sent, Date())
            }
            _ = text.withCString { write(file, $0, strlen($0)) }
            Thread.sleep(forTimeInterval: interval)
        }
        done.set()
        if let message = failure.value { throw BenchError(message) }
        var latencies: [Double] = []
        for marker in 1...markers {
            if let start = written.time(marker), let end = received.time(marker) {
                latencies.append(end.timeIntervalSince(start))
            }
        }
        latencies.sort()
        guard !latencies.isEmpty else { throw BenchError("no marker reached the feed") }
        func percentile(_ fraction: Double) -> Double {
            latencies[min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)]
        }
        print(
            String(
                format: "%d markers p50 %.3f s p99 %.3f s max %.3f s missing %d",
                latencies.count,
                percentile(0.50),
                percentile(0.99),
                latencies.last ?? 0,
                markers - latencies.count
            )
        )
    }

    static func markers(in text: String) -> [Int] {
        var found: [Int] = []
        var rest = text[...]
        while let range = rest.range(of: "LATENCY-") {
            rest = rest[range.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            if let value = Int(digits) { found.append(value) }
        }
        return found
    }
}

/// Marker number → the first time it was noted.
final class Timestamps: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [Int: Date] = [:]
    func note(_ marker: Int, _ time: Date) { lock.withLock { if times[marker] == nil { times[marker] = time } } }
    func time(_ marker: Int) -> Date? { lock.withLock { times[marker] } }
    var count: Int { lock.withLock { times.count } }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
