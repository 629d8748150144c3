// libmicrohttpd's callbacks and the per-connection request state they share.
//
// MHD calls plain C function pointers, so every callback here is a @convention(c) closure that captures nothing.
// The server's context reaches them as the access handler's `cls` (unretained: the HTTPServer owns the context
// and stops the daemon before letting it go). A request's state is created on the first access-handler call,
// stored in `*con_cls` with a +1 retain, and released by the MHD_OPTION_NOTIFY_COMPLETED callback, which MHD
// calls for every request the handler has seen: finished, failed, timed out or cut short by the daemon stopping.
// When the whole request has arrived the handler gets it with an HTTPResponder; if it returns without answering,
// the connection is suspended and MHD calls the access handler once more after `send` resumes it
// (HTTPResponder.swift).
import CMicroHTTPD
import Foundation

/// What every callback of one server needs: the Swift handler, the limits, and somewhere to put diagnostics.
final class ServerContext: @unchecked Sendable {
    // @unchecked: everything but `messages` is immutable (or Sendable); `messages` is guarded by `lock`.
    let handler: @Sendable (HTTPRequest, HTTPResponder) -> Void
    let admit: (@Sendable (HTTPRequest) -> HTTPServerResponse?)?
    let maxBodyBytes: Int
    /// Whether requests carry `clientCertificate` (mutual TLS is configured).
    let verifiesClientCertificates: Bool
    let diagnostics: (@Sendable (String) -> Void)?
    let deferredAnswers = DeferredAnswers()
    private let lock = NSLock()
    private var messages: [String] = []

    init(
        handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void,
        admit: (@Sendable (HTTPRequest) -> HTTPServerResponse?)?,
        maxBodyBytes: Int,
        verifiesClientCertificates: Bool,
        diagnostics: (@Sendable (String) -> Void)?
    ) {
        self.handler = handler
        self.admit = admit
        self.maxBodyBytes = maxBodyBytes
        self.verifiesClientCertificates = verifiesClientCertificates
        self.diagnostics = diagnostics
    }

    /// Keeps the latest few messages (to explain a failed start) and passes each on.
    func record(_ message: String) {
        lock.withLock {
            messages.append(message)
            if messages.count > 16 { messages.removeFirst() }
        }
        diagnostics?(message)
    }

    var recentMessages: [String] { lock.withLock { messages } }
}

/// One request being received on one connection.
final class RequestState {
    var request: HTTPRequest
    /// Set once the body passed the limit: further bytes are counted and dropped, and the answer is 413.
    var tooLarge = false
    /// Body bytes received and not kept, once `tooLarge`.
    var droppedBytes = 0
    /// Set once a response was queued before the body arrived, or the handler was called.
    var answered = false
    /// The handler's responder, once the handler was called.
    var responder: HTTPResponder?

    init(request: HTTPRequest) {
        self.request = request
    }
}

/// MHD_AccessHandlerCallback: called once when the head arrived, once per chunk of body, once at the end.
let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadSize, conCls in
    guard let cls, let connection, let conCls, let uploadSize else { return th_mhd_no() }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()

    guard let existing = conCls.pointee else {
        // First call: only the head has arrived.
        let request = HTTPRequest(
            method: method.map { String(cString: $0) } ?? "",
            path: url.map { String(cString: $0) } ?? "/",
            query: connectionValues(connection, .GET_ARGUMENT_KIND),
            headers: connectionValues(connection, .HEADER_KIND).map { ($0.name, $0.value ?? "") },
            clientAddress: clientAddress(connection),
            clientCertificate: context.verifiesClientCertificates ? verifiedClientCertificate(connection) : nil
        )
        let state = RequestState(request: request)
        conCls.pointee = Unmanaged.passRetained(state).toOpaque()
        // Refuse a declared oversize body before reading it (and before sending 100 Continue).
        if let declared = request.header("Content-Length").flatMap({ UInt64($0) }) {
            guard declared <= UInt64(context.maxBodyBytes) else {
                state.answered = true
                return queue(tooLargeResponse(context.maxBodyBytes), on: connection)
            }
            // Memory follows the bytes that arrive, not what a client declares: at most 1 MiB up front.
            state.request.body.reserveCapacity(Int(min(declared, 1 << 20)))
        }
        // Refuse from the head alone (no credentials, say) before any of the body is read and buffered.
        if let refusal = context.admit?(request) {
            state.answered = true
            return queue(refusal, on: connection)
        }
        return th_mhd_yes()
    }

    let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
    let size = uploadSize.pointee
    if size > 0 {
        uploadSize.pointee = 0  // all of it is consumed (kept or dropped)
        if state.answered { return th_mhd_yes() }
        if state.tooLarge || state.request.body.count + size > context.maxBodyBytes {
            // MHD cannot answer in the middle of a body: drop the rest and answer 413 at its end, but close
            // the connection once the client has sent as much again past the limit (at least 1 MiB more).
            if !state.tooLarge { state.droppedBytes = state.request.body.count }
            state.request.body = []
            state.tooLarge = true
            state.droppedBytes += size
            let cutOff = context.maxBodyBytes + max(context.maxBodyBytes, 1 << 20)
            return state.droppedBytes > cutOff ? th_mhd_no() : th_mhd_yes()
        }
        if let uploadData {
            state.request.body.append(contentsOf: UnsafeRawBufferPointer(start: uploadData, count: size))
        }
        return th_mhd_yes()
    }

    // The whole request has arrived (or, with a responder, the suspended connection was resumed).
    if state.answered {
        guard let response = state.responder?.resumedResponse() else { return th_mhd_yes() }
        return queue(response, on: connection)
    }
    state.answered = true
    if state.tooLarge { return queue(tooLargeResponse(context.maxBodyBytes), on: connection) }
    let responder = HTTPResponder(answers: context.deferredAnswers, connection: connection)
    state.responder = responder
    context.handler(state.request, responder)
    // Answered already, or now suspended until `send` resumes the connection.
    guard let response = responder.handlerReturned() else { return th_mhd_yes() }
    return queue(response, on: connection)
}

