#!/usr/bin/env bash
# Whole-process throughput of "badgw analyze --no-tui" against wc -l and
# grep -c on the same file, page cache warm, median of RUNS runs.
#
#   bench/whole.sh [LINES] [RUNS]     (defaults: 5000000 lines, 5 runs)
#
# The input is synthetic (bench/genlog), in the seed report's tab format;
# it is generated once into $TMPDIR and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-5000000}
runs=${2:-5}
tmp=${TMPDIR:-/tmp}
log="$tmp/badgw-bench-$lines.log"
bin="$tmp/badgw-bench"
[ -s "$log" ] || go run ./bench/genlog -lines "$lines" > "$log"
go build -o "$bin" ./cmd/badgw
format="log_format main '\$time_iso8601\t\$status\t\$remote_addr\t\$upstream_addr\t\$upstream_status\t\$scheme\t\$request\t\$request_time\t\$upstream_response_time\t\$body_bytes_sent';"
cat "$log" > /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # name, command...
  local name=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local s e
    # Not /dev/null: GNU grep notices it and stops at the first match.
    s=$(date +%s.%N); "$@" > "$tmp/badgw-bench.out"; e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${times[@]}" | median
}

size=$(stat -c %s "$log")
wc_s=$(measure "wc -l" wc -l "$log")
grep_s=$(measure "grep -c 502" grep -c 502 "$log")
badgw_s=$(measure "badgw" "$bin" analyze --no-tui --format "$format" "$log")
rss=$(/usr/bin/time -f %M "$bin" analyze --no-tui --format "$format" "$log" 2>&1 >/dev/null | tail -1)
printf 'input: %s lines, %d MB\n' "$lines" $((size / 1000000))
printf '%-14s %8s s  %8.0f MB/s\n' "wc -l" "$wc_s" "$(echo "$size / $wc_s / 1000000" | bc -l)"
printf '%-14s %8s s  %8.0f MB/s\n' "grep -c 502" "$grep_s" "$(echo "$size / $grep_s / 1000000" | bc -l)"
printf '%-14s %8s s  %8.0f MB/s  peak RSS %d MB\n' "badgw analyze" "$badgw_s" "$(echo "$size / $badgw_s / 1000000" | bc -l)" $((rss / 1024))
printf 'badgw / wc -l = %.1f   badgw / grep = %.2f\n' "$(echo "$badgw_s / $wc_s" | bc -l)" "$(echo "$badgw_s / $grep_s" | bc -l)"
