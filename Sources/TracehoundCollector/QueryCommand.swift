// `tracehound-collector query`: searches a store directly (not through a running collector) and prints the
// matching segments readably (SegmentPrinter.swift) or as NDJSON with their cursors.
//
// Exit status: 0 when it ran (with "no segments match" on stderr when nothing did), 1 when the store cannot be
// opened or read (the reason on stderr), 2 for usage mistakes. A SQLite store that does not exist is an error, not
// a new empty file: a mistyped path must not look like a store with nothing in it.
public import Foundation
public import TracehoundCLI
public import TracehoundConfig
import TracehoundPosix

public enum QueryCommand {
    public static let flags = [
        Flag(
            "store",
            value: "URL",
            help: "the store: sqlite:///path/segments.db or postgresql://user@host/db (required)"
        ),
        Flag("host", value: "H", help: "only segments from host H"),
        Flag("rule", value: "R", help: "only segments with a hit of rule id R"),
        Flag("category", value: "C", help: "only segments with a hit of category C"),
        Flag("since", value: "D", help: "only segments received within D (30m, 24h, 7d) or since an RFC 3339 time"),
        Flag("min-score", value: "N", help: "only segments scoring at least N"),
        Flag("limit", value: "N", help: "at most N segments, the most recent (default 100)"),
        Flag("json", help: "print each segment's stored line as NDJSON, with its cursor first"),
    ]

    /// The command as the executable's table lists it.
    public static func command() -> Command {
        Command(
            name: "query",
            summary: "list stored segments with their hits highlighted, or as NDJSON",
            synopsis: "--store URL [--host H] [--rule R] [--category C] [--since D] [--min-score N] [--limit N] "
                + "[--json]",
            flags: flags,
            details: """
                Filters combine: a segment is listed when it matches every one given. The most recent matches are \
                listed, oldest first (store order, as the feed serves them). Hits are highlighted in bold red on a \
                terminal and marked »like this« otherwise; long texts are shortened around their hits.
                Exit status 0 (also when nothing matches: "no segments match" on stderr), 1 when the store cannot \
                be read, 2 for a usage mistake.
                """,
            run: { arguments, context in try run(arguments, context: context) }
        )
    }

    /// Runs the query `arguments` describe; `now` anchors a relative --since.
    public static func run(_ arguments: ParsedArguments, context: CommandContext, now: Date = Date()) throws
        -> ExitCode
    {
        let (location, query) = try parse(arguments, now: now)
        if case .sqlite(let path) = location, (try? FileStatus.of(path)) == nil {
            context.errors.write("\(context.programName) query: no SQLite store at \(path)\n")
            return .failure
        }
        let segments: [StoredSegment]
        do {
            let store = try SegmentStores.open(location)
            defer { store.close() }
            segments = try store.query(query)
        } catch {
            context.errors.write("\(context.programName) query: cannot read the store \(location): \(error)\n")
            return .failure
        }
        if segments.isEmpty {
            context.errors.write("no segments match\n")
            return .success
        }
        if arguments.isSet("json") {
            for segment in segments {
                context.output.write(String(decoding: SegmentPrinter.jsonLine(segment), as: UTF8.self))
            }
        } else {
            let colour = context.output.isTerminal && (context.environment["NO_COLOR"] ?? "").isEmpty
            let printer = SegmentPrinter(colour: colour)
            for segment in segments { context.output.write(printer.render(segment)) }
        }
        return .success
    }

    /// The store and the query the flags name; mistakes are usage errors.
    static func parse(_ arguments: ParsedArguments, now: Date) throws(UsageError) -> (StoreLocation, SegmentQuery) {
        guard let store = arguments.value("store") else { throw UsageError("--store is required") }
        let location: StoreLocation
        switch StoreLocation.parse(store) {
        case .success(let parsed): location = parsed
        case .failure(let error): throw UsageError("--store: \(error)")
        }
        var query = SegmentQuery()
        query.host = arguments.value("host")
        query.rule = arguments.value("rule")
        query.category = arguments.value("category")
        if let text = arguments.value("since") {
            switch since(text, now: now) {
            case .success(let date): query.since = date
            case .failure(let error): throw UsageError("--since: \(error)")
            }
        }
        if let text = arguments.value("min-score") {
            guard let score = Int(text) else { throw UsageError("--min-score: '\(text)' is not a whole number") }
            query.minScore = score
        }
        if let text = arguments.value("limit") {
            guard let limit = Int(text), limit > 0 else {
                throw UsageError("--limit: '\(text)' is not a positive whole number")
            }
            query.limit = limit
        }
        return (location, query)
    }

    /// The instant `text` names: a duration back from `now` (`30m`, `24h`, `7d`, `1d12h`), or an RFC 3339 time
    /// (`2026-11-24T10:00:00Z`) or date (`2026-11-24`, midnight UTC).
    public static func since(_ text: String, now: Date) -> Result<Date, ValueSyntaxError> {
        if text.contains("-") {
            for options: ISO8601DateFormatter.Options in [
                [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
            ] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return .success(date) }
            }
            return .failure(ValueSyntaxError("'\(text)' is not an RFC 3339 time like 2026-11-24T10:00:00Z"))
        }
        // Days are not a config duration unit; a leading `<n>d` is taken here and the rest by DurationSyntax.
        var days = 0
        var rest = Substring(text)
        if let marker = rest.firstIndex(of: "d") {
            guard let count = Int(rest[..<marker]), count >= 0, count < 100_000 else {
                return .failure(ValueSyntaxError("'\(text)' is not a duration like 30m, 24h or 7d"))
            }
            days = count
            rest = rest[rest.index(after: marker)...]
        }
        var seconds = Double(days) * 86_400
        if !rest.isEmpty {
            switch DurationSyntax.parse(String(rest)) {
            case .success(let duration): seconds += Double(duration.wholeMilliseconds) / 1000
            case .failure(let error): return .failure(ValueSyntaxError("\(error); days are written like 7d"))
            }
        } else if days == 0 && text.isEmpty {
            return .failure(ValueSyntaxError("an empty value is not a duration"))
        }
        return .success(now.addingTimeInterval(-seconds))
    }
}