/// MHD_RequestCompletedCallback: the request is over, whatever way it ended; free its state.
let requestCompleted: MHD_RequestCompletedCallback = { _, _, conCls, _ in
    guard let conCls, let state = conCls.pointee else { return }
    let request = Unmanaged<RequestState>.fromOpaque(state)
    request.takeUnretainedValue().responder?.requestEnded()
    request.release()
    conCls.pointee = nil
}

/// MHD_LogCallback: formats MHD's printf-style message and hands it to the server context.
let logMessage: MHD_LogCallback = { cls, format, arguments in
    guard let cls, let format else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    guard let arguments else { return }
    _ = vsnprintf(&buffer, buffer.count, format, arguments)
    let text = string(fromNulTerminated: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue().record(text)
}

private func tooLargeResponse(_ limit: Int) -> HTTPServerResponse {
    .text(413, "request body larger than \(limit) bytes\n")
}

/// Copies `response` into an MHD response (.RESPMEM_MUST_COPY) and queues it on `connection`.
/// A header MHD refuses (CR, LF or a bad name) turns the answer into a 500 rather than a silently different response.
private func queue(_ response: HTTPServerResponse, on connection: OpaquePointer) -> MHD_Result {
    guard let made = makeResponse(response) else {
        guard let fallback = makeResponse(.text(500, "invalid response header\n")) else { return th_mhd_no() }
        defer { MHD_destroy_response(fallback) }
        return MHD_queue_response(connection, 500, fallback)
    }
    defer { MHD_destroy_response(made) }
    return MHD_queue_response(connection, UInt32(clamping: response.status), made)
}

private func makeResponse(_ response: HTTPServerResponse) -> OpaquePointer? {
    let made = response.body.withUnsafeBytes { bytes in
        MHD_create_response_from_buffer(
            bytes.count,
            UnsafeMutableRawPointer(mutating: bytes.baseAddress),
            .RESPMEM_MUST_COPY
        )
    }
    guard let made else { return nil }
    // MHD refuses empty values, so such headers are left out (an empty header says no more than an absent one).
    for (name, value) in response.headers where !value.isEmpty {
        guard MHD_add_response_header(made, name, value) == th_mhd_yes() else {
            MHD_destroy_response(made)
            return nil
        }
    }
    return made
}

/// Every (name, value) of one kind (headers or query arguments) in order; values may be absent (`?flag`).
private func connectionValues(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [(name: String, value: String?)] {
    final class Collected {
        var values: [(name: String, value: String?)] = []
    }
    let collected = Collected()
    let iterator: MHD_KeyValueIteratorN = { cls, _, key, keySize, value, valueSize in
        guard let cls, let key else { return th_mhd_yes() }
        let target = Unmanaged<Collected>.fromOpaque(cls).takeUnretainedValue()
        let name = String(decoding: UnsafeRawBufferPointer(start: key, count: keySize), as: UTF8.self)
        let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: valueSize), as: UTF8.self) }
        target.values.append((name: name, value: text))
        return th_mhd_yes()
    }
    withExtendedLifetime(collected) {
        _ = MHD_get_connection_values_n(connection, kind, iterator, Unmanaged.passUnretained(collected).toOpaque())
    }
    return collected.values
}

/// The client's IP address as text, from the connection's sockaddr.
private func clientAddress(_ connection: OpaquePointer) -> String? {
    guard let address = th_mhd_connection_client_address(connection) else { return nil }
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
        var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        guard inet_ntop(AF_INET, &ipv4, &text, socklen_t(text.count)) != nil else { return nil }
    case AF_INET6:
        var ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
        guard inet_ntop(AF_INET6, &ipv6, &text, socklen_t(text.count)) != nil else { return nil }
    default:
        return nil
    }
    return string(fromNulTerminated: text)
}

/// The text of a NUL-terminated C buffer.
private func string(fromNulTerminated buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
