// Reads one YAML document into a `YAMLNode` tree through libyaml's event parser (`yaml_parser_parse`), which gives
// every event a start mark. The tree keeps those marks; duplicate keys are refused (all of them are reported); a
// syntax error stops the read and is reported with libyaml's own problem text and position.
//
// Anchors and aliases are supported: an alias stands for a copy of the node anchored before it, with the alias's
// own position on the copied top node (nodes inside keep the positions they were written at). Because copies share
// storage, an alias costs nothing to make; the nodes all aliases stand for together are capped so that a "billion
// laughs" document is refused instead of being walked. Merge keys (`<<`) are not supported.
import CYAML
import Foundation

public enum YAMLDocument {
    /// Nesting deeper than this is refused, so that hostile input cannot exhaust the stack.
    public static let maximumDepth = 100
    /// Aliases may stand for at most this many nodes in all.
    public static let maximumAliasedNodes = 100_000

    /// Parses `text` as one YAML document named `file` in positions. Returns nil for an empty document.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLNode? {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses `bytes` (UTF-8, UTF-16 with a BOM) as one YAML document. Returns nil for an empty document.
    public static func parse(bytes: [UInt8], file: String) throws(ConfigError) -> YAMLNode? {
        let (root, problems) = try parseKeepingProblems(bytes: bytes, file: file)
        if !problems.isEmpty { throw ConfigError(problems) }
        return root
    }

    /// The document and the problems that did not stop reading it (duplicate keys, unknown aliases); throws only
    /// when reading stopped (a syntax error).
    static func parseKeepingProblems(
        bytes: [UInt8],
        file: String
    ) throws(ConfigError) -> (root: YAMLNode?, problems: [ConfigDiagnostic]) {
        let parser = try LibYAMLParser(bytes: bytes, file: file)
        var builder = YAMLTreeBuilder(parser: parser, file: file)
        let root = try builder.document()
        return (root, builder.diagnostics)
    }

    /// Reads the whole file at `path` and parses it; positions name the file as `path`.
    public static func read(path: String) throws(ConfigError) -> YAMLNode? {
        try parse(bytes: readConfigFile(path: path), file: path)
    }
}

/// Reads all of a file's bytes; an unreadable file becomes a diagnostic naming the path and the errno text.
func readConfigFile(path: String) throws(ConfigError) -> [UInt8] {
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        let reason = posixErrno(of: error).map { "\(String(cString: strerror($0))) (errno \($0))" }
        let message = "cannot read config file: \(reason ?? String(describing: error))"
        throw ConfigError([ConfigDiagnostic(file: path, line: 0, column: 0, keyPath: "", message: message)])
    }
}

/// The errno behind a Foundation file error, found in the error or its underlying error.
private func posixErrno(of error: any Error) -> Int32? {
    if let posix = error as? POSIXError { return posix.code.rawValue }
    let nsError = error as NSError
    if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error { return posixErrno(of: underlying) }
    return nil
}

/// One parser event copied out of libyaml's buffers.
struct YAMLEvent {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(String)
        case scalar(YAMLScalar)
        case sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }

    var kind: Kind
    var anchor: String?
    var tag: String?
    var mark: YAMLMark
}

/// What one call to the parser gave: an event, or the syntax error that stopped it.
enum ParseStep {
    case event(YAMLEvent)
    case failure(ConfigDiagnostic)
}

/// Owns one `yaml_parser_t` and the input bytes it reads (libyaml keeps a pointer to them, so they live as long).
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let file: String

    init(bytes: [UInt8], file: String) throws(ConfigError) {
        self.file = file
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        guard yaml_parser_initialize(parser) != 0 else {
            parser.deallocate()
            input.deallocate()
            throw ConfigError([ConfigDiagnostic(file: file, line: 0, column: 0, keyPath: "", message: "out of memory")])
        }
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or the syntax error that stopped the parser (as a diagnostic without a key path).
    func next() -> ParseStep {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) != 0 else { return .failure(syntaxError()) }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(file: file, line: event.start_mark.line + 1, column: event.start_mark.column + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT: return .event(YAMLEvent(kind: .streamStart, mark: mark))
        case YAML_STREAM_END_EVENT: return .event(YAMLEvent(kind: .streamEnd, mark: mark))
        case YAML_DOCUMENT_START_EVENT: return .event(YAMLEvent(kind: .documentStart, mark: mark))
        case YAML_DOCUMENT_END_EVENT: return .event(YAMLEvent(kind: .documentEnd, mark: mark))
        case YAML_SEQUENCE_END_EVENT: return .event(YAMLEvent(kind: .sequenceEnd, mark: mark))
        case YAML_MAPPING_END_EVENT: return .event(YAMLEvent(kind: .mappingEnd, mark: mark))
        case YAML_ALIAS_EVENT:
            return .event(YAMLEvent(kind: .alias(string(event.data.alias.anchor) ?? ""), mark: mark))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .event(
                YAMLEvent(kind: .sequenceStart, anchor: string(start.anchor), tag: string(start.tag), mark: mark)
            )
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .event(
                YAMLEvent(kind: .mappingStart, anchor: string(start.anchor), tag: string(start.tag), mark: mark)
            )
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let tag = string(data.tag)
            let scalar = YAMLScalar(text: text, style: scalarStyle(data.style), tag: tag)
            return .event(YAMLEvent(kind: .scalar(scalar), anchor: string(data.anchor), tag: tag, mark: mark))
        default:
            let message = "libyaml returned an unknown event type \(event.type.rawValue)"
            return .failure(ConfigDiagnostic(at: mark, keyPath: "", message: message))
        }
    }

    private func scalarStyle(_ style: yaml_scalar_style_t) -> YAMLScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// libyaml's problem text, its context ("while parsing a block mapping") and the problem's position.
    private func syntaxError() -> ConfigDiagnostic {
        let state = parser.pointee
        if state.error == YAML_MEMORY_ERROR {
            return ConfigDiagnostic(file: file, line: 0, column: 0, keyPath: "", message: "out of memory")
        }
        var message = "YAML syntax error: " + (state.problem.map { String(cString: $0) } ?? "unknown problem")
        var mark = state.problem_mark
        if state.error == YAML_READER_ERROR {
            // Reader errors carry a byte offset, not a mark; the parser's own mark is where reading stopped.
            message += " at byte \(state.problem_offset)"
            if state.problem_value != -1 { message += " (value \(state.problem_value))" }
            mark = state.mark
        }
        if let context = state.context {
            message += " " + String(cString: context)
            let contextMark = state.context_mark
            if contextMark.line != mark.line || contextMark.column != mark.column {
                message += " that starts at line \(contextMark.line + 1), column \(contextMark.column + 1)"
            }
        }
        return ConfigDiagnostic(file: file, line: mark.line + 1, column: mark.column + 1, keyPath: "", message: message)
    }
}
