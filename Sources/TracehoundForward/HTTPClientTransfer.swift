// The per-request state libcurl's callbacks write into, and the callbacks themselves.
//
// libcurl calls plain C function pointers, so the callbacks are @convention(c) functions that capture nothing;
// the state reaches them as CURLOPT_WRITEDATA / CURLOPT_HEADERDATA pointers made with Unmanaged.passUnretained.
// The client keeps the Transfer alive (withExtendedLifetime) for exactly the duration of curl_easy_perform and
// clears the pointers afterwards, so nothing is retained by hand and nothing leaks or dangles.
import CCurl
import Foundation

/// What one request has received so far.
final class Transfer {
    /// The cap on body bytes (HTTPClientOptions.maxResponseBytes).
    let limit: Int
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    /// Set when the body passed `limit`; the write callback then aborts the transfer.
    var exceededLimit = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends body bytes, or refuses them (returns false) when they would pass the limit.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Takes one raw header line as libcurl delivers it (with its CR LF).
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last.isNewline { line.removeLast() }  // "\r\n" is one Character
        if line.hasPrefix("HTTP/") {
            // A status line starts a new response: interim 1xx responses leave no headers behind.
            headers.removeAll()
        } else if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
            // obs-fold (RFC 9112 §5.2): a continuation of the previous header's value.
            headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((name: name, value: value))
        }
    }
}

/// CURLOPT_WRITEFUNCTION: body bytes. Returning less than size × count makes curl fail with CURLE_WRITE_ERROR.
let transferWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data,
    size,
    count,
    context in
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: one header line per call, status lines included.
let transferHeaderCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data,
    size,
    count,
    context in
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// Header names are RFC 9110 tokens; values may not hold CR, LF or NUL (which would split or end the header).
func validateHeader(name: String, value: String) -> String? {
    let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)
    let nameIsToken =
        !name.isEmpty
        && name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || tokenSymbols.contains(byte)
        }
    if !nameIsToken { return "invalid header name \(name.debugDescription)" }
    if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
        return "header \(name) has a CR, LF or NUL in its value"
    }
    return nil
}
