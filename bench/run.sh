#!/usr/bin/env bash
# make bench: the detection core's throughput next to its baselines, all measured in this run on this machine.
# Writes bench/out/report.txt; BENCHMARKS.md keeps the figures with this command.
#   SIZE=1GiB SUSPICIOUS=0.005 FORMAT=claude-code bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1GiB}
SUSPICIOUS=${SUSPICIOUS:-0.005}
FORMAT=${FORMAT:-claude-code}
RULES=${RULES:-etc/tracehound/rules.d}
OUT="$(pwd)/bench/out"
mkdir -p "$OUT"
workload="$OUT/workload-$FORMAT-$SIZE-$SUSPICIOUS.jsonl"
[ -s "$workload" ] || python3 bench/generate_transcript.py --format "$FORMAT" --size "$SIZE" \
    --suspicious "$SUSPICIOUS" --seed 1 --output "$workload"
bytes=$(stat -c %s "$workload")
bin=.build/release
# One core, as an agent host would spare: every command below runs pinned to CPU 0.
pin="taskset -c 0"
report="$OUT/report.txt"
: >"$report"

# Warm the page cache so the first command does not pay for the disk.
cat "$workload" >/dev/null

seconds() { # COMMAND...: wall seconds of one run, output discarded; a failed run (status above 1) stops the bench
    local start end status=0
    start=$(date +%s.%N)
    "$@" >/dev/null 2>"$OUT/last-stderr.txt" || status=$?
    end=$(date +%s.%N)
    if [ "$status" -gt 1 ]; then
        echo "bench: '$*' failed with status $status: $(head -c 300 "$OUT/last-stderr.txt")" >&2
        exit 1
    fi
    echo "$end - $start" | bc -l
}
rate() { echo "scale=1; ${2:-$bytes} / 1000000 / $1" | bc -l; }
line() { printf '%-52s %8.2f s %8.1f MB/s\n' "$1" "$2" "$(rate "$2" "${3:-$bytes}")" | tee -a "$report"; }

echo "workload: $workload ($bytes bytes, $(wc -l <"$workload") lines, format $FORMAT, suspicious $SUSPICIOUS)" | tee -a "$report"
echo "rules: $RULES ($(grep -chE '^\s*- (regex|phrase):' "$RULES"/*.yaml | paste -sd+ | bc) patterns); one core (taskset -c 0)" | tee -a "$report"

python3 bench/rules_to_ere.py "$RULES" >"$OUT/patterns.ere"

t_wc=$(seconds $pin wc -l "$workload");                         line "wc -l (baseline: line splitting)" "$t_wc"
t_split=$(seconds $pin $bin/tracehound-bench split "$workload"); line "tracehound line splitting (memchr)" "$t_split"
t_lz4=$(seconds $pin lz4 -1 -c "$workload");                    line "lz4 -1 (baseline)" "$t_lz4"
# grep -E with hundreds of patterns runs at about 13 MB/s here: it is timed on the first 64 MiB, and its rate
# (not its time) is what the ratio below compares.
head -c $((64 << 20)) "$workload" >"$OUT/grep-sample.jsonl"
grep_bytes=$(stat -c %s "$OUT/grep-sample.jsonl")
t_grep_sample=$(seconds $pin grep -E -i -c -f "$OUT/patterns.ere" "$OUT/grep-sample.jsonl")
line "grep -E -i, same patterns, first 64 MiB (baseline)" "$t_grep_sample" "$grep_bytes"
t_grep=$(echo "$t_grep_sample * $bytes / $grep_bytes" | bc -l)
rm -f "$OUT/grep-sample.jsonl"
# The scanners time themselves, so rule compilation (seconds, once per start or reload) stays out of the rate.
scan_seconds() { "$@" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "s") { print $i; exit } }'; }
t_bare=$(scan_seconds $pin $bin/tracehound-bench bare-scan "$RULES" "$workload"); line "bare vectorscan scan, same database (baseline)" "$t_bare"
t_raw=$(scan_seconds $pin $bin/tracehound-bench raw-scan "$RULES" "$workload");   line "raw-line database scan (the fast path alone)" "$t_raw"
/usr/bin/time -v -o "$OUT/time-test-rules.txt" $pin $bin/tracehound test-rules --rules "$RULES" --format "$FORMAT" --json \
    "$workload" >"$OUT/segments.ndjson" 2>"$OUT/summary.txt"
