// The daemon's sources: transcript files and journald match groups. Each item of `sources` has `type: file` or
// `type: journald`, which selects its keys. `TranscriptFormat` is TracehoundCore's, shared with the decoders.
public import TracehoundCore

/// One configured source of records.
public enum SourceConfig: Sendable, Equatable {
    case file(FileSourceConfig)
    case journald(JournaldSourceConfig)

    /// The source's unique name, carried in every segment it produces.
    public var name: String {
        switch self {
        case .file(let file): return file.name
        case .journald(let journald): return journald.name
        }
    }
}

/// Where a source starts reading a stream it has no checkpoint for.
public enum StartPosition: String, CaseIterable, Sendable {
    case beginning
    case end
}

/// Files matched by globs, tailed line by line.
public struct FileSourceConfig: Sendable, Equatable {
    public var name = ""
    public var include: [String] = []
    public var exclude: [String] = []
    public var format = TranscriptFormat.auto
    public var startAt = StartPosition.beginning
    public var maxLineBytes = 16 << 20
    public var maxOpenFiles = 256
    public var rescanInterval = Duration.seconds(10)
    public var partialFlush = Duration.seconds(5)
    public var rotateWait = Duration.seconds(5)

    public init() {}
}

/// Journal entries selected by matches, units and syslog identifiers.
public struct JournaldSourceConfig: Sendable, Equatable {
    public var name = ""
    public var matches: [String] = []
    public var units: [String] = []
    public var identifiers: [String] = []
    public var startAt = StartPosition.end
    public var maxLineBytes = 16 << 20

    public init() {}
}

extension SourceConfig {
    static var listType: ConfigType<[SourceConfig]> {
        .taggedList(variants: [
            TaggedVariant(
                "file",
                FileSourceConfig.section,
                doc: "Tails files matched by glob patterns (agent transcripts, logs), following them across renames.",
                embed: SourceConfig.file,
                extract: { if case .file(let file) = $0 { file } else { nil } }
            ),
            TaggedVariant(
                "journald",
                JournaldSourceConfig.section,
                doc: "Reads the systemd journal: entries matching any of matches, units or identifiers.",
                embed: SourceConfig.journald,
                extract: { if case .journald(let journald) = $0 { journald } else { nil } }
            ),
        ])
    }

    /// A source name: it appears in segments and metrics, so it is a short identifier.
    static var nameType: ConfigType<String> {
        .string("name") { name in
            guard !name.isEmpty else { return "a source name may not be empty" }
            let allowed = name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && (($0.properties.isAlphabetic) || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
            }
            return allowed ? nil : "'\(name)' is not a source name (letters, digits, '_', '-' and '.')"
        }
    }

    static var maxLineBytesKey: ConfigType<Int> { .size(1 << 10...1 << 30) }
}

extension FileSourceConfig {
    /// A glob pattern for the include list: absolute, since `~` and relative paths are not expanded.
    static var includePattern: ConfigType<String> {
        .string("glob") { pattern in
            if pattern.hasPrefix("~") { return "'\(pattern)': '~' is not expanded; write /home/*/… or ${HOME}/…" }
            return pattern.hasPrefix("/") ? nil : "'\(pattern)' is not an absolute path pattern"
        }
    }

