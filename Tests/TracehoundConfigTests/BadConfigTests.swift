// A table of bad configs: each must fail with exactly one diagnostic at an exact line:column and key path, whose
// message contains the expected text.
import TracehoundConfig
import XCTest

/// One bad config and the one diagnostic it must produce.
struct BadConfig {
    var name: String
    var yaml: String
    var collector = false
    /// `LINE:COLUMN`
    var at: String
    var keyPath: String
    var message: String
}

/// Three lines that make a valid daemon config; cases add their lines from line 4 on.
let validDaemonPrefix = """
    sources:
      - {type: file, name: claude, include: ["/home/*/.claude/projects/*/*.jsonl"]}
    sink: {url: "http://127.0.0.1:7800/v1/batches"}

    """

private func daemon(_ name: String, _ lines: String, at: String, _ keyPath: String, _ message: String) -> BadConfig {
    BadConfig(name: name, yaml: validDaemonPrefix + lines, at: at, keyPath: keyPath, message: message)
}

private func whole(_ name: String, _ yaml: String, at: String, _ keyPath: String, _ message: String) -> BadConfig {
    BadConfig(name: name, yaml: yaml, at: at, keyPath: keyPath, message: message)
}

private func collector(_ name: String, _ yaml: String, at: String, _ keyPath: String, _ message: String) -> BadConfig {
    BadConfig(name: name, yaml: yaml, collector: true, at: at, keyPath: keyPath, message: message)
}

