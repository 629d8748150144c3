import Foundation
import Glibc

/// One request as it arrived on the wire at `RawHTTPListener`.
struct RawRequest: Sendable {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Which accepted connection (0, 1, ...) carried it.
    var connection: Int

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A deliberately tiny HTTP/1.1 peer on raw sockets, independent of libmicrohttpd, so the client is tested
/// against something that is not our own server. It parses request heads and Content-Length bodies, answers
/// with whatever bytes `reply` returns (nil: never answer), keeps connections open, and counts accepts.
final class RawHTTPListener: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    let port: UInt16
    private let listener: Int32
    private let reply: @Sendable (RawRequest) -> [UInt8]?
    private let lock = NSLock()
    private var requests: [RawRequest] = []
    private var clients: [Int32] = []
    private var acceptedCount = 0
    private var stopped = false
    private let threads = DispatchGroup()

    init(reply: @escaping @Sendable (RawRequest) -> [UInt8]?) throws {
        self.reply = reply
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 16) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        listener = descriptor
        port = Self.localPort(descriptor)
        threads.enter()
        Thread.detachNewThread { [self] in
            acceptLoop()
            threads.leave()
        }
    }

    /// Builds a complete response with a Content-Length.
    static func response(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var head = "HTTP/1.1 \(status) Status\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    var received: [RawRequest] { lock.withLock { requests } }
    var acceptedConnections: Int { lock.withLock { acceptedCount } }

    /// Closes the listener and every connection, and waits for the threads.
    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        lock.withLock { clients.forEach { shutdown($0, Int32(SHUT_RDWR)) } }
        threads.wait()
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)  // child processes of other tests must not inherit it
            let index = lock.withLock {
                clients.append(client)
                acceptedCount += 1
                return acceptedCount - 1
            }
            threads.enter()
            Thread.detachNewThread { [self] in
                serve(client, connection: index)
                lock.withLock {
                    clients.removeAll { $0 == client }
                    close(client)
                }
                threads.leave()
            }
        }
    }

    private func serve(_ client: Int32, connection: Int) {
        var buffer: [UInt8] = []
        while true {
            guard let headEnd = readUntilHeadEnd(client, &buffer) else { return }
            let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
            buffer.removeFirst(headEnd + 4)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count == 3 else { return }
            let headers = lines.compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            var request = RawRequest(
                method: String(requestLine[0]),
                target: String(requestLine[1]),
                headers: headers,
                body: [],
                connection: connection
            )
            if request.header("Expect")?.lowercased() == "100-continue" {
                guard send(client, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            let length = Int(request.header("Content-Length") ?? "0") ?? 0
            while buffer.count < length {
                guard receive(client, &buffer) else { return }
            }
            request.body = Array(buffer[..<length])
            buffer.removeFirst(length)
            lock.withLock { requests.append(request) }
            guard let answer = reply(request) else {
                // Stay silent until the client gives up or the listener stops.
                while receive(client, &buffer) {}
                return
            }
            guard send(client, answer) else { return }
        }
    }

    private func readUntilHeadEnd(_ client: Int32, _ buffer: inout [UInt8]) -> Int? {
        let marker: [UInt8] = [13, 10, 13, 10]
        while true {
            if buffer.count >= 4 {
                for index in 0...(buffer.count - 4) where Array(buffer[index..<index + 4]) == marker {
                    return index
                }
            }
            guard receive(client, &buffer) else { return nil }
        }
    }

    private func receive(_ client: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(client, &chunk, chunk.count, 0)
        if count <= 0 { return false }
        buffer += chunk[..<count]
        return true
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private static func localPort(_ descriptor: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
