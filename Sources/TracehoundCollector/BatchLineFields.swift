// The fields of one batch line, read with the messages a 400 answer carries (`line 3: missing "id"`): segments,
// counters and heartbeats as docs/PROTOCOL.md defines them. Fields the collector does not index are not read,
// so agents may add fields without the collector refusing them.
import TracehoundCore

struct LineFields {
    let document: JSONDocument
    let number: Int

    init(document: JSONDocument, number: Int) {
        self.document = document
        self.number = number
    }

    func invalid(_ message: String, at place: String = "") -> BatchRejection {
        BatchRejection(.invalidLine, "line \(number): " + (place.isEmpty ? "" : place + ": ") + message)
    }

    /// Refuses a member named twice in `object`, and a top-level `cursor`. The collector reads the first of
    /// duplicate names while common JSON readers keep the last, so a duplicate `host` could pass the host check
    /// and reach the central pipeline as another host; and the feed puts its own `cursor` first in every line.
    func checkMembers(of object: JSONValue, topLevel: Bool = false, at place: String = "") throws(BatchRejection) {
        var seen = Set<[UInt8]>()
        for (key, _) in document.members(of: object) {
            let name = document.stringBytes(key) ?? []
            if topLevel && name == Array("cursor".utf8) {
                throw invalid("\"cursor\" is reserved: the feed adds it", at: place)
            }
            guard seen.insert(name).inserted else {
                throw invalid("member \"\(String(decoding: name, as: UTF8.self).prefix(80))\" appears twice", at: place)
            }
        }
    }

    // MARK: Lines

    func segment(_ root: JSONValue, line: UnsafeRawBufferPointer) throws(BatchRejection) -> IngestSegment {
        let id = try string("id", of: root)
        guard id.utf8.count == 32, id.utf8.allSatisfy({ isLowercaseHex($0) }) else {
            throw invalid("\"id\" must be 32 lowercase hex digits, got \"\(id.prefix(80))\"")
        }
        var segment = IngestSegment(
            id: id,
            host: try host(of: root),
            source: try string("source", of: root),
            format: try string("format", of: root),
            score: try integer("score", of: root),
            line: Array(line)
        )
        if let stream = document.member("stream", of: root), document.kind(of: stream) != .null {
            guard document.kind(of: stream) == .object else { throw invalid("\"stream\" must be an object") }
            try checkMembers(of: stream, at: "stream")
            segment.streamPath = try optionalString("path", of: stream, at: "stream")
            segment.session = try optionalString("session", of: stream, at: "stream")
        }
        segment.maxSeverity = try optionalString("max_severity", of: root)
        if let sampled = document.member("sampled", of: root) {
            switch document.kind(of: sampled) {
            case .true: segment.sampled = true
            case .false: segment.sampled = false
            default: throw invalid("\"sampled\" must be true or false")
            }
        }
        let hits = try required("hits", of: root)
        guard document.kind(of: hits) == .array else { throw invalid("\"hits\" must be an array") }
        for (index, hit) in document.elements(of: hits).enumerated() {
            let place = "hits[\(index)]"
            guard document.kind(of: hit) == .object else { throw invalid("must be an object", at: place) }
            try checkMembers(of: hit, at: place)
            segment.hits.append(
                IngestHit(
                    rule: try string("rule", of: hit, at: place),
                    category: try string("category", of: hit, at: place),
                    severity: try string("severity", of: hit, at: place)
                )
            )
        }
        let records = try required("records", of: root)
        guard document.kind(of: records) == .array else { throw invalid("\"records\" must be an array") }
        for (index, record) in document.elements(of: records).enumerated() {
            guard document.kind(of: record) == .object else {
                throw invalid("must be an object", at: "records[\(index)]")
            }
            if index == 0 { segment.firstRecordTime = try optionalString("time", of: record, at: "records[0]") }
        }
        return segment
    }

    func counters(_ root: JSONValue) throws(BatchRejection) -> IngestCounters {
        let hitsValue = try required("hits", of: root)
        guard document.kind(of: hitsValue) == .object else { throw invalid("\"hits\" must be an object") }
        var hits: [String: Int] = [:]
        for (key, value) in document.members(of: hitsValue) {
            let rule = document.string(key) ?? ""
            guard let count = nonNegativeInteger(value) else {
                throw invalid("the count of \"\(rule)\" must be a non-negative integer", at: "hits")
            }
            hits[rule, default: 0] += count
        }
        return IngestCounters(
            host: try host(of: root),
            time: try string("time", of: root),
            records: try integer("records", of: root, nonNegative: true),
            bytes: try integer("bytes", of: root, nonNegative: true),
            hits: hits
        )
    }

    func heartbeat(_ root: JSONValue) throws(BatchRejection) -> IngestHeartbeat {
        IngestHeartbeat(
            host: try host(of: root),
            time: try string("time", of: root),
            version: try string("version", of: root)
        )
    }

    // MARK: Values

    func required(_ key: StaticString, of object: JSONValue, at place: String = "") throws(BatchRejection) -> JSONValue
    {
        guard let value = document.member(key, of: object) else { throw invalid("missing \"\(key)\"", at: place) }
        return value
    }

    func string(_ key: StaticString, of object: JSONValue, at place: String = "") throws(BatchRejection) -> String {
        let value = try required(key, of: object, at: place)
        guard document.kind(of: value) == .string, let text = document.string(value) else {
            throw invalid("\"\(key)\" must be a string", at: place)
        }
        return text
    }

    /// A string member that may be absent or null.
    func optionalString(
        _ key: StaticString,
        of object: JSONValue,
        at place: String = ""
    ) throws(BatchRejection) -> String? {
        guard let value = document.member(key, of: object), document.kind(of: value) != .null else { return nil }
        guard document.kind(of: value) == .string, let text = document.string(value) else {
            throw invalid("\"\(key)\" must be a string or null", at: place)
        }
        return text
    }

    /// A host id: a non-empty string.
    func host(of object: JSONValue) throws(BatchRejection) -> String {
        let host = try string("host", of: object)
        guard !host.isEmpty else { throw invalid("\"host\" must not be empty") }
        return host
    }

    func integer(_ key: StaticString, of object: JSONValue, nonNegative: Bool = false) throws(BatchRejection) -> Int {
        let value = try required(key, of: object)
        guard let number = integerValue(value), !nonNegative || number >= 0 else {
            throw invalid("\"\(key)\" must be " + (nonNegative ? "a non-negative integer" : "an integer"))
        }
        return number
    }

    private func nonNegativeInteger(_ value: JSONValue) -> Int? {
        integerValue(value).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// A number written as an integer (`40`, not `40.0` or `4e1`) that fits in an Int.
    private func integerValue(_ value: JSONValue) -> Int? {
        guard document.kind(of: value) == .number else { return nil }
        return Int(String(decoding: document.sourceText(value), as: UTF8.self))
    }
}

private func isLowercaseHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
}