t_tr=$(awk '/^summary:/ { for (i = 1; i < NF; i++) if ($(i + 1) == "s") { print $i; exit } }' "$OUT/summary.txt")
t_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$OUT/time-test-rules.txt")
line "tracehound test-rules --json (the detection core)" "$t_tr"
printf '%-52s %8.2f s\n' "  test-rules wall time, rule compilation included" "$t_wall" | tee -a "$report"

# tracehound run into the spool (sink: none), same workload, one core, until every byte is committed (--once).
rundir="$OUT/run"
rm -rf "$rundir" && mkdir -p "$rundir/logs"
ln -f "$workload" "$rundir/logs/session.jsonl" 2>/dev/null || cp "$workload" "$rundir/logs/session.jsonl"
cat >"$rundir/tracehound.yaml" <<YAML
host_id: bench
data_dir: $rundir/data
sources:
  - {type: file, name: bench, include: ["$rundir/logs/*.jsonl"], format: $FORMAT}
rules: {include: ["$(pwd)/$RULES/*.yaml"]}
spool: {max_bytes: 64GiB, fsync: always}
sink: none
YAML
/usr/bin/time -v -o "$OUT/time-run.txt" $pin $bin/tracehound run --once --config "$rundir/tracehound.yaml" 2>"$OUT/run.log"
t_run=$(awk -F'time=' '/msg=running/ { split($2, a, " "); start = a[1] } /msg=stopped/ { split($2, a, " "); stop = a[1] }
    END { split(start, s, "T"); split(stop, e, "T"); split(s[2], x, ":"); split(e[2], y, ":");
          print (y[1] * 3600 + y[2] * 60 + y[3]) - (x[1] * 3600 + x[2] * 60 + x[3]) }' "$OUT/run.log" | tr -d Z)
line "tracehound run --once into the spool (fsync always)" "$t_run"
rm -rf "$rundir/data"

# Peak RSS with 1,000 small files tailed.
manydir="$OUT/many"
rm -rf "$manydir" && mkdir -p "$manydir/logs"
python3 - "$workload" "$manydir/logs" <<'PY'
import sys
source, folder = sys.argv[1], sys.argv[2]
with open(source, "rb") as handle:
    lines = [next(handle) for _ in range(20000)]
for index in range(1000):
    with open(f"{folder}/session-{index:04d}.jsonl", "wb") as out:
        out.writelines(lines[index * 20:(index + 1) * 20])
PY
sed -e "s#$rundir#$manydir#g" "$rundir/tracehound.yaml" >"$manydir/tracehound.yaml"
/usr/bin/time -v -o "$OUT/time-many.txt" $pin $bin/tracehound run --once --config "$manydir/tracehound.yaml" 2>"$OUT/many.log"
rss_many=$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time-many.txt")
printf '%-52s %8s KiB peak RSS\n' "tracehound run --once, 1,000 files" "$rss_many" | tee -a "$report"
rm -rf "$manydir/data"

{
    echo
    echo 'ratios, test-rules throughput over each baseline (above 1: test-rules is faster):'
    printf '  vs lz4 -1:        %.2f\n' "$(echo "$t_lz4 / $t_tr" | bc -l)"
    printf '  vs grep -E -i:    %.2f\n' "$(echo "$t_grep / $t_tr" | bc -l)"
    printf '  vs bare scan:     %.2f\n' "$(echo "$t_bare / $t_tr" | bc -l)"
    printf 'run into the spool over test-rules: %.2f (goal: at least 0.70)\n' "$(echo "$t_tr / $t_run" | bc -l)"
    printf 'run: peak RSS %s KiB on one 1 GiB file; %s KiB with 1,000 files (goal: under 65536)\n' \
        "$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time-run.txt")" "$rss_many"
    printf 'test-rules: peak RSS %s KiB, CPU %s s user + %s s system, %s voluntary / %s involuntary context switches\n' \
        "$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time-test-rules.txt")" \
        "$(awk -F': ' '/User time/ {print $2}' "$OUT/time-test-rules.txt")" \
        "$(awk -F': ' '/System time/ {print $2}' "$OUT/time-test-rules.txt")" \
        "$(awk -F': ' '/Voluntary context/ {print $2}' "$OUT/time-test-rules.txt")" \
        "$(awk -F': ' '/Involuntary context/ {print $2}' "$OUT/time-test-rules.txt")"
    echo "test-rules summary:"
    sed 's/^/  /' "$OUT/summary.txt"
} | tee -a "$report"