let badConfigs: [BadConfig] = [
    daemon(
        "unknown top-level key",
        "segmnets: {}",
        at: "4:1",
        "segmnets",
        "unknown key 'segmnets' (did you mean 'segments'?)"
    ),
    daemon(
        "unknown nested key",
        "segments:\n  contxt_before: 3",
        at: "5:3",
        "segments.contxt_before",
        "did you mean 'context_before'?"
    ),
    daemon(
        "quoted integer",
        "segments: {max_records: \"20\"}",
        at: "4:25",
        "segments.max_records",
        "expected an integer, got the string \"20\""
    ),
    daemon(
        "integer out of range",
        "segments: {context_before: -1}",
        at: "4:28",
        "segments.context_before",
        "-1 is out of range 0...10000"
    ),
    daemon("float for integer", "rules: {min_score: 2.5}", at: "4:20", "rules.min_score", "'2.5' is not an integer"),
    daemon(
        "duplicate key",
        "batch:\n  max_wait: 1s\n  max_wait: 2s",
        at: "6:3",
        "batch.max_wait",
        "duplicate key 'max_wait' (first at line 5, column 3)"
    ),
    daemon(
        "bad enum with suggestion",
        "spool: {when_full: dropoldest}",
        at: "4:20",
        "spool.when_full",
        "'dropoldest' is not one of: block, drop_oldest (did you mean 'drop_oldest'?)"
    ),
    daemon("ambiguous size unit", "batch: {max_bytes: 1M}", at: "4:20", "batch.max_bytes", "unknown size unit 'M'"),
    daemon(
        "size that is not whole bytes",
        "segments: {max_bytes: 0.3KiB}",
        at: "4:23",
        "segments.max_bytes",
        "'0.3KiB' is not a whole number of bytes"
    ),
    daemon(
        "size out of range",
        "spool: {max_bytes: 10KiB}",
        at: "4:20",
        "spool.max_bytes",
        "10KiB is out of range 1MiB...1024TiB"
    ),
    daemon(
        "duration without unit",
        "batch: {max_wait: 5}",
        at: "4:19",
        "batch.max_wait",
        "'5' needs a unit (ms, s, m, h), like 5s"
    ),
    daemon(
        "duration with unknown unit",
        "segments: {idle_close: 5sec}",
        at: "4:24",
        "segments.idle_close",
        "unknown duration unit 'sec'"
    ),
    daemon(
        "duration out of range",
        "batch: {max_wait: 2h}",
        at: "4:19",
        "batch.max_wait",
        "2h is out of range 1ms...1h"
    ),
    daemon(
        "number out of range",
        "sampling: {baseline_rate: 1.5}",
        at: "4:27",
        "sampling.baseline_rate",
        "1.5 is out of range 0.0...1.0"
    ),
    daemon(
        "enum value of another key",
        "spool: {fsync: yes}",
        at: "4:16",
        "spool.fsync",
        "'yes' is not one of: always, batch, never"
    ),
    daemon(
        "list expected",
        "rules: {include: /etc/tracehound/rules.d/a.yaml}",
        at: "4:18",
        "rules.include",
        "expected a list of path, got a string"
    ),
    daemon(
        "mapping expected",
        "segments: [1, 2]",
        at: "4:11",
        "segments",
        "expected a mapping with keys (context_before, context_after"
    ),
    daemon(
        "unset environment variable",
        "data_dir: ${TRACEHOUND_TEST_UNSET}",
        at: "4:11",
        "data_dir",
        "environment variable TRACEHOUND_TEST_UNSET is not set"
    ),
    daemon(
        "segment larger than a batch",
        "segments: {max_bytes: 2MiB}\nbatch: {max_bytes: 1MiB}",
        at: "4:23",
        "segments.max_bytes",
        "2MiB is larger than batch.max_bytes (1MiB); a segment must fit in one batch"
    ),
    daemon(
        "max_records not above context_before",
        "segments: {context_before: 20, max_records: 10}",
        at: "4:45",
        "segments.max_records",
        "max_records (10) must be larger than context_before (20)"
    ),
    daemon(
        "unknown builtin redaction",
        "redact: {builtin: [aws, awz]}",
        at: "4:25",
        "redact.builtin[1]",
        "'awz' is not one of: aws, github"
    ),
    daemon(
        "builtin listed twice",
        "redact: {builtin: [aws, jwt, aws]}",
        at: "4:30",
        "redact.builtin[2]",
        "listed twice (first as redact.builtin[0])"
    ),
    daemon("merge keys", "batch:\n  <<: {max_wait: 1s}", at: "5:3", "batch.<<", "merge keys (<<) are not supported"),
    daemon(
        "alias to no anchor for a section",
        "segments: *defaults",
        at: "4:11",
        "segments",
        "alias *defaults refers to no anchor before it"
    ),
    daemon(
        "alias to no anchor",
        "batch: {max_wait: *later}",
        at: "4:19",
        "batch.max_wait",
        "alias *later refers to no anchor before it"
    ),
    daemon("unsupported tag", "data_dir: !env DATA", at: "4:11", "data_dir", "unsupported tag !env"),
    daemon("second document", "---\nhost_id: b", at: "4:1", "", "a config file holds one YAML document"),
    whole(
        "no sources key",
        "sink: {url: \"http://127.0.0.1:7800/v1/batches\"}\n",
        at: "1:1",
        "sources",
        "missing required key 'sources'"
    ),
    whole(
        "empty sources list",
        "sources: []\nsink: {url: \"http://127.0.0.1:7800/v1/batches\"}\n",
        at: "1:10",
        "sources",
        "at least one source is needed"
    ),
    whole(
        "source without include",
        "sources:\n  - type: file\n    name: claude\nsink: {url: \"http://127.0.0.1:7800/v1/batches\"}\n",
        at: "2:5",
        "sources[0].include",
        "missing required key 'include'"
    ),
    whole(
        "source without type",
        "sources:\n  - name: claude\n    include: [/a/*.jsonl]\nsink: {url: \"http://127.0.0.1:7800/v1/batches\"}\n",
        at: "2:5",
        "sources[0].type",
        "missing required key 'type' (one of: file, journald)"
    ),
    whole(
        "unknown source type",
        "sources:\n  - type: files\n    name: claude\n    include: [/a/*.jsonl]\nsink: {url: \"http://h/v1/batches\"}\n",
        at: "2:11",
        "sources[0].type",
        "'files' is not one of: file, journald (did you mean 'file'?)"
    ),
    whole(
        "source name used twice",
        "sources:\n  - {type: file, name: a, include: [/x/*]}\n  - {type: journald, name: a, units: [x.service]}\nsink: {url: \"http://h/v1/batches\"}\n",
        at: "3:28",
        "sources[1].name",
        "source name 'a' is already used by sources[0]"
    ),
    whole(
        "bad transcript format",
        "sources:\n  - type: file\n    name: c\n    include: [/a/*.jsonl]\n    format: jsnl\nsink: {url: \"http://h/v1/batches\"}\n",
        at: "5:13",
        "sources[0].format",
        "'jsnl' is not one of: auto, claude-code, codex, jsonl, text (did you mean 'jsonl'?)"
    ),
    whole(
        "tilde in include",
        "sources:\n  - type: file\n    name: c\n    include: [~/.claude/projects/*/*.jsonl]\nsink: {url: \"http://h/v1/batches\"}\n",
        at: "4:15",
        "sources[0].include[0]",
        "'~' is not expanded"
    ),
    whole(
        "journald without selection",
        "sources:\n  - type: journald\n    name: j\nsink: {url: \"http://h/v1/batches\"}\n",
        at: "2:5",
        "sources[0].matches",
        "a journald source needs at least one of matches, units, identifiers"
    ),
    whole(
        "bad journal match",
        "sources:\n  - type: journald\n    name: j\n    matches: [unit=x]\nsink: {url: \"http://h/v1/batches\"}\n",
        at: "4:15",
        "sources[0].matches[0]",
        "'unit' is not a journal field name"
    ),
    whole(
        "cert without key",
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink:\n  url: http://h/v1/batches\n  cert_file: /c.pem\n",
        at: "4:14",
        "sink.cert_file",
        "cert_file needs key_file"
    ),
    whole(
        "url and urls",
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink:\n  url: http://h/v1/batches\n  urls: [http://h/v1/batches]\n",
        at: "3:8",
        "sink.url",
        "give url or urls, not both"
    ),
    whole(
        "sink without url",
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink: {timeout: 5s}\n",
        at: "2:7",
        "sink.url",
        "missing required key 'url' (or 'urls', a list)"
    ),
    whole(
        "bad sink scheme",
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink: {url: \"ftp://h/x\"}\n",
        at: "2:13",
        "sink.url",
        "has scheme 'ftp'; use one of: http, https"
    ),
    whole(
        "quoted boolean",
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink: {url: \"http://h/v1/batches\", tls_insecure_skip_verify: \"true\"}\n",
        at: "2:62",
        "sink.tls_insecure_skip_verify",
        "expected a boolean (true or false), got the string \"true\""
    ),
    whole(
        "yes is not a boolean",
        "sources: [{type: file, name: c, include: [/a/*.jsonl]}]\nsink: {url: \"http://h/v1/batches\", tls_insecure_skip_verify: yes}\n",
        at: "2:62",
        "sink.tls_insecure_skip_verify",
        "'yes' is not a boolean; write true or false"
    ),
    whole("root is a list", "- a\n- b\n", at: "1:1", "", "expected a mapping with keys (host_id"),
    daemon(
        "unclosed flow mapping",
        "segments: {context_before: 1\n",
        at: "5:1",
        "segments",
        "YAML syntax error: did not find expected ',' or '}' while parsing a flow mapping that starts at line 4, column 11"
    ),
    daemon(
        "bad indentation",
        "segments:\n  context_before: 1\n context_after: 2\n",
        at: "6:2",
        "",
        "YAML syntax error: did not find expected key while parsing a block mapping that starts at line 1, column 1"
    ),
    daemon(
        "tab indentation",
        "segments:\n\tcontext_before: 1\n",
        at: "5:1",
        "segments",
        "YAML syntax error: found character that cannot start any token while scanning for the next token"
    ),
    collector(
        "store with unknown scheme",
        "store: mysql://db/segments\n",
        at: "1:8",
        "store",
        "has scheme 'mysql'; use sqlite:///path.db or postgresql://user@host/db"
    ),
    collector(
        "sqlite path not absolute",
        "store: sqlite://segments.db\n",
        at: "1:8",
        "store",
        "write sqlite:///absolute/path.db (three slashes)"
    ),
    collector("listen without port", "listen: 127.0.0.1\n", at: "1:9", "listen", "'127.0.0.1' has no port"),
    collector("port out of range", "listen: 127.0.0.1:70000\n", at: "1:9", "listen", "has no valid port (0...65535)"),
    collector(
        "client CA without TLS",
        "tls:\n  client_ca_file: /etc/ca.pem\n",
        at: "2:19",
        "tls.client_ca_file",
        "client_ca_file needs cert_file and key_file"
    ),
    collector(
        "unknown limits key",
        "limits: {max_body: 1MiB}\n",
        at: "1:10",
        "limits.max_body",
        "unknown key 'max_body' (did you mean 'max_body_bytes'?)"
    ),
]

final class BadConfigTests: XCTestCase {
    func testEveryBadConfigFailsWithItsOneDiagnosticAtItsPlace() {
        XCTAssertGreaterThanOrEqual(badConfigs.count, 20)
        for bad in badConfigs {
            let diagnostics = loadErrors(bad)
            let found = diagnostics.map { "\($0.line):\($0.column) \($0.keyPath): \($0.message)" }
            guard diagnostics.count == 1, let diagnostic = diagnostics.first else {
                XCTFail("[\(bad.name)] expected one diagnostic, got \(diagnostics.count): \(found)")
                continue
            }
            XCTAssertEqual(diagnostic.file, "bad.yaml", "[\(bad.name)]")
            XCTAssertEqual("\(diagnostic.line):\(diagnostic.column)", bad.at, "[\(bad.name)] \(found)")
            XCTAssertEqual(diagnostic.keyPath, bad.keyPath, "[\(bad.name)] \(found)")
            XCTAssertTrue(diagnostic.message.contains(bad.message), "[\(bad.name)] \(found)")
        }
    }

    private func loadErrors(_ bad: BadConfig) -> [ConfigDiagnostic] {
        do {
            if bad.collector {
                _ = try CollectorConfig.load(yaml: bad.yaml, file: "bad.yaml", environment: [:])
            } else {
                _ = try DaemonConfig.load(yaml: bad.yaml, file: "bad.yaml", environment: [:])
            }
            return []
        } catch {
            return error.diagnostics
        }
    }
}
