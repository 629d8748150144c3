#!/usr/bin/env bash
# make bench, part two: the collector's ingest into SQLite and PostgreSQL, and the latency from a suspicious line
# written to its segment on the feed, through a daemon and a collector with default settings. Appends to
# bench/out/report.txt; BENCHMARKS.md keeps the figures with this command.
#   BATCHES=400 PER_BATCH=50 CONCURRENCY=4 MARKERS=200 bench/collector.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(pwd)/bench/out"
bin=.build/release
BATCHES=${BATCHES:-400}
PER_BATCH=${PER_BATCH:-50}
CONCURRENCY=${CONCURRENCY:-4}
MARKERS=${MARKERS:-200}
report="$OUT/report.txt"
mkdir -p "$OUT"
work="$OUT/collector"
rm -rf "$work" && mkdir -p "$work"
chmod 0755 "$work"

# Real segments to send: what test-rules made of the main workload (bench/run.sh), or of a small one.
segments="$OUT/segments.ndjson"
if [ ! -s "$segments" ]; then
    python3 bench/generate_transcript.py --format claude-code --size 64MiB --suspicious 0.005 --seed 1 \
        --output "$work/workload.jsonl"
    $bin/tracehound test-rules --rules etc/tracehound/rules.d --format claude-code --json "$work/workload.jsonl" \
        >"$segments" 2>/dev/null || true
fi
segment_bytes=$(head -n 1000 "$segments" | wc -c)
echo | tee -a "$report"
echo "collector: $BATCHES batches of $PER_BATCH real segments (about $((segment_bytes / 1000)) bytes each)," \
    "$CONCURRENCY concurrent clients, loopback" | tee -a "$report"

token="$work/token"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$token"
chmod 0600 "$token"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "${pg_data:-}" ]; then $as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_collector() { # STORE: starts a collector and sets `port` (not in a subshell: `pids` must keep its pid)
    port=$(free_port)
    cat >"$work/collector-$port.yaml" <<YAML
listen: 127.0.0.1:$port
store: $1
token_file: $token
YAML
    $bin/tracehound-collector serve --config "$work/collector-$port.yaml" --log-format logfmt \
        >>"$work/collector.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 200); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return
        sleep 0.05
    done
    echo "bench: the collector did not start: $(tail -n 5 "$work/collector.log")" >&2
    exit 1
}

rate_of() { awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "segments/s") { print $i; exit } }' <<<"$1"; }

ingest() { # NAME STORE BASELINE_STORE
    local result baseline
    baseline=$($bin/tracehound-bench store-ingest "$3" "$segments" "$BATCHES" "$PER_BATCH" "$CONCURRENCY")
    printf '%-52s %s\n' "  baseline: BatchParser + store, no HTTP" "$baseline" | tee -a "$report"
    start_collector "$2"
    result=$($bin/tracehound-bench ingest "http://127.0.0.1:$port/v1/batches" "$token" "$segments" \
        "$BATCHES" "$PER_BATCH" "$CONCURRENCY")
    printf '%-52s %s\n' "$1" "$result" | tee -a "$report"
    printf '%-52s %.2f\n' "  over the baseline" "$(echo "$(rate_of "$result") / $(rate_of "$baseline")" | bc -l)" \
        | tee -a "$report"
}

# A PostgreSQL cluster with production durability (fsync and synchronous_commit on), on a Unix socket.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_data="$work/pg/data"
as_postgres=""
mkdir -p "$work/pg"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$work/pg"
    as_postgres="runuser -u postgres --"
fi
$as_postgres "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust --no-instructions -E UTF8 --locale=C >/dev/null
$as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$work/pg' -c max_connections=50" start >/dev/null

ingest "collector ingest into SQLite (synchronous=FULL)" "sqlite://$work/segments.db" "sqlite://$work/baseline.db"
pg="postgresql://postgres@/postgres?host=$work/pg"
ingest "collector ingest into PostgreSQL (fsync on)" "$pg" "$pg"

# Latency: a daemon with the shipped defaults (batch.max_wait, segments.context_after, fsync always) tailing one
# transcript into a collector on SQLite; a line every 10 ms, every 25th suspicious: far enough apart that each
# hit's segment closes on its own context (4 records after it), so what is measured is the path, not a merge.
start_collector "sqlite://$work/latency.db"
mkdir -p "$work/logs"
: >"$work/logs/session.log"
cat >"$work/tracehound.yaml" <<YAML
host_id: bench
data_dir: $work/data
sources:
  - {type: file, name: bench, include: ["$work/logs/*.log"], format: text}
rules: {include: ["$work/rules.yaml"]}
sink: {url: "http://127.0.0.1:$port/v1/batches", token_file: $token}
YAML
cat >"$work/rules.yaml" <<'YAML'
rules:
  - {id: bench.latency, category: bench, severity: high, patterns: [{regex: 'LATENCY-[0-9]+'}]}
YAML
$bin/tracehound run --config "$work/tracehound.yaml" --log-format logfmt 2>>"$work/daemon.log" &
pids+=($!)
for _ in $(seq 1 600); do grep -q 'msg=running' "$work/daemon.log" 2>/dev/null && break; sleep 0.05; done
result=$($bin/tracehound-bench latency "http://127.0.0.1:$port/v1/segments" "$token" "$work/logs/session.log" \
    "$MARKERS" 10 25)
printf '%-52s %s\n' "line written to segment on the feed (defaults)" "$result" | tee -a "$report"
echo "goal: p99 under 1 s on loopback" | tee -a "$report"