    static var section: ConfigSection<FileSourceConfig> {
        ConfigSection(
            defaults: FileSourceConfig(),
            keys: [
                ConfigKey(
                    "name",
                    \.name,
                    SourceConfig.nameType,
                    required: true,
                    doc: "Unique name of the source, carried in every segment it produces."
                ),
                ConfigKey(
                    "include",
                    \.include,
                    .list(of: includePattern, unique: true),
                    required: true,
                    doc: "Glob patterns of the files to tail (`*` within a folder, `**` across folders)."
                ),
                ConfigKey(
                    "exclude",
                    \.exclude,
                    .list(of: .string("glob") { $0.isEmpty ? "an exclude pattern may not be empty" : nil }),
                    doc: "Glob patterns of files to skip even though an include pattern matches them; one without `/` "
                        + "is matched against the file name alone."
                ),
                ConfigKey("format", \.format, .oneOf, doc: "How lines decode into records; auto decides per file."),
                ConfigKey(
                    "start_at",
                    \.startAt,
                    .oneOf,
                    doc: "Where to start a file found at startup without a checkpoint: its beginning, or its end "
                        + "(new lines only). Files created later are read from their beginning."
                ),
                ConfigKey(
                    "max_line_bytes",
                    \.maxLineBytes,
                    SourceConfig.maxLineBytesKey,
                    unit: "bytes",
                    doc: "Longer lines are truncated to this many bytes and flagged, never dropped."
                ),
                ConfigKey(
                    "max_open_files",
                    \.maxOpenFiles,
                    .int(1...65536),
                    unit: "files",
                    doc: "Files held open at once; the least recently active are closed and reopened when they grow."
                ),
                ConfigKey(
                    "rescan_interval",
                    \.rescanInterval,
                    .duration(.milliseconds(10)...(.seconds(3600))),
                    doc: "How often the folders are walked again, in case inotify missed a file (it is the fallback)."
                ),
                ConfigKey(
                    "partial_flush",
                    \.partialFlush,
                    .duration(.milliseconds(1)...(.seconds(86_400))),
                    doc: "A last line still without its newline after this long is passed on as it is."
                ),
                ConfigKey(
                    "rotate_wait",
                    \.rotateWait,
                    .duration(.zero...(.seconds(3600))),
                    doc: "A file rotated away or deleted is read to its end and kept open this long for late writes."
                ),
            ],
            check: { source, checker in
                if source.include.isEmpty {
                    checker.error("include", "a file source needs at least one include pattern")
                }
            }
        )
    }
}

extension JournaldSourceConfig {
    /// `FIELD=value`, where FIELD is a journal field name (uppercase letters, digits, `_`).
    static var matchType: ConfigType<String> {
        .string("FIELD=value") { match in
            guard let equals = match.firstIndex(of: "="), equals != match.startIndex else {
                return "'\(match)' is not a journal match; write FIELD=value, like _SYSTEMD_UNIT=agent.service"
            }
            let field = match[..<equals]
            let valid = field.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
            }
            return valid && !field.first!.isNumber ? nil : "'\(field)' is not a journal field name (A-Z, 0-9, _)"
        }
    }

    static var section: ConfigSection<JournaldSourceConfig> {
        let nonEmpty = ConfigType<String>.string { $0.isEmpty ? "may not be empty" : nil }
        return ConfigSection(
            defaults: JournaldSourceConfig(),
            keys: [
                ConfigKey(
                    "name",
                    \.name,
                    SourceConfig.nameType,
                    required: true,
                    doc: "Unique name of the source, carried in every segment it produces."
                ),
                ConfigKey(
                    "matches",
                    \.matches,
                    .list(of: matchType, unique: true),
                    doc: "Journal matches FIELD=value; an entry is read when it matches any of them."
                ),
                ConfigKey(
                    "units",
                    \.units,
                    .list(of: nonEmpty, unique: true),
                    doc: "systemd units whose entries are read (as _SYSTEMD_UNIT=unit)."
                ),
                ConfigKey(
                    "identifiers",
                    \.identifiers,
                    .list(of: nonEmpty, unique: true),
                    doc: "Syslog identifiers whose entries are read (as SYSLOG_IDENTIFIER=identifier)."
                ),
                ConfigKey(
                    "start_at",
                    \.startAt,
                    .oneOf,
                    doc: "Where to start when there is no checkpoint yet: the journal's beginning, or its end."
                ),
                ConfigKey(
                    "max_line_bytes",
                    \.maxLineBytes,
                    SourceConfig.maxLineBytesKey,
                    unit: "bytes",
                    doc: "Longer MESSAGE fields are truncated to this many bytes and flagged."
                ),
            ],
            check: { source, checker in
                if source.matches.isEmpty && source.units.isEmpty && source.identifiers.isEmpty {
                    checker.error("matches", "a journald source needs at least one of matches, units, identifiers")
                }
            }
        )
    }
}
