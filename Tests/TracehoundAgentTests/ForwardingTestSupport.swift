// What the forwarding tests of the agent share: a real spool in a temporary directory, and a small loopback HTTP
// collector answering a scripted status per batch id. (TracehoundAgentTests does not depend on
// TracehoundCollector, so our libmicrohttpd server is not available here; this peer speaks just enough HTTP/1.1
// for libcurl: a request head, a Content-Length body, keep-alive.)
import Foundation
import Glibc
import TracehoundConfig
import TracehoundSpool
import TracehoundTestKit
import XCTest

/// Opens a spool in `directory`/spool and commits one batch per id, each payload naming its batch.
func makeSpool(_ directory: TemporaryDirectory, batches ids: [String]) throws -> Spool {
    let spool = try Spool.open(directory: directory.file("spool"), config: SpoolConfig())
    for id in ids {
        try spool.append(batchID: id, payload: Array("payload of \(id)".utf8))
    }
    try spool.commit()
    return spool
}

/// A sink with short retries for loopback tests; one worker, so batches arrive in spool order.
func loopbackSink(_ url: String) -> SinkConfig {
    var sink = SinkConfig()
    sink.urls = [url]
    sink.inFlight = 1
    sink.retryMin = .milliseconds(20)
    sink.retryMax = .milliseconds(200)
    return sink
}

/// A loopback collector: `status` answers each request by its batch id; it records ids and bodies in order.
final class LoopbackCollector: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    let port: UInt16
    private let listener: Int32
    private let status: @Sendable (String?) -> Int
    private let lock = NSLock()
    private var requests: [(batchID: String?, body: [UInt8])] = []
    private var connections: [Int32] = []
    private let threads = DispatchGroup()

    init(status: @escaping @Sendable (_ batchID: String?) -> Int = { _ in 200 }) throws {
        self.status = status
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, ready else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        listener = descriptor
        port = UInt16(bigEndian: address.sin_port)
        threads.enter()
        Thread.detachNewThread { [self] in
            while case let client = accept(listener, nil, nil), client >= 0 {
                lock.withLock { connections.append(client) }
                threads.enter()
                Thread.detachNewThread { [self] in
                    serve(client)
                    threads.leave()
                }
            }
            threads.leave()
        }
    }

    var url: String { "http://127.0.0.1:\(port)/v1/batches" }
    var received: [(batchID: String?, body: [UInt8])] { lock.withLock { requests } }

    /// Closes the listener and every connection, and waits for the threads.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        lock.withLock { connections.forEach { shutdown($0, Int32(SHUT_RDWR)) } }
        threads.wait()
        close(listener)
        lock.withLock { connections.forEach { close($0) } }
    }

    private func serve(_ client: Int32) {
        var buffer: [UInt8] = []
        while let headEnd = readHead(client, &buffer) {
            let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            buffer.removeFirst(headEnd + 4)
            func header(_ name: String) -> String? {
                lines.dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                    .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
            }
            if header("Expect")?.lowercased() == "100-continue", !send(client, "HTTP/1.1 100 Continue\r\n\r\n") {
                return
            }
            let length = Int(header("Content-Length") ?? "0") ?? 0
            while buffer.count < length {
                guard receive(client, &buffer) else { return }
            }
            let batchID = header("Tracehound-Batch-Id")
            lock.withLock { requests.append((batchID, Array(buffer[..<length]))) }
            buffer.removeFirst(length)
            let answer = status(batchID)
            let body = "answered \(answer)"
            guard send(client, "HTTP/1.1 \(answer) Scripted\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            else {
                return
            }
        }
    }

    private func readHead(_ client: Int32, _ buffer: inout [UInt8]) -> Int? {
        while true {
            if let end = buffer.indices.dropLast(3).first(where: {
                buffer[$0..<$0 + 4].elementsEqual([13, 10, 13, 10])
            }) {
                return end
            }
            guard receive(client, &buffer) else { return nil }
        }
    }

    private func receive(_ client: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(client, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer += chunk[..<count]
        return true
    }

    private func send(_ client: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// A URL on 127.0.0.1 where nothing listens.
func refusingURL() throws -> String {
    let collector = try LoopbackCollector()
    let url = collector.url
    collector.stop()
    return url
}
